/**
 * The async device path against a float32 backend: gpu.js in its `cpu` mode runs the same
 * kernels a GPU would (in float32), without needing a GPU context. Skipped when gpu.js (an
 * optional peer dependency of @x/gpu) cannot be loaded.
 */
import { createDevice, type Device, type Matrix, matmul, rng } from '@x/gpu';
import { afterAll, describe, expect, it } from 'vitest';
import { Adam, fit, Linear, mseLoss, Sequential, Tanh } from '../src';

let dev: Device | null = null;
try {
  dev = await createDevice({ backend: 'gpujs', mode: 'cpu' });
} catch {
  dev = null;
}
afterAll(() => dev?.dispose());

const randm = (rows: number, cols: number, seed: number): Matrix => ({ rows, cols, data: rng(seed).fillNormal(new Float64Array(rows * cols)) });
const abs = (a: Matrix): Matrix => ({ rows: a.rows, cols: a.cols, data: a.data.map(Math.abs) });

/**
 * float32 bound for a length-k dot product whose inputs were rounded to float32:
 * (k + 2) u32 Σ|a_p b_p| with u32 = 2^-24, doubled for slack in the summation order.
 */
function expectF32Close(got: Matrix, want: Matrix, absProd: Matrix, k: number): void {
  const bound = (k + 2) * 2 ** -23;
  for (let i = 0; i < want.data.length; i++) {
    const tol = bound * absProd.data[i]! + 1e-30;
    if (!(Math.abs(got.data[i]! - want.data[i]!) <= tol)) expect.fail(`entry ${i}: device ${got.data[i]}, cpu ${want.data[i]}, bound ${tol}`);
  }
}

describe.skipIf(!dev)('Linear on a gpu.js device (float32)', () => {
  it(`forwardAsync/backwardAsync match the CPU path within float32 rounding (${dev?.info.mode})`, async () => {
    const x = randm(33, 17, 1);
    const dy = randm(33, 9, 2);
    const cpu = new Linear(17, 9, { seed: 3, biasInit: 'fan-in-uniform' });
    const gpu = new Linear(17, 9, { seed: 3, biasInit: 'fan-in-uniform', device: dev!, deviceThreshold: 0 });
    expect(gpu.device!.info.precision).toBe('float32');
    const W = cpu.weight;
    const y = await gpu.forwardAsync(x);
    const yAbs = matmul(abs(x), abs(W), { transB: true });
    expectF32Close(y, cpu.forward(x), yAbs, 17);
    const dx = await gpu.backwardAsync(dy);
    expectF32Close(dx, cpu.backward(dy), matmul(abs(dy), abs(W)), 9);
    const gw = { rows: 9, cols: 17, data: gpu.weightGrad };
    expectF32Close(gw, { rows: 9, cols: 17, data: cpu.weightGrad }, matmul(abs(dy), abs(x), { transA: true }), 33);
    expect(Array.from(gpu.biasGrad)).toEqual(Array.from(cpu.biasGrad));
  });

  it('fit({ device }) trains the toy regression on it', async () => {
    const n = 64;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = -1 + (2 * i) / (n - 1);
      ys[i] = Math.sin(3 * xs[i]!);
    }
    const data = { x: { rows: n, cols: 1, data: xs }, y: { rows: n, cols: 1, data: ys } };
    const model = new Sequential(
      new Linear(1, 16, { seed: 0, biasInit: { uniform: 1 }, deviceThreshold: 0 }),
      new Tanh(),
      new Linear(16, 1, { seed: 1, deviceThreshold: 0 }),
    );
    const res = await fit({ model, loss: mseLoss, optimizer: new Adam({ lr: 2e-2 }), data, batchSize: 32, steps: 150, device: dev! });
    expect(res.losses[149]!).toBeLessThan(res.losses[0]! / 10);
  });
});
