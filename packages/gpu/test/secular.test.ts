import { afterAll, describe, expect, it, vi } from 'vitest';
import { DomainError, disableWasm, enableWasm, randn, secularSums, secularSumsJs, ShapeError, withWorkspace } from '../src';
import { wasmRuntime } from '../src/wasm/runtime';

afterAll(() => disableWasm());

/** The four sums by their definition, one term at a time (an independent reference). */
function definition(k: number, split: number, a: Float64Array, z: Float64Array, x: number): number[] {
  const out = [0, 0, 0, 0];
  for (let i = 0; i < k; i++) {
    const t = z[i]! / (a[i]! - x);
    const p = i < split ? 0 : 2;
    out[p] = out[p]! + z[i]! * t;
    out[p + 1] = out[p + 1]! + t * t;
  }
  return out;
}

/** Poles around 0 with the root's bracket (a[split-1], a[split]) holding x. */
function problem(k: number, split: number, seed: number): { a: Float64Array; z: Float64Array; x: number } {
  const a = new Float64Array(k);
  for (let i = 0; i < k; i++) a[i] = i - split + 0.5 + 0.25 * Math.sin(seed + i);
  const z = randn(1, k, seed).data;
  const lo = split > 0 ? a[split - 1]! : -1;
  const hi = split < k ? a[split]! : lo + 2;
  return { a, z, x: lo + (hi - lo) * 0.37 };
}

describe('secularSums (the secular root finder pass)', () => {
  it('the js route equals the term-by-term definition to rounding, for every split and parity', () => {
    for (const k of [1, 2, 3, 8, 33, 64]) {
      for (const split of new Set([0, 1, k >> 1, k - 1, k])) {
        const { a, z, x } = problem(k, split, k + split);
        const out = new Float64Array(4);
        secularSumsJs(k, split, a, 0, z, 0, x, out);
        const want = definition(k, split, a, z, x);
        for (let p = 0; p < 4; p++) expect(Math.abs(out[p]! - want[p]!)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want[p]!)));
      }
    }
  });

  it('on the wasm route, operands in a workspace run the kernel with results identical to the js route', async () => {
    await enableWasm();
    const spy = vi.spyOn(wasmRuntime()!.exports, 'secularSumsF64');
    let calls = 0;
    for (const k of [1, 2, 5, 64, 129]) {
      for (const split of new Set([0, 1, k >> 1, k])) {
        const { a, z, x } = problem(k, split, 3 * k + split);
        const want = new Float64Array(4);
        secularSumsJs(k, split, a, 0, z, 0, x, want);
        const got = withWorkspace([k + 1, k + 2, 4], (aw, zw, out) => {
          aw.set(a, 1);
          zw.set(z, 2);
          secularSums(k, split, aw, 1, zw, 2, x, out);
          return out.slice();
        });
        calls++;
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
    expect(spy).toHaveBeenCalledTimes(calls);
    // Operands outside linear memory take the js loop.
    const out = new Float64Array(4);
    secularSums(2, 1, new Float64Array([-1, 1]), 0, new Float64Array([1, 2]), 0, 0, out);
    expect(Array.from(out)).toEqual([-1, 1, 4, 4]);
    expect(spy).toHaveBeenCalledTimes(calls);
    spy.mockRestore();
  });

  it('bad sizes, offsets and a non-finite x are typed errors naming the function', () => {
    const v = new Float64Array(4);
    expect(() => secularSums(3, 4, v, 0, v, 0, 0, v)).toThrow(ShapeError);
    expect(() => secularSums(4, 1, v, 1, v, 0, 0, v)).toThrow(/secularSums: a needs 5 entries/);
    expect(() => secularSums(2, 1, v, 0, v, 0, Number.NaN, v)).toThrow(DomainError);
    expect(() => secularSumsJs(2, 1, v, 0, v, 0, 0, new Float64Array(3))).toThrow(/secularSumsJs: out needs 4/);
  });
});
