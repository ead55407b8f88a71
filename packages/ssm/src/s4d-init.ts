import { checkNonNegative, checkNumber, checkOptions, describe } from '@x/gpu/checks';
import { DomainError } from '@x/gpu';
import { type ComplexArray, checkInt } from './complex';
import { s4dModes } from './s4d-modes';

/** Diagonal initializations of S4D (S4D paper, Sec. 4.1 and Table 1) plus DSS; S4-PTD is {@link s4dPtdInit}. */
export type S4DInitKind = 'lin' | 'inv' | 'real' | 'legs' | 'dss';

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
}

/** What {@link s4dInit} and {@link s4dPtdInit} return. */
export interface S4DInitResult {
  /** The N/2 modes' eigenvalues. */
  A: ComplexArray;
  /** The N/2 modes' input weights. */
  B: ComplexArray;
  /**
   * Only from {@link s4dPtdInit}: the eigenvectors Ṽ of A_LegS + E, N/2 x N/2 row-major (columns
   * of unit 2-norm), so that an output vector C of the perturbed system becomes C̃ = C Ṽ (S4DLayer
   * does this; with C̃ drawn independently of Ṽ the large entries of Ṽ⁻¹B would not cancel).
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
 *   Spaces", Sec. 3.2): the S4D-LegS eigenvalues with B_n = 1 (DSS folds B into C).
 * n = 0 .. N/2 - 1. The kernel is 2 Re of the sum over these N/2 modes. None of these needs a
 * general eigensolver (S4-PTD does: it is {@link s4dPtdInit}, a separate export so that code
 * importing `s4dInit` does not bundle one).
 * @param N state size, an even integer >= 2.
 * @returns `{ A: ComplexArray (N/2), B: ComplexArray (N/2) }`.
 * @throws DomainError on odd N, an unknown kind (kind 'ptd' names {@link s4dPtdInit}) or option.
 */
export function s4dInit(N: number, opts: S4DInitOptions): S4DInitResult {
  checkInt('s4dInit', 'N', N, 2);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`s4dInit: options { kind } are required, got ${describe(opts)}`);
  if ((opts.kind as string) === 'ptd') throw new DomainError(`s4dInit: kind 'ptd' is not an s4dInit kind; S4-PTD is s4dPtdInit(${N}, { eps, seed, E, bScale })`);
  checkOptions('s4dInit', opts, ['kind', 'bScale', 'bClip']);
  if (opts.bScale !== undefined) checkNumber('s4dInit', 'bScale', opts.bScale);
  if (opts.bClip !== undefined) checkNonNegative('s4dInit', 'bClip', opts.bClip);
  if (N % 2 !== 0) throw new DomainError(`s4dInit: N must be even (N/2 conjugate pairs), got ${N}`);
  return s4dModes('s4dInit', N, opts.kind, opts.bScale, opts.bClip);
}
