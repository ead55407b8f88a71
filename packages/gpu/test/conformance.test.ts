/**
 * One kernel suite, run against every backend present (tfjs-style conformance). `js` always
 * runs. `gpujs` runs where gpu.js finds a GPU context (headless GL under Xvfb in Node). With
 * X_REQUIRE_GPUJS_MODE=<mode> (set by .ci/run) a missing or fallen-back gpujs backend FAILS
 * instead of being left out, so CI cannot pass without really exercising the GPU path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  add,
  astype,
  BackendError,
  createDevice,
  type Device,
  dot,
  frobeniusNorm,
  gram,
  hadamard,
  matmul,
  matrix,
  maxAbs,
  randn,
  ShapeError,
  scale,
  sub,
  sum,
} from '../src';
import { relFro } from '@x/test-utils';
// The Node entry makes worker_threads pools for the threaded wasm backend.
import { createDevice as createNodeDevice, disableWasm } from '../src/node';

const required = process.env.X_REQUIRE_GPUJS_MODE;

afterAll(() => disableWasm());

interface Backend {
  name: string;
  make: (opts?: { maxTextureSize?: number }) => Promise<Device>;
  /** Relative Frobenius error the backend's arithmetic guarantees on these sizes. */
  tol: number;
}

const backends: Backend[] = [
  { name: 'js', make: () => createDevice({ backend: 'js' }), tol: 1e-14 },
  // Same float64 arithmetic as js; every Node and browser engine we target has wasm SIMD.
  { name: 'wasm', make: () => createDevice({ backend: 'wasm' }), tol: 1e-14 },
  // Two threads: large GEMMs split into column/row slices on a worker (bit-identical to one).
  {
    name: 'wasm x2 threads',
    make: async () => {
      const d = await createNodeDevice({ backend: 'wasm', threads: 2 });
      if (d.info.threads !== 2) throw new Error(`wasm threads: got ${d.info.threads} (${d.info.threadsReason})`);
      return d;
    },
    tol: 1e-14,
  },
];
let gpujsError: string | null = null;
try {
  const probe = await createDevice({ backend: 'gpujs' });
  probe.dispose();
  // float32 arithmetic: rounding inputs (2^-24) plus k-term accumulation; 1e-5 is the
  // contract for k = 200 (measured ~3e-7 on headless GL / llvmpipe).
  backends.push({ name: `gpujs`, make: (o) => createDevice({ backend: 'gpujs', ...o }), tol: 1e-5 });
} catch (e) {
  gpujsError = (e as Error).message;
}

describe('backend availability', () => {
  it(`gpujs runs in mode ${required ?? '(not required here)'}`, async () => {
    if (!required) return;
    expect(gpujsError, `gpujs backend unavailable: ${gpujsError}`).toBeNull();
    const d = await createDevice({ backend: 'gpujs' });
    expect(d.info.mode).toBe(required);
    expect(d.info.precision).toBe('float32');
    d.dispose();
  });

  it("auto either runs gpu.js on a GPU or says why it fell back", async () => {
    const d = await createDevice({ backend: 'auto' });
    if (d.info.backend !== 'gpujs') {
      expect(d.info.fallbackReason).toMatch(/gpu\.js/);
      if (required) throw new Error(`auto fell back although ${required} is required: ${d.info.fallbackReason}`);
    } else {
      expect(['headlessgl', 'webgl2', 'webgl', 'webgpu']).toContain(d.info.mode);
      expect(d.info.fallbackReason).toBeUndefined();
    }
    d.dispose();
  });

  it('an unknown backend name is a BackendError', async () => {
    await expect(createDevice({ backend: 'cuda' as 'js' })).rejects.toThrow(BackendError);
  });
});

describe.each(backends)('conformance: $name', ({ make, tol }) => {
  it('matmul of non-power-of-two shapes (300x200 by 200x100)', async () => {
    const d = await make();
    const a = randn(300, 200, 1);
    const b = randn(200, 100, 2);
    const c = await d.matmul(a, b);
    expect(c.rows).toBe(300);
    expect(c.cols).toBe(100);
    expect(c.data).toBeInstanceOf(Float64Array);
    expect(relFro(c, matmul(a, b))).toBeLessThan(tol);
    d.dispose();
  });

  it('matmul with every transpose combination, and gram on both sides', async () => {
    const d = await make();
    const a = randn(37, 23, 3);
    const b = randn(23, 41, 4);
    const at = randn(23, 37, 5);
    const bt = randn(41, 23, 6);
    expect(relFro(await d.matmul(at, b, { transA: true }), matmul(at, b, { transA: true }))).toBeLessThan(tol);
    expect(relFro(await d.matmul(a, bt, { transB: true }), matmul(a, bt, { transB: true }))).toBeLessThan(tol);
    expect(relFro(await d.matmul(at, bt, { transA: true, transB: true }), matmul(at, bt, { transA: true, transB: true }))).toBeLessThan(tol);
    const g = await d.gram(a);
    expect(relFro(g, gram(a))).toBeLessThan(tol);
    for (let i = 0; i < 23; i++) for (let j = 0; j < 23; j++) expect(g.data[i * 23 + j]).toBe(g.data[j * 23 + i]);
    expect(relFro(await d.gram(a, { outer: true }), gram(a, { outer: true }))).toBeLessThan(tol);
    d.dispose();
  });

  it('elementwise kernels', async () => {
    const d = await make();
    const a = randn(19, 33, 7);
    const b = randn(19, 33, 8);
    expect(relFro(await d.add(a, b), add(a, b))).toBeLessThan(tol);
    expect(relFro(await d.sub(a, b), sub(a, b))).toBeLessThan(tol);
    expect(relFro(await d.hadamard(a, b), hadamard(a, b))).toBeLessThan(tol);
    expect(relFro(await d.scale(a, 0.75), scale(a, 0.75))).toBeLessThan(tol);
    const y = await d.axpy(-1.5, a, b);
    expect(relFro(y, add(scale(a, -1.5), b))).toBeLessThan(tol);
    d.dispose();
  });

  it('reductions', async () => {
    const d = await make();
    const a = randn(50, 70, 9);
    const b = randn(50, 70, 10);
    // Row sums are float32 on the GPU: error ~ sqrt(cols) * 2^-24 * sum|a| overall.
    const sumScale = a.data.reduce((s, v) => s + Math.abs(v), 0);
    expect(Math.abs((await d.sum(a)) - sum(a))).toBeLessThan(tol * sumScale);
    expect(Math.abs((await d.dot(a, b)) - dot(a, b))).toBeLessThan(tol * frobeniusNorm(a) * frobeniusNorm(b));
    expect(Math.abs((await d.frobeniusNorm(a)) - frobeniusNorm(a))).toBeLessThan(tol * frobeniusNorm(a));
    expect(Math.abs((await d.maxAbs(a)) - maxAbs(a))).toBeLessThan(tol * maxAbs(a));
    // Scaled sum of squares: entries far beyond float32's square range still give a finite norm.
    const big = matrix(1, 2, [3e30, 4e30]);
    expect((await d.frobeniusNorm(big)) / 5e30).toBeCloseTo(1, 5);
    d.dispose();
  });

  it('float32 inputs give float32 results; mixed give float64', async () => {
    const d = await make();
    const a = astype(randn(8, 8, 1), 'float32');
    const b = randn(8, 8, 2);
    expect((await d.matmul(a, a)).data).toBeInstanceOf(Float32Array);
    expect((await d.matmul(a, b)).data).toBeInstanceOf(Float64Array);
    d.dispose();
  });

  it('chained kernels stay on the device (keep) and match the CPU chain', async () => {
    const d = await make();
    const a = randn(64, 48, 11);
    const b = randn(48, 32, 12);
    const c = randn(64, 32, 13);
    const ha = await d.upload(a);
    const hab = await d.matmul(ha, b, { keep: true });
    const hsum = await d.add(hab, c, { keep: true });
    const hs = await d.scale(hsum, 2, { keep: true });
    const out = await hs.read();
    expect(relFro(out, scale(add(matmul(a, b), c), 2))).toBeLessThan(tol);
    expect(await d.frobeniusNorm(hs)).toBeCloseTo(frobeniusNorm(out), 2);
    for (const h of [ha, hab, hsum, hs]) h.dispose();
    expect(hs.disposed).toBe(true);
    await expect(hs.read()).rejects.toThrow(BackendError);
    await expect(d.add(hs, c)).rejects.toThrow(/disposed/);
    d.dispose();
  });

  it('outputs larger than the texture limit are computed in tiles', async () => {
    const d = await make({ maxTextureSize: 32 });
    const a = randn(75, 40, 14);
    const b = randn(40, 70, 15);
    expect(relFro(await d.matmul(a, b), matmul(a, b))).toBeLessThan(tol);
    expect(relFro(await d.add(randn(70, 33, 1), randn(70, 33, 2)), add(randn(70, 33, 1), randn(70, 33, 2)))).toBeLessThan(tol);
    const h = await d.matmul(a, b, { keep: true });
    expect(relFro(await h.read(), matmul(a, b))).toBeLessThan(tol);
    h.dispose();
    d.dispose();
  });

  it('bad input: ShapeError with both shapes, foreign or disposed handles, bad scalars', async () => {
    const d = await make();
    const other = await createDevice({ backend: 'js' });
    await expect(d.matmul(matrix(3, 4), matrix(5, 2))).rejects.toThrow(/3x4.*5x2/);
    await expect(d.matmul(matrix(3, 4), matrix(5, 2))).rejects.toBeInstanceOf(ShapeError);
    await expect(d.add(matrix(2, 2), matrix(2, 3))).rejects.toThrow(ShapeError);
    await expect(d.scale(matrix(2, 2), Number.NaN)).rejects.toThrow(/finite/);
    const foreign = await other.upload(matrix(2, 2));
    if (d.info.backend !== 'js') await expect(d.add(foreign, matrix(2, 2))).rejects.toThrow(/another device/);
    d.dispose();
    await expect(d.matmul(matrix(2, 2), matrix(2, 2))).rejects.toThrow(/disposed/);
    other.dispose();
  });

  it('empty shapes', async () => {
    const d = await make();
    const z = await d.matmul(matrix(3, 0), matrix(0, 2));
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect((await d.add(matrix(0, 3), matrix(0, 3))).data.length).toBe(0);
    expect(await d.sum(matrix(0, 3))).toBe(0);
    d.dispose();
  });
});

describe.each(backends.filter((b) => b.name === 'gpujs'))('custom kernels: $name', ({ make }) => {
  it('runKernel runs a user kernel source, tiles it when it uses r0/c0, and refuses when it cannot', async () => {
    const d = await make({ maxTextureSize: 16 });
    const a = randn(20, 30, 1);
    const src = `function (a) {
  const i = this.thread.y + this.constants.r0;
  const j = this.thread.x + this.constants.c0;
  return a[i][j] * this.constants.k + i;
}`;
    const out = await d.runKernel!({ name: 'affine', source: src, rows: 20, cols: 30, inputs: [a], constants: { k: 3 } });
    for (let i = 0; i < 20; i++) for (let j = 0; j < 30; j++) expect(out.data[i * 30 + j]).toBeCloseTo(3 * a.data[i * 30 + j]! + i, 4);
    const untiled = 'function (a) { return a[this.thread.y][this.thread.x]; }';
    await expect(d.runKernel!({ name: 'plain', source: untiled, rows: 20, cols: 30, inputs: [a] })).rejects.toThrow(/cannot be tiled/);
    await expect(d.runKernel!({ name: 'bad', source: 'a + b', rows: 2, cols: 2, inputs: [] })).rejects.toThrow(/kernel function/);
    d.dispose();
  });
});

describe('custom kernels on CPU devices', () => {
  it('js and wasm devices have no runKernel (it would need eval)', async () => {
    expect((await createDevice({ backend: 'js' })).runKernel).toBeUndefined();
    expect((await createDevice({ backend: 'wasm' })).runKernel).toBeUndefined();
  });
});
