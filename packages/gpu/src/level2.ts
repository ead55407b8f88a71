/**
 * Level-2 kernels (matrix-vector products) and workspaces, for the panel phases of blocked
 * factorizations (tridiagonalization, bidiagonalization). A product costs as much as copying
 * its matrix, so the wasm kernels only pay off when the matrix already lives in linear memory
 * for the whole factorization: `withWorkspace` allocates it there, and the kernels below run
 * in wasm when every operand lies in linear memory, on the JS loops otherwise.
 */
import { checkFunction } from './checks';
import { describe } from './limits';
import { DomainError } from './errors';
import { activeWasmRuntime, defaultWasmRuntime, type GemmOperand } from './gemm';
import { checkGemvArgs, checkSymvArgs } from './kernel-checks';
import { PACK_BYTES } from './wasm/runtime';

// The GEMM pack buffers plus slack: reserved with every workspace so that GEMMs on workspace
// operands never grow (and detach) an unshared memory.
const GEMM_SCRATCH_BYTES = PACK_BYTES + 4096;

function checkSpecs(specs: readonly (number | Float64Array)[], fn: unknown): void {
  if (!Array.isArray(specs)) throw new DomainError(`withWorkspace: specs must be an array of lengths or Float64Arrays, got ${describe(specs)}`);
  checkFunction('withWorkspace', 'fn', fn);
  for (const n of specs) {
    if (n instanceof Float64Array) continue;
    if (!Number.isInteger(n) || n < 0) throw new DomainError(`withWorkspace: lengths must be non-negative integers or Float64Arrays, got ${String(n)}`);
  }
}

function synchronous<T>(out: T): T {
  if (typeof (out as { then?: unknown } | null)?.then === 'function') {
    throw new DomainError('withWorkspace: fn must be synchronous (the workspace is released when it returns)');
  }
  return out;
}

/**
 * Runs `fn` on float64 arrays and returns its result. Each entry of `specs` is a length (a
 * fresh zero-filled array) or a Float64Array to work on in place. On the wasm route (the default
 * where the kernels load, see {@link ready}) the arrays live in wasm linear memory, so gemvAccumulate, symvAccumulate and gemmAccumulate on them run
 * in wasm without copies: in-place entries are copied in first and copied back when `fn`
 * returns (not when it throws). On the js route fresh arrays are plain and in-place entries are
 * passed through. The arrays are valid only while `fn` runs, which must be synchronous (a
 * returned Promise is a DomainError): copy out what must survive.
 * `extraBytes` reserves room for kernels whose operands lie outside the workspace.
 */
export function withWorkspace<T>(specs: readonly (number | Float64Array)[], fn: (...arrays: Float64Array[]) => T, extraBytes = 0): T {
  checkSpecs(specs, fn);
  const rt = defaultWasmRuntime();
  if (!rt) return synchronous(fn(...specs.map((s) => (typeof s === 'number' ? new Float64Array(s) : s))));
  const top = rt.mark();
  try {
    let bytes = GEMM_SCRATCH_BYTES + extraBytes;
    for (const s of specs) bytes += (typeof s === 'number' ? s : s.length) * 8 + 16;
    rt.reserve(bytes);
    const arrays = specs.map((s) => {
      const n = typeof s === 'number' ? s : s.length;
      const v = rt.f64(rt.alloc(n * 8), n);
      if (typeof s === 'number') v.fill(0);
      else v.set(s);
      return v;
    });
    rt.pinned++;
    let out: T;
    try {
      out = fn(...arrays);
    } finally {
      rt.pinned--;
    }
    synchronous(out);
    specs.forEach((s, i) => {
      if (typeof s !== 'number') s.set(arrays[i]!);
    });
    return out;
  } finally {
    rt.release(top);
  }
}

/**
 * y[yOff .. yOff+m) += A x[xOff .. xOff+n) for the m x n operand A (element (i, j) at
 * A.data[A.off + i * A.rs + j * A.cs]); float64, x and y contiguous. Runs in wasm when A, x
 * and y all lie in wasm linear memory (see withWorkspace), else in JS.
 */
export function gemvAccumulate(m: number, n: number, A: GemmOperand, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  checkGemvArgs('gemvAccumulate', m, n, A, x, xOff, y, yOff);
  if (m <= 0 || n <= 0) return;
  const rt = activeWasmRuntime();
  if (rt && A.data instanceof Float64Array) {
    const ap = rt.addressOf(A.data, A.off);
    const xp = rt.addressOf(x, xOff);
    const yp = rt.addressOf(y, yOff);
    if (ap >= 0 && xp >= 0 && yp >= 0) {
      rt.exports.gemvF64(m, n, ap, A.rs, A.cs, xp, yp);
      return;
    }
  }
  gemvJs(m, n, A, x, xOff, y, yOff);
}

/** The JS reference of gemvAccumulate. */
export function gemvJs(m: number, n: number, A: GemmOperand, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  checkGemvArgs('gemvJs', m, n, A, x, xOff, y, yOff);
  const { data: a, off, rs, cs } = A;
  if (cs === 1) {
    // Rows are contiguous: four row dot products per sweep share the loads of x.
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = off + i * rs;
      const r1 = r0 + rs;
      const r2 = r1 + rs;
      const r3 = r2 + rs;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < n; j++) {
        const xj = x[xOff + j]!;
        s0 += a[r0 + j]! * xj;
        s1 += a[r1 + j]! * xj;
        s2 += a[r2 + j]! * xj;
        s3 += a[r3 + j]! * xj;
      }
      y[yOff + i] = y[yOff + i]! + s0;
      y[yOff + i + 1] = y[yOff + i + 1]! + s1;
      y[yOff + i + 2] = y[yOff + i + 2]! + s2;
      y[yOff + i + 3] = y[yOff + i + 3]! + s3;
    }
    for (; i < m; i++) {
      const r0 = off + i * rs;
      let s0 = 0;
      for (let j = 0; j < n; j++) s0 += a[r0 + j]! * x[xOff + j]!;
      y[yOff + i] = y[yOff + i]! + s0;
    }
    return;
  }
  if (rs === 1) {
    // Columns are contiguous: four axpys per sweep over y.
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const c0 = off + j * cs;
      const c1 = c0 + cs;
      const c2 = c1 + cs;
      const c3 = c2 + cs;
      const x0 = x[xOff + j]!;
      const x1 = x[xOff + j + 1]!;
      const x2 = x[xOff + j + 2]!;
      const x3 = x[xOff + j + 3]!;
      for (let i = 0; i < m; i++) y[yOff + i] = y[yOff + i]! + a[c0 + i]! * x0 + a[c1 + i]! * x1 + a[c2 + i]! * x2 + a[c3 + i]! * x3;
    }
    for (; j < n; j++) {
      const c0 = off + j * cs;
      const x0 = x[xOff + j]!;
      for (let i = 0; i < m; i++) y[yOff + i] = y[yOff + i]! + a[c0 + i]! * x0;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[off + i * rs + j * cs]! * x[xOff + j]!;
    y[yOff + i] = y[yOff + i]! + s;
  }
}

/**
 * y[yOff .. yOff+n) += A x[xOff .. xOff+n) for the symmetric n x n matrix A whose upper
 * triangle is stored row-major at a[off + i * lda + j] (j >= i); the strict lower triangle is
 * never read. Runs in wasm when a, x and y all lie in wasm linear memory, else in JS.
 */
export function symvAccumulate(n: number, a: Float64Array, off: number, lda: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  checkSymvArgs('symvAccumulate', n, a, off, lda, x, xOff, y, yOff);
  if (n <= 0) return;
  const rt = activeWasmRuntime();
  if (rt) {
    const ap = rt.addressOf(a, off);
    const xp = rt.addressOf(x, xOff);
    const yp = rt.addressOf(y, yOff);
    if (ap >= 0 && xp >= 0 && yp >= 0) {
      rt.exports.symvUpperF64(n, ap, lda, xp, yp);
      return;
    }
  }
  symvJs(n, a, off, lda, x, xOff, y, yOff);
}

/** The JS reference of symvAccumulate: two rows per sweep, each element used twice. */
export function symvJs(n: number, a: Float64Array, off: number, lda: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  checkSymvArgs('symvJs', n, a, off, lda, x, xOff, y, yOff);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = off + i * lda;
    const r1 = r0 + lda;
    const v0 = x[xOff + i]!;
    const v1 = x[xOff + i + 1]!;
    const a01 = a[r0 + i + 1]!;
    let s0 = a[r0 + i]! * v0 + a01 * v1;
    let s1 = a[r1 + i + 1]! * v1;
    y[yOff + i + 1] = y[yOff + i + 1]! + a01 * v0;
    for (let c = i + 2; c < n; c++) {
      const x0 = a[r0 + c]!;
      const x1 = a[r1 + c]!;
      const xc = x[xOff + c]!;
      s0 += x0 * xc;
      s1 += x1 * xc;
      y[yOff + c] = y[yOff + c]! + x0 * v0 + x1 * v1;
    }
    y[yOff + i] = y[yOff + i]! + s0;
    y[yOff + i + 1] = y[yOff + i + 1]! + s1;
  }
  if (i < n) y[yOff + i] = y[yOff + i]! + a[off + i * lda + i]! * x[xOff + i]!;
}
