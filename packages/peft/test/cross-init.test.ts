import { describe, expect, it } from 'vitest';
import { DomainError, type Matrix, matmul, matrix, randn, ShapeError } from '@x/gpu';
import { gradCheck, Linear, Sequential, Tanh } from '@x/nn';
import { crossInit, crossInitRegularizer } from '../src';
import fx from './fixtures/cross-init.json';

describe('Cross Initialization', () => {
  const d = 6;
  const W = randn(d, d, 3);
  const fn = (x: Parameters<typeof matmul>[0]) => matmul(x, W, { transB: true });

  it('v = E(v0) for a function encoder and for an @x/nn module; v0 untouched, v and anchor independent copies', () => {
    const v0 = randn(2, d, 1, 0.1);
    const copy = Float64Array.from(v0.data);
    const a = crossInit(fn, v0);
    expect(Array.from(a.v.data)).toEqual(Array.from(fn(v0).data));
    expect(Array.from(v0.data)).toEqual(Array.from(copy));
    a.v.data[0] = 123;
    expect(a.anchor.data[0]).not.toBe(123);
    const mod = new Sequential(new Linear(d, 8, { seed: 1 }), new Tanh(), new Linear(8, d, { seed: 2 }));
    const b = crossInit(mod, v0);
    expect(Array.from(b.v.data)).toEqual(Array.from(mod.forward(v0).data));
    expect(b.v.rows).toBe(2);
  });

  it('regularizer: λ mean_j ‖v_j − a_j‖₂ (unsquared), gradient checked by finite differences', () => {
    const v = randn(3, d, 5);
    const a = randn(3, d, 6);
    const lambda = 0.7;
    let expected = 0;
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (v.data[j * d + c]! - a.data[j * d + c]!) ** 2;
      expected += Math.sqrt(s);
    }
    const r = crossInitRegularizer(v, a, { lambda });
    expect(r.value).toBeCloseTo((lambda * expected) / 3, 14);
    // Smooth away from v = a: the central-difference error is O(eps² ‖∇³‖) ~ 1e-12 relative.
    const rep = gradCheck((x: typeof v) => crossInitRegularizer(x, a, { lambda }), [v], { tol: 1e-7 });
    expect(rep.passed, JSON.stringify(rep.inputs[0])).toBe(true);
    // Scaling the offset scales the unsquared value linearly (a squared norm would scale by 4).
    const v2 = { rows: 3, cols: d, data: v.data.map((x, i) => a.data[i]! + 2 * (x - a.data[i]!)) };
    expect(crossInitRegularizer(v2, a, { lambda }).value).toBeCloseTo(2 * r.value, 12);
  });

  it('offsets whose squares over- or underflow: the gradient is still λ/n times the unit offset', () => {
    const a = { rows: 1, cols: 2, data: Float64Array.of(0, 0) };
    for (const s of [2 ** 600, 2 ** 1020, 2 ** -600]) {
      const r = crossInitRegularizer({ rows: 1, cols: 2, data: Float64Array.of(3 * s, -4 * s) }, a, { lambda: 0.5, eps: 0 });
      expect(r.grad.data[0], `× ${s}`).toBeCloseTo(0.5 * 0.6, 15);
      expect(r.grad.data[1], `× ${s}`).toBeCloseTo(-0.5 * 0.8, 15);
      if (s < 2 ** 1000) expect(r.value / s).toBeCloseTo(0.5 * 5, 13);
    }
  });

  it('at the init (v = E(v0)) the value is 0 and the ε guard gives a zero gradient, not NaN', () => {
    const v0 = randn(2, d, 9);
    const { v, anchor } = crossInit(fn, v0);
    const r = crossInitRegularizer(v, anchor);
    expect(r.value).toBe(0);
    expect(r.grad.data.every((x) => x === 0)).toBe(true);
    // One row at the anchor, one away: only the moved row gets gradient λ/n · unit vector.
    const w = { rows: 2, cols: d, data: Float64Array.from(v.data) };
    w.data[d]! += 3;
    const g = crossInitRegularizer(w, anchor, { lambda: 1 }).grad;
    expect(Array.from(g.data.slice(0, d)).every((x) => x === 0)).toBe(true);
    expect(g.data[d]).toBeCloseTo(0.5, 14);
  });

  it('matches the numpy reference (tooling/fixtures/peft_cross_init.py): E(v0), value and gradient', () => {
    const { d: dd, h, n } = fx;
    const W1 = matrix(h, dd, fx.W1);
    const W2 = matrix(dd, h, fx.W2);
    const v0 = matrix(n, dd, fx.v0);
    const asFn = (x: Matrix) => {
      const z = matmul(x, W1, { transB: true });
      for (let i = 0; i < z.data.length; i++) z.data[i] = Math.tanh(z.data[i]!);
      return matmul(z, W2, { transB: true });
    };
    const asModule = new Sequential(new Linear(dd, h, { weight: W1, bias: false }), new Tanh(), new Linear(h, dd, { weight: W2, bias: false }));
    // A handful of float64 operations per entry on O(1) values: agreement to ~1e-15 relative.
    for (const enc of [asFn, asModule]) {
      const { v, anchor } = crossInit(enc, v0);
      for (let i = 0; i < v.data.length; i++) {
        expect(v.data[i]).toBeCloseTo(fx.Ev0[i]!, 13);
        expect(anchor.data[i]).toBeCloseTo(fx.Ev0[i]!, 13);
      }
    }
    const r = crossInitRegularizer(matrix(n, dd, fx.v), matrix(n, dd, fx.Ev0), { lambda: fx.lambda });
    expect(r.value).toBeCloseTo(fx.value, 13);
    for (let i = 0; i < r.grad.data.length; i++) expect(r.grad.data[i]).toBeCloseTo(fx.grad[i]!, 13);
  });

  it('bad input is typed', () => {
    expect(() => crossInit(fn, randn(2, d + 1, 1))).toThrow();
    expect(() => crossInit((x) => randn(x.rows + 1, d, 1), randn(2, d, 1))).toThrow(ShapeError);
    expect(() => crossInit({} as never, randn(2, d, 1))).toThrow(DomainError);
    expect(() => crossInit(fn, { rows: 1, cols: d, data: new Float64Array(d).fill(Number.NaN) })).toThrow(DomainError);
    expect(() => crossInitRegularizer(randn(2, d, 1), randn(3, d, 1))).toThrow(ShapeError);
    expect(() => crossInitRegularizer(randn(2, d, 1), randn(2, d, 1), { lambda: -1 })).toThrow(DomainError);
  });
});
