import { checkOptions } from '../checks';
import { DomainError } from '../errors';
import { setGemmRuntime } from '../gemm';
import { loadWasm, relaxedSimdSupported, sharedWasmRuntimes } from './runtime';
import { MAX_WORKERS, startPool, stopPool, threadSupport } from './threads';

/** Options of {@link enableWasm}: thread count and whether to use the fused multiply-add build. */
export interface EnableWasmOptions {
  /**
   * Threads for large GEMMs, the calling one included: an integer >= 1, or 'auto' for the
   * logical core count. More than one needs SharedArrayBuffer (in browsers a cross-origin
   * isolated page) and workers; where that is missing the kernels run on one thread and
   * wasmThreads() says why. Default 1.
   */
  threads?: number | 'auto';
  /**
   * Use the relaxed-SIMD build, whose GEMM micro-kernels use fused multiply-add, where the engine
   * supports it (default true; Chromium >= 114 and Node >= 22 do, Node 20 only behind a flag).
   * Fused products round once instead of twice, so results then differ from the js kernels by
   * rounding; false keeps the plain build, whose float64 GEMM matches js exactly.
   */
  fma?: boolean;
}

/** How many threads the wasm GEMM uses and, when only one, why. */
export interface WasmThreads {
  threads: number;
  reason: string | null;
}

const ONE_THREAD = 'one thread unless enableWasm({ threads }) asks for more';
let state: WasmThreads = { threads: 1, reason: ONE_THREAD };
let fmaActive = false;

function wanted(threads: EnableWasmOptions['threads']): number {
  if (threads === undefined) return 1;
  if (threads === 'auto') return Math.max(1, Math.min(MAX_WORKERS + 1, Math.floor(threadSupport().hardwareConcurrency())));
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS + 1) {
    throw new DomainError(`enableWasm: threads must be 'auto' or an integer in [1, ${MAX_WORKERS + 1}], got ${String(threads)}`);
  }
  return threads;
}

/**
 * Loads the WebAssembly SIMD kernels (once, asynchronously) and routes every CPU GEMM in `@x`
 * through them from then on: `matmul`, `gram` and everything @x/linalg builds on them stay
 * synchronous. Not needed for the default single-threaded route, which loads the plain build on
 * first use (see {@link ready}); call it for threads, for fused multiply-add, or to undo
 * disableWasm(). With `threads` > 1, large GEMMs are split over a pool of worker threads sharing
 * the kernels' memory (falling back to one thread, with the reason in wasmThreads(), where the
 * environment cannot share memory). Resolves to 'wasm', or rejects with a BackendError (no
 * SIMD) leaving the previous route active.
 */
export function enableWasm(opts: EnableWasmOptions = {}): Promise<'wasm'> {
  // Checked before queueing, so a bad options object rejects at once, naming enableWasm.
  try {
    checkOptions('enableWasm', opts, ['threads', 'fma']);
  } catch (e) {
    return Promise.reject(e);
  }
  // One at a time: a call that starts a pool must not interleave with one that replaces it.
  const run = queue.then(() => enable(opts));
  queue = run.catch(() => undefined);
  return run;
}

let queue: Promise<unknown> = Promise.resolve();

async function enable(opts: EnableWasmOptions): Promise<'wasm'> {
  const want = wanted(opts.threads);
  if (opts.fma !== undefined && typeof opts.fma !== 'boolean') throw new DomainError(`enableWasm: fma must be a boolean, got ${String(opts.fma)}`);
  const relaxed = (opts.fma ?? true) && relaxedSimdSupported();
  const plain = async (reason: string) => {
    const rt = await loadWasm(false, relaxed);
    // An existing pool stays, idle (its workers block in Atomics.wait), so that switching back
    // to the same thread count costs nothing; disableWasm() stops it.
    setGemmRuntime(rt);
    state = { threads: 1, reason };
    fmaActive = rt.fma;
    return 'wasm' as const;
  };
  if (want === 1) {
    const reason = opts.threads === undefined ? ONE_THREAD : opts.threads === 'auto' ? 'one logical core' : 'one thread requested';
    return plain(reason);
  }
  const why = threadSupport().unavailable();
  if (why) return plain(why);
  let rt: Awaited<ReturnType<typeof loadWasm>>;
  try {
    rt = await loadWasm(true, relaxed);
    if (!rt.pool || rt.pool.size !== want - 1) await startPool(rt, want - 1);
  } catch (e) {
    return plain((e as Error).message);
  }
  setGemmRuntime(rt);
  state = { threads: want, reason: null };
  fmaActive = rt.fma;
  return 'wasm';
}

/**
 * Routes CPU GEMMs to the JS reference kernel (the default route then loads no wasm) and stops
 * the worker threads, if any. enableWasm() undoes it. The environment switch X_WASM=0 does the
 * same from the start.
 */
export function disableWasm(): void {
  for (const rt of sharedWasmRuntimes()) stopPool(rt);
  fmaActive = false;
  setGemmRuntime(null);
  state = { threads: 1, reason: 'disableWasm() routed CPU GEMMs to the js kernels' };
}

/** Whether the active wasm GEMM uses fused multiply-add (the relaxed-SIMD build). */
export function wasmFma(): boolean {
  return fmaActive;
}

/** Threads the wasm GEMM runs on (1 with the reason when enableWasm could not make more). */
export function wasmThreads(): WasmThreads {
  return { ...state };
}
