import { DomainError, type Matrix } from '@x/gpu';
import { requireInt, requireOptions } from './checks';
import { f64Copy, firstCols, mat } from './dense-util';
import { exactSvdParts, exactSvdvals } from './svd-exact';
import { randomizedSvdParts } from './randomized';

/** Options of {@link svd}. */
export interface SvdOptions {
  /** Number of singular triplets to return (default min(m, n)); 1 <= k <= min(m, n) (k = 0 only for an empty matrix). */
  k?: number;
  /** 'exact' (default) or 'randomized' (Halko-Martinsson-Tropp range finder). */
  method?: 'exact' | 'randomized';
  /** Randomized only: power iterations, each re-orthonormalized (default 4). */
  niter?: number;
  /** Randomized only: extra sample columns beyond k (default 10; 0 is PiSSA's svd_lowrank convention). */
  oversample?: number;
  /** Randomized only: seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** Result of {@link svd}: a ≈ U diag(S) Vᵀ. */
export interface SvdResult {
  /** m x k, orthonormal columns (left singular vectors). */
  U: Matrix<Float64Array>;
  /** k singular values, descending, non-negative. */
  S: Float64Array;
  /** n x k, orthonormal columns (right singular vectors). */
  V: Matrix<Float64Array>;
}

/**
 * Singular value decomposition a ≈ U diag(S) Vᵀ of an m x n matrix, truncated to k triplets.
 *
 * - `method: 'exact'` (default): accurate for small singular values (errors O(eps ||a||)),
 *   rank-deficient, repeated or clustered singular values; never forms aᵀa.
 * - `method: 'randomized'`: Halko-Martinsson-Tropp randomized range finder with `oversample`
 *   extra columns and `niter` power iterations, each re-orthonormalized by QR, then an exact SVD
 *   of the small projected matrix. `oversample: 0` with `niter: K` reproduces
 *   `torch.svd_lowrank(a, q=k, niter=K)` as used by PiSSA's `pissa_niter_K` fast init.
 *
 * Shapes: U m x k, S k (descending), V n x k. Complexity: exact O(m n min(m, n));
 * randomized O(m n (k + oversample)(2 niter + 2)).
 * References: Golub & Van Loan (4th ed.) §8.6; Halko, Martinsson & Tropp, "Finding structure
 * with randomness", SIAM Rev. 53 (2011), Alg. 4.4 + 5.1; Meng, Wang & Zhang, "PiSSA" (2024).
 * @throws ShapeError when a is not a Matrix; DomainError on NaN/Infinity, k out of range or an
 * unknown method; ConvergenceError if an iteration budget runs out.
 */
export function svd(a: Matrix, opts: SvdOptions = {}): SvdResult {
  requireOptions('svd', opts, ['k', 'method', 'niter', 'oversample', 'seed']);
  const data = f64Copy('svd', 'a', a);
  const m = a.rows;
  const n = a.cols;
  const kmax = Math.min(m, n);
  // An explicit k must be in [1, min(m, n)]; the default takes all min(m, n) triplets (none
  // for an empty matrix).
  const k = opts.k === undefined ? kmax : requireInt('svd', 'k', opts.k, Math.min(1, kmax), kmax);
  const method = opts.method ?? 'exact';
  if (method !== 'exact' && method !== 'randomized') {
    throw new DomainError(`svd: method must be 'exact' or 'randomized', got ${String(method)}`);
  }
  if (method === 'randomized') {
    const r = randomizedSvdParts(data, m, n, k, opts.niter ?? 4, opts.oversample ?? 10, opts.seed ?? 0, 'svd');
    return { U: mat(m, k, r.u), S: r.s, V: mat(n, k, r.v) };
  }
  if (kmax === 0) return { U: mat(m, 0), S: new Float64Array(0), V: mat(n, 0) };
  const p = exactSvdParts(data, m, n, 'svd', Math.max(k, 1));
  const got = p.s.length;
  return {
    U: mat(m, k, firstCols(p.u, m, got, k)),
    S: p.s.slice(0, k),
    V: mat(n, k, firstCols(p.v, n, got, k)),
  };
}

/**
 * Singular values of a, descending (min(m, n) of them), to absolute accuracy O(eps ||a||):
 * one-sided Jacobi for min(m, n) <= 32, else Householder bidiagonalization and implicit QL on
 * the Golub-Kahan tridiagonal matrix, no vectors. Complexity O(m n min(m, n)).
 * Reference: Golub & Kahan, SIAM J. Numer. Anal. 2 (1965); Golub & Van Loan (4th ed.) §8.6.
 * @throws ShapeError / DomainError as {@link svd}.
 */
export function svdvals(a: Matrix): Float64Array {
  const data = f64Copy('svdvals', 'a', a);
  if (Math.min(a.rows, a.cols) === 0) return new Float64Array(0);
  return exactSvdvals(data, a.rows, a.cols, 'svdvals');
}
