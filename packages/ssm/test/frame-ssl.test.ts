import { DomainError, rng, ShapeError } from '@x/gpu';
import { rfftParsevalWeights } from '@x/linalg';
import { loadFixture, maxAbsDiff, relMax } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { frameProjectionViews, ntXent, selfSupervisedPretrain } from '../src';
import { frameModels, frameObjective, frameParameters, mlp, simclrObjective, ViewEncoder } from '../src/frame-ssl';
import { espeakWords, linearProbe, muLawDecode } from '../src/frame-ssl-task';
import type { Untyped } from './helpers';

const FX = loadFixture<Untyped>(import.meta.url, 'frame-ssl.json');
const WORDS = loadFixture<Untyped>(import.meta.url, 'espeak-words.json');

const mat = (rows: number, cols: number, data: ArrayLike<number>) => ({ rows, cols, data: Float64Array.from(data) });

describe('ntXent (NT-Xent of SimCLR, as the paper computes it)', () => {
  for (const c of FX.ntXent) {
    it(`matches the numpy loss and its central-difference gradients (B=${c.B}, D=${c.D}, τ=${c.temperature})`, () => {
      const r = ntXent(mat(c.B, c.D, c.z1), mat(c.B, c.D, c.z2), { temperature: c.temperature });
      expect(Math.abs(r.value - c.value)).toBeLessThan(1e-12 * Math.max(1, Math.abs(c.value)));
      expect(maxAbsDiff(r.grad1.data, c.grad1)).toBeLessThan(1e-7);
      expect(maxAbsDiff(r.grad2.data, c.grad2)).toBeLessThan(1e-7);
    });
  }

  it('has the closed form log(e^{1/τ} + 2) - 1/τ for two orthogonal pairs of identical views', () => {
    const tau = 0.3;
    const z = mat(2, 3, [1, 0, 0, 0, 2, 0]);
    const r = ntXent(z, z, { temperature: tau });
    expect(r.value).toBeCloseTo(Math.log(Math.exp(1 / tau) + 2) - 1 / tau, 13);
  });

  it('is invariant to scaling a row (it normalizes), so the gradient is orthogonal to each row', () => {
    const c = FX.ntXent[1];
    const z1 = mat(c.B, c.D, c.z1);
    const z2 = mat(c.B, c.D, c.z2);
    const r = ntXent(z1, z2);
    const s = mat(c.B, c.D, c.z1.map((v: number, i: number) => (i < c.D ? 3.5 * v : v)));
    expect(ntXent(s, z2).value).toBeCloseTo(r.value, 12);
    for (let i = 0; i < c.B; i++) {
      let d = 0;
      for (let j = 0; j < c.D; j++) d += r.grad1.data[i * c.D + j]! * z1.data[i * c.D + j]!;
      expect(Math.abs(d)).toBeLessThan(1e-12);
    }
  });

  it('refuses mismatched shapes, a single row, non-finite entries and a bad temperature with typed errors', () => {
    const a = mat(3, 2, [1, 2, 3, 4, 5, 6]);
    expect(() => ntXent(a, mat(2, 3, [1, 2, 3, 4, 5, 6]))).toThrow(ShapeError);
    expect(() => ntXent(mat(1, 2, [1, 2]), mat(1, 2, [1, 2]))).toThrow(ShapeError);
    expect(() => ntXent(a, mat(3, 2, [1, 2, 3, Number.NaN, 5, 6]))).toThrow(DomainError);
    expect(() => ntXent(a, a, { temperature: 0 })).toThrow(DomainError);
    expect(() => ntXent(a, a, { temperature: Number.POSITIVE_INFINITY })).toThrow(DomainError);
    expect(() => ntXent(a, a, { tau: 1 } as never)).toThrow(/ntXent/);
  });
});

describe('frameProjectionViews (time, rfft(x, ortho) and |CWT| cmor1-1)', () => {
  for (const v of FX.views) {
    it(`matches numpy's rfft(norm='ortho') and a direct circular Morlet correlation (n=${v.n}, J=${v.scales.length}, pool=${v.pool})`, () => {
      const r = frameProjectionViews(v.x, { scales: v.scales, cwtPool: v.pool });
      expect(Array.from(r.time)).toEqual(v.x);
      expect(r.ftLength).toBe(Math.floor(v.n / 2) + 1);
      expect(maxAbsDiff(r.ft, v.ft)).toBeLessThan(1e-12);
      expect(r.cwtLength).toBe(Math.ceil(v.n / v.pool));
      expect(r.scales).toBe(v.scales.length);
      expect(relMax(r.cwt, v.cwt)).toBeLessThan(1e-11);
    });
  }

  it('the FT view is an isometry (Parseval with the doubled rfft bins) and the default CWT has the paper’s 48 scales', () => {
    const x = FX.views[0].x as number[];
    const r = frameProjectionViews(x);
    const w = rfftParsevalWeights(x.length);
    let e = 0;
    for (let k = 0; k < r.ftLength; k++) e += w[k]! * (r.ft[2 * k]! ** 2 + r.ft[2 * k + 1]! ** 2);
    expect(e).toBeCloseTo(x.reduce((s, v) => s + v * v, 0), 10);
    expect(r.scales).toBe(48);
    expect(r.cwtLength).toBe(x.length);
  });

  it('refuses short or non-finite signals and bad options with typed errors naming it', () => {
    expect(() => frameProjectionViews([1])).toThrow(ShapeError);
    expect(() => frameProjectionViews([1, Number.NaN, 2])).toThrow(DomainError);
    expect(() => frameProjectionViews([1, 2, 3], { cwtPool: 0 })).toThrow(DomainError);
    expect(() => frameProjectionViews([1, 2, 3], { scales: [1, -2] })).toThrow(/frameProjectionViews/);
    expect(() => frameProjectionViews(null as never)).toThrow(ShapeError);
  });
});

describe('the spoken-digit clips (espeak-ng, committed)', () => {
  it('decode to the samples numpy decoded (mu-law), split by voice', () => {
    const { train, test } = espeakWords();
    expect(train.signals.length).toBe(WORDS.trainCount);
    expect(test.signals.length).toBe(WORDS.testCount);
    // Clips are stored voice by voice; the test voice is the last.
    const all = [...train.signals, ...test.signals];
    const sums = all.map((s) => s.reduce((a, v) => a + v, 0));
    expect(maxAbsDiff(sums, WORDS.sums)).toBeLessThan(1e-9);
    expect(maxAbsDiff(all[0]!.subarray(0, 32), WORDS.first)).toBeLessThan(1e-12);
    expect(muLawDecode(255)).toBeCloseTo(1, 14);
    expect(new Set(test.labels).size).toBe(10);
  });
});

/** Sinusoids of two frequency bands with random phase and amplitude: a tiny separable set. */
function toySignals(n: number, T: number, seed: number): { signals: Float64Array[]; labels: Int32Array } {
  let s = seed;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const signals: Float64Array[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const f = (labels[i] ? 0.22 : 0.05) + 0.02 * u();
    const ph = 2 * Math.PI * u();
    const a = 0.5 + u();
    signals.push(Float64Array.from({ length: T }, (_, t) => a * Math.sin(2 * Math.PI * f * t + ph) + 0.2 * (u() - 0.5)));
  }
  return { signals, labels };
}

describe('selfSupervisedPretrain', () => {
  const { signals } = toySignals(24, 32, 5);
  const small = { steps: 30, batch: 8, width: 4, dim: 6, mapperHidden: 8, lr: 3e-3, mapperSteps: 20, pool: 2, cwtPool: 4 } as const;

  for (const method of ['frame', 'augment'] as const) {
    it(`${method}: the contrastive loss goes down, runs are reproducible by seed, embeddings have the documented size`, async () => {
      const a = await selfSupervisedPretrain(signals, { ...small, method, seed: 3 });
      const b = await selfSupervisedPretrain(signals, { ...small, method, seed: 3 });
      expect(a.losses).toHaveLength(30);
      expect(b.losses).toEqual(a.losses);
      const head = (a.losses[0]! + a.losses[1]! + a.losses[2]!) / 3;
      const tail = (a.losses[27]! + a.losses[28]! + a.losses[29]!) / 3;
      expect(tail).toBeLessThan(head);
      const e = a.embed(signals.slice(0, 5));
      expect([e.rows, e.cols]).toEqual([5, method === 'frame' ? 18 : 6]);
      expect(a.embedDim).toBe(e.cols);
      const h = a.embedTime(signals.slice(0, 5));
      expect(h.cols).toBe(6);
      // The frame embedding is concat[map_ft(h), h, map_cwt(h)]: its middle block is h.
      if (method === 'frame') for (let i = 0; i < 5; i++) expect(Array.from(e.data.subarray(i * 18 + 6, i * 18 + 12))).toEqual(Array.from(h.data.subarray(i * 6, i * 6 + 6)));
    });
  }

  it("'none' returns the untrained encoder, and a linear probe on it separates an easy two-band task", async () => {
    const enc = await selfSupervisedPretrain(signals, { ...small, method: 'none' });
    expect(enc.losses).toHaveLength(0);
    const test = toySignals(16, 32, 9);
    const acc = linearProbe(enc.embed(signals), toySignals(24, 32, 5).labels, enc.embed(test.signals), test.labels, 2);
    expect(acc).toBeGreaterThan(0.8);
  });

  it('refuses bad signals and options with typed errors naming it', async () => {
    await expect(selfSupervisedPretrain([], {})).rejects.toThrow(ShapeError);
    await expect(selfSupervisedPretrain([new Float64Array(8), new Float64Array(9)], {})).rejects.toThrow(ShapeError);
    // One signal: say so, rather than blame a batch size the user never gave.
    await expect(selfSupervisedPretrain([Float64Array.from({ length: 16 }, (_, i) => Math.sin(i))], { method: 'none' })).rejects.toThrow(/selfSupervisedPretrain: contrastive pretraining needs at least 2 signals, got 1/);
    await expect(selfSupervisedPretrain(signals, { method: 'mask' as never })).rejects.toThrow(DomainError);
    await expect(selfSupervisedPretrain(signals, { batch: 100 })).rejects.toThrow(/selfSupervisedPretrain/);
    await expect(selfSupervisedPretrain(signals, { lr: -1 })).rejects.toThrow(DomainError);
    const enc = await selfSupervisedPretrain(signals, { ...small, method: 'none' });
    expect(() => enc.embed([new Float64Array(5)])).toThrow(ShapeError);
  });
});

describe('the pretraining objectives’ gradients (central differences through encoders, projectors and mappers)', () => {
  const T = 16;
  const { signals } = toySignals(4, T, 11);
  const rows = (n: number, c: number, f: (i: number) => ArrayLike<number>) => {
    const d = new Float64Array(n * c);
    for (let i = 0; i < n; i++) d.set(f(i), i * c);
    return { rows: n, cols: c, data: d };
  };
  const views = signals.map((s) => frameProjectionViews(s, { scales: [1, 2.5, 6], cwtPool: 4 }));

  function fdCheck(params: { name: string; value: Float64Array; grad: Float64Array }[], objective: () => number) {
    for (const p of params) p.grad.fill(0);
    objective();
    const analytic = params.map((p) => Float64Array.from(p.grad));
    let worst = 0;
    let checked = 0;
    let nonzero = 0;
    params.forEach((p, k) => {
      for (let i = 0; i < p.value.length; i += Math.max(1, Math.floor(p.value.length / 4))) {
        const v = p.value[i]!;
        const h = 1e-6;
        p.value[i] = v + h;
        const fp = objective();
        p.value[i] = v - h;
        const fm = objective();
        p.value[i] = v;
        const fd = (fp - fm) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - analytic[k]![i]!) / Math.max(1e-3, Math.abs(fd)));
        if (Math.abs(fd) > 1e-6) nonzero++;
        checked++;
      }
    });
    return { worst, checked, nonzero };
  }

  it('frame projections: NT-Xent on the three view pairs + L1 mappers', () => {
    const r = rng(4);
    const timeEnc = new ViewEncoder(T, 1, 3, 4, 2, r);
    const m = frameModels(timeEnc, mlp(4, 4, 4, r), views[0]!, 3, 4, 5, 2, r);
    const xt = rows(4, T, (i) => signals[i]!);
    const xf = rows(4, views[0]!.ft.length, (i) => views[i]!.ft);
    const xc = rows(4, views[0]!.cwt.length, (i) => views[i]!.cwt);
    const { worst, checked, nonzero } = fdCheck(frameParameters(m), () => frameObjective(m, xt, xf, xc, 0.15));
    expect(checked).toBeGreaterThan(60);
    expect(nonzero).toBeGreaterThan(checked / 2);
    expect(worst).toBeLessThan(1e-5);
  });

  it('SimCLR: NT-Xent on two views through one encoder', () => {
    const r = rng(4);
    const timeEnc = new ViewEncoder(T, 1, 3, 4, 2, r);
    const proj = mlp(4, 4, 4, r);
    const stacked = rows(8, T, (i) => signals[i % 4]!.map((v, t) => (i < 4 ? v : 0.8 * v + 0.05 * Math.cos(t + i))));
    const params = [...timeEnc.parameters('time'), ...proj.parameters()];
    const { worst, checked, nonzero } = fdCheck(params, () => simclrObjective(timeEnc, proj, stacked, 0.15));
    expect(checked).toBeGreaterThan(20);
    expect(nonzero).toBeGreaterThan(checked / 2);
    expect(worst).toBeLessThan(1e-5);
  });
});
