import type { ExperimentParamValue, ExperimentPartial, ExperimentResult } from './experiment';

/** Page -> worker. */
export type WorkerRequest =
  | { type: 'run'; runId: number; id: string; quick: boolean; seed?: number; params?: Record<string, ExperimentParamValue> }
  | { type: 'abort'; runId: number };

/** The CPU kernels experiments run on in the worker: @x/gpu's wasm SIMD (on a pool where the page is cross-origin isolated) or js. */
export interface CpuKernels {
  backend: 'wasm' | 'js';
  threads: number;
  /** Whether the GEMM micro-kernels use fused multiply-add (the relaxed-SIMD build). */
  fma: boolean;
  /** Why one thread or js, when so. */
  reason: string | null;
}

/** Worker -> page. */
export type WorkerReply =
  | { type: 'ready'; ids: string[]; cpu: CpuKernels }
  | { type: 'progress'; runId: number; fraction: number; message?: string }
  /** Live results: the run's plots so far (the page redraws its curves as they grow). */
  | { type: 'partial'; runId: number; partial: ExperimentPartial }
  | { type: 'result'; runId: number; result: ExperimentResult }
  | { type: 'error'; runId: number; name: string; message: string; aborted: boolean };
