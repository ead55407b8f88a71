/**
 * The relaxed-SIMD build (fused multiply-add in the GEMM micro-kernels). Node 20 validates relaxed
 * SIMD only behind --experimental-wasm-relaxed-simd, so the check runs the built package (dist,
 * which turbo builds before tests) in a child Node with that flag; where the engine has it by
 * default (Node >= 22) no flag is needed. Chromium runs it by default: see the demo e2e.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError, disableWasm, enableWasm, relaxedSimdSupported, wasmFma } from '../src/node';

afterAll(() => disableWasm());

const dist = join(import.meta.dirname, '..', 'dist', 'node.js');

// Runs in the child: products against the definition, with and without FMA, and on two threads.
const script = (url: string) => `
import { astype, enableWasm, disableWasm, gram, matmul, randn, relaxedSimdSupported, wasmFma, wasmThreads } from ${JSON.stringify(url)};
function naive(a, b) {
  const m = a.rows, k = a.cols, n = b.cols, out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) { const v = a.data[i * k + p]; for (let j = 0; j < n; j++) out[i * n + j] += v * b.data[p * n + j]; }
  return out;
}
function rel(x, y) { let d = 0, s = 0; for (let i = 0; i < y.length; i++) { d += (x[i] - y[i]) ** 2; s += y[i] ** 2; } return Math.sqrt(d / s); }
const a = randn(203, 170, 1), b = randn(170, 151, 2);
const ref = naive(a, b);
await enableWasm({ fma: false });
const plainFma = wasmFma();
const plain = matmul(a, b).data;
await enableWasm();
const fma = wasmFma();
const fused = matmul(a, b).data;
const g = gram(a).data;
const f32 = matmul(astype(a, 'float32'), astype(b, 'float32')).data;
let differs = false; for (let i = 0; i < fused.length; i++) if (fused[i] !== plain[i]) differs = true;
await enableWasm({ threads: 2 });
const two = matmul(a, b).data;
let same = wasmThreads().threads === 2 && wasmFma(); for (let i = 0; i < two.length; i++) if (two[i] !== fused[i]) same = false;
disableWasm();
console.log(JSON.stringify({ supported: relaxedSimdSupported(), plainFma, fma, errPlain: rel(plain, ref), errFused: rel(fused, ref), errF32: rel(f32, ref), gramSym: g[5] === g[5 * 170], differs, threadsSame: same }));
`;

describe('relaxed SIMD (fused multiply-add) build', () => {
  it('is used where the engine validates relaxed SIMD, and not otherwise', async () => {
    await enableWasm();
    expect(wasmFma()).toBe(relaxedSimdSupported());
    await enableWasm({ fma: false });
    expect(wasmFma()).toBe(false);
    await expect(enableWasm({ fma: 'yes' as unknown as boolean })).rejects.toThrow(DomainError);
  });

  it('computes products to rounding with FMA, differs from the plain build, and stays bit-identical on two threads', () => {
    expect(existsSync(dist), `${dist} is missing: build the package first (turbo does before tests)`).toBe(true);
    const flags = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd'];
    const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script(pathToFileURL(dist).href)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(r.supported).toBe(true);
    expect(r.plainFma).toBe(false);
    expect(r.fma).toBe(true);
    expect(r.errPlain).toBeLessThan(1e-14);
    expect(r.errFused).toBeLessThan(1e-14);
    // float32 storage and float32 accumulation: well inside sqrt(k) * 4 * 2^-24.
    expect(r.errF32).toBeLessThan(4 * Math.sqrt(170) * 2 ** -24);
    expect(r.gramSym).toBe(true);
    // Fused products round once: the results are not the plain build's bit for bit.
    expect(r.differs).toBe(true);
    expect(r.threadsSame).toBe(true);
  });
});
