import { join } from 'node:path';
import { loadFixture } from '@x/test-utils';

export const MODEL_DIR = join(__dirname, 'fixtures', 'model');
export const MODEL = join(MODEL_DIR, 'tiny-llama.safetensors');

export interface ModelExpected {
  pissa: Record<string, { S: number[]; topr: number[]; W: number[] }>;
  pissa_args: { r: number; alpha: number; target: string[] };
  spectrum: Record<string, number[]>;
  scaling: Record<'adapter_a' | 'adapter_b', Record<string, number>>;
  merged_a: Record<string, number[]>;
  merge: {
    weights: number[];
    density: number;
    linear: Record<string, { A: number[]; B: number[] }>;
    ties: Record<string, { A: number[]; B: number[] }>;
    svd_product: Record<string, number[]>;
    cat_product: Record<string, number[]>;
  };
  convert: Record<string, { A: number[]; B: number[]; delta: number[] }>;
  eva: Record<string, { V: number[]; S: number[] }>;
}

export const expected: ModelExpected = loadFixture<ModelExpected>(import.meta.url, 'model/expected.json');

/** Half a bf16 unit in the last place of |x| (what one round-to-nearest can move x). */
export function bf16HalfUlp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -134;
  return 2 ** (Math.floor(Math.log2(a)) - 8);
}

/** B A (out x in) of row-major B (out x r), A (r x in). */
export function product(B: { rows: number; cols: number; data: ArrayLike<number> }, A: { cols: number; data: ArrayLike<number> }): Float64Array {
  const out = new Float64Array(B.rows * A.cols);
  for (let i = 0; i < B.rows; i++) for (let k = 0; k < B.cols; k++) for (let j = 0; j < A.cols; j++) out[i * A.cols + j]! += B.data[i * B.cols + k]! * A.data[k * A.cols + j]!;
  return out;
}
