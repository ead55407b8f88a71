import { describe, expect, it } from 'vitest';
import { DomainError, matmul, type Matrix, randn, ShapeError } from '@x/gpu';
import { svd } from '@x/linalg';
import { ContainerModule, Linear, type Module, type ModuleJSON, mseLoss, namedModules, Tanh } from '@x/nn';
import { AdaptedLinear, addSorsaRegularizerGrad, applyAdapters, loraSbGradient, loraSbGradients, loraSbInit, sorsaInit, sorsaRegularizer, svfitInit } from '../src';
import { trainMse } from '../src/experiments/train';
import { relFro } from '@x/test-utils';

/** Central difference (f(v + h) - f(v - h)) / 2h in entry k of `data` (restored afterwards). */
function centralDiff(data: Float64Array, k: number, f: () => number, h = 1e-6): number {
  const v = data[k]!;
  data[k] = v + h;
  const up = f();
  data[k] = v - h;
  const dn = f();
  data[k] = v;
  return (up - dn) / (2 * h);
}

/** Q1 diag(s) Q2ᵀ with random orthonormal Q1 (rows x k), Q2 (cols x k): singular values known in closed form. */
function withSpectrum(rows: number, cols: number, s: number[], seed: number): Matrix {
  const k = s.length;
  const Q1 = svd(randn(rows, k, seed)).U;
  const Q2 = svd(randn(cols, k, seed + 1)).U;
  const Q1s = { rows, cols: k, data: Q1.data.map((v, i) => v * s[i % k]!) };
  return matmul(Q1s, Q2, { transB: true });
}

describe('svfitInit energy rule', () => {
  // σ² = 16, 4, 1, 0.25, 0.01 (total 21.26): cumulative 16, 20, 21, 21.25, 21.26.
  const W = withSpectrum(9, 7, [4, 2, 1, 0.5, 0.1], 3);

  it('keeps the fewest singular values carrying the fraction τ of Σσ² (closed form)', () => {
    expect(svfitInit(W, { energy: 0.99 }).sigma.length).toBe(4); // 21.25 ≥ 21.047 > 21
    expect(svfitInit(W, { energy: 0.9 }).sigma.length).toBe(2); // 20 ≥ 19.134 > 16
    expect(svfitInit(W, { energy: 0.75 }).sigma.length).toBe(1); // 16 ≥ 15.945
    expect(svfitInit(W, { energy: 1 }).sigma.length).toBeGreaterThanOrEqual(5);
  });

  it('the energy-rule init is the fixed-rank init at the chosen rank, with an exact merge', () => {
    const a = svfitInit(W, { energy: 0.99 });
    const b = svfitInit(W, 4);
    for (let i = 0; i < 4; i++) expect(a.sigma[i]).toBeCloseTo([4, 2, 1, 0.5][i]!, 12);
    expect(relFro(a.Wres, b.Wres)).toBeLessThan(1e-10);
    const layer = new AdaptedLinear({ base: a.Wres, adapter: { kind: 'svfit', U: a.U, V: a.V, sigma: a.sigma } });
    expect(relFro(layer.effectiveWeight(), W)).toBeLessThan(1e-13);
  });

  it('rejects a threshold outside (0, 1] and unknown rule keys, naming svfitInit', () => {
    for (const energy of [0, -0.5, 1.5, Number.NaN]) expect(() => svfitInit(W, { energy })).toThrow(/svfitInit: energy/);
    expect(() => svfitInit(W, { energy: 0.9, tau: 1 } as never)).toThrow(DomainError);
  });
});

describe('addSorsaRegularizerGrad', () => {
  const make = (seed: number) => {
    const s = sorsaInit(randn(6, 5, seed), 3);
    // Move the factors off orthonormality so the gradient is not 0.
    const A = { ...s.A, data: s.A.data.map((v, i) => v + 0.1 * Math.sin(i + seed)) };
    const B = { ...s.B, data: s.B.data.map((v, i) => v + 0.1 * Math.cos(2 * i + seed)) };
    return new AdaptedLinear({ base: s.Wres, adapter: { kind: 'sorsa', A, S: s.S, B, scale: s.scale } });
  };
  const meanReg = (ls: AdaptedLinear[], squared = false) => ls.reduce((t, l) => t + sorsaRegularizer(l.tensor('A'), l.tensor('B'), { squared }).value, 0) / ls.length;

  for (const squared of [false, true]) {
    it(`adds (γ/lr)·∇ of the layer-mean regularizer (finite differences, squared: ${squared})`, () => {
      const layers = [make(1), make(2)];
      const [gamma, lr] = [4e-4, 1e-2];
      for (const l of layers) for (const p of l.parameters()) p.grad.fill(0.25); // an existing task gradient
      const value = addSorsaRegularizerGrad(layers, { gamma, lr, squared });
      expect(value).toBeCloseTo(meanReg(layers, squared), 14);
      for (const l of layers) {
        for (const p of l.parameters()) {
          for (let i = 0; i < p.value.length; i++) {
            // S does not enter the regularizer: its gradient stays the task gradient.
            const expected = 0.25 + (gamma / lr) * centralDiff(p.value, i, () => meanReg(layers, squared));
            expect(Math.abs(p.grad[i]! - expected)).toBeLessThan(1e-7);
          }
        }
      }
    });
  }

  it('γ = 0 changes nothing and still reports the value; bad layers and options are typed errors', () => {
    const l = make(3);
    addSorsaRegularizerGrad([l], { gamma: 0, lr: 1 });
    for (const p of l.parameters()) expect(p.grad.every((g) => g === 0)).toBe(true);
    expect(addSorsaRegularizerGrad([l], { gamma: 0, lr: 1 })).toBeCloseTo(meanReg([l]), 14);
    const lora = new AdaptedLinear({ base: randn(4, 3, 1), adapter: { kind: 'lora', A: randn(2, 3, 2), B: randn(4, 2, 3), scale: 1 } });
    expect(() => addSorsaRegularizerGrad([lora], { gamma: 1, lr: 1 })).toThrow(/addSorsaRegularizerGrad: layers\[0\]/);
    expect(() => addSorsaRegularizerGrad([], { gamma: 1, lr: 1 })).toThrow(DomainError);
    expect(() => addSorsaRegularizerGrad([l], { gamma: -1, lr: 1 })).toThrow(/gamma/);
    expect(() => addSorsaRegularizerGrad([l], { gamma: 1, lr: 0 })).toThrow(/lr/);
  });

  it('in the training loop it pulls the factors toward orthonormality; without it they stay put', () => {
    // The target is the layers' own output, so the task gradient is 0 and only the regularizer acts.
    const withReg = make(4);
    const without = make(4);
    const X = randn(64, 5, 7);
    const Y = withReg.forward(X);
    const start = meanReg([withReg]);
    const losses = trainMse(withReg, X, Y, 100, 1e-2, undefined, () => addSorsaRegularizerGrad([withReg], { gamma: 4e-4, lr: 1e-2 }));
    trainMse(without, X, Y, 100, 1e-2);
    expect(meanReg([withReg])).toBeLessThan(0.5 * start);
    expect(meanReg([without])).toBeCloseTo(start, 12);
    expect(losses.at(-1)).toBeGreaterThan(0); // the regularizer moved ΔW away from the exact fit
  });
});

describe('loraSbGradient', () => {
  const layer = () => new AdaptedLinear({ base: randn(4, 5, 1), bias: [0.1, -0.2, 0.3, 0], adapter: { kind: 'lora', A: randn(2, 5, 2), B: randn(4, 2, 3), scale: 0.5 } });
  const batches = [0, 1, 2].map((b) => ({ x: randn(3, 5, 10 + b), y: randn(3, 4, 20 + b) }));

  it('is the gradient of the summed batch losses with respect to the effective weight (finite differences)', () => {
    const l = layer();
    const G = loraSbGradient(l, batches);
    const total = () => batches.reduce((t, b) => t + mseLoss(l.forward(b.x), b.y).value, 0);
    for (let k = 0; k < G.data.length; k++) expect(Math.abs(G.data[k]! - centralDiff(l.base.data, k, total))).toBeLessThan(1e-8);
    for (const p of l.parameters()) expect(p.grad.every((g) => g === 0)).toBe(true);
  });

  it('equals the closed form Σ (2 / (b·out)) (X Wᵀ + b - Y)ᵀ X and feeds loraSbInit', () => {
    const l = layer();
    const W = l.effectiveWeight();
    const G = loraSbGradient(l, batches);
    const ref = { rows: 4, cols: 5, data: new Float64Array(20) };
    for (const b of batches) {
      const R = matmul(b.x, W, { transB: true });
      for (let i = 0; i < R.rows; i++) for (let j = 0; j < 4; j++) R.data[i * 4 + j] = (2 / (R.rows * 4)) * (R.data[i * 4 + j]! + l.bias![j]! - b.y.data[i * 4 + j]!);
      const g = matmul(R, b.x, { transA: true });
      for (let k = 0; k < 20; k++) ref.data[k]! += g.data[k]!;
    }
    expect(relFro(G, ref)).toBeLessThan(1e-13);
    const sb = loraSbInit(G, 2, { eta: 1e-2, exact: true });
    expect(sb.deltaW1.data.every((v, k) => v === -1e-2 * Math.sign(G.data[k]!))).toBe(true);
  });

  it('rejects bad batches with typed errors naming loraSbGradient', () => {
    const l = layer();
    expect(() => loraSbGradient(l, [])).toThrow(/loraSbGradient: batches is empty/);
    expect(() => loraSbGradient(l, [{ x: randn(3, 4, 1), y: randn(3, 4, 2) }])).toThrow(ShapeError);
    expect(() => loraSbGradient(l, [{ x: randn(3, 5, 1), y: randn(2, 4, 2) }])).toThrow(/loraSbGradient: batches\[0\]\.y/);
    const nan = randn(3, 5, 1);
    nan.data[0] = Number.NaN;
    expect(() => loraSbGradient(l, [{ x: nan, y: randn(3, 4, 2) }])).toThrow(/loraSbGradient/);
    expect(() => loraSbGradient({} as AdaptedLinear, batches)).toThrow(DomainError);
  });
});

/** up (5 → 4), tanh, down (4 → 3): a container, so module paths 'up' and 'down' exist. */
class Mlp extends ContainerModule {
  protected readonly label = 'Mlp';
  up: Module = new Linear(5, 4, { seed: 1 });
  act: Module = new Tanh();
  down: Module = new Linear(4, 3, { seed: 2 });
  namedChildren(): Array<[string, Module]> {
    return [['up', this.up], ['act', this.act], ['down', this.down]];
  }
  forward(x: Matrix): Matrix {
    return this.down.forward(this.act.forward(this.up.forward(x)));
  }
  backward(dy: Matrix): Matrix {
    return this.up.backward(this.act.backward(this.down.backward(dy)));
  }
  toJSON(): ModuleJSON {
    return { type: 'Mlp', ...this.childrenJSON() };
  }
}

describe('loraSbGradients (model level)', () => {
  const model = () => new Mlp();
  const batches = [0, 1].map((b) => ({ x: randn(6, 5, 30 + b), y: randn(6, 3, 40 + b) }));

  it('is dL/dW of every targeted Linear through the whole model (finite differences); buffers restored', () => {
    const m = model();
    const before = m.parameters().map((p) => p.grad.fill(0.5).slice());
    const G = loraSbGradients(m, /./, batches);
    expect([...G.keys()].length).toBe(2);
    expect(m.parameters().map((p) => Array.from(p.grad))).toEqual(before.map((b) => Array.from(b)));
    const total = () => batches.reduce((t, b) => t + mseLoss(m.forward(b.x), b.y).value, 0);
    const linears = namedModules(m).filter(([, l]) => l instanceof Linear) as [string, Linear][];
    for (const [path, l] of linears) {
      const g = G.get(path)!;
      for (let k = 0; k < g.data.length; k++) expect(Math.abs(g.data[k]! - centralDiff(l.weight.data, k, total))).toBeLessThan(1e-8);
    }
  });

  it('feeds applyAdapters (lora-sb): the adapted model starts one approximate step from W0', () => {
    const m = model();
    const [path] = namedModules(m).find(([, l]) => l instanceof Linear)!;
    const G = loraSbGradients(m, [path], batches);
    const W0 = Float64Array.from((namedModules(m).find(([n]) => n === path)![1] as Linear).weight.data);
    const peft = applyAdapters(m, { targetModules: [path], kind: 'lora-sb', rank: 2, gradients: G, eta: 1e-2 });
    const layer = peft.adapted.get(path)!;
    const expected = loraSbInit(G.get(path)!, 2, { eta: 1e-2, exact: true });
    const step = matmul(matmul(expected.B, expected.R), expected.A);
    const eff = layer.effectiveWeight();
    for (let k = 0; k < eff.data.length; k++) expect(eff.data[k]).toBeCloseTo(W0[k]! + step.data[k]!, 12);
    expect(layer.trainableCount()).toBe(4);
  });

  it('typed errors naming loraSbGradients', () => {
    expect(() => loraSbGradients(model(), /nothing/, batches)).toThrow(/loraSbGradients: no Linear module/);
    expect(() => loraSbGradients(model(), /./, [])).toThrow(/loraSbGradients: batches/);
    expect(() => loraSbGradients({} as never, /./, batches)).toThrow(/loraSbGradients: model/);
    expect(() => loraSbGradients(model(), /./, [{ x: randn(2, 4, 1), y: randn(2, 3, 1) }])).toThrow(ShapeError);
  });
});
