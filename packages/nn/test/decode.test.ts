import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { describe, expect, it, vi } from 'vitest';
import { type LMDecodeState, type Module, MultiHeadAttention, type TransformerConfig, TransformerLM } from '../src';

// Incremental decoding (KV cache) against the full forward: the same logits row by row, the
// same tokens from generate with and without the cache.

const base: TransformerConfig = { vocabSize: 11, dim: 8, numLayers: 2, numHeads: 2, hidden: 12, initStd: 0.4, seed: 3 };
const configs: Array<[string, Partial<TransformerConfig>]> = [
  ['2 heads (MHA)', {}],
  ['4 heads, 2 KV heads (GQA)', { numHeads: 4, numKvHeads: 2 }],
  ['4 heads, 1 KV head (MQA), 3 layers, ropeBase 100', { numHeads: 4, numKvHeads: 1, numLayers: 3, ropeBase: 100 }],
  ['1 head, head width 8', { numHeads: 1 }],
];

function tokens(n: number, V: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r.uniform() * V));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Logits of the full forward on `seq`, rows `from` .. end. */
function fullRows(lm: TransformerLM, seq: number[], from: number): Float64Array {
  const V = lm.config.vocabSize;
  const out = lm.forward({ rows: 1, cols: seq.length, data: Float64Array.from(seq) });
  return Float64Array.from(out.data.subarray(from * V));
}

describe('TransformerLM.decode (KV cache)', () => {
  for (const [name, cfg] of configs) {
    it(`${name}: prefill + one token per step gives the full forward's logits to 1e-12`, () => {
      const lm = new TransformerLM({ ...base, ...cfg });
      const seq = tokens(14, base.vocabSize, 5);
      const want = fullRows(lm, seq, 0);
      const V = base.vocabSize;
      // prefill 5 tokens, then steps of 1, then a chunk of 3, then 1s
      const cuts = [5, 6, 7, 10, 11, 12, 13, 14];
      let state: LMDecodeState | undefined;
      let at = 0;
      for (const c of cuts) {
        const r = lm.decode(seq.slice(at, c), state);
        expect(r.logits.rows).toBe(c - at);
        expect(r.state.length).toBe(c);
        expect(maxAbsDiff(r.logits.data, want.subarray(at * V, c * V))).toBeLessThan(1e-12);
        state = r.state;
        at = c;
      }
    });
  }

  it('a state stays valid after it is continued (branching reuses the prefix)', () => {
    const lm = new TransformerLM({ ...base, numHeads: 4, numKvHeads: 2 });
    const p = lm.decode([1, 2, 3, 4]).state;
    const a = lm.decode([5, 6], p);
    const b = lm.decode([7], p); // branch from the same prefix after it was continued
    const a2 = lm.decode([8], a.state);
    expect(maxAbsDiff(b.logits.data, fullRows(lm, [1, 2, 3, 4, 7], 4))).toBeLessThan(1e-12);
    expect(maxAbsDiff(a2.logits.data, fullRows(lm, [1, 2, 3, 4, 5, 6, 8], 6))).toBeLessThan(1e-12);
    // and continuing the branch after a2 wrote past it
    expect(maxAbsDiff(lm.decode([9], b.state).logits.data, fullRows(lm, [1, 2, 3, 4, 7, 9], 5))).toBeLessThan(1e-12);
  });

  it('bad input throws a typed error and leaves the state as it was', () => {
    const lm = new TransformerLM(base);
    const s = lm.decode([1, 2, 3]).state;
    const ref = fullRows(lm, [1, 2, 3, 4], 3);
    expect(() => lm.decode([4, 11], s)).toThrow(DomainError);
    expect(() => lm.decode([4, 1.5], s)).toThrow(/ids\[1\] must be a token id/);
    expect(() => lm.decode([], s)).toThrow(ShapeError);
    expect(() => lm.decode('ab' as never, s)).toThrow(ShapeError);
    expect(() => lm.decode([4], { length: 3 })).toThrow(/state must be undefined or a state returned/);
    expect(() => new TransformerLM(base).decode([4], s)).toThrow(DomainError);
    expect(s.length).toBe(3);
    expect(maxAbsDiff(lm.decode([4], s).logits.data, ref)).toBeLessThan(1e-12);
    // the attention layer itself: a non-finite row is refused before its cache changes
    const att = lm.layers[0]!.self_attn as MultiHeadAttention;
    const st = att.initDecode();
    const x: Matrix = { rows: 2, cols: 8, data: Float64Array.from({ length: 16 }, (_, i) => Math.sin(i)) };
    const one = att.decode({ rows: 1, cols: 8, data: x.data.slice(0, 8) }, st);
    const bad = { rows: 1, cols: 8, data: x.data.slice(8).fill(Number.NaN, 3, 4) };
    expect(() => att.decode(bad, one.state)).toThrow(DomainError);
    expect(() => att.decode({ rows: 1, cols: 7, data: new Float64Array(7) }, one.state)).toThrow(ShapeError);
    expect(() => att.decode(x, { length: 1 })).toThrow(DomainError);
    const two = att.decode({ rows: 1, cols: 8, data: x.data.slice(8) }, one.state);
    att.seqLen = undefined;
    const full = att.forward(x);
    expect(maxAbsDiff(two.y.data, full.data.subarray(8))).toBeLessThan(1e-12);
  });

  it('decode clears the backward cache (backward needs a new forward)', () => {
    const lm = new TransformerLM(base);
    lm.forward({ rows: 1, cols: 3, data: Float64Array.of(1, 2, 3) });
    lm.decode([1]);
    expect(() => lm.backward({ rows: 3, cols: 11, data: new Float64Array(33) })).toThrow(DomainError);
  });

  it('non-causal attention refuses to decode', () => {
    const att = new MultiHeadAttention(4, { numHeads: 2, causal: false });
    expect(() => att.decode({ rows: 1, cols: 4, data: new Float64Array(4) }, att.initDecode())).toThrow(/needs causal attention/);
  });
});

describe('TransformerLM.generate with the cache', () => {
  for (const [name, cfg] of configs) {
    it(`${name}: the same tokens as without it, greedy and sampled, with and without a context window`, () => {
      const lm = new TransformerLM({ ...base, ...cfg });
      const prompt = [3, 1, 4];
      for (const o of [
        { maxNewTokens: 12 },
        { maxNewTokens: 12, temperature: 0.9, seed: 4 },
        { maxNewTokens: 12, temperature: 1.3, topK: 5, seed: 9 },
        { maxNewTokens: 12, contextLength: 6 },
        { maxNewTokens: 12, temperature: 0.9, seed: 2, contextLength: 5 },
        { maxNewTokens: 4, contextLength: 2 }, // the prompt alone is longer than the window
      ]) {
        const cached = lm.generate(prompt, o);
        expect(cached).toHaveLength(o.maxNewTokens);
        expect(cached).toEqual(lm.generate(prompt, { ...o, cache: false }));
      }
    });
  }

  it('takes the cached route when it can (one decode per new token, no full forward), and the re-run route with cache: false', () => {
    const lm = new TransformerLM(base);
    expect(lm.canDecode).toBe(true);
    const fwd = vi.spyOn(lm, 'forward');
    // generate's cached route goes through the private decodeChecked (decode minus its input checks).
    const dec = vi.spyOn(lm as unknown as { decodeChecked: TransformerLM['decode'] }, 'decodeChecked');
    lm.generate([3, 1, 4], { maxNewTokens: 5 });
    expect(fwd).not.toHaveBeenCalled();
    expect(dec.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(dec.mock.calls.length).toBeLessThanOrEqual(5);
    fwd.mockClear();
    dec.mockClear();
    lm.generate([3, 1, 4], { maxNewTokens: 5, cache: false });
    expect(dec).not.toHaveBeenCalled();
    expect(fwd).toHaveBeenCalledTimes(5);
  });

  it('the cached greedy tokens are the argmax of the full forward at every step', () => {
    const lm = new TransformerLM({ ...base, numHeads: 4, numKvHeads: 2 });
    const prompt = [2, 7];
    const got = lm.generate(prompt, { maxNewTokens: 10 });
    const seq = [...prompt];
    const V = base.vocabSize;
    for (const tok of got) {
      const row = fullRows(lm, seq, seq.length - 1);
      let best = 0;
      for (let i = 1; i < V; i++) if (row[i]! > row[best]!) best = i;
      expect(tok).toBe(best);
      seq.push(tok);
    }
  });

  it('validates cache like the other options', () => {
    const lm = new TransformerLM(base);
    expect(() => lm.generate([1], { cache: 'yes' as never })).toThrow(/TransformerLM.generate: cache/);
    expect(() => lm.generate([1], { cache: null as never })).toThrow(DomainError);
  });

  it('a self_attn without incremental decoding: generate re-runs the model, decode says why', () => {
    const lm = new TransformerLM(base);
    const want = lm.generate([1, 2], { maxNewTokens: 6, cache: false });
    // A wrapper that keeps the attention but hides decode: the block can no longer decode.
    const inner = lm.layers[1]!.self_attn as MultiHeadAttention;
    const wrapper: Module & { seqLen?: number } = {
      forward: (x) => {
        inner.seqLen = wrapper.seqLen;
        return inner.forward(x);
      },
      backward: (dy) => inner.backward(dy),
      parameters: () => inner.parameters(),
      zeroGrad: () => inner.zeroGrad(),
      toJSON: () => inner.toJSON(),
    };
    lm.layers[1]!.setChild('self_attn', wrapper);
    expect(lm.canDecode).toBe(false);
    expect(() => lm.decode([1])).toThrow(/layer 1's self_attn .* has no incremental decoding/);
    expect(lm.generate([1, 2], { maxNewTokens: 6 })).toEqual(want);
  });
});
