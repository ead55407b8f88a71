/** Wall-clock timing that works in browsers and Node (`performance.now()`). */

export interface Timing {
  /** Median of the timed repetitions, in milliseconds. */
  ms: number;
  minMs: number;
  reps: number;
}

export interface TimeOptions {
  /** Untimed calls first (JIT, kernel compilation, caches). Default 1. */
  warmup?: number;
  /** Keep repeating until this much time was spent... Default 200 ms. */
  minTimeMs?: number;
  /** ...but at least this many and at most that many repetitions. Defaults 3 and 50. */
  minReps?: number;
  maxReps?: number;
  /** Stop once this much time was spent, even below minReps (slow calls on a slow GPU). Default none. */
  maxTimeMs?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** Times `fn` (sync or async) with warmup and an adaptive repetition count; reports the median. */
export async function timeIt(fn: () => unknown, opts: TimeOptions = {}): Promise<Timing> {
  const { warmup = 1, minTimeMs = 200, minReps = 3, maxReps = 50, maxTimeMs = Number.POSITIVE_INFINITY } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < maxReps && (samples.length < minReps || spent < minTimeMs) && spent < maxTimeMs) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
  }
  return { ms: median(samples), minMs: Math.min(...samples), reps: samples.length };
}

/** GFLOP/s of an m x k by k x n product that took `ms` milliseconds (2mnk flops). */
export function matmulGflops(m: number, n: number, k: number, ms: number): number {
  return (2 * m * n * k) / (ms * 1e6);
}
