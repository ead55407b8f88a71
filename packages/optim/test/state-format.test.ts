import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { AdamW, type OptimizerJSON, optimizerFromJSON, SGD } from '../src/index';
import legacy from './fixtures/optimizer-legacy-v1.json';

interface Param {
  name: string;
  value: Float64Array;
  grad: Float64Array;
  shape: number[];
}
type Case = { mid: unknown; midParams: Record<string, number[]>; fromStep: number; toStep: number; end: unknown; endParams: Record<string, number[]> };

// the same parameters and gradients as tooling/fixtures/legacy_state.mjs
const shapes: Record<string, number[]> = { '0.weight': [4, 3], '0.bias': [4] };
function grads(ps: Param[], t: number): void {
  for (const p of ps) for (let i = 0; i < p.value.length; i++) p.grad[i] = p.value[i]! - Math.sin(i + t) + 0.01 * t;
}

describe('the version-1 format (before the state envelope) is still read', () => {
  for (const [name, c] of Object.entries(legacy.cases as Record<string, Case>)) {
    it(`${name}: a saved v1 checkpoint resumes to the same parameters and state as the old code`, () => {
      const ps: Param[] = Object.entries(c.midParams).map(([n, v]) => ({ name: n, value: Float64Array.from(v), grad: new Float64Array(v.length), shape: shapes[n]! }));
      const opt = optimizerFromJSON(c.mid as OptimizerJSON);
      expect(opt.constructor.name).toBe(name);
      for (let t = c.fromStep; t < c.toStep; t++) {
        grads(ps, t);
        opt.step(ps);
      }
      for (const p of ps) expect(Array.from(p.value)).toEqual(c.endParams[p.name]);
      const got = JSON.parse(JSON.stringify(opt.toJSON()));
      if (name === 'Muon') {
        // Muon now keeps each state's shape; the v1 checkpoint had none, the resumed run learned it.
        for (const [n, st] of Object.entries(got.state.params as Record<string, { rows?: number; cols?: number }>)) {
          const sh = shapes[n]!;
          expect([st.rows, st.cols]).toEqual(sh.length === 2 ? sh : [1, sh[0]]);
          delete st.rows;
          delete st.cols;
        }
      }
      expect(JSON.stringify(got)).toBe(JSON.stringify(optimizerFromJSON(c.end as OptimizerJSON).toJSON()));
    });
  }
});

describe('the state envelope', () => {
  const stepped = () => {
    const opt = new AdamW({ lr: 0.1 });
    opt.step([{ name: 'w', value: new Float64Array([1, 2]), grad: new Float64Array([0.5, -0.5]) }]);
    return JSON.parse(JSON.stringify(opt.toJSON()));
  };

  it('is { type, version: 2, config, state: { t, params } }', () => {
    const j = stepped();
    expect(Object.keys(j)).toEqual(['type', 'version', 'config', 'state']);
    expect(j).toMatchObject({ type: 'AdamW', version: 2, config: { lr: 0.1 }, state: { t: 1 } });
    expect(Object.keys(j.state.params.w)).toEqual(['m', 'v']);
  });

  it('refuses state: {} or params: {} after steps instead of restarting the moments', () => {
    const j = stepped();
    expect(() => AdamW.fromJSON({ ...j, state: { t: 1, params: {} } })).toThrow(/state\.params is empty but t = 1/);
    expect(() => optimizerFromJSON({ ...j, state: {} })).toThrow(DomainError);
    expect(() => optimizerFromJSON({ type: 'AdamW', version: 1, options: {}, t: 3, state: {} } as never)).toThrow(/missing/);
    // plain SGD keeps no state, so an empty one is right
    const sgd = new SGD({ lr: 0.1 });
    sgd.step([{ name: 'w', value: new Float64Array(2), grad: new Float64Array([1, 1]) }]);
    expect(SGD.fromJSON(sgd.toJSON()).stepCount).toBe(1);
  });

  it('names the class and field of bad values', () => {
    const j = stepped();
    expect(() => AdamW.fromJSON({ ...j, state: { ...j.state, t: -1 } })).toThrow(/AdamW\.fromJSON: state\.t must be an integer >= 0/);
    expect(() => AdamW.fromJSON({ ...j, state: { ...j.state, t: 1.5 } })).toThrow(DomainError);
    expect(() => AdamW.fromJSON({ ...j, version: 7 })).toThrow(/version/);
    expect(() => AdamW.fromJSON({ ...j, state: { t: 1, params: { w: { m: j.state.params.w.m, v: 'x' } } } })).toThrow(/AdamW\.fromJSON \(state\.params\.w\.v\)/);
    expect(() => AdamW.fromJSON({ ...j, config: { lr: -1 } })).toThrow(DomainError);
    expect(() => optimizerFromJSON('{"type":"AdamW"' as never)).toThrow(DomainError);
  });
});
