import { assertMatrix, DomainError, gram, type Matrix } from '@x/gpu';
import { checkNonNegative, checkOptions } from '@x/gpu/checks';
import { choleskyLower, qrReduced } from './linalg-deps';

/** Result of {@link shiftedCholeskyQR}. */
export interface CholeskyQRResult {
  /** m x n with orthonormal columns (diag(R) > 0 convention). */
  Q: Matrix<Float64Array>;
  /** Which path produced Q. */
  method: 'cholesky' | 'householder';
}

/** Options of {@link shiftedCholeskyQR}. */
export interface CholeskyQROptions {
  /** Relative shift s: the Gram diagonal gets s ||A||_F² added (default 1e-7, as microsoft/dion's ARO). */
  shift?: number;
  /** Fall back to Householder QR when ||QᵀQ - I||_max exceeds this (default 1e-10). */
  orthTol?: number;
}

/** Solves X Lᵀ = A for X (L lower triangular, n x n; A m x n), row by row. O(m n²). */
function solveRightLowerT(A: Float64Array, m: number, n: number, L: Matrix): Float64Array {
  const X = new Float64Array(m * n);
  const l = L.data;
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let j = 0; j < n; j++) {
      let s = A[off + j]!;
      for (let k = 0; k < j; k++) s -= X[off + k]! * l[j * n + k]!;
      X[off + j] = s / l[j * n + j]!;
    }
  }
  return X;
}

function choleskyPass(a: Float64Array, m: number, n: number, shift: number): Float64Array | null {
  const A: Matrix = { rows: m, cols: n, data: a };
  const P = gram(A);
  if (shift > 0) {
    let fro = 0;
    for (let i = 0; i < a.length; i++) fro += a[i]! * a[i]!;
    for (let i = 0; i < n; i++) P.data[i * n + i] = P.data[i * n + i]! + shift * fro;
  }
  let L: Matrix;
  try {
    L = choleskyLower(P);
  } catch (e) {
    if (e instanceof DomainError) return null;
    throw e;
  }
  const X = solveRightLowerT(a, m, n, L);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i]!)) return null;
  return X;
}

/**
 * The orthonormal factor of A = Q R by shifted Cholesky-QR (Fukaya et al., "Shifted Cholesky QR
 * for computing the QR factorization of ill-conditioned matrices", SISC 2020, Alg. 4.1: P = AᵀA +
 * s||A||_F² I, L = chol(P), Q = A L⁻ᵀ), then one unshifted Cholesky-QR pass to restore
 * orthogonality (their "shiftedCholeskyQR3" without the last pass). ARO computes its rotation
 * this way (Gong et al., arXiv 2602.09006, sec. 4). When Cholesky fails or the result is not
 * orthonormal to `orthTol`, falls back to Householder QR from @x/linalg with signs fixed so that
 * diag(R) > 0 (the same Q Cholesky-QR gives for a full-rank A).
 * Shapes: A m x n (m >= n) -> Q m x n. Complexity O(m n²).
 */
export function shiftedCholeskyQR(A: Matrix, opts: CholeskyQROptions = {}): CholeskyQRResult {
  assertMatrix('shiftedCholeskyQR', 'A', A);
  const { rows: m, cols: n } = A;
  if (m < n) throw new DomainError(`shiftedCholeskyQR: needs rows >= cols, got ${m}x${n}`);
  checkOptions('shiftedCholeskyQR', opts, ['shift', 'orthTol']);
  const shift = checkNonNegative('shiftedCholeskyQR', 'shift', opts.shift ?? 1e-7);
  const tol = checkNonNegative('shiftedCholeskyQR', 'orthTol', opts.orthTol ?? 1e-10);
  const a = Float64Array.from(A.data);
  const q1 = choleskyPass(a, m, n, shift);
  const q2 = q1 ? choleskyPass(q1, m, n, 0) : null;
  if (q2) {
    const QtQ = gram({ rows: m, cols: n, data: q2 });
    let err = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(QtQ.data[i * n + j]! - (i === j ? 1 : 0)));
    if (err <= tol) return { Q: { rows: m, cols: n, data: q2 }, method: 'cholesky' };
  }
  const { Q, R } = qrReduced(A);
  const q = Float64Array.from(Q.data);
  const k = Q.cols;
  for (let j = 0; j < k; j++) {
    if (R.data[j * R.cols + j]! < 0) for (let i = 0; i < m; i++) q[i * k + j] = -q[i * k + j]!;
  }
  return { Q: { rows: m, cols: k, data: q }, method: 'householder' };
}
