import { DomainError, ShapeError } from '@x/gpu';
import { gradCheck, lmCrossEntropy, moduleFromJSON, TransformerLM } from '@x/nn';
import { loadFixture, relMax } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import type { Untyped } from './helpers';
import { DeltaProductBlock, DeltaProductMixer, type DeltaProductMixerOptions, deltaProductLM, deltaProductModules } from '../src';

function input(rows: number, D: number, seed: number, scale = 1) {
  let s = seed;
  const data = Float64Array.from({ length: rows * D }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * (s / 2 ** 32 - 0.5);
  });
  return { rows, cols: D, data };
}

const base: DeltaProductMixerOptions = { dModel: 4, numHeads: 2, headDim: 3, expandV: 1, initGain: 1, seqLen: 6, chunkSize: 4 };

const FX = loadFixture<Untyped>(import.meta.url, 'deltaproduct-mixer.json');

describe('DeltaProductMixer (multi-head, short conv, gated output norm)', () => {
  for (const c of FX.cases) {
    for (const mode of ['chunk', 'recurrent'] as const) {
      it(`matches the numpy port of fla's GatedDeltaProduct forward (H=${c.numHeads}, n_h=${c.numHouseholder}, beta max ${c.allowNegEigval ? 2 : 1}, ${mode})`, () => {
        const m = new DeltaProductMixer({ dModel: c.dModel, numHeads: c.numHeads, headDim: c.headDim, expandV: c.expandV, numHouseholder: c.numHouseholder, allowNegEigval: c.allowNegEigval, seqLen: c.T, mode, chunkSize: 5 });
        for (const p of m.parameters()) p.value.set(c.params[p.name]);
        const y = m.forward({ rows: c.B * c.T, cols: c.dModel, data: Float64Array.from(c.x) });
        expect(relMax(y.data, c.y)).toBeLessThan(1e-12);
      });
    }
  }

  const configs: [string, Partial<DeltaProductMixerOptions>][] = [
    ['n_h=2, beta in (0,2), all parts', { numHouseholder: 2 }],
    ['n_h=1 (gated DeltaNet), beta in (0,1)', { numHouseholder: 1, allowNegEigval: false }],
    ['n_h=3, expandV 2, recurrent mode', { numHouseholder: 3, expandV: 2, mode: 'recurrent' }],
    ['n_h=2 without conv, forget gate, output gate', { numHouseholder: 2, useShortConv: false, useForgetGate: false, useOutputGate: false }],
  ];
  for (const [name, extra] of configs) {
    it(`gradCheck of every parameter and the input passes (${name})`, () => {
      const m = new DeltaProductMixer({ ...base, ...extra, seed: 3 });
      const report = gradCheck(m, input(12, 4, 5), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
      expect(report.passed).toBe(true);
      expect(report.parameters.length).toBe(m.parameters().length);
    });
  }

  it('chunk and recurrent modes agree (outputs and every gradient, 1e-10), C = 1, 4, 5, 64', () => {
    const x = input(14, 4, 9);
    const dy = input(14, 4, 10);
    const ref = new DeltaProductMixer({ ...base, numHouseholder: 3, seqLen: 7, mode: 'recurrent', seed: 4 });
    const y0 = ref.forward(x);
    const dx0 = ref.backward(dy);
    for (const chunkSize of [1, 4, 5, 64]) {
      const m = new DeltaProductMixer({ ...base, numHouseholder: 3, seqLen: 7, mode: 'chunk', chunkSize, seed: 4 });
      expect(relMax(m.forward(x).data, y0.data)).toBeLessThan(1e-12);
      expect(relMax(m.backward(dy).data, dx0.data)).toBeLessThan(1e-10);
      const pr = ref.parameters();
      m.parameters().forEach((p, i) => {
        expect(relMax(p.grad, pr[i]!.grad), p.name).toBeLessThan(1e-10);
      });
    }
  });

  it('is causal: changing token t leaves outputs before t unchanged', () => {
    const m = new DeltaProductMixer({ ...base, seqLen: 6, seed: 2 });
    const x = input(6, 4, 3);
    const y = m.forward(x).data.slice();
    x.data[4 * 4 + 1] = x.data[4 * 4 + 1]! + 1;
    const y2 = m.forward(x).data;
    expect(Array.from(y2.subarray(0, 16))).toEqual(Array.from(y.subarray(0, 16)));
    expect(y2[17]).not.toBe(y[17]);
  });

  it('stays finite over 400 tokens with large inputs (every factor I - beta k kᵀ has spectrum in [-1, 1])', () => {
    const m = new DeltaProductMixer({ dModel: 4, numHeads: 1, numHouseholder: 2, useForgetGate: false, initGain: 4, seed: 1 });
    const y = m.forward(input(400, 4, 1, 4));
    expect(y.data.every(Number.isFinite)).toBe(true);
  });

  it('toJSON/fromJSON round trip is bit-identical; typed errors', () => {
    const a = new DeltaProductMixer({ ...base, seed: 7 });
    const b = DeltaProductMixer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const x = input(12, 4, 1);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    expect(() => new DeltaProductMixer({ dModel: 3, numHeads: 2 })).toThrow(DomainError);
    expect(() => new DeltaProductMixer({ dModel: 4, headDim: 3, expandV: 0.5 })).toThrow(DomainError);
    expect(() => new DeltaProductMixer({ dModel: 4, mode: 'fast' as never })).toThrow(DomainError);
    expect(() => new DeltaProductMixer({ dModel: 4, numHouseholdr: 2 } as never)).toThrow(DomainError);
    expect(() => a.forward(input(12, 3, 1))).toThrow(ShapeError);
    expect(() => a.forward(input(10, 4, 1))).toThrow(ShapeError);
    const nan = input(12, 4, 1);
    nan.data[3] = Number.NaN;
    expect(() => a.forward(nan)).toThrow(DomainError);
    expect(() => new DeltaProductMixer({ dModel: 2 }).backward(input(2, 2, 1))).toThrow(DomainError);
    expect(() => a.backward(input(12, 3, 1))).toThrow(ShapeError);
    const bad = a.toJSON();
    expect(() => DeltaProductMixer.fromJSON({ ...bad, config: { ...bad.config, mode: 'x' as never } })).toThrow(DomainError);
    expect(() => DeltaProductMixer.fromJSON({ ...bad, state: { ...bad.state, A_log: bad.state['q_proj.weight'] } })).toThrow(ShapeError);
  });
});

describe('DeltaProductBlock and deltaProductLM', () => {
  it('block gradients (mixer, norms, MLP, input) match finite differences', () => {
    const blk = new DeltaProductBlock({ ...base, numHouseholder: 2, hidden: 6, seed: 5 });
    const report = gradCheck(blk, input(12, 4, 8), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
    expect(report.passed).toBe(true);
    expect(blk.parameters().map((p) => p.name)).toContain('attn.k_conv1d.weight');
  });

  it('block round trip through moduleFromJSON with deltaProductModules is bit-identical', () => {
    const a = new DeltaProductBlock({ ...base, hidden: 6, seed: 2 });
    const b = moduleFromJSON(JSON.parse(JSON.stringify(a.toJSON())), deltaProductModules) as DeltaProductBlock;
    b.seqLen = 6;
    const x = input(12, 4, 3);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    expect(() => a.backward(input(12, 4, 1))).not.toThrow();
    expect(() => new DeltaProductBlock({ ...base, hidden: 0 })).toThrow(DomainError);
  });

  it("deltaProductLM: @x/nn's TransformerLM with DeltaProduct mixers trains, and saves/restores exactly", () => {
    const lm = deltaProductLM({ vocabSize: 5, dim: 4, numLayers: 2, numHeads: 1, hidden: 8, seed: 1 }, { numHeads: 2, numHouseholder: 2, initGain: 1 });
    expect(lm.parameters().some((p) => p.name === 'model.layers.1.self_attn.b_proj.weight')).toBe(true);
    expect(lm.parameters().some((p) => p.name.includes('q_proj.weight') && p.shape[0] === 4)).toBe(true);
    const ids = { rows: 2, cols: 6, data: Float64Array.from([0, 1, 2, 3, 4, 0, 1, 1, 2, 2, 3, 3]) };
    const targets = Float64Array.from([1, 2, 3, 4, 0, 1, 1, 2, 2, 3, 3, 4]);
    // gradient of the LM loss w.r.t. one mixer weight by central differences
    const p = lm.parameters().find((q) => q.name === 'model.layers.0.self_attn.k_proj.weight')!;
    lm.zeroGrad();
    const loss = lmCrossEntropy(lm.forward(ids), targets);
    lm.backward(loss.grad);
    for (const i of [0, 5, 11]) {
      const keep = p.value[i]!;
      p.value[i] = keep + 1e-6;
      const up = lmCrossEntropy(lm.forward(ids), targets).value;
      p.value[i] = keep - 1e-6;
      const dn = lmCrossEntropy(lm.forward(ids), targets).value;
      p.value[i] = keep;
      expect(Math.abs((up - dn) / 2e-6 - p.grad[i]!)).toBeLessThan(1e-7);
    }
    const back = TransformerLM.fromJSON(JSON.parse(JSON.stringify(lm.toJSON())), deltaProductModules);
    expect(Array.from(back.forward(ids).data)).toEqual(Array.from(lm.forward(ids).data));
    expect(() => deltaProductLM({ vocabSize: 5, dim: 4, numLayers: 1, numHeads: 1, hidden: 8 }, { dModel: 4 } as never)).toThrow(DomainError);
  });
});
