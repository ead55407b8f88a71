import type { BenchMode } from './types';

export interface Timing {
  /** Median of the timed repetitions, ms. */
  ms: number;
  minMs: number;
  reps: number;
}

export interface TimingBudget {
  /** Untimed calls first (JIT, kernel compilation). */
  warmup: number;
  /** Repeat until this much time was spent and at least minReps ran... */
  minTimeMs: number;
  minReps: number;
  /** ...but stop at maxReps, or once maxTimeMs was spent and at least floorReps ran. */
  maxReps: number;
  maxTimeMs: number;
  floorReps: number;
}

export const BUDGETS: Record<BenchMode, TimingBudget> = {
  full: { warmup: 1, minTimeMs: 600, minReps: 5, maxReps: 50, maxTimeMs: 8000, floorReps: 3 },
  quick: { warmup: 1, minTimeMs: 120, minReps: 3, maxReps: 20, maxTimeMs: 1500, floorReps: 2 },
  tiny: { warmup: 0, minTimeMs: 0, minReps: 1, maxReps: 1, maxTimeMs: 0, floorReps: 1 },
};

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/**
 * Times `fn` (sync or async): warmup, then an adaptive number of repetitions (many for fast
 * calls, as few as one for slow ones), reporting the median. `onResult` sees the last result,
 * so callers can check correctness without an extra run.
 */
export async function timeIt<T>(fn: () => T | Promise<T>, budget: TimingBudget, onResult?: (r: T) => void): Promise<Timing> {
  let last: T | undefined;
  for (let i = 0; i < budget.warmup; i++) last = await fn();
  const samples: number[] = [];
  let spent = 0;
  for (;;) {
    const t0 = performance.now();
    last = await fn();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
    if (samples.length >= budget.maxReps) break;
    if (samples.length >= budget.floorReps && spent >= budget.maxTimeMs) break;
    if (samples.length >= budget.minReps && spent >= budget.minTimeMs) break;
  }
  if (onResult) onResult(last as T);
  return { ms: median(samples), minMs: Math.min(...samples), reps: samples.length };
}

/** One participant of an interleaved timing: a call, and the route state it needs first. */
export interface Peer<T = unknown> {
  fn: () => T | Promise<T>;
  /** Puts the process in the state this peer runs in (a GEMM route, a thread pool). */
  setup?: () => void | Promise<void>;
}

/**
 * Times peers round-robin in one process: each round runs every peer once (calling its setup
 * first), so a burst of load from other processes hits all of them alike and their ratios stay
 * meaningful on a shared machine. Warmup rounds first; then rounds until every peer got
 * `minReps` and the rounds took `minTimeMs` (capped by maxReps / maxTimeMs like timeIt).
 * `onResult(i, r)` sees each peer's last result.
 */
export async function timeInterleaved(peers: readonly Peer[], budget: TimingBudget, onResult?: (i: number, r: unknown) => void): Promise<Timing[]> {
  const last: unknown[] = new Array(peers.length);
  const samples: number[][] = peers.map(() => []);
  const round = async (record: boolean): Promise<number> => {
    let spent = 0;
    for (const [i, p] of peers.entries()) {
      await p.setup?.();
      const t0 = performance.now();
      last[i] = await p.fn();
      const dt = performance.now() - t0;
      spent += dt;
      if (record) samples[i]!.push(dt);
    }
    return spent;
  };
  for (let w = 0; w < Math.max(1, budget.warmup); w++) await round(budget.warmup <= 0);
  let spent = 0;
  let reps = budget.warmup > 0 ? 0 : 1;
  for (;;) {
    if (reps >= budget.maxReps) break;
    if (reps >= budget.floorReps && spent >= budget.maxTimeMs) break;
    if (reps >= budget.minReps && spent >= budget.minTimeMs) break;
    spent += await round(true);
    reps++;
  }
  if (onResult) for (let i = 0; i < peers.length; i++) onResult(i, last[i]);
  return samples.map((s) => ({ ms: median(s), minMs: Math.min(...s), reps: s.length }));
}
