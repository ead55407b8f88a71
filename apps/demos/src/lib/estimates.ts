/**
 * How long a full-size run takes, shown on each card before it is run: the duration this
 * browser measured the last time it ran the experiment at full size (kept in localStorage), or
 * else the one recorded in {@link FULL_SIZE_MS}.
 */

/** Where {@link FULL_SIZE_MS} was measured. */
export const FULL_SIZE_MACHINE =
  'the headless runner (`run-experiments.ts --full --wasm`, wasm SIMD on 2 threads) on the 2-core shared development machine, 2026-12-07';

/**
 * Recorded full-size durations in milliseconds, seed 0, measured with
 * `tsx scripts/run-experiments.ts --full --wasm --filter @x/<pkg> --json <file>` (the `ms` of
 * each row, rounded) on {@link FULL_SIZE_MACHINE}. A browser on a faster machine is quicker; the
 * card prefers what this browser measured itself.
 */
export const FULL_SIZE_MS: Readonly<Record<string, number>> = {};

const KEY = 'x-demos:full-size-ms:';

/** A full-size estimate: milliseconds and where the number comes from. */
export interface Estimate {
  ms: number;
  source: 'this browser' | 'recorded';
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked (privacy settings, sandboxed frames)
  }
}

/** The full-size estimate for an experiment id, or null when none was ever measured. */
export function fullSizeEstimate(id: string): Estimate | null {
  const local = Number(storage()?.getItem(KEY + id) ?? Number.NaN);
  if (local > 0) return { ms: local, source: 'this browser' };
  const ms = FULL_SIZE_MS[id];
  return ms !== undefined ? { ms, source: 'recorded' } : null;
}

/** Keeps the duration of a finished full-size run in this browser (the next estimate uses it). */
export function rememberFullSize(id: string, ms: number): void {
  if (!(ms > 0)) return;
  try {
    storage()?.setItem(KEY + id, String(Math.round(ms)));
  } catch {
    // quota or blocked storage: the recorded estimate stays
  }
}

/** "under 1 s", "12 s", "5 min 40 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'under 1 s';
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 ? `${m} min` : `${m} min ${r} s`;
  }
  const h = Math.floor(s / 3600);
  return `${h} h ${Math.round((s % 3600) / 60)} min`;
}

/** The card's line: "Full size: about 5 min 40 s (recorded on …)". */
export function estimateText(e: Estimate | null): string {
  if (!e) return 'Full size: no recorded duration yet (a full-size run here records one).';
  return e.source === 'this browser'
    ? `Full size: about ${formatDuration(e.ms)} (this browser's last full-size run).`
    : `Full size: about ${formatDuration(e.ms)} (recorded headless on a 2-core machine; a faster one takes less).`;
}
