import { adamStepInPlace, decayInPlace } from './adam-kernel';
import { checkBoolean } from '@x/gpu/checks';
import { type BaseOptions, checkJSON, f64, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkNonNegative, checkUnit, shapeMismatch } from './validate';

/** Options of {@link AdamW}. */
export interface AdamWOptions extends BaseOptions {
  /** Default 1e-3. */
  lr?: number;
  /** [beta1, beta2], default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Weight decay, default 0.01. */
  weightDecay?: number;
  /**
   * true (default): decoupled decay w <- w (1 - lr wd) before the step (AdamW).
   * false: classic Adam with L2 decay folded into the gradient, g <- g + wd w.
   */
  decoupled?: boolean;
}

/** What {@link AdamW.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type AdamWJSON = OptimizerJSON<'AdamW', AdamWOptions>;

/**
 * Adam / AdamW (Kingma & Ba, ICLR 2015, Alg. 1; Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019, Alg. 2), matching torch.optim.AdamW: decay first, then
 * w <- w - (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps). O(size) per step, state m and v per parameter.
 */
export class AdamW extends OptimizerBase<AdamWOptions> {
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private readonly decoupled: boolean;

  constructor(options: AdamWOptions = {}) {
    super('AdamW', options, 1e-3, ['lr', 'schedule', 'betas', 'eps', 'weightDecay', 'decoupled']);
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.b1 = checkUnit('AdamW', 'betas[0]', b1);
    this.b2 = checkUnit('AdamW', 'betas[1]', b2);
    this.eps = checkNonNegative('AdamW', 'eps', options.eps ?? 1e-8);
    this.wd = checkNonNegative('AdamW', 'weightDecay', options.weightDecay ?? 0.01);
    this.decoupled = checkBoolean('AdamW', 'decoupled', options.decoupled ?? true);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    if (f64(s, 'm').length !== v.w.length) throw shapeMismatch('AdamW', v.name, `${f64(s, 'm').length} entries`, `${v.w.length} entries`);
  }

  protected update(v: ParamView, lr: number, t: number): void {
    let s = this.state.get(v.name);
    if (!s) {
      s = { m: new Float64Array(v.w.length), v: new Float64Array(v.w.length) };
      this.state.set(v.name, s);
    }
    if (this.decoupled) decayInPlace(v.w, lr, this.wd);
    adamStepInPlace(v.w, v.g, f64(s, 'm'), f64(s, 'v'), lr, this.b1, this.b2, this.eps, t, this.decoupled ? 0 : this.wd);
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): AdamWJSON {
    return super.toJSON() as AdamWJSON;
  }

  /**
   * Rebuilds an optimizer from {@link AdamW.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: AdamWJSON): AdamW {
    const j = checkJSON('AdamW', json);
    return new AdamW(j.options as AdamWOptions).restore(j);
  }
}
