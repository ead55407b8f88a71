import { describe, MAX_ELEMENTS } from './limits';
import { DomainError, ShapeError } from './errors';

/** Storage of a {@link Matrix}: float64 by default, float32 where a caller or GPU chose it. */
export type MatrixData = Float64Array | Float32Array;

/**
 * A dense, row-major, contiguous matrix: element (i, j) is `data[i * cols + j]`.
 * A plain object (no class) so it crosses worker, JSON and GPU boundaries cheaply.
 */
export interface Matrix<D extends MatrixData = MatrixData> {
  readonly rows: number;
  readonly cols: number;
  readonly data: D;
}

/** Element type name of a matrix's storage. */
export type DType = 'float64' | 'float32';

/** The storage dtype of a matrix: 'float32' for a Float32Array, else 'float64'. */
export function dtypeOf(a: Matrix): DType {
  assertMatrix('dtypeOf', 'a', a);
  return a.data instanceof Float32Array ? 'float32' : 'float64';
}

/** Allocates storage of the given dtype. */
export function alloc(dtype: DType, n: number): MatrixData {
  checkDtype('alloc', dtype);
  checkDim('alloc', 'n', n);
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function checkDim(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_ELEMENTS) {
    throw new DomainError(`${fn}: ${name} must be an integer in [0, ${MAX_ELEMENTS}], got ${describe(v)}`);
  }
}

/** Throws unless rows*cols fits one allocation ({@link MAX_ELEMENTS}). */
function checkCount(fn: string, rows: number, cols: number): number {
  const n = rows * cols;
  if (n > MAX_ELEMENTS) {
    throw new DomainError(`${fn}: a ${rows}x${cols} matrix has ${n} elements, more than the maximum ${MAX_ELEMENTS} (2^28)`);
  }
  return n;
}

function checkDtype(fn: string, dtype: unknown): asserts dtype is DType {
  if (dtype !== 'float64' && dtype !== 'float32') {
    throw new DomainError(`${fn}: dtype must be one of "float64", "float32", got ${describe(dtype)}`);
  }
}

/**
 * Makes a matrix. Without `data` it is zero-filled float64. A `Float32Array` is kept as
 * float32 storage (not copied); a `Float64Array` is kept as is; any other array-like is
 * copied into a new Float64Array.
 */
// The Float32Array overload comes first: overloads are tried in order, and a Float32Array is
// also an ArrayLike<number>, so listed second it could never be selected.
export function matrix(rows: number, cols: number, data: Float32Array): Matrix<Float32Array>;
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix<Float64Array>;
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  checkDim('matrix', 'rows', rows);
  checkDim('matrix', 'cols', cols);
  const n = checkCount('matrix', rows, cols);
  if (data === undefined) return { rows, cols, data: new Float64Array(n) };
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new ShapeError(`matrix: data must be an array or typed array of ${n} numbers, got ${describe(data)}`);
  }
  if (data.length !== n) {
    throw new ShapeError(`matrix: data has length ${data.length}, expected ${rows}x${cols} = ${n}`);
  }
  if (data instanceof Float32Array || data instanceof Float64Array) return { rows, cols, data };
  for (let i = 0; i < n; i++) {
    if (typeof data[i] !== 'number') throw new DomainError(`matrix: data[${i}] is ${describe(data[i])}, not a number`);
  }
  return { rows, cols, data: Float64Array.from(data) };
}

/** A rows x cols zero matrix of the given dtype (float64 by default). */
export function zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
  checkDim('zeros', 'rows', rows);
  checkDim('zeros', 'cols', cols);
  checkDtype('zeros', dtype);
  return { rows, cols, data: alloc(dtype, checkCount('zeros', rows, cols)) };
}

/** The n x n identity (or the rows x cols matrix with ones on the main diagonal). */
export function eye(n: number, cols: number = n, dtype: DType = 'float64'): Matrix {
  checkDim('eye', 'n', n);
  checkDim('eye', 'cols', cols);
  checkDtype('eye', dtype);
  const m = zeros(n, cols, dtype);
  const k = Math.min(n, cols);
  for (let i = 0; i < k; i++) m.data[i * cols + i] = 1;
  return m;
}

/**
 * Builds a float64 matrix from an array of equal-length rows (nested arrays, e.g. from JSON or
 * ml-matrix's `to2DArray()`). O(mn).
 * @throws ShapeError on ragged rows; DomainError for an entry that is not a number.
 */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix<Float64Array> {
  const isList = (x: unknown): x is ArrayLike<unknown> =>
    Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
  if (!isList(rows)) throw new ShapeError(`fromRows: rows must be an array of rows, got ${describe(rows)}`);
  const m = rows.length;
  for (let i = 0; i < m; i++) {
    if (!isList(rows[i])) throw new ShapeError(`fromRows: row ${i} must be an array of numbers, got ${describe(rows[i])}`);
  }
  const n = m === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(checkCount('fromRows', m, n));
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    if (r.length !== n) {
      throw new ShapeError(`fromRows: row ${i} has length ${r.length}, expected ${n} (the length of row 0)`);
    }
    for (let j = 0; j < n; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new DomainError(`fromRows: row ${i}[${j}] is ${describe(v)}, not a number`);
      data[i * n + j] = v;
    }
  }
  return { rows: m, cols: n, data };
}

/** The rows of a matrix as plain number arrays (for printing, JSON, or other libraries). */
export function toRows(a: Matrix): number[][] {
  assertMatrix('toRows', 'a', a);
  const out: number[][] = new Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols));
  return out;
}

/** A new matrix holding the transpose, cache-blocked. Keeps the dtype. */
export function transpose(a: Matrix): Matrix {
  assertMatrix('transpose', 'a', a);
  const { rows: m, cols: n, data: src } = a;
  const dst = alloc(dtypeOf(a), m * n);
  const B = 32;
  for (let i0 = 0; i0 < m; i0 += B) {
    const i1 = Math.min(i0 + B, m);
    for (let j0 = 0; j0 < n; j0 += B) {
      const j1 = Math.min(j0 + B, n);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = j0; j < j1; j++) dst[j * m + i] = src[row + j]!;
      }
    }
  }
  return { rows: n, cols: m, data: dst };
}

/** A deep copy, same dtype. */
export function clone<D extends MatrixData>(a: Matrix<D>): Matrix<D> {
  assertMatrix('clone', 'a', a);
  return { rows: a.rows, cols: a.cols, data: a.data.slice() as D };
}

/** Converts to the given dtype (copies; returns a copy even when the dtype already matches). */
export function astype(a: Matrix, dtype: DType): Matrix {
  assertMatrix('astype', 'a', a);
  checkDtype('astype', dtype);
  const data = alloc(dtype, a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, data };
}

/**
 * True when `x` is a well-formed {@link Matrix}: `rows` and `cols` are non-negative safe
 * integers, `data` is a Float64Array or Float32Array, and `data.length === rows * cols`.
 */
export function isMatrix(x: unknown): x is Matrix {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Partial<Matrix>;
  const { rows, cols, data } = m;
  return (
    typeof rows === 'number' &&
    typeof cols === 'number' &&
    Number.isSafeInteger(rows) &&
    Number.isSafeInteger(cols) &&
    rows >= 0 &&
    cols >= 0 &&
    (data instanceof Float64Array || data instanceof Float32Array) &&
    data.length === rows * cols
  );
}

/** Throws a ShapeError naming `fn` and `name` unless `x` is a well-formed Matrix ({@link isMatrix}). */
export function assertMatrix(fn: string, name: string, x: unknown): asserts x is Matrix {
  if (!isMatrix(x)) {
    const m = x as Partial<Matrix> | null;
    const got =
      m && typeof m === 'object' && !ArrayBuffer.isView(m) && !Array.isArray(m)
        ? `{ rows: ${describe(m.rows)}, cols: ${describe(m.cols)}, data: ${describe(m.data)} }`
        : describe(x);
    throw new ShapeError(
      `${fn}: ${name} must be a Matrix { rows, cols, data: Float64Array | Float32Array } with non-negative integer rows and cols and data.length = rows*cols, got ${got}`,
    );
  }
}

/** Throws a DomainError naming `fn` when a matrix holds NaN or +-Infinity. */
export function assertFinite(fn: string, name: string, a: Matrix): void {
  assertMatrix(fn, name, a);
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / a.cols);
      throw new DomainError(`${fn}: ${name}[${r}, ${i - r * a.cols}] is ${d[i]}; inputs must be finite`);
    }
  }
}

/** "3x4" */
export function shapeOf(a: Matrix): string {
  assertMatrix('shapeOf', 'a', a);
  return `${a.rows}x${a.cols}`;
}
