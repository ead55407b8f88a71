import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { astype, cpuBackend, disableWasm, enableWasm, gram, matmul, randn, wasmSimdSupported } from '../src';
import { naiveMatmul, relErr } from './helpers';

afterAll(() => disableWasm());

describe('wasm backend', () => {
  it('the embedded binary is the compiled wasm/kernels.ts (not stale)', () => {
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
    expect(relErr(matmul(a, b), refAB)).toBeLessThan(1e-15);
    expect(relErr(gram(a), refG)).toBeLessThan(1e-15);
    expect(relErr(matmul(a, b, { backend: 'js' }), refAB)).toBe(0);
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
          expect(relErr(matmul(a, b, { transA, transB, backend: 'wasm' }), ref)).toBeLessThan(1e-13);
          const a32 = astype(a, 'float32');
          const b32 = astype(b, 'float32');
          const c32 = matmul(a32, b32, { transA, transB, backend: 'wasm' });
          expect(c32.data).toBeInstanceOf(Float32Array);
          // float32 accumulation: error <= k * 2^-24 relative to |A||B|; for Gaussian data the
          // Frobenius error stays well inside sqrt(k) * 4 * 2^-24.
          expect(relErr(c32, naiveMatmul(a32, b32, transA, transB))).toBeLessThan(4 * Math.sqrt(k) * 2 ** -24);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("backend: 'wasm' before the kernels are loaded is a BackendError", async () => {
    vi.resetModules();
    const fresh = await import('../src');
    expect(fresh.cpuBackend()).toBe('js');
    expect(() => fresh.matmul(randn(30, 30, 1), randn(30, 30, 2), { backend: 'wasm' })).toThrow(/enableWasm/);
  });
});
