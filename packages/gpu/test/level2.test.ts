import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BackendError, DomainError, disableWasm, enableWasm, gemmAccumulate, gemvAccumulate, gemvJs, randn, symvAccumulate, symvJs, withWorkspace } from '../src';
import { dot, frobeniusNorm, sum } from '../src';
import { wasmKernels } from '../src/wasm/kernels';
import { wasmRuntime } from '../src/wasm/runtime';
import { relMax } from '@x/test-utils';

afterAll(() => disableWasm());

/** y += A x by the definition, A m x n at data[off + i*rs + j*cs]. */
function naiveGemv(m: number, n: number, data: Float64Array, off: number, rs: number, cs: number, x: Float64Array, y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += data[off + i * rs + j * cs]! * x[j]!;
    out[i] = out[i]! + s;
  }
  return out;
}

const layout = fc.constantFrom('rows', 'cols', 'strided');

describe('level-2 kernels', () => {
  it('gemvJs equals the definition for row-major, column-major and general strides', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 41 }), fc.integer({ min: 1, max: 41 }), layout, fc.integer({ min: 0, max: 5 }), (m, n, kind, off) => {
        const [rs, cs] = kind === 'rows' ? [n + 3, 1] : kind === 'cols' ? [1, m + 2] : [2 * n + 1, 2];
        const data = randn(1, off + (m - 1) * rs + (n - 1) * cs + 1, m * 100 + n).data;
        const x = randn(1, n, 7).data;
        const y = randn(1, m, 8).data;
        const want = naiveGemv(m, n, data, off, rs, cs, x, y);
        const got = Float64Array.from(y);
        gemvJs(m, n, { data, off, rs, cs }, x, 0, got, 0);
        expect(relMax(got, want)).toBeLessThan(1e-14);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('symvJs reads only the upper triangle and equals the full symmetric product', () => {
    for (const n of [1, 2, 3, 8, 33]) {
      const lda = n + 2;
      const s = randn(n, n, n).data;
      const a = new Float64Array(n * lda).fill(Number.NaN); // poison: the lower triangle is never read
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * lda + j] = s[i * n + j]! + s[j * n + i]!;
      const full = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) full[i * n + j] = a[Math.min(i, j) * lda + Math.max(i, j)]!;
      const x = randn(1, n, 3).data;
      const y = randn(1, n, 4).data;
      const want = naiveGemv(n, n, full, 0, n, 1, x, y);
      const got = Float64Array.from(y);
      symvJs(n, a, 0, lda, x, 0, got, 0);
      expect(relMax(got, want)).toBeLessThan(1e-14);
    }
  });

  it('on the wasm route, operands in a workspace run the wasm kernels with js results to rounding', async () => {
    await enableWasm();
    const gemvSpy = vi.spyOn(wasmRuntime()!.exports, 'gemvF64');
    const symvSpy = vi.spyOn(wasmRuntime()!.exports, 'symvUpperF64');
    for (const [m, n] of [
      [1, 1],
      [7, 5],
      [64, 33],
      [130, 97],
    ] as const) {
      for (const kind of ['rows', 'cols', 'strided'] as const) {
        const [rs, cs] = kind === 'rows' ? [n + 1, 1] : kind === 'cols' ? [1, m + 1] : [2 * n + 1, 2];
        const len = (m - 1) * rs + (n - 1) * cs + 3;
        const src = randn(1, len, m + n).data;
        const x0 = randn(1, n, 5).data;
        const y0 = randn(1, m, 6).data;
        const want = Float64Array.from(y0);
        gemvJs(m, n, { data: src, off: 2, rs, cs }, x0, 0, want, 0);
        const got = withWorkspace([len, n + 1, m + 1], (A, x, y) => {
          expect(wasmRuntime()!.addressOf(A, 0)).toBeGreaterThanOrEqual(0);
          A.set(src);
          x.set(x0, 1);
          y.set(y0, 1);
          gemvAccumulate(m, n, { data: A, off: 2, rs, cs }, x, 1, y, 1);
          return y.slice(1);
        });
        expect(relMax(got, want)).toBeLessThan(1e-14);
      }
    }
    for (const n of [1, 2, 5, 64, 129]) {
      const s = randn(n, n, n).data;
      const x0 = randn(1, n, 9).data;
      const want = new Float64Array(n);
      symvJs(n, s, 0, n, x0, 0, want, 0);
      const got = withWorkspace([n * n + n, n, n], (A, x, y) => {
        // The lower triangle holds garbage that the kernel must not read.
        A.set(s, n);
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[n + i * n + j] = 1e300;
        x.set(x0);
        symvAccumulate(n, A, n, n, x, 0, y, 0);
        return y.slice();
      });
      expect(relMax(got, want)).toBeLessThan(1e-14);
    }
    expect(gemvSpy).toHaveBeenCalledTimes(12);
    expect(symvSpy).toHaveBeenCalledTimes(5);
    // Operands outside linear memory take the JS loops.
    const y = new Float64Array(3);
    gemvAccumulate(3, 2, { data: new Float64Array(6).fill(1), off: 0, rs: 2, cs: 1 }, new Float64Array([1, 2]), 0, y, 0);
    expect(Array.from(y)).toEqual([3, 3, 3]);
    expect(gemvSpy).toHaveBeenCalledTimes(12);
    gemvSpy.mockRestore();
    symvSpy.mockRestore();
  });

  it('a GEMM on workspace operands runs in place and leaves the workspace intact', async () => {
    await enableWasm();
    const a = randn(70, 40, 1).data;
    const b = randn(40, 50, 2).data;
    const want = new Float64Array(70 * 50);
    gemmAccumulate(70, 50, 40, { data: a, off: 0, rs: 40, cs: 1 }, { data: b, off: 0, rs: 50, cs: 1 }, want, 50, false, 'js');
    const rt = wasmRuntime()!;
    const before = rt.mark();
    const got = withWorkspace([70 * 40, 40 * 50, 70 * 50], (A, B, C) => {
      A.set(a);
      B.set(b);
      gemmAccumulate(70, 50, 40, { data: A, off: 0, rs: 40, cs: 1 }, { data: B, off: 0, rs: 50, cs: 1 }, C, 50);
      // A and B were not clobbered by the GEMM's own scratch space.
      expect(relMax(A, a)).toBe(0);
      expect(relMax(B, b)).toBe(0);
      return C.slice();
    });
    expect(relMax(got, want)).toBeLessThan(1e-15);
    expect(rt.mark()).toBe(before);
  });

  it('a kernel that would grow memory under a live workspace throws instead of detaching it', async () => {
    await enableWasm();
    const rt = wasmRuntime()!;
    const huge = rt.memory.buffer.byteLength; // more than is left above any workspace
    expect(() => withWorkspace([16], () => rt.alloc(huge))).toThrow(BackendError);
    expect(() => withWorkspace([4], async () => 0)).toThrow(/synchronous/);
    // Released: the next workspace and kernel calls work.
    expect(rt.pinned).toBe(0);
    expect(withWorkspace([4], (v) => v.length)).toBe(4);
  });

  it("the wasm device's reductions run in wasm only on operands already in linear memory", async () => {
    await enableWasm();
    const rt = wasmRuntime()!;
    const k = wasmKernels(rt);
    const sumSpy = vi.spyOn(rt.exports, 'sumF64');
    const dotSpy = vi.spyOn(rt.exports, 'dotF64');
    const a = randn(40, 50, 1);
    const b = randn(40, 50, 2);
    // Plain arrays: the JS loops (copying in would cost more than the reduction), same values.
    expect(k.sum(a)).toBe(sum(a));
    expect(k.dot(a, b)).toBe(dot(a, b));
    expect(sumSpy).not.toHaveBeenCalled();
    expect(dotSpy).not.toHaveBeenCalled();
    withWorkspace([a.data, b.data], (x, y) => {
      const am = { rows: 40, cols: 50, data: x };
      const bm = { rows: 40, cols: 50, data: y };
      expect(Math.abs(k.sum(am) - sum(a))).toBeLessThan(1e-12 * Math.abs(frobeniusNorm(a)) * 50);
      expect(Math.abs(k.dot(am, bm) - dot(a, b))).toBeLessThan(1e-12 * frobeniusNorm(a) * frobeniusNorm(b));
    });
    expect(sumSpy).toHaveBeenCalledTimes(1);
    expect(dotSpy).toHaveBeenCalledTimes(1);
    sumSpy.mockRestore();
    dotSpy.mockRestore();
  });

  it('withWorkspace gives plain zeroed arrays on the js route and rejects bad lengths', () => {
    disableWasm();
    withWorkspace([3, 0], (a, b) => {
      expect(wasmRuntime() === null || wasmRuntime()!.addressOf(a, 0) === -1).toBe(true);
      expect(Array.from(a)).toEqual([0, 0, 0]);
      expect(b.length).toBe(0);
    });
    expect(() => withWorkspace([-1], () => 0)).toThrow(DomainError);
    expect(() => withWorkspace([2], async () => 0)).toThrow(/synchronous/); // the same rule on both routes
    expect(() => withWorkspace([1.5], () => 0)).toThrow(DomainError);
  });
});
