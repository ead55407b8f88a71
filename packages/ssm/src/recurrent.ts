import { checkNumber, checkOptions } from '@x/gpu/checks';
import { complexZeros } from '@x/linalg';
import { type ComplexArray, checkComplexArray, checkRealArray } from './complex';
import { checkDisc, checkS4DParams, type S4DParams, s4dDiscretize } from './discretize';

/** Options of {@link s4dRecurrence}. */
export interface S4DRecurrenceOptions {
  /** 'zoh' (default) or 'bilinear'. */
  disc?: 'zoh' | 'bilinear';
  /** Skip connection D (default 0): y_k += D u_k. */
  D?: number;
  /** Initial state x_{-1} (N/2 complex; default zero). Not mutated. */
  state?: ComplexArray;
}

/**
 * Recurrent (step) mode of a diagonal SSM (S4D paper Sec. 2.2; S4 paper eq. (3)):
 * x_k = dA x_{k-1} + dB u_k, y_k = 2 Re(C x_k) + D u_k, one step per input, O(N) per step.
 * With a zero initial state it equals the convolutional mode y = K * u + D u
 * ({@link s4dKernel} + {@link fftConv}) up to rounding (~1e-12 in float64).
 * @returns `{ y: Float64Array (T), state: ComplexArray }`, the final state for resuming a stream.
 */
export function s4dRecurrence(
  params: S4DParams,
  u: ArrayLike<number>,
  opts: S4DRecurrenceOptions = {},
): { y: Float64Array; state: ComplexArray } {
  const fn = 's4dRecurrence';
  const n = checkS4DParams(fn, params);
  const uu = checkRealArray(fn, 'u', u);
  checkOptions(fn, opts, ['disc', 'D', 'state']);
  const disc = checkDisc(fn, opts.disc ?? 'zoh', false) as 'zoh' | 'bilinear';
  const D = checkNumber(fn, 'D', opts.D ?? 0);
  const x = complexZeros(n);
  if (opts.state !== undefined) {
    checkComplexArray(fn, 'state', opts.state, n);
    x.re.set(opts.state.re);
    x.im.set(opts.state.im);
  }
  const { dA, dB } = s4dDiscretize(params, disc);
  const { C } = params;
  const T = uu.length;
  const y = new Float64Array(T);
  for (let k = 0; k < T; k++) {
    const uk = uu[k]!;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const xr = x.re[i]!;
      const xi = x.im[i]!;
      const nr = dA.re[i]! * xr - dA.im[i]! * xi + dB.re[i]! * uk;
      const ni = dA.re[i]! * xi + dA.im[i]! * xr + dB.im[i]! * uk;
      x.re[i] = nr;
      x.im[i] = ni;
      acc += C.re[i]! * nr - C.im[i]! * ni;
    }
    y[k] = 2 * acc + D * uk;
  }
  return { y, state: x };
}
