/**
 * Rows per second of the streaming estimators against a batch eigh on the same data
 * (AᵀA with @x/gpu's gram, then @x/linalg's eigh; the batch needs all n rows in memory).
 * Run: pnpm exec tsx bench/streaming.bench.ts   (from packages/streaming; add --json for JSON)
 */
import { gram, type Matrix, randn } from '@x/gpu';
import { eigh } from '@x/linalg';
import { FrequentDirections, IncrementalPCA, OjaEstimator, RandomOrderEigenvector } from '../src';

function time(fn: () => void, minMs = 300): number {
  fn(); // warm-up run (JIT)
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    reps++;
    t = performance.now();
  } while (t - t0 < minMs);
  return (t - t0) / reps;
}

interface Row {
  d: number;
  n: number;
  method: string;
  ms: number;
  rowsPerSec: number;
  vsBatch: number;
}

const rows: Row[] = [];
for (const [n, d] of [
  [20000, 32],
  [20000, 128],
  [5000, 512],
] as const) {
  const A: Matrix = randn(n, d, 1);
  const row = (i: number) => A.data.subarray(i * d, (i + 1) * d);
  const batchMs = time(() => {
    eigh(gram(A));
  });
  const cases: [string, () => void][] = [
    ['batch: gram + eigh (all rows in memory)', () => eigh(gram(A))],
    [
      'OjaEstimator (constant η)',
      () => {
        const o = new OjaEstimator({ dim: d, eta: 1e-3, schedule: 'constant' });
        for (let i = 0; i < n; i++) o.update(row(i));
      },
    ],
    [
      'RandomOrderEigenvector',
      () => {
        const e = new RandomOrderEigenvector({ dim: d, n });
        for (let i = 0; i < n; i++) e.update(row(i));
      },
    ],
    [
      'FrequentDirections (ℓ = 16)',
      () => {
        const f = new FrequentDirections({ dim: d, ell: 16 });
        for (let i = 0; i < n; i++) f.update(row(i));
      },
    ],
    [
      'IncrementalPCA (k = 8, batches of 64)',
      () => {
        const p = new IncrementalPCA({ components: 8, batchSize: 64 });
        for (let i = 0; i < n; i++) p.update(row(i));
        p.flush();
      },
    ],
    [
      'IncrementalPCA (k = 8, batches of 64, randomized core as in peft)',
      () => {
        const p = new IncrementalPCA({ components: 8, batchSize: 64, svd: 'randomized', seed: 42 });
        for (let i = 0; i < n; i++) p.update(row(i));
        p.flush();
      },
    ],
  ];
  for (const [method, fn] of cases) {
    const ms = method.startsWith('batch') ? batchMs : time(fn);
    rows.push({ d, n, method, ms, rowsPerSec: (n / ms) * 1000, vsBatch: batchMs / ms });
  }
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log('| n | d | method | ms | rows/s | speed vs batch eigh |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${r.d} | ${r.method} | ${r.ms.toFixed(1)} | ${Math.round(r.rowsPerSec).toLocaleString('en-US')} | ${r.vsBatch.toFixed(2)}x |`);
  }
}
