/** How long to measure: `full` for the README table, `quick` for < 1 minute, `tiny` for tests. */
export type BenchMode = 'full' | 'quick' | 'tiny';

export interface BenchContext {
  mode: BenchMode;
  /** Sizes from --sizes; otherwise the benchmark's defaults for the mode. */
  sizes?: number[];
  /** Progress lines (stderr in the CLI, silent in tests). */
  log(message: string): void;
}

/** One measured (or unavailable) implementation at one size. */
export interface BenchRow {
  benchmark: string;
  /** The implementation measured, e.g. '@x/gpu matmul js f64'. */
  impl: string;
  /** The problem size (n for an n x n matmul). */
  n: number;
  status: 'ok' | 'unavailable' | 'error';
  /** Median time per call, ms. */
  ms?: number;
  minMs?: number;
  reps?: number;
  gflops?: number;
  /** Speed relative to the benchmark's baseline in the same run: baselineMs / ms (> 1 = faster). */
  vsBaseline?: number;
  /** Relative Frobenius error against the float64 reference result. */
  relErr?: number;
  /** Why a row is unavailable or failed, or a remark (precision, mode). */
  note?: string;
}

export interface BenchmarkReport {
  id: string;
  title: string;
  /** The impl that `vsBaseline` compares to. */
  baseline: string;
  sizes: number[];
  /** Facts about the environment the benchmark found (backends and their modes...). */
  env: Record<string, unknown>;
  rows: BenchRow[];
}

export interface Benchmark {
  id: string;
  title: string;
  /** Default sizes per mode (--sizes overrides). */
  sizes: Record<BenchMode, number[]>;
  run(ctx: BenchContext): Promise<BenchmarkReport>;
}
