import { DomainError, type Matrix } from '@x/gpu';
import { requireOptions } from './checks';
import { EPS, f64Copy } from './dense-util';
import { exactSvdvals } from './svd-exact';

/**
 * 2-norm condition number σ_max / σ_min of a (numpy.linalg.cond): Infinity for a singular or
 * rank-deficient matrix (σ_min = 0), 0 for an empty one. One bidiagonal SVD without vectors,
 * O(m n min(m, n)).
 * @throws ShapeError when a is not a Matrix; DomainError on NaN/Infinity.
 */
export function cond(a: Matrix): number {
  const s = exactSvdvals(f64Copy('cond', 'a', a), a.rows, a.cols, 'cond');
  if (s.length === 0) return 0;
  const lo = s[s.length - 1]!;
  return lo === 0 ? Number.POSITIVE_INFINITY : s[0]! / lo;
}

/**
 * Numerical rank (numpy.linalg.matrix_rank): the number of singular values above
 * `tol` (default σ_max · max(m, n) · eps). O(m n min(m, n)).
 * @throws ShapeError when a is not a Matrix; DomainError on NaN/Infinity or a negative tol.
 */
export function matrixRank(a: Matrix, opts: { tol?: number } = {}): number {
  requireOptions('matrixRank', opts, ['tol']);
  const s = exactSvdvals(f64Copy('matrixRank', 'a', a), a.rows, a.cols, 'matrixRank');
  if (s.length === 0) return 0;
  const tol = opts.tol ?? s[0]! * Math.max(a.rows, a.cols) * EPS;
  if (!(tol >= 0)) throw new DomainError(`matrixRank: tol must be >= 0, got ${tol}`);
  let r = 0;
  while (r < s.length && s[r]! > tol) r++;
  return r;
}
