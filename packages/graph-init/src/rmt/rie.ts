import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkNonNegative, checkOptions, checkPositive, describe } from '@x/gpu/checks';
import { eigh } from '@x/linalg';
import { wishartSemicircleStieltjes } from './spectrum';

/** Options of {@link rieDenoise}. */
export interface RieOptions {
  /** Noise variance Δ of `Y = S + √Δ Z/√D` (Z GOE, semicircle on [−2, 2]). */
  delta: number;
  /**
   * κ = m/D of a Wishart prior S = WWᵀ/√(mD): g_Y then comes from the closed-form cubic.
   * Omit it for the prior-free version with the empirical Stieltjes transform.
   */
  kappa?: number;
  /** Imaginary offset of the empirical Stieltjes transform (default D^{−1/2}, spec §9a). */
  eta?: number;
}

/**
 * Rotation-invariant estimator (RIE) of S from `Y = S + √Δ Z` in the O(1)-spectrum
 * normalisation (Bun, Allez, Bouchaud & Potters 2016; used by GAMP-RIE, Maillard et al. 2024,
 * spec §9a): keep Y's eigenvectors and shrink each eigenvalue, `ξ(λ) = λ − 2Δ Re g_Y(λ)`, with
 * `g_Y` from the Wishart ⊞ semicircle cubic (when κ is given) or empirically,
 * `g(λ_i) = (1/D) Σ_j 1/(λ_i − λ_j + iη)`, η = D^{−1/2}. O(D³) (one symmetric eig).
 */
export function rieDenoise(Y: Matrix, opts: RieOptions): Matrix<Float64Array> {
  assertMatrix('rieDenoise', 'Y', Y);
  if (Y.rows !== Y.cols) throw new ShapeError(`rieDenoise: Y must be square, got ${Y.rows}x${Y.cols}`);
  const fn = 'rieDenoise';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { delta } are required, got ${describe(opts)}`);
  checkOptions(fn, opts, ['delta', 'kappa', 'eta']);
  const delta = checkNonNegative(fn, 'delta', opts.delta);
  if (opts.kappa !== undefined) checkPositive(fn, 'kappa', opts.kappa);
  const D = Y.rows;
  const eta = checkPositive(fn, 'eta', opts.eta ?? 1 / Math.sqrt(D));
  const { values: lam, vectors: V } = eigh(Y);
  const xi = new Float64Array(D);
  if (opts.kappa !== undefined) {
    for (let i = 0; i < D; i++) xi[i] = lam[i]! - 2 * delta * wishartSemicircleStieltjes(lam[i]!, opts.kappa, delta).re;
  } else {
    for (let i = 0; i < D; i++) {
      let re = 0;
      for (let j = 0; j < D; j++) {
        const d = lam[i]! - lam[j]!;
        re += d / (d * d + eta * eta);
      }
      xi[i] = lam[i]! - (2 * delta * re) / D;
    }
  }
  const out = new Float64Array(D * D);
  const v = V.data;
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += v[i * D + k]! * xi[k]! * v[j * D + k]!;
      out[i * D + j] = s;
      out[j * D + i] = s;
    }
  }
  return { rows: D, cols: D, data: out };
}
