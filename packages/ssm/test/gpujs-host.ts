// Test-only KernelHost over gpu.js (from @x/gpu's optional peer dependency), so the Vandermonde
// kernel source is exercised exactly as a device hook would run it.
import { createRequire } from 'node:module';
import type { Matrix } from '@x/gpu';
import type { KernelHost, KernelLaunch } from '../src';

const req = createRequire(new URL('../../gpu/package.json', import.meta.url));

export function gpujsHost(mode: 'cpu' | 'headlessgl'): KernelHost | null {
  let GPU: new (o: object) => { createKernel(s: string, o: object): (...a: unknown[]) => unknown };
  try {
    GPU = req('gpu.js').GPU;
  } catch {
    return null;
  }
  let gpu: InstanceType<typeof GPU>;
  try {
    gpu = new GPU({ mode });
  } catch {
    return null;
  }
  return {
    async runKernel(l: KernelLaunch): Promise<Matrix> {
      const k = gpu.createKernel(l.source, {
        output: [l.cols, l.rows],
        constants: l.constants,
        precision: 'single',
        tactic: 'precision',
      });
      const args = l.inputs.map((m) => {
        const rows: Float32Array[] = [];
        for (let i = 0; i < m.rows; i++) rows.push(Float32Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
        return rows;
      });
      const r = k(...args) as ArrayLike<ArrayLike<number>>;
      const data = new Float64Array(l.rows * l.cols);
      for (let i = 0; i < l.rows; i++) for (let j = 0; j < l.cols; j++) data[i * l.cols + j] = r[i]![j]!;
      return { rows: l.rows, cols: l.cols, data };
    },
  };
}
