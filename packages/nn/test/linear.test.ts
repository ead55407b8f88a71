import { createDevice, DomainError, type Matrix, matmul, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertGradCheck, initScale, Linear, moduleFromJSON } from '../src';
import fixture from './fixtures/linear-shapes.json';
import { expectBitwiseEqual, expectClose } from './helpers';

const m = (rows: number, cols: number, data: ArrayLike<number>): Matrix => ({ rows, cols, data: Float64Array.from(data) });
const abs = (a: Matrix): Matrix => ({ rows: a.rows, cols: a.cols, data: a.data.map(Math.abs) });
const U = 2 ** -53;

/**
 * Rounding bound for a length-k dot product: |fl(s) - s| <= γ_k Σ|a_p b_p| with γ_k ≈ k u
 * (Higham, Accuracy and Stability, eq. 3.5); the GEMM and numpy sum in different orders, so
 * allow twice that, plus the bias add (one more rounding of the result).
 */
function expectGemmClose(actual: ArrayLike<number>, expected: ArrayLike<number>, absProd: Matrix, k: number): void {
  const gamma = 2 * (k + 2) * U;
  for (let i = 0; i < expected.length; i++) {
    const bound = gamma * (absProd.data[i]! + Math.abs(expected[i]!)) + 1e-300;
    if (!(Math.abs(actual[i]! - expected[i]!) <= bound)) {
      expect.fail(`entry ${i}: got ${actual[i]}, numpy ${expected[i]}, bound ${bound}`);
    }
  }
}

describe('Linear vs numpy (tooling/fixtures/nn_linear.py)', () => {
  for (const c of fixture.cases) {
    it(`batch ${c.batch}, ${c.in} -> ${c.out}`, () => {
      const l = new Linear(c.in, c.out, { weight: c.w, bias: c.b });
      const x = m(c.batch, c.in, c.x);
      const dy = m(c.batch, c.out, c.dy);
      const W = m(c.out, c.in, c.w);
      const y = l.forward(x);
      expect([y.rows, y.cols]).toEqual([c.batch, c.out]);
      expectGemmClose(y.data, c.y, matmul(abs(x), abs(W), { transB: true }), c.in);
      const dx = l.backward(dy);
      expect([dx.rows, dx.cols]).toEqual([c.batch, c.in]);
      expectGemmClose(dx.data, c.dx, matmul(abs(dy), abs(W)), c.out);
      const [pw, pb] = l.parameters();
      expect(pw!.name).toBe('weight');
      expect(pw!.shape).toEqual([c.out, c.in]);
      expect(pb!.name).toBe('bias');
      expectGemmClose(pw!.grad, c.dw, matmul(abs(dy), abs(x), { transA: true }), c.batch);
      const absDb = new Float64Array(c.out);
      for (let i = 0; i < c.batch; i++) for (let j = 0; j < c.out; j++) absDb[j]! += Math.abs(c.dy[i * c.out + j]!);
      expectGemmClose(pb!.grad, c.db, { rows: 1, cols: c.out, data: absDb }, c.batch);
      // Gradients accumulate until zeroGrad.
      const once = pw!.grad.slice();
      l.forward(x);
      l.backward(dy);
      expectClose(pw!.grad, once.map((v) => 2 * v), 1e-15, 1e-300);
      l.zeroGrad();
      expect(pw!.grad.every((v) => v === 0) && pb!.grad.every((v) => v === 0)).toBe(true);
    });
  }
});

describe('Linear', () => {
  it('exposes weight (out x in) and bias (out) sharing storage with parameters()', () => {
    const l = new Linear(3, 2, { seed: 1 });
    expect([l.weight.rows, l.weight.cols]).toEqual([2, 3]);
    expect(l.bias).toBeInstanceOf(Float64Array);
    expect(l.bias.length).toBe(2);
    const [w, b] = l.parameters();
    expect(w!.value).toBe(l.weight.data);
    expect(b!.value).toBe(l.bias);
    w!.value[0] = 5;
    expect(l.forward(m(1, 3, [1, 0, 0])).data[0]).toBe(5 + l.bias[0]!);
  });

  it('passes gradCheck (with bias, without bias, float32 input)', () => {
    const x = m(6, 5, rng(3).fillNormal(new Float64Array(30)));
    assertGradCheck(new Linear(5, 4, { seed: 2, biasInit: 'fan-in-uniform' }), x);
    const nb = new Linear(5, 3, { seed: 2, bias: false });
    expect(nb.parameters().map((p) => p.name)).toEqual(['weight']);
    assertGradCheck(nb, x);
    const x32 = { rows: 6, cols: 5, data: Float32Array.from(x.data) };
    expect(new Linear(5, 4, { seed: 2 }).forward(x32).data).toBeInstanceOf(Float64Array);
  });

  it('is seeded: same seed same weights, different seed different weights; Rng streams advance', () => {
    expectBitwiseEqual(new Linear(7, 5, { seed: 9 }).weight.data, new Linear(7, 5, { seed: 9 }).weight.data);
    expect(new Linear(7, 5, { seed: 9 }).weight.data).not.toEqual(new Linear(7, 5, { seed: 10 }).weight.data);
    const r = rng(4);
    const a = new Linear(3, 3, { seed: r });
    const b = new Linear(3, 3, { seed: r });
    expect(a.weight.data).not.toEqual(b.weight.data);
  });

  it.each([
    ['xavier-uniform', 'uniform', Math.sqrt(6 / 300)],
    ['glorot-normal', 'normal', Math.sqrt(2 / 300)],
    ['kaiming-uniform', 'uniform', Math.SQRT2 * Math.sqrt(3 / 200)],
    ['he-normal', 'normal', Math.SQRT2 / Math.sqrt(200)],
    ['lecun-uniform', 'uniform', Math.sqrt(3 / 200)],
    ['lecun-normal', 'normal', 1 / Math.sqrt(200)],
  ] as const)('init %s draws with the documented %s scale', (scheme, kind, scale) => {
    expect(initScale(scheme, 200, 100)).toEqual({ kind, scale: expect.closeTo(scale, 14) });
    const w = new Linear(200, 100, { init: scheme, seed: 5 }).weight.data;
    const n = w.length;
    let s = 0;
    let s2 = 0;
    let mx = 0;
    for (const v of w) {
      s += v;
      s2 += v * v;
      mx = Math.max(mx, Math.abs(v));
    }
    const std = Math.sqrt(s2 / n - (s / n) ** 2);
    const want = kind === 'uniform' ? scale / Math.sqrt(3) : scale;
    // 20000 draws: the sample std is within a few percent; the uniform bound is respected.
    expect(Math.abs(std / want - 1)).toBeLessThan(0.03);
    expect(Math.abs(s / n)).toBeLessThan(4 * want / Math.sqrt(n));
    if (kind === 'uniform') expect(mx).toBeLessThanOrEqual(scale);
  });

  it('takes uniform(bound), normal(std), gain and explicit values', () => {
    const u = new Linear(10, 10, { init: { uniform: 0.01 }, seed: 1 }).weight.data;
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(0.01);
    expect(initScale({ normal: 0.5 }, 3, 4)).toEqual({ kind: 'normal', scale: 0.5 });
    expect(initScale('xavier-uniform', 3, 3, { gain: 2 }).scale).toBeCloseTo(2, 14);
    const given = new Linear(2, 2, { weight: m(2, 2, [1, 2, 3, 4]), bias: [5, 6] });
    expect(Array.from(given.forward(m(1, 2, [1, 1])).data)).toEqual([8, 13]);
    expect(() => new Linear(2, 2, { weight: m(2, 3, [1, 2, 3, 4, 5, 6]) })).toThrow(ShapeError);
    expect(() => new Linear(2, 2, { bias: [1, 2, 3] })).toThrow(ShapeError);
    expect(() => new Linear(0, 2)).toThrow(DomainError);
    expect(() => new Linear(2, 2, { init: { uniform: -1 } })).toThrow(DomainError);
  });

  it('rejects bad shapes with ShapeErrors naming the layer and both shapes, leaving state unchanged', () => {
    const l = new Linear(3, 2, { seed: 1, name: 'enc.fc1' });
    const x = m(4, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const y0 = l.forward(x);
    expect(() => l.forward(m(4, 5, new Float64Array(20)))).toThrow(/enc\.fc1: x is 4x5, expected batch x 3 \(weight is 2x3\)/);
    expect(() => l.forward(m(4, 5, new Float64Array(20)))).toThrow(ShapeError);
    expect(() => l.backward(m(3, 2, new Float64Array(6)))).toThrow(/enc\.fc1: dy is 3x2, expected 4x2/);
    // The failed calls changed nothing: backward still refers to the first forward.
    const dy = m(4, 2, [1, 0, 0, 1, 1, 1, 0, 0]);
    const dx = l.backward(dy);
    const ref = new Linear(3, 2, { weight: l.weight, bias: l.bias });
    expectBitwiseEqual(ref.forward(x).data, y0.data);
    expectBitwiseEqual(ref.backward(dy).data, dx.data);
    expectBitwiseEqual(ref.weightGrad, l.weightGrad);
    expect(() => new Linear(3, 2).backward(dy)).toThrow(/before forward/);
    expect(() => l.forward({ rows: 2, cols: 3, data: new Float64Array(5) })).toThrow(ShapeError);
  });

  it('round-trips through JSON exactly', () => {
    const l = new Linear(4, 3, { seed: 8, biasInit: 'fan-in-uniform', name: 'head' });
    const back = moduleFromJSON(JSON.parse(JSON.stringify(l)));
    expect(back).toBeInstanceOf(Linear);
    const b = back as Linear;
    expect(b.name).toBe('head');
    expectBitwiseEqual(b.weight.data, l.weight.data);
    expectBitwiseEqual(b.bias, l.bias);
    const nb = Linear.fromJSON(new Linear(2, 2, { bias: false }).toJSON());
    expect(nb.useBias).toBe(false);
  });

  it('runs its products on a device through forwardAsync/backwardAsync', async () => {
    const dev = await createDevice({ backend: 'js' });
    const x = m(9, 6, rng(1).fillNormal(new Float64Array(54)));
    const dy = m(9, 4, rng(2).fillNormal(new Float64Array(36)));
    const cpu = new Linear(6, 4, { seed: 3, biasInit: 'fan-in-uniform' });
    const onDev = new Linear(6, 4, { seed: 3, biasInit: 'fan-in-uniform', device: dev, deviceThreshold: 0 });
    const calls: string[] = [];
    const spy = new Proxy(dev, {
      get(t, p, r) {
        if (p === 'matmul') calls.push('matmul');
        return Reflect.get(t, p, r);
      },
    });
    onDev.device = spy;
    const y1 = cpu.forward(x);
    const y2 = await onDev.forwardAsync(x);
    // The js device runs the same float64 GEMM, so results agree to the last bit.
    expectBitwiseEqual(y2.data, y1.data);
    expectBitwiseEqual((await onDev.backwardAsync(dy)).data, cpu.backward(dy).data);
    expectBitwiseEqual(onDev.weightGrad, cpu.weightGrad);
    expectBitwiseEqual(onDev.biasGrad, cpu.biasGrad);
    expect(calls.length).toBe(3);
    // Below the threshold the CPU path is used.
    onDev.deviceThreshold = 1e9;
    await onDev.forwardAsync(x);
    expect(calls.length).toBe(3);
    await expect(onDev.forwardAsync(m(2, 2, [1, 2, 3, 4]))).rejects.toThrow(ShapeError);
  });

  it('property: forward is x Wᵀ + b and backward is its adjoint, for 1x1, tall, wide and empty batches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.nat(1000), (batch, fin, fout, seed) => {
        const l = new Linear(fin, fout, { seed, biasInit: 'fan-in-uniform' });
        const r = rng(seed + 1);
        const x = m(batch, fin, r.fillNormal(new Float64Array(batch * fin)));
        const dy = m(batch, fout, r.fillNormal(new Float64Array(batch * fout)));
        const y = l.forward(x);
        let adj1 = 0;
        for (let i = 0; i < batch; i++) {
          for (let o = 0; o < fout; o++) {
            let s = l.bias[o]!;
            for (let k = 0; k < fin; k++) s += x.data[i * fin + k]! * l.weight.data[o * fin + k]!;
            expect(Math.abs(y.data[i * fout + o]! - s)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(s)) * fin);
            adj1 += dy.data[i * fout + o]! * (y.data[i * fout + o]! - l.bias[o]!);
          }
        }
        // <dy, x Wᵀ> = <dy W, x> = <dyᵀ x, W>
        const dx = l.backward(dy);
        let adj2 = 0;
        for (let i = 0; i < dx.data.length; i++) adj2 += dx.data[i]! * x.data[i]!;
        let adj3 = 0;
        for (let i = 0; i < l.weightGrad.length; i++) adj3 += l.weightGrad[i]! * l.weight.data[i]!;
        const scale = 1e-12 * (1 + Math.abs(adj1)) * (fin + fout + batch);
        expect(Math.abs(adj1 - adj2)).toBeLessThanOrEqual(scale);
        expect(Math.abs(adj1 - adj3)).toBeLessThanOrEqual(scale);
      }),
      { numRuns: 100 },
    );
  });
});
