import { DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  canonicalDual,
  type ComplexMatrix,
  filterBankAnalysis,
  filterBankFrame,
  filterBankFrameBounds,
  frameAnalysis,
  frameBounds,
  frameSynthesis,
  gaborFrame,
  isTightFrame,
  morletFilters,
  morletFrame,
  morletScalogram,
  rfftParsevalWeights,
  unitaryDft,
  unitaryDftMatrix,
  unitaryRfft,
} from '../src/structured';
import { EPS } from './helpers';
import { loadFixture, maxAbsDiff, relFro, relFroComplex } from '@x/test-utils';

interface GaborFx {
  L: number;
  hop: number;
  M: number;
  A: number;
  B: number;
  c_re: number[];
  c_im: number[];
  stft_re?: number[];
  stft_im?: number[];
}
const fx = loadFixture<{
  x: number[];
  rfft_ortho_re: number[];
  rfft_ortho_im: number[];
  gabor: GaborFx[];
  morlet: { n: number; scales: number[]; x: number[]; A: number; B: number; filter0_re: number[]; filter0_im: number[]; c_re: number[]; c_im: number[] };
}>(import.meta.url, 'structured-frames.json');

/** Eigenvalues of S = Phi^H Phi (entries O(B)) agree to O(n eps B) between two eigensolvers. */
const boundTol = (n: number, B: number) => 16 * n * EPS * B;

describe('basis view: unitary DFT', () => {
  it('unitaryRfft = numpy.fft.rfft(x, norm="ortho") and Parseval holds with the bin weights', () => {
    const X = unitaryRfft(fx.x);
    expect(relFroComplex(X.re, X.im, fx.rfft_ortho_re, fx.rfft_ortho_im)).toBeLessThan(4 * EPS * 5 * 3);
    const w = rfftParsevalWeights(24);
    let e = 0;
    for (let k = 0; k < w.length; k++) e += w[k]! * (X.re[k]! ** 2 + X.im[k]! ** 2);
    const ex = fx.x.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(e - ex) / ex).toBeLessThan(100 * EPS);
    expect(Array.from(rfftParsevalWeights(5))).toEqual([1, 2, 2]);
  });

  it('the unitary DFT is a tight frame with A = B = 1 (an isometry)', () => {
    const F = unitaryDftMatrix(12);
    const { A, B } = frameBounds(F);
    expect(Math.abs(A - 1)).toBeLessThan(boundTol(12, 1));
    expect(Math.abs(B - 1)).toBeLessThan(boundTol(12, 1));
    expect(isTightFrame(F)).toBe(true);
    const x = Float64Array.from(fx.x.slice(0, 12));
    const y = unitaryDft(x);
    const c = frameAnalysis(F, x);
    expect(relFroComplex(y.re, y.im, c.re, c.im)).toBeLessThan(12 * EPS * 4);
  });
});

describe('Gabor / STFT frame', () => {
  for (const g of fx.gabor) {
    it(`L = ${g.L}, hop = ${g.hop}, M = ${g.M}: coefficients and frame bounds vs numpy eigvalsh`, () => {
      const phi = gaborFrame(24, { windowLength: g.L, hop: g.hop, channels: g.M });
      expect(phi.re.rows).toBe((g.M * 24) / g.hop);
      const c = frameAnalysis(phi, fx.x);
      expect(relFroComplex(c.re, c.im, g.c_re, g.c_im)).toBeLessThan(24 * EPS * 4);
      const { A, B } = frameBounds(phi);
      expect(Math.abs(A - g.A)).toBeLessThan(boundTol(24, g.B));
      expect(Math.abs(B - g.B)).toBeLessThan(boundTol(24, g.B));
      expect(A).toBeGreaterThan(0);
      if (g.stft_re && g.stft_im) {
        // scipy.signal.ShortTimeFFT on the circularly padded signal (phase moved to window start).
        expect(relFroComplex(c.re, c.im, g.stft_re, g.stft_im)).toBeLessThan(24 * EPS * 4);
      }
    });
  }

  it('painless case (L <= M): S is diagonal with S_tt = M sum_k |w(t - k a)|^2', () => {
    const L = 8;
    const a = 4;
    const M = 8;
    const n = 24;
    const phi = gaborFrame(n, { windowLength: L, hop: a, channels: M });
    const w = new Float64Array(L);
    for (let t = 0; t < L; t++) w[t] = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / L);
    const diag = new Float64Array(n);
    for (let k = 0; k < n / a; k++) for (let u = 0; u < L; u++) diag[(k * a + u) % n] += M * w[u]! ** 2;
    const { A, B } = frameBounds(phi);
    expect(Math.abs(A - Math.min(...diag))).toBeLessThan(boundTol(n, B));
    expect(Math.abs(B - Math.max(...diag))).toBeLessThan(boundTol(n, B));
    // sum_k w^2(t - k a) of the periodic Hann window varies at hop L/2 but is constant (3L/8 / a)
    // at hop L/4 (sin^4 = 3/8 - cos(2u)/2 + cos(4u)/8 averages out over 4 shifts): then tight.
    expect(isTightFrame(phi)).toBe(false);
    const tight = gaborFrame(n, { windowLength: L, hop: 2, channels: M });
    expect(isTightFrame(tight)).toBe(true);
    expect(frameBounds(tight).A).toBeCloseTo((M * 3 * L) / 8 / 2, 12);
  });

  it('canonical dual reconstructs x from its Gabor coefficients (non-tight frame)', () => {
    const phi = gaborFrame(24, { windowLength: 12, hop: 3, channels: 8 });
    expect(isTightFrame(phi)).toBe(false);
    const { A, B } = frameBounds(phi);
    const dual = canonicalDual(phi);
    const x = Float64Array.from(fx.x);
    const back = frameSynthesis(dual, frameAnalysis(phi, x));
    // Inverting S amplifies rounding by its condition number B / A.
    expect(relFro(back.re, x)).toBeLessThan(64 * 24 * EPS * (B / A));
    expect(maxAbsDiff(back.im, new Float64Array(24))).toBeLessThan(64 * 24 * EPS * (B / A));
    // The dual frame's bounds are 1/B and 1/A (Christensen, Lemma 5.1.6).
    const db = frameBounds(dual);
    expect(Math.abs(db.A - 1 / B) * B).toBeLessThan(1e-10);
    expect(Math.abs(db.B - 1 / A) * A).toBeLessThan(1e-10);
  });
});

describe('Morlet wavelet frame', () => {
  const m = fx.morlet;
  it('filters, coefficients and bounds vs numpy', () => {
    const filters = morletFilters(m.n, { scales: m.scales });
    expect(maxAbsDiff(filters[0]!.re, m.filter0_re)).toBeLessThan(4 * EPS);
    expect(maxAbsDiff(filters[0]!.im, m.filter0_im)).toBeLessThan(4 * EPS);
    const phi = morletFrame(m.n, { scales: m.scales });
    expect(phi.re.rows).toBe(6 * m.n);
    const c = frameAnalysis(phi, m.x);
    expect(relFroComplex(c.re, c.im, m.c_re, m.c_im)).toBeLessThan(m.n * EPS * 4);
    const dense = frameBounds(phi);
    expect(Math.abs(dense.A - m.A)).toBeLessThan(boundTol(m.n, m.B));
    expect(Math.abs(dense.B - m.B)).toBeLessThan(boundTol(m.n, m.B));
  });

  it('the DFT diagonalization of the shift-invariant frame gives the same bounds and coefficients', () => {
    const filters = morletFilters(m.n, { scales: m.scales });
    const viaFft = filterBankFrameBounds(filters);
    const dense = frameBounds(filterBankFrame(filters));
    expect(Math.abs(viaFft.A - dense.A)).toBeLessThan(boundTol(m.n, dense.B));
    expect(Math.abs(viaFft.B - dense.B)).toBeLessThan(boundTol(m.n, dense.B));
    expect(maxAbsDiff(viaFft.eigenvalues, dense.eigenvalues)).toBeLessThan(boundTol(m.n, dense.B));
    const cs = filterBankAnalysis(filters, m.x);
    const re = new Float64Array(6 * m.n);
    const im = new Float64Array(6 * m.n);
    cs.forEach((c, j) => {
      re.set(c.re, j * m.n);
      im.set(c.im, j * m.n);
    });
    expect(relFroComplex(re, im, m.c_re, m.c_im)).toBeLessThan(4 * EPS * 3 * 5 * 4);
    const sg = morletScalogram(m.x, { scales: m.scales });
    expect([sg.rows, sg.cols]).toEqual([6, m.n]);
    const mag = m.c_re.map((v, i) => Math.hypot(v, m.c_im[i]!));
    expect(relFro(sg.data, mag)).toBeLessThan(4 * EPS * 3 * 5 * 4);
  });

  it('default paper configuration (cmor1-1, 48 scales in [1, 128]) is a 48x redundant frame', () => {
    const n = 128;
    const filters = morletFilters(n);
    expect(filters.length).toBe(48);
    const { A, B } = filterBankFrameBounds(filters);
    expect(A).toBeGreaterThan(0);
    expect(B).toBeGreaterThan(A); // not tight: an overcomplete but non-uniform cover of frequencies
  });
});

describe('frame errors', () => {
  it('typed errors for bad shapes and non-frames', () => {
    expect(() => gaborFrame(10, { windowLength: 4, hop: 3 })).toThrow(DomainError);
    expect(() => gaborFrame(10, { windowLength: 12 })).toThrow(DomainError);
    const phi = gaborFrame(8, { windowLength: 4, hop: 2, channels: 4 });
    expect(() => frameAnalysis(phi, new Float64Array(7))).toThrow(ShapeError);
    // Two atoms cannot span C^3: no dual frame.
    const r = rng(1);
    const thin: ComplexMatrix = { re: { rows: 2, cols: 3, data: r.fillNormal(new Float64Array(6)) }, im: { rows: 2, cols: 3, data: new Float64Array(6) } };
    expect(frameBounds(thin).A).toBeLessThan(1e-12);
    expect(() => canonicalDual(thin)).toThrow(DomainError);
    expect(() => morletFilters(8, { scales: [1, -2] })).toThrow(DomainError);
  });
});

describe('frames at extreme scales', () => {
  it('Φ times 2^±600 (Φ^H Φ over- or underflows): tightness and the canonical dual are unchanged; the bounds are 4^±600 times (beyond float64)', () => {
    const r = rng(3);
    const phi: ComplexMatrix = { re: { rows: 6, cols: 3, data: r.fillNormal(new Float64Array(18)) }, im: { rows: 6, cols: 3, data: r.fillNormal(new Float64Array(18)) } };
    const tight = unitaryDftMatrix(12);
    expect(isTightFrame(tight)).toBe(true);
    const dual = canonicalDual(phi);
    const scaled = (p: ComplexMatrix, s: number): ComplexMatrix => ({ re: { ...p.re, data: p.re.data.map((v) => v * s) }, im: { ...p.im, data: p.im.data.map((v) => v * s) } });
    const size = Math.max(...dual.re.data.map(Math.abs), ...dual.im.data.map(Math.abs));
    for (const s of [2 ** 600, 2 ** -600]) {
      expect(isTightFrame(scaled(tight, s)), `× ${s}`).toBe(true);
      expect(isTightFrame(scaled(phi, s)), `× ${s}`).toBe(false);
      const ds = canonicalDual(scaled(phi, s));
      expect(maxAbsDiff(ds.re.data.map((v) => v * s), dual.re.data) / size, `× ${s}`).toBeLessThan(1e-13);
      expect(maxAbsDiff(ds.im.data.map((v) => v * s), dual.im.data) / size, `× ${s}`).toBeLessThan(1e-13);
      // The bounds themselves are 4^±600 times the unscaled ones: Infinity or 0 in float64.
      const b = frameBounds(scaled(phi, s));
      expect([b.A, b.B]).toEqual(s > 1 ? [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY] : [0, 0]);
    }
  });
});

describe('experiment: linalg/frame-views', () => {
  it('quick run: DFT distances preserved, frame distortions inside [A, B]', async () => {
    const { frameViewsExperiment } = await import('../src/experiments-entry');
    const res = await frameViewsExperiment.run({ quick: true, seed: 1 });
    expect(res.ok).toBe(true);
    expect(Math.abs(res.metrics!['unitary DFT A']! - 1)).toBeLessThan(1e-12);
    expect(Math.abs(res.metrics!['unitary DFT B']! - 1)).toBeLessThan(1e-12);
  });
});
