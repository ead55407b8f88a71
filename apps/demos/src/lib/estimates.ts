/**
 * How long a full-size run takes, shown on each card before it is run: the duration this
 * browser measured the last time it ran the experiment at full size (kept in localStorage), or
 * else the one recorded in {@link FULL_SIZE_MS}.
 */

/** Where {@link FULL_SIZE_MS} was measured. */
export const FULL_SIZE_MACHINE =
  'the headless runner (`run-experiments.ts --full --wasm`, wasm SIMD on 2 threads) on the 2-core development machine shared by about 8 engineers (load average 5-7), 2026-12-07';

/**
 * Recorded full-size durations in milliseconds, seed 0, measured with
 * `tsx scripts/run-experiments.ts --full --wasm --filter @x/<pkg> --json <file>` (the `ms` of
 * each row, rounded) on {@link FULL_SIZE_MACHINE}. A browser on a faster machine is quicker; the
 * card prefers what this browser measured itself.
 */
export const FULL_SIZE_MS: Readonly<Record<string, number>> = {
  'gpu/matmul-blocked-vs-naive': 3754,
  'gpu/matmul-f32-accuracy': 75,
  'linalg/butterfly-learned-permutation': 198400,
  'linalg/butterfly-learns-dft': 14170,
  'linalg/frame-views': 335,
  'linalg/svd-vs-gram-eigh': 1412,
  'nn/activations': 2645,
  'nn/mlp-regression': 2068,
  'optim/dct-vs-svd-projection': 27998,
  'optim/matrix-sensing': 1877,
  'optim/optimizer-race': 74209,
  'optim/subgm-init-scale': 6665,
  'optim/subgm-outliers': 11105,
  'streaming/concat-svd-bounds': 284,
  'streaming/frequent-directions-bound': 2246,
  'streaming/incremental-pca-eva': 484,
  'streaming/random-order-vs-oja': 5249,
  'ssm/deltaproduct-block-z3': 600000,
  'ssm/deltaproduct-s3-tracker': 187,
  'ssm/deltaproduct-s3-word-problem': 13063,
  'ssm/frame-projection-ssl': 700388, // js route (dist/experiments.js run directly), load average ~10
  'ssm/ptd-fourier-noise': 458000,
  'ssm/ptd-frequency-sweep': 1450,
  'ssm/s4d-delay-task': 5162,
  'ssm/s4d-legs-kernel-error': 1048,
  'ssm/s4d-resolution-change': 3194,
  // measured with the js route in vitest (not --wasm) at load 13-37: an overestimate
  'ssm/s4d-sequential-digits': 2022600,
  'ssm/tensor-attention-entry-bound': 1757,
  'peft/cross-init-toy': 2340,
  'peft/eva-vs-pca': 2685,
  'peft/fedsvd-noise': 42563,
  'peft/householder-directions': 45000,
  'peft/orthoreg-crosstalk': 1673,
  'peft/param-efficiency': 27960,
  'peft/pissa-vs-lora': 24690,
  'peft/soka-vs-lora': 17120,
  'peft/svd-family-vs-lora': 21256,
  // Measured with run({ quick: false }) in Node (wasm on), load average ~10 on the 2-core machine.
  'inr/gp-hm-vs-pinn': 696100,
  'inr/gp-pde': 25000,
  'inr/grkan-random-init': 44960,
  'inr/grkan-vs-mlp': 108612,
  'inr/learned-eigenstructures': 245066,
  'inr/sm-gp-extrapolation': 81145,
  // Measured by calling run({ quick: false, seed: 0 }) in Node (wasm on), load average 20-33.
  'inr/winner-images': 491800,
  'inr/winner-speech': 407600,
  'inr/winner-vs-siren': 387462,
  'graph-init/gamp-rie': 13838,
  'graph-init/logah-tiny': 18277,
  'graph-init/ntk-convergence': 74044,
  'graph-init/poincare-depth': 159,
  'graph-init/poincare-resnet-digits': 522000,
  'graph-init/poincare-spirals': 247520,
  'graph-init/rich-lazy': 114635,
  'graph-init/rich-lazy-rnn': 175000,
  // Node run of the built experiment (run({ quick: false, seed: 0 })), shared 2-core machine.
  'graph-init/rich-lazy-aligned': 8500,
  // The two stax experiments: node runs of the built experiments (not the wasm runner), load average ~20.
  'graph-init/stax-convergence': 324123,
  'graph-init/stax-digits': 180355,
  'graph-init/virgo-miserables': 7918,
  'graph-init/virgo-sbm': 284478,
  'graph-init/virgo-variance': 18687,
};

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

/** "about 5 min 40 s", or "under 1 s" (no "about" before it). */
export function aboutDuration(ms: number): string {
  const d = formatDuration(ms);
  return d.startsWith('under') ? d : `about ${d}`;
}

/** The card's line: "Full size: about 5 min 40 s (recorded on …)". */
export function estimateText(e: Estimate | null): string {
  if (!e) return 'Full size: no recorded duration yet (a full-size run here records one).';
  return e.source === 'this browser'
    ? `Full size: ${aboutDuration(e.ms)} (this browser's last full-size run).`
    : `Full size: ${aboutDuration(e.ms)} (recorded headless on a 2-core machine; a faster one takes less).`;
}
