import { BackendError } from '../errors';
import type { GemmOperand } from '../gemm';
import { WASM_BASE64, WASM_RELAXED_BASE64, WASM_RELAXED_SHARED_BASE64, WASM_SHARED_BASE64, WASM_SHARED_MAX_PAGES } from './binary';
import { type ThreadPool, parallelGemm, PARALLEL_MIN_WORK } from './threads';

export interface Exports {
  setScratch(p: number): void;
  gemmF64(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number, colOff: number): void;
  gemmF32(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number, colOff: number): void;
  elementwiseF64(op: number, n: number, x: number, y: number, out: number, alpha: number): void;
  sumF64(n: number, x: number): number;
  dotF64(n: number, x: number, y: number): number;
  gemvF64(m: number, n: number, a: number, rs: number, cs: number, x: number, y: number): void;
  symvUpperF64(n: number, a: number, lda: number, x: number, y: number): void;
}

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

/** The instantiated kernels: synchronous once loaded. */
export interface WasmRuntime {
  readonly exports: Exports;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  /** Whether the memory is shared (a SharedArrayBuffer): growing it never detaches views. */
  readonly shared: boolean;
  /** Whether this is the relaxed-SIMD build: GEMM micro-kernels use fused multiply-add. */
  readonly fma: boolean;
  /** Worker threads running GEMM slices on this memory, once startThreads() made some. */
  pool: ThreadPool | null;
  /** Byte address of a fresh region of `bytes` bytes, 16-aligned, above the current top. */
  alloc(bytes: number): number;
  /** Like alloc, for regions kept as long as the runtime; only with nothing else allocated. */
  allocPermanent(bytes: number): number;
  /** The current top, to hand back to release() once the regions above it are done with. */
  mark(): number;
  release(mark: number): void;
  /** Grows memory now so that `bytes` more fit above the top without growing later. */
  reserve(bytes: number): void;
  /**
   * Live workspaces: while one is live, growing an unshared memory would detach the typed
   * arrays that view it, so alloc() refuses with a BackendError instead (workspaces reserve up
   * front).
   */
  pinned: number;
  /** Byte address of element `off` of `view` when `view` lies in this linear memory, else -1. */
  addressOf(view: Float64Array | Float32Array, off: number): number;
  f64(ptr: number, n: number): Float64Array;
  f32(ptr: number, n: number): Float32Array;
}

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
  if (typeof WebAssembly === 'undefined') return false;
  // A module whose only function returns a v128 constant.
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 11,
  ]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** Whether this engine validates relaxed SIMD (f64x2.relaxed_madd), e.g. Chromium >= 114, Node >= 22. */
export function relaxedSimdSupported(): boolean {
  if (typeof WebAssembly === 'undefined') return false;
  // A module whose only function returns f64x2.relaxed_madd of its three v128 parameters.
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 135, 2, 11,
  ]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

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

async function instantiate(shared: boolean, relaxed: boolean): Promise<WasmRuntime> {
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
  const bytes = relaxed ? (shared ? WASM_RELAXED_SHARED_BASE64 : WASM_RELAXED_BASE64) : shared ? WASM_SHARED_BASE64 : WASM_BASE64;
  const module = await WebAssembly.compile(decode(bytes));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
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
      grow(ptr + bytes);
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
  };
  function grow(end: number): void {
    const need = end - memory.buffer.byteLength;
    if (need <= 0) return;
    if (rt.pinned > 0 && !shared) {
      throw new BackendError('wasm workspace', `a kernel needed ${need} more bytes of linear memory while a workspace was live (it reserves too little)`);
    }
    try {
      memory.grow(Math.ceil(need / 65536));
    } catch (e) {
      throw new BackendError('wasm runtime', `cannot grow linear memory by ${need} bytes: ${(e as Error).message}`);
    }
    current();
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
 * C[m x n] (row stride ldc) += A * B through the wasm GEMM. Copies the touched spans of A, B and
 * C into linear memory and C back. float32 kernels run when A, B and C are all float32.
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
): void {
  if (m === 0 || n === 0 || k === 0) return;
  const f32 = A.data instanceof Float32Array && B.data instanceof Float32Array && c instanceof Float32Array;
  const bytes = f32 ? 4 : 8;
  const top = rt.mark();
  try {
    const packBytes: [number, number] = [MC * KC * bytes, KC * NC * bytes];
    const pa = rt.alloc(packBytes[0]);
    const pb = rt.alloc(packBytes[1]);
    const view = f32 ? rt.f32.bind(rt) : rt.f64.bind(rt);
    // Operands that already live in linear memory (a workspace) are used in place.
    const place = (data: Float64Array | Float32Array, off: number, len: number): number => {
      const at = rt.addressOf(data, off);
      if (at >= 0 && data.BYTES_PER_ELEMENT === bytes) return at;
      const p = rt.alloc(len * bytes);
      view(p, len).set(data.subarray(off, off + len));
      return p;
    };
    const ap = place(A.data, A.off, span(m, k, A.rs, A.cs));
    const bp = place(B.data, B.off, span(k, n, B.rs, B.cs));
    const sc = (m - 1) * ldc + n;
    const cp = place(c, 0, sc);
    if (rt.pool && m * n * k >= PARALLEL_MIN_WORK) {
      parallelGemm(rt, rt.pool, f32, m, n, k, ap, A.rs, A.cs, bp, B.rs, B.cs, cp, ldc, pa, pb, upper, packBytes);
    } else {
      const fn = f32 ? rt.exports.gemmF32 : rt.exports.gemmF64;
      fn(m, n, k, ap, A.rs, A.cs, bp, B.rs, B.cs, cp, ldc, pa, pb, upper ? 1 : 0, 0);
    }
    if (rt.addressOf(c, 0) !== cp) c.set(view(cp, sc));
  } finally {
    rt.release(top);
  }
}
