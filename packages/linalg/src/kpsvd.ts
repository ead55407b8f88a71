import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkMatrix, MAX_DIM, requireInt, requireOptions } from './checks';
import { firstCols } from './dense-util';
import { exactSvdParts } from './svd-exact';

/** Options of {@link kpsvd}. */
export interface KpsvdOptions {
  /** Number of Kronecker terms (default: all, min(m1 n1, m2 n2)). */
  k?: number;
}

/** Result of {@link kpsvd}: a ~ sum_k sigma[k] kron(A[k], B[k]). */
export interface KpsvdResult {
  /** Kronecker singular values, descending, non-negative. */
  sigma: Float64Array;
  /** Left factors, each m1 x n1 with unit Frobenius norm. */
  A: Matrix<Float64Array>[];
  /** Right factors, each m2 x n2 with unit Frobenius norm. */
  B: Matrix<Float64Array>[];
}

function checkShape(fn: string, name: string, s: readonly [number, number]): [number, number] {
  if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => Number.isInteger(v) && v >= 1 && v <= MAX_DIM)) {
    throw new DomainError(`${fn}: ${name} must be [rows, cols] with positive integers, got ${JSON.stringify(s)}`);
  }
  return [s[0], s[1]];
}

/**
 * Van Loan-Pitsianis rearrangement R(a) of an (m1 m2) x (n1 n2) matrix: the (m1 n1) x (m2 n2)
 * matrix whose row i n1 + j is the row-major flattening of the m2 x n2 block (i, j) of a. It is a
 * permutation of entries with R(kron(A, B)) = vec(A) vec(B)^T (row-major vec), so
 * ||a - sum_k kron(A_k, B_k)||_F = ||R(a) - sum_k vec(A_k) vec(B_k)^T||_F. O(m1 m2 n1 n2).
 */
export function kronRearrange(a: Matrix, shapeA: readonly [number, number], shapeB: readonly [number, number]): Matrix<Float64Array> {
  return rearrange('kronRearrange', a, shapeA, shapeB);
}

/** kronRearrange with errors naming `fn`, the function the user called. */
function rearrange(fn: string, a: Matrix, shapeA: readonly [number, number], shapeB: readonly [number, number]): Matrix<Float64Array> {
  checkMatrix(fn, 'a', a);
  const [m1, n1] = checkShape(fn, 'shapeA', shapeA);
  const [m2, n2] = checkShape(fn, 'shapeB', shapeB);
  if (a.rows !== m1 * m2 || a.cols !== n1 * n2) {
    throw new ShapeError(`${fn}: a is ${a.rows}x${a.cols}, expected ${m1 * m2}x${n1 * n2} for factors ${m1}x${n1} and ${m2}x${n2}`);
  }
  const rows = m1 * n1;
  const cols = m2 * n2;
  const out = new Float64Array(rows * cols);
  const d = a.data;
  const ac = a.cols;
  for (let i = 0; i < m1; i++) {
    for (let j = 0; j < n1; j++) {
      const o = (i * n1 + j) * cols;
      for (let p = 0; p < m2; p++) {
        const src = (i * m2 + p) * ac + j * n2;
        for (let q = 0; q < n2; q++) out[o + p * n2 + q] = d[src + q]!;
      }
    }
  }
  return { rows, cols, data: out };
}

/**
 * Kronecker product SVD (Van Loan & Pitsianis 1993, "Approximation with Kronecker products"):
 * a ~ sum_{k<K} sigma_k kron(A_k, B_k) with <A_i, A_j>_F = <B_i, B_j>_F = delta_ij, from the SVD
 * of the rearrangement R(a) = sum sigma_k u_k v_k^T: A_k = reshape(u_k, m1, n1),
 * B_k = reshape(v_k, m2, n2). The first r terms are the best r-term Kronecker approximation in
 * the Frobenius norm, with error sqrt(sum_{k>=r} sigma_k^2) (Eckart-Young on R(a)). Used by SoKA.
 * Cost: one (m1 n1) x (m2 n2) SVD, O(m1 n1 m2 n2 min(m1 n1, m2 n2)).
 * @param a matrix of shape (m1 m2) x (n1 n2); not mutated.
 * @param shapeA [m1, n1]; @param shapeB [m2, n2].
 * @throws ShapeError when a's shape is not (m1 m2) x (n1 n2); DomainError on NaN/Infinity or k out
 * of range; ConvergenceError from the SVD.
 */
export function kpsvd(
  a: Matrix,
  shapeA: readonly [number, number],
  shapeB: readonly [number, number],
  opts: KpsvdOptions = {},
): KpsvdResult {
  requireOptions('kpsvd', opts, ['k']);
  const R = rearrange('kpsvd', a, shapeA, shapeB);
  const [m1, n1] = [shapeA[0], shapeA[1]];
  const [m2, n2] = [shapeB[0], shapeB[1]];
  const kmax = Math.min(R.rows, R.cols);
  const k = opts.k ?? kmax;
  requireInt('kpsvd', 'k', k, 1, kmax);
  const p = exactSvdParts(R.data, R.rows, R.cols, 'kpsvd', k);
  const g = p.s.length;
  const U = { data: firstCols(p.u, R.rows, g, k) };
  const V = { data: firstCols(p.v, R.cols, g, k) };
  const S = p.s;
  const A: Matrix<Float64Array>[] = [];
  const B: Matrix<Float64Array>[] = [];
  for (let t = 0; t < k; t++) {
    const ad = new Float64Array(m1 * n1);
    for (let r = 0; r < m1 * n1; r++) ad[r] = U.data[r * k + t]!;
    const bd = new Float64Array(m2 * n2);
    for (let r = 0; r < m2 * n2; r++) bd[r] = V.data[r * k + t]!;
    A.push({ rows: m1, cols: n1, data: ad });
    B.push({ rows: m2, cols: n2, data: bd });
  }
  return { sigma: S.slice(0, k), A, B };
}
