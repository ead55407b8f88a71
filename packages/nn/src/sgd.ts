import { DomainError } from '@x/gpu';
import { checkBoolean, checkOptions } from '@x/gpu/checks';
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

/** Hyperparameters of {@link SGD}: learning rate, momentum (optionally Nesterov), weight decay. */
export interface SGDOptions {
  /** Step size (default 1e-2). May be changed between steps for schedules. */
  lr?: number;
  /** Heavy-ball momentum μ in [0, 1) (default 0). */
  momentum?: number;
  /** Nesterov momentum (Sutskever et al. 2013, eq. 3-4 in the PyTorch form). Default false. */
  nesterov?: boolean;
  /** L2 weight decay λ added to the gradient (g += λ p). Default 0. */
  weightDecay?: number;
}

/**
 * What {@link SGD.toJSON} returns: the `@x` state envelope, per-parameter slot `buf` (the momentum
 * buffer), laid out as @x/optim's `SGD` writes it.
 */
export type SGDJSON = OptimizerStateJSON<'SGD', Required<SGDOptions>>;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, in PyTorch's form:
 * b = μ b + g; p -= lr (nesterov ? g + μ b : b). O(#params) per step.
 */
export class SGD implements Optimizer {
  lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  t = 0;
  private state = new Map<string, Float64Array[]>();

  constructor(opts: SGDOptions = {}) {
    // A toJSON() snapshot is accepted as options too (fromJSON passes one).
    opts = checkOptions('SGD', opts, [...['lr', 'momentum', 'nesterov', 'weightDecay'], 'type', 't', 'state']);
    this.lr = checkRate('SGD', 'lr', opts.lr ?? 1e-2);
    this.momentum = checkRate('SGD', 'momentum', opts.momentum ?? 0, 0, 1);
    this.nesterov = opts.nesterov === undefined ? false : checkBoolean('SGD', 'nesterov', opts.nesterov);
    this.weightDecay = checkRate('SGD', 'weightDecay', opts.weightDecay ?? 0);
    if (this.nesterov && this.momentum === 0) throw new DomainError('SGD: nesterov needs momentum > 0');
  }

  step(params: Parameter[]): void {
    checkParams('SGD.step', params);
    const lr = checkRate('SGD', 'lr', this.lr);
    const { momentum: mu, nesterov, weightDecay: wd } = this;
    if (mu > 0) for (const p of params) stateFor('SGD', this.state, p, 1);
    this.t++;
    for (const p of params) {
      const w = p.value;
      const g = p.grad;
      if (mu === 0) {
        for (let i = 0; i < w.length; i++) w[i]! -= lr * (g[i]! + wd * w[i]!);
        continue;
      }
      const b = this.state.get(p.name)![0]!;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! + wd * w[i]!;
        const bi = mu * b[i]! + gi;
        b[i] = bi;
        w[i]! -= lr * (nesterov ? gi + mu * bi : bi);
      }
    }
  }

  /** The state envelope: hyperparameters as `config`, step count and momentum buffers (bit-exact) as `state`. */
  toJSON(): SGDJSON {
    const config = { lr: this.lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
    return optimizerToJSON('SGD', config, this.t, this.state, ['buf']);
  }

  /**
   * Restores hyperparameters, step count and momentum buffers exactly (the envelope, also as
   * @x/optim's `SGD` writes it without dampening or schedule, or the unversioned format of
   * earlier releases). Throws a DomainError/ShapeError naming the field for malformed JSON.
   */
  static fromJSON(json: SGDJSON): SGD {
    const { config, t, store } = optimizerFromJSONOf('SGD', json, ['buf'], (c) => typeof c.momentum === 'number' && c.momentum > 0);
    if ((config.dampening !== undefined && config.dampening !== 0) || config.schedule !== undefined) {
      throw new DomainError('SGD.fromJSON: config has dampening or a schedule, which @x/nn\'s SGD does not support (use @x/optim\'s SGD)');
    }
    const s = new SGD(config as SGDOptions);
    s.t = t;
    s.state = store;
    return s;
  }
}
