import { assertFinite, assertMatrix, type Matrix } from '@x/gpu';
import { checkNonNegative, checkPositive, checkRank as gpuCheckRank, checkShape as gpuCheckShape } from '@x/gpu/checks';

/** Checks a weight matrix: a finite Matrix. Returns it typed. */
export function checkWeight(fn: string, name: string, w: unknown): Matrix {
  assertMatrix(fn, name, w);
  assertFinite(fn, name, w);
  return w;
}

/** Checks an adapter rank: an integer in [1, min(rows, cols)]. */
export function checkRank(fn: string, r: unknown, rows: number, cols: number): number {
  return gpuCheckRank(fn, r, rows, cols);
}

export { checkNonNegative, checkPositive };

export function checkShape(fn: string, name: string, m: Matrix, rows: number, cols: number): void {
  gpuCheckShape(fn, name, m, rows, cols);
}
