import { DomainError, ShapeError } from '@x/gpu';
import { Adam, gradCheck, type Module } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { fftConv, S4DLayer, s4dRecurrence } from '../src';

function input(B: number, L: number, H: number, seed: number) {
  let s = seed;
  const data = Float64Array.from({ length: B * L * H }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  return { rows: B, cols: L * H, data };
}

describe('S4DLayer', () => {
  it('forward = per-channel kernel convolution + D u, and equals the recurrent mode', () => {
    const layer = new S4DLayer({ channels: 2, stateSize: 8, seed: 1 });
    const L = 50;
    const x = input(3, L, 2, 9);
    const y = layer.forward(x);
    for (let b = 0; b < 3; b++) {
      for (let h = 0; h < 2; h++) {
        const u = Float64Array.from({ length: L }, (_, t) => x.data[b * L * 2 + t * 2 + h]!);
        const p = layer.channelParams(h);
        const D = layer.parameters().find((q) => q.name === 'D')!.value[h]!;
        const yr = s4dRecurrence(p, u, { D }).y;
        const yc = fftConv(u, layer.kernels(L)[h]!);
        for (let t = 0; t < L; t++) {
          expect(y.data[b * L * 2 + t * 2 + h]).toBeCloseTo(yc[t]! + D * u[t]!, 12);
          expect(y.data[b * L * 2 + t * 2 + h]).toBeCloseTo(yr[t]!, 11);
        }
      }
    }
  });
  it('backward: parameter and input gradients match central finite differences', () => {
    const layer = new S4DLayer({ channels: 2, stateSize: 6, seed: 3, dtMin: 0.05, dtMax: 0.3 });
    const L = 17;
    const x = input(2, L, 2, 5);
    const W = Float64Array.from({ length: x.data.length }, (_, i) => Math.sin(0.9 * i + 0.3));
    const loss = () => {
      const y = layer.forward(x);
      let s = 0;
      for (let i = 0; i < W.length; i++) s += W[i]! * y.data[i]!;
      return s;
    };
    layer.zeroGrad();
    loss();
    const dx = layer.backward({ rows: x.rows, cols: x.cols, data: W });
    const eps = 1e-6;
    for (const p of layer.parameters()) {
      let worst = 0;
      let scale = 1e-3;
      for (let i = 0; i < p.value.length; i++) {
        const old = p.value[i]!;
        p.value[i] = old + eps;
        const lp = loss();
        p.value[i] = old - eps;
        const lm = loss();
        p.value[i] = old;
        const fd = (lp - lm) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - p.grad[i]!));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(worst / scale, p.name).toBeLessThan(1e-6);
    }
    let worst = 0;
    for (const i of [0, 5, 17, 33, 40, 67]) {
      const old = x.data[i]!;
      x.data[i] = old + eps;
      const lp = loss();
      x.data[i] = old - eps;
      const lm = loss();
      x.data[i] = old;
      worst = Math.max(worst, Math.abs((lp - lm) / (2 * eps) - dx.data[i]!));
    }
    expect(worst).toBeLessThan(1e-6);
  });
  it("passes @x/nn's gradCheck as a Module (every parameter and the input)", () => {
    const layer: Module = new S4DLayer({ channels: 3, stateSize: 8, seed: 11, init: 'inv', dtMin: 0.02, dtMax: 0.2 });
    const report = gradCheck(layer, input(2, 12, 3, 4), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
    expect(report.parameters.length).toBe(8);
    expect(report.passed).toBe(true);
  });
  it('@x/nn Adam steps it, and a checkpointed layer resumes bit-identically', () => {
    const x = input(4, 16, 1, 2);
    const run = (layer: S4DLayer, opt: Adam, steps: number) => {
      for (let s = 0; s < steps; s++) {
        layer.zeroGrad();
        const y = layer.forward(x);
        layer.backward(y); // loss = 1/2 ||y||²
        opt.step(layer.parameters());
      }
    };
    const a = new S4DLayer({ channels: 1, stateSize: 8, seed: 6 });
    const oa = new Adam({ lr: 0.01 });
    run(a, oa, 3);
    const b = S4DLayer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const ob = Adam.fromJSON(JSON.parse(JSON.stringify(oa.toJSON())));
    run(a, oa, 4);
    run(b, ob, 4);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });
  it('toJSON/fromJSON round trip is bit-identical', () => {
    const a = new S4DLayer({ channels: 3, stateSize: 8, seed: 2, init: 'inv' });
    const b = S4DLayer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const x = input(2, 20, 3, 1);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });
  it('a rejected forward leaves the cached state unchanged', () => {
    const a = new S4DLayer({ channels: 2, stateSize: 4, seed: 5 });
    const x = input(1, 10, 2, 3);
    a.forward(x);
    expect(() => a.forward({ rows: 1, cols: 5, data: new Float64Array(5) })).toThrow(ShapeError);
    const bad = { rows: 1, cols: 20, data: new Float64Array(20).fill(Number.NaN) };
    expect(() => a.forward(bad)).toThrow(DomainError);
    const dx = a.backward({ rows: 1, cols: 20, data: new Float64Array(20).fill(1) });
    expect(dx.cols).toBe(20);
  });
  it('typed errors', () => {
    const a = new S4DLayer({ channels: 3, stateSize: 8 });
    expect(() => a.forward({ rows: 1, cols: 7, data: new Float64Array(7) })).toThrow(ShapeError);
    expect(() => a.backward({ rows: 1, cols: 6, data: new Float64Array(6) })).toThrow(DomainError);
    expect(() => new S4DLayer({ channels: 2, stateSize: 7 })).toThrow(DomainError);
  });
});
