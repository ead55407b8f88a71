/**
 * A pool of worker threads that run slices of one wasm GEMM on a shared linear memory. The
 * calling thread splits C into column (or row) slices, posts one slice to each worker through
 * a control block in the shared memory (Atomics.notify), runs the first slice itself and waits
 * for the others (Atomics.wait where the thread may block, a spin on Atomics.load on a
 * browser's main thread). Calls stay synchronous. Workers are spawned by a ThreadSupport:
 * Web Workers from a Blob in browsers (here), worker_threads in Node (the Node entry).
 */
import { BackendError } from '../errors';
import type { Exports, ThreadPool, WasmRuntime, WorkerHandle } from './types';

export type { ThreadPool, WorkerHandle } from './types';

/** Below this many multiply-adds a GEMM runs on the calling thread alone. */
export const PARALLEL_MIN_WORK = 96 * 96 * 96;
/** Most workers a pool may have. */
export const MAX_WORKERS = 63;

// Control block of one worker: 32 int32 (128 bytes), then its 256-byte scratch tile.
const SLOT_BYTES = 384;
const GEN = 0; // command counter the worker waits on; negative: quit
const DONE = 1; // the worker stores the command counter here when the slice is done
const STATUS = 2; // 0 ok, 1 the kernel trapped
const DTYPE = 3; // 0 float64, 1 float32
const ARGS = 4; // m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, pa, pb, upper, colOff

/** What a worker needs to join the pool. All of it is structured-cloneable. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of the worker's control block; its scratch tile follows at +128. */
  ctl: number;
}


/** How this environment makes threads (set by an entry point; see setThreadSupport). */
export interface ThreadSupport {
  /** Why no pool can be made here, or null when one can. */
  unavailable(): string | null;
  /** Logical cores, for threads: 'auto'. */
  hardwareConcurrency(): number;
  /** Whether the calling thread may block in Atomics.wait (not on a browser's main thread). */
  canBlock(): boolean;
  /** Starts a worker that runs serveGemm(init) and resolves once it waits for work. */
  spawn(init: WorkerInit): Promise<WorkerHandle>;
}

/**
 * The worker's loop. Self-contained (no outer references): entry points ship its source text
 * to the worker, so it must not be rewritten by tools that inject outer references.
 */
export function serveGemm(init: WorkerInit, ready: () => void): void {
  const ex = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as Exports;
  ex.setScratch(init.ctl + 128);
  const c = new Int32Array(init.memory.buffer, init.ctl, 32);
  ready();
  let seen = 0;
  for (;;) {
    Atomics.wait(c, 0, seen);
    const gen = Atomics.load(c, 0);
    if (gen === seen) continue;
    if (gen < 0) return;
    seen = gen;
    let status = 0;
    try {
      const f = c[3] === 1 ? ex.gemmF32 : ex.gemmF64;
      f(c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!);
    } catch {
      status = 1;
    }
    c[2] = status;
    Atomics.store(c, 1, gen);
    Atomics.notify(c, 1);
  }
}

function browserBlocks(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Web Workers started from a Blob holding serveGemm's source (browsers, Deno, Bun). */
const webThreads: ThreadSupport = {
  unavailable() {
    const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean; Blob?: unknown; URL?: { createObjectURL?: unknown } };
    if (typeof SharedArrayBuffer === 'undefined' || g.crossOriginIsolated === false) {
      return 'SharedArrayBuffer is unavailable: the page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
    }
    if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
      return 'this environment has no Web Worker (in Node, @x/gpu uses worker_threads through its "node" export condition)';
    }
    return null;
  },
  hardwareConcurrency: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
  canBlock: browserBlocks,
  spawn(init) {
    const src = `const serveGemm = ${serveGemm.toString()};\nself.onmessage = (e) => serveGemm(e.data, () => self.postMessage('ready'));\n`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    return new Promise((resolve, reject) => {
      const w = new Worker(url);
      w.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve({ terminate: () => w.terminate() });
      };
      w.onerror = (e) => {
        URL.revokeObjectURL(url);
        w.terminate();
        reject(new BackendError('wasm threads', `a worker failed to start: ${e.message}`));
      };
      w.postMessage(init);
    });
  },
};

let support: ThreadSupport = webThreads;

/** Installs how threads are made (the Node entry installs worker_threads). Internal. */
export function setThreadSupport(s: ThreadSupport): void {
  support = s;
}

export function threadSupport(): ThreadSupport {
  return support;
}

/** Whether no entry point or caller replaced the built-in Web Worker support. */
export function threadSupportIsDefault(): boolean {
  return support === webThreads;
}


/** Control blocks for MAX_WORKERS workers, allocated once per runtime. */
const slotsOf = new WeakMap<WasmRuntime, number>();

/** Starts `workers` workers on the runtime's shared memory (stopping any earlier pool). */
export async function startPool(rt: WasmRuntime, workers: number): Promise<ThreadPool> {
  if (!rt.shared) throw new BackendError('wasm threads', 'a thread pool needs the shared-memory runtime');
  stopPool(rt);
  let base = slotsOf.get(rt);
  if (base === undefined) {
    base = rt.allocPermanent(MAX_WORKERS * SLOT_BYTES);
    slotsOf.set(rt, base);
  }
  const ctl: Int32Array[] = [];
  const started: Promise<WorkerHandle>[] = [];
  for (let w = 0; w < workers; w++) {
    const at = base + w * SLOT_BYTES;
    const view = new Int32Array(rt.memory.buffer, at, 32);
    view.fill(0);
    ctl.push(view);
    started.push(support.spawn({ module: rt.module, memory: rt.memory, ctl: at }));
  }
  const results = await Promise.allSettled(started);
  const handles = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    for (const h of handles) h.terminate();
    const why = (failed as PromiseRejectedResult).reason;
    throw why instanceof BackendError ? why : new BackendError('wasm threads', `a worker failed to start: ${String(why)}`);
  }
  const pool: ThreadPool = { size: workers, blocks: support.canBlock(), ctl, gen: 0, handles };
  rt.pool = pool;
  return pool;
}

/** Stops the runtime's pool, if any. */
export function stopPool(rt: WasmRuntime): void {
  const pool = rt.pool;
  if (!pool) return;
  rt.pool = null;
  for (const c of pool.ctl) {
    Atomics.store(c, GEN, -1);
    Atomics.notify(c, GEN);
  }
  for (const h of pool.handles) h.terminate();
}

/** Split points of [0, dim) into `parts` slices, multiples of 8, equal work (upper: ~ j). */
export function splitPoints(dim: number, parts: number, upper: boolean): number[] {
  const cuts = [0];
  for (let t = 1; t < parts; t++) {
    const f = upper ? Math.sqrt(t / parts) : t / parts;
    const cut = Math.min(dim, Math.max(cuts[t - 1]!, Math.round((dim * f) / 8) * 8));
    cuts.push(cut);
  }
  cuts.push(dim);
  return cuts;
}

/**
 * C += A B (byte addresses in the runtime's memory) on the pool and the calling thread. Slices
 * C by columns (always for `upper`, where column j costs ~j) or by rows, whichever is longer.
 * `pa`/`pb` are the calling thread's pack buffers; each worker gets its own of `packBytes`.
 */
export function parallelGemm(
  rt: WasmRuntime,
  pool: ThreadPool,
  f32: boolean,
  m: number,
  n: number,
  k: number,
  ap: number,
  rsA: number,
  csA: number,
  bp: number,
  rsB: number,
  csB: number,
  cp: number,
  ldc: number,
  pa: number,
  pb: number,
  upper: boolean,
  packBytes: [number, number],
): void {
  const bytes = f32 ? 4 : 8;
  const byCols = upper || n >= m;
  const cuts = splitPoints(byCols ? n : m, pool.size + 1, upper);
  type Job = [number, number, number, number, number, number];
  const jobs: Job[] = [];
  for (let t = 0; t + 1 < cuts.length; t++) {
    const lo = cuts[t]!;
    const hi = cuts[t + 1]!;
    if (hi <= lo) continue;
    jobs.push(byCols ? [m, hi - lo, ap, bp + lo * csB * bytes, cp + lo * bytes, lo] : [hi - lo, n, ap + lo * rsA * bytes, bp, cp + lo * ldc * bytes, 0]);
  }
  pool.gen = pool.gen >= 0x3fffffff ? 1 : pool.gen + 1;
  const gen = pool.gen;
  const posted: Int32Array[] = [];
  for (let t = 1; t < jobs.length; t++) {
    const [mm, nn, a, b, c, off] = jobs[t]!;
    const v = pool.ctl[t - 1]!;
    const wpa = rt.alloc(packBytes[0]);
    const wpb = rt.alloc(packBytes[1]);
    v[DTYPE] = f32 ? 1 : 0;
    v.set([mm, nn, k, a, rsA, csA, b, rsB, csB, c, ldc, wpa, wpb, upper ? 1 : 0, off], ARGS);
    Atomics.store(v, GEN, gen);
    Atomics.notify(v, GEN);
    posted.push(v);
  }
  const [mm, nn, a, b, c, off] = jobs[0]!;
  const fn = f32 ? rt.exports.gemmF32 : rt.exports.gemmF64;
  let mainError: unknown = null;
  try {
    fn(mm, nn, k, a, rsA, csA, b, rsB, csB, c, ldc, pa, pb, upper ? 1 : 0, off);
  } catch (e) {
    mainError = e;
  }
  // Wait for every posted slice even when ours failed: their pack buffers are about to be freed.
  let failed = false;
  for (const v of posted) {
    for (;;) {
      const seen = Atomics.load(v, DONE);
      if (seen === gen) break;
      if (pool.blocks) Atomics.wait(v, DONE, seen, 1000);
    }
    if (v[STATUS] !== 0) failed = true;
  }
  if (mainError) throw mainError;
  if (failed) throw new BackendError('wasm threads', 'a GEMM slice trapped in a worker');
}
