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

export function dtypeOf(a: Matrix): DType {
  return a.data instanceof Float32Array ? 'float32' : 'float64';
}

/** Allocates storage of the given dtype. */
export function alloc(dtype: DType, n: number): MatrixData {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function checkDim(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new DomainError(`${fn}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/**
 * Makes a matrix. Without `data` it is zero-filled float64. A `Float32Array` is kept as
 * float32 storage (not copied); a `Float64Array` is kept as is; any other array-like is
 * copied into a new Float64Array.
 */
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix<Float64Array>;
export function matrix(rows: number, cols: number, data: Float32Array): Matrix<Float32Array>;
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  checkDim('matrix', 'rows', rows);
  checkDim('matrix', 'cols', cols);
  const n = rows * cols;
  if (data === undefined) return { rows, cols, data: new Float64Array(n) };
  if (data.length !== n) {
    throw new ShapeError(`matrix: data has length ${data.length}, expected ${rows}x${cols} = ${n}`);
  }
  if (data instanceof Float32Array || data instanceof Float64Array) return { rows, cols, data };
  return { rows, cols, data: Float64Array.from(data) };
}

/** A rows x cols zero matrix of the given dtype (float64 by default). */
export function zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
  checkDim('zeros', 'rows', rows);
  checkDim('zeros', 'cols', cols);
  return { rows, cols, data: alloc(dtype, rows * cols) };
}

/** The n x n identity (or the rows x cols matrix with ones on the main diagonal). */
export function eye(n: number, cols: number = n, dtype: DType = 'float64'): Matrix {
  const m = zeros(n, cols, dtype);
  const k = Math.min(n, cols);
  for (let i = 0; i < k; i++) m.data[i * cols + i] = 1;
  return m;
}

/** Builds a float64 matrix from an array of equal-length rows. */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix<Float64Array> {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    if (r.length !== n) {
      throw new ShapeError(`fromRows: row ${i} has length ${r.length}, expected ${n} (the length of row 0)`);
    }
    for (let j = 0; j < n; j++) data[i * n + j] = r[j]!;
  }
  return { rows: m, cols: n, data };
}

/** The rows of a matrix as plain number arrays (for printing, JSON, or other libraries). */
export function toRows(a: Matrix): number[][] {
  const out: number[][] = new Array(a.rows);
  for (let i = 0; i < a.rows; i++) out[i] = Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols));
  return out;
}

/** A new matrix holding the transpose, cache-blocked. Keeps the dtype. */
export function transpose(a: Matrix): Matrix {
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
  return { rows: a.rows, cols: a.cols, data: a.data.slice() as D };
}

/** Converts to the given dtype (copies; returns a copy even when the dtype already matches). */
export function astype(a: Matrix, dtype: DType): Matrix {
  const data = alloc(dtype, a.data.length);
  data.set(a.data);
  return { rows: a.rows, cols: a.cols, data };
}

/** True when `x` has the shape of a {@link Matrix} with consistent storage. */
export function isMatrix(x: unknown): x is Matrix {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Partial<Matrix>;
  return (
    Number.isInteger(m.rows) &&
    Number.isInteger(m.cols) &&
    (m.data instanceof Float64Array || m.data instanceof Float32Array) &&
    m.data.length === (m.rows as number) * (m.cols as number)
  );
}

/** Throws a ShapeError naming `fn` and `name` unless `x` is a well-formed Matrix. */
export function assertMatrix(fn: string, name: string, x: unknown): asserts x is Matrix {
  if (!isMatrix(x)) {
    const m = x as Partial<Matrix> | null;
    const got =
      m && typeof m === 'object'
        ? `{ rows: ${String(m.rows)}, cols: ${String(m.cols)}, data: ${m.data ? `${m.data.constructor.name}(${(m.data as ArrayLike<number>).length})` : String(m.data)} }`
        : String(x);
    throw new ShapeError(`${fn}: ${name} must be a Matrix { rows, cols, data: Float64Array | Float32Array } with data.length = rows*cols, got ${got}`);
  }
}

/** Throws a DomainError naming `fn` when a matrix holds NaN or +-Infinity. */
export function assertFinite(fn: string, name: string, a: Matrix): void {
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
  return `${a.rows}x${a.cols}`;
}
