import { linalgEigh, linalgQr, linalgScaling, linalgSvd } from './benchmarks/linalg';
import { lmStep } from './benchmarks/lm-step';
import { matmul } from './benchmarks/matmul';
import type { BenchContext, Benchmark, BenchmarkReport, BenchMode } from './types';

/** Every benchmark, in run order. Add one: a file under ./benchmarks/ and one entry here. */
export const benchmarks: readonly Benchmark[] = [matmul, linalgSvd, linalgEigh, linalgQr, linalgScaling, lmStep];

export interface RunOptions {
  mode?: BenchMode;
  /** Comma-separated substrings of benchmark ids; all when empty. */
  filter?: string;
  sizes?: number[];
  log?: BenchContext['log'];
}

export function selectBenchmarks(filter?: string): Benchmark[] {
  const parts = (filter ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return benchmarks.filter((b) => parts.length === 0 || parts.some((p) => b.id.includes(p)));
}

/** Runs the selected benchmarks one after another. */
export async function runBenchmarks(opts: RunOptions = {}): Promise<BenchmarkReport[]> {
  const ctx: BenchContext = { mode: opts.mode ?? 'full', sizes: opts.sizes, log: opts.log ?? (() => {}) };
  const reports: BenchmarkReport[] = [];
  for (const b of selectBenchmarks(opts.filter)) reports.push(await b.run(ctx));
  return reports;
}
