import type { Matrix } from '@x/gpu';
import { matmul } from '@x/gpu';
import { svdK } from './linalg-deps';
import { type BaseOptions, checkJSON, f64, num, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkInt, checkNonNegative, checkOneOf, checkRank, checkUnit, shapeMismatch } from './validate';

/** Which side(s) GaLore projects (galore_projector.py `proj_type`). */
export type GaLoreProjType = 'std' | 'reverse_std' | 'left' | 'right' | 'full';

/** Options of {@link GaLoreAdamW}. */
export interface GaLoreOptions extends BaseOptions {
  /** Default 0.01 (the paper's pre-training setting). */
  lr?: number;
  /** Projection rank r, default 128 (must not exceed min(rows, cols) of any projected matrix). */
  rank?: number;
  /** Recompute the projection every `updateProjGap` steps (the first step included), default 200. */
  updateProjGap?: number;
  /** Multiplier of the projected-back update, default 0.25. */
  scale?: number;
  /** Default 'std': right when rows >= cols, else left. */
  projType?: GaLoreProjType;
  /** Names of 2-D parameters that take the plain (unprojected) AdamW step, e.g. embeddings and heads. */
  adamNames?: readonly string[];
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-6 (transformers' AdamW, which GaLore's adamw.py extends). */
  eps?: number;
  /** Decoupled weight decay applied after the step, w <- w (1 - lr wd); default 0. */
  weightDecay?: number;
}

const RIGHT = 0;
const LEFT = 1;
const FULL = 2;

/** What {@link GaLoreAdamW.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type GaLoreAdamWJSON = OptimizerJSON<'GaLoreAdamW', GaLoreOptions>;

/**
 * GaLore (Zhao et al., "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection",
 * ICML 2024, Alg. 2; jiaweizzhao/GaLore galore_projector.py and adamw.py): every
 * `updateProjGap` steps the projector is recomputed from a truncated SVD of the current
 * gradient G = U S Vᵀ (right: P = V_r, g = G P; left: P = U_r, g = Pᵀ G; full: g = U_rᵀ G V_r);
 * Adam runs on g with transformers-AdamW bias correction (step = lr sqrt(bc2)/bc1,
 * N = m / (sqrt(v) + eps)), the update is projected back times `scale`, then decoupled decay.
 * Moments are not rotated when the projector changes (as in the reference).
 *
 * A documented choice: each singular vector's sign is fixed so that its largest-magnitude entry
 * is positive (the reference inherits whatever torch.linalg.svd returns), so runs are
 * reproducible across SVD implementations. 1-D parameters take the same AdamW unprojected.
 * Complexity per refresh: one rank-r SVD of an m x n matrix; per step O(m n r).
 */
export class GaLoreAdamW extends OptimizerBase<GaLoreOptions> {
  private readonly rank: number;
  private readonly gap: number;
  private readonly scale: number;
  private readonly projType: GaLoreProjType;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private readonly adamNames: ReadonlySet<string>;

  constructor(options: GaLoreOptions = {}) {
    super('GaLoreAdamW', options, 0.01, ['lr', 'schedule', 'rank', 'updateProjGap', 'scale', 'projType', 'adamNames', 'betas', 'eps', 'weightDecay']);
    this.rank = checkInt('GaLoreAdamW', 'rank', options.rank ?? 128);
    this.gap = checkInt('GaLoreAdamW', 'updateProjGap', options.updateProjGap ?? 200);
    this.scale = checkNonNegative('GaLoreAdamW', 'scale', options.scale ?? 0.25);
    this.projType = checkOneOf('GaLoreAdamW', 'projType', options.projType ?? 'std', ['std', 'reverse_std', 'left', 'right', 'full'] as const);
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.b1 = checkUnit('GaLoreAdamW', 'betas[0]', b1);
    this.b2 = checkUnit('GaLoreAdamW', 'betas[1]', b2);
    this.eps = checkNonNegative('GaLoreAdamW', 'eps', options.eps ?? 1e-6);
    this.wd = checkNonNegative('GaLoreAdamW', 'weightDecay', options.weightDecay ?? 0);
    this.adamNames = new Set(options.adamNames ?? []);
  }

  /** Whether a parameter gets the low-rank step (2-D and not listed in adamNames). */
  protected projects(v: Pick<ParamView, 'name' | 'isMatrix'>): boolean {
    return v.isMatrix && !this.adamNames.has(v.name);
  }

  /** The side a rows x cols gradient is projected on (0 right, 1 left, 2 full). */
  sideFor(rows: number, cols: number): number {
    switch (this.projType) {
      case 'std':
        return rows >= cols ? RIGHT : LEFT;
      case 'reverse_std':
        return rows >= cols ? LEFT : RIGHT;
      case 'right':
        return RIGHT;
      case 'left':
        return LEFT;
      case 'full':
        return FULL;
    }
  }

  protected override precheck(v: ParamView): void {
    if (this.projects(v)) checkRank('GaLoreAdamW', this.rank, v.rows, v.cols);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    const rows = num(s, 'rows');
    const cols = num(s, 'cols');
    if (rows !== v.rows || cols !== v.cols) throw shapeMismatch('GaLoreAdamW', v.name, `${rows}x${cols}`, `${v.rows}x${v.cols}`);
  }

  protected update(p: ParamView, lr: number, t: number): void {
    let s = this.state.get(p.name);
    const bc1 = 1 - this.b1 ** t;
    const stepSize = (lr * Math.sqrt(1 - this.b2 ** t)) / bc1;
    if (!this.projects(p)) {
      if (!s) {
        s = { rows: p.rows, cols: p.cols, m: new Float64Array(p.w.length), v: new Float64Array(p.w.length) };
        this.state.set(p.name, s);
      }
      const N = this.moments(s, p.g);
      for (let i = 0; i < p.w.length; i++) p.w[i] = p.w[i]! - stepSize * N[i]!;
      this.decay(p, lr);
      return;
    }
    const { rows: m, cols: n } = p;
    const r = this.rank;
    const side = this.sideFor(m, n);
    const G: Matrix = { rows: m, cols: n, data: p.g };
    if (!s) {
      const low = side === RIGHT ? m * r : side === LEFT ? r * n : r * r;
      s = { rows: m, cols: n, side, m: new Float64Array(low), v: new Float64Array(low) };
      this.state.set(p.name, s);
    }
    if ((t - 1) % this.gap === 0) this.refresh(s, G, side);
    const PU: Matrix = { rows: m, cols: r, data: side === RIGHT ? new Float64Array(0) : f64(s, 'U') };
    const PV: Matrix = { rows: n, cols: r, data: side === LEFT ? new Float64Array(0) : f64(s, 'V') };
    let g: Matrix;
    if (side === RIGHT) g = matmul(G, PV);
    else if (side === LEFT) g = matmul(PU, G, { transA: true });
    else g = matmul(matmul(PU, G, { transA: true }), PV);
    const N = this.moments(s, g.data);
    const Nm: Matrix = { rows: g.rows, cols: g.cols, data: N };
    let back: Matrix;
    if (side === RIGHT) back = matmul(Nm, PV, { transB: true });
    else if (side === LEFT) back = matmul(PU, Nm);
    else back = matmul(matmul(PU, Nm), PV, { transB: true });
    const w = p.w;
    const c = stepSize * this.scale;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - c * back.data[i]!;
    this.decay(p, lr);
  }

  /** Adam moments on the (projected) gradient; returns N = m / (sqrt(v) + eps). */
  private moments(s: ParamState, g: ArrayLike<number>): Float64Array {
    const mm = f64(s, 'm');
    const vv = f64(s, 'v');
    const N = new Float64Array(mm.length);
    for (let i = 0; i < mm.length; i++) {
      const gi = g[i]!;
      mm[i] = this.b1 * mm[i]! + (1 - this.b1) * gi;
      vv[i] = this.b2 * vv[i]! + (1 - this.b2) * gi * gi;
      N[i] = mm[i]! / (Math.sqrt(vv[i]!) + this.eps);
    }
    return N;
  }

  private decay(p: ParamView, lr: number): void {
    if (this.wd === 0) return;
    const f = lr * this.wd;
    for (let i = 0; i < p.w.length; i++) p.w[i] = p.w[i]! - f * p.w[i]!;
  }

  /** Recomputes the projector from a rank-r SVD of G, with the sign convention of the class doc. */
  private refresh(s: ParamState, G: Matrix, side: number): void {
    const r = this.rank;
    const { U, V } = svdK(G, r);
    const m = G.rows;
    const n = G.cols;
    const u = new Float64Array(m * r);
    const v = new Float64Array(n * r);
    for (let k = 0; k < r; k++) {
      // Sign from the factor that is used (U for left/full, V for right).
      const ref = side === RIGHT ? V : U;
      let best = 0;
      for (let i = 0; i < ref.rows; i++) {
        const x = ref.data[i * ref.cols + k]!;
        if (Math.abs(x) > Math.abs(best)) best = x;
      }
      const sg = best < 0 ? -1 : 1;
      for (let i = 0; i < m; i++) u[i * r + k] = sg * U.data[i * U.cols + k]!;
      for (let i = 0; i < n; i++) v[i * r + k] = sg * V.data[i * V.cols + k]!;
    }
    if (side !== RIGHT) s.U = u;
    if (side !== LEFT) s.V = v;
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): GaLoreAdamWJSON {
    return super.toJSON() as GaLoreAdamWJSON;
  }

  /**
   * Rebuilds an optimizer from {@link GaLoreAdamW.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: GaLoreAdamWJSON): GaLoreAdamW {
    const j = checkJSON('GaLoreAdamW', json);
    return new GaLoreAdamW(j.options as GaLoreOptions).restore(j);
  }
}
