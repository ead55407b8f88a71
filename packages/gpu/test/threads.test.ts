import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { relFro } from '@x/test-utils';
// The Node entry: it installs worker_threads as the way to make threads.
import { astype, BackendError, createDevice, DomainError, disableWasm, enableWasm, gemmAccumulate, gram, matmul, randn, wasmThreads, withWorkspace } from '../src/node';
import { activeWasmRuntime } from '../src/gemm';
import { PARALLEL_MIN_WORK, setThreadSupport, splitPoints, threadSupport } from '../src/wasm/threads';
import { naiveMatmul } from './helpers';

afterAll(() => disableWasm());

describe('wasm thread pool', () => {
  it('splits into multiples of 8 that cover the range, with equal work for upper-triangular products', () => {
    expect(splitPoints(512, 2, false)).toEqual([0, 256, 512]);
    // Column j of an upper-triangular product costs ~j: the first slice is wider (512/sqrt 2).
    expect(splitPoints(512, 2, true)).toEqual([0, 360, 512]);
    expect(splitPoints(10, 4, false)).toEqual([0, 0, 8, 8, 10]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (dim, parts, upper) => {
        const c = splitPoints(dim, parts, upper);
        expect(c.length).toBe(parts + 1);
        expect(c[0]).toBe(0);
        expect(c[parts]).toBe(dim);
        for (let t = 0; t < parts; t++) expect(c[t + 1]!).toBeGreaterThanOrEqual(c[t]!);
        for (let t = 1; t < parts; t++) expect(c[t]! % 8 === 0 || c[t] === dim).toBe(true);
      }),
    );
  });

  it('two threads give bit-identical products to one (each element keeps its accumulation order)', async () => {
    await enableWasm({ threads: 1 });
    expect(wasmThreads()).toEqual({ threads: 1, reason: 'one thread requested' });
    const cases = [
      [200, 150, 130, false, false],
      [97, 301, 260, true, false],
      [260, 120, 97, false, true],
      [130, 90, 300, true, true],
    ] as const;
    const inputs = cases.map(([m, k, n, ta, tb], i) => ({
      a: ta ? randn(k, m, i) : randn(m, k, i),
      b: tb ? randn(n, k, i + 9) : randn(k, n, i + 9),
      ta,
      tb,
    }));
    const one = inputs.map(({ a, b, ta, tb }) => matmul(a, b, { transA: ta, transB: tb }));
    const g = randn(300, 140, 4);
    const gOne = gram(g);
    const f32 = astype(randn(256, 256, 5), 'float32');
    const f32One = matmul(f32, f32);
    await enableWasm({ threads: 2 });
    expect(wasmThreads()).toEqual({ threads: 2, reason: null });
    const pool = activeWasmRuntime()!.pool!;
    expect(pool.size).toBe(1);
    const before = pool.gen;
    inputs.forEach(({ a, b, ta, tb }, i) => {
      const c = matmul(a, b, { transA: ta, transB: tb });
      expect(Array.from(c.data)).toEqual(Array.from(one[i]!.data));
      expect(relFro(c, naiveMatmul(a, b, ta, tb))).toBeLessThan(1e-14);
    });
    // gram: upper-triangular slices, mirrored afterwards.
    expect(Array.from(gram(g).data)).toEqual(Array.from(gOne.data));
    expect(Array.from(matmul(f32, f32).data)).toEqual(Array.from(f32One.data));
    // Every product above was large enough to be split (the worker really ran slices).
    expect(pool.gen - before).toBe(6);
  });

  it('random shapes, transposes and dtypes: two threads are bit-identical to one (property)', async () => {
    // Shapes past the split threshold, including thin ones (row or column slices of width < 8).
    const shape = fc
      .tuple(fc.integer({ min: 1, max: 260 }), fc.integer({ min: 1, max: 260 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }))
      .map(([m, n, ta, tb, f32, seed]) => ({ m, n, k: Math.ceil(PARALLEL_MIN_WORK / (m * n)) + (seed % 7), ta, tb, f32, seed }))
      .filter((c) => c.k <= 2000);
    const cases = fc.sample(shape, { numRuns: 25, seed: 7 });
    const inputs = cases.map((c) => {
      const a = c.ta ? randn(c.k, c.m, c.seed) : randn(c.m, c.k, c.seed);
      const b = c.tb ? randn(c.n, c.k, c.seed + 1) : randn(c.k, c.n, c.seed + 1);
      return c.f32 ? { ...c, a: astype(a, 'float32'), b: astype(b, 'float32') } : { ...c, a, b };
    });
    await enableWasm({ threads: 1 });
    const one = inputs.map((x) => matmul(x.a, x.b, { transA: x.ta, transB: x.tb }).data);
    const g1 = inputs.map((x) => gram(x.a).data);
    await enableWasm({ threads: 2 });
    inputs.forEach((x, i) => {
      expect(Array.from(matmul(x.a, x.b, { transA: x.ta, transB: x.tb }).data), `case ${JSON.stringify({ ...x, a: 0, b: 0 })}`).toEqual(Array.from(one[i]!));
      expect(Array.from(gram(x.a).data)).toEqual(Array.from(g1[i]!));
    });
  });

  it('workspace operands and strided sub-views of C are sliced correctly', async () => {
    await enableWasm({ threads: 2 });
    const m = 150;
    const n = 140;
    const k = 64;
    const ldc = 160;
    const a = randn(m, k, 1).data;
    const b = randn(k, n, 2).data;
    const want = new Float64Array(m * ldc).fill(1);
    gemmAccumulate(m, n, k, { data: a, off: 0, rs: k, cs: 1 }, { data: b, off: 0, rs: n, cs: 1 }, want, ldc, true, 'js');
    expect(m * n * k).toBeGreaterThanOrEqual(PARALLEL_MIN_WORK);
    const got = withWorkspace([m * k, k * n, m * ldc], (A, B, C) => {
      A.set(a);
      B.set(b);
      C.fill(1);
      gemmAccumulate(m, n, k, { data: A, off: 0, rs: k, cs: 1 }, { data: B, off: 0, rs: n, cs: 1 }, C, ldc, true);
      return C.slice();
    });
    // Upper-only: compare the tiles both computed (on and above the diagonal) and untouched padding.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < ldc; j++) {
        if (j >= n) expect(got[i * ldc + j]).toBe(1);
        else if (j >= i) expect(Math.abs(got[i * ldc + j]! - want[i * ldc + j]!)).toBeLessThan(1e-12);
      }
    }
  });

  it('switching to one thread keeps the pool idle for reuse; disableWasm stops it', async () => {
    await enableWasm({ threads: 2 });
    const rt = activeWasmRuntime()!;
    const pool = rt.pool!;
    await enableWasm({ threads: 1 });
    expect(activeWasmRuntime()).not.toBe(rt);
    expect(rt.pool).toBe(pool);
    await enableWasm({ threads: 2 });
    expect(activeWasmRuntime()!.pool).toBe(pool);
    disableWasm();
    expect(rt.pool).toBeNull();
    expect(activeWasmRuntime()).toBeNull();
  });

  it('concurrent enableWasm calls apply in call order', async () => {
    await Promise.all([enableWasm({ threads: 2 }), enableWasm({ threads: 3 }), enableWasm({ threads: 1 }), enableWasm({ threads: 3 })]);
    expect(wasmThreads()).toEqual({ threads: 3, reason: null });
    expect(activeWasmRuntime()!.pool!.size).toBe(2);
    const a = randn(200, 200, 9);
    expect(relFro(matmul(a, a), naiveMatmul(a, a))).toBeLessThan(1e-14);
    disableWasm();
  });

  it('a device asks for threads and reports them', async () => {
    const dev = await createDevice({ backend: 'wasm', threads: 2 });
    expect(dev.info.threads).toBe(2);
    const one = await createDevice({ backend: 'wasm' });
    expect(one.info.threads).toBe(2); // the pool is per process: still two
    await enableWasm();
    const plain = await createDevice({ backend: 'wasm' });
    expect(plain.info.threads).toBe(1);
    expect(plain.info.threadsReason).toMatch(/threads/);
  });

  it('without shared memory or workers it runs on one thread and says why', async () => {
    const real = threadSupport();
    setThreadSupport({ ...real, unavailable: () => 'SharedArrayBuffer is unavailable: test' });
    try {
      await enableWasm({ threads: 4 });
      expect(wasmThreads()).toEqual({ threads: 1, reason: 'SharedArrayBuffer is unavailable: test' });
      expect(activeWasmRuntime()!.pool).toBeNull();
      const a = randn(128, 128, 3);
      expect(relFro(matmul(a, a), naiveMatmul(a, a))).toBeLessThan(1e-14);
    } finally {
      setThreadSupport(real);
    }
    // A worker that cannot start: the same, with the worker's error as the reason.
    setThreadSupport({ ...real, spawn: () => Promise.reject(new BackendError('wasm threads', 'no workers here')) });
    try {
      await enableWasm({ threads: 3 });
      expect(wasmThreads().threads).toBe(1);
      expect(wasmThreads().reason).toMatch(/no workers here/);
    } finally {
      setThreadSupport(real);
    }
  });

  it('rejects bad thread counts with a DomainError and keeps the current route', async () => {
    await enableWasm({ threads: 2 });
    for (const bad of [0, -1, 1.5, 65, Number.NaN, '2' as unknown as number]) {
      await expect(enableWasm({ threads: bad })).rejects.toThrow(DomainError);
    }
    expect(wasmThreads().threads).toBe(2);
    const auto = vi.spyOn(threadSupport(), 'hardwareConcurrency').mockReturnValue(1);
    await enableWasm({ threads: 'auto' });
    expect(wasmThreads()).toEqual({ threads: 1, reason: 'one logical core' });
    auto.mockRestore();
    disableWasm();
    expect(wasmThreads().threads).toBe(1);
  });

  it('an idle pool never keeps a Node process alive (the built package, in a child process)', () => {
    const url = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'node.js')).href;
    // No disableWasm() at the end: the process must still exit on its own once its work is done.
    const script = `
import { cpuBackend, enableWasm, matmul, randn, wasmThreads } from ${JSON.stringify(url)};
const a = randn(200, 200, 1);
matmul(a, a);
const before = cpuBackend();
await enableWasm({ threads: 2 });
matmul(a, a);
console.log(JSON.stringify({ before, threads: wasmThreads().threads }));
`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 45_000 });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ before: 'wasm', threads: 2 });
  });
});
