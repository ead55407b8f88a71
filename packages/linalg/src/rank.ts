import { DomainError, type Matrix } from '@x/gpu';
import { checkOneOf, checkVector } from '@x/gpu/checks';
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

/** Which effective rank {@link effectiveRank} computes. */
export type EffectiveRankKind = 'entropy' | 'participation';

/** Options of {@link effectiveRank}. */
export interface EffectiveRankOptions {
  /**
   * `'entropy'` (default): exp(−Σ pᵢ log pᵢ) with pᵢ = σᵢ/Σσ (Roy & Vetterli 2007);
   * `'participation'`: (Σσ²)²/Σσ⁴, the participation ratio of the σ².
   */
  kind?: EffectiveRankKind;
}

const EFFECTIVE_RANK_KINDS: readonly EffectiveRankKind[] = ['entropy', 'participation'];

/**
 * Effective rank of a spectrum of singular values (any order): the entropy effective rank
 * exp(−Σ pᵢ log pᵢ), pᵢ = σᵢ/Σσ (Roy & Vetterli, "The effective rank", EUSIPCO 2007, Def. 1),
 * or the participation ratio (Σσ²)²/Σσ⁴. Both lie between 1 and the number of non-zero σᵢ;
 * 0 for an empty or all-zero spectrum (as `matrixRank` of the zero matrix). Every σᵢ is divided
 * by max σ first (each ratio <= 1, so Σσ, which overflows near 1e308, and σ⁴, which over- and
 * underflows past about 1e±77, are never formed), so the result does not depend on the scale:
 * singular values near the float64 maximum or subnormal ones give the same rank as σ/max σ.
 * O(n). Pass `svdvals(a)` for a matrix.
 * @throws ShapeError singularValues not a number[] / Float64Array / Float32Array;
 * DomainError a NaN, infinite or negative entry (names its index), an unknown option or kind.
 */
export function effectiveRank(singularValues: ArrayLike<number>, opts: EffectiveRankOptions = {}): number {
  const fn = 'effectiveRank';
  requireOptions(fn, opts, ['kind']);
  const kind = checkOneOf(fn, 'kind', opts.kind ?? 'entropy', EFFECTIVE_RANK_KINDS);
  const s = checkVector(fn, 'singularValues', singularValues);
  let top = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!(v >= 0)) throw new DomainError(`${fn}: singular values must be >= 0, got ${v} at singularValues[${i}]`);
    if (v > top) top = v;
  }
  if (top === 0) return 0;
  // Divide (never multiply by 1/top, which overflows for a subnormal top) before summing.
  if (kind === 'participation') {
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < s.length; i++) {
      const v = (s[i]! / top) ** 2;
      s2 += v;
      s4 += v * v;
    }
    return (s2 * s2) / s4;
  }
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i]! / top;
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = s[i]! / top / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}
