import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  assertGradCheck,
  fit,
  lmCrossEntropy,
  loadStateDict,
  type Module,
  moduleFromJSON,
  namedModules,
  sampleToken,
  stateDict,
  TransformerLM,
} from '../src';
import fx from './fixtures/transformer-layers.json';
import { expectBitwiseEqual, expectClose } from './helpers';

const f = fx.llama;
const ids = (): Matrix => ({ rows: f.B, cols: f.T, data: Float64Array.from(f.ids) });

function fixtureModel(): TransformerLM {
  const lm = new TransformerLM({ ...f.config, seed: 5 });
  loadStateDict(lm, f.state as Record<string, { shape: number[]; data: number[] }>);
  return lm;
}

/** The model as a module of a dummy 1x1 input, with the token ids fixed (ids are not differentiable). */
function onFixedIds(lm: TransformerLM, x: Matrix): Module {
  return {
    forward: () => lm.forward(x),
    backward: (dy) => {
      lm.backward(dy);
      return { rows: 1, cols: 1, data: new Float64Array(1) };
    },
    parameters: () => lm.parameters(),
    zeroGrad: () => lm.zeroGrad(),
    toJSON: () => lm.toJSON(),
  };
}

describe('TransformerLM (llama layout)', () => {
  it('parameter names are the Hugging Face llama state-dict names, Linear weights [out, in]', () => {
    const lm = new TransformerLM({ ...f.config });
    const names = lm.parameters().map((p) => p.name);
    expect(new Set(names)).toEqual(new Set(Object.keys(f.state)));
    for (const p of lm.parameters()) expect(p.shape).toEqual((f.state as Record<string, { shape: number[] }>)[p.name]!.shape);
    expect(names).toContain('model.layers.1.self_attn.k_proj.weight');
    expect(lm.parameters().find((p) => p.name === 'model.layers.0.self_attn.k_proj.weight')!.shape).toEqual([4, 8]);
  });

  it('forward matches the numpy llama reference', () => {
    const lm = fixtureModel();
    const y = lm.forward(ids());
    expect([y.rows, y.cols]).toEqual([f.B * f.T, f.config.vocabSize]);
    expectClose(y.data, f.logits, 1e-11, 1e-12);
    expect(lm.generate(f.ids.slice(0, f.T), { maxNewTokens: 1 })).toEqual([f.greedy_next]);
  });

  it('whole-model gradient passes gradCheck', () => {
    const lm = new TransformerLM({ vocabSize: 7, dim: 8, numLayers: 2, numHeads: 2, numKvHeads: 1, hidden: 10, initStd: 0.3, seed: 2 });
    for (const p of lm.parameters()) if (p.shape.length === 1) rng(3).fillUniform(p.value, 0.7, 1.3);
    const x: Matrix = { rows: 2, cols: 4, data: Float64Array.from([1, 5, 0, 6, 3, 3, 2, 4]) };
    const rep = assertGradCheck(onFixedIds(lm, x), { rows: 1, cols: 1, data: new Float64Array(1) });
    expect(rep.parameters.length).toBe(lm.parameters().length);
  });

  it('stateDict / loadStateDict round trip; strict mode reports missing and unexpected names', () => {
    const a = fixtureModel();
    const sd = stateDict(a);
    expect(sd.get('lm_head.weight')!.shape).toEqual([11, 8]);
    const b = new TransformerLM({ ...f.config, seed: 9 });
    loadStateDict(b, sd);
    expectBitwiseEqual(b.forward(ids()).data, a.forward(ids()).data);
    const partial = new Map(sd);
    partial.delete('model.norm.weight');
    partial.set('extra', { shape: [1], data: new Float64Array(1) });
    expect(() => loadStateDict(b, partial)).toThrow(/missing model.norm.weight; unexpected extra/);
    expect(loadStateDict(b, partial, { strict: false })).toEqual({ missing: ['model.norm.weight'], unexpected: ['extra'] });
    const bad = new Map(sd);
    bad.set('lm_head.weight', { shape: [8, 11], data: new Float64Array(88) });
    expect(() => loadStateDict(b, bad)).toThrow(ShapeError);
  });

  it('toJSON / moduleFromJSON rebuild the model exactly', () => {
    const a = fixtureModel();
    const b = moduleFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b).toBeInstanceOf(TransformerLM);
    expectBitwiseEqual(b.forward(ids()).data, a.forward(ids()).data);
  });

  it('namedModules lists the llama module paths', () => {
    const names = namedModules(new TransformerLM({ ...f.config })).map(([n]) => n);
    expect(names).toContain('model.layers.1.mlp.down_proj');
    expect(names).toContain('model.layers.0.self_attn.q_proj');
    expect(names).toContain('lm_head');
  });

  it('sampling: greedy is the argmax, seeded temperature/top-k sampling is reproducible and respects k', () => {
    const logits = [0.1, 2, -1, 1.9, 0.5];
    expect(sampleToken(logits, {}, rng(0))).toBe(1);
    const draw = (seed: number, opts: { temperature: number; topK?: number }) => {
      const r = rng(seed);
      return Array.from({ length: 200 }, () => sampleToken(logits, opts, r));
    };
    expect(draw(1, { temperature: 1 })).toEqual(draw(1, { temperature: 1 }));
    expect(new Set(draw(2, { temperature: 5, topK: 2 }))).toEqual(new Set([1, 3]));
    expect(new Set(draw(3, { temperature: 5 })).size).toBe(5);
    const lm = fixtureModel();
    const a = lm.generate([1, 2, 3], { maxNewTokens: 6, temperature: 0.8, topK: 4, seed: 7 });
    expect(a).toEqual(lm.generate([1, 2, 3], { maxNewTokens: 6, temperature: 0.8, topK: 4, seed: 7 }));
    expect(a.length).toBe(6);
    expect(() => sampleToken(logits, { temperature: -1 }, rng(0))).toThrow(DomainError);
    // Token ids may come in any integer typed array (tokenizers hand out Int32Array/Uint16Array).
    expect(lm.generate(Int32Array.of(1, 2, 3), { maxNewTokens: 6, temperature: 0.8, topK: 4, seed: 7 })).toEqual(a);
    expect(lm.generate(Uint16Array.of(1, 2, 3), { maxNewTokens: 6, temperature: 0.8, topK: 4, seed: 7 })).toEqual(a);
    expect(() => lm.generate([1, 2.5], { maxNewTokens: 1 })).toThrow(/prompt\[1\] must be a token id/);
    expect(() => lm.generate(Int32Array.of(1, -1), { maxNewTokens: 1 })).toThrow(DomainError);
    expect(() => lm.generate('abc' as never, { maxNewTokens: 1 })).toThrow(ShapeError);
  });

  it("generate's option errors name TransformerLM.generate, not an internal helper", () => {
    const lm = fixtureModel();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ topK: 0, temperature: 1 }, /topK/],
      [{ topK: 1.5, temperature: 1 }, /topK/],
      [{ topK: -1 }, /topK/],
      [{ topK: 'a' }, /topK/],
      [{ topK: 0, maxNewTokens: 0 }, /topK/],
      [{ temperature: -1 }, /temperature/],
      [{ temperature: Number.NaN }, /temperature/],
      [{ maxNewTokens: -1 }, /maxNewTokens/],
      [{ seed: 0.5 }, /seed/],
      [{ contextLength: 0 }, /contextLength/],
    ];
    for (const [opts, field] of bad) {
      let err: unknown;
      try {
        lm.generate([1, 2], { maxNewTokens: 1, ...opts } as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(opts)).toBeInstanceOf(DomainError);
      expect((err as Error).message, JSON.stringify(opts)).toMatch(/^TransformerLM\.generate: /);
      expect((err as Error).message).toMatch(field);
    }
    // sampleToken called directly still names itself.
    expect(() => sampleToken([1, 2], { temperature: 1, topK: 0 }, rng(0))).toThrow(/^sampleToken: topK/);
  });

  it("lmCrossEntropy's errors name lmCrossEntropy, not softmaxCrossEntropyLoss", () => {
    const logits = { rows: 2, cols: 3, data: new Float64Array(6) };
    const cases: Array<[() => unknown, typeof DomainError | typeof ShapeError]> = [
      [() => lmCrossEntropy(logits, [0, 1], { reduction: 'x' as never }), DomainError],
      [() => lmCrossEntropy(logits, [0, 5]), DomainError],
      [() => lmCrossEntropy(logits, [0, 1], { ignoreIndex: 0.5 }), DomainError],
      [() => lmCrossEntropy(logits, [0, 1], { foo: 1 } as never), DomainError],
      [() => lmCrossEntropy({ rows: 1, cols: 2, data: Float64Array.of(Number.NaN, 1) }, [0]), DomainError],
      [() => lmCrossEntropy({ rows: 2, cols: 0, data: new Float64Array(0) }, [0, 1]), ShapeError],
    ];
    for (const [f, type] of cases) {
      expect(f).toThrow(type);
      expect(f).toThrow(/^lmCrossEntropy: /);
    }
  });

  it('trains with fit and lmCrossEntropy: the loss on a repeating sequence falls', async () => {
    const lm = new TransformerLM({ vocabSize: 5, dim: 16, numLayers: 1, numHeads: 2, hidden: 24, seed: 1 });
    const seq = Array.from({ length: 40 }, (_, i) => [0, 1, 2, 3, 4, 2][i % 6]!);
    const rows = 8;
    const T = 8;
    const x = new Float64Array(rows * T);
    const y = new Float64Array(rows * T);
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < T; t++) {
        x[r * T + t] = seq[r + t]!;
        y[r * T + t] = seq[r + t + 1]!;
      }
    }
    const res = await fit({
      model: lm,
      loss: lmCrossEntropy,
      optimizer: new Adam({ lr: 1e-2 }),
      data: { x: { rows, cols: T, data: x }, y: { rows, cols: T, data: y } },
      steps: 60,
      batchSize: 4,
    });
    expect(res.losses[0]).toBeGreaterThan(1.4);
    expect(res.finalLoss).toBeLessThan(0.3);
    expect(() => lmCrossEntropy({ rows: 3, cols: 5, data: new Float64Array(15) }, [1, 2])).toThrow(ShapeError);
  });
});
