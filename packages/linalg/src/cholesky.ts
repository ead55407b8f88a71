import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { requireOptions, requireSymmetric } from './checks';
import { f64Copy, f64VecCopy, ldexpInPlace, mat, requireSquare, safeScaleExponent } from './dense-util';

/**
 * Cholesky factor of a symmetric positive definite matrix: a = L Lᵀ with L lower triangular
 * and a positive diagonal.
 *
 * Symmetry contract (as {@link eigh}): the whole of `a` is read and checked; an asymmetry
 * beyond `symmetryTol` (default 64 n eps relative to max|a|) is a DomainError naming the
 * largest one and its position; an accepted input is factored as (a + aᵀ)/2. Inputs of extreme
 * magnitude are scaled by a power of four first (exact), so L neither overflows nor underflows
 * while a does not.
 * Row-oriented (Cholesky-Banachiewicz) on contiguous rows. Complexity: n³/3 flops.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 4.2.1.
 * @throws ShapeError unless square; DomainError on NaN/Infinity, a non-symmetric input, an
 * unknown option, or when a is not positive definite (names the failing pivot).
 */
export function cholesky(a: Matrix, opts: { symmetryTol?: number } = {}): Matrix<Float64Array> {
  requireOptions('cholesky', opts, ['symmetryTol']);
  requireSquare('cholesky', 'a', a);
  const src = f64Copy('cholesky', 'a', a);
  requireSymmetric('cholesky', 'a', a, src, opts.symmetryTol);
  // a * 4^h (exact) keeps the products of L's entries in range; L is scaled back by 2^-h.
  const ex = safeScaleExponent(src);
  const h = Math.trunc(ex / 2);
  ldexpInPlace(src, 2 * h);
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
          throw new DomainError(`cholesky: matrix is not positive definite (pivot ${i} is ${s * 2 ** -(2 * h)})`);
        }
        l[ri + i] = Math.sqrt(s);
      }
    }
  }
  ldexpInPlace(l, -h);
  return mat(n, n, l);
}

/**
 * Solves a x = b given the Cholesky factor L of a (a = L Lᵀ): forward then back substitution.
 * `b` is an n-vector or an n x p Matrix; the result has the same kind. O(n² p).
 * @throws ShapeError on mismatched shapes; DomainError on NaN/Infinity or a zero diagonal entry of L.
 */
export function choleskySolve(L: Matrix, b: Matrix): Matrix<Float64Array>;
export function choleskySolve(L: Matrix, b: ArrayLike<number>): Float64Array;
export function choleskySolve(L: Matrix, b: Matrix | ArrayLike<number>): Matrix<Float64Array> | Float64Array {
  requireSquare('choleskySolve', 'L', L);
  const ld = f64Copy('choleskySolve', 'L', L);
  const n = L.rows;
  const isVec = !(typeof b === 'object' && b !== null && 'rows' in b);
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
    if (ld[i * n + i] === 0) throw new DomainError(`choleskySolve: L[${i}, ${i}] is zero (L is singular)`);
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
