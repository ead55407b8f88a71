import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timing, TimingBudget } from './timing';

/** numpy's result for one operation: its timing and the error of its own result. */
export interface NumpyTiming extends Timing {
  relErr: number;
  numpy: string;
  blas: string;
}

export type NumpyOp = 'matmul' | 'matmul32' | 'svd' | 'eigh' | 'qr';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'numpy_peer.py');
const python = process.env.X_BENCH_PYTHON ?? 'python3';
let probe: string | null | undefined;

/** null when python3 with numpy runs here, else why not (the numpy rows are then 'unavailable'). */
export function numpyUnavailable(): string | null {
  if (probe !== undefined) return probe;
  try {
    execFileSync(python, ['-c', 'import numpy'], { stdio: 'pipe', timeout: 30_000 });
    probe = null;
  } catch (e) {
    probe = `no ${python} with numpy here (${((e as Error).message.split('\n')[0] ?? '').slice(0, 120)})`;
  }
  return probe;
}

/**
 * Times `op` in numpy on the same inputs (written as raw float64 files), in a fresh interpreter
 * with OpenBLAS limited to `threads`. Synchronous: the Node side waits, so nothing competes.
 */
export function timeNumpy(op: NumpyOp, n: number, inputs: Float64Array[], budget: TimingBudget, threads: number): NumpyTiming {
  const dir = mkdtempSync(join(tmpdir(), 'x-bench-numpy-'));
  try {
    const files = inputs.map((x, i) => {
      const f = join(dir, `m${i}.bin`);
      writeFileSync(f, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      return f;
    });
    const t = String(threads);
    // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set machine-wide for safety) slow a current numpy:
    // dropped for this benchmark process only, with the thread count set explicitly.
    const { OPENBLAS_CORETYPE: _core, OPENBLAS_L2_SIZE: _l2, ...env } = process.env;
    const out = execFileSync(python, [script], {
      input: JSON.stringify({ op, n, files, budget }),
      env: { ...env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t },
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as NumpyTiming;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
