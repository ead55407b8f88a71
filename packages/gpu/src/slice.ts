import { checkVector } from './checks';
import { DomainError, ShapeError } from './errors';
import { assertMatrix, type Matrix } from './matrix';

function checkCount(fn: string, what: string, k: number, max: number): void {
  if (!Number.isInteger(k) || k < 0 || k > max) throw new DomainError(`${fn}: k must be an integer in [0, ${max}] (the ${what}), got ${k}`);
}

function target(fn: string, rows: number, cols: number, out: Matrix<Float64Array> | undefined): Matrix<Float64Array> {
  // Only `undefined` means "allocate": a null or other non-matrix `out` is a ShapeError.
  if (out === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  assertMatrix(fn, 'out', out);
  if (out.rows !== rows || out.cols !== cols) throw new ShapeError(`${fn}: out is ${out.rows}x${out.cols}, expected ${rows}x${cols}`);
  return out;
}

/**
 * Columns [0, k) of `a` as a float64 rows x k matrix. O(rows·k). Writes into `out` when given
 * (rows x k; must not alias `a`, as the layouts differ).
 * @throws DomainError for k outside [0, a.cols]; ShapeError for an `out` of the wrong shape.
 */
export function leadingCols(a: Matrix, k: number, out?: Matrix<Float64Array>): Matrix<Float64Array> {
  assertMatrix('leadingCols', 'a', a);
  checkCount('leadingCols', 'number of columns', k, a.cols);
  const o = target('leadingCols', a.rows, k, out);
  const x = a.data;
  const z = o.data;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) z[i * k + j] = x[i * a.cols + j]!;
  return o;
}

/**
 * Rows [0, k) of `a` as a float64 k x cols matrix (a copy). O(k·cols). Writes into `out` when
 * given (k x cols; must not overlap `a`'s storage).
 * @throws DomainError for k outside [0, a.rows]; ShapeError for an `out` of the wrong shape.
 */
export function leadingRows(a: Matrix, k: number, out?: Matrix<Float64Array>): Matrix<Float64Array> {
  assertMatrix('leadingRows', 'a', a);
  checkCount('leadingRows', 'number of rows', k, a.rows);
  const o = target('leadingRows', k, a.cols, out);
  o.data.set(a.data.subarray(0, k * a.cols));
  return o;
}

/**
 * diag(d) · a: row i scaled by d[i], as a float64 matrix. O(rows·cols). Reads d[0 .. rows)
 * (a longer d, e.g. all singular values for a truncated factor, is fine). `out` (same shape)
 * may alias `a`.
 * @throws ShapeError when d has fewer than a.rows entries.
 */
export function scaleRows(a: Matrix, d: ArrayLike<number>, out?: Matrix<Float64Array>): Matrix<Float64Array> {
  assertMatrix('scaleRows', 'a', a);
  checkVector('scaleRows', 'd', d);
  if (d.length < a.rows) throw new ShapeError(`scaleRows: d has ${d.length} entries, need ${a.rows} (the rows of a)`);
  const o = target('scaleRows', a.rows, a.cols, out);
  for (let i = 0; i < a.rows; i++) {
    const s = d[i]!;
    for (let j = 0; j < a.cols; j++) o.data[i * a.cols + j] = s * a.data[i * a.cols + j]!;
  }
  return o;
}

/**
 * a · diag(d): column j scaled by d[j], as a float64 matrix. O(rows·cols). Reads d[0 .. cols)
 * (a longer d is fine). `out` (same shape) may alias `a`.
 * @throws ShapeError when d has fewer than a.cols entries.
 */
export function scaleCols(a: Matrix, d: ArrayLike<number>, out?: Matrix<Float64Array>): Matrix<Float64Array> {
  assertMatrix('scaleCols', 'a', a);
  checkVector('scaleCols', 'd', d);
  if (d.length < a.cols) throw new ShapeError(`scaleCols: d has ${d.length} entries, need ${a.cols} (the columns of a)`);
  const o = target('scaleCols', a.rows, a.cols, out);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) o.data[i * a.cols + j] = a.data[i * a.cols + j]! * d[j]!;
  return o;
}
