import { DomainError, fromRows, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkFunction } from '@x/gpu/checks';
import { requireMatrix } from './checks';
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
  if (typeof x !== 'object' || x === null) throw new ShapeError('fromMlMatrix: expected an object with to2DArray() or rows/columns/get(i, j)');
  const o = x as Partial<{ rows: number; columns: number; get: (i: number, j: number) => number; to2DArray: () => number[][] }>;
  if (typeof o.get === 'function' && Number.isInteger(o.rows) && Number.isInteger(o.columns)) {
    const m = o.rows!;
    const n = o.columns!;
    checkAlloc('fromMlMatrix', 'the matrix', m, n);
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
  requireMatrix('toMlMatrix', 'a', a);
  checkFunction('toMlMatrix', 'ctor', ctor);
  return new ctor(rowsOf(a));
}

/**
 * Copies nested arrays (rows of equal length) into a float64 {@link Matrix}: the same as
 * `fromRows` from @x/gpu, which is the one home of this copy. O(mn).
 * @deprecated Use `fromRows` from @x/gpu; this alias goes in the next release.
 * @throws ShapeError on ragged rows; DomainError for an entry that is not a number.
 */
export function fromArray2D(rows: ArrayLike<ArrayLike<number>>): Matrix<Float64Array> {
  try {
    return fromRows(rows);
  } catch (e) {
    // name the function the caller used
    if (e instanceof ShapeError) throw new ShapeError(e.message.replace(/^fromRows:/, 'fromArray2D:'));
    if (e instanceof DomainError) throw new DomainError(e.message.replace(/^fromRows:/, 'fromArray2D:'));
    throw e;
  }
}

/** The rows of a {@link Matrix} as nested number arrays. O(mn). */
export function toArray2D(a: Matrix): number[][] {
  requireMatrix('toArray2D', 'a', a);
  return rowsOf(a);
}

/** The nested-array copy behind {@link toArray2D} and {@link toMlMatrix} (`a` already checked). */
function rowsOf(a: Matrix): number[][] {
  const out: number[][] = new Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols));
  return out;
}
