import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DomainError, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fftConvolve, fft, ifft, irfft, rfft } from '../src/structured';
import { EPS } from './helpers';
import { loadFixture, relFro, relFroComplex } from '@x/test-utils';

interface FftCase {
  n: number;
  x_re: number[];
  x_im: number[];
  X_re: number[];
  X_im: number[];
  xr: number[];
  R_re: number[];
  R_im: number[];
}
const { cases } = loadFixture<{ cases: FftCase[] }>(import.meta.url, 'structured-fft.json');

const isPow2 = (n: number) => (n & (n - 1)) === 0;
/**
 * Normwise error bound for a floating-point FFT: ||X^ - X|| / ||X|| <= c eps log2(n) (Higham,
 * Accuracy and Stability of Numerical Algorithms, Thm 24.2, with c ~ sqrt(2)+mu for accurate
 * twiddles). Bluestein chains three length-m FFTs (m >= 2n - 1) and two chirp products, so its
 * bound is 3 log2(m) + 2 of the same unit; numpy's own pocketfft error is within the same order.
 * (Lengths <= 12 that are not powers of two use a direct sum, whose bound n eps is smaller still.)
 */
function fftTol(n: number): number {
  if (n <= 1) return EPS;
  if (isPow2(n)) return 4 * EPS * Math.log2(n);
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  return 4 * EPS * (3 * Math.log2(m) + 2);
}

describe('fft vs numpy.fft', () => {
  for (const c of cases) {
    it(`fft, ifft, rfft, irfft at n = ${c.n}`, () => {
      const x = { re: Float64Array.from(c.x_re), im: Float64Array.from(c.x_im) };
      const X = fft(x);
      const e1 = relFroComplex(X.re, X.im, c.X_re, c.X_im);
      expect(e1).toBeLessThan(fftTol(c.n));
      const back = ifft({ re: Float64Array.from(c.X_re), im: Float64Array.from(c.X_im) });
      expect(relFroComplex(back.re, back.im, c.x_re, c.x_im)).toBeLessThan(fftTol(c.n));
      const R = rfft(c.xr);
      expect(R.re.length).toBe(Math.floor(c.n / 2) + 1);
      expect(relFroComplex(R.re, R.im, c.R_re, c.R_im)).toBeLessThan(fftTol(c.n));
      const xr = irfft({ re: Float64Array.from(c.R_re), im: Float64Array.from(c.R_im) }, c.n);
      expect(relFro(xr, c.xr)).toBeLessThan(fftTol(c.n));
    });
  }

  it('ortho norm is unitary and forward norm divides by n', () => {
    const c = cases.find((k) => k.n === 12)!;
    const x = { re: Float64Array.from(c.x_re), im: Float64Array.from(c.x_im) };
    const Xo = fft(x, { norm: 'ortho' });
    const Xf = fft(x, { norm: 'forward' });
    const s = Math.sqrt(12);
    expect(relFroComplex(Xo.re.map((v) => v * s), Xo.im.map((v) => v * s), c.X_re, c.X_im)).toBeLessThan(fftTol(12));
    expect(relFroComplex(Xf.re.map((v) => v * 12), Xf.im.map((v) => v * 12), c.X_re, c.X_im)).toBeLessThan(fftTol(12));
    const back = ifft(Xf, { norm: 'forward' });
    expect(relFroComplex(back.re, back.im, c.x_re, c.x_im)).toBeLessThan(2 * fftTol(12));
  });

  it('irfft ignores the imaginary parts of the DC and Nyquist bins, as numpy', () => {
    const X = { re: Float64Array.from([1, 2, 3]), im: Float64Array.from([5, 1, -7]) };
    const a = irfft(X);
    const b = irfft({ re: X.re, im: Float64Array.from([0, 1, 0]) });
    expect(a).toEqual(b);
    // numpy.fft.irfft([1+5j, 2+1j, 3-7j]) = [2, -1, 0, 0]
    const want = [2, -1, 0, 0];
    for (let j = 0; j < 4; j++) expect(a[j]).toBeCloseTo(want[j]!, 15);
  });

  it('real input to fft equals the complex transform with zero imaginary part', () => {
    const c = cases.find((k) => k.n === 17)!;
    const a = fft(c.xr);
    const b = fft({ re: Float64Array.from(c.xr), im: new Float64Array(17) });
    expect(a).toEqual(b);
  });

  it('writes into opts.out without allocating, and rejects aliasing', () => {
    const c = cases.find((k) => k.n === 100)!;
    const x = { re: Float64Array.from(c.x_re), im: Float64Array.from(c.x_im) };
    const out = { re: new Float64Array(100), im: new Float64Array(100) };
    expect(fft(x, { out })).toBe(out);
    expect(relFroComplex(out.re, out.im, c.X_re, c.X_im)).toBeLessThan(fftTol(100));
    const back = { re: new Float64Array(100), im: new Float64Array(100) };
    ifft(out, { out: back });
    expect(relFroComplex(back.re, back.im, c.x_re, c.x_im)).toBeLessThan(2 * fftTol(100));
    expect(() => fft(x, { out: x })).toThrow(ShapeError);
    expect(() => fft(x, { out: { re: new Float64Array(3), im: new Float64Array(3) } })).toThrow(ShapeError);
  });

  it('typed errors', () => {
    expect(() => fft([1, Number.NaN])).toThrow(DomainError);
    expect(() => fft({ re: new Float64Array(3), im: new Float64Array(2) })).toThrow(ShapeError);
    expect(() => rfft([])).toThrow(ShapeError);
    expect(() => irfft({ re: new Float64Array(1), im: new Float64Array(1) })).toThrow(ShapeError);
    expect(() => fft([1, 2], { norm: 'bogus' as never })).toThrow(DomainError);
    expect(fft({ re: new Float64Array(0), im: new Float64Array(0) }).re.length).toBe(0);
  });
});

// Magnitudes in [1e-100, 1e3] or 0: squared norms of subnormal inputs underflow, which would test
// the error metric rather than the transform.
const finite = { noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 } as const;
const flush = (a: Float64Array) => a.map((v) => (Math.abs(v) < 1e-100 ? 0 : v));

describe('fft properties', () => {
  it('round trip ifft(fft(x)) = x and Parseval for any length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.float64Array({ ...finite, minLength: n, maxLength: n }).map(flush), fc.float64Array({ ...finite, minLength: n, maxLength: n }).map(flush))), ([re, im]) => {
        const n = re.length;
        const X = fft({ re, im });
        const back = ifft(X);
        const tol = 2 * fftTol(n);
        let ex = 0;
        let eX = 0;
        for (let i = 0; i < n; i++) {
          ex += re[i]! ** 2 + im[i]! ** 2;
          eX += X.re[i]! ** 2 + X.im[i]! ** 2;
        }
        if (ex === 0) return;
        expect(relFroComplex(back.re, back.im, re, im)).toBeLessThan(tol);
        // Parseval: sum |X|^2 = n sum |x|^2; energies carry twice the amplitude's relative error.
        expect(Math.abs(eX / n - ex) / ex).toBeLessThan(2 * tol);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('rfft equals the first half of fft, and irfft inverts it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }).chain((n) => fc.float64Array({ ...finite, minLength: n, maxLength: n }).map(flush)), (x) => {
        const n = x.length;
        if (x.every((v) => v === 0)) return;
        const R = rfft(x);
        const F = fft(x);
        const m = Math.floor(n / 2) + 1;
        expect(relFroComplex(R.re, R.im, F.re.subarray(0, m), F.im.subarray(0, m))).toBeLessThan(2 * fftTol(n));
        expect(relFro(irfft(R, n), x)).toBeLessThan(2 * fftTol(n));
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('fft.js interop in the built package (ESM and CJS)', () => {
  // fft.js is CommonJS; both builds must resolve its default export to the FFT constructor.
  // Runs against dist/ when it has been built (`pnpm exec tsup`); the source path is covered above.
  const dist = new URL('../dist/', import.meta.url);
  const built = existsSync(new URL('index.cjs', dist)) && existsSync(new URL('index.js', dist));
  it.skipIf(!built)('fft of lengths 8 and 12 agrees between dist/index.js, dist/index.cjs and numpy', async () => {
    const esm = (await import(new URL('index.js', dist).href)) as typeof import('../src/structured');
    const cjs = createRequire(import.meta.url)(fileURLToPath(new URL('index.cjs', dist))) as typeof import('../src/structured');
    for (const n of [8, 12]) {
      const c = cases.find((k) => k.n === n)!;
      const x = { re: Float64Array.from(c.x_re), im: Float64Array.from(c.x_im) };
      for (const mod of [esm, cjs]) {
        const X = mod.fft(x);
        expect(relFroComplex(X.re, X.im, c.X_re, c.X_im)).toBeLessThan(fftTol(n));
      }
    }
  });
});

describe('fft plan cache', () => {
  it('gives bit-identical results after the cache is cleared', async () => {
    const { clearFftPlans } = await import('../src/structured');
    const c = cases.find((k) => k.n === 127)!;
    const x = { re: Float64Array.from(c.x_re), im: Float64Array.from(c.x_im) };
    const a = fft(x);
    clearFftPlans();
    const b = fft(x);
    expect(b).toEqual(a);
  });
});

describe('fftConvolve vs scipy.signal.fftconvolve', () => {
  const conv = loadFixture<{ cases: { x: number[]; h: number[]; full: number[]; same: number[]; valid: number[] }[] }>(import.meta.url, 'structured-convolve.json');
  for (const c of conv.cases) {
    it(`n = ${c.x.length}, m = ${c.h.length}: full, same, valid`, () => {
      let N = 2;
      while (N < c.x.length + c.h.length - 1) N *= 2;
      const nx = Math.sqrt(c.x.reduce((s, v) => s + v * v, 0));
      const h1 = c.h.reduce((s, v) => s + Math.abs(v), 0);
      // ||y^ - y|| <= c eps log2(N) ||x||_2 ||h||_1, with c covering the three FFTs.
      const tol = 12 * EPS * Math.log2(N) * nx * h1;
      for (const mode of ['full', 'same', 'valid'] as const) {
        const y = fftConvolve(c.x, c.h, { mode });
        expect(y.length).toBe(c[mode].length);
        let e = 0;
        for (let i = 0; i < y.length; i++) e += (y[i]! - c[mode][i]!) ** 2;
        expect(Math.sqrt(e)).toBeLessThan(tol);
      }
    });
  }

  it('equals the direct sum (property) and rejects bad input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (n, m, seed) => {
        let s = seed;
        const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
        const x = Float64Array.from({ length: n }, next);
        const h = Float64Array.from({ length: m }, next);
        const y = fftConvolve(x, h);
        let N = 2;
        while (N < n + m - 1) N *= 2;
        const tol = 12 * EPS * Math.log2(N) * Math.sqrt(x.reduce((a, v) => a + v * v, 0)) * h.reduce((a, v) => a + Math.abs(v), 0);
        for (let k = 0; k < n + m - 1; k++) {
          let d = 0;
          for (let j = Math.max(0, k - m + 1); j <= Math.min(k, n - 1); j++) d += x[j]! * h[k - j]!;
          expect(Math.abs(y[k]! - d)).toBeLessThan(tol);
        }
      }),
      { numRuns: 60, seed: 29 },
    );
    expect(() => fftConvolve([], [1])).toThrow(ShapeError);
    expect(() => fftConvolve([1], [1], { mode: 'circular' as never })).toThrow(DomainError);
  });
});
