import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { fitSirenPinn, type PdeProblem, sirenDerivatives, sirenInit, sirenModel, sirenPinnLoss } from '../src/index';

const params = sirenInit([2, 8, 8, 1], { seed: 1, omega0: 5 });
const pts = [0.1, 0.2, 0.5, -0.3, 0.9, 0.7];
const X = { rows: 3, cols: 2, data: Float64Array.from(pts) };

describe('sirenDerivatives', () => {
  it('u is the SIREN module’s output; ∂u and ∂²u match central differences in each input', () => {
    const d = sirenDerivatives(params, X);
    const y = sirenModel(params).forward(X).data;
    for (let i = 0; i < 3; i++) expect(Math.abs(d.u[i]! - y[i]!)).toBeLessThan(1e-14);
    const h = 1e-4;
    for (let k = 0; k < 2; k++) {
      const shift = (s: number) => ({ ...X, data: X.data.map((v, i) => (i % 2 === k ? v + s : v)) });
      const up = sirenDerivatives(params, shift(h)).u;
      const um = sirenDerivatives(params, shift(-h)).u;
      for (let i = 0; i < 3; i++) {
        const fd1 = (up[i]! - um[i]!) / (2 * h);
        const fd2 = (up[i]! - 2 * d.u[i]! + um[i]!) / (h * h);
        expect(Math.abs(fd1 - d.du[k]![i]!)).toBeLessThan(1e-7 * (1 + Math.abs(fd1)));
        expect(Math.abs(fd2 - d.d2u[k]![i]!)).toBeLessThan(1e-5 * (1 + Math.abs(fd2)));
      }
    }
  });

  it('refuses bad input with typed errors', () => {
    expect(() => sirenDerivatives(params, { rows: 3, cols: 1, data: new Float64Array(3) })).toThrow(ShapeError);
    expect(() => sirenDerivatives(params, { rows: 1, cols: 2, data: Float64Array.of(0, Number.NaN) })).toThrow(DomainError);
    expect(() => sirenDerivatives({ ...params, omegas: [] }, X)).toThrow(ShapeError);
    expect(() => sirenDerivatives(null as never, X)).toThrow(DomainError);
  });
});

const x = [0, 0.25, 0.5, 0.75, 1];
const y = [0, 0.3, 0.7, 1];
const problem: PdeProblem = {
  grid: [x, y],
  terms: [
    { coef: -1, orders: [2, 0] },
    { coef: -0.5, orders: [0, 2] },
    { coef: 0.3, orders: [1, 0] },
    { coef: 0.2, orders: [0, 1] },
    { coef: 0.7, orders: [0, 0] },
  ],
  f: Float64Array.from({ length: 20 }, (_, i) => Math.sin(i)),
  g: Float64Array.from({ length: 20 }, (_, i) => Math.cos(i)),
  boundary: Array.from({ length: 20 }, (_, i) => i % 4 === 0 || i < 4),
};

describe('sirenPinnLoss', () => {
  it('the loss is the residual + boundary mean squares of sirenDerivatives; its gradient matches central differences', () => {
    const r = sirenPinnLoss(params, problem, { boundaryWeight: 3 });
    // Recompute the loss from the network's derivatives at the grid (first axis slowest).
    const coords = { rows: 20, cols: 2, data: new Float64Array(40) };
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) coords.data.set([x[i]!, y[j]!], (i * 4 + j) * 2);
    const d = sirenDerivatives(params, coords);
    let res = 0;
    let bnd = 0;
    let nb = 0;
    for (let i = 0; i < 20; i++) {
      if (problem.boundary[i]) {
        bnd += (d.u[i]! - problem.g[i]!) ** 2;
        nb++;
      } else res += (-d.d2u[0]![i]! - 0.5 * d.d2u[1]![i]! + 0.3 * d.du[0]![i]! + 0.2 * d.du[1]![i]! + 0.7 * d.u[i]! - problem.f[i]!) ** 2;
    }
    expect(r.loss).toBeCloseTo(res / (20 - nb) + (3 * bnd) / nb, 10);
    const h = 1e-6;
    for (let l = 0; l < 3; l++) {
      for (const [arr, g] of [
        [params.weights[l]!.data, r.gradWeights[l]!],
        [params.biases[l]!, r.gradBiases[l]!],
      ] as const) {
        for (let i = 0; i < arr.length; i += 3) {
          const o = arr[i]!;
          arr[i] = o + h;
          const lp = sirenPinnLoss(params, problem, { boundaryWeight: 3 }).loss;
          arr[i] = o - h;
          const lm = sirenPinnLoss(params, problem, { boundaryWeight: 3 }).loss;
          arr[i] = o;
          const fd = (lp - lm) / (2 * h);
          expect(Math.abs(fd - g[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      }
    }
  });

  it('refuses mixed derivatives, a network of the wrong input width and bad options', () => {
    expect(() => sirenPinnLoss(params, { ...problem, terms: [{ coef: 1, orders: [1, 1] }] })).toThrow(DomainError);
    expect(() => sirenPinnLoss(sirenInit([1, 4, 1]), problem)).toThrow(ShapeError);
    expect(() => sirenPinnLoss(params, problem, { boundaryWeight: -1 })).toThrow(DomainError);
    expect(() => sirenPinnLoss(params, problem, { nope: 1 } as never)).toThrow(DomainError);
    expect(() => sirenPinnLoss(params, { ...problem, f: [1, 2] })).toThrow(ShapeError);
  });
});

describe('fitSirenPinn', () => {
  it('lowers the loss, leaves the input parameters alone and returns u at the grid', () => {
    const before = Float64Array.from(params.weights[0]!.data);
    const r = fitSirenPinn(params, problem, { steps: 40, lr: 1e-2 });
    expect(r.loss).toBeLessThan(r.history[0]! / 2);
    expect(Array.from(params.weights[0]!.data)).toEqual(Array.from(before));
    expect(r.u).toHaveLength(20);
    expect(r.loss).toBeCloseTo(sirenPinnLoss(r.params, problem).loss, 12);
    const ac = new AbortController();
    expect(() => fitSirenPinn(params, problem, { steps: 5, signal: ac.signal, onProgress: () => ac.abort() })).toThrow(/aborted/);
    expect(() => fitSirenPinn(params, problem, { steps: 1.5 })).toThrow(DomainError);
    expect(() => fitSirenPinn(params, problem, { lr: 0 })).toThrow(DomainError);
  });
});
