import { checkFinite, checkNonNegative, checkNumber, checkOptions, checkSeed, checkShape, describe } from '@x/gpu/checks';
import { complexZeros } from '@x/linalg';
import { DomainError, type Matrix } from '@x/gpu';
import { type ComplexArray, checkInt } from './complex';
import { s4dModes } from './s4d-modes';
import { ptdInit } from './ptd';

/** Diagonal initializations of S4D (S4D paper, Sec. 4.1 and Table 1) plus DSS and S4-PTD. */
export type S4DInitKind = 'lin' | 'inv' | 'real' | 'legs' | 'dss' | 'ptd';

/** Options of {@link s4dInit}. */
export interface S4DInitOptions {
  kind: S4DInitKind;
  /**
   * Scale of B for 'legs' (default 1, as state-spaces/s4 `dplr.py`; the theory of S4D Sec. 3
   * uses 1/2, which makes the diagonal kernel converge to the HiPPO-LegS kernel).
   */
  bScale?: number;
  /** For 'legs': clip Im B to [-bClip, bClip] (state-spaces/s4 uses `B_clip = 2`); default: none. */
  bClip?: number;
  /** For 'ptd': the perturbation's spectral norm ||E||_2 (default 0.1). */
  eps?: number;
  /** For 'ptd': seed of the random perturbation E (default 0, so every layer shares one E). */
  seed?: number;
  /**
   * For 'ptd': the perturbation to use, (N/2) x (N/2), e.g. from `ptdOptimize` (the
   * official S4-PTD code loads such an optimized one); used as given unless `eps` is also given,
   * then rescaled to ||E||_2 = eps (as {@link ptdInit}).
   */
  E?: Matrix;
}

/** What {@link s4dInit} returns. */
export interface S4DInitResult {
  /** The N/2 modes' eigenvalues. */
  A: ComplexArray;
  /** The N/2 modes' input weights. */
  B: ComplexArray;
  /**
   * Only for 'ptd': the eigenvectors Ṽ of A_LegS + E, N/2 x N/2 row-major (columns of unit
   * 2-norm), so that an output vector C of the perturbed system becomes C̃ = C Ṽ (S4DLayer does
   * this; with C̃ drawn independently of Ṽ the large entries of Ṽ⁻¹B would not cancel).
   */
  V?: { re: Float64Array; im: Float64Array };
}

/**
 * S4D initialization of a diagonal SSM with N/2 conjugate pairs (S4D paper, "On the
 * Parameterization and Initialization of Diagonal State Space Models", Gu et al. 2022, Sec. 4):
 * - 'lin'  (S4D-Lin, eq. (9)):  A_n = -1/2 + i pi n, B_n = 1;
 * - 'inv'  (S4D-Inv, eq. (8)):  A_n = -1/2 + i (N/pi)(N/(2n+1) - 1), B_n = 1;
 * - 'real' (S4D-Real):          A_n = -(n+1), B_n = 1;
 * - 'legs' (S4D-LegS, Sec. 3):  A = eigenvalues of the normal part of HiPPO-LegS (the half with
 *   negative imaginary part), B = bScale V* B_HiPPO (see `hippoNormalEig`);
 * - 'dss'  (DSS, Gupta et al. 2022, "Diagonal State Spaces are as Effective as Structured State
 *   Spaces", Sec. 3.2): the S4D-LegS eigenvalues with B_n = 1 (DSS folds B into C);
 * - 'ptd'  (S4-PTD, Yu et al., ICLR 2024, Sec. 4): perturb-then-diagonalize of HiPPO-LegS of size
 *   N/2, A = all N/2 eigenvalues of A_LegS + E, B = bScale Ṽ⁻¹ B_LegS, with E the given `E` or
 *   real Gaussian scaled to ||E||_2 = eps (see {@link ptdInit}; seeded, so one E serves every channel and layer,
 *   as the official S4-PTD code loads one precomputed perturbation of size N/2 for state size N).
 *   The eigenvalues of the real A_LegS + E are real or in conjugate pairs; all are kept, and the
 *   kernel's 2 Re adds the conjugate system, as in the official code.
 * n = 0 .. N/2 - 1. The kernel is 2 Re of the sum over these N/2 modes.
 * @param N state size, an even integer >= 2.
 * @returns `{ A: ComplexArray (N/2), B: ComplexArray (N/2) }`, and for 'ptd' also `V` (Ṽ).
 * @throws DomainError on odd N, an unknown kind, or ('ptd') an eps so large that an eigenvalue of A_LegS + E has Re >= 0.
 */
export function s4dInit(N: number, opts: S4DInitOptions): S4DInitResult {
  checkInt('s4dInit', 'N', N, 2);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`s4dInit: options { kind } are required, got ${describe(opts)}`);
  checkOptions('s4dInit', opts, ['kind', 'bScale', 'bClip', 'eps', 'seed', 'E']);
  if (opts.bScale !== undefined) checkNumber('s4dInit', 'bScale', opts.bScale);
  if (opts.bClip !== undefined) checkNonNegative('s4dInit', 'bClip', opts.bClip);
  const eps = checkNonNegative('s4dInit', 'eps', opts.eps ?? 0.1);
  const seed = checkSeed('s4dInit', 'seed', opts.seed ?? 0);
  if (opts.E !== undefined) {
    checkShape('s4dInit', 'E', opts.E, N / 2, N / 2);
    checkFinite('s4dInit', 'E', opts.E);
  }
  if (N % 2 !== 0) throw new DomainError(`s4dInit: N must be even (N/2 conjugate pairs), got ${N}`);
  const h = N / 2;
  const kind = opts?.kind;
  if (kind !== 'ptd') return s4dModes('s4dInit', N, kind, opts.bScale, opts.bClip);
  const A = complexZeros(h);
  const B = complexZeros(h);
  const p = opts.E === undefined ? ptdInit(h, { eps, seed }) : ptdInit(h, opts.eps === undefined ? { E: opts.E } : { E: opts.E, eps });
  const scale = opts.bScale ?? 1;
  for (let j = 0; j < h; j++) {
    if (!(p.Lambda.re[j]! < 0)) throw new DomainError(`s4dInit: 'ptd' with ||E||_2 = ${p.normE} gives an eigenvalue with Re ${p.Lambda.re[j]} >= 0; use a smaller perturbation`);
    A.re[j] = p.Lambda.re[j]!;
    A.im[j] = p.Lambda.im[j]!;
    B.re[j] = scale * p.B.re[j]!;
    B.im[j] = scale * p.B.im[j]!;
  }
  return { A, B, V: { re: Float64Array.from(p.V.re.data), im: Float64Array.from(p.V.im.data) } };
}
