import type { Matrix } from '@x/gpu';
import { decayInPlace } from './adam-kernel';
import { dctBackProject, dctProject, dctProjection } from './dct-projection';
import { type BaseOptions, checkJSON, f64, i32, num, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkInt, checkNonNegative, checkOneOf, checkRank, checkUnit, shapeMismatch } from './validate';

/** Options of {@link DctAdamW}. */
export interface DctAdamWOptions extends BaseOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Number of DCT columns (rows) kept, default 128; at most min(rows, cols) of each matrix. */
  rank?: number;
  /** Re-select the columns on step 1 and every `updateProjGap` steps, default 1 (every step). */
  updateProjGap?: number;
  /** Column score: 1 (l1, the paper's default) or 2 (l2, the exact optimum for a fixed basis). */
  norm?: 1 | 2;
  /** Carry the moments over when the selection changes (m <- m Q_prevᵀ Q_new), default false. */
  rotateSubspace?: boolean;
  /** Error feedback: add the part of the last gradient outside the subspace to the next one, default false. */
  errorFeedback?: boolean;
  /** Names of 2-D parameters that take the plain (unprojected) AdamW step, e.g. embeddings and heads. */
  adamNames?: readonly string[];
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay, applied first: w <- w (1 - lr wd); default 0. */
  weightDecay?: number;
}

/** What {@link DctAdamW.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type DctAdamWJSON = OptimizerJSON<'DctAdamW', DctAdamWOptions>;

/**
 * DCT-AdamW, the SVD-free low-rank Adam of Modoranu et al. ("SVD-Free Low-Rank Adaptive
 * Gradient Optimization for Large Language Models", arXiv 2505.17967, Alg. 1; ISTA-DASLab
 * dct_adamw.py): a fixed orthonormal DCT basis Q, columns chosen by {@link dctProjection}
 * (only the r indices are stored), Adam on the projected gradient a = G Q_I (right, rows >=
 * cols) or Q_Iᵀ G (left), update w <- w - lr (sqrt(bc2)/bc1) back(m / (eps sqrt(bc2) + sqrt(v))).
 *
 * Options of the paper: `rotateSubspace` moves the moments into the new subspace with
 * R = Q[:, I_prev]ᵀ Q[:, I_new]. Because Q is orthonormal, R is exactly the 0/1 matrix that
 * matches equal indices, so the rotation is done by index matching (frequencies kept keep their
 * moments, new ones start at zero; v is rotated the same way, |v R| = v R). `errorFeedback`
 * keeps E = A - back(a) (a full m x n buffer) and adds it to the next gradient.
 * 1-D parameters take the reference's plain AdamW step.
 * Complexity per step: O(m n log n) to select (fast DCT), O(m n r) to project and back.
 */
export class DctAdamW extends OptimizerBase<DctAdamWOptions> {
  private readonly rank: number;
  private readonly gap: number;
  private readonly norm: 1 | 2;
  private readonly rotate: boolean;
  private readonly ef: boolean;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private readonly adamNames: ReadonlySet<string>;

  constructor(options: DctAdamWOptions = {}) {
    super('DctAdamW', options, 1e-3, ['lr', 'schedule', 'rank', 'updateProjGap', 'norm', 'rotateSubspace', 'errorFeedback', 'adamNames', 'betas', 'eps', 'weightDecay']);
    this.rank = checkInt('DctAdamW', 'rank', options.rank ?? 128);
    this.gap = checkInt('DctAdamW', 'updateProjGap', options.updateProjGap ?? 1);
    this.norm = checkOneOf('DctAdamW', 'norm', options.norm ?? 1, [1, 2] as const);
    this.rotate = options.rotateSubspace ?? false;
    this.ef = options.errorFeedback ?? false;
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.b1 = checkUnit('DctAdamW', 'betas[0]', b1);
    this.b2 = checkUnit('DctAdamW', 'betas[1]', b2);
    this.eps = checkNonNegative('DctAdamW', 'eps', options.eps ?? 1e-8);
    this.wd = checkNonNegative('DctAdamW', 'weightDecay', options.weightDecay ?? 0);
    this.adamNames = new Set(options.adamNames ?? []);
  }

  /** Whether a parameter gets the low-rank step (2-D and not listed in adamNames). */
  protected projects(v: Pick<ParamView, 'name' | 'isMatrix'>): boolean {
    return v.isMatrix && !this.adamNames.has(v.name);
  }

  protected override precheck(v: ParamView): void {
    if (this.projects(v)) checkRank('DctAdamW', this.rank, v.rows, v.cols);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    const rows = num(s, 'rows');
    const cols = num(s, 'cols');
    if (rows !== v.rows || cols !== v.cols) throw shapeMismatch('DctAdamW', v.name, `${rows}x${cols}`, `${v.rows}x${v.cols}`);
  }

  protected update(p: ParamView, lr: number, t: number): void {
    const b1 = this.b1;
    const b2 = this.b2;
    const bc1 = 1 - b1 ** t;
    const sbc2 = Math.sqrt(1 - b2 ** t);
    const stepSize = (lr * sbc2) / bc1;
    const epsS = this.eps * sbc2;
    decayInPlace(p.w, lr, this.wd);
    let s = this.state.get(p.name);
    if (!this.projects(p)) {
      if (!s) {
        s = { rows: p.rows, cols: p.cols, m: new Float64Array(p.w.length), v: new Float64Array(p.w.length) };
        this.state.set(p.name, s);
      }
      const m = f64(s, 'm');
      const v = f64(s, 'v');
      for (let i = 0; i < m.length; i++) {
        const g = p.g[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        p.w[i] = p.w[i]! - stepSize * (m[i]! / (epsS + Math.sqrt(v[i]!)));
      }
      return;
    }
    const { rows, cols } = p;
    const r = this.rank;
    const right = rows >= cols;
    const sideName = right ? 'right' : 'left';
    const size = right ? cols : rows;
    if (!s) {
      const low = right ? rows * r : r * cols;
      s = { rows, cols, idx: new Int32Array(r), m: new Float64Array(low), v: new Float64Array(low) };
      if (this.ef) s.ef = new Float64Array(rows * cols);
      this.state.set(p.name, s);
    }
    const A = new Float64Array(p.g);
    if (this.ef) {
      const e = f64(s, 'ef');
      for (let i = 0; i < A.length; i++) A[i] = A[i]! + e[i]!;
    }
    const Am: Matrix = { rows, cols, data: A };
    const refresh = t === 1 || t % this.gap === 0;
    let a: Matrix<Float64Array>;
    const prev = i32(s, 'idx').slice();
    if (refresh) {
      const sel = dctProjection(Am, r, { norm: this.norm, side: sideName });
      s.idx = sel.indices;
      a = sel.projected;
    } else {
      a = dctProject(Am, i32(s, 'idx'), sideName);
    }
    const idx = i32(s, 'idx');
    if (this.ef) {
      const rec = dctBackProject(a, idx, sideName, size);
      const e = f64(s, 'ef');
      for (let i = 0; i < e.length; i++) e[i] = A[i]! - rec.data[i]!;
    }
    const m = f64(s, 'm');
    const v = f64(s, 'v');
    if (t > 1 && this.rotate && refresh) {
      moveSlots(m, prev, idx, right, rows, cols, r);
      moveSlots(v, prev, idx, right, rows, cols, r);
    }
    const u = new Float64Array(m.length);
    const ad = a.data;
    for (let i = 0; i < m.length; i++) {
      const g = ad[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      u[i] = m[i]! / (epsS + Math.sqrt(v[i]!));
    }
    const back = dctBackProject({ rows: a.rows, cols: a.cols, data: u }, idx, sideName, size);
    const w = p.w;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - stepSize * back.data[i]!;
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): DctAdamWJSON {
    return super.toJSON() as DctAdamWJSON;
  }

  /**
   * Rebuilds an optimizer from {@link DctAdamW.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: DctAdamWJSON): DctAdamW {
    const j = checkJSON('DctAdamW', json);
    return new DctAdamW(j.options as DctAdamWOptions).restore(j);
  }
}

/**
 * x <- x Q[:, prev]ᵀ Q[:, next] (right; columns are slots) or its left analogue (rows are
 * slots): with an orthonormal Q this keeps the slot of every index present in both and zeroes
 * the others.
 */
function moveSlots(x: Float64Array, prev: Int32Array, next: Int32Array, right: boolean, rows: number, cols: number, r: number): void {
  const src = x.slice();
  const from = new Int32Array(r).fill(-1);
  for (let k = 0; k < r; k++) for (let j = 0; j < r; j++) if (prev[j] === next[k]) from[k] = j;
  if (right) {
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < r; k++) x[i * r + k] = from[k]! < 0 ? 0 : src[i * r + from[k]!]!;
    }
  } else {
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < cols; j++) x[k * cols + j] = from[k]! < 0 ? 0 : src[from[k]! * cols + j]!;
    }
  }
}
