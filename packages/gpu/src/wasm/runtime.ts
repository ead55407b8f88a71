import { BackendError } from '../errors';
import type { GemmOperand } from '../gemm';
import { WASM_BASE64 } from './binary';

interface Exports {
  gemmF64(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number): void;
  gemmF32(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number): void;
  elementwiseF64(op: number, n: number, x: number, y: number, out: number, alpha: number): void;
  sumF64(n: number, x: number): number;
  dotF64(n: number, x: number, y: number): number;
  gemvF64(m: number, n: number, a: number, rs: number, cs: number, x: number, y: number): void;
  symvUpperF64(n: number, a: number, lda: number, x: number, y: number): void;
}

// Byte layout of linear memory: [0, 128) scratch tile for GEMM edges, [128, 1024) unused,
// [1024, HEAP) AssemblyScript statics, then a stack of regions: each kernel call allocates above
// the top and releases what it took when it returns; a workspace (see level2.ts) stays below the
// top for as long as its callback runs, so the factorization that owns it can call kernels on it.
const HEAP = 4096;
const KC = 256;
const MC = 96;
const NC = 1024;
const PACK_BYTES = (MC * KC + KC * NC) * 8 + 64;

/** The instantiated kernels: synchronous once loaded. */
export interface WasmRuntime {
  readonly exports: Exports;
  readonly memory: WebAssembly.Memory;
  /** Byte address of a fresh region of `bytes` bytes, 16-aligned, above the current top. */
  alloc(bytes: number): number;
  /** The current top, to hand back to release() once the regions above it are done with. */
  mark(): number;
  release(mark: number): void;
  /** Grows memory now so that `bytes` more fit above the top without growing later. */
  reserve(bytes: number): void;
  /**
   * Live workspaces: while one is live, growing the memory would detach the typed arrays that
   * view it, so alloc() refuses with a BackendError instead (workspaces reserve up front).
   */
  pinned: number;
  /** Byte address of element `off` of `view` when `view` lies in this linear memory, else -1. */
  addressOf(view: Float64Array | Float32Array, off: number): number;
  f64(ptr: number, n: number): Float64Array;
  f32(ptr: number, n: number): Float32Array;
}

let loading: Promise<WasmRuntime> | null = null;
let loaded: WasmRuntime | null = null;

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

/** Loads and instantiates the embedded kernels once; later calls return the same runtime. */
export function loadWasm(): Promise<WasmRuntime> {
  if (loaded) return Promise.resolve(loaded);
  if (!loading) {
    loading = (async () => {
      if (!wasmSimdSupported()) {
        throw new BackendError('wasm backend', 'this engine has no WebAssembly SIMD (v128) support');
      }
      const memory = new WebAssembly.Memory({ initial: Math.ceil((HEAP + PACK_BYTES) / 65536) + 1 });
      const module = await WebAssembly.compile(decode(WASM_BASE64));
      const instance = await WebAssembly.instantiate(module, {
        env: {
          memory,
          abort: () => {
            throw new BackendError('wasm kernel', 'aborted');
          },
        },
      });
      let top = HEAP;
      const grow = (end: number, rt: WasmRuntime): void => {
        const need = end - memory.buffer.byteLength;
        if (need <= 0) return;
        if (rt.pinned > 0) {
          throw new BackendError('wasm workspace', `a kernel needed ${need} more bytes of linear memory while a workspace was live (it reserves too little)`);
        }
        memory.grow(Math.ceil(need / 65536));
      };
      const rt: WasmRuntime = {
        // A plain copy (the instance's own exports object is frozen), so tests can observe calls.
        exports: { ...instance.exports } as unknown as Exports,
        memory,
        pinned: 0,
        alloc(bytes: number): number {
          const ptr = (top + 15) & ~15;
          grow(ptr + bytes, rt);
          top = ptr + bytes;
          return ptr;
        },
        mark: () => top,
        release(mark: number): void {
          top = mark;
        },
        reserve(bytes: number): void {
          grow(((top + 15) & ~15) + bytes, rt);
        },
        addressOf(view, off) {
          return view.buffer === memory.buffer ? view.byteOffset + off * view.BYTES_PER_ELEMENT : -1;
        },
        f64: (ptr, n) => new Float64Array(memory.buffer, ptr, n),
        f32: (ptr, n) => new Float32Array(memory.buffer, ptr, n),
      };
      loaded = rt;
      return rt;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** The loaded runtime, or null before loadWasm() resolved. */
export function wasmRuntime(): WasmRuntime | null {
  return loaded;
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
    const pa = rt.alloc(MC * KC * bytes);
    const pb = rt.alloc(KC * NC * bytes);
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
    const fn = f32 ? rt.exports.gemmF32 : rt.exports.gemmF64;
    fn(m, n, k, ap, A.rs, A.cs, bp, B.rs, B.cs, cp, ldc, pa, pb, upper ? 1 : 0);
    if (rt.addressOf(c, 0) !== cp) c.set(view(cp, sc));
  } finally {
    rt.release(top);
  }
}
