import { DomainError, leadingCols, matmul, type Matrix, ShapeError } from '@x/gpu';
import { applyHouseholder, householder, svd, wyForm, wyToMatrix } from '@x/linalg';
import { checkWeight } from './validate';

/**
 * Q(V) = H(v_1) H(v_2) ... H(v_k) with H(v) = I - 2 v vᵀ / ‖v‖², the columns of V (d x k) being
 * the v_i, formed through the compact WY representation (@x/linalg `wyForm`): O(d² k).
 * A zero column is the identity reflector.
 */
export function householderProduct(V: Matrix): Matrix<Float64Array> {
  checkWeight('householderProduct', 'V', V);
  const { rows: d, cols: k } = V;
  const taus = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += V.data[i * k + j]! ** 2;
    taus[j] = ss === 0 ? 0 : 2 / ss;
  }
  return wyToMatrix(wyForm(V, taus), { cols: d });
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
export function householderProjectorInit(W: Matrix): { U: Matrix<Float64Array>; V: Matrix<Float64Array>; signsU: Float64Array; signsV: Float64Array } {
  checkWeight('householderProjectorInit', 'W', W);
  if (W.rows !== W.cols) throw new ShapeError(`householderProjectorInit: W is ${W.rows}x${W.cols}, expected square (d x d)`);
  const f = svd(W);
  const u = householderVectorsOf(f.U);
  const v = householderVectorsOf(f.V);
  return { U: u.V, V: v.V, signsU: u.signs, signsV: v.signs };
}
