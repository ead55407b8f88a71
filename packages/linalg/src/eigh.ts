import { type Matrix, ShapeError, withWorkspace } from '@x/gpu';
import type { ComplexMatrix } from './complex';
import { requireFiniteData, requireOptions, requireSymmetric } from './checks';
import { f64Copy, ldexpInPlace, mat, requireSquare, safeScaleExponent, transposeData } from './dense-util';
import { applyTridiagQ, tridiagonalize, tridiagQl } from './tridiagonal';
import { applyRowReflectorsBytes, applyRowReflectorsTo, tridiagonalizeBlocked, tridiagonalizeInPlace, tridiagonalizeInPlaceBytes } from './tridiagonal-blocked';
import { tridiagEigDc, tridiagEigDcBytes, tridiagEigDcUnsorted } from './tridiagonal-dc';

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
  /**
   * Relative symmetry tolerance: a is accepted when |a_ij - a_ji| <= symmetryTol * max|a|
   * for all i, j (default 64 n eps, eps of the input's own precision, so float32 data gets
   * float32's eps), and then factored as (a + aᵀ)/2.
   */
  symmetryTol?: number;
}

/**
 * Eigen-decomposition of a real symmetric matrix: a = V diag(values) Vᵀ, values ascending,
 * eigenvectors as the columns of V.
 *
 * Symmetry contract: the whole of `a` is read and checked; a non-symmetric input (beyond
 * `symmetryTol`, default 64 n eps relative to max|a|, which admits the rounding of a computed
 * Gram or kernel matrix) is a DomainError naming the largest asymmetry and its position, and an
 * accepted input is factored as its symmetric part (a + aᵀ)/2, so both triangles count. NaN or
 * Infinity anywhere is a DomainError.
 *
 * Householder tridiagonalization (4n³/3 flops, blocked: half of it in GEMM), then Cuppen's divide and conquer on the
 * tridiagonal matrix with Gu-Eisenstat eigenvectors (merges through GEMM; implicit QL below
 * 32 rows), then back-transformation by blocks of 32 reflectors in compact-WY form, T from a
 * Gram GEMM (2n³ flops, all GEMM).
 * Eigenvalues are accurate to O(eps ||a||) absolutely; vectors are orthonormal to O(n eps).
 * Reference: Golub & Van Loan (4th ed.) §8.3, §8.4.4; Cuppen, Numer. Math. 36 (1981);
 * Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16 (1995).
 * @throws ShapeError unless square; DomainError on NaN/Infinity, a non-symmetric input or an
 * unknown option; ConvergenceError if an iteration budget runs out (carries the residual).
 */
export function eigh(a: Matrix, opts: EighOptions = {}): EighResult {
  requireOptions('eigh', opts, ['vectors', 'symmetryTol']);
  requireSquare('eigh', 'a', a);
  const n = a.rows;
  const wantV = opts.vectors ?? true;
  if (wantV && n >= 64) return eighDc(a, n, opts.symmetryTol);
  const buf = f64Copy('eigh', 'a', a);
  requireSymmetric('eigh', 'a', a, buf, opts.symmetryTol);
  if (n === 0) return { values: new Float64Array(0), vectors: mat(0, 0) };
  // Extreme magnitudes are scaled by a power of two (exact) and the eigenvalues scaled back.
  const ex = safeScaleExponent(buf);
  ldexpInPlace(buf, ex);
  const t = n >= 64 ? tridiagonalizeBlocked(buf, n) : tridiagonalize(buf, n);
  const { d, e } = t;
  if (!wantV) {
    tridiagQl(d, e, null, n, 'eigh');
    d.sort();
    ldexpInPlace(d, -ex);
    return { values: d, vectors: mat(0, 0) };
  }
  // z: n x n, columns are eigenvectors of T (ascending eigenvalues).
  const z = tridiagEigenvectors(d, e, n, 'eigh');
  applyTridiagQ(t, n, z, n);
  ldexpInPlace(d, -ex);
  return { values: d, vectors: mat(n, n, z) };
}

/**
 * eigh with vectors at n >= 64: blocked tridiagonalization, divide and conquer, blocked
 * back-transformation, all on two n x n arrays of one workspace (wasm linear memory on the
 * default route): the input is copied (and checked) straight into the first, which is reduced
 * in place and keeps the reflectors; divide and conquer writes T's eigenvectors into the second
 * (unsorted), where the back-transformation multiplies them in place. The one fresh n x n array
 * is the result, into which they are copied in ascending order of the eigenvalues.
 */
function eighDc(a: Matrix, n: number, symmetryTol: number | undefined): EighResult {
  let values: Float64Array = new Float64Array(0);
  let z: Float64Array = new Float64Array(0);
  withWorkspace(
    [n * n, n * n],
    (A, Z) => {
      A.set(a.data);
      requireFiniteData('eigh', 'a', A, n);
      requireSymmetric('eigh', 'a', a, A, symmetryTol);
      // Extreme magnitudes are scaled by a power of two (exact) and the eigenvalues scaled back.
      const ex = safeScaleExponent(A);
      ldexpInPlace(A, ex);
      // requireSymmetric left both triangles equal (symmetrized), and scaling keeps them so.
      const t = tridiagonalizeInPlace(A, n, true);
      const order = tridiagEigDcUnsorted(t.d, t.e, n, 'eigh', Z);
      applyRowReflectorsTo(A, t.tau, n, Z.subarray(n), n, false);
      ldexpInPlace(t.d, -ex);
      values = t.d;
      // The result, its columns in ascending order of the eigenvalues.
      z = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        const row = i * n;
        for (let c = 0; c < n; c++) z[row + c] = Z[row + order[c]!]!;
      }
    },
    Math.max(tridiagonalizeInPlaceBytes(n), tridiagEigDcBytes(n), applyRowReflectorsBytes(n, n)),
  );
  return { values, vectors: mat(n, n, z) };
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

/** Result of {@link eighComplex}: a = V diag(values) Vᴴ with V unitary. */
export interface EighComplexResult {
  /** Eigenvalues, ascending (real, since a is Hermitian). */
  values: Float64Array;
  /** n x n unitary matrix, split real/imaginary; column j is the eigenvector of values[j]. */
  vectors: ComplexMatrix;
}

/**
 * Eigen-decomposition of a complex Hermitian matrix a = re + i·im (as used by S4D/S5 to
 * diagonalize HiPPO's normal part via eigh(-i S)). Reads the lower triangle (the imaginary
 * part of the diagonal is ignored).
 *
 * Works on the real symmetric embedding M = [[Re, -Im], [Im, Re]] (2n x 2n), whose spectrum is
 * that of a with every eigenvalue doubled and whose eigenvectors [x; y] give complex
 * eigenvectors x + i y; one vector per complex direction is kept, with complex Gram-Schmidt
 * inside clusters of equal eigenvalues so repeated eigenvalues get orthonormal vectors.
 * Accuracy as {@link eigh}; cost that of a real 2n x 2n eigh (about 8x a real n x n one).
 * Reference: Golub & Van Loan (4th ed.) §8.1 (Hermitian problems via real embedding).
 * @throws ShapeError unless re and im are square of the same size; DomainError on NaN/Infinity.
 */
export function eighComplex(a: ComplexMatrix): EighComplexResult {
  if (typeof a !== 'object' || a === null || !a.re || !a.im) {
    throw new ShapeError('eighComplex: a must be { re: Matrix, im: Matrix }');
  }
  requireSquare('eighComplex', 'a.re', a.re);
  requireSquare('eighComplex', 'a.im', a.im);
  if (a.re.rows !== a.im.rows) {
    throw new ShapeError(`eighComplex: a.re is ${a.re.rows}x${a.re.cols} but a.im is ${a.im.rows}x${a.im.cols}`);
  }
  const n = a.re.rows;
  const re = f64Copy('eighComplex', 'a.re', a.re);
  const im = f64Copy('eighComplex', 'a.im', a.im);
  const N = 2 * n;
  const m = new Float64Array(N * N);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const ar = re[i * n + j]!;
      const bi = i === j ? 0 : im[i * n + j]!;
      // Lower-triangle entries of a define a_ij = ar + i bi and a_ji = ar - i bi.
      m[i * N + j] = ar;
      m[j * N + i] = ar;
      m[(n + i) * N + n + j] = ar;
      m[(n + j) * N + n + i] = ar;
      m[(n + i) * N + j] = bi;
      m[(n + j) * N + i] = -bi;
      m[i * N + n + j] = -bi;
      m[j * N + n + i] = bi;
    }
  }
  const r = eigh(mat(N, N, m));
  let norm = 0;
  for (let i = 0; i < N; i++) norm = Math.max(norm, Math.abs(r.values[i]!));
  const tol = 1e-8 * Math.max(norm, Number.MIN_VALUE);
  const vr = new Float64Array(n * n);
  const vi = new Float64Array(n * n);
  const values = new Float64Array(n);
  const zr = new Float64Array(n);
  const zi = new Float64Array(n);
  let count = 0;
  let clusterStart = 0;
  const V = r.vectors.data;
  for (let c = 0; c < N && count < n; c++) {
    const lam = r.values[c]!;
    if (count > 0 && lam - values[count - 1]! > tol) clusterStart = count;
    for (let i = 0; i < n; i++) {
      zr[i] = V[i * N + c]!;
      zi[i] = V[(n + i) * N + c]!;
    }
    // Complex Gram-Schmidt (twice) against the accepted vectors of this cluster.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = clusterStart; k < count; k++) {
        let pr = 0;
        let pi = 0;
        for (let i = 0; i < n; i++) {
          const ur = vr[i * n + k]!;
          const ui = vi[i * n + k]!;
          pr += ur * zr[i]! + ui * zi[i]!;
          pi += ur * zi[i]! - ui * zr[i]!;
        }
        for (let i = 0; i < n; i++) {
          const ur = vr[i * n + k]!;
          const ui = vi[i * n + k]!;
          zr[i] = zr[i]! - (pr * ur - pi * ui);
          zi[i] = zi[i]! - (pr * ui + pi * ur);
        }
      }
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += zr[i]! * zr[i]! + zi[i]! * zi[i]!;
    if (nrm < 0.25) continue;
    const inv = 1 / Math.sqrt(nrm);
    for (let i = 0; i < n; i++) {
      vr[i * n + count] = zr[i]! * inv;
      vi[i * n + count] = zi[i]! * inv;
    }
    values[count] = lam;
    count++;
  }
  return { values, vectors: { re: mat(n, n, vr), im: mat(n, n, vi) } };
}
