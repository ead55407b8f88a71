import { DomainError, ShapeError, rng } from '@x/gpu';
import { svdvals } from '@x/linalg';
import { loadFixture } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { alignedRankOne, type CtrnnParams, ctrnnLossAndGrads, ctrnnTangentKernel, lowRankGaussian, neurogymStyleTask, type RnnTaskBatch, rnnRichLazyRun } from '../src/index';

interface RnnCase {
  name: string;
  activation: 'relu' | 'tanh';
  alpha: number;
  N: number;
  inputDim: number;
  outputDim: number;
  steps: number;
  batch: number;
  wRec: number[];
  wIn: number[];
  wOut: number[];
  inputs: number[];
  labels: number[];
  outputs: number[];
  loss: number;
  gradRec: number[];
  gradIn: number[];
  gradOut: number[];
  kernelRec: number[];
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  expect(a.length).toBe(b.length);
  return d / s;
};

function fromCase(c: RnnCase): { params: CtrnnParams; batch: RnnTaskBatch } {
  const m = (rows: number, cols: number, d: number[]) => ({ rows, cols, data: Float64Array.from(d) });
  return {
    params: { wRec: m(c.N, c.N, c.wRec), wIn: m(c.N, c.inputDim, c.wIn), wOut: m(c.outputDim, c.N, c.wOut) },
    batch: { steps: c.steps, batch: c.batch, inputDim: c.inputDim, outputDim: c.outputDim, inputs: Float64Array.from(c.inputs), labels: Int32Array.from(c.labels) },
  };
}

describe('leaky RNN forward and BPTT against the numpy reference', () => {
  const { cases } = loadFixture<{ cases: RnnCase[] }>(import.meta.url, 'richlazy-rnn.json');
  for (const c of cases) {
    it(`${c.name}: outputs, loss, gradients and W_rec tangent kernel`, () => {
      const { params, batch } = fromCase(c);
      const opts = { alpha: c.alpha, activation: c.activation };
      const g = ctrnnLossAndGrads(params, batch, opts);
      expect(relErr(g.outputs, c.outputs)).toBeLessThan(1e-13);
      expect(Math.abs(g.loss - c.loss) / c.loss).toBeLessThan(1e-13);
      expect(relErr(g.wRec.data, c.gradRec)).toBeLessThan(1e-12);
      expect(relErr(g.wIn.data, c.gradIn)).toBeLessThan(1e-12);
      expect(relErr(g.wOut.data, c.gradOut)).toBeLessThan(1e-12);
      const K = ctrnnTangentKernel(params, batch, opts);
      expect(K.rows).toBe(c.steps * c.batch * c.outputDim);
      expect(relErr(K.data, c.kernelRec)).toBeLessThan(1e-12);
    });
  }
});

describe('BPTT against central finite differences (float64)', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`${activation}, α = 0.4, a 2AF batch`, () => {
      const b = neurogymStyleTask('2AF', 3, { seed: 4 });
      const r = rng(9);
      const N = 6;
      const params: CtrnnParams = {
        wRec: { rows: N, cols: N, data: r.fillNormal(new Float64Array(N * N), 1.25 / Math.sqrt(N)) },
        wIn: { rows: N, cols: 3, data: r.fillNormal(new Float64Array(N * 3), 0.6) },
        wOut: { rows: 3, cols: N, data: r.fillNormal(new Float64Array(3 * N), 0.5) },
      };
      const opts = { alpha: 0.4, activation };
      const g = ctrnnLossAndGrads(params, b, opts);
      const eps = 1e-6;
      for (const key of ['wRec', 'wIn', 'wOut'] as const) {
        const w = params[key].data as Float64Array;
        const fd = new Float64Array(w.length);
        for (let i = 0; i < w.length; i++) {
          const w0 = w[i]!;
          w[i] = w0 + eps;
          const lp = ctrnnLossAndGrads(params, b, opts).loss;
          w[i] = w0 - eps;
          const lm = ctrnnLossAndGrads(params, b, opts).loss;
          w[i] = w0;
          fd[i] = (lp - lm) / (2 * eps);
        }
        expect(relErr(g[key].data, fd)).toBeLessThan(1e-6);
      }
    });
  }
});

describe('initial connectivity of the recurrent runs', () => {
  const fro = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
  it('rank-r W_rec at the full-rank Frobenius norm (N = 64, σ = 1.25)', () => {
    const full = lowRankGaussian(64, 64, 64, { seed: 3 });
    for (const r of [1, 8]) {
      const W = lowRankGaussian(64, 64, r, { seed: 3 });
      expect(Math.abs(fro(W.data) - fro(full.data)) / fro(full.data)).toBeLessThan(1e-13);
      const s = svdvals(W);
      expect(s[r - 1]!).toBeGreaterThan(1e-8 * s[0]!);
      expect(s[r]!).toBeLessThan(1e-10 * s[0]!);
    }
    // σ = 1.25: ‖W0‖_F² ≈ σ² N.
    expect(fro(full.data) ** 2 / (1.25 ** 2 * 64)).toBeGreaterThan(0.9);
    expect(fro(full.data) ** 2 / (1.25 ** 2 * 64)).toBeLessThan(1.1);
  });
  it('alignedRankOne is c·m̂n̂ᵀ: rank one, norm c, reads along n, writes along m', () => {
    const n = [1, 2, -2, 0];
    const m = [0, 3, 4];
    const W = alignedRankOne(n, m, 5);
    expect(W.rows).toBe(3);
    expect(W.cols).toBe(4);
    expect(fro(W.data)).toBeCloseTo(5, 13);
    const s = svdvals(W);
    expect(s[0]!).toBeCloseTo(5, 13);
    expect(s[1]!).toBeLessThan(1e-13);
    // W n = c |n| m̂ = 5·3·(0, 0.6, 0.8).
    const Wn = [0, 1, 2].map((i) => n.reduce((acc, v, j) => acc + W.data[i * 4 + j]! * v, 0));
    expect(Wn[0]!).toBeCloseTo(0, 13);
    expect(Wn[1]!).toBeCloseTo(9, 13);
    expect(Wn[2]!).toBeCloseTo(12, 13);
    // Entries near the float64 maximum: the norm is never formed unscaled.
    const big = alignedRankOne([1.5e308, 1.5e308], [1e308, -1e308, 1e308], 2);
    expect(fro(big.data)).toBeCloseTo(2, 13);
    expect(big.data[0]!).toBeCloseTo(2 / Math.sqrt(6), 13);
    expect(() => alignedRankOne([0, 0], m, 1)).toThrow(DomainError);
    expect(() => alignedRankOne(n, m, 0)).toThrow(DomainError);
  });
});

describe('neurogym-style tasks', () => {
  it('seeded, 8 steps, fixation labels before the decision, 2AF evidence points to the label', () => {
    const a = neurogymStyleTask('2AF', 200, { seed: 5 });
    const b = neurogymStyleTask('2AF', 200, { seed: 5 });
    expect(a.inputs).toEqual(b.inputs);
    expect(a.steps).toBe(8);
    let agree = 0;
    let strong = 0;
    for (let bb = 0; bb < 200; bb++) {
      for (let t = 0; t < 7; t++) expect(a.labels[t * 200 + bb]).toBe(0);
      let d = 0;
      for (let t = 0; t < 7; t++) d += a.inputs[(t * 200 + bb) * 3 + 1]! - a.inputs[(t * 200 + bb) * 3 + 2]!;
      const label = a.labels[7 * 200 + bb]!;
      expect([1, 2]).toContain(label);
      if (Math.abs(d) > 1) {
        strong++;
        if ((d > 0 ? 1 : 2) === label) agree++;
      }
      expect(a.inputs[(7 * 200 + bb) * 3]).toBe(0);
    }
    expect(agree).toBe(strong);
    expect(strong).toBeGreaterThan(50);
  });
  it('DMS labels match when the test repeats the sample; CXT follows the cued modality', () => {
    const d = neurogymStyleTask('DMS', 100, { seed: 2 });
    for (let bb = 0; bb < 100; bb++) {
      const s = d.inputs[(0 * 100 + bb) * 3 + 1]! > d.inputs[(0 * 100 + bb) * 3 + 2]!;
      const t = d.inputs[(6 * 100 + bb) * 3 + 1]! > d.inputs[(6 * 100 + bb) * 3 + 2]!;
      expect(d.labels[7 * 100 + bb]).toBe(s === t ? 1 : 2);
    }
    const c = neurogymStyleTask('CXT', 100, { seed: 2 });
    expect(c.inputDim).toBe(7);
    for (let bb = 0; bb < 100; bb++) {
      const ctx = c.inputs[(0 * 100 + bb) * 7 + 5] === 1 ? 0 : 1;
      expect(c.inputs[(0 * 100 + bb) * 7 + 6 - ctx]).toBe(0);
    }
  });
  it('rejects unknown tasks and bad batches', () => {
    expect(() => neurogymStyleTask('XOR' as never, 4)).toThrow(DomainError);
    expect(() => neurogymStyleTask('2AF', 0)).toThrow(DomainError);
    const b = neurogymStyleTask('2AF', 2, { seed: 1 });
    const p: CtrnnParams = { wRec: { rows: 3, cols: 3, data: new Float64Array(9) }, wIn: { rows: 3, cols: 3, data: new Float64Array(9) }, wOut: { rows: 3, cols: 3, data: new Float64Array(9) } };
    expect(() => ctrnnLossAndGrads({ ...p, wIn: { rows: 3, cols: 2, data: new Float64Array(6) } }, b)).toThrow(ShapeError);
    expect(() => ctrnnLossAndGrads(p, { ...b, labels: b.labels.map(() => 5) })).toThrow(DomainError);
    expect(() => ctrnnLossAndGrads(p, b, { alpha: 0 })).toThrow(DomainError);
  });
});

describe('rnnRichLazyRun', () => {
  it('is seeded, normalises the step and reports the laziness measures in range', () => {
    const o = { hidden: 12, rank: 2, steps: 20, batch: 4, probeBatch: 2, evalBatch: 16, seed: 1, taskSeed: 2 };
    const a = rnnRichLazyRun(o);
    const b = rnnRichLazyRun(o);
    expect(a).toEqual(b);
    expect(a.eta).toBeCloseTo((5 * 0.1) / a.lambdaMax, 14);
    for (const v of [a.kernelAlignment, a.representationAlignment, a.unchangedSigns]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1 + 1e-12);
    }
    expect(a.relWeightChange).toBeGreaterThan(0);
    expect(a.lossCurve.length).toBe(20);
  });
  it('rejects a rank above the width, an aligned init of rank 2 and unknown options', () => {
    expect(() => rnnRichLazyRun({ hidden: 4, rank: 5 })).toThrow(DomainError);
    expect(() => rnnRichLazyRun({ hidden: 4, rank: 2, init: 'aligned' })).toThrow(DomainError);
    expect(() => rnnRichLazyRun({ hidden: 4, lr: 1 } as never)).toThrow(DomainError);
  });
});

describe('rnnRichLazyRun with a fixed step', () => {
  it('uses learningRate as η for every init and still reports λ_max', () => {
    const o = { hidden: 8, steps: 5, batch: 2, probeBatch: 1, evalBatch: 4, seed: 3, learningRate: 0.02 };
    const a = rnnRichLazyRun({ ...o, rank: 1 });
    const b = rnnRichLazyRun({ ...o, init: 'aligned' });
    expect(a.eta).toBe(0.02);
    expect(b.eta).toBe(0.02);
    expect(a.lambdaMax).toBeGreaterThan(0);
    expect(() => rnnRichLazyRun({ ...o, learningRate: -1 })).toThrow(DomainError);
    expect(() => rnnRichLazyRun({ ...o, learningRate: Number.POSITIVE_INFINITY })).toThrow(DomainError);
    // Refused before the kernel is built: a huge network with a bad learningRate fails at once.
    expect(() => rnnRichLazyRun({ ...o, hidden: 4000, learningRate: 0 })).toThrow(/rnnRichLazyRun: learningRate/);
  });
});
