import { adamStepInPlace, decayInPlace } from './adam-kernel';
import { dctBackProject, dctProjection } from './dct-projection';
import { type AuxAdamOptions, muonShapeScale } from './muon';
import { newtonSchulz5 } from './newton-schulz';
import { type BaseOptions, checkJSON, f64, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkInt, checkNonNegative, checkOneOf, checkRank, checkUnit, shapeMismatch } from './validate';

/** Options of {@link Trion}. */
export interface TrionOptions extends BaseOptions, AuxAdamOptions {
  /** Learning rate of the matrix parameters, default 0.02 (trion.py). */
  lr?: number;
  /** Number of DCT columns (rows) kept, default 128; at most min(rows, cols) of each matrix. */
  rank?: number;
  /** Momentum μ: the part of the selected component kept in the buffer, default 0.95. */
  momentum?: number;
  /** Column score: 1 (l1, the reference) or 2 (l2). Default 1. */
  norm?: 1 | 2;
  /** Newton-Schulz iterations on the low-rank factor, default 5. */
  nsSteps?: number;
  /** Decoupled weight decay of the matrix parameters, default 0. */
  weightDecay?: number;
  /**
   * Shape scaling of the update (trion.py's `scaling_type`): 'keller' (default) sqrt(max(1, rows/cols)),
   * 'moonlight' 0.2 sqrt(max(rows, cols)), 'none' 1.
   */
  shapeScale?: 'keller' | 'moonlight' | 'none';
}

/** What {@link Trion.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type TrionJSON = OptimizerJSON<'Trion', TrionOptions>;

/**
 * Trion (Modoranu et al., "SVD-Free Low-Rank Adaptive Gradient Optimization for Large Language
 * Models", arXiv 2505.17967; ISTA-DASLab `fft_low_rank/trion.py`): Dion's low-rank orthogonalized
 * update with error feedback, where the low-rank basis is a set of DCT columns chosen every step
 * (no power iteration, no QR) and the factor is orthogonalized by Muon's Newton-Schulz quintic.
 * Per 2-D parameter, with the full momentum buffer M (rows >= cols: right projection; else left):
 *
 *   M <- M + G;  S = M Q;  I = top-r columns of S by l1 norm;  m = S[:, I]
 *   M <- M - (1 - μ) m Q_Iᵀ      (error feedback: the unselected part and μ of the selected stay)
 *   O = NS5(m);  w <- w (1 - lr wd) - lr · scale · O Q_Iᵀ
 *
 * (left: S = Qᵀ M, rows selected, M <- M - (1 - μ) Q_I m, update Q_I O). Q is the orthonormal
 * DCT-II basis of size min(rows, cols), so only the r indices are needed to map back. Vectors and
 * the parameters named in `adamNames` take the AdamW step (as Muon's auxiliary Adam).
 * State: the momentum buffer (rows x cols) per matrix. Float64 throughout (the reference
 * orthogonalizes in bfloat16).
 * Complexity per m x n matrix (m >= n): O(m n²) for S (O(m n log n) with a fast DCT), O(m n r)
 * to map back, NS5 on m x r: O(m r²).
 */
export class Trion extends OptimizerBase<TrionOptions> {
  private readonly rank: number;
  private readonly mu: number;
  private readonly norm: 1 | 2;
  private readonly nsSteps: number;
  private readonly wd: number;
  private readonly shapeScale: 'keller' | 'moonlight' | 'none';
  private readonly adamNames: ReadonlySet<string>;
  private readonly adamLr: number;
  private readonly ab1: number;
  private readonly ab2: number;
  private readonly aeps: number;
  private readonly awd: number;

  constructor(options: TrionOptions = {}) {
    super('Trion', options, 0.02, ['lr', 'schedule', 'rank', 'momentum', 'norm', 'nsSteps', 'weightDecay', 'shapeScale', 'adamNames', 'adamLr', 'adamBetas', 'adamEps', 'adamWeightDecay']);
    this.rank = checkInt('Trion', 'rank', options.rank ?? 128);
    this.mu = checkUnit('Trion', 'momentum', options.momentum ?? 0.95);
    this.norm = checkOneOf('Trion', 'norm', options.norm ?? 1, [1, 2] as const);
    this.nsSteps = checkInt('Trion', 'nsSteps', options.nsSteps ?? 5, 0);
    this.wd = checkNonNegative('Trion', 'weightDecay', options.weightDecay ?? 0);
    this.shapeScale = checkOneOf('Trion', 'shapeScale', options.shapeScale ?? 'keller', ['keller', 'moonlight', 'none'] as const);
    this.adamNames = new Set(options.adamNames ?? []);
    this.adamLr = checkNonNegative('Trion', 'adamLr', options.adamLr ?? 3e-4);
    const [b1, b2] = options.adamBetas ?? [0.9, 0.95];
    this.ab1 = checkUnit('Trion', 'adamBetas[0]', b1);
    this.ab2 = checkUnit('Trion', 'adamBetas[1]', b2);
    this.aeps = checkNonNegative('Trion', 'adamEps', options.adamEps ?? 1e-10);
    this.awd = checkNonNegative('Trion', 'adamWeightDecay', options.adamWeightDecay ?? 0);
  }

  /** Whether a parameter takes the Trion step (2-D, both sides > 1, not in adamNames; else AdamW). */
  protected usesTrion(v: Pick<ParamView, 'name' | 'isMatrix' | 'rows' | 'cols'>): boolean {
    return v.isMatrix && v.rows > 1 && v.cols > 1 && !this.adamNames.has(v.name);
  }

  protected override precheck(v: ParamView): void {
    if (this.usesTrion(v)) checkRank('Trion', this.rank, v.rows, v.cols);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    const n = f64(s, 'm').length;
    if (n !== v.w.length || (s.v === undefined) === !this.usesTrion(v)) throw shapeMismatch('Trion', v.name, `${n} entries`, `${v.rows}x${v.cols}`);
  }

  protected update(p: ParamView, lr: number, t: number, factor: number): void {
    const trion = this.usesTrion(p);
    let s = this.state.get(p.name);
    if (!s) {
      s = trion ? { m: new Float64Array(p.w.length) } : { m: new Float64Array(p.w.length), v: new Float64Array(p.w.length) };
      this.state.set(p.name, s);
    }
    if (!trion) {
      const alr = this.adamLr * factor;
      decayInPlace(p.w, alr, this.awd);
      adamStepInPlace(p.w, p.g, f64(s, 'm'), f64(s, 'v'), alr, this.ab1, this.ab2, this.aeps, t);
      return;
    }
    const { rows, cols } = p;
    const M = f64(s, 'm');
    for (let i = 0; i < M.length; i++) M[i] = M[i]! + p.g[i]!;
    const side = rows >= cols ? 'right' : 'left';
    const size = Math.min(rows, cols);
    const sel = dctProjection({ rows, cols, data: M }, this.rank, { norm: this.norm, side });
    const back = dctBackProject(sel.projected, sel.indices, side, size);
    const keep = 1 - this.mu;
    for (let i = 0; i < M.length; i++) M[i] = M[i]! - keep * back.data[i]!;
    const O = newtonSchulz5(sel.projected, { steps: this.nsSteps });
    const U = dctBackProject(O, sel.indices, side, size);
    const sc = muonShapeScale(this.shapeScale, rows, cols);
    decayInPlace(p.w, lr, this.wd);
    const w = p.w;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * sc * U.data[i]!;
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): TrionJSON {
    return super.toJSON() as TrionJSON;
  }

  /**
   * Rebuilds an optimizer from {@link Trion.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: TrionJSON): Trion {
    const j = checkJSON('Trion', json);
    return new Trion(j.options as TrionOptions).restore(j);
  }
}
