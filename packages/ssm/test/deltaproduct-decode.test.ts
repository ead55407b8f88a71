import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import type { LMDecodeState } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { DeltaProductBlock, DeltaProductMixer, type DeltaProductMixerOptions, deltaProductLM } from '../src';

// Recurrent decoding of the DeltaProduct mixer, block and LM against the full forward.

function rows(n: number, D: number, seed: number): Matrix<Float64Array> {
  const r = rng(seed);
  return { rows: n, cols: D, data: Float64Array.from({ length: n * D }, () => r.normal()) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const slice = (x: Matrix<Float64Array>, a: number, b: number): Matrix<Float64Array> => ({ rows: b - a, cols: x.cols, data: x.data.slice(a * x.cols, b * x.cols) });

/** Runs `decode` over x in the pieces ending at `cuts`, returns the outputs stacked. */
function decodeInPieces(m: { initDecode(): unknown; decode(x: Matrix, s: never): { y: Matrix; state: unknown } }, x: Matrix<Float64Array>, cuts: number[]): Float64Array {
  const out = new Float64Array(x.rows * x.cols);
  let s = m.initDecode();
  let at = 0;
  for (const c of cuts) {
    const r = m.decode(slice(x, at, c), s as never);
    expect(r.y.rows).toBe(c - at);
    out.set(r.y.data, at * x.cols);
    s = r.state;
    at = c;
  }
  return out;
}

const cuts = [4, 5, 6, 9, 10, 11, 12];
const mixers: Array<[string, Omit<DeltaProductMixerOptions, 'dModel'>]> = [
  ['defaults (chunk mode, 2 Householder steps, conv 4, both gates)', {}],
  ['recurrent mode, 3 heads of 2, 3 Householder steps, expandV 2', { numHeads: 3, headDim: 2, numHouseholder: 3, expandV: 2, mode: 'recurrent' }],
  ['no short conv, no forget gate, no output gate', { useShortConv: false, useForgetGate: false, useOutputGate: false }],
  ['conv 2, DeltaNet (1 step), beta in (0, 1), chunk 3', { convSize: 2, numHouseholder: 1, allowNegEigval: false, chunkSize: 3 }],
  ['conv 1 (no window)', { convSize: 1, numHeads: 2 }],
];

describe('DeltaProductMixer.decode', () => {
  for (const [name, o] of mixers) {
    it(`${name}: pieces of 4, 1, 1, 3, 1, 1, 1 rows give the full forward's rows to 1e-12`, () => {
      const m = new DeltaProductMixer({ dModel: 6, numHeads: 2, initGain: 1, seed: 4, ...o });
      const x = rows(12, 6, 7);
      const want = m.forward(x).data;
      expect(maxAbsDiff(decodeInPieces(m, x, cuts), want)).toBeLessThan(1e-12);
    });
  }

  it('leaves the state passed in unchanged, and refuses bad input before anything changes', () => {
    const m = new DeltaProductMixer({ dModel: 4, numHeads: 2, initGain: 1, seed: 2 });
    const x = rows(3, 4, 1);
    const s1 = m.decode(slice(x, 0, 2), m.initDecode()).state;
    const copy = { length: s1.length, state: s1.state.slice(), q: s1.conv.q.slice(), k: s1.conv.k.slice(), v: s1.conv.v.slice() };
    const nan = slice(x, 2, 3);
    nan.data[1] = Number.NaN;
    expect(() => m.decode(nan, s1)).toThrow(DomainError);
    expect(() => m.decode({ rows: 1, cols: 3, data: new Float64Array(3) }, s1)).toThrow(ShapeError);
    expect(() => m.decode({ rows: 0, cols: 4, data: new Float64Array(0) }, s1)).toThrow(ShapeError);
    expect(() => m.decode(slice(x, 2, 3), { ...s1, state: new Float64Array(3) })).toThrow(/state must come from initDecode/);
    expect(() => m.decode(slice(x, 2, 3), null as never)).toThrow(DomainError);
    const a = m.decode(slice(x, 2, 3), s1);
    const b = m.decode(slice(x, 2, 3), s1);
    expect(a.y.data).toEqual(b.y.data);
    expect(s1.length).toBe(copy.length);
    expect(s1.state).toEqual(copy.state);
    expect([s1.conv.q, s1.conv.k, s1.conv.v]).toEqual([copy.q, copy.k, copy.v]);
    expect(maxAbsDiff(a.y.data, m.forward(x).data.subarray(8))).toBeLessThan(1e-12);
  });
});

describe('DeltaProductBlock.decode', () => {
  it("gives the block's full forward rows", () => {
    const b = new DeltaProductBlock({ dModel: 6, numHeads: 2, hidden: 10, initGain: 1, seed: 3 });
    const x = rows(12, 6, 9);
    expect(maxAbsDiff(decodeInPieces(b, x, cuts), b.forward(x).data)).toBeLessThan(1e-12);
  });
});

describe('deltaProductLM: cached decoding', () => {
  const make = () => deltaProductLM({ vocabSize: 9, dim: 6, numLayers: 2, numHeads: 1, hidden: 10, initStd: 0.5, seed: 2 }, { numHeads: 2, numHouseholder: 2, initGain: 1, chunkSize: 4 });

  it("decode's logits equal the full forward's row by row to 1e-12", () => {
    const lm = make();
    const seq = [1, 5, 2, 8, 0, 3, 3, 7, 6, 4, 2];
    const V = 9;
    const want = lm.forward({ rows: 1, cols: seq.length, data: Float64Array.from(seq) }).data;
    let st: LMDecodeState | undefined;
    let at = 0;
    for (const c of [3, 4, 5, 8, 9, 10, 11]) {
      const r = lm.decode(seq.slice(at, c), st);
      expect(maxAbsDiff(r.logits.data, want.subarray(at * V, c * V))).toBeLessThan(1e-12);
      st = r.state;
      at = c;
    }
  });

  it('generate gives the same tokens with and without the cache (greedy, sampled, short context)', () => {
    const lm = make();
    expect(lm.canDecode).toBe(true);
    for (const o of [{ maxNewTokens: 14 }, { maxNewTokens: 14, temperature: 1, seed: 3 }, { maxNewTokens: 14, temperature: 0.7, topK: 4, seed: 8, contextLength: 6 }, { maxNewTokens: 10, contextLength: 4 }]) {
      const cached = lm.generate([2, 4, 6], o);
      expect(cached).toHaveLength(o.maxNewTokens);
      expect(cached).toEqual(lm.generate([2, 4, 6], { ...o, cache: false }));
    }
  });
});
