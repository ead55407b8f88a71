import { describe, expect, it } from 'vitest';
import { DomainError, eye, matmul, randn, ShapeError } from '@x/gpu';
import { eigh, svd } from '@x/linalg';
import { Adam, mseLoss } from '@x/nn';
import { bitEqual, maxAbsDiff, relFro } from '@x/test-utils';
import {
  HouseholderProjectorLayer,
  householderProduct,
  householderProductBackward,
  householderProjector,
  householderProjectorBackward,
  householderProjectorInit,
  householderVectorsOf,
  semanticDirections,
} from '../src';

describe('Householder projector', () => {
  it('Q(V) is orthogonal and equals the sequential product of reflectors', () => {
    const V = randn(8, 5, 1);
    const Q = householderProduct(V);
    expect(relFro(matmul(Q, Q, { transA: true }), eye(8))).toBeLessThan(1e-14);
    let seq = eye(8);
    for (let j = 0; j < 5; j++) {
      const v = Array.from({ length: 8 }, (_, i) => V.data[i * 5 + j]!);
      const nn = v.reduce((s, x) => s + x * x, 0);
      const H = eye(8);
      for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) H.data[a * 8 + b]! -= (2 * v[a]! * v[b]!) / nn;
      seq = matmul(seq, H);
    }
    expect(relFro(Q, seq)).toBeLessThan(1e-14);
  });

  it('Householder vectors of an orthogonal matrix rebuild it up to column signs', () => {
    const { U } = svd(randn(6, 6, 2));
    const { V, signs } = householderVectorsOf(U);
    const Q = householderProduct(V);
    const Qs = { rows: 6, cols: 6, data: Q.data.map((v, i) => v * signs[i % 6]!) };
    expect(relFro(Qs, U)).toBeLessThan(1e-13);
    expect(() => householderVectorsOf(randn(4, 4, 3))).toThrow(/not orthogonal/);
  });

  it('PᵀP has eigenvalues {0 x (d-k), 1 x k}; semantic directions span W’s top-k right singular vectors', () => {
    const W = randn(7, 7, 4);
    const init = householderProjectorInit(W);
    const k = 3;
    const P = householderProjector(init.U, init.V, k);
    const ev = eigh(matmul(P, P, { transA: true })).values;
    for (let i = 0; i < 7; i++) expect(ev[i]).toBeCloseTo(i < 7 - k ? 0 : 1, 12);
    const dirs = semanticDirections(init.V, k);
    expect(relFro(matmul(dirs, dirs, { transB: true }), eye(k))).toBeLessThan(1e-13);
    // Projector onto span(dirs) equals the projector onto W's top-k right singular vectors.
    const Vk = svd(W, { k }).V;
    expect(relFro(matmul(dirs, dirs, { transA: true }), matmul(Vk, Vk, { transB: true }))).toBeLessThan(1e-12);
  });
});

/** Central finite differences of f at x (in place, restored), one entry at a time. */
function fd(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + h;
    const fp = f();
    x[i] = x0 - h;
    const fm = f();
    x[i] = x0;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('Householder projector gradients', () => {
  it('householderProductBackward matches finite differences (k < d, k = d, a zero column)', () => {
    for (const [d, k, seed] of [
      [6, 3, 11],
      [5, 5, 12],
      [7, 1, 13],
    ] as const) {
      const V = randn(d, k, seed);
      if (k === 3) for (let i = 0; i < d; i++) V.data[i * k + 1] = 0;
      const G = randn(d, d, seed + 100);
      const loss = () => dot(householderProduct(V).data, G.data);
      const got = householderProductBackward(V, G);
      const want = fd(loss, V.data);
      expect(maxAbsDiff(got.data, want)).toBeLessThan(1e-7);
      if (k === 3) for (let i = 0; i < d; i++) expect(got.data[i * k + 1]).toBe(0);
    }
  });

  it('a reflector depends on its vector\'s direction only: columns times 2^±600 (‖v‖² over- or underflows) change nothing', () => {
    const d = 6;
    const k = 3;
    const V = randn(d, k, 31);
    const G = randn(d, d, 32);
    const Q = householderProduct(V);
    const g = householderProductBackward(V, G);
    for (const s of [2 ** 600, 2 ** -600]) {
      // Column 1 scaled: Q is unchanged; its gradient scales by 1/s (degree −1), the others not at all.
      const Vs = { rows: d, cols: k, data: V.data.map((v, i) => (i % k === 1 ? v * s : v)) };
      expect(maxAbsDiff(householderProduct(Vs).data, Q.data), `× ${s}`).toBeLessThan(1e-14);
      const gs = householderProductBackward(Vs, G);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < k; j++) {
          const want = j === 1 ? g.data[i * k + j]! / s : g.data[i * k + j]!;
          expect(Math.abs(gs.data[i * k + j]! - want), `× ${s} [${i}, ${j}]`).toBeLessThan(1e-12 * (j === 1 ? 1 / s : 1));
        }
      }
    }
  });

  it('householderProjectorBackward matches finite differences, with fewer reflectors than d', () => {
    const d = 6;
    const k = 2;
    const U = randn(d, 4, 21);
    const V = randn(d, d, 22);
    const G = randn(d, d, 23);
    const got = householderProjectorBackward(U, V, k, G);
    const loss = () => dot(householderProjector(U, V, k).data, G.data);
    expect(maxAbsDiff(got.dU.data, fd(loss, U.data))).toBeLessThan(1e-7);
    expect(maxAbsDiff(got.dV.data, fd(loss, V.data))).toBeLessThan(1e-7);
  });

  it('HouseholderProjectorLayer: forward is c x Pᵀ + b, backward matches finite differences for x, U, V and the bias', () => {
    const d = 5;
    const layer = new HouseholderProjectorLayer({ U: randn(d, d, 31), V: randn(d, d, 32), k: 3, scale: 1.7, bias: [0.1, -0.2, 0.3, 0, 0.5] });
    const x = randn(4, d, 33);
    const G = randn(4, d, 34);
    const P = householderProjector(layer.U, layer.V, 3);
    const y = layer.forward(x);
    const want = matmul(x, P, { transB: true });
    for (let i = 0; i < 4; i++) for (let j = 0; j < d; j++) want.data[i * d + j] = 1.7 * want.data[i * d + j]! + layer.bias![j]!;
    expect(maxAbsDiff(y.data, want.data)).toBeLessThan(1e-14);
    layer.zeroGrad();
    const dx = layer.backward(G);
    const loss = () => dot(layer.forward(x).data, G.data);
    expect(maxAbsDiff(dx.data, fd(loss, x.data as Float64Array))).toBeLessThan(1e-7);
    const [pU, pV, pb] = layer.parameters();
    expect(maxAbsDiff(pU!.grad, fd(loss, layer.U.data))).toBeLessThan(1e-7);
    expect(maxAbsDiff(pV!.grad, fd(loss, layer.V.data))).toBeLessThan(1e-7);
    expect(maxAbsDiff(pb!.grad, fd(loss, layer.bias!))).toBeLessThan(1e-7);
  });

  it('training keeps P a scaled rank-k partial isometry; save → JSON → restore → continue is bit-identical', () => {
    const d = 6;
    const W = randn(d, d, 41);
    const layer = HouseholderProjectorLayer.fromWeight(W, 3);
    const sigma = svd(W).S;
    expect(layer.scale).toBeCloseTo((sigma[0]! + sigma[1]! + sigma[2]!) / 3, 12);
    const X = randn(20, d, 42);
    const Y = randn(20, d, 43);
    const run = (l: HouseholderProjectorLayer, opt: Adam, steps: number) => {
      for (let t = 0; t < steps; t++) {
        l.zeroGrad();
        l.backward(mseLoss(l.forward(X), Y).grad);
        opt.step(l.parameters());
      }
    };
    const opt = new Adam({ lr: 1e-2 });
    run(layer, opt, 5);
    const copy = HouseholderProjectorLayer.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
    const opt2 = Adam.fromJSON(JSON.parse(JSON.stringify(opt.toJSON())));
    run(layer, opt, 5);
    run(copy, opt2, 5);
    expect(bitEqual(copy.U.data, layer.U.data) && bitEqual(copy.V.data, layer.V.data)).toBe(true);
    const P = layer.weight();
    const ev = eigh(matmul(P, P, { transA: true })).values;
    const c2 = layer.scale ** 2;
    for (let i = 0; i < d; i++) expect(ev[i]! / c2).toBeCloseTo(i < d - 3 ? 0 : 1, 10);
    const dirs = layer.directions();
    expect(relFro(matmul(dirs, dirs, { transB: true }), eye(3))).toBeLessThan(1e-13);
  });

  it('refuses bad input with typed errors and leaves the layer unchanged', () => {
    const layer = new HouseholderProjectorLayer({ U: randn(4, 4, 1), V: randn(4, 4, 2), k: 2 });
    const before = Float64Array.from(layer.U.data);
    expect(() => layer.forward(randn(2, 3, 1))).toThrow(ShapeError);
    const bad = randn(2, 4, 1);
    bad.data[3] = Number.NaN;
    expect(() => layer.forward(bad)).toThrow(DomainError);
    expect(() => layer.backward(randn(2, 4, 1))).toThrow(/before forward/);
    expect(() => new HouseholderProjectorLayer({ U: randn(4, 4, 1), V: randn(3, 3, 2), k: 2 })).toThrow(ShapeError);
    expect(() => new HouseholderProjectorLayer({ U: randn(4, 4, 1), V: randn(4, 4, 2), k: 5 })).toThrow(DomainError);
    expect(() => new HouseholderProjectorLayer({ U: randn(4, 4, 1), V: randn(4, 4, 2), k: 2, scale: 0 })).toThrow(DomainError);
    expect(() => householderProductBackward(randn(4, 2, 1), randn(3, 3, 1))).toThrow(ShapeError);
    expect(() => HouseholderProjectorLayer.fromJSON({ ...layer.toJSON(), config: { ...layer.toJSON().config, d: 5 } })).toThrow(/length|ShapeError|expected/);
    expect(bitEqual(layer.U.data, before)).toBe(true);
  });
});
