import { type Matrix, rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { assertGradCheck, GradCheckError, gradCheck, Linear, type Module, type ModuleJSON, type Parameter, Tanh } from '../src';

const randm = (rows: number, cols: number, seed: number): Matrix => ({ rows, cols, data: rng(seed).fillNormal(new Float64Array(rows * cols)) });

/** A Linear whose weight gradient is off by a factor: gradCheck must catch it. */
class BrokenLinear implements Module {
  constructor(
    readonly inner: Linear,
    readonly factor: number,
    readonly breakInput = false,
  ) {}
  forward(x: Matrix): Matrix {
    return this.inner.forward(x);
  }
  backward(dy: Matrix): Matrix {
    const before = this.inner.weightGrad.slice();
    const dx = this.inner.backward(dy);
    const g = this.inner.weightGrad;
    for (let i = 0; i < g.length; i++) g[i] = before[i]! + this.factor * (g[i]! - before[i]!);
    if (this.breakInput) dx.data[0]! += 1e-3;
    return dx;
  }
  parameters(): Parameter[] {
    return this.inner.parameters();
  }
  zeroGrad(): void {
    this.inner.zeroGrad();
  }
  toJSON(): ModuleJSON {
    return this.inner.toJSON();
  }
}

describe('gradCheck', () => {
  const x = randm(4, 3, 1);

  it('reports per parameter and for the input; a correct layer passes', () => {
    const rep = gradCheck(new Linear(3, 2, { seed: 1 }), x);
    expect(rep.passed).toBe(true);
    expect(rep.parameters.map((e) => [e.name, e.size, e.checked])).toEqual([
      ['weight', 6, 6],
      ['bias', 2, 2],
    ]);
    expect(rep.inputs[0]).toMatchObject({ name: 'input', size: 12, checked: 12, passed: true });
    expect(rep.maxRelError).toBeLessThan(1e-7);
    expect(rep.evaluations).toBe(1 + 2 * (6 + 2 + 12));
    expect(rep).toMatchObject({ eps: 1e-6, tol: 1e-5, atol: 1e-7 });
  });

  it('catches a wrong parameter gradient and a wrong input gradient', () => {
    const rep = gradCheck(new BrokenLinear(new Linear(3, 2, { seed: 1 }), 1.01), x);
    expect(rep.passed).toBe(false);
    expect(rep.parameters[0]!.passed).toBe(false);
    expect(rep.parameters[0]!.maxRelError).toBeCloseTo(0.01 / 1.01, 6);
    expect(rep.parameters[1]!.passed).toBe(true);
    expect(rep.inputs[0]!.passed).toBe(true);
    const rep2 = gradCheck(new BrokenLinear(new Linear(3, 2, { seed: 1 }), 1, true), x);
    expect(rep2.inputs[0]!.passed).toBe(false);
    expect(rep2.inputs[0]!.worstIndex).toBe(0);
    expect(() => assertGradCheck(new BrokenLinear(new Linear(3, 2, { seed: 1 }), 1.01), x)).toThrow(GradCheckError);
    expect(() => assertGradCheck(new BrokenLinear(new Linear(3, 2, { seed: 1 }), 1.01), x)).toThrow(/weight: rel 9\.9\de-3/);
  });

  it('leaves parameter values and gradients exactly as they were', () => {
    const l = new Linear(3, 2, { seed: 7 });
    l.forward(x);
    l.backward(randm(4, 2, 3));
    const w = l.weight.data.slice();
    const g = l.weightGrad.slice();
    gradCheck(l, x);
    expect(Array.from(l.weight.data)).toEqual(Array.from(w));
    expect(Array.from(l.weightGrad)).toEqual(Array.from(g));
  });

  it('samples entries with maxEntries', () => {
    const rep = gradCheck(new Linear(20, 10, { seed: 1 }), randm(3, 20, 2), { maxEntries: 5 });
    expect(rep.parameters[0]!.checked).toBe(5);
    expect(rep.inputs[0]!.checked).toBe(5);
    expect(rep.passed).toBe(true);
  });

  it('checks functions: gradient for the leading inputs, later inputs held constant', () => {
    const f = (a: Matrix) => {
      let v = 0;
      const g = new Float64Array(a.data.length);
      for (let i = 0; i < g.length; i++) {
        v += Math.sin(a.data[i]!);
        g[i] = Math.cos(a.data[i]!);
      }
      return { value: v, grad: { rows: a.rows, cols: a.cols, data: g } };
    };
    const rep = assertGradCheck(f, x);
    expect(rep.inputs[0]!.name).toBe('input[0]');
    expect(rep.parameters).toEqual([]);
    const wrong = (a: Matrix) => ({ ...f(a), grad: { ...f(a).grad, data: f(a).grad.data.map((v) => v * 0.9) } });
    expect(gradCheck(wrong, x).passed).toBe(false);
    expect(() => gradCheck(f, x, { eps: -1 })).toThrow(/eps/);
    expect(() => gradCheck((_a: Matrix) => ({ value: 0, grad: { rows: 1, cols: 1, data: new Float64Array(1) } }), [x])).toThrow(/gradient 0 is 1x1, input 0 is 4x3/);
  });

  it('checks activations through modules with float32 inputs (differences are taken in float64)', () => {
    const x32 = { rows: 2, cols: 3, data: Float32Array.from([0.3, -0.2, 1.1, -1.5, 0.7, 0.05]) };
    expect(gradCheck(new Tanh(), x32).passed).toBe(true);
  });
});
