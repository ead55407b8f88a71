import { DomainError, ShapeError } from '@x/gpu';
import { requireOptions } from './checks';
import { checkReal } from './complex';
import { irfft, rfft } from './fft';

/** Output window of {@link fftConvolve}, as scipy.signal.fftconvolve's `mode`. */
export type ConvolveMode = 'full' | 'same' | 'valid';

/**
 * Linear convolution of two real signals by FFT (scipy.signal.fftconvolve for 1-D):
 * y_k = sum_j x_j h_{k-j}. Both are zero-padded to the next power of two N >= n + m - 1, so the
 * circular convolution computed by rfft/irfft equals the linear one. `'full'` has length
 * n + m - 1, `'same'` the length of x (centered on the full output), `'valid'` length
 * max(n, m) - min(n, m) + 1 (no zero-padded terms). O(N log N). Error
 * ||y^ - y||_2 <= c eps log2(N) ||x||_2 ||h||_1 (since |H(w)| <= ||h||_1).
 * The S4/S4D convolution mode is `fftConvolve(u, K).slice(0, L)` (the causal part).
 * @returns a new Float64Array.
 */
export function fftConvolve(x: ArrayLike<number>, h: ArrayLike<number>, opts: { mode?: ConvolveMode } = {}): Float64Array {
  requireOptions('fftConvolve', opts, ['mode']);
  const a = checkReal('fftConvolve', 'x', x);
  const b = checkReal('fftConvolve', 'h', h);
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new ShapeError(`fftConvolve: inputs must be non-empty, got lengths ${n} and ${m}`);
  const mode = opts.mode ?? 'full';
  if (mode !== 'full' && mode !== 'same' && mode !== 'valid') {
    throw new DomainError(`fftConvolve: mode must be 'full', 'same' or 'valid', got ${String(mode)}`);
  }
  const L = n + m - 1;
  let N = 2;
  while (N < L) N *= 2;
  const pa = new Float64Array(N);
  pa.set(a);
  const pb = new Float64Array(N);
  pb.set(b);
  const A = rfft(pa);
  const B = rfft(pb);
  for (let k = 0; k < A.re.length; k++) {
    const ar = A.re[k]!;
    const ai = A.im[k]!;
    A.re[k] = ar * B.re[k]! - ai * B.im[k]!;
    A.im[k] = ar * B.im[k]! + ai * B.re[k]!;
  }
  const full = irfft(A, N);
  if (mode === 'full') return full.slice(0, L);
  const len = mode === 'same' ? n : Math.max(n, m) - Math.min(n, m) + 1;
  const start = Math.floor((L - len) / 2);
  return full.slice(start, start + len);
}
