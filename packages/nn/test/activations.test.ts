import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { type Activation, assertGradCheck, erf, erfc, GELU, moduleFromJSON, ReLU, SiLU, Sigmoid, Sine, Softplus, Tanh } from '../src';
import fx from './fixtures/functional-reference.json';
import { expectClose } from './helpers';

const xs: Matrix = { rows: 1, cols: fx.x.length, data: Float64Array.from(fx.x) };
const ones: Matrix = { rows: 1, cols: fx.x.length, data: new Float64Array(fx.x.length).fill(1) };

const cases: [string, () => Activation, keyof typeof fx.activations][] = [
  ['ReLU', () => new ReLU(), 'relu'],
  ['GELU (erf)', () => new GELU(), 'gelu'],
  ['GELU (tanh)', () => new GELU({ approximate: 'tanh' }), 'gelu_tanh'],
  ['Tanh', () => new Tanh(), 'tanh'],
  ['Sigmoid', () => new Sigmoid(), 'sigmoid'],
  ['SiLU', () => new SiLU(), 'silu'],
  ['Softplus', () => new Softplus(), 'softplus'],
  ['Softplus(beta 2.5)', () => new Softplus({ beta: 2.5 }), 'softplus_b2.5'],
  ['Sine(omega0 30)', () => new Sine({ omega0: 30 }), 'sine_30'],
];

describe('activations vs numpy/scipy (tooling/fixtures/nn_functional.py)', () => {
  it.each(cases)('%s: values and derivatives, including |x| up to 40', (_n, make, key) => {
    const a = make();
    const ref = fx.activations[key];
    // 1e-14 relative: a few ulps of the libm calls; the absolute floor covers values that
    // underflow towards 0 (e.g. GELU(-40) ~ 1e-350 rounds to 0 in both).
    expectClose(a.forward(xs).data, ref.y, 1e-13, 1e-300);
    const atol = key === 'sine_30' ? 1e-12 : 1e-300; // 30 cos(30 x) at |x| = 40: argument rounding
    expectClose(a.backward(ones).data, ref.dy, 1e-13, atol);
    expect(a.forward(xs).data.every(Number.isFinite)).toBe(true);
  });

  it('erf and erfc agree with scipy to 1e-15 relative', () => {
    const got = fx.x.map(erf);
    expectClose(got, fx.erf, 2e-15, 1e-300);
    expect(erf(0)).toBe(0);
    // Issue 16: NaN and non-numbers are a DomainError; ±Infinity give the limits.
    expect(() => erf(Number.NaN)).toThrow(/erf: x must be a number/);
    expect(() => erfc('1' as never)).toThrow(DomainError);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erfc(5)).toBeCloseTo(1.5374597944280349e-12, 25);
    expect(erf(-1)).toBe(-erf(1));
  });
});

describe('activations', () => {
  const x: Matrix = { rows: 4, cols: 5, data: rng(11).fillNormal(new Float64Array(20), 1.5) };
  it.each(cases)('%s passes gradCheck', (_n, make) => {
    // Sine with omega0 = 30 has f''' ~ 30^3: a smaller step keeps the O(eps^2 f''') error small.
    const opts = _n.startsWith('Sine') ? { eps: 1e-7 } : {};
    const rep = assertGradCheck(make(), x, opts);
    expect(rep.parameters).toEqual([]);
    expect(rep.inputs[0]!.checked).toBe(20);
  });

  it.each(cases)('%s round-trips through JSON and has no parameters', (_n, make) => {
    const a = make();
    const b = moduleFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    expect(a.parameters()).toEqual([]);
  });

  it('a NaN input is refused under the layer name, not an inner helper (sigmoid, erfc)', () => {
    const nan: Matrix = { rows: 1, cols: 2, data: Float64Array.of(0.5, Number.NaN) };
    for (const [name, layer] of [
      ['Sigmoid', new Sigmoid()],
      ['SiLU', new SiLU()],
      ['GELU', new GELU()],
      ['GELU(tanh)', new GELU({ approximate: 'tanh' })],
      ['Softplus', new Softplus()],
      ['Tanh', new Tanh()],
      ['ReLU', new ReLU()],
    ] as const) {
      expect(() => layer.forward(nan), name).toThrow(DomainError);
      expect(() => layer.forward(nan), name).toThrow(new RegExp(`^${name.replace(/[()]/g, '\\$&')}: x\\[0, 1\\] is NaN`));
    }
  });

  it('check their options and shapes', () => {
    expect(() => new Softplus({ beta: 0 })).toThrow(/beta/);
    expect(() => new GELU({ approximate: 'erf' as never })).toThrow(/approximate/);
    const t = new Tanh();
    t.forward(x);
    expect(() => t.backward({ rows: 5, cols: 4, data: new Float64Array(20) })).toThrow(ShapeError);
    expect(() => t.backward({ rows: 5, cols: 4, data: new Float64Array(20) })).toThrow(/Tanh: dy is 5x4, expected 4x5/);
    expect(() => new ReLU().backward(x)).toThrow(/before forward/);
    expect(new Sine().omega0).toBe(30);
  });

  it('sigmoid and softplus do not overflow at ±1000', () => {
    const big: Matrix = { rows: 1, cols: 2, data: Float64Array.from([-1000, 1000]) };
    expect(Array.from(new Sigmoid().forward(big).data)).toEqual([0, 1]);
    expect(Array.from(new Softplus().forward(big).data)).toEqual([0, 1000]);
    expect(Array.from(new SiLU().forward(big).data)).toEqual([-0, 1000]);
  });
});
