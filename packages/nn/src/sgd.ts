import { DomainError } from '@x/gpu';
import { checkBoolean, checkOptions } from '@x/gpu/checks';
import type { Parameter } from './module';
import { checkParams, checkRate, type Optimizer, stateFor, stateFromJSON, stateToJSON } from './optimizer';

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

  toJSON(): { type: 'SGD'; lr: number; momentum: number; nesterov: boolean; weightDecay: number; t: number; state: Record<string, number[][]> } {
    return {
      type: 'SGD',
      lr: this.lr,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
      t: this.t,
      state: stateToJSON(this.state),
    };
  }

  static fromJSON(json: unknown): SGD {
    const j = json as ReturnType<SGD['toJSON']>;
    if (!j || j.type !== 'SGD') throw new DomainError('SGD.fromJSON: expected the output of SGD.toJSON()');
    const s = new SGD(j);
    if (!Number.isInteger(j.t) || j.t < 0) throw new DomainError(`SGD.fromJSON: t must be a non-negative integer, got ${j.t}`);
    s.t = j.t;
    s.state = stateFromJSON('SGD.fromJSON', j.state, 1);
    return s;
  }
}
