import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { Adam, type AdamJSON, type Parameter, SGD, type SGDJSON } from '../src';
import legacy from './fixtures/optimizer-legacy-v1.json';

type Case = { mid: unknown; midParams: Record<string, number[]>; fromStep: number; toStep: number; end: unknown; endParams: Record<string, number[]> };
const shapes: Record<string, number[]> = { '0.weight': [4, 3], '0.bias': [4] };
// the same gradients as tooling/fixtures/legacy_state.mjs
function grads(ps: Parameter[], t: number): void {
  for (const p of ps) for (let i = 0; i < p.value.length; i++) p.grad[i] = p.value[i]! - Math.sin(i + t) + 0.01 * t;
}
const restore = (name: string, j: unknown) => (name === 'Adam' ? Adam.fromJSON(j as AdamJSON) : SGD.fromJSON(j as SGDJSON));

describe('the unversioned optimizer format of earlier releases is still read', () => {
  for (const [name, c] of Object.entries(legacy.cases as Record<string, Case>)) {
    it(`${name}: a saved checkpoint resumes to the same parameters and state as the old code`, () => {
      const ps = Object.entries(c.midParams).map(([n, v]) => ({ name: n, value: Float64Array.from(v), grad: new Float64Array(v.length), shape: shapes[n]! })) as Parameter[];
      const opt = restore(name, c.mid);
      for (let t = c.fromStep; t < c.toStep; t++) {
        grads(ps, t);
        opt.step(ps);
      }
      for (const p of ps) expect(Array.from(p.value)).toEqual(c.endParams[p.name]);
      expect(JSON.stringify(opt.toJSON())).toBe(JSON.stringify(restore(name, c.end).toJSON()));
    });
  }
});

describe('the state envelope', () => {
  const p = () => ({ name: 'w', value: new Float64Array([1, -2]), grad: new Float64Array([0.5, -0.25]), shape: [2] }) as Parameter;

  it('Adam and SGD write { type, version: 2, config, state: { t, params } }, SGD laid out as @x/optim writes it', () => {
    const adam = new Adam({ lr: 0.1 });
    adam.step([p()]);
    const a = JSON.parse(JSON.stringify(adam.toJSON()));
    expect(Object.keys(a)).toEqual(['type', 'version', 'config', 'state']);
    expect(a).toMatchObject({ type: 'Adam', version: 2, config: { lr: 0.1, beta1: 0.9, beta2: 0.999 }, state: { t: 1 } });
    expect(Object.keys(a.state.params.w)).toEqual(['m', 'v']);
    const sgd = new SGD({ lr: 0.1, momentum: 0.9 });
    sgd.step([p()]);
    const s = JSON.parse(JSON.stringify(sgd.toJSON()));
    expect(s).toMatchObject({ type: 'SGD', version: 2, config: { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 }, state: { t: 1 } });
    expect(Object.keys(s.state.params.w)).toEqual(['buf']);
    expect(s.state.params.w.buf).toMatchObject({ dtype: 'f64', length: 2 });
  });

  it('restore → continue is bit-identical, -0 kept', () => {
    const a = new Adam({ lr: 0.1 });
    const w1 = p();
    w1.grad[0] = -0;
    a.step([w1]);
    const b = Adam.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const w2 = { ...w1, value: Float64Array.from(w1.value) } as Parameter;
    a.step([w1]);
    b.step([w2]);
    expect(Array.from(w2.value)).toEqual(Array.from(w1.value));
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
  });

  it('refuses a step count without the moments it implies, and names bad fields', () => {
    const adam = new Adam();
    adam.step([p()]);
    const j = JSON.parse(JSON.stringify(adam.toJSON()));
    expect(() => Adam.fromJSON({ ...j, state: { t: 1, params: {} } })).toThrow(/the state is empty but t = 1/);
    expect(() => Adam.fromJSON({ type: 'Adam', lr: 1e-3, t: 4, state: {} } as never)).toThrow(/missing/);
    expect(() => Adam.fromJSON({ ...j, state: { ...j.state, t: -1 } })).toThrow(/Adam\.fromJSON: state\.t must be an integer/);
    expect(() => Adam.fromJSON({ ...j, state: { t: 1, params: { w: { m: j.state.params.w.m } } } })).toThrow(DomainError);
    const short = new Adam();
    short.step([{ name: 'w', value: new Float64Array(1), grad: new Float64Array(1), shape: [1] } as Parameter]);
    const mixed = { ...j, state: { t: 1, params: { w: { m: j.state.params.w.m, v: JSON.parse(JSON.stringify(short.toJSON())).state.params.w.v } } } };
    expect(() => Adam.fromJSON(mixed)).toThrow(ShapeError);
    expect(() => Adam.fromJSON({ ...j, config: { ...j.config, beta1: 2 } })).toThrow(/beta1/);
    expect(() => Adam.fromJSON('{"type":"Adam"' as never)).toThrow(DomainError);
    // plain SGD keeps no state
    const sgd = new SGD({ lr: 0.1 });
    sgd.step([p()]);
    expect(SGD.fromJSON(sgd.toJSON()).t).toBe(1);
    expect(() => SGD.fromJSON({ ...JSON.parse(JSON.stringify(sgd.toJSON())), config: { lr: 0.1, dampening: 0.5 } })).toThrow(/dampening/);
  });
});
