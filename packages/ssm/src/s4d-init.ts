import { checkNonNegative, checkNumber, checkOptions, describe } from '@x/gpu/checks';
import { complexZeros } from '@x/linalg';
import { DomainError } from '@x/gpu';
import { type ComplexArray, checkInt } from './complex';
import { hippoNormalEig } from './normal-eig';

/** Diagonal initializations of S4D (S4D paper, Sec. 4.1 and Table 1) plus DSS. */
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

/**
 * S4D initialization of a diagonal SSM with N/2 conjugate pairs (S4D paper, "On the
 * Parameterization and Initialization of Diagonal State Space Models", Gu et al. 2022, Sec. 4):
 * - 'lin'  (S4D-Lin, eq. (9)):  A_n = -1/2 + i pi n, B_n = 1;
 * - 'inv'  (S4D-Inv, eq. (8)):  A_n = -1/2 + i (N/pi)(N/(2n+1) - 1), B_n = 1;
 * - 'real' (S4D-Real):          A_n = -(n+1), B_n = 1;
 * - 'legs' (S4D-LegS, Sec. 3):  A = eigenvalues of the normal part of HiPPO-LegS (the half with
 *   negative imaginary part), B = bScale V* B_HiPPO (see {@link hippoNormalEig});
 * - 'dss'  (DSS, Gupta et al. 2022, "Diagonal State Spaces are as Effective as Structured State
 *   Spaces", Sec. 3.2): the S4D-LegS eigenvalues with B_n = 1 (DSS folds B into C).
 * n = 0 .. N/2 - 1. The kernel is 2 Re of the sum over these N/2 modes.
 * @param N state size, an even integer >= 2.
 * @returns `{ A: ComplexArray (N/2), B: ComplexArray (N/2) }`.
 * @throws DomainError on odd N or an unknown kind.
 */
export function s4dInit(N: number, opts: S4DInitOptions): { A: ComplexArray; B: ComplexArray } {
  checkInt('s4dInit', 'N', N, 2);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`s4dInit: options { kind } are required, got ${describe(opts)}`);
  checkOptions('s4dInit', opts, ['kind', 'bScale', 'bClip']);
  if (opts.bScale !== undefined) checkNumber('s4dInit', 'bScale', opts.bScale);
  if (opts.bClip !== undefined) checkNonNegative('s4dInit', 'bClip', opts.bClip);
  if (N % 2 !== 0) throw new DomainError(`s4dInit: N must be even (N/2 conjugate pairs), got ${N}`);
  const h = N / 2;
  const A = complexZeros(h);
  const B = complexZeros(h);
  const kind = opts?.kind;
  switch (kind) {
    case 'lin':
      for (let n = 0; n < h; n++) {
        A.re[n] = -0.5;
        A.im[n] = Math.PI * n;
        B.re[n] = 1;
      }
      break;
    case 'inv':
      for (let n = 0; n < h; n++) {
        A.re[n] = -0.5;
        A.im[n] = (N / Math.PI) * (N / (2 * n + 1) - 1);
        B.re[n] = 1;
      }
      break;
    case 'real':
      for (let n = 0; n < h; n++) {
        A.re[n] = -(n + 1);
        B.re[n] = 1;
      }
      break;
    case 'legs':
    case 'dss': {
      const { lambda, V, B: bh } = hippoNormalEig(N);
      const scale = opts.bScale ?? 1;
      if (!Number.isFinite(scale)) throw new DomainError(`s4dInit: bScale must be finite, got ${String(scale)}`);
      const clip = opts.bClip;
      if (clip !== undefined && !(clip >= 0)) throw new DomainError(`s4dInit: bClip must be >= 0, got ${String(clip)}`);
      for (let j = 0; j < h; j++) {
        A.re[j] = lambda.re[j]!;
        A.im[j] = lambda.im[j]!;
        if (kind === 'dss') {
          B.re[j] = 1;
          continue;
        }
        let br = 0;
        let bi = 0;
        for (let i = 0; i < N; i++) {
          // (V* b)_j = sum_i conj(V_ij) b_i
          br += V.re.data[i * N + j]! * bh[i]!;
          bi -= V.im.data[i * N + j]! * bh[i]!;
        }
        B.re[j] = scale * br;
        const im = scale * bi;
        B.im[j] = clip === undefined ? im : Math.max(-clip, Math.min(clip, im));
      }
      break;
    }
    default:
      throw new DomainError(`s4dInit: unknown kind "${String(kind)}"; expected 'lin' | 'inv' | 'real' | 'legs' | 'dss'`);
  }
  return { A, B };
}
