/**
 * The inner sums of the secular equation 1 + rho Σ z_i² / (a_i - x) = 0 solved by divide-and-
 * conquer eigenvalue and singular value solvers (one O(k) pass per iterate, a division per
 * term: the hot loop of the root finder). Runs in wasm when every array lies in wasm linear
 * memory (see withWorkspace), else in JS; both add the terms in the same order (two
 * interleaved partial sums), so the routes give identical results.
 */
import { activeWasmRuntime } from './gemm';
import { checkSecularArgs } from './kernel-checks';

/**
 * The four sums of one secular iterate at x over k shifted poles a[aOff..] and weights
 * z[zOff..]: with t_i = z_i / (a_i - x), out[0] = Σ_{i<split} z_i t_i, out[1] = Σ_{i<split} t_i²,
 * out[2] = Σ_{i>=split} z_i t_i and out[3] = Σ_{i>=split} t_i² (ψ, ψ', φ, φ' of the root
 * between poles split-1 and split). Float64; runs in wasm when a, z and out all lie in wasm
 * linear memory, else in JS, with identical results.
 * @throws ShapeError or DomainError (naming secularSums) on bad sizes, offsets or a non-finite x.
 */
export function secularSums(k: number, split: number, a: Float64Array, aOff: number, z: Float64Array, zOff: number, x: number, out: Float64Array): void {
  checkSecularArgs('secularSums', k, split, a, aOff, z, zOff, x, out);
  const rt = activeWasmRuntime();
  if (rt && k > 0) {
    const ap = rt.addressOf(a, aOff);
    const zp = rt.addressOf(z, zOff);
    const op = rt.addressOf(out, 0);
    if (ap >= 0 && zp >= 0 && op >= 0) {
      rt.exports.secularSumsF64(k, split, ap, zp, x, op);
      return;
    }
  }
  sums(k, split, a, aOff, z, zOff, x, out);
}

/** The JS reference of {@link secularSums} (same order of additions as the wasm kernel). */
export function secularSumsJs(k: number, split: number, a: Float64Array, aOff: number, z: Float64Array, zOff: number, x: number, out: Float64Array): void {
  checkSecularArgs('secularSumsJs', k, split, a, aOff, z, zOff, x, out);
  sums(k, split, a, aOff, z, zOff, x, out);
}

function sums(k: number, split: number, a: Float64Array, aOff: number, z: Float64Array, zOff: number, x: number, out: Float64Array): void {
  let lo = 0;
  for (let part = 0; part < 2; part++) {
    const hi = part === 0 ? split : k;
    // Lanes 0 and 1 of the wasm kernel: even and odd offsets from lo.
    let s0 = 0;
    let s1 = 0;
    let d0 = 0;
    let d1 = 0;
    let i = lo;
    for (; i + 1 < hi; i += 2) {
      const z0 = z[zOff + i]!;
      const z1 = z[zOff + i + 1]!;
      const t0 = z0 / (a[aOff + i]! - x);
      const t1 = z1 / (a[aOff + i + 1]! - x);
      s0 += z0 * t0;
      s1 += z1 * t1;
      d0 += t0 * t0;
      d1 += t1 * t1;
    }
    let s = s0 + s1;
    let d = d0 + d1;
    if (i < hi) {
      const zi = z[zOff + i]!;
      const t = zi / (a[aOff + i]! - x);
      s += zi * t;
      d += t * t;
    }
    out[2 * part] = s;
    out[2 * part + 1] = d;
    lo = hi;
  }
}
