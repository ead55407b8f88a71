import { MAX_LENGTH, requireOptions } from './checks';
import { DomainError, ShapeError } from '@x/gpu';
import FFTJS from 'fft.js';
import { type ComplexArray, checkComplex, checkReal, isComplexArray } from './complex';

/**
 * Normalization of a transform pair, as in numpy.fft: `'backward'` (default) leaves the forward
 * transform unscaled and divides the inverse by n; `'ortho'` scales both by 1/sqrt(n) (unitary);
 * `'forward'` divides the forward transform by n.
 */
export type FftNorm = 'backward' | 'ortho' | 'forward';

/** The keys of {@link FftOutOptions}. */
const FFT_OUT_KEYS = ['norm', 'out'];

/** Options of {@link fft}, {@link ifft}, {@link rfft} and {@link irfft}. */
export interface FftOptions {
  /** Scaling convention (numpy's `norm`); default `'backward'`. */
  norm?: FftNorm;
}

/** Options of {@link fft} and {@link ifft}. */
export interface FftOutOptions extends FftOptions {
  /**
   * Write the result here (re and im of length n, not sharing storage with the input) instead of
   * allocating; saves two allocations per call in hot loops.
   */
  out?: ComplexArray;
}

/** fft.js's transform object (CommonJS class, power-of-two sizes >= 2, interleaved re/im). */
interface FftJs {
  transform(out: number[], data: number[]): void;
  inverseTransform(out: number[], data: number[]): void;
  createComplexArray(): number[];
}

/**
 * A cached length-n plan: the fft.js instance for a power of two, or Bluestein's chirp and the
 * FFT of its filter for other lengths, plus scratch buffers (JS is single-threaded, so plans can
 * own their scratch).
 */
interface Plan {
  readonly n: number;
  /** Unnormalized forward DFT (sign -1) of (re, im) written into (outRe, outIm). */
  forward(re: Float64Array, im: Float64Array, outRe: Float64Array, outIm: Float64Array): void;
}

const MAX_CACHED = 64;
const plans = new Map<number, Plan>();

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function nextPow2(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

function makeFftJs(n: number): FftJs {
  // fft.js is CommonJS (module.exports = FFT); the default import is that constructor under both
  // the ESM build (Node's CJS interop) and the CJS build (tsup's __toESM).
  return new (FFTJS as unknown as new (size: number) => FftJs)(n);
}

function trivialPlan(n: number): Plan {
  return {
    n,
    forward(re, im, outRe, outIm) {
      for (let i = 0; i < n; i++) {
        outRe[i] = re[i]!;
        outIm[i] = im[i]!;
      }
    },
  };
}

function pow2Plan(n: number): Plan {
  const f = makeFftJs(n);
  // fft.js's own (plain Array) buffers: it runs ~30% faster on them than on Float64Arrays.
  const inBuf = f.createComplexArray();
  const outBuf = f.createComplexArray();
  return {
    n,
    forward(re, im, outRe, outIm) {
      for (let i = 0; i < n; i++) {
        inBuf[2 * i] = re[i]!;
        inBuf[2 * i + 1] = im[i]!;
      }
      f.transform(outBuf, inBuf);
      for (let i = 0; i < n; i++) {
        outRe[i] = outBuf[2 * i]!;
        outIm[i] = outBuf[2 * i + 1]!;
      }
    },
  };
}

/**
 * Direct O(n^2) DFT for short non-power-of-two lengths, where it beats Bluestein's three FFTs of
 * length >= 2n - 1 and is at least as accurate (exact twiddle indices jk mod n).
 */
function directPlan(n: number): Plan {
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cr[k] = Math.cos((-2 * Math.PI * k) / n);
    ci[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  return {
    n,
    forward(re, im, outRe, outIm) {
      for (let k = 0; k < n; k++) {
        let sr = 0;
        let si = 0;
        let idx = 0;
        for (let j = 0; j < n; j++) {
          const wr = cr[idx]!;
          const wi = ci[idx]!;
          const xr = re[j]!;
          const xi = im[j]!;
          sr += xr * wr - xi * wi;
          si += xr * wi + xi * wr;
          idx += k;
          if (idx >= n) idx -= n;
        }
        outRe[k] = sr;
        outIm[k] = si;
      }
    },
  };
}

/** Non-power-of-two lengths up to this use the direct DFT (crossover measured in bench/). */
const DIRECT_MAX = 12;

/**
 * Bluestein's chirp-z algorithm: with w_k = exp(-i pi k^2 / n), nk = (k^2 + n^2 - (k-n)^2) / 2 turns
 * the DFT into a convolution, X_k = w_k sum_j (x_j w_j) conj(w_{k-j}), done with power-of-two FFTs
 * of length m >= 2n - 1. Cost O(m log m). (Bluestein 1970; Rabiner, Schafer & Rader 1969.)
 */
function bluesteinPlan(n: number): Plan {
  const m = nextPow2(2 * n - 1);
  const f = makeFftJs(m);
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  const twoN = 2 * n;
  for (let k = 0; k < n; k++) {
    // k^2 mod 2n keeps the angle small and exact: k^2 < 2^53 for any array length JS can hold.
    const r = (k * k) % twoN;
    const ang = (-Math.PI * r) / n;
    wr[k] = Math.cos(ang);
    wi[k] = Math.sin(ang);
  }
  // Filter b_k = conj(w_|k|) on the circle of length m, and its FFT.
  const b = f.createComplexArray();
  b[0] = wr[0]!;
  b[1] = -wi[0]!;
  for (let k = 1; k < n; k++) {
    b[2 * k] = wr[k]!;
    b[2 * k + 1] = -wi[k]!;
    b[2 * (m - k)] = wr[k]!;
    b[2 * (m - k) + 1] = -wi[k]!;
  }
  const bHat = f.createComplexArray();
  f.transform(bHat, b);
  const bufA = f.createComplexArray();
  const bufB = f.createComplexArray();
  return {
    n,
    forward(re, im, outRe, outIm) {
      bufA.fill(0);
      for (let k = 0; k < n; k++) {
        const xr = re[k]!;
        const xi = im[k]!;
        bufA[2 * k] = xr * wr[k]! - xi * wi[k]!;
        bufA[2 * k + 1] = xr * wi[k]! + xi * wr[k]!;
      }
      f.transform(bufB, bufA);
      for (let k = 0; k < m; k++) {
        const ar = bufB[2 * k]!;
        const ai = bufB[2 * k + 1]!;
        const br = bHat[2 * k]!;
        const bi = bHat[2 * k + 1]!;
        bufB[2 * k] = ar * br - ai * bi;
        bufB[2 * k + 1] = ar * bi + ai * br;
      }
      // fft.js's inverse divides by m, which is the circular convolution's normalization.
      f.inverseTransform(bufA, bufB);
      for (let k = 0; k < n; k++) {
        const cr = bufA[2 * k]!;
        const ci = bufA[2 * k + 1]!;
        outRe[k] = cr * wr[k]! - ci * wi[k]!;
        outIm[k] = cr * wi[k]! + ci * wr[k]!;
      }
    },
  };
}

/** @internal The cached plan for length n (built on first use). */
export function getPlan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  p = n <= 1 ? trivialPlan(n) : isPow2(n) ? pow2Plan(n) : n <= DIRECT_MAX ? directPlan(n) : bluesteinPlan(n);
  if (plans.size >= MAX_CACHED) {
    const oldest = plans.keys().next().value as number;
    plans.delete(oldest);
  }
  plans.set(n, p);
  return p;
}

/** Drops every cached FFT plan (they are rebuilt on demand). Plans hold O(n) memory each. */
export function clearFftPlans(): void {
  plans.clear();
  realPlans.clear();
}

function normScale(norm: FftNorm | undefined, n: number, inverse: boolean, fn: string): number {
  const v = norm ?? 'backward';
  if (v === 'backward') return inverse ? 1 / n : 1;
  if (v === 'ortho') return 1 / Math.sqrt(n);
  if (v === 'forward') return inverse ? 1 : 1 / n;
  throw new DomainError(`${fn}: norm must be 'backward', 'ortho' or 'forward', got ${String(norm)}`);
}

function checkOut(fn: string, out: ComplexArray | undefined, x: ComplexArray, n: number): ComplexArray | undefined {
  if (out === undefined) return undefined;
  if (!isComplexArray(out) || out.re.length !== n) throw new ShapeError(`${fn}: out must be a ComplexArray of length ${n}`);
  const bufs = [out.re.buffer, out.im.buffer];
  if (out.re === out.im || bufs.includes(x.re.buffer) || bufs.includes(x.im.buffer)) {
    throw new ShapeError(`${fn}: out must not share storage with x (or re with im)`);
  }
  return out;
}

function toComplex(fn: string, x: ComplexArray | ArrayLike<number>): ComplexArray {
  if (isComplexArray(x)) {
    checkComplex(fn, 'x', x);
    return x;
  }
  const re = checkReal(fn, 'x', x as ArrayLike<number>);
  return { re, im: new Float64Array(re.length) };
}

let conjScratch = new Float64Array(0);

/**
 * @internal Unnormalized DFT with sign -1 (forward) or +1 (inverse), into `out` or fresh arrays.
 * `out` must not alias the input.
 */
export function dftRaw(re: Float64Array, im: Float64Array, inverse: boolean, out?: ComplexArray): ComplexArray {
  const n = re.length;
  out ??= { re: new Float64Array(n), im: new Float64Array(n) };
  if (n === 0) return out;
  const p = getPlan(n);
  if (!inverse) {
    p.forward(re, im, out.re, out.im);
    return out;
  }
  // Inverse by conjugation: sum_j x_j e^{+2 pi i jk/n} = conj(sum_j conj(x_j) e^{-2 pi i jk/n}).
  if (conjScratch.length < n) conjScratch = new Float64Array(n);
  const ci = conjScratch;
  for (let i = 0; i < n; i++) ci[i] = -im[i]!;
  p.forward(re, ci, out.re, out.im);
  const oi = out.im;
  for (let i = 0; i < n; i++) oi[i] = -oi[i]!;
  return out;
}

function scaleInPlace(c: ComplexArray, s: number): ComplexArray {
  if (s !== 1) {
    const { re, im } = c;
    for (let i = 0; i < re.length; i++) {
      re[i] = re[i]! * s;
      im[i] = im[i]! * s;
    }
  }
  return c;
}

/**
 * Discrete Fourier transform of any length: X_k = sum_j x_j exp(-2 pi i jk/n), as numpy.fft.fft.
 * Powers of two run fft.js (radix-4); other lengths above 12 use Bluestein's chirp-z algorithm on
 * a power-of-two FFT of length >= 2n - 1 (shorter ones a direct sum, faster at that size).
 * O(n log n) for every n; plans are cached per length.
 * @param x complex (`{ re, im }`) or real (Float64Array / number[]) input of length n; not mutated.
 * @returns a new ComplexArray of length n (or `opts.out`, filled).
 * @throws DomainError on NaN/Infinity or an unknown `norm`; ShapeError on malformed input.
 */
export function fft(x: ComplexArray | ArrayLike<number>, opts: FftOutOptions = {}): ComplexArray {
  requireOptions('fft', opts, FFT_OUT_KEYS);
  const c = toComplex('fft', x);
  const n = c.re.length;
  const s = normScale(opts.norm, n || 1, false, 'fft');
  return scaleInPlace(dftRaw(c.re, c.im, false, checkOut('fft', opts.out, c, n)), s);
}

/**
 * Inverse DFT of any length: x_j = (1/n) sum_k X_k exp(+2 pi i jk/n) (numpy.fft.ifft).
 * O(n log n); see {@link fft}.
 * @param x complex or real input of length n; not mutated.
 */
export function ifft(x: ComplexArray | ArrayLike<number>, opts: FftOutOptions = {}): ComplexArray {
  requireOptions('ifft', opts, FFT_OUT_KEYS);
  const c = toComplex('ifft', x);
  const n = c.re.length;
  const s = normScale(opts.norm, n || 1, true, 'ifft');
  return scaleInPlace(dftRaw(c.re, c.im, true, checkOut('ifft', opts.out, c, n)), s);
}

interface RealPlan {
  half: number;
  /** cos/sin of -2 pi k / n, k = 0..n/2. */
  cr: Float64Array;
  ci: Float64Array;
}

const realPlans = new Map<number, RealPlan>();

function getRealPlan(n: number): RealPlan {
  let p = realPlans.get(n);
  if (p) return p;
  const h = n / 2;
  const cr = new Float64Array(h + 1);
  const ci = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    cr[k] = Math.cos((-2 * Math.PI * k) / n);
    ci[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  p = { half: h, cr, ci };
  if (realPlans.size >= MAX_CACHED) realPlans.delete(realPlans.keys().next().value as number);
  realPlans.set(n, p);
  return p;
}

/**
 * DFT of a real signal, non-negative frequencies only (numpy.fft.rfft): X_k for k = 0..floor(n/2).
 * Even n packs x into a complex signal of length n/2 (z_j = x_2j + i x_2j+1) and untangles the
 * spectrum, halving the work; odd n runs the complex transform. O(n log n).
 * @param x real input of length n >= 1; not mutated.
 * @returns ComplexArray of length floor(n/2) + 1.
 */
export function rfft(x: ArrayLike<number>, opts: FftOptions = {}): ComplexArray {
  requireOptions('rfft', opts, ['norm']);
  const xr = checkReal('rfft', 'x', x);
  const n = xr.length;
  if (n === 0) throw new ShapeError('rfft: x must have length >= 1, got 0');
  const s = normScale(opts.norm, n, false, 'rfft');
  const m = Math.floor(n / 2) + 1;
  if (n % 2 === 1) {
    const full = dftRaw(xr, new Float64Array(n), false);
    return scaleInPlace({ re: full.re.slice(0, m), im: full.im.slice(0, m) }, s);
  }
  const { half: h, cr, ci } = getRealPlan(n);
  const zr = new Float64Array(h);
  const zi = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    zr[j] = xr[2 * j]!;
    zi[j] = xr[2 * j + 1]!;
  }
  const Z = dftRaw(zr, zi, false);
  const out = { re: new Float64Array(m), im: new Float64Array(m) };
  for (let k = 0; k <= h; k++) {
    const a = k % h;
    const b = (h - k) % h;
    const ar = Z.re[a]!;
    const ai = Z.im[a]!;
    const br = Z.re[b]!;
    const bi = -Z.im[b]!; // conj(Z_{h-k})
    // E = (Z_k + conj Z_{h-k}) / 2 (even samples), O = (Z_k - conj Z_{h-k}) / (2i) (odd samples).
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    const or = 0.5 * (ai - bi);
    const oi = -0.5 * (ar - br);
    out.re[k] = er + cr[k]! * or - ci[k]! * oi;
    out.im[k] = ei + cr[k]! * oi + ci[k]! * or;
  }
  return scaleInPlace(out, s);
}

/**
 * Inverse of {@link rfft} (numpy.fft.irfft): the real signal of length n whose half spectrum is X.
 * As numpy, the imaginary parts of X_0 and (for even n) X_{n/2} are ignored, missing bins are
 * zero and extra bins are dropped. O(n log n).
 * @param X half spectrum (length floor(n/2) + 1 for an exact inverse); not mutated.
 * @param n output length; default 2 (len(X) - 1).
 */
export function irfft(X: ComplexArray, n?: number, opts: FftOptions = {}): Float64Array {
  requireOptions('irfft', opts, ['norm']);
  if (n === null) throw new DomainError('irfft: n must be an integer length or undefined, got null');
  const len = checkComplex('irfft', 'X', X);
  const N = n ?? 2 * (len - 1);
  if (typeof N !== 'number' || !Number.isInteger(N) || N < 1 || N > MAX_LENGTH) {
    throw new ShapeError(`irfft: output length must be an integer in [1, ${MAX_LENGTH}], got ${N} (X has length ${len})`);
  }
  const s = normScale(opts.norm, N, true, 'irfft');
  const m = Math.floor(N / 2) + 1;
  // Half spectrum padded/truncated to m bins, with the bins numpy treats as real made real.
  const hr = new Float64Array(m);
  const hi = new Float64Array(m);
  for (let k = 0; k < Math.min(m, len); k++) {
    hr[k] = X.re[k]!;
    hi[k] = X.im[k]!;
  }
  hi[0] = 0;
  if (N % 2 === 0) hi[m - 1] = 0;
  const out = new Float64Array(N);
  if (N % 2 === 1) {
    const fr = new Float64Array(N);
    const fi = new Float64Array(N);
    for (let k = 0; k < m; k++) {
      fr[k] = hr[k]!;
      fi[k] = hi[k]!;
      if (k > 0) {
        fr[N - k] = hr[k]!;
        fi[N - k] = -hi[k]!;
      }
    }
    const t = dftRaw(fr, fi, true);
    for (let j = 0; j < N; j++) out[j] = t.re[j]! * s;
    return out;
  }
  const { half: h, cr, ci } = getRealPlan(N);
  const zr = new Float64Array(h);
  const zi = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    const ar = hr[k]!;
    const ai = hi[k]!;
    const br = hr[h - k]!;
    const bi = -hi[h - k]!; // conj(X_{h-k})
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    // O = (X_k - conj X_{h-k}) / 2 * e^{+2 pi i k / N}
    const dr = 0.5 * (ar - br);
    const di = 0.5 * (ai - bi);
    const or = dr * cr[k]! + di * ci[k]!;
    const oi = di * cr[k]! - dr * ci[k]!;
    // Z = E + i O
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  const z = dftRaw(zr, zi, true);
  // dftRaw's inverse is unnormalized over h points; the packed transform needs 1/h = 2/N of it.
  const f = 2 * s;
  for (let j = 0; j < h; j++) {
    out[2 * j] = z.re[j]! * f;
    out[2 * j + 1] = z.im[j]! * f;
  }
  return out;
}
