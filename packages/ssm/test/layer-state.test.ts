/**
 * S4DLayer, DeltaProductLayer and DeltaProductClassifier save the @x state envelope: a run cut at
 * a random step, saved through JSON text and restored (model and Adam) continues
 * bit-identically; the unversioned format of earlier releases is still read; every field is
 * checked with a typed error.
 */
import { DomainError, decodeArray, encodeArray, randn, ShapeError } from '@x/gpu';
import { Adam, type AdamJSON } from '@x/nn';
import { type ResumeCase, resumeCheck, trainingCase } from '@x/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaProductClassifier, type DeltaProductClassifierJSON, DeltaProductLayer, type DeltaProductLayerJSON, S4DLayer, type S4DLayerJSON } from '../src';

/** Trained with Adam on L = ½‖y‖², a fresh batch of 2 sequences per step. */
const adam = (cols: number) => ({
  optimizer: () => new Adam({ lr: 1e-2 }),
  restoreOptimizer: (j: AdamJSON) => Adam.fromJSON(j),
  batch: (t: number) => randn(2, cols, 100 + t),
  probe: randn(2, cols, 99),
});
const cases: [string, ResumeCase<unknown>][] = [
  ['S4DLayer', trainingCase({ model: () => new S4DLayer({ channels: 2, stateSize: 4, seed: 3 }), restoreModel: S4DLayer.fromJSON, ...adam(2 * 6) }) as ResumeCase<unknown>],
  ['DeltaProductLayer', trainingCase({ model: () => new DeltaProductLayer({ dModel: 3, dk: 2, dv: 2, nh: 2, seed: 4 }), restoreModel: DeltaProductLayer.fromJSON, ...adam(3 * 4) }) as ResumeCase<unknown>],
  [
    'DeltaProductLayer (no gate, beta in [0, 1])',
    trainingCase({ model: () => new DeltaProductLayer({ dModel: 2, nh: 1, gate: false, negativeEigenvalues: false, seed: 5 }), restoreModel: DeltaProductLayer.fromJSON, ...adam(2 * 5) }) as ResumeCase<unknown>,
  ],
];

const words = (t: number) => [0, 1].map((b) => ({ tokens: Int32Array.from({ length: 5 }, (_, i) => (7 * t + 3 * b + i * i) % 6), labels: Int32Array.from({ length: 5 }, (_, i) => (t + b + i) % 6) }));
const classifier: ResumeCase<{ m: DeltaProductClassifier; opt: Adam }> = {
  make: () => ({ m: new DeltaProductClassifier({ nh: 2, betaMax: 2, d: 3, seed: 6 }), opt: new Adam({ lr: 1e-2 }) }),
  step: (s, t) => {
    s.m.zeroGrad();
    s.m.lossAndGrad(words(t), s.m.grads);
    s.opt.step(s.m.parameters());
  },
  save: (s) => ({ m: s.m.toJSON(), opt: s.opt.toJSON() }),
  restore: (j) => {
    const { m, opt } = j as { m: DeltaProductClassifierJSON; opt: AdamJSON };
    return { m: DeltaProductClassifier.fromJSON(m), opt: Adam.fromJSON(opt) };
  },
  observe: (s) => [...s.m.params.flatMap((p) => Array.from(p)), ...s.m.logits(Int32Array.from([1, 4, 2, 0]))],
};
cases.push(['DeltaProductClassifier', classifier as ResumeCase<unknown>]);

describe.each(cases)('%s state', (_, c) => {
  it('save → JSON → restore → continue is bit-identical (random cut and length)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
        expect(resumeCheck(c, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
      }),
      { numRuns: 6 },
    );
  });
});

/** The unversioned format: `{ type, ...config, params: { name: number[] } }`. */
function unversioned(j: { type: string; config: object; state: Record<string, unknown> }, values: Record<string, Float64Array>): never {
  return { type: j.type, ...j.config, params: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.from(v)])) } as never;
}

describe('the unversioned format of earlier releases is still read', () => {
  it('S4DLayer, DeltaProductLayer and DeltaProductClassifier re-save identically', () => {
    const s4 = new S4DLayer({ channels: 2, stateSize: 4, seed: 1 });
    const s4v = Object.fromEntries(s4.parameters().map((p) => [p.name, p.value]));
    expect(JSON.stringify(S4DLayer.fromJSON(unversioned(s4.toJSON(), s4v)).toJSON())).toBe(JSON.stringify(s4.toJSON()));
    // the gate's parameters are saved even when the gate is off, as before
    const dp = new DeltaProductLayer({ dModel: 2, nh: 1, gate: false, seed: 2 });
    const dpv = Object.fromEntries(Object.entries(dp.toJSON().state).map(([k, v]) => [k, decodeArray('test', v) as Float64Array]));
    expect(JSON.stringify(DeltaProductLayer.fromJSON(unversioned(dp.toJSON(), dpv)).toJSON())).toBe(JSON.stringify(dp.toJSON()));
    const cl = new DeltaProductClassifier({ nh: 1, betaMax: 1, d: 2, seed: 3 });
    const clv: Record<string, Float64Array> = {};
    cl.parameters().forEach((p) => {
      clv[p.name] = p.value;
    });
    expect(JSON.stringify(DeltaProductClassifier.fromJSON(unversioned(cl.toJSON(), clv)).toJSON())).toBe(JSON.stringify(cl.toJSON()));
  });
});

describe('fromJSON checks every field with a typed error', () => {
  it('S4DLayer', () => {
    const j = JSON.parse(JSON.stringify(new S4DLayer({ channels: 2, stateSize: 4, seed: 1 }).toJSON())) as S4DLayerJSON;
    expect(() => S4DLayer.fromJSON({ ...j, type: 'Linear' } as never)).toThrow(/type must be 'S4DLayer'/);
    expect(() => S4DLayer.fromJSON({ ...j, config: { ...j.config, stateSize: 3 } })).toThrow(/stateSize must be even/);
    expect(() => S4DLayer.fromJSON({ ...j, config: { ...j.config, channels: 1e9 } })).toThrow(ShapeError);
    expect(() => S4DLayer.fromJSON({ ...j, state: { ...j.state, D: encodeArray(new Float64Array(3)) } })).toThrow(/D has 3 entries, expected 2/);
    expect(() => S4DLayer.fromJSON({ ...j, state: { ...j.state, CRe: encodeArray(new Float64Array(4).fill(Number.NaN)) } })).toThrow(/CRe\[0\] is NaN/);
    expect(() => S4DLayer.fromJSON({ ...j, version: 3 })).toThrow(DomainError);
  });
  it('DeltaProductLayer', () => {
    const j = JSON.parse(JSON.stringify(new DeltaProductLayer({ dModel: 3, seed: 1 }).toJSON())) as DeltaProductLayerJSON;
    expect(() => DeltaProductLayer.fromJSON({ ...j, config: { ...j.config, gate: 'yes' as never } })).toThrow(/gate must be a boolean/);
    expect(() => DeltaProductLayer.fromJSON({ ...j, config: { ...j.config, nh: 0 } })).toThrow(DomainError);
    expect(() => DeltaProductLayer.fromJSON({ ...j, config: { ...j.config, dk: 1e8 } })).toThrow(ShapeError);
    const { Wo: _, ...noWo } = j.state;
    expect(() => DeltaProductLayer.fromJSON({ ...j, state: noWo as never })).toThrow(/Wo/);
  });
  it('DeltaProductClassifier', () => {
    const j = JSON.parse(JSON.stringify(new DeltaProductClassifier({ nh: 1, betaMax: 2, d: 2, seed: 1 }).toJSON())) as DeltaProductClassifierJSON;
    expect(() => DeltaProductClassifier.fromJSON({ ...j, config: { ...j.config, betaMax: 3 as never } })).toThrow(/betaMax must be 1 or 2/);
    expect(() => DeltaProductClassifier.fromJSON({ ...j, config: { ...j.config, vocab: 1 } })).toThrow(DomainError);
    expect(() => DeltaProductClassifier.fromJSON({ ...j, state: { ...j.state, bOut: encodeArray(new Float64Array(5)) } })).toThrow(ShapeError);
    expect(() => DeltaProductClassifier.fromJSON({ type: 'DeltaProductClassifier' } as never)).toThrow(DomainError);
  });
});
