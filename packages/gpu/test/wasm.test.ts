import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { astype, cpuBackend, disableWasm, enableWasm, gram, matmul, randn, wasmSimdSupported } from '../src';
import { naiveMatmul } from './helpers';
import { relFro } from '@x/test-utils';

afterAll(() => disableWasm());

describe('wasm backend', () => {
  it('the embedded binary records the current wasm/kernels.ts, compiler and flags (not stale)', () => {
    const out = execFileSync(process.execPath, [join(import.meta.dirname, '../scripts/build-wasm.mjs'), '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  it('enableWasm routes matmul/gram through wasm, with js-identical float64 results', async () => {
    expect(wasmSimdSupported()).toBe(true);
    disableWasm();
    expect(cpuBackend()).toBe('js');
    const a = randn(150, 301, 1);
    const b = randn(301, 77, 2);
    const refAB = matmul(a, b);
    const refG = gram(a);
    await enableWasm();
    expect(cpuBackend()).toBe('wasm');
    // Same packing and the same accumulation order as the JS kernel.
    expect(relFro(matmul(a, b), refAB)).toBeLessThan(1e-15);
    expect(relFro(gram(a), refG)).toBeLessThan(1e-15);
    expect(relFro(matmul(a, b, { backend: 'js' }), refAB)).toBe(0);
  });

  it('float64 and float32 GEMM equal the definition for random shapes and transposes', async () => {
    await enableWasm();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (m, k, n, transA, transB, seed) => {
          const a = transA ? randn(k, m, seed) : randn(m, k, seed);
          const b = transB ? randn(n, k, seed + 1) : randn(k, n, seed + 1);
          const ref = naiveMatmul(a, b, transA, transB);
          expect(relFro(matmul(a, b, { transA, transB, backend: 'wasm' }), ref)).toBeLessThan(1e-13);
          const a32 = astype(a, 'float32');
          const b32 = astype(b, 'float32');
          const c32 = matmul(a32, b32, { transA, transB, backend: 'wasm' });
          expect(c32.data).toBeInstanceOf(Float32Array);
          // float32 accumulation: error <= k * 2^-24 relative to |A||B|; for Gaussian data the
          // Frobenius error stays well inside sqrt(k) * 4 * 2^-24.
          expect(relFro(c32, naiveMatmul(a32, b32, transA, transB))).toBeLessThan(4 * Math.sqrt(k) * 2 ** -24);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the js direct path for small products is bit-identical to the packed wasm kernel', async () => {
    await enableWasm({ fma: false });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (m, k, n, transA, transB, seed) => {
          const a = transA ? randn(k, m, seed) : randn(m, k, seed);
          const b = transB ? randn(n, k, seed + 1) : randn(k, n, seed + 1);
          const opts = { transA, transB };
          expect(matmul(a, b, { ...opts, backend: 'js' }).data).toEqual(matmul(a, b, { ...opts, backend: 'wasm' }).data);
          expect(gram(a, { backend: 'js' }).data).toEqual(gram(a, { backend: 'wasm' }).data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the default route loads the plain build on first use, with js-identical float64 results', async () => {
    vi.resetModules();
    const fresh = await import('../src');
    const a = randn(40, 50, 1);
    const b = randn(50, 30, 2);
    // No set-up call: the first product big enough for wasm compiles the kernels synchronously.
    const c = fresh.matmul(a, b);
    expect(fresh.cpuBackend()).toBe('wasm');
    expect(fresh.wasmFma()).toBe(false);
    expect(fresh.wasmThreads().threads).toBe(1);
    expect(await fresh.ready()).toBe('wasm');
    expect(c.data).toEqual(fresh.matmul(a, b, { backend: 'js' }).data);
    expect(fresh.gram(a).data).toEqual(fresh.gram(a, { backend: 'js' }).data);
    // disableWasm() is sticky: the default route does not load the kernels back.
    fresh.disableWasm();
    fresh.matmul(a, b);
    expect(fresh.cpuBackend()).toBe('js');
    expect(await fresh.ready()).toBe('js');
    await fresh.enableWasm({ fma: false });
    expect(fresh.cpuBackend()).toBe('wasm');
    fresh.disableWasm();
  });

  it('X_WASM=0 in the environment keeps the default route on the js kernels', async () => {
    vi.resetModules();
    vi.stubEnv('X_WASM', '0');
    try {
      const fresh = await import('../src');
      const spy = vi.spyOn(WebAssembly, 'Module');
      fresh.matmul(randn(60, 60, 1), randn(60, 60, 2));
      expect(fresh.cpuBackend()).toBe('js');
      expect(await fresh.ready()).toBe('js');
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      // An explicit per-call request still runs on wasm.
      const a = randn(30, 30, 3);
      expect(fresh.matmul(a, a, { backend: 'wasm' }).data).toEqual(fresh.matmul(a, a, { backend: 'js' }).data);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('on a browser main thread the first call takes the js route and ready() loads wasm in the background', async () => {
    vi.resetModules();
    const g = globalThis as { window?: unknown; document?: unknown };
    g.window = globalThis;
    g.document = {};
    try {
      const fresh = await import('../src');
      const sync = vi.spyOn(WebAssembly, 'Module');
      const a = randn(40, 40, 1);
      const first = fresh.matmul(a, a);
      expect(fresh.cpuBackend()).toBe('js');
      expect(() => fresh.matmul(a, a, { backend: 'wasm' })).toThrow(/ready\(\)/);
      expect(await fresh.ready()).toBe('wasm');
      expect(fresh.cpuBackend()).toBe('wasm');
      expect(sync).not.toHaveBeenCalled();
      sync.mockRestore();
      expect(fresh.matmul(a, a).data).toEqual(first.data);
    } finally {
      delete g.window;
      delete g.document;
    }
  });
});
