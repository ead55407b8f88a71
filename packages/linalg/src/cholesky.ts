import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { f64Copy, f64VecCopy, mat, requireSquare } from './dense-util';

/**
 * Cholesky factor of a symmetric positive definite matrix: a = L Lᵀ with L lower triangular
 * and a positive diagonal. Reads only the lower triangle of `a` (like LAPACK dpotrf with
 * uplo 'L' and numpy.linalg.cholesky).
 * Row-oriented (Cholesky-Banachiewicz) on contiguous rows. Complexity: n³/3 flops.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 4.2.1.
 * @throws ShapeError unless square; DomainError on NaN/Infinity or when a is not positive
 * definite (names the failing pivot).
 */
export function cholesky(a: Matrix): Matrix<Float64Array> {
  requireSquare('cholesky', 'a', a);
  const src = f64Copy('cholesky', 'a', a);
  const n = a.rows;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = src[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (j < i) {
        l[ri + j] = s / l[rj + j]!;
      } else {
        if (!(s > 0)) {
          throw new DomainError(`cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        }
        l[ri + i] = Math.sqrt(s);
      }
    }
  }
  return mat(n, n, l);
}

/**
 * Solves a x = b given the Cholesky factor L of a (a = L Lᵀ): forward then back substitution.
 * `b` is an n-vector or an n x p Matrix; the result has the same kind. O(n² p).
 * @throws ShapeError on mismatched shapes.
 */
export function choleskySolve(L: Matrix, b: Matrix): Matrix<Float64Array>;
export function choleskySolve(L: Matrix, b: ArrayLike<number>): Float64Array;
export function choleskySolve(L: Matrix, b: Matrix | ArrayLike<number>): Matrix<Float64Array> | Float64Array {
  requireSquare('choleskySolve', 'L', L);
  const ld = f64Copy('choleskySolve', 'L', L);
  const n = L.rows;
  const isVec = !('rows' in (b as object));
  let x: Float64Array;
  let p: number;
  if (isVec) {
    x = f64VecCopy('choleskySolve', 'b', b as ArrayLike<number>);
    p = 1;
    if (x.length !== n) throw new ShapeError(`choleskySolve: L is ${n}x${n} but b has length ${x.length}`);
  } else {
    const bm = b as Matrix;
    x = f64Copy('choleskySolve', 'b', bm);
    p = bm.cols;
    if (bm.rows !== n) throw new ShapeError(`choleskySolve: L is ${n}x${n} but b is ${bm.rows}x${bm.cols}`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const lij = ld[i * n + j]!;
      if (lij === 0) continue;
      for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! - lij * x[j * p + c]!;
    }
    const inv = 1 / ld[i * n + i]!;
    for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! * inv;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      const lji = ld[j * n + i]!;
      if (lji === 0) continue;
      for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! - lji * x[j * p + c]!;
    }
    const inv = 1 / ld[i * n + i]!;
    for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! * inv;
  }
  return isVec ? x : mat(n, p, x);
}
