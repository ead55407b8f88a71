import type { AuxAdamOptions } from './muon';
import { assertMatrix, DomainError, type Matrix, matmul, transpose } from '@x/gpu';
import { checkAlloc, checkFunction, checkOptions, checkSteps } from '@x/gpu/checks';
import { adamStepInPlace, decayInPlace } from './adam-kernel';
import { rowNormalize, signStep, sinkhornStep } from './base-steps';
import { shiftedCholeskyQR } from './cholesky-qr';
import { type BaseOptions, checkJSON, f64, num, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkInt, checkNonNegative, checkOneOf, checkUnit, shapeMismatch } from './validate';

/** ARO's base step f (the optimizer run inside the rotated frame). */
export type AroBase = 'sinkhorn' | 'sign' | 'rowNormalized' | 'adam';

/** Options of {@link ARO}. */
export interface AroOptions extends BaseOptions, AuxAdamOptions {
  /** Default 0.01 (microsoft/dion's ARO default). */
  lr?: number;
  /** EMA momentum beta, default 0.95. */
  momentum?: number;
  /**
   * Base step f: 'sinkhorn' (SinkGD, default: "ARO-Sinkhorn"), 'sign', 'rowNormalized' (f_RN)
   * or 'adam' (stateful: X / (sqrt(V̂) + eps) with a second moment V of the rotated momentum,
   * "ARO-Adam"; see {@link ARO}).
   */
  base?: AroBase;
  /** 'adam' base: EMA rate of the second moment, default 0.95. */
  baseBeta2?: number;
  /** 'adam' base: added to sqrt(V̂), default 1e-8. */
  baseEps?: number;
  /** SinkGD rounds L, default 5. */
  sinkhornIterations?: number;
  /** SinkGD variant, default 'alternating' (see {@link sinkhornStep}). */
  sinkhornMode?: 'alternating' | 'simultaneous';
  /**
   * Target RMS of the update before the learning rate, ΔW <- rms ΔW sqrt(m n) / ||ΔW||_F
   * (default 0.2, AdamW-matched); null disables it.
   */
  rmsMatch?: number | null;
  /**
   * Learning-rate scaling per matrix: 'none' (default) or 'rmsNorm', lr x 0.2 sqrt(max(m, n))
   * (microsoft/dion's `adjust_lr="rms_norm"`, Moonlight's AdamW matching; use with `rmsMatch: null`).
   * Weight decay keeps the unscaled lr, as in dion.
   */
  lrScale?: 'none' | 'rmsNorm';
  /** Relative shift of the Cholesky-QR, default 1e-7. */
  shift?: number;
  /** 'smaller' (default): transpose tall matrices so R is min(m, n)² (the paper orients d_model as rows, the smaller side of MLP weights); 'rows': R always acts on the row space (m x m). */
  orientation?: 'rows' | 'smaller';
  /** Decoupled weight decay of the matrix parameters, default 0. */
  weightDecay?: number;
}

/** What {@link ARO.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type AROJSON = OptimizerJSON<'ARO', AroOptions>;

/**
 * ARO, Adaptively Rotated Optimization (Gong et al., "ARO: A New Lens On Matrix Optimization
 * For Large Models", arXiv 2602.09006, sec. 3, the update
 *   M_t = beta M_{t-1} + (1 - beta) G_t,
 *   R_t = QR(M_t f(R_{t-1}ᵀ M_t)ᵀ),   (the Q factor, m x m; R_0 = I)
 *   ΔW_t = -lr R_t f(R_tᵀ M_t)).
 *
 * What is the paper's and what is a documented choice. The method text of the paper was not
 * readable here; the update was checked against the arXiv abstract/contents, the zij docs page
 * and microsoft/dion's `dion/aro.py` (read for this implementation):
 * - the three update equations, R_0 = I, EMA momentum, QR rather than polar, and SinkGD
 *   ("ARO-Sinkhorn", recommended) with L = 5: the paper, and dion agrees line by line;
 * - SinkGD alternates rows to norm sqrt(n), then columns to norm sqrt(m) (dion's "SR-Sinkhorn",
 *   citing the SinkGD paper); two readings of ARO say simultaneous: `sinkhornMode: 'simultaneous'`;
 * - the QR: the paper's practical section names shifted Cholesky-QR (shift not found; 1e-7
 *   ||A||_F² here, with one unshifted refinement pass and a Householder fallback, see
 *   {@link shiftedCholeskyQR}). dion's current code uses Householder QR (torch.linalg.qr). The
 *   update D = R f(Rᵀ M) does not depend on the sign convention of Q for the three bases (each
 *   is odd per row), so both give the same steps up to rounding;
 * - step size: `rmsMatch` (default 0.2: ΔW <- 0.2 ΔW sqrt(m n)/||ΔW||_F) rests on one secondary
 *   source; dion instead keeps f's scale and multiplies lr by 0.2 sqrt(max(m, n))
 *   (`lrScale: 'rmsNorm'`, with `rmsMatch: null`);
 * - f = f_RN (rowNormalized, dion's default base) makes the fixed point R f(Rᵀ M) = sqrt(n) U Vᵀ,
 *   Muon's direction (the paper's App. A; reproduced in this package's tests);
 * - `orientation: 'smaller'` (default) transposes tall matrices so R is min(m, n)²: the paper
 *   orients d_model as the row dimension; dion always rotates the row space ('rows');
 * - the Adam base (`base: 'adam'`, "ARO-Adam") follows a secondary write-up of the paper's
 *   practical section (its equations were not readable here): with X = R_{t-1}ᵀ M_t, a look-ahead
 *   Ṽ = b2 V_{t-1} + (1 - b2) X ⊙ X (scratch, not kept) gives f(X) = X / (sqrt(Ṽ) + eps) for the
 *   rotation R_t = QR(M_t f(X)ᵀ); then V_t = b2 V_{t-1} + (1 - b2) Y ⊙ Y with Y = R_tᵀ M_t is
 *   stored and ΔW = -lr R_t Y / (sqrt(V_t) + eps). The second moment is of the rotated momentum,
 *   kept in the rotating frame (not rotated when R changes, as in SOAP). Bias correction
 *   (V / (1 - b2^t)) is this implementation's choice (Adam's), as are b2 = 0.95 and eps = 1e-8;
 * - chain-coupled rotations (one R shared along a residual stream) are not implemented;
 * - vectors and `adamNames` take AdamW, as Muon's MuonWithAuxAdam.
 * Complexity per m x n matrix: O(m² n + m³) (two products with R, the Gram and Cholesky).
 */
export class ARO extends OptimizerBase<AroOptions> {
  private readonly beta: number;
  private readonly base: AroBase;
  private readonly bb2: number;
  private readonly beps: number;
  private readonly sinkIters: number;
  private readonly sinkMode: 'alternating' | 'simultaneous';
  private readonly rms: number | null;
  private readonly shift: number;
  private readonly lrScale: 'none' | 'rmsNorm';
  private readonly orientation: 'rows' | 'smaller';
  private readonly wd: number;
  private readonly adamNames: ReadonlySet<string>;
  private readonly adamLr: number;
  private readonly ab1: number;
  private readonly ab2: number;
  private readonly aeps: number;
  private readonly awd: number;
  /** How many rotations fell back to Householder QR (diagnostics; not serialized). */
  fallbacks = 0;

  constructor(options: AroOptions = {}) {
    super('ARO', options, 0.01, ['lr', 'schedule', 'momentum', 'base', 'baseBeta2', 'baseEps', 'sinkhornIterations', 'sinkhornMode', 'rmsMatch', 'lrScale', 'shift', 'orientation', 'weightDecay', 'adamNames', 'adamLr', 'adamBetas', 'adamEps', 'adamWeightDecay']);
    this.beta = checkUnit('ARO', 'momentum', options.momentum ?? 0.95);
    this.base = checkOneOf('ARO', 'base', options.base ?? 'sinkhorn', ['sinkhorn', 'sign', 'rowNormalized', 'adam'] as const);
    this.bb2 = checkUnit('ARO', 'baseBeta2', options.baseBeta2 ?? 0.95);
    this.beps = checkNonNegative('ARO', 'baseEps', options.baseEps ?? 1e-8);
    this.sinkIters = checkInt('ARO', 'sinkhornIterations', options.sinkhornIterations ?? 5);
    this.sinkMode = checkOneOf('ARO', 'sinkhornMode', options.sinkhornMode ?? 'alternating', ['alternating', 'simultaneous'] as const);
    this.rms = options.rmsMatch === null ? null : checkNonNegative('ARO', 'rmsMatch', options.rmsMatch ?? 0.2, true);
    this.shift = checkNonNegative('ARO', 'shift', options.shift ?? 1e-7);
    this.lrScale = checkOneOf('ARO', 'lrScale', options.lrScale ?? 'none', ['none', 'rmsNorm'] as const);
    this.orientation = checkOneOf('ARO', 'orientation', options.orientation ?? 'smaller', ['rows', 'smaller'] as const);
    this.wd = checkNonNegative('ARO', 'weightDecay', options.weightDecay ?? 0);
    this.adamNames = new Set(options.adamNames ?? []);
    this.adamLr = checkNonNegative('ARO', 'adamLr', options.adamLr ?? 3e-4);
    const [b1, b2] = options.adamBetas ?? [0.9, 0.95];
    this.ab1 = checkUnit('ARO', 'adamBetas[0]', b1);
    this.ab2 = checkUnit('ARO', 'adamBetas[1]', b2);
    this.aeps = checkNonNegative('ARO', 'adamEps', options.adamEps ?? 1e-10);
    this.awd = checkNonNegative('ARO', 'adamWeightDecay', options.adamWeightDecay ?? 0);
  }

  /**
   * The base step f of this optimizer. Stateless bases only: the 'adam' base needs the second
   * moment, see {@link adamBase}.
   */
  f(X: Matrix): Matrix<Float64Array> {
    if (this.base === 'adam') throw new DomainError("ARO.f: the 'adam' base is stateful (it needs a parameter's second moment)");
    if (this.base === 'sign') return signStep(X);
    if (this.base === 'rowNormalized') return rowNormalize(X);
    return sinkhornStep(X, { iterations: this.sinkIters, mode: this.sinkMode });
  }

  private usesAro(v: ParamView): boolean {
    return v.isMatrix && v.rows > 1 && v.cols > 1 && !this.adamNames.has(v.name);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    if (this.usesAro(v)) {
      if (num(s, 'rows') !== v.rows || num(s, 'cols') !== v.cols) throw shapeMismatch('ARO', v.name, `${num(s, 'rows')}x${num(s, 'cols')}`, `${v.rows}x${v.cols}`);
      if (this.base === 'adam' && f64(s, 'V').length !== v.rows * v.cols) {
        throw shapeMismatch('ARO', v.name, `${f64(s, 'V').length} second-moment entries`, `${v.rows * v.cols}`);
      }
    } else if (f64(s, 'm').length !== v.w.length || s.v === undefined) {
      throw shapeMismatch('ARO', v.name, `${f64(s, 'm').length} entries`, `${v.w.length} entries`);
    }
  }

  protected update(p: ParamView, lr: number, t: number, factor: number): void {
    let s = this.state.get(p.name);
    if (!this.usesAro(p)) {
      if (!s) {
        s = { m: new Float64Array(p.w.length), v: new Float64Array(p.w.length) };
        this.state.set(p.name, s);
      }
      const alr = this.adamLr * factor;
      decayInPlace(p.w, alr, this.awd);
      adamStepInPlace(p.w, p.g, f64(s, 'm'), f64(s, 'v'), alr, this.ab1, this.ab2, this.aeps, t);
      return;
    }
    const flip = this.orientation === 'smaller' && p.rows > p.cols;
    const m = flip ? p.cols : p.rows;
    const n = flip ? p.rows : p.cols;
    if (!s) {
      const R = new Float64Array(m * m);
      for (let i = 0; i < m; i++) R[i * m + i] = 1;
      s = { rows: p.rows, cols: p.cols, M: new Float64Array(m * n), R };
      if (this.base === 'adam') s.V = new Float64Array(m * n);
      this.state.set(p.name, s);
    }
    const Md = f64(s, 'M');
    const G: Matrix = flip ? transpose({ rows: p.rows, cols: p.cols, data: p.g }) : { rows: m, cols: n, data: p.g };
    for (let i = 0; i < Md.length; i++) Md[i] = this.beta * Md[i]! + (1 - this.beta) * G.data[i]!;
    const M: Matrix = { rows: m, cols: n, data: Md };
    const D = this.direction(M, s, t);
    const upd = flip ? transpose(D) : D;
    decayInPlace(p.w, lr, this.wd);
    const step = this.lrScale === 'rmsNorm' ? lr * (0.2 * Math.sqrt(Math.max(m, n))) : lr;
    for (let i = 0; i < p.w.length; i++) p.w[i] = p.w[i]! - step * upd.data[i]!;
  }

  /**
   * One rotation update and direction for momentum M (m x n) given the state's R (updated in
   * place): R <- QR(M f(Rᵀ M)ᵀ); D = R f(Rᵀ M), RMS-matched when enabled.
   */
  private direction(M: Matrix, s: ParamState, t: number): Matrix {
    const m = M.rows;
    const Rold: Matrix = { rows: m, cols: m, data: f64(s, 'R') };
    const adam = this.base === 'adam';
    // The 'adam' base: a look-ahead second moment under R_{t-1} (scratch), the stored one under R_t.
    const base = (X: Matrix, commit: boolean) => (adam ? this.adamBase(X, f64(s, 'V'), t, commit) : this.f(X));
    const F = base(matmul(Rold, M, { transA: true }), false);
    const A = matmul(M, F, { transB: true });
    const { Q, method } = shiftedCholeskyQR(A, { shift: this.shift });
    if (method === 'householder') this.fallbacks++;
    s.R = Q.data;
    const D = matmul(Q, base(matmul(Q, M, { transA: true }), true));
    if (this.rms !== null) {
      let fro = 0;
      for (let i = 0; i < D.data.length; i++) fro += D.data[i]! * D.data[i]!;
      fro = Math.sqrt(fro);
      const c = fro > 0 ? (this.rms * Math.sqrt(D.data.length)) / fro : 0;
      for (let i = 0; i < D.data.length; i++) D.data[i] = D.data[i]! * c;
    }
    return D;
  }

  /**
   * The 'adam' base at step t: X / (sqrt(V' / (1 - b2^t)) + eps) with V' = b2 V + (1 - b2) X ⊙ X;
   * V' is written back into V only when `commit` (the step under the new rotation).
   */
  adamBase(X: Matrix, V: Float64Array, t: number, commit: boolean): Matrix<Float64Array> {
    const b2 = this.bb2;
    const corr = 1 - b2 ** t;
    const out = new Float64Array(X.data.length);
    for (let i = 0; i < out.length; i++) {
      const x = X.data[i]!;
      const v = b2 * V[i]! + (1 - b2) * x * x;
      if (commit) V[i] = v;
      out[i] = x / (Math.sqrt(v / corr) + this.beps);
    }
    return { rows: X.rows, cols: X.cols, data: out };
  }

  /** The state envelope: `config` is the options, `state` the step count and per-parameter state (bit-exact). */
  override toJSON(): AROJSON {
    return super.toJSON() as AROJSON;
  }

  /**
   * Rebuilds an optimizer from {@link ARO.toJSON} (or the version-1 format); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: AROJSON): ARO {
    const j = checkJSON('ARO', json);
    return new ARO(j.options as AroOptions).restore(j);
  }
}

/**
 * Iterates ARO's rotation policy on a fixed momentum M (no weight updates):
 * R <- QR(M f(Rᵀ M)ᵀ), `iterations` times from R = I, and returns R and D = R f(Rᵀ M).
 * With f = f_RN the direction tends to sqrt(n) U Vᵀ (Muon's direction; ARO App. A).
 * @throws DomainError when `iterations` is not an integer in [0, MAX_STEPS] (checked before iterating).
 */
export function aroRotationFixedPoint(
  M: Matrix,
  iterations: number,
  f: (X: Matrix) => Matrix = rowNormalize,
  opts: { shift?: number } = {},
): { R: Matrix<Float64Array>; direction: Matrix } {
  const fn = 'aroRotationFixedPoint';
  assertMatrix(fn, 'M', M);
  checkSteps(fn, 'iterations', iterations);
  checkFunction(fn, 'f', f);
  checkOptions(fn, opts, ['shift']);
  if (opts.shift !== undefined) checkNonNegative(fn, 'shift', opts.shift);
  const m = M.rows;
  checkAlloc(fn, 'R', m, m);
  let R: Matrix<Float64Array> = { rows: m, cols: m, data: new Float64Array(m * m) };
  for (let i = 0; i < m; i++) R.data[i * m + i] = 1;
  for (let it = 0; it < iterations; it++) {
    const A = matmul(M, f(matmul(R, M, { transA: true })), { transB: true });
    R = shiftedCholeskyQR(A, { shift: opts.shift ?? 1e-7 }).Q;
  }
  return { R, direction: matmul(R, f(matmul(R, M, { transA: true }))) };
}
