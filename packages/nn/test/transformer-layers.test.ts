import { DomainError, type Matrix, randn, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  applyRope,
  assertGradCheck,
  Conv1d,
  Dropout,
  Embedding,
  GLU,
  gradCheck,
  initBias,
  LayerNorm,
  MultiHeadAttention,
  type Module,
  moduleFromJSON,
  PreNormResidual,
  RMSNorm,
  SwiGLU,
  softmaxCrossEntropyLoss,
} from '../src';
import fx from './fixtures/transformer-layers.json';
import { expectBitwiseEqual, expectClose } from './helpers';

const m = (rows: number, cols: number, data: ArrayLike<number>): Matrix => ({ rows, cols, data: Float64Array.from(data) });
const setParams = (mod: Module, p: Record<string, number[]>) => {
  for (const q of mod.parameters()) {
    const v = p[q.name];
    if (!v) throw new Error(`fixture lacks ${q.name}`);
    q.value.set(v);
  }
};
/** JSON round trip through moduleFromJSON: same outputs, bit for bit. */
function expectJsonRoundTrip(mod: Module, x: Matrix): void {
  const back = moduleFromJSON(JSON.parse(JSON.stringify(mod.toJSON())));
  expectBitwiseEqual(back.forward(x).data, mod.forward(x).data);
}

describe('Embedding', () => {
  const f = fx.embedding;
  it('matches the numpy lookup and round-trips', () => {
    const e = new Embedding(7, 3, { weight: f.weight });
    const ids = m(f.rows, f.cols, f.ids);
    const y = e.forward(ids);
    expect([y.rows, y.cols]).toEqual([6, 3]);
    expectBitwiseEqual(y.data, f.y);
    expectJsonRoundTrip(e, ids);
  });
  it('scatters the gradient into the used rows (finite differences on the table)', () => {
    const e = new Embedding(7, 3, { seed: 1 });
    const ids = m(f.rows, f.cols, f.ids);
    const r = randn(6, 3, 5);
    const rep = gradCheck(
      (W: Matrix) => {
        const l = new Embedding(7, 3, { weight: W.data });
        const y = l.forward(ids);
        l.backward(r);
        let v = 0;
        for (let i = 0; i < y.data.length; i++) v += y.data[i]! * r.data[i]!;
        return { value: v, grad: m(7, 3, l.weightGrad) };
      },
      [m(7, 3, e.weight.data)],
    );
    expect(rep.passed).toBe(true);
    // Row 1, 4 and 5 are never looked up: zero gradient.
    e.forward(ids);
    e.backward(r);
    for (const row of [1, 4, 5]) for (let j = 0; j < 3; j++) expect(e.weightGrad[row * 3 + j]).toBe(0);
  });
  it('rejects bad ids with a DomainError naming the layer', () => {
    const e = new Embedding(7, 3);
    expect(() => e.forward(m(1, 2, [1, 7]))).toThrow(DomainError);
    expect(() => e.forward(m(1, 2, [1, 0.5]))).toThrow(/Embedding\(7, 3\)/);
    expect(() => e.backward(m(1, 3, [0, 0, 0]))).toThrow(DomainError);
  });
});

describe('LayerNorm / RMSNorm', () => {
  const x = m(5, 6, fx.layernorm.x);
  it('LayerNorm matches numpy, passes gradCheck, round-trips', () => {
    const ln = new LayerNorm(6, { weight: fx.layernorm.weight, bias: fx.layernorm.bias, eps: fx.layernorm.eps });
    expectClose(ln.forward(x).data, fx.layernorm.y, 1e-13, 1e-13);
    assertGradCheck(ln, x);
    assertGradCheck(new LayerNorm(6, { bias: false, weight: fx.layernorm.weight }), x);
    expectJsonRoundTrip(ln, x);
  });
  it('RMSNorm matches numpy, passes gradCheck, round-trips', () => {
    const rn = new RMSNorm(6, { weight: fx.rmsnorm.weight, eps: fx.rmsnorm.eps });
    expectClose(rn.forward(x).data, fx.rmsnorm.y, 1e-13, 1e-13);
    assertGradCheck(rn, x);
    expectJsonRoundTrip(rn, x);
  });
  it('shape errors name the layer', () => {
    expect(() => new RMSNorm(6).forward(m(2, 5, new Float64Array(10)))).toThrow(ShapeError);
    expect(() => new LayerNorm(6, { name: 'ln_f' }).forward(m(2, 5, new Float64Array(10)))).toThrow(/ln_f/);
    expect(() => new RMSNorm(0)).toThrow(DomainError);
  });
});

describe('GLU / SwiGLU', () => {
  const f = fx.glu;
  const x = m(4, 5, f.x);
  for (const kind of ['sigmoid', 'silu', 'gelu'] as const) {
    it(`${kind}: matches numpy and passes gradCheck`, () => {
      const g = kind === 'silu' ? new SwiGLU(5, 7) : new GLU(5, 7, { activation: kind });
      setParams(g, f as unknown as Record<string, number[]>);
      expectClose(g.forward(x).data, f.y[kind], 1e-12, 1e-13);
      assertGradCheck(g, x);
      expectJsonRoundTrip(g, x);
    });
  }
  it('parameter names follow the llama MLP', () => {
    expect(new SwiGLU(5, 7).parameters().map((p) => p.name)).toEqual(['gate_proj.weight', 'up_proj.weight', 'down_proj.weight']);
  });
});

describe('MultiHeadAttention', () => {
  for (const c of fx.attention) {
    const label = `H=${c.numHeads} Hkv=${c.numKvHeads} d=${c.headDim} causal=${c.causal} rope=${c.rope}`;
    it(`${label}: matches the numpy reference, gradCheck, round trip`, () => {
      const a = new MultiHeadAttention(c.dim, { numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim, causal: c.causal, rope: c.rope, seqLen: c.T });
      setParams(a, c.params);
      const x = m(c.B * c.T, c.dim, c.x);
      expectClose(a.forward(x).data, c.y, 1e-11, 1e-12);
      assertGradCheck(a, x);
      expectJsonRoundTrip(a, x);
    });
  }
  it('causal: changing a later token leaves earlier outputs unchanged', () => {
    const a = new MultiHeadAttention(8, { numHeads: 2, rope: true, seed: 3 });
    const x = randn(6, 8, 4);
    const y0 = a.forward(x);
    const x2 = m(6, 8, x.data);
    x2.data[5 * 8 + 2]! += 1;
    const y1 = a.forward(x2);
    expectBitwiseEqual(y1.data.subarray(0, 5 * 8), y0.data.subarray(0, 5 * 8));
  });
  it('RoPE refuses bad sizes and a short buffer before looping (a huge or infinite size used to hang)', () => {
    const x = new Float64Array(2 * 2 * 4);
    for (const bad of [Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 53 + 2, -1, 1.5, Number.NaN]) {
      expect(() => applyRope(x, bad, 2, 4, 2, 10000)).toThrow(/applyRope: rows must be an integer/);
      expect(() => applyRope(x, 2, bad, 4, 2, 10000)).toThrow(/applyRope: heads must be an integer/);
      expect(() => applyRope(x, 2, 2, 4, bad, 10000)).toThrow(DomainError);
    }
    expect(() => applyRope(x, 2, 2, 4, 2, Number.NaN)).toThrow(/applyRope: base must be a finite number > 0/);
    expect(() => applyRope(x.subarray(1), 2, 2, 4, 2, 10000)).toThrow(ShapeError);
    expect(() => applyRope(x, 3, 2, 4, 2, 10000)).toThrow(/rows x heads x d = 3 x 2 x 4/);
  });

  it('initBias refuses a bias size that is not an integer size before allocating', () => {
    for (const bad of [2 ** 31, Number.POSITIVE_INFINITY, -1, 1.5]) expect(() => initBias(bad, 4, 'fan-in-uniform', 1)).toThrow(/initBias: n must be an integer/);
    expect(initBias(3, 4, 'fan-in-uniform', 1)).toHaveLength(3);
  });

  it('RoPE: inverse undoes the rotation and relative positions only matter for q·k', () => {
    const d = 6;
    const q = randn(4, d, 1).data;
    const k = randn(4, d, 2).data;
    const q1 = Float64Array.from(q);
    applyRope(q1, 4, 1, d, 4, 10000);
    const q2 = Float64Array.from(q1);
    applyRope(q2, 4, 1, d, 4, 10000, true);
    expectClose(q2, q, 1e-14, 1e-15);
    // Same vectors at positions (0, 1) and (2, 3): equal dot products after rotation.
    const qq = new Float64Array(4 * d);
    const kk = new Float64Array(4 * d);
    for (let t = 0; t < 4; t++) {
      qq.set(q.subarray(0, d), t * d);
      kk.set(k.subarray(0, d), t * d);
    }
    applyRope(qq, 4, 1, d, 4, 10000);
    applyRope(kk, 4, 1, d, 4, 10000);
    const dotAt = (i: number, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += qq[i * d + c]! * kk[j * d + c]!;
      return s;
    };
    expect(dotAt(1, 0)).toBeCloseTo(dotAt(3, 2), 12);
  });
  it('bad configuration and input: typed errors naming the layer', () => {
    expect(() => new MultiHeadAttention(8, { numHeads: 3 })).toThrow(DomainError);
    expect(() => new MultiHeadAttention(8, { numHeads: 4, numKvHeads: 3 })).toThrow(DomainError);
    expect(() => new MultiHeadAttention(6, { numHeads: 2, rope: true })).toThrow(/even headDim/);
    const a = new MultiHeadAttention(8, { numHeads: 2, seqLen: 4, name: 'attn0' });
    expect(() => a.forward(randn(6, 8))).toThrow(ShapeError);
    expect(() => a.forward(randn(6, 8))).toThrow(/attn0/);
    expect(() => a.forward(randn(4, 7))).toThrow(ShapeError);
  });
});

describe('Conv1d', () => {
  for (const c of fx.conv1d) {
    it(`in=${c.in} out=${c.out} k=${c.k} groups=${c.groups} causal=${c.causal}: numpy, gradCheck, round trip`, () => {
      const conv = new Conv1d(c.in, c.k, { outChannels: c.out, groups: c.groups, causal: c.causal, seqLen: c.T, weight: c.weight });
      conv.bias.set(c.bias);
      const x = m(c.B * c.T, c.in, c.x);
      expectClose(conv.forward(x).data, c.y, 1e-12, 1e-13);
      assertGradCheck(conv, x);
      expectJsonRoundTrip(conv, x);
    });
  }
  it('depthwise is groups = channels', () => {
    const c = new Conv1d(4, 3, { depthwise: true });
    expect(c.groups).toBe(4);
    expect(c.parameters()[0]!.shape).toEqual([4, 1, 3]);
  });
  it('errors', () => {
    expect(() => new Conv1d(4, 3, { groups: 3 })).toThrow(DomainError);
    expect(() => new Conv1d(4, 3, { seqLen: 4 }).forward(randn(6, 4))).toThrow(ShapeError);
  });
});

describe('Dropout', () => {
  it('seeded, rescales survivors by 1/(1-p), identity in eval', () => {
    const x = randn(50, 40, 1);
    const a = new Dropout(0.25, { seed: 9 });
    const b = new Dropout(0.25, { seed: 9 });
    const ya = a.forward(x);
    expectBitwiseEqual(ya.data, b.forward(x).data);
    let zeros = 0;
    for (let i = 0; i < x.data.length; i++) {
      if (ya.data[i] === 0) zeros++;
      else expect(ya.data[i]).toBeCloseTo(x.data[i]! / 0.75, 14);
    }
    // 2000 Bernoulli(0.25) draws: mean 500, sd ~19.4; ±5 sd.
    expect(Math.abs(zeros - 500)).toBeLessThan(97);
    a.eval();
    expectBitwiseEqual(a.forward(x).data, x.data);
  });
  it('backward applies the same mask (gradCheck with the stream reset before every forward)', () => {
    const d = new Dropout(0.5, { seed: 4 });
    const fixed: Module = {
      forward: (x) => {
        d.reseed(4);
        return d.forward(x);
      },
      backward: (dy) => d.backward(dy),
      parameters: () => [],
      zeroGrad: () => {},
      toJSON: () => d.toJSON(),
    };
    assertGradCheck(fixed, randn(5, 6, 2));
  });
  it('toJSON keeps the mask stream', () => {
    const d = new Dropout(0.3, { seed: 2 });
    d.forward(randn(3, 3));
    const e = moduleFromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    const x = randn(4, 4, 8);
    expectBitwiseEqual(e.forward(x).data, d.forward(x).data);
    expect(() => new Dropout(1)).toThrow(DomainError);
  });
});

describe('softmaxCrossEntropyLoss with ignoreIndex', () => {
  const f = fx.ce_ignore;
  const z = m(6, 5, f.logits);
  it('matches numpy (value and gradient) and skips ignored rows', () => {
    const r = softmaxCrossEntropyLoss(z, f.labels, { ignoreIndex: -100 });
    expect(r.value).toBeCloseTo(f.value, 12);
    expectClose(r.grad.data, f.grad, 1e-12, 1e-15);
    for (const row of [2, 4]) for (let j = 0; j < 5; j++) expect(r.grad.data[row * 5 + j]).toBe(0);
  });
  it('gradient by finite differences', () => {
    const labels = m(6, 1, f.labels);
    const z0 = m(6, 5, f.logits.map((v) => v / 300));
    assertGradCheck((logits: Matrix, t: Matrix) => softmaxCrossEntropyLoss(logits, t, { ignoreIndex: -100 }), [z0, labels]);
  });
  it('without ignoreIndex, -100 is still an error', () => {
    expect(() => softmaxCrossEntropyLoss(z, f.labels)).toThrow(DomainError);
  });
});

describe('PreNormResidual', () => {
  it('y = x + body(norm(x)); gradCheck; round trip', () => {
    const blk = new PreNormResidual(new RMSNorm(8), new MultiHeadAttention(8, { numHeads: 2, rope: true, seed: 1 }));
    const x = randn(5, 8, 3);
    assertGradCheck(blk, x);
    expect(blk.parameters().map((p) => p.name)).toContain('body.q_proj.weight');
    expectJsonRoundTrip(blk, x);
  });
});
