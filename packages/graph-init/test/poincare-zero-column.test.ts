// PoincareLinear where a weight column z_k is zero, tiny or huge. v_k is positively homogeneous
// of degree 1 in z_k (v(t z) = t v(z), t > 0), so it is smooth away from z_k = 0 at every scale
// and has only one-sided derivatives at 0.
import type { Matrix } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { PoincareLinear, poincareLinear } from '../src';

const X1: Matrix<Float64Array> = { rows: 1, cols: 3, data: Float64Array.of(0.3, 0.2, -0.4) };
const X2: Matrix<Float64Array> = { rows: 2, cols: 3, data: Float64Array.of(0.1, -0.2, 0.3, 0.05, 0.4, -0.1) };
/** A unit direction orthogonal to X1's row. */
const U_PERP = (() => {
  const u = [0.2, 0.5, 0.4];
  const n = Math.hypot(...u);
  return u.map((v) => v / n);
})();

/** A 3 -> 2 layer whose column 1 is t·dir; column 0 stays the seeded Gaussian draw; r = (0.2, 0.3). */
function layer(t: number, dir: readonly number[]): PoincareLinear {
  const l = new PoincareLinear(3, 2, { init: 'gaussian', seed: 1, c: 1.5 });
  for (let i = 0; i < 3; i++) l.Z.data[i * 2 + 1] = t * dir[i]!;
  l.r.set([0.2, 0.3]);
  return l;
}

/** L = Σ dy ⊙ y with dy zero on column 0, so that L is of the size of column 1's output. */
function dyFor(x: Matrix): Matrix<Float64Array> {
  const d = new Float64Array(x.rows * 2);
  for (let b = 0; b < x.rows; b++) d[b * 2 + 1] = 0.5 + 0.2 * b;
  return { rows: x.rows, cols: 2, data: d };
}

function loss(l: PoincareLinear, x: Matrix, dy: Matrix): number {
  const y = l.forward(x);
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += y.data[i]! * dy.data[i]!;
  return s;
}

/** Analytic gradients (column 1 of Z, r_1, x) from backward. */
function analytic(l: PoincareLinear, x: Matrix, dy: Matrix): { z: number[]; r: number; x: number[] } {
  l.forward(x);
  l.zeroGrad();
  const dx = l.backward(dy);
  const gZ = l.parameters()[0]!.grad;
  return { z: [0, 1, 2].map((i) => gZ[i * 2 + 1]!), r: l.parameters()[1]!.grad[1]!, x: Array.from(dx.data) };
}

/** Central differences, the step scaled to each entry's own size (t for the column). */
function numeric(l: PoincareLinear, x: Matrix<Float64Array>, dy: Matrix, t: number): { z: number[]; r: number; x: number[] } {
  const cd = (arr: Float64Array, i: number, h: number): number => {
    const v0 = arr[i]!;
    arr[i] = v0 + h;
    const lp = loss(l, x, dy);
    arr[i] = v0 - h;
    const lm = loss(l, x, dy);
    arr[i] = v0;
    return (lp - lm) / (2 * h);
  };
  return { z: [0, 1, 2].map((i) => cd(l.Z.data, i * 2 + 1, t * 1e-5)), r: cd(l.r, 1, 1e-6), x: Array.from(x.data, (_, i) => cd(x.data, i, 1e-6)) };
}

const maxAbs = (v: number[]): number => Math.max(...v.map(Math.abs));
const err = (a: number[], b: number[]): number => maxAbs(a.map((v, i) => v - b[i]!)) / maxAbs(b);

describe('PoincareLinear near and at a zero weight column', () => {
  for (const t of [1e-3, 1e-8, 1e-13, 1e-16, 1e-200, 1e-300]) {
    it(`‖z_k‖ = ${t}: backward matches central differences (z_k, r_k, x)`, () => {
      const dir = [0.6, -0.8, 0];
      const a = analytic(layer(t, dir), X2, dyFor(X2));
      const n = numeric(layer(t, dir), { ...X2, data: X2.data.slice() }, dyFor(X2), t);
      expect(err(a.z, n.z)).toBeLessThan(1e-7);
      // dv/dr and dv/dx scale with ‖z_k‖: compare them absolutely, on that scale.
      expect(Math.abs(a.r - n.r)).toBeLessThan(1e-7 * Math.max(t, Math.abs(n.r)));
      expect(maxAbs(a.x.map((v, i) => v - n.x[i]!))).toBeLessThan(1e-7 * Math.max(t, maxAbs(n.x)));
    });
  }

  it('z_k = 0: the output is exactly 0 and the gradient is the mean of the one-sided limits along ±u, u ⟂ x', () => {
    const l = layer(0, U_PERP);
    const y = l.forward(X1);
    expect(y.data[1] === 0).toBe(true);
    const at0 = analytic(l, X1, dyFor(X1));
    // r_k and x see a zero column only through ‖z_k‖ = 0.
    expect(at0.r === 0).toBe(true);
    const xOnlyCol0 = analytic(layer(0, U_PERP), X1, { rows: 1, cols: 2, data: Float64Array.of(0, 0) });
    expect(at0.x).toEqual(xOnlyCol0.x);
    // The gradients at ±t u do not depend on t (homogeneity); finite differences there.
    const t = 1e-9;
    const plus = numeric(layer(t, U_PERP), { ...X1, data: X1.data.slice() }, dyFor(X1), t);
    const minus = numeric(layer(-t, U_PERP), { ...X1, data: X1.data.slice() }, dyFor(X1), t);
    const mean = plus.z.map((v, i) => (v + minus.z[i]!) / 2);
    expect(err(at0.z, mean)).toBeLessThan(1e-7);
    // The two one-sided gradients differ (a kink, not a smooth point): the mean is a choice.
    expect(err(plus.z, minus.z)).toBeGreaterThan(1e-2);
    expect(at0.z.every(Number.isFinite)).toBe(true);
  });

  it('a column of huge entries (‖z_k‖² overflows) maps onto the projected shell instead of NaN', () => {
    const x: Matrix = { rows: 2, cols: 3, data: Float64Array.of(0.1, 0.05, 0.2, 0.2, 0.1, 0.2) };
    const at = (s: number) => poincareLinear(x, { Z: { rows: 3, cols: 1, data: Float64Array.of(s, -2 * s, 0) }, r: new Float64Array(1) }, 1).data;
    const huge = at(1e160);
    expect(Array.from(huge).every(Number.isFinite)).toBe(true);
    // Far out the map saturates: 1e3 and 1e160 give the same shell point.
    expect(Array.from(huge)).toEqual(Array.from(at(1e3)));
  });
});
