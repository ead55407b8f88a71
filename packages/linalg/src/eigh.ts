import type { Matrix } from '@x/gpu';
import { f64Copy, mat, requireSquare, transposeData } from './dense-util';
import { applyTridiagQ, tridiagonalize, tridiagQl } from './tridiagonal';
import { tridiagEigDc } from './tridiagonal-dc';

/** Result of {@link eigh}: a = V diag(values) Vᵀ. */
export interface EighResult {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n x n orthogonal matrix whose column j is the eigenvector of values[j]. */
  vectors: Matrix<Float64Array>;
}

/** Options of {@link eigh}. */
export interface EighOptions {
  /** Compute eigenvectors (default true). With false, `vectors` is a 0 x 0 matrix. */
  vectors?: boolean;
}

/**
 * Eigen-decomposition of a real symmetric matrix: a = V diag(values) Vᵀ, values ascending,
 * eigenvectors as the columns of V. Only the lower triangle of `a` is read (numpy's default
 * UPLO='L').
 *
 * Householder tridiagonalization (4n³/3 flops), then Cuppen's divide and conquer on the
 * tridiagonal matrix with Gu-Eisenstat eigenvectors (merges through GEMM; implicit QL below
 * 32 rows), then back-transformation by the blocked compact-WY reflectors (2n³ flops, GEMM).
 * Eigenvalues are accurate to O(eps ||a||) absolutely; vectors are orthonormal to O(n eps).
 * Reference: Golub & Van Loan (4th ed.) §8.3, §8.4.4; Cuppen, Numer. Math. 36 (1981);
 * Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16 (1995).
 * @throws ShapeError unless square; DomainError on NaN/Infinity; ConvergenceError if an
 * iteration budget runs out (carries the residual).
 */
export function eigh(a: Matrix, opts: EighOptions = {}): EighResult {
  requireSquare('eigh', 'a', a);
  const n = a.rows;
  const buf = f64Copy('eigh', 'a', a);
  const wantV = opts.vectors ?? true;
  if (n === 0) return { values: new Float64Array(0), vectors: mat(0, 0) };
  const t = tridiagonalize(buf, n);
  const { d, e } = t;
  if (!wantV) {
    tridiagQl(d, e, null, n, 'eigh');
    d.sort();
    return { values: d, vectors: mat(0, 0) };
  }
  // z: n x n, columns are eigenvectors of T (ascending eigenvalues).
  const z = tridiagEigenvectors(d, e, n, 'eigh');
  applyTridiagQ(t, n, z, n);
  return { values: d, vectors: mat(n, n, z) };
}

/**
 * Eigenvalues (ascending, written to d) and eigenvectors (returned: n x n row-major, columns)
 * of the symmetric tridiagonal (d, e).
 */
export function tridiagEigenvectors(d: Float64Array, e: Float64Array, n: number, fn: string): Float64Array {
  if (n > 32) return tridiagEigDc(d, e, n, fn);
  const zt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  tridiagQl(d, e, zt, n, fn);
  return sortedColumns(d, zt, n);
}

/** Sorts d ascending and returns the matching rows of zt as columns (n x n row-major). */
export function sortedColumns(d: Float64Array, zt: Float64Array, n: number): Float64Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((i, j) => d[i]! - d[j]!);
  const dd = d.slice();
  const rows = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = idx[k]!;
    d[k] = dd[src]!;
    rows.set(zt.subarray(src * n, src * n + n), k * n);
  }
  return transposeData(rows, n, n);
}
