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

/** Columns [0, k) of a row-major m x n matrix. */
export function leadingCols(a: Matrix, k: number): Matrix<Float64Array> {
  const out = new Float64Array(a.rows * k);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = a.data[i * a.cols + j]!;
  return { rows: a.rows, cols: k, data: out };
}

/** Rows [0, k) of a row-major matrix, as a copy. */
export function leadingRows(a: Matrix, k: number): Matrix<Float64Array> {
  return { rows: k, cols: a.cols, data: Float64Array.from(a.data.subarray(0, k * a.cols)) };
}

/** diag(d) * a (scales row i by d[i]). */
export function scaleRows(a: Matrix, d: ArrayLike<number>): Matrix<Float64Array> {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    const s = d[i]!;
    for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = s * a.data[i * a.cols + j]!;
  }
  return { rows: a.rows, cols: a.cols, data: out };
}

/** a * diag(d) (scales column j by d[j]). */
export function scaleCols(a: Matrix, d: ArrayLike<number>): Matrix<Float64Array> {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = a.data[i * a.cols + j]! * d[j]!;
  }
  return { rows: a.rows, cols: a.cols, data: out };
}
