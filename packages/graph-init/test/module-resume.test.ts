/**
 * The graph-init modules (GcnLayer, GcnNet, PoincareLinear, LowRankDecoder, TinyGhn) save the @x
 * state envelope: a run cut at a random step, saved through JSON text and restored (model and
 * Adam) continues bit-identically. For LowRankDecoder and TinyGhn also: the unversioned format
 * of earlier releases is still read; every field is checked with a typed error.
 */
import { DomainError, encodeArray, type Matrix, randn, ShapeError } from '@x/gpu';
import { Adam, type AdamJSON } from '@x/nn';
import { type ResumeCase, resumeCheck, trainingCase } from '@x/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  edgesToCsr,
  GcnLayer,
  GcnNet,
  LowRankDecoder,
  type LowRankDecoderJSON,
  mlpGraph,
  normalizedAdjacency,
  PoincareBatchNorm,
  PoincareConv2d,
  PoincareLinear,
  PoincareResBlock,
  TinyGhn,
  type TinyGhnJSON,
} from '../src';

/** dL/dy of L = ½‖y‖²: the output itself. */
const half = (y: Matrix): Matrix => ({ rows: y.rows, cols: y.cols, data: Float64Array.from(y.data) });

/** Trained with Adam on L = ½‖y‖², a fresh batch per step. */
const adam = (rows: number, cols: number) => ({
  optimizer: () => new Adam({ lr: 1e-2 }),
  restoreOptimizer: (j: AdamJSON) => Adam.fromJSON(j),
  batch: (t: number) => randn(rows, cols, 100 + t),
  probe: randn(rows, cols, 7),
});
const ball = (m: Matrix<Float64Array>) => ({ ...m, data: m.data.map((v) => v / 8) });
const edges = { n: 5, src: Int32Array.from([0, 1, 2, 3, 4, 0]), dst: Int32Array.from([1, 2, 3, 4, 0, 2]) };
const A = normalizedAdjacency(edgesToCsr(edges));

describe.each([
  ['GcnLayer', trainingCase({ model: () => new GcnLayer(A, 3, 2, { seed: 6, bias: true }), restoreModel: GcnLayer.fromJSON, ...adam(5, 3) })],
  ['GcnNet', trainingCase({ model: () => new GcnNet(A, [3, 4, 2], { variances: [1 / 3, 1 / 4], seed: 7 }), restoreModel: GcnNet.fromJSON, ...adam(5, 3) })],
  [
    'PoincareLinear',
    trainingCase({
      model: () => new PoincareLinear(3, 2, { c: 0.7, init: 'gaussian', seed: 8 }),
      restoreModel: PoincareLinear.fromJSON,
      ...adam(5, 3),
      batch: (t: number) => ball(randn(5, 3, 100 + t)),
      probe: ball(randn(5, 3, 7)),
    }),
  ],
  [
    'PoincareConv2d',
    trainingCase({ model: () => new PoincareConv2d(2, 3, { height: 3, width: 4, stride: 2, padding: 1, c: 0.5, init: 'gaussian', seed: 9 }), restoreModel: PoincareConv2d.fromJSON, ...adam(3, 24) }),
  ],
  // Training mode: every forward also moves the running statistics, which the envelope carries.
  ['PoincareBatchNorm', trainingCase({ model: () => new PoincareBatchNorm(3, { c: 0.7, momentum: 0.2 }), restoreModel: PoincareBatchNorm.fromJSON, ...adam(4, 6) })],
  ['PoincareResBlock', trainingCase({ model: () => new PoincareResBlock(2, { height: 2, width: 3, c: 0.5, seed: 10 }), restoreModel: PoincareResBlock.fromJSON, ...adam(3, 12) })],
] as [string, ResumeCase<unknown>][])('%s state', (_, c) => {
  it('save → JSON → restore → continue is bit-identical (random cut and length)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
        expect(resumeCheck(c, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
      }),
      { numRuns: 6 },
    );
  });
});

describe('LowRankDecoder state', () => {
  const make = () => new LowRankDecoder({ hidden: 4, rank: 2, maxSide: 5, seed: 3 });
  const resume = trainingCase({ model: make, restoreModel: LowRankDecoder.fromJSON, ...adam(3, 4) });

  it('save → JSON → restore → continue is bit-identical (random cut and length)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
        expect(resumeCheck(resume, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
      }),
      { numRuns: 8 },
    );
  });

  it('writes { type, version, config, state } and reads the unversioned format', () => {
    const d = make();
    const j = d.toJSON();
    expect(Object.keys(j)).toEqual(['type', 'version', 'config', 'state']);
    expect(j.config).toEqual({ hidden: 4, rank: 2, maxSide: 5 });
    const params: Record<string, number[]> = {};
    for (const p of d.parameters()) params[p.name] = Array.from(p.value);
    const old = LowRankDecoder.fromJSON({ type: 'LowRankDecoder', hidden: 4, rank: 2, maxSide: 5, params } as never);
    expect(JSON.stringify(old.toJSON())).toBe(JSON.stringify(j));
  });

  it('checks every field with a typed error', () => {
    const j = JSON.parse(JSON.stringify(make().toJSON())) as LowRankDecoderJSON;
    expect(() => LowRankDecoder.fromJSON({ ...j, type: 'Linear' } as never)).toThrow(/type must be 'LowRankDecoder'/);
    expect(() => LowRankDecoder.fromJSON({ ...j, config: { ...j.config, rank: 0 } })).toThrow(DomainError);
    expect(() => LowRankDecoder.fromJSON({ ...j, config: { ...j.config, hidden: 1e9 } })).toThrow(ShapeError);
    expect(() => LowRankDecoder.fromJSON({ ...j, state: { ...j.state, 'head.bias': encodeArray(new Float64Array(4)) } })).toThrow(/head\.bias has 4 entries, expected 5/);
    expect(() => LowRankDecoder.fromJSON({ ...j, state: { ...j.state, 'mlp.2.bias': encodeArray(new Float64Array(32).fill(Number.NaN)) } })).toThrow(/mlp\.2\.bias\[0\] is NaN/);
    const { 'mlp.0.bias': _, ...missing } = j.state;
    expect(() => LowRankDecoder.fromJSON({ ...j, state: missing })).toThrow(DomainError);
  });
});

describe('TinyGhn state', () => {
  const graph = mlpGraph([3, 6, 2]);
  for (const decoder of ['lowrank', 'tile'] as const) {
    const make = () => ({ g: new TinyGhn({ decoder, hidden: 4, rank: 2, maxSide: 8, block: 3, seed: 2 }), opt: new Adam({ lr: 1e-2 }) });
    type S = ReturnType<typeof make>;
    const resume = {
      make,
      step: (s: S) => {
        s.g.zeroGrad();
        s.g.backward(s.g.predict(graph).map(half));
        s.opt.step(s.g.parameters());
      },
      save: (s: S) => ({ g: s.g.toJSON(), opt: s.opt.toJSON() }),
      restore: (j: unknown) => {
        const { g, opt } = j as { g: TinyGhnJSON; opt: AdamJSON };
        return { g: TinyGhn.fromJSON(g), opt: Adam.fromJSON(opt) };
      },
      observe: (s: S) => [...s.g.parameters().flatMap((p) => Array.from(p.value)), ...s.g.predict(graph).flatMap((w) => Array.from(w.data))],
    };

    it(`${decoder}: save → JSON → restore → continue is bit-identical`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
          expect(resumeCheck(resume, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
        }),
        { numRuns: 6 },
      );
    });

    it(`${decoder}: reads the unversioned format and checks every field`, () => {
      const g = make().g;
      const params: Record<string, number[]> = {};
      for (const p of g.parameters()) params[p.name] = Array.from(p.value);
      const old = TinyGhn.fromJSON({ type: 'TinyGhn', hidden: 4, decoder, rank: 2, maxSide: 8, block: 3, params } as never);
      expect(JSON.stringify(old.toJSON())).toBe(JSON.stringify(g.toJSON()));
      const j = JSON.parse(JSON.stringify(g.toJSON())) as TinyGhnJSON;
      expect(() => TinyGhn.fromJSON({ ...j, config: { ...j.config, decoder: 'dense' as never } })).toThrow(/decoder must be one of 'lowrank', 'tile'/);
      expect(() => TinyGhn.fromJSON({ ...j, config: { ...j.config, hidden: 1e6 } })).toThrow(ShapeError);
      expect(() => TinyGhn.fromJSON({ ...j, config: { ...j.config, block: -1 } })).toThrow(DomainError);
      expect(() => TinyGhn.fromJSON({ ...j, state: { ...j.state, 'gnn1.self.bias': encodeArray(new Float64Array(4).fill(Number.POSITIVE_INFINITY)) } })).toThrow(DomainError);
    });
  }
});
