import { BackendError } from '../errors';
import type { GemmOperand } from '../gemm-operand';
import { WASM_BASE64, WASM_RELAXED_BASE64, WASM_RELAXED_SHARED_BASE64, WASM_SHARED_BASE64, WASM_SHARED_MAX_PAGES } from './binary';
import { parallelGemm, PARALLEL_MIN_WORK } from './threads';
import type { Exports, WasmRuntime } from './types';

export type { Exports, WasmRuntime } from './types';


// Byte layout of linear memory: [0, 256) the main instance's scratch tile for GEMM edges,
// [1024, 4096) AssemblyScript statics, then regions that live as long as the runtime (a thread
// pool's control blocks and scratch tiles), then a stack: each kernel call allocates above the
// top and releases what it took when it returns; a workspace (see level2.ts) stays below the
// top for as long as its callback runs, so the factorization that owns it can call kernels on it.
const HEAP = 4096;
const KC = 256;
const MC = 95;
const NC = 1024;
/** Bytes of one set of GEMM pack buffers (float64, the larger). */
export const PACK_BYTES = (MC * KC + KC * NC) * 8 + 64;


/** Runtimes by kind: `${shared}/${relaxed}`. */
const loading = new Map<string, Promise<WasmRuntime>>();
const loaded = new Map<string, WasmRuntime>();
const kindKey = (shared: boolean, relaxed: boolean) => `${shared}/${relaxed}`;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  // atob exists in browsers and in Node >= 16; no Buffer, so this file runs everywhere.
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Whether this engine validates WebAssembly SIMD (v128). */
export function wasmSimdSupported(): boolean {
  simd ??= probe(SIMD_PROBE);
  return simd;
}

/** Whether this engine validates relaxed SIMD (f64x2.relaxed_madd), e.g. Chromium >= 114, Node >= 22. */
export function relaxedSimdSupported(): boolean {
  relaxedSimd ??= probe(RELAXED_PROBE);
  return relaxedSimd;
}

// The engine does not change: each probe runs once (validation costs microseconds, which
// matters on the per-call path of small products).
let simd: boolean | undefined;
let relaxedSimd: boolean | undefined;

function probe(bytes: readonly number[]): boolean {
  if (typeof WebAssembly === 'undefined') return false;
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

// A module whose only function returns a v128 constant.
const SIMD_PROBE = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 11,
  ];
// A module whose only function returns f64x2.relaxed_madd of its three v128 parameters.
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 135, 2, 11];

/**
 * Loads and instantiates the embedded kernels once per kind (`shared`: on a shared memory, for
 * thread pools; `relaxed`: the relaxed-SIMD build, where the engine has it); later calls return
 * the same runtime.
 */
export function loadWasm(shared = false, relaxed = relaxedSimdSupported()): Promise<WasmRuntime> {
  const key = kindKey(shared, relaxed);
  const done = loaded.get(key);
  if (done) return Promise.resolve(done);
  let p = loading.get(key);
  if (!p) {
    p = instantiate(shared, relaxed);
    loading.set(key, p);
    p.then(
      (rt) => loaded.set(key, rt),
      () => loading.delete(key),
    );
  }
  return p;
}

/**
 * Loads the plain SIMD build synchronously (`new WebAssembly.Module`), as the default route does
 * where synchronous compilation is allowed (see syncCompileAllowed); later calls and loadWasm()
 * share the result. Throws a BackendError where the engine lacks SIMD.
 */
export function loadWasmSync(shared = false, relaxed = false): WasmRuntime {
  const key = kindKey(shared, relaxed);
  const done = loaded.get(key);
  if (done) return done;
  const memory = checkAndMakeMemory(shared, relaxed);
  const module = new WebAssembly.Module(decode(binaryOf(shared, relaxed)));
  const rt = makeRuntime(module, new WebAssembly.Instance(module, { env: { memory } }), memory, shared, relaxed);
  loaded.set(key, rt);
  // A pending loadWasm() of the same kind resolves to this runtime, not to a second instance.
  loading.set(key, Promise.resolve(rt));
  return rt;
}

function binaryOf(shared: boolean, relaxed: boolean): string {
  return relaxed ? (shared ? WASM_RELAXED_SHARED_BASE64 : WASM_RELAXED_BASE64) : shared ? WASM_SHARED_BASE64 : WASM_BASE64;
}

function checkAndMakeMemory(shared: boolean, relaxed: boolean): WebAssembly.Memory {
  if (!wasmSimdSupported()) {
    throw new BackendError('wasm backend', 'this engine has no WebAssembly SIMD (v128) support');
  }
  if (relaxed && !relaxedSimdSupported()) {
    throw new BackendError('wasm backend', 'this engine has no relaxed SIMD (fused multiply-add) support');
  }
  const initial = Math.ceil((HEAP + PACK_BYTES) / 65536) + 1;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory(shared ? { initial, maximum: WASM_SHARED_MAX_PAGES, shared: true } : { initial });
  } catch (e) {
    throw new BackendError('wasm backend', `cannot create a${shared ? ' shared' : ''} WebAssembly memory: ${(e as Error).message}`);
  }
  return memory;
}

async function instantiate(shared: boolean, relaxed: boolean): Promise<WasmRuntime> {
  const memory = checkAndMakeMemory(shared, relaxed);
  const module = await WebAssembly.compile(decode(binaryOf(shared, relaxed)));
  const done = loaded.get(kindKey(shared, relaxed));
  // loadWasmSync() may have finished the same kind meanwhile: one runtime per kind.
  if (done) return done;
  return makeRuntime(module, await WebAssembly.instantiate(module, { env: { memory } }), memory, shared, relaxed);
}

function makeRuntime(module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, shared: boolean, relaxed: boolean): WasmRuntime {
  // Every buffer object the memory has had: after a shared memory grows, views made earlier
  // keep the old (still valid) SharedArrayBuffer object.
  const buffers = new WeakSet<ArrayBufferLike>([memory.buffer]);
  const current = (): ArrayBufferLike => {
    const b = memory.buffer;
    buffers.add(b);
    return b;
  };
  let floor = HEAP;
  let top = HEAP;
  const rt: WasmRuntime = {
    // A plain copy (the instance's own exports object is frozen), so tests can observe calls.
    exports: { ...instance.exports } as unknown as Exports,
    memory,
    module,
    shared,
    fma: relaxed,
    pool: null,
    pinned: 0,
    alloc(bytes: number): number {
      const ptr = (top + 15) & ~15;
      if (ptr + bytes > size) grow(ptr + bytes);
      top = ptr + bytes;
      return ptr;
    },
    allocPermanent(bytes: number): number {
      if (top !== floor) throw new BackendError('wasm runtime', 'permanent regions can only be allocated with nothing else allocated');
      const ptr = rt.alloc(bytes);
      floor = top;
      return ptr;
    },
    mark: () => top,
    release(mark: number): void {
      top = Math.max(mark, floor);
    },
    reserve(bytes: number): void {
      grow(((top + 15) & ~15) + bytes);
    },
    addressOf(view, off) {
      return buffers.has(view.buffer) ? view.byteOffset + off * view.BYTES_PER_ELEMENT : -1;
    },
    f64: (ptr, n) => new Float64Array(current(), ptr, n),
    f32: (ptr, n) => new Float32Array(current(), ptr, n),
    // Rebuilt only after grow(): reading memory.buffer costs more than the rest of a small GEMM's
    // bookkeeping, and only grow() changes it (the kernels never grow the memory).
    heap64() {
      if (h64.byteLength !== size) h64 = new Float64Array(current());
      return h64;
    },
    heap32() {
      if (h32.byteLength !== size) h32 = new Float32Array(current());
      return h32;
    },
  };
  // The memory's byte length as last seen (grow() is the only place that changes it).
  let size = memory.buffer.byteLength;
  let h64: Float64Array<ArrayBufferLike> = new Float64Array(memory.buffer);
  let h32: Float32Array<ArrayBufferLike> = new Float32Array(memory.buffer);
  function grow(end: number): void {
    size = memory.buffer.byteLength;
    const need = end - size;
    if (need <= 0) return;
    if (rt.pinned > 0 && !shared) {
      throw new BackendError('wasm workspace', `a kernel needed ${need} more bytes of linear memory while a workspace was live (it reserves too little)`);
    }
    try {
      memory.grow(Math.ceil(need / 65536));
    } catch (e) {
      throw new BackendError('wasm runtime', `cannot grow linear memory by ${need} bytes: ${(e as Error).message}`);
    }
    size = current().byteLength;
  }
  return rt;
}

/** A loaded unshared runtime (the engine's default build first), or null before loadWasm() resolved. */
export function wasmRuntime(): WasmRuntime | null {
  return loaded.get(kindKey(false, relaxedSimdSupported())) ?? loaded.get(kindKey(false, false)) ?? loaded.get(kindKey(false, true)) ?? null;
}

/** The loaded shared-memory runtimes (the ones thread pools run on). */
export function sharedWasmRuntimes(): WasmRuntime[] {
  return [...loaded.values()].filter((rt) => rt.shared);
}

/** Index span [first, last] an operand touches, as an element count from `off`. */
function span(rows: number, cols: number, rs: number, cs: number): number {
  return (rows - 1) * rs + (cols - 1) * cs + 1;
}

/**
 * Byte address of data[off .. off+len) in linear memory: in place when it already lives there
 * with the kernel's element size, else copied into a fresh region (through the cached whole-memory
 * views: the per-call cost of small products is mostly such bookkeeping).
 */
function place(rt: WasmRuntime, data: Float64Array | Float32Array, off: number, len: number, bytes: number): number {
  const at = rt.addressOf(data, off);
  if (at >= 0 && data.BYTES_PER_ELEMENT === bytes) return at;
  const p = rt.alloc(len * bytes);
  const h = bytes === 4 ? rt.heap32() : rt.heap64();
  h.set(off === 0 && len === data.length ? data : data.subarray(off, off + len), p / bytes);
  return p;
}

/**
 * C[m x n] (row stride ldc) += A * B through the wasm GEMM. Copies the touched spans of A, B and
 * C into linear memory and C back. float32 kernels run when A, B and C are all float32.
 * `cZero`: the caller knows C holds only zeros (a fresh or cleared output); with ldc = n the
 * region for C is then cleared in linear memory instead of copied in from C, which saves a pass
 * over C (a fresh output's pages are still mapped on first touch, by the copy back).
 */
export function wasmGemmAccumulate(
  rt: WasmRuntime,
  m: number,
  n: number,
  k: number,
  A: GemmOperand,
  B: GemmOperand,
  c: Float64Array | Float32Array,
  ldc: number,
  upper: boolean,
  cZero = false,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  const f32 = A.data instanceof Float32Array && B.data instanceof Float32Array && c instanceof Float32Array;
  const bytes = f32 ? 4 : 8;
  const top = rt.mark();
  try {
    // Pack buffers only as large as this product needs (small products touch little memory).
    // (B's panel is padded to whole 8-column micro-panels; never more than PACK_BYTES in all.)
    const packA = MC * Math.min(k, KC) * bytes;
    const packB = Math.min(k, KC) * Math.min(NC, (n + 7) & ~7) * bytes;
    const pa = rt.alloc(packA);
    const pb = rt.alloc(packB);
    const ap = place(rt, A.data, A.off, span(m, k, A.rs, A.cs), bytes);
    const bp = place(rt, B.data, B.off, span(k, n, B.rs, B.cs), bytes);
    const sc = (m - 1) * ldc + n;
    let cp = rt.addressOf(c, 0);
    if (cp < 0 || c.BYTES_PER_ELEMENT !== bytes) {
      if (cZero && ldc === n) {
        cp = rt.alloc(sc * bytes);
        (f32 ? rt.heap32() : rt.heap64()).fill(0, cp / bytes, cp / bytes + sc);
      } else {
        cp = place(rt, c, 0, sc, bytes);
      }
    }
    if (rt.pool && m * n * k >= PARALLEL_MIN_WORK) {
      parallelGemm(rt, rt.pool, f32, m, n, k, ap, A.rs, A.cs, bp, B.rs, B.cs, cp, ldc, pa, pb, upper, [packA, packB]);
    } else {
      const fn = f32 ? rt.exports.gemmF32 : rt.exports.gemmF64;
      fn(m, n, k, ap, A.rs, A.cs, bp, B.rs, B.cs, cp, ldc, pa, pb, upper ? 1 : 0, 0);
    }
    if (rt.addressOf(c, 0) !== cp) {
      const h = f32 ? rt.heap32() : rt.heap64();
      const at = cp / bytes;
      c.set(h.subarray(at, at + sc));
    }
  } finally {
    rt.release(top);
  }
}

/**
 * Whether the environment switch X_WASM opts out of the default wasm route ('0', 'false' or
 * 'off'). Read through `globalThis.process?.env`, so this file needs no Node API and runs where
 * there is no `process` (browsers) or where reading it is refused (Deno without --allow-env).
 */
export function wasmSwitchedOff(): boolean {
  try {
    const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.X_WASM;
    return v !== undefined && ['0', 'false', 'off'].includes(v.trim().toLowerCase());
  } catch {
    return false;
  }
}

/**
 * Whether a module of the kernels' size may be compiled synchronously here: everywhere except a
 * browser's main thread (a window with a document), where engines refuse or discourage it.
 * Node, Deno, Bun and Web Workers may.
 */
export function syncCompileAllowed(): boolean {
  const g = globalThis as { window?: unknown; document?: unknown };
  return !(typeof g.window === 'object' && g.window !== null && typeof g.document === 'object' && g.document !== null);
}
