import { checkOptions } from '@x/gpu/checks';
import type { Parameter } from './module';
import {
  checkParams,
  checkRate,
  type Optimizer,
  type OptimizerStateJSON,
  optimizerFromJSONOf,
  optimizerToJSON,
  stateFor,
} from './optimizer';

/** Hyperparameters of {@link Adam}: learning rate, β1, β2, ε, weight decay. */
export interface AdamOptions {
  /** Step size α (default 1e-3). May be changed between steps (`adam.lr = ...`) for schedules. */
  lr?: number;
  /** First-moment decay β1 (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 (default 0.999). */
  beta2?: number;
  /** ε added to sqrt(v̂) (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay λ (AdamW, Loshchilov & Hutter 2019): p -= α λ p each step. Default 0. */
  weightDecay?: number;
}

/** What {@link Adam.toJSON} returns: the `@x` state envelope, per-parameter slots `m` and `v`. */
export type AdamJSON = OptimizerStateJSON<'Adam', Required<AdamOptions>>;

/**
 * Adam (Kingma & Ba 2015, Algorithm 1): m = β1 m + (1-β1) g, v = β2 v + (1-β2) g²,
 * p -= α m̂ / (sqrt(v̂) + ε) with bias-corrected m̂ = m/(1-β1^t), v̂ = v/(1-β2^t).
 * State is keyed by parameter name; O(#params) per step.
 */
export class Adam implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Number of steps taken. */
  t = 0;
  private state = new Map<string, Float64Array[]>();

  constructor(opts: AdamOptions = {}) {
    // A toJSON() snapshot is accepted as options too (fromJSON passes one).
    opts = checkOptions('Adam', opts, [...['lr', 'beta1', 'beta2', 'eps', 'weightDecay'], 'type', 't', 'state']);
    this.lr = checkRate('Adam', 'lr', opts.lr ?? 1e-3);
    this.beta1 = checkRate('Adam', 'beta1', opts.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRate('Adam', 'beta2', opts.beta2 ?? 0.999, 0, 1);
    this.eps = checkRate('Adam', 'eps', opts.eps ?? 1e-8);
    this.weightDecay = checkRate('Adam', 'weightDecay', opts.weightDecay ?? 0);
  }

  step(params: Parameter[]): void {
    checkParams('Adam.step', params);
    const lr = checkRate('Adam', 'lr', this.lr);
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    for (const p of params) stateFor('Adam', this.state, p, 2);
    this.t++;
    const c1 = 1 / (1 - b1 ** this.t);
    const c2 = 1 / (1 - b2 ** this.t);
    for (const p of params) {
      const [m, v] = this.state.get(p.name)! as [Float64Array, Float64Array];
      const w = p.value;
      const g = p.grad;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        if (wd !== 0) w[i]! -= lr * wd * w[i]!;
        w[i]! -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
      }
    }
  }

  /** The state envelope: hyperparameters as `config`, step count and moments (bit-exact) as `state`. */
  toJSON(): AdamJSON {
    const config = { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
    return optimizerToJSON('Adam', config, this.t, this.state, ['m', 'v']);
  }

  /**
   * Restores hyperparameters, step count and moments exactly (the envelope, or the unversioned
   * format of earlier releases). Throws a DomainError/ShapeError naming the field for malformed
   * JSON, and for a step count without the moments it implies.
   */
  static fromJSON(json: AdamJSON): Adam {
    const { config, t, store } = optimizerFromJSONOf('Adam', json, ['m', 'v'], () => true);
    const a = new Adam(config as AdamOptions);
    a.t = t;
    a.state = store;
    return a;
  }
}
