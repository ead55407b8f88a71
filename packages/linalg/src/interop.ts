import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { mat } from './dense-util';

/**
 * Anything that looks like an ml-matrix `Matrix` (or another 2-D matrix object): either a
 * `to2DArray()` method, or `rows`/`columns` with `get(i, j)`. ml-matrix is never imported at
 * run time by @x/linalg.
 */
export type MatrixLike =
  | { to2DArray(): number[][] }
  | { readonly rows: number; readonly columns: number; get(row: number, column: number): number };

/**
 * Copies an ml-matrix `Matrix` (or any {@link MatrixLike}) into a float64 {@link Matrix}. O(mn).
 * @throws ShapeError when the object is neither shape of MatrixLike or its rows are ragged.
 */
export function fromMlMatrix(x: MatrixLike): Matrix<Float64Array> {
  const o = x as Partial<{ rows: number; columns: number; get: (i: number, j: number) => number; to2DArray: () => number[][] }>;
  if (typeof o.get === 'function' && Number.isInteger(o.rows) && Number.isInteger(o.columns)) {
    const m = o.rows!;
    const n = o.columns!;
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = o.get(i, j);
    return mat(m, n, out);
  }
  if (typeof o.to2DArray === 'function') return fromArray2D(o.to2DArray());
  throw new ShapeError('fromMlMatrix: expected an object with to2DArray() or rows/columns/get(i, j)');
}

/**
 * Builds an ml-matrix `Matrix` (or any class with the same constructor) from a {@link Matrix}:
 * `toMlMatrix(a, MlMatrix)` with `import { Matrix as MlMatrix } from 'ml-matrix'`. The class is
 * passed in, so @x/linalg has no run-time dependency on ml-matrix. O(mn).
 */
export function toMlMatrix<T>(a: Matrix, ctor: new (data: number[][]) => T): T {
  return new ctor(toArray2D(a));
}

/**
 * Copies nested arrays (rows of equal length) into a float64 {@link Matrix}. O(mn).
 * @throws ShapeError on ragged rows.
 */
export function fromArray2D(rows: ArrayLike<ArrayLike<number>>): Matrix<Float64Array> {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0]!.length;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    if (r.length !== n) throw new ShapeError(`fromArray2D: row ${i} has length ${r.length}, expected ${n} (the length of row 0)`);
    for (let j = 0; j < n; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new DomainError(`fromArray2D: entry [${i}, ${j}] is not a number`);
      out[i * n + j] = v;
    }
  }
  return mat(m, n, out);
}

/** The rows of a {@link Matrix} as nested number arrays. O(mn). */
export function toArray2D(a: Matrix): number[][] {
  const out: number[][] = new Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols));
  return out;
}
