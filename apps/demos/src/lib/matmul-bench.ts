/**
 * The gpu page's matrix-multiply benchmark, runnable in a Web Worker (src/lib/matmul-worker.ts)
 * or, where no worker starts, on the main thread: the same random products on the gpu.js device
 * (WebGL2, float32; in a worker through an OffscreenCanvas), the js device (blocked float64 GEMM,
 * the reference) and the wasm SIMD device on one thread and on a worker pool. It reports the
 * devices, then one row per product, and stops between products when its signal fires.
 */
import { BackendError, createDevice, type Device, type DeviceInfo, enableWasm, frobeniusNorm, type Matrix, randn, sub, wasmFma, wasmThreads } from '@x/gpu';
import { browserGpujs } from './gpujs';
import { matmulGflops, timeIt } from './timing';

/** The GPU (float32) result must match the float64 CPU product to this relative Frobenius error. */
export const TOL = 1e-5;
/** The wasm kernels compute in float64: they must agree with the JS kernel to rounding. */
export const WASM_TOL = 1e-10;

/** Square sizes (powers of two and not) plus the contract's rectangular 300x200 by 200x100. */
const SQUARE = [64, 96, 128, 200, 256, 300, 384, 512];
export const CASES: [number, number, number][] = [...SQUARE.map((n): [number, number, number] => [n, n, n]), [300, 200, 100]];

/** One product's timings and errors (a row of the page's table). */
export interface MatmulTiming {
  m: number;
  k: number;
  n: number;
  /** First call on the GPU: compiles the kernel for this shape. */
  gpuFirstMs: number;
  gpuMs: number;
  gpuGflops: number;
  /** The js device: @x/gpu's blocked float64 GEMM, the reference. */
  cpuMs: number;
  cpuGflops: number;
  /** The wasm SIMD device (float64), when this browser has one. */
  wasmMs?: number;
  wasmGflops?: number;
  wasmRelErr?: number;
  /** The wasm device with its GEMMs split over a worker pool, when the page is cross-origin isolated. */
  wasmThreadsMs?: number;
  wasmThreadsGflops?: number;
  wasmThreadsRelErr?: number;
  /** GPU vs reference. */
  relErr: number;
  ok: boolean;
}

/** The devices the benchmark runs on, as the page shows them. */
export interface BenchDevices {
  gpu: DeviceInfo;
  cpu: DeviceInfo;
  /** The wasm device's info, or why there is none. */
  wasm: DeviceInfo | string;
  pool: { threads: number; reason: string | null };
  fma: boolean;
}

function relErr(x: Matrix, ref: Matrix): number {
  return frobeniusNorm(sub(x, ref)) / frobeniusNorm(ref);
}

/** The wasm device, or why there is none (it is optional here: the page is about WebGL2). */
async function wasmDevice(): Promise<Device | string> {
  try {
    return await createDevice({ backend: 'wasm' });
  } catch (e) {
    if (e instanceof BackendError) return e.message;
    throw e;
  }
}

/** Thrown when the signal fired between two products. */
export class BenchAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

/** Runs every product of CASES; `onDevices` first, then `onRow` after each product. */
export async function runMatmulBench(hooks: { onDevices(d: BenchDevices): void; onRow(t: MatmulTiming, index: number, total: number): void; signal?: AbortSignal }): Promise<MatmulTiming[]> {
  const stop = () => {
    if (hooks.signal?.aborted) throw new BenchAborted();
  };
  const gpu: Device = await createDevice({ backend: 'gpujs', gpujs: browserGpujs() });
  const cpu: Device = await createDevice({ backend: 'js' });
  const wasm = await wasmDevice();
  const timings: MatmulTiming[] = [];
  try {
    // The wasm GEMM on every logical core: a pool sharing the kernels' memory (needs cross-origin
    // isolation; else one thread, and wasmThreads() says why).
    let pool = { threads: 1, reason: 'no wasm device' as string | null };
    let fma = false;
    if (typeof wasm !== 'string') {
      await enableWasm({ threads: 'auto' });
      pool = wasmThreads();
      await enableWasm({ threads: 1 });
      fma = wasmFma();
    }
    const threaded = typeof wasm !== 'string' && pool.threads > 1;
    hooks.onDevices({ gpu: gpu.info, cpu: cpu.info, wasm: typeof wasm === 'string' ? wasm : wasm.info, pool, fma });
    // Software WebGL (SwiftShader) takes seconds per large product: cap the repetitions by time.
    const budget = { warmup: 0, minTimeMs: 150, minReps: 2, maxReps: 20, maxTimeMs: 2000 };
    for (const [idx, [m, k, n]] of CASES.entries()) {
      stop();
      // A task boundary: the abort message (or, on the main thread, a paint) gets through.
      await new Promise((r) => setTimeout(r, 0));
      stop();
      const a = randn(m, k, 10 + idx);
      const b = randn(k, n, 50 + idx);
      const t0 = performance.now();
      const g = await gpu.matmul(a, b);
      const gpuFirstMs = performance.now() - t0;
      const ref = await cpu.matmul(a, b);
      const err = relErr(g, ref);
      const tg = await timeIt(() => gpu.matmul(a, b), budget);
      const tc = await timeIt(() => cpu.matmul(a, b), budget);
      const t: MatmulTiming = { m, k, n, gpuFirstMs, gpuMs: tg.ms, gpuGflops: matmulGflops(m, n, k, tg.ms), cpuMs: tc.ms, cpuGflops: matmulGflops(m, n, k, tc.ms), relErr: err, ok: err < TOL };
      if (typeof wasm !== 'string') {
        t.wasmRelErr = relErr(await wasm.matmul(a, b), ref);
        const tw = await timeIt(() => wasm.matmul(a, b), { ...budget, warmup: 1 });
        t.wasmMs = tw.ms;
        t.wasmGflops = matmulGflops(m, n, k, tw.ms);
        t.ok &&= t.wasmRelErr < WASM_TOL;
      }
      if (threaded && typeof wasm !== 'string') {
        await enableWasm({ threads: pool.threads });
        t.wasmThreadsRelErr = relErr(await wasm.matmul(a, b), ref);
        const tw = await timeIt(() => wasm.matmul(a, b), { ...budget, warmup: 1 });
        await enableWasm({ threads: 1 });
        t.wasmThreadsMs = tw.ms;
        t.wasmThreadsGflops = matmulGflops(m, n, k, tw.ms);
        t.ok &&= t.wasmThreadsRelErr < WASM_TOL;
      }
      timings.push(t);
      hooks.onRow(t, idx, CASES.length);
    }
  } finally {
    gpu.dispose();
    cpu.dispose();
    if (typeof wasm !== 'string') wasm.dispose();
  }
  return timings;
}
