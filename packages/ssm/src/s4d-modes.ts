import { DomainError } from '@x/gpu';
import { complexZeros } from '@x/linalg';
import type { ComplexArray } from './complex';
import { hippoNormalEig } from './normal-eig';

/**
 * The eigenvalue-free S4D initializations ('lin', 'inv', 'real', 'legs', 'dss'; see `s4dInit`) for
 * a validated even N: kept apart from `s4dPtdInit`, which needs a general eigensolver, so
 * that `S4DLayer` and `s4dInit` do not bundle one. `fn` names the caller in errors.
 */
export function s4dModes(fn: string, N: number, kind: unknown, bScale?: number, bClip?: number): { A: ComplexArray; B: ComplexArray } {
  const h = N / 2;
  const A = complexZeros(h);
  const B = complexZeros(h);
  const opts = { bScale, bClip };
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
      if (!Number.isFinite(scale)) throw new DomainError(`${fn}: bScale must be finite, got ${String(scale)}`);
      const clip = opts.bClip;
      if (clip !== undefined && !(clip >= 0)) throw new DomainError(`${fn}: bClip must be >= 0, got ${String(clip)}`);
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
      throw new DomainError(`${fn}: unknown kind "${String(kind)}"; expected 'lin' | 'inv' | 'real' | 'legs' | 'dss'`);
  }
  return { A, B };
}
