/**
 * The CPU GEMM core: C += A * B on strided operands, cache-blocked (GotoBLAS layout: KC x NC
 * panels of B, MC x KC blocks of A, both packed into contiguous micro-panels) with a 4x4
 * register-tiled micro-kernel. Transposes cost nothing: they are strides read while packing.
 *
 * Element (i, p) of A is `a[offA + i * rsA + p * csA]`; B and C likewise.
 */

import { BackendError, DomainError } from './errors';
import { checkGemmArgs } from './kernel-checks';
import { describe } from './limits';
import { registerCopy } from './registry';
import {
  loadWasm,
  loadWasmSync,
  syncCompileAllowed,
  type WasmRuntime,
  wasmGemmAccumulate,
  wasmRuntime,
  wasmSimdSupported,
  wasmSwitchedOff,
} from './wasm/runtime';
import type { GemmOperand } from './gemm-operand';

export type { GemmOperand } from './gemm-operand';

// This module holds the process-wide GEMM route, so loading it registers this copy of @x/gpu
// (a one-time warning when another copy is already loaded; see registry.ts). A top-level call:
// bundlers keep it whenever they keep the module, and drop it only with the state it guards.
registerCopy();

/**
 * Which CPU kernel a GEMM uses: 'auto' (the default route: the wasm SIMD kernels for all but
 * tiny products, loaded on first use where the engine can compile synchronously; see
 * {@link defaultWasmRuntime}), 'js' forces the JS reference kernel, 'wasm' requires the wasm
 * kernels (loading them synchronously where allowed).
 */
export type CpuRoute = 'auto' | 'js' | 'wasm';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 1024;


// Pack buffers are reused across calls (per dtype of accumulation, always float64 here): a
// GEMM never re-enters itself, and JS is single-threaded per realm.
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

// The wasm runtime the CPU kernels route GEMMs through: loaded by the default route on first
// use, or chosen by enableWasm(); null on the js route.
let wasm: WasmRuntime | null = null;
// The default route's state: 'untried' until a call first needs the kernels; 'loading' while a
// background load runs (a browser's main thread); 'settled' once it loaded or failed, or once
// enableWasm()/disableWasm()/X_WASM made the choice (the default route then stays out of it).
let auto: 'untried' | 'loading' | 'settled' = 'untried';
let pending: Promise<void> | null = null;
// Below this many multiply-adds the copies into linear memory cost more than wasm saves.
const WASM_MIN_WORK = 12 * 12 * 12;

/**
 * Routes CPU GEMMs through the given wasm runtime (null: the JS kernel, and the default route
 * stops loading wasm: disableWasm()). Internal.
 */
export function setGemmRuntime(rt: WasmRuntime | null): void {
  wasm = rt;
  auto = 'settled';
}

/** The runtime CPU GEMMs route through now (null on the js route); loads nothing. Internal. */
export function activeWasmRuntime(): WasmRuntime | null {
  return wasm;
}

/**
 * The runtime of the default route, loading it on first use: the plain SIMD build (no fused
 * multiply-add, so float64 results equal the js kernels'), compiled synchronously where that is
 * allowed (Node, Deno, Bun, Web Workers); on a browser's main thread it starts loading in the
 * background and returns null (the js route) until it is ready. Null too after disableWasm(),
 * with X_WASM=0 in the environment, or where the engine has no WebAssembly SIMD. Internal.
 */
export function defaultWasmRuntime(): WasmRuntime | null {
  if (wasm || auto !== 'untried') return wasm;
  auto = 'settled';
  if (wasmSwitchedOff() || !wasmSimdSupported()) return null;
  if (syncCompileAllowed()) {
    try {
      wasm = loadWasmSync(false, false);
    } catch {
      // No memory or no SIMD after all: the js route.
    }
    return wasm;
  }
  auto = 'loading';
  pending = loadWasm(false, false).then(
    (rt) => {
      if (auto === 'loading') wasm = rt;
    },
    () => undefined,
  ).finally(() => {
    if (auto === 'loading') auto = 'settled';
  });
  return null;
}

/**
 * Resolves once the default route has settled: at once where the kernels compile synchronously,
 * after the background load on a browser's main thread. Resolves to the route CPU GEMMs then
 * take ('wasm', or 'js' after disableWasm(), with X_WASM=0, or without WebAssembly SIMD).
 */
export async function ready(): Promise<'js' | 'wasm'> {
  defaultWasmRuntime();
  if (pending) await pending;
  return wasm ? 'wasm' : 'js';
}

/** The route CPU GEMMs take now: 'wasm' (by default where it loads, or after enableWasm()) or 'js'. */
export function cpuBackend(): 'js' | 'wasm' {
  return defaultWasmRuntime() ? 'wasm' : 'js';
}

/** The runtime an explicit `backend: 'wasm'` runs on, loading it where that can be synchronous. */
function requiredWasmRuntime(): WasmRuntime {
  const rt = wasm ?? wasmRuntime();
  if (rt) return rt;
  if (syncCompileAllowed()) return loadWasmSync(false, false);
  defaultWasmRuntime();
  throw new BackendError('gemm with backend "wasm"', 'the wasm kernels are still loading on this browser main thread: await ready() (or enableWasm()) first');
}

/**
 * C[m x n] += A[m x k] * B[k x n] on the active CPU route (wasm SIMD by default where it loads,
 * the JS kernel below with `route: 'js'`, after disableWasm() or with X_WASM=0). When `upperOnly` is set (square C, used by gram), micro-tiles
 * that lie entirely below the diagonal are skipped; the caller mirrors the upper triangle.
 */
export function gemmAccumulate(
  m: number,
  n: number,
  k: number,
  A: GemmOperand,
  B: GemmOperand,
  c: Float64Array | Float32Array,
  ldc: number,
  upperOnly = false,
  route: CpuRoute = 'auto',
): void {
  checkGemmArgs('gemmAccumulate', m, n, k, A, B, c, ldc, upperOnly);
  checkRoute('gemmAccumulate', route);
  gemmRun(m, n, k, A, B, c, ldc, upperOnly, route, false);
}

/** Throws a DomainError naming `fn` unless `route` is a {@link CpuRoute} (undefined: 'auto'). Internal. */
export function checkRoute(fn: string, route: unknown): asserts route is CpuRoute | undefined {
  if (route !== undefined && route !== 'auto' && route !== 'js' && route !== 'wasm') {
    throw new DomainError(`${fn}: ${fn === 'gemmAccumulate' ? 'route' : 'backend'} must be one of "auto", "js", "wasm", got ${describe(route)}`);
  }
}

/**
 * gemmAccumulate without the argument checks, for callers that built valid operands themselves
 * (matmul, gram: a small product's checks cost as much as its arithmetic). `cZero`: C holds only
 * zeros (a fresh or cleared output), which spares the wasm route copying C in. Internal.
 */
export function gemmRun(
  m: number,
  n: number,
  k: number,
  A: GemmOperand,
  B: GemmOperand,
  c: Float64Array | Float32Array,
  ldc: number,
  upperOnly: boolean,
  route: CpuRoute = 'auto',
  cZero: boolean,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  if (route === 'wasm') {
    wasmGemmAccumulate(requiredWasmRuntime(), m, n, k, A, B, c, ldc, upperOnly, cZero);
    return;
  }
  if (route === 'auto' && m * n * k >= WASM_MIN_WORK) {
    const rt = defaultWasmRuntime();
    if (rt) {
      wasmGemmAccumulate(rt, m, n, k, A, B, c, ldc, upperOnly, cZero);
      return;
    }
  }
  gemmJs(m, n, k, A, B, c, ldc, upperOnly);
}

/** The JS reference GEMM (always available; the conformance reference for wasm). */
export function gemmAccumulateJs(
  m: number,
  n: number,
  k: number,
  A: GemmOperand,
  B: GemmOperand,
  c: Float64Array | Float32Array,
  ldc: number,
  upperOnly = false,
): void {
  checkGemmArgs('gemmAccumulateJs', m, n, k, A, B, c, ldc, upperOnly);
  gemmJs(m, n, k, A, B, c, ldc, upperOnly);
}

function gemmJs(m: number, n: number, k: number, A: GemmOperand, B: GemmOperand, c: Float64Array | Float32Array, ldc: number, upperOnly: boolean): void {
  if (m === 0 || n === 0 || k === 0) return;
  if (k <= KC && m * n * k <= SMALL_WORK) {
    gemmSmallJs(m, n, k, A, B, c, ldc, upperOnly);
    return;
  }
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  if (packB.length < KC * NC) packB = new Float64Array(KC * NC);
  const pa = packA;
  const pb = packB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(B, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        if (upperOnly && ic >= jc + nc) continue;
        packBlockA(A, ic, pc, mc, kc, pa);
        macroKernel(mc, nc, kc, pa, pb, c, ldc, ic, jc, upperOnly);
      }
    }
  }
}

// Up to this many multiply-adds (with k <= KC) a product skips packing: see gemmSmallJs.
const SMALL_WORK = 16 * 16 * 16;

/**
 * The direct path for small products (graph networks multiply 16-64 sized matrices thousands of
 * times): no packing, 2 x 2 blocks of C read straight from the strided operands. Each element is
 * summed over p in order from zero and then added to C, as in the packed kernel's single KC
 * block, so the results are bit-identical to it.
 */
function gemmSmallJs(m: number, n: number, k: number, A: GemmOperand, B: GemmOperand, c: Float64Array | Float32Array, ldc: number, upperOnly: boolean): void {
  const { data: a, off: oa, rs: ra, cs: ca } = A;
  const { data: b, off: ob, rs: rb, cs: cb } = B;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = oa + i * ra;
    const a1 = a0 + ra;
    let j = upperOnly ? i : 0;
    for (; j + 1 < n; j += 2) {
      const b0 = ob + j * cb;
      const b1 = b0 + cb;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p * ca]!;
        const x1 = a[a1 + p * ca]!;
        const y0 = b[b0 + p * rb]!;
        const y1 = b[b1 + p * rb]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      const r0 = i * ldc + j;
      c[r0] += s00;
      c[r0 + 1] += s01;
      c[r0 + ldc] += s10;
      c[r0 + ldc + 1] += s11;
    }
    if (j < n) {
      const b0 = ob + j * cb;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        const y = b[b0 + p * rb]!;
        s0 += a[a0 + p * ca]! * y;
        s1 += a[a1 + p * ca]! * y;
      }
      c[i * ldc + j] += s0;
      c[(i + 1) * ldc + j] += s1;
    }
  }
  if (i < m) {
    const a0 = oa + i * ra;
    for (let j = upperOnly ? i : 0; j < n; j++) {
      const b0 = ob + j * cb;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[a0 + p * ca]! * b[b0 + p * rb]!;
      c[i * ldc + j] += s;
    }
  }
}

/** Packs A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels, k-major inside, zero-padded. */
function packBlockA(A: GemmOperand, ic: number, pc: number, mc: number, kc: number, out: Float64Array): void {
  const { data, off, rs, cs } = A;
  let idx = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rowsHere = Math.min(MR, mc - ir);
    const base = off + (ic + ir) * rs + pc * cs;
    if (rowsHere === MR) {
      const b0 = base;
      const b1 = base + rs;
      const b2 = base + 2 * rs;
      const b3 = base + 3 * rs;
      for (let p = 0; p < kc; p++) {
        const q = p * cs;
        out[idx] = data[b0 + q]!;
        out[idx + 1] = data[b1 + q]!;
        out[idx + 2] = data[b2 + q]!;
        out[idx + 3] = data[b3 + q]!;
        idx += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) out[idx + r] = r < rowsHere ? data[base + r * rs + p * cs]! : 0;
        idx += 4;
      }
    }
  }
}

/** Packs B[pc:pc+kc, jc:jc+nc] into NR-column micro-panels, k-major inside, zero-padded. */
function packPanelB(B: GemmOperand, pc: number, jc: number, kc: number, nc: number, out: Float64Array): void {
  const { data, off, rs, cs } = B;
  let idx = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const colsHere = Math.min(NR, nc - jr);
    const base = off + pc * rs + (jc + jr) * cs;
    if (colsHere === NR && cs === 1) {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        out[idx] = data[q]!;
        out[idx + 1] = data[q + 1]!;
        out[idx + 2] = data[q + 2]!;
        out[idx + 3] = data[q + 3]!;
        idx += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        for (let c = 0; c < NR; c++) out[idx + c] = c < colsHere ? data[q + c * cs]! : 0;
        idx += 4;
      }
    }
  }
}

function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  pa: Float64Array,
  pb: Float64Array,
  c: Float64Array | Float32Array,
  ldc: number,
  ic: number,
  jc: number,
  upperOnly: boolean,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const bOff = jr * kc;
    for (let ir = 0; ir < mc; ir += MR) {
      // Skip tiles strictly below the diagonal of a symmetric result.
      if (upperOnly && ic + ir >= jc + jr + NR) continue;
      const mr = Math.min(MR, mc - ir);
      const aOff = ir * kc;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let ia = aOff;
      let ib = bOff;
      for (let p = 0; p < kc; p++) {
        const a0 = pa[ia]!;
        const a1 = pa[ia + 1]!;
        const a2 = pa[ia + 2]!;
        const a3 = pa[ia + 3]!;
        const b0 = pb[ib]!;
        const b1 = pb[ib + 1]!;
        const b2 = pb[ib + 2]!;
        const b3 = pb[ib + 3]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        ia += 4;
        ib += 4;
      }
      const r0 = (ic + ir) * ldc + jc + jr;
      if (mr === MR && nr === NR) {
        c[r0] += c00; c[r0 + 1] += c01; c[r0 + 2] += c02; c[r0 + 3] += c03;
        const r1 = r0 + ldc;
        c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
        const r2 = r1 + ldc;
        c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
        const r3 = r2 + ldc;
        c[r3] += c30; c[r3 + 1] += c31; c[r3 + 2] += c32; c[r3 + 3] += c33;
      } else {
        const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < mr; r++) {
          for (let q = 0; q < nr; q++) c[r0 + r * ldc + q] += t[r * 4 + q]!;
        }
      }
    }
  }
}
