import { DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  type Butterfly,
  bitReversal,
  butterflyDct,
  butterflyDft,
  butterflyHadamard,
  butterflyLossGradient,
  butterflyMultiply,
  butterflyToMatrix,
  dct,
  fft,
  learnButterfly,
  learnButterflyDft,
  unitaryDftMatrix,
} from '../src/structured';
import { EPS } from './helpers';
import { loadFixture, maxAbsDiff, relFroComplex } from '@x/test-utils';

interface BfCase {
  n: number;
  dft_re: number[];
  dft_im: number[];
  hadamard: number[];
  dct: number[];
}
const { cases } = loadFixture<{ cases: BfCase[] }>(import.meta.url, 'structured-butterfly.json');

const log2 = (n: number) => Math.round(Math.log2(n));
/**
 * A product of L factors, each a unitary map whose entries carry O(eps) rounding, has error
 * <= c L eps in every entry (each stage adds at most a few eps relative to the unit-norm rows).
 */
const prodTol = (n: number) => 4 * (log2(n) + 1) * EPS;

describe('exact butterfly constructions vs scipy', () => {
  for (const c of cases) {
    it(`DFT, Hadamard and DCT-II of size ${c.n}`, () => {
      const F = butterflyToMatrix(butterflyDft(c.n));
      expect(maxAbsDiff(F.re.data, c.dft_re)).toBeLessThan(prodTol(c.n));
      expect(maxAbsDiff(F.im.data, c.dft_im)).toBeLessThan(prodTol(c.n));
      const H = butterflyToMatrix(butterflyHadamard(c.n, { normalized: false }));
      expect(maxAbsDiff(H.re.data, c.hadamard)).toBe(0); // +-1 entries: exact
      expect(maxAbsDiff(H.im.data, new Float64Array(c.n * c.n))).toBe(0);
      const Hn = butterflyToMatrix(butterflyHadamard(c.n));
      const s = 1 / Math.sqrt(c.n);
      expect(maxAbsDiff(Hn.re.data, c.hadamard.map((v) => v * s))).toBeLessThan(prodTol(c.n));
      const { butterfly, diag } = butterflyDct(c.n);
      const B = butterflyToMatrix(butterfly);
      // C = Re(diag(d) B): Re(d_k B_kj) = d_re B_re - d_im B_im
      const C = new Float64Array(c.n * c.n);
      for (let k = 0; k < c.n; k++) for (let j = 0; j < c.n; j++) C[k * c.n + j] = diag.re[k]! * B.re.data[k * c.n + j]! - diag.im[k]! * B.im.data[k * c.n + j]!;
      // The unnormalized DFT stages grow entries to magnitude 1; d_k is <= 2 sqrt(1/(2n)).
      expect(maxAbsDiff(C, c.dct)).toBeLessThan(prodTol(c.n));
    });
  }

  it('fast multiply equals the dense product and fft, for n up to 1024', () => {
    const r = rng(4);
    for (const n of [1, 2, 4, 64, 1024]) {
      const x = { re: r.fillNormal(new Float64Array(n)), im: r.fillNormal(new Float64Array(n)) };
      const y = butterflyMultiply(butterflyDft(n, { norm: 'backward' }), x);
      const ref = fft(x);
      // Radix-2 FFT error bound c eps log2 n (as for fft); fft.js adds its own of the same order.
      expect(relFroComplex(y.re, y.im, ref.re, ref.im)).toBeLessThan(8 * EPS * (log2(n) + 1));
      const yi = butterflyMultiply(butterflyDft(n, { norm: 'backward', inverse: true }), y);
      expect(relFroComplex(yi.re.map((v) => v / n), yi.im.map((v) => v / n), x.re, x.im)).toBeLessThan(16 * EPS * (log2(n) + 1));
      const xr = r.fillNormal(new Float64Array(n));
      const { butterfly, diag } = butterflyDct(n);
      const z = butterflyMultiply(butterfly, xr);
      const viaB = z.re.map((v, k) => diag.re[k]! * v - diag.im[k]! * z.im[k]!);
      expect(maxAbsDiff(viaB, dct(xr, { norm: 'ortho' }))).toBeLessThan(8 * EPS * (log2(n) + 1) * Math.sqrt(n));
    }
  });

  it('bit reversal is an involution', () => {
    const p = bitReversal(16);
    expect(Array.from(p.subarray(0, 4))).toEqual([0, 8, 4, 12]);
    for (let i = 0; i < 16; i++) expect(p[p[i]!]).toBe(i);
  });

  it('typed errors', () => {
    expect(() => butterflyDft(12)).toThrow(DomainError);
    expect(() => butterflyMultiply(butterflyDft(8), new Float64Array(4))).toThrow(ShapeError);
    const b = butterflyDft(4);
    expect(() => butterflyMultiply({ ...b, twiddle: { re: new Float64Array(3), im: new Float64Array(3) } }, new Float64Array(4))).toThrow(ShapeError);
    expect(() => learnButterflyDft({ n: 8, lr: -1 })).toThrow(DomainError);
    expect(() => butterflyMultiply({ ...b, perm: Int32Array.from([0, 1, 1, 3]) }, new Float64Array(4))).toThrow(DomainError);
  });
});

describe('butterfly gradient', () => {
  it('analytic gradient matches central finite differences', () => {
    const n = 8;
    const r = rng(21);
    const len = 4 * (n / 2) * 3;
    const b: Butterfly = { n, perm: bitReversal(n), twiddle: { re: r.fillNormal(new Float64Array(len), 0.5), im: r.fillNormal(new Float64Array(len), 0.5) } };
    const T = unitaryDftMatrix(n);
    const { grad } = butterflyLossGradient(b, T);
    const h = 1e-6;
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < len; k++) {
      for (const part of ['re', 'im'] as const) {
        const arr = b.twiddle[part];
        const v = arr[k]!;
        arr[k] = v + h;
        const lp = butterflyLossGradient(b, T).loss;
        arr[k] = v - h;
        const lm = butterflyLossGradient(b, T).loss;
        arr[k] = v;
        const fd = (lp - lm) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - grad[part][k]!));
        scale = Math.max(scale, Math.abs(grad[part][k]!));
      }
    }
    // Central differences: truncation O(h^2 |f'''|) ~ 1e-12, rounding O(eps |f| / h) ~ 1e-10.
    expect(worst).toBeLessThan(1e-8 * Math.max(1, scale));
    expect(scale).toBeGreaterThan(1e-3); // a non-trivial point
  });

  it('the exact DFT butterfly is a zero-loss, zero-gradient point', () => {
    const { loss, grad } = butterflyLossGradient(butterflyDft(16), unitaryDftMatrix(16));
    expect(loss).toBeLessThan(1e-30);
    let g = 0;
    for (let k = 0; k < grad.re.length; k++) g = Math.max(g, Math.abs(grad.re[k]!), Math.abs(grad.im[k]!));
    expect(g).toBeLessThan(1e-15);
  });
});

describe('learning the DFT with Adam (Dao et al. 2019, Sec. 4.1)', () => {
  it('recovers the 32-point DFT to loss < 1e-8 from a random unitary start (seeded)', () => {
    const progress: number[] = [];
    const res = learnButterflyDft({ n: 32, steps: 3000, lr: 0.01, seed: 1, tol: 1e-8, onProgress: (p) => progress.push(p.loss) });
    expect(res.losses[0]).toBeGreaterThan(1e-2); // starts far away
    expect(res.loss).toBeLessThan(1e-8);
    expect(res.stepsRun).toBeLessThan(3000);
    expect(res.losses.length).toBe(res.stepsRun + 1);
    expect(progress.length).toBeGreaterThan(0);
    // The learned product really is the DFT, not just close in the mean.
    const M = butterflyToMatrix(res.butterfly);
    const F = unitaryDftMatrix(32);
    expect(maxAbsDiff(M.re.data, F.re.data)).toBeLessThan(32 * Math.sqrt(1e-8));
    // Same seed, same run.
    const again = learnButterflyDft({ n: 32, steps: 3000, lr: 0.01, seed: 1, tol: 1e-8 });
    expect(again.losses).toEqual(res.losses);
  });

  it('recovers the 16- and 64-point DFTs as well (seeds 0 and 2)', () => {
    for (const n of [16, 64]) {
      for (const seed of [0, 2]) {
        const res = learnButterflyDft({ n, steps: 3000, lr: 0.01, seed, tol: 1e-8 });
        expect(res.loss).toBeLessThan(1e-8);
      }
    }
  });

  it('aborts through the signal and keeps the history so far', () => {
    const ac = new AbortController();
    const res = learnButterflyDft({ n: 16, steps: 500, seed: 3, signal: ac.signal, progressEvery: 10, onProgress: (p) => p.step >= 50 && ac.abort() });
    expect(res.aborted).toBe(true);
    expect(res.stepsRun).toBe(50);
  });

  it('cannot fit a random matrix (the paper\'s control): loss stays far above 1e-8', () => {
    const n = 16;
    const r = rng(8);
    const s = 1 / Math.sqrt(n);
    const T = { re: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s) }, im: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s) } };
    const res = learnButterfly(T, { steps: 1500, lr: 0.01, seed: 1 });
    expect(res.loss).toBeGreaterThan(1e-3);
  });
});

describe('experiment: linalg/butterfly-learns-dft', () => {
  it('quick run holds the qualitative claim (DFT and Hadamard < 1e-8, random control not fit)', async () => {
    const { butterflyLearnsDftExperiment } = await import('../src/experiments-entry');
    const res = await butterflyLearnsDftExperiment.run({ quick: true, seed: 0 });
    expect(res.ok).toBe(true);
    expect(res.metrics!.dftLoss).toBeLessThan(1e-8);
    expect(res.metrics!.randomLoss).toBeGreaterThan(1e-3);
    expect(res.plots![0]!.series.length).toBe(3);
    // The pictures: target and learned butterfly, 16x16 real parts; the DFT one matches its
    // target (loss < 1e-8), the random control's does not.
    const gap = (i: number) => {
      const [t, l] = res.plots![i]!.heatmaps!;
      expect(t!.values.length).toBe(16 * 16);
      expect(l!.values.length).toBe(16 * 16);
      return Math.max(...t!.values.map((v, k) => Math.abs(v - l!.values[k]!)));
    };
    expect(gap(1)).toBeLessThan(1e-3);
    expect(gap(2)).toBeGreaterThan(1e-2);
    const { experimentResultProblems } = await import('@x/gpu/experiments');
    expect(experimentResultProblems(res)).toEqual([]);
    const ac = new AbortController();
    ac.abort();
    // Experiments throw @x/gpu's AbortError on an aborted signal (see experiment.ts).
    await expect(butterflyLearnsDftExperiment.run({ quick: true, signal: ac.signal })).rejects.toThrow(/aborted/);
  });
});
