import { irfft, rfft } from '@x/linalg';
import { checkRealArray } from './complex';

/** Smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Causal convolution y_t = sum_{j=0}^{t} k_j u_{t-j}, t = 0 .. T-1 (T = u.length), by FFT
 * (S4D paper eq. (7); the layer computes irfft(rfft(K, 2L) rfft(u, 2L))[:L]).
 * Any lengths: both signals are zero-padded to a power of two >= T + len(k) - 1, so the circular
 * convolution equals the linear one; taps beyond T never reach the output and are dropped.
 * O((T + L) log(T + L)) with @x/linalg's rfft/irfft. Float64; agrees with {@link directConv} to
 * O(eps log n max|k| sum|u|).
 * @throws ShapeError/DomainError on non-vectors or non-finite values.
 */
export function fftConv(u: ArrayLike<number>, k: ArrayLike<number>): Float64Array {
  const uu = checkRealArray('fftConv', 'u', u);
  const kk = checkRealArray('fftConv', 'k', k);
  const T = uu.length;
  if (T === 0) return new Float64Array(0);
  const Lk = Math.min(kk.length, T);
  if (Lk === 0) return new Float64Array(T);
  const n = nextPow2(T + Lk - 1);
  const up = new Float64Array(n);
  up.set(uu);
  const kp = new Float64Array(n);
  kp.set(kk.subarray(0, Lk));
  const U = rfft(up);
  const K = rfft(kp);
  const m = U.re.length;
  const Y = { re: new Float64Array(m), im: new Float64Array(m) };
  for (let i = 0; i < m; i++) {
    const ar = U.re[i]!;
    const ai = U.im[i]!;
    const br = K.re[i]!;
    const bi = K.im[i]!;
    Y.re[i] = ar * br - ai * bi;
    Y.im[i] = ar * bi + ai * br;
  }
  return irfft(Y, n).slice(0, T);
}

/**
 * Direct causal convolution y_t = sum_{j=0}^{min(t, L-1)} k_j u_{t-j}. O(T L): the reference and
 * benchmark peer of {@link fftConv}.
 */
export function directConv(u: ArrayLike<number>, k: ArrayLike<number>): Float64Array {
  const uu = checkRealArray('directConv', 'u', u);
  const kk = checkRealArray('directConv', 'k', k);
  const T = uu.length;
  const Lk = Math.min(kk.length, T);
  const y = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    const jmax = Math.min(t, Lk - 1);
    for (let j = 0; j <= jmax; j++) s += kk[j]! * uu[t - j]!;
    y[t] = s;
  }
  return y;
}
