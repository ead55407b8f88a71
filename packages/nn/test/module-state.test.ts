import { DomainError, encodeArray, type Matrix, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { GELU, Linear, type LinearJSON, type ModuleJSON, moduleFromJSON, Residual, Sequential, Tanh } from '../src';
import legacy from './fixtures/module-legacy-v1.json';

type Case = { json: ModuleJSON; x: { rows: number; cols: number; data: number[] }; y: { rows: number; cols: number; data: number[] } };
const mat = (m: Case['x']): Matrix => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });

describe('the unversioned module format of earlier releases is still read', () => {
  for (const [name, c] of Object.entries(legacy.cases as Record<string, Case>)) {
    it(`${name}: the saved module computes what the old code computed, and re-saves as an envelope`, () => {
      const m = moduleFromJSON(c.json);
      expect(Array.from(m.forward(mat(c.x)).data)).toEqual(c.y.data);
      const again = moduleFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(Array.from(again.forward(mat(c.x)).data)).toEqual(c.y.data);
      expect(m.toJSON()).toMatchObject({ type: c.json.type, version: 2 });
    });
  }
});

describe('module envelope', () => {
  const model = () => new Sequential(new Linear(3, 4, { seed: 1 }), new GELU(), new Residual(new Sequential(new Linear(4, 4, { seed: 2 }), new Tanh())), new Linear(4, 1, { seed: 3 }));

  it('is { type, version, config, state } at every level, with bit-exact weights (-0 kept)', () => {
    const m = model();
    const lin = m.layers[0] as Linear;
    lin.weight.data[0] = -0;
    const j = JSON.parse(JSON.stringify(m.toJSON()));
    expect(Object.keys(j)).toEqual(['type', 'version', 'config', 'state']);
    expect(j.state.layers[0]).toMatchObject({ type: 'Linear', version: 2, config: { inFeatures: 3, outFeatures: 4, useBias: true } });
    expect(j.state.layers[1]).toEqual({ type: 'GELU', version: 2, config: { approximate: 'none' }, state: {} });
    const back = moduleFromJSON(j) as Sequential;
    expect(Object.is((back.layers[0] as Linear).weight.data[0], -0)).toBe(true);
    const x: Matrix = { rows: 2, cols: 3, data: Float64Array.from([1, -2, 0.5, 3, 0, -1]) };
    expect(Array.from(back.forward(x).data)).toEqual(Array.from(m.forward(x).data));
  });

  it('refuses NaN weights, wrong lengths and bad sizes, naming the field', () => {
    const j = JSON.parse(JSON.stringify(new Linear(2, 2, { seed: 1 }).toJSON()));
    const withNaN = { ...j, state: { ...j.state, weight: encodeArray(new Float64Array([0.5, Number.NaN, 1, 2])) } };
    expect(() => Linear.fromJSON(withNaN)).toThrow(DomainError);
    expect(() => Linear.fromJSON(withNaN)).toThrow(/Linear\.fromJSON: weight\[1\] is NaN/);
    expect(() => moduleFromJSON({ type: 'Linear', inFeatures: 2, outFeatures: 1, weight: [1, null], bias: [0] })).toThrow(DomainError);
    expect(() => Linear.fromJSON({ ...j, config: { ...j.config, inFeatures: 3 } })).toThrow(ShapeError);
    expect(() => Linear.fromJSON({ ...j, config: { ...j.config, outFeatures: 0 } })).toThrow(/outFeatures must be an integer >= 1/);
    expect(() => Linear.fromJSON({ ...j, version: 9 } as LinearJSON)).toThrow(/version/);
    expect(() => new Linear(2, 1, { weight: [1, Number.NaN] })).toThrow(/weight\[1\] is NaN/);
    expect(() => moduleFromJSON({ type: 'GELU', version: 2, config: { approximate: 'erf' }, state: {} })).toThrow(/approximate/);
    expect(() => moduleFromJSON({ type: 'Sine', version: 2, config: { omega0: Number.NaN }, state: {} })).toThrow(DomainError);
    expect(() => Sequential.fromJSON({ type: 'Sequential', version: 2, config: {}, state: { layers: 'x' } } as never)).toThrow(/layers/);
  });
});
