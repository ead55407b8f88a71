import { checkFinite, checkNonNegative, checkNumber, checkOptions, checkSeed, checkShape } from '@x/gpu/checks';
import { complexZeros } from '@x/linalg';
import { DomainError, type Matrix } from '@x/gpu';
import { checkInt } from './complex';
import type { S4DInitResult } from './s4d-init';
import { ptdInit } from './ptd';

/** Options of {@link s4dPtdInit}. */
export interface S4DPtdInitOptions {
  /** The perturbation's spectral norm ||E||_2 (default 0.1). */
  eps?: number;
  /** Seed of the random perturbation E (default 0, so every layer shares one E). */
  seed?: number;
  /**
   * The perturbation to use, (N/2) x (N/2), e.g. from `ptdOptimize` (the official S4-PTD code
   * loads such an optimized one); used as given unless `eps` is also given, then rescaled to
   * ||E||_2 = eps (as {@link ptdInit}).
   */
  E?: Matrix;
  /** Scale of B (default 1). */
  bScale?: number;
}

/** What {@link s4dPtdInit} returns: the modes and, always, the eigenvectors Ṽ. */
export interface S4DPtdInitResult extends S4DInitResult {
  /**
   * The eigenvectors Ṽ of A_LegS + E, N/2 x N/2 row-major (columns of unit 2-norm), so that an
   * output vector C of the perturbed system becomes C̃ = C Ṽ (S4DLayer does this given `modes`).
   */
  V: { re: Float64Array; im: Float64Array };
}

/**
 * S4-PTD initialization of a diagonal S4D layer of state size N (Yu et al., "Robustifying State-space
 * Models for Long Sequences via Approximate Diagonalization", ICLR 2024, Sec. 4): perturb-then-diagonalize
 * of HiPPO-LegS of size N/2, A = all N/2 eigenvalues of A_LegS + E, B = bScale Ṽ⁻¹ B_LegS, with E
 * the given `E` or real Gaussian scaled to ||E||_2 = eps (see {@link ptdInit}; seeded, so one E
 * serves every channel and layer, as the official S4-PTD code loads one precomputed perturbation
 * of size N/2 for state size N). The eigenvalues of the real A_LegS + E are real or in conjugate
 * pairs; all are kept, and the kernel's 2 Re adds the conjugate system, as in the official code.
 * Pass the result as `modes` to `S4DLayer`, `S4DClassifier` or `trainS4DDigits`. Apart from
 * {@link s4dInit} because it needs a general (nonsymmetric) eigensolver.
 * @param N state size, an even integer >= 2.
 * @returns `{ A, B: ComplexArray (N/2), V: Ṽ (N/2 x N/2) }`.
 * @throws DomainError on odd N, an unknown option, a non-finite `bScale`, eps not finite >= 0, a
 *   bad seed, both `seed` and `E`, a non-finite `E`, or an eps so large that an eigenvalue of A_LegS + E has Re >= 0;
 *   ShapeError on an `E` that is not (N/2) x (N/2).
 */
export function s4dPtdInit(N: number, options?: S4DPtdInitOptions): S4DPtdInitResult {
  const fn = 's4dPtdInit';
  checkInt(fn, 'N', N, 2);
  const opts = checkOptions(fn, options, ['eps', 'seed', 'E', 'bScale']);
  const scale = opts.bScale === undefined ? 1 : checkNumber(fn, 'bScale', opts.bScale);
  const eps = checkNonNegative(fn, 'eps', opts.eps ?? 0.1);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  if (N % 2 !== 0) throw new DomainError(`${fn}: N must be even (N/2 conjugate pairs), got ${N}`);
  const h = N / 2;
  if (opts.E !== undefined) {
    if (opts.seed !== undefined) throw new DomainError(`${fn}: seed draws a random E; give seed or E, not both`);
    checkShape(fn, 'E', opts.E, h, h);
    checkFinite(fn, 'E', opts.E);
  }
  const p = opts.E === undefined ? ptdInit(h, { eps, seed }) : ptdInit(h, opts.eps === undefined ? { E: opts.E } : { E: opts.E, eps });
  const A = complexZeros(h);
  const B = complexZeros(h);
  for (let j = 0; j < h; j++) {
    if (!(p.Lambda.re[j]! < 0)) throw new DomainError(`${fn}: ||E||_2 = ${p.normE} gives an eigenvalue with Re ${p.Lambda.re[j]} >= 0; use a smaller perturbation`);
    A.re[j] = p.Lambda.re[j]!;
    A.im[j] = p.Lambda.im[j]!;
    B.re[j] = scale * p.B.re[j]!;
    B.im[j] = scale * p.B.im[j]!;
  }
  return { A, B, V: { re: Float64Array.from(p.V.re.data), im: Float64Array.from(p.V.im.data) } };
}
