/**
 * The wasm runtime's shared types, in a file of their own so that runtime.ts and threads.ts
 * (which use each other's types) do not import each other in a circle.
 */

export interface Exports {
  setScratch(p: number): void;
  gemmF64(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number, colOff: number): void;
  gemmF32(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, pa: number, pb: number, upper: number, colOff: number): void;
  elementwiseF64(op: number, n: number, x: number, y: number, out: number, alpha: number): void;
  sumF64(n: number, x: number): number;
  dotF64(n: number, x: number, y: number): number;
  gemvF64(m: number, n: number, a: number, rs: number, cs: number, x: number, y: number): void;
  symvUpperF64(n: number, a: number, lda: number, x: number, y: number): void;
  secularSumsF64(k: number, split: number, a: number, z: number, x: number, out: number): void;
}

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
  /** Views of the whole memory, cached until it grows (no allocation per kernel call). */
  heap64(): Float64Array<ArrayBufferLike>;
  heap32(): Float32Array<ArrayBufferLike>;
}

export interface WorkerHandle {
  terminate(): void;
}

/** Workers sharing a runtime's memory. */
export interface ThreadPool {
  readonly size: number;
  readonly blocks: boolean;
  /** Control blocks, one per worker. */
  readonly ctl: Int32Array[];
  gen: number;
  handles: WorkerHandle[];
}
