import { type BaseOptions, checkJSON, f64, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import { checkBoolean } from '@x/gpu/checks';
import type { ParamView } from './params';
import { checkNonNegative, checkUnit, shapeMismatch } from './validate';
import { DomainError } from '@x/gpu';

/** Options of {@link SGD}. */
export interface SGDOptions extends BaseOptions {
  /** Default 0.01. */
  lr?: number;
  /** Heavy-ball momentum mu in [0, 1), default 0. */
  momentum?: number;
  /** Dampening of the momentum update, default 0. */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 weight decay folded into the gradient, default 0. */
  weightDecay?: number;
}

/** What {@link SGD.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type SGDJSON = OptimizerJSON<'SGD', SGDOptions>;

/**
 * Stochastic gradient descent with heavy-ball or Nesterov momentum, as torch.optim.SGD
 * (Sutskever et al., ICML 2013, eq. 3-4 in the "velocity" form):
 * g <- g + wd w; b <- mu b + (1 - dampening) g (b = g on the first step);
 * d = g + mu b (Nesterov) or b; w <- w - lr d.
 */
export class SGD extends OptimizerBase<SGDOptions> {
  private readonly mu: number;
  private readonly damp: number;
  private readonly nesterov: boolean;
  private readonly wd: number;

  constructor(options: SGDOptions = {}) {
    super('SGD', options, 0.01, ['lr', 'schedule', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
    this.mu = checkUnit('SGD', 'momentum', options.momentum ?? 0);
    this.damp = checkUnit('SGD', 'dampening', options.dampening ?? 0, 0, 1.0000001);
    this.nesterov = checkBoolean('SGD', 'nesterov', options.nesterov ?? false);
    this.wd = checkNonNegative('SGD', 'weightDecay', options.weightDecay ?? 0);
    if (this.nesterov && (this.mu <= 0 || this.damp !== 0)) {
      throw new DomainError('SGD: nesterov needs momentum > 0 and dampening 0');
    }
  }

  /** Plain SGD (momentum 0) keeps no state. */
  protected override keepsState(): boolean {
    return this.mu > 0;
  }

  protected checkState(v: ParamView, s: ParamState): void {
    const b = s.buf;
    if (b instanceof Float64Array && b.length !== v.w.length) throw shapeMismatch('SGD', v.name, `${b.length} entries`, `${v.w.length} entries`);
  }

  protected update(v: ParamView, lr: number): void {
    const { w, g } = v;
    const n = w.length;
    if (this.mu === 0) {
      for (let i = 0; i < n; i++) w[i] = w[i]! - lr * (g[i]! + this.wd * w[i]!);
      return;
    }
    let s = this.state.get(v.name);
    const first = !s;
    if (!s) {
      s = { buf: new Float64Array(n) };
      this.state.set(v.name, s);
    }
    const b = f64(s, 'buf');
    for (let i = 0; i < n; i++) {
      const gi = g[i]! + this.wd * w[i]!;
      const bi = first ? gi : this.mu * b[i]! + (1 - this.damp) * gi;
      b[i] = bi;
      w[i] = w[i]! - lr * (this.nesterov ? gi + this.mu * bi : bi);
    }
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): SGDJSON {
    return super.toJSON() as SGDJSON;
  }

  /**
   * Rebuilds an optimizer from {@link SGD.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: SGDJSON): SGD {
    const j = checkJSON('SGD', json);
    return new SGD(j.options as SGDOptions).restore(j);
  }
}
