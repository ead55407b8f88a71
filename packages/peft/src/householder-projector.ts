import {
  DomainError,
  type EncodedArray,
  encodeArray,
  isStateJSON,
  leadingCols,
  matmul,
  type Matrix,
  readState,
  ShapeError,
  type StateJSON,
  stateJSON,
} from '@x/gpu';
import { checkFinite } from '@x/gpu/checks';
import { applyHouseholder, householder, svd, wyForm, wyToMatrix } from '@x/linalg';
import type { Module, Parameter } from '@x/nn';
import { checkOpts, checkWeight, isRecord } from './validate';

/**
 * Q(V) = H(v_1) H(v_2) ... H(v_k) with H(v) = I - 2 v vᵀ / ‖v‖², the columns of V (d x k) being
 * the v_i, formed through the compact WY representation (@x/linalg `wyForm`): O(d² k).
 * A zero column is the identity reflector.
 */
export function householderProduct(V: Matrix): Matrix<Float64Array> {
  checkWeight('householderProduct', 'V', V);
  const { W, taus } = reflectors(V);
  return wyToMatrix(wyForm(W, taus), { cols: V.rows });
}

/**
 * Householder vectors of an orthogonal matrix Q (d x d) by Householder QR: Q = Q(V) diag(signs),
 * where `signs` (±1) is the diagonal of QR's R factor (R of an orthogonal matrix is diagonal).
 * This is how HouseholderGAN initializes its projector from pretrained singular vectors (geqrf).
 */
export function householderVectorsOf(Q: Matrix): { V: Matrix<Float64Array>; signs: Float64Array } {
  checkWeight('householderVectorsOf', 'Q', Q);
  const d = Q.rows;
  if (Q.cols !== d) throw new ShapeError(`householderVectorsOf: Q is ${Q.rows}x${Q.cols}, expected square`);
  let R: Matrix = { rows: d, cols: d, data: Float64Array.from(Q.data) };
  const V = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const x = new Float64Array(d - j);
    for (let i = j; i < d; i++) x[i - j] = R.data[i * d + j]!;
    const h = householder(x);
    // Embed v (with v[0] = 1) into the full length; scale so that 2/‖v‖² = tau.
    const full = new Float64Array(d);
    full.set(h.v, j);
    if (h.tau !== 0) {
      for (let i = j; i < d; i++) V[i * d + j] = full[i]!;
      R = applyHouseholder(R, { v: full, tau: h.tau });
    }
  }
  const signs = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const r = R.data[i * d + i]!;
    if (Math.abs(Math.abs(r) - 1) > 1e-8) throw new DomainError(`householderVectorsOf: Q is not orthogonal (|R[${i},${i}]| = ${Math.abs(r)})`);
    signs[i] = Math.sign(r);
  }
  return { V: { rows: d, cols: d, data: V }, signs };
}

/**
 * The Householder projector of "Householder Projector for Unsupervised Latent Semantics
 * Discovery" (Song et al., ICCV 2023; HouseholderGAN `model_ortho.py`): P = Q(U) S Q(V)ᵀ with
 * S = diag(1 × k, 0 × (d - k)) fixed and U, V (d x d) the trainable Householder vectors.
 */
export function householderProjector(U: Matrix, V: Matrix, k: number): Matrix<Float64Array> {
  const qu = householderProduct(U);
  const qv = householderProduct(V);
  if (qu.rows !== qv.rows) throw new ShapeError(`householderProjector: U is ${U.rows}x${U.cols}, V is ${V.rows}x${V.cols}; both must be d x d`);
  const d = qu.rows;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new DomainError(`householderProjector: k must be in [1, ${d}], got ${k}`);
  return matmul(leadingCols(qu, k), leadingCols(qv, k), { transB: true }) as Matrix<Float64Array>;
}

/**
 * The projector's semantic directions (closed-form factorization): eigenvectors of PᵀP =
 * Q(V) SᵀS Q(V)ᵀ with eigenvalue 1, i.e. the first k columns of Q(V), returned as rows
 * (k x d). Equally weighted and orthonormal, unlike SeFa's eigenvectors of a generic WᵀW.
 */
export function semanticDirections(V: Matrix, k: number): Matrix<Float64Array> {
  const qv = householderProduct(V);
  if (!Number.isInteger(k) || k < 1 || k > qv.rows) throw new DomainError(`semanticDirections: k must be in [1, ${qv.rows}], got ${k}`);
  const out = new Float64Array(k * qv.rows);
  for (let j = 0; j < k; j++) for (let i = 0; i < qv.rows; i++) out[j * qv.rows + i] = qv.data[i * qv.cols + j]!;
  return { rows: k, cols: qv.rows, data: out };
}

/**
 * Initializes the projector from a pretrained square weight W (d x d): W = U₀ Σ V₀ᵀ, then
 * Householder vectors of U₀ and V₀ by QR. Q(U) = U₀ diag(signsU) and Q(V) = V₀ diag(signsV),
 * so P spans W's top-k singular subspaces (with ±1 in place of the singular values).
 */
export function householderProjectorInit(W: Matrix): HouseholderProjectorInit {
  return projectorInit('householderProjectorInit', W);
}

/** What {@link householderProjectorInit} returns. */
export interface HouseholderProjectorInit {
  /** Householder vectors (d x d) with Q(U) = U₀ diag(signsU). */
  U: Matrix<Float64Array>;
  /** Householder vectors (d x d) with Q(V) = V₀ diag(signsV). */
  V: Matrix<Float64Array>;
  /** Column signs (±1) of Q(U) relative to W's left singular vectors. */
  signsU: Float64Array;
  /** Column signs (±1) of Q(V) relative to W's right singular vectors. */
  signsV: Float64Array;
  /** W's singular values, descending (the projector replaces them by ones). */
  sigma: Float64Array;
}

function projectorInit(fn: string, W: Matrix): HouseholderProjectorInit {
  checkWeight(fn, 'W', W);
  if (W.rows !== W.cols) throw new ShapeError(`${fn}: W is ${W.rows}x${W.cols}, expected square (d x d)`);
  const f = svd(W);
  const u = householderVectorsOf(f.U);
  const v = householderVectorsOf(f.V);
  return { U: u.V, V: v.V, signsU: u.signs, signsV: v.signs, sigma: Float64Array.from(f.S) };
}

/**
 * The reflectors of V's columns as (W, τ) with H(v_j) = I − τ_j w_j w_jᵀ: w_j = v_j and
 * τ_j = 2/‖v_j‖² while ‖v_j‖² is in [1e-280, 1e280] (bit for bit the plain formula); beyond it
 * ‖v_j‖² over- or underflows, so w_j = v_j/‖v_j‖ (the norm formed after scaling) and τ_j = 2
 * (H depends on v_j's direction only). `norm` holds ‖v_j‖ for such columns and 1 elsewhere:
 * ∂L/∂v_j = (∂L/∂w_j)/norm_j, the gradient being homogeneous of degree −1. A zero column has
 * τ = 0 (the identity reflector).
 */
function reflectors(V: Matrix): { W: Matrix; taus: Float64Array; norm: Float64Array } {
  const { rows: d, cols: k } = V;
  const taus = new Float64Array(k);
  const norm = new Float64Array(k).fill(1);
  let copy: Float64Array | null = null;
  for (let j = 0; j < k; j++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += V.data[i * k + j]! ** 2;
    if (ss >= 1e-280 && ss <= 1e280) {
      taus[j] = 2 / ss;
      continue;
    }
    let m = 0;
    for (let i = 0; i < d; i++) m = Math.max(m, Math.abs(V.data[i * k + j]!));
    if (m === 0) continue;
    let t = 0;
    for (let i = 0; i < d; i++) t += (V.data[i * k + j]! / m) ** 2;
    const rn = Math.sqrt(t);
    copy ??= Float64Array.from(V.data);
    for (let i = 0; i < d; i++) copy[i * k + j] = V.data[i * k + j]! / m / rn;
    taus[j] = 2;
    norm[j] = m * rn;
  }
  return { W: copy ? { rows: d, cols: k, data: copy } : V, taus, norm };
}

/** ∂L/∂V from N = dQ Qᵀ (overwritten) through the reflectors of V's columns. */
function reflectorsBackward(V: Matrix, N: Float64Array): Matrix<Float64Array> {
  const { W, taus, norm } = reflectors(V);
  const g = productBackward(W, taus, N);
  const k = V.cols;
  for (let j = 0; j < k; j++) if (norm[j] !== 1) for (let i = 0; i < V.rows; i++) g.data[i * k + j]! /= norm[j]!;
  return g;
}

/**
 * Gradient through Q(V) = H(v_1) ... H(v_k) (see {@link householderProduct}): given dQ = ∂L/∂Q
 * (d x d), returns ∂L/∂V (d x k). With M = dQ Qᵀ, the gradient with respect to the j-th
 * reflector is ∂L/∂H_j = N_j H_j where N_1 = M and N_{j+1} = H_j N_j H_j (each update a pair of
 * rank-1 corrections), and for H(v) = I − 2 v vᵀ / s, s = ‖v‖²:
 * ∂L/∂v = −(2/s) (G + Gᵀ) v + (4/s²) (vᵀ G v) v. O(d³ + d² k). A zero column (the identity
 * reflector) gets a zero gradient.
 */
export function householderProductBackward(V: Matrix, dQ: Matrix): Matrix<Float64Array> {
  const fn = 'householderProductBackward';
  checkWeight(fn, 'V', V);
  checkWeight(fn, 'dQ', dQ);
  const { rows: d, cols: k } = V;
  if (dQ.rows !== d || dQ.cols !== d) throw new ShapeError(`${fn}: dQ is ${dQ.rows}x${dQ.cols}, expected ${d}x${d} (V is ${d}x${k})`);
  const Q = householderProduct(V);
  return reflectorsBackward(V, matmul(dQ, Q, { transB: true }).data as Float64Array);
}

/** The sweep of {@link householderProductBackward} on N = dQ Qᵀ (d x d, row-major, overwritten). */
function productBackward(V: Matrix, taus: Float64Array, N: Float64Array): Matrix<Float64Array> {
  const { rows: d, cols: k } = V;
  const out = new Float64Array(d * k);
  const v = new Float64Array(d);
  const Nv = new Float64Array(d);
  const NTv = new Float64Array(d);
  for (let j = 0; j < k; j++) {
    const tau = taus[j]!;
    if (tau === 0) continue;
    for (let i = 0; i < d; i++) v[i] = V.data[i * k + j]!;
    Nv.fill(0);
    NTv.fill(0);
    for (let a = 0; a < d; a++) {
      let acc = 0;
      const va = v[a]!;
      for (let b = 0; b < d; b++) {
        const n = N[a * d + b]!;
        acc += n * v[b]!;
        NTv[b]! += n * va;
      }
      Nv[a] = acc;
    }
    let vNv = 0;
    for (let i = 0; i < d; i++) vNv += v[i]! * Nv[i]!;
    // G = N H: G v = −N v, Gᵀ v = Nᵀ v − τ (vᵀ N v) v, vᵀ G v = −vᵀ N v; s = 2 / τ.
    const s = 2 / tau;
    for (let i = 0; i < d; i++) {
      const Gv = -Nv[i]!;
      const GTv = NTv[i]! - tau * vNv * v[i]!;
      out[i * k + j] = (-2 / s) * (Gv + GTv) + (4 / (s * s)) * -vNv * v[i]!;
    }
    // N ← H N H = (N − τ v (vᵀ N)) − τ ((N − τ v vᵀN) v) vᵀ.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) N[a * d + b]! -= tau * v[a]! * NTv[b]!;
    // (H N) v = N v − τ v (vᵀ N v).
    for (let a = 0; a < d; a++) {
      const hv = Nv[a]! - tau * v[a]! * vNv;
      for (let b = 0; b < d; b++) N[a * d + b]! -= tau * hv * v[b]!;
    }
  }
  return { rows: d, cols: k, data: out };
}

/**
 * Gradients of a loss through the projector P = Q(U)[:, :k] Q(V)[:, :k]ᵀ of
 * {@link householderProjector}: given dP = ∂L/∂P (d x d), returns ∂L/∂U and ∂L/∂V (d x d each),
 * using ∂L/∂Q(U) = [dP Q(V)_k, 0] and ∂L/∂Q(V) = [dPᵀ Q(U)_k, 0] and
 * {@link householderProductBackward}. O(d³).
 */
export function householderProjectorBackward(U: Matrix, V: Matrix, k: number, dP: Matrix): { dU: Matrix<Float64Array>; dV: Matrix<Float64Array> } {
  const fn = 'householderProjectorBackward';
  checkWeight(fn, 'U', U);
  checkWeight(fn, 'V', V);
  checkWeight(fn, 'dP', dP);
  const d = checkProjectorShapes(fn, U, V, k);
  if (dP.rows !== d || dP.cols !== d) throw new ShapeError(`${fn}: dP is ${dP.rows}x${dP.cols}, expected ${d}x${d}`);
  const qu = householderProduct(U);
  const qv = householderProduct(V);
  return projectorGrads(U, V, qu, qv, k, dP);
}

function projectorGrads(U: Matrix, V: Matrix, qu: Matrix, qv: Matrix, k: number, dP: Matrix): { dU: Matrix<Float64Array>; dV: Matrix<Float64Array> } {
  const d = qu.rows;
  const dQu = padCols(matmul(dP, leadingCols(qv, k)), d);
  const dQv = padCols(matmul(dP, leadingCols(qu, k), { transA: true }), d);
  return {
    dU: reflectorsBackward(U, matmul(dQu, qu, { transB: true }).data as Float64Array),
    dV: reflectorsBackward(V, matmul(dQv, qv, { transB: true }).data as Float64Array),
  };
}

/** [A, 0]: A (d x k) padded with zero columns to d x cols. */
function padCols(A: Matrix, cols: number): Matrix<Float64Array> {
  const out = new Float64Array(A.rows * cols);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) out[i * cols + j] = A.data[i * A.cols + j]!;
  return { rows: A.rows, cols, data: out };
}

/** U and V with the same number of rows d (the reflector count is each one's column count), k an integer in [1, d]; returns d. */
function checkProjectorShapes(fn: string, U: Matrix, V: Matrix, k: unknown): number {
  const d = U.rows;
  if (V.rows !== d) throw new ShapeError(`${fn}: U is ${U.rows}x${U.cols}, V is ${V.rows}x${V.cols}; both need d rows`);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > d) throw new DomainError(`${fn}: k must be an integer in [1, ${d}], got ${String(k)}`);
  return d;
}

const LAYER_KEYS = ['U', 'V', 'k', 'scale', 'bias', 'name'];

/** Options of {@link HouseholderProjectorLayer}. */
export interface HouseholderProjectorLayerOptions {
  /** Householder vectors of the left factor, d x m (m reflectors; the paper uses m = d); copied. */
  U: Matrix;
  /** Householder vectors of the right factor, d x m; copied. */
  V: Matrix;
  /** Rank of the projector: the number of ones in S, in [1, d] (the paper's `diag_size`). */
  k: number;
  /** Fixed output scale c in y = c x Pᵀ + b; finite and non-zero. Default 1. */
  scale?: number;
  /** Initial bias (length d, copied; trainable), or `false` (default) for none. */
  bias?: ArrayLike<number> | false;
  /** Name used in error messages; default `HouseholderProjectorLayer(d, k)`. */
  name?: string;
}

/** What {@link HouseholderProjectorLayer.toJSON} returns: the `@x` state envelope. */
export type HouseholderProjectorLayerJSON = StateJSON<
  'HouseholderProjectorLayer',
  { name: string; d: number; k: number; reflectorsU: number; reflectorsV: number; scale: number; useBias: boolean },
  { U: EncodedArray; V: EncodedArray; bias?: EncodedArray }
>;

/**
 * A trainable Householder projector as a layer (HouseholderGAN's modulation weight):
 * y = c x Pᵀ + b with P = Q(U) S Q(V)ᵀ, S = diag(1 × k, 0 × (d − k)), for a batch x (n x d).
 * The trainable parameters are the Householder vectors U and V (and the bias), so P stays a
 * rank-k partial isometry (times c) through training; {@link HouseholderProjectorLayer.directions}
 * gives the closed-form semantic directions. backward(dy) returns dx = c dy P and accumulates
 * ∂L/∂U, ∂L/∂V through the reflectors ({@link householderProjectorBackward}) and ∂L/∂b.
 * O(d³ + n d²) per forward and per backward. An `@x/nn` Module: any `@x/nn` optimizer trains it.
 */
export class HouseholderProjectorLayer implements Module {
  readonly d: number;
  readonly k: number;
  readonly scale: number;
  readonly name: string;
  /** Live parameter storage (d x m); optimizers update `U.data` in place. */
  readonly U: Matrix<Float64Array>;
  /** Live parameter storage (d x m). */
  readonly V: Matrix<Float64Array>;
  readonly bias: Float64Array | null;
  readonly gradU: Float64Array;
  readonly gradV: Float64Array;
  readonly gradBias: Float64Array | null;
  private cache: { x: Matrix; qu: Matrix; qv: Matrix; P: Matrix } | null = null;

  constructor(opts: HouseholderProjectorLayerOptions) {
    const o = checkOpts('HouseholderProjectorLayer', opts as HouseholderProjectorLayerOptions | undefined, LAYER_KEYS);
    if (o.name !== undefined && typeof o.name !== 'string') throw new DomainError(`HouseholderProjectorLayer: name must be a string, got ${typeof o.name}`);
    const fn0 = o.name ?? 'HouseholderProjectorLayer';
    checkWeight(fn0, 'U', o.U);
    checkWeight(fn0, 'V', o.V);
    const d = checkProjectorShapes(fn0, o.U, o.V, o.k);
    this.d = d;
    this.k = o.k;
    this.name = o.name ?? `HouseholderProjectorLayer(${d}, ${o.k})`;
    const c = o.scale ?? 1;
    if (typeof c !== 'number' || !Number.isFinite(c) || c === 0) throw new DomainError(`${this.name}: scale must be a finite non-zero number, got ${String(c)}`);
    this.scale = c;
    this.U = { rows: d, cols: o.U.cols, data: Float64Array.from(o.U.data) };
    this.V = { rows: d, cols: o.V.cols, data: Float64Array.from(o.V.data) };
    this.gradU = new Float64Array(this.U.data.length);
    this.gradV = new Float64Array(this.V.data.length);
    const b = o.bias ?? false;
    if (b === false) {
      this.bias = null;
      this.gradBias = null;
    } else {
      if (b === null || typeof b !== 'object' || typeof (b as ArrayLike<number>).length !== 'number') throw new DomainError(`${this.name}: bias must be false or an array of ${d} numbers`);
      if (b.length !== d) throw new ShapeError(`${this.name}: bias has length ${b.length}, expected ${d}`);
      this.bias = Float64Array.from(b as ArrayLike<number>);
      checkFinite(this.name, 'bias', this.bias, 'weights must be finite');
      this.gradBias = new Float64Array(d);
    }
  }

  /**
   * Initializes from a pretrained square weight W (d x d) as HouseholderGAN does
   * ({@link householderProjectorInit}): P spans W's top-k singular subspaces. The scale is the
   * mean of W's top-k singular values (our choice, so that c P matches W's top-k part on
   * average; the paper keeps the weight's fixed equalized-learning-rate scale), unless given.
   */
  static fromWeight(W: Matrix, k: number, opts: { scale?: number; bias?: ArrayLike<number> | false; name?: string } = {}): HouseholderProjectorLayer {
    const fn = 'HouseholderProjectorLayer.fromWeight';
    const o = checkOpts(fn, opts, ['scale', 'bias', 'name']);
    const init = projectorInit(fn, W);
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > W.rows) throw new DomainError(`${fn}: k must be an integer in [1, ${W.rows}], got ${String(k)}`);
    let mean = 0;
    for (let i = 0; i < k; i++) mean += init.sigma[i]! / k;
    const scale = o.scale ?? (mean > 0 ? mean : 1);
    return new HouseholderProjectorLayer({ U: init.U, V: init.V, k, scale, ...(o.bias === undefined ? {} : { bias: o.bias }), ...(o.name === undefined ? {} : { name: o.name }) });
  }

  /** c P (d x d), formed explicitly from the current parameters. */
  weight(): Matrix<Float64Array> {
    const P = householderProjector(this.U, this.V, this.k);
    for (let i = 0; i < P.data.length; i++) P.data[i]! *= this.scale;
    return P;
  }

  /** The closed-form semantic directions: the first k columns of Q(V), as rows (k x d); orthonormal. */
  directions(): Matrix<Float64Array> {
    return semanticDirections(this.V, this.k);
  }

  /** y = c x Pᵀ + b. Keeps `x` for backward (do not mutate it before then). */
  forward(x: Matrix): Matrix {
    checkWeight(this.name, 'x', x);
    if (x.cols !== this.d) throw new ShapeError(`${this.name}: x is ${x.rows}x${x.cols}, expected ${this.d} columns`);
    const qu = householderProduct(this.U);
    const qv = householderProduct(this.V);
    const P = matmul(leadingCols(qu, this.k), leadingCols(qv, this.k), { transB: true });
    const y = matmul(x, P, { transB: true });
    const yd = y.data;
    const c = this.scale;
    const b = this.bias;
    for (let i = 0; i < x.rows; i++) for (let j = 0; j < this.d; j++) yd[i * this.d + j] = c * yd[i * this.d + j]! + (b ? b[j]! : 0);
    this.cache = { x, qu, qv, P };
    return y;
  }

  /** dx = c dy P; accumulates ∂L/∂U, ∂L/∂V and ∂L/∂b. */
  backward(dy: Matrix): Matrix {
    const cache = this.cache;
    if (!cache) throw new DomainError(`${this.name}: backward called before forward`);
    checkWeight(this.name, 'dy', dy);
    if (dy.rows !== cache.x.rows || dy.cols !== this.d) throw new ShapeError(`${this.name}: dy is ${dy.rows}x${dy.cols}, expected ${cache.x.rows}x${this.d}`);
    const c = this.scale;
    const dx = matmul(dy, cache.P);
    for (let i = 0; i < dx.data.length; i++) dx.data[i]! *= c;
    const dP = matmul(dy, cache.x, { transA: true });
    for (let i = 0; i < dP.data.length; i++) dP.data[i]! *= c;
    const { dU, dV } = projectorGrads(this.U, this.V, cache.qu, cache.qv, this.k, dP);
    for (let i = 0; i < this.gradU.length; i++) this.gradU[i]! += dU.data[i]!;
    for (let i = 0; i < this.gradV.length; i++) this.gradV[i]! += dV.data[i]!;
    if (this.gradBias) for (let i = 0; i < dy.rows; i++) for (let j = 0; j < this.d; j++) this.gradBias[j]! += dy.data[i * this.d + j]!;
    return dx;
  }

  parameters(): Parameter[] {
    const ps: Parameter[] = [
      { name: 'U', value: this.U.data, grad: this.gradU, shape: [this.d, this.U.cols] },
      { name: 'V', value: this.V.data, grad: this.gradV, shape: [this.d, this.V.cols] },
    ];
    if (this.bias && this.gradBias) ps.push({ name: 'bias', value: this.bias, grad: this.gradBias, shape: [this.d] });
    return ps;
  }

  zeroGrad(): void {
    this.gradU.fill(0);
    this.gradV.fill(0);
    this.gradBias?.fill(0);
  }

  /** The state envelope: sizes, k, scale and name as `config`; U, V and the bias (bit-exact) as `state`. */
  toJSON(): HouseholderProjectorLayerJSON {
    return stateJSON(
      'HouseholderProjectorLayer',
      { name: this.name, d: this.d, k: this.k, reflectorsU: this.U.cols, reflectorsV: this.V.cols, scale: this.scale, useBias: this.bias !== null },
      { U: encodeArray(this.U.data), V: encodeArray(this.V.data), ...(this.bias ? { bias: encodeArray(this.bias) } : {}) },
    );
  }

  /** Rebuilds a layer from {@link HouseholderProjectorLayer.toJSON} with identical values; every field is checked before anything is allocated. */
  static fromJSON(json: HouseholderProjectorLayerJSON): HouseholderProjectorLayer {
    const fn = 'HouseholderProjectorLayer.fromJSON';
    if (!isStateJSON(json) && !isRecord(json)) throw new DomainError(`${fn}: expected a state envelope object`);
    const { config, state } = readState(fn, 'HouseholderProjectorLayer', json);
    const d = config.int('d', 1);
    const k = config.int('k', 1);
    const mu = config.int('reflectorsU', 1);
    const mv = config.int('reflectorsV', 1);
    const scale = config.number('scale');
    const useBias = config.bool('useBias');
    const name = config.raw('name');
    if (typeof name !== 'string') throw new DomainError(`${fn}: config.name must be a string`);
    const U = { rows: d, cols: mu, data: state.f64('U', { length: d * mu, finite: true }) };
    const V = { rows: d, cols: mv, data: state.f64('V', { length: d * mv, finite: true }) };
    const bias = useBias ? state.f64('bias', { length: d, finite: true }) : false;
    return new HouseholderProjectorLayer({ U, V, k, scale, bias, name });
  }
}
