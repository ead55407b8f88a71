import { DomainError, encodeArray, type Matrix, randn } from '@x/gpu';
import { Adam, type AdamJSON, type ModuleJSON, moduleFromJSON, registerModule } from '@x/nn';
import { type ResumeCase, resumeCheck, trainingCase } from '@x/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupRational, type GroupRationalJSON, GrKan, type GrKanJSON } from '../src';
import legacy from './fixtures/module-legacy-v1.json';

type Case = { json: ModuleJSON; x: { rows: number; cols: number; data: number[] }; y: { rows: number; cols: number; data: number[] } };
const mat = (m: Case['x']): Matrix => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });
registerModule('GroupRational', (j) => GroupRational.fromJSON(j as GroupRationalJSON));
registerModule('GrKan', (j) => GrKan.fromJSON(j as GrKanJSON));

describe('the unversioned format of earlier releases is still read', () => {
  for (const [name, c] of Object.entries(legacy.cases as Record<string, Case>)) {
    it(`${name}: computes what the old code computed, and re-saves as an envelope`, () => {
      const m = moduleFromJSON(c.json);
      expect(Array.from(m.forward(mat(c.x)).data)).toEqual(c.y.data);
      const again = moduleFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(Array.from(again.forward(mat(c.x)).data)).toEqual(c.y.data);
      expect(m.toJSON()).toMatchObject({ type: name, version: 2 });
    });
  }
});


describe('fromJSON checks every field', () => {
  it('NaN coefficients, wrong lengths, bad sizes and mismatched parts are typed errors', () => {
    const j = JSON.parse(JSON.stringify(new GrKan(4, 3, { groups: 2, seed: 1 }).toJSON())) as GrKanJSON;
    const rat = j.state.rational;
    expect(() => GroupRational.fromJSON({ ...rat, state: { ...rat.state, numerator: encodeArray(new Float64Array(6).fill(Number.NaN)) } })).toThrow(/GroupRational\.fromJSON: numerator\[0\] is NaN/);
    expect(() => GroupRational.fromJSON({ ...rat, config: { ...rat.config, groups: 4 } })).toThrow(/denominator has/);
    expect(() => GroupRational.fromJSON({ ...rat, config: { ...rat.config, channels: 0 } })).toThrow(DomainError);
    expect(() => GrKan.fromJSON({ ...j, state: { ...j.state, rational: { ...rat, config: { ...rat.config, channels: 6, groups: 2 } } } })).toThrow(/takes 4 features/);
  });
});

/** Trained with Adam on L = ½‖y‖², a fresh 4 x 4 batch per step. */
const adam = {
  optimizer: () => new Adam({ lr: 1e-2 }),
  restoreOptimizer: (j: AdamJSON) => Adam.fromJSON(j),
  batch: (t: number) => randn(4, 4, 100 + t),
  probe: randn(4, 4, 7),
};

describe.each([
  ['GroupRational', trainingCase({ model: () => new GroupRational(4, { groups: 2 }), restoreModel: GroupRational.fromJSON, ...adam })],
  ['GrKan', trainingCase({ model: () => new GrKan(4, 3, { groups: 2, seed: 10 }), restoreModel: GrKan.fromJSON, ...adam })],
] as [string, ResumeCase<unknown>][])('%s: save → JSON → restore → continue', (_, c) => {
  it('is bit-identical (random cut and length)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
        expect(resumeCheck(c, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
      }),
      { numRuns: 6 },
    );
  });
});
