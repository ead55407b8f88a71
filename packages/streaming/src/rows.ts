/**
 * Row validation shared by every estimator. A row is checked in full before any state is
 * touched, so a rejected row leaves the estimator exactly as it was.
 */
import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkPositive as gpuCheckPositive, checkSize } from '@x/gpu/checks';

/** One row of a stream: any array of numbers (Float64Array, Float32Array, number[]). */
export type RowLike = ArrayLike<number>;

/**
 * Throws unless `row` has length `dim` and finite entries. `index` is the row's position in the
 * whole stream (0-based), so the message points at the offending row.
 */
export function checkRow(fn: string, row: unknown, dim: number, index: number): asserts row is RowLike {
  const r = row as RowLike | null | undefined;
  if (r === null || r === undefined || typeof r !== 'object' || typeof r.length !== 'number') {
    throw new ShapeError(`${fn}: row ${index} is not an array of numbers (got ${r === null ? 'null' : typeof r})`);
  }
  if (r.length !== dim) {
    throw new ShapeError(`${fn}: row ${index} has length ${r.length}, expected ${dim}`);
  }
  for (let j = 0; j < dim; j++) {
    const v = r[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DomainError(`${fn}: row ${index} has a non-finite value (${String(v)}) at column ${j}`);
    }
  }
}

/** Where a block starts in its stream: rows (row streams) or columns (column streams) before it. */
export interface StreamOffset {
  at: number;
  unit: 'row' | 'column';
}

/**
 * Throws unless `block` is a Matrix with `rows` rows and `cols` columns (when given) and finite
 * entries; the message names the offending entry of the block and, with `offset`, its row (or
 * column) index in the whole stream.
 */
export function checkBlock(
  fn: string,
  block: unknown,
  rows: number | null,
  cols: number | null,
  what: string,
  offset?: StreamOffset,
): asserts block is Matrix {
  const b = block as Partial<Matrix> | null;
  if (
    b === null ||
    typeof b !== 'object' ||
    !Number.isInteger(b.rows) ||
    !Number.isInteger(b.cols) ||
    !(b.data instanceof Float64Array || b.data instanceof Float32Array) ||
    b.data.length !== (b.rows as number) * (b.cols as number)
  ) {
    throw new ShapeError(`${fn}: ${what} must be a Matrix { rows, cols, data } with data.length = rows*cols`);
  }
  if (rows !== null && b.rows !== rows) {
    throw new ShapeError(`${fn}: ${what} is ${b.rows}x${b.cols}, expected ${rows} rows (the row count of earlier blocks)`);
  }
  if (cols !== null && b.cols !== cols) {
    throw new ShapeError(`${fn}: ${what} is ${b.rows}x${b.cols}, expected ${cols} columns (the column count of earlier blocks)`);
  }
  const d = b.data;
  const c = b.cols as number;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / c);
      const j = i - r * c;
      const where = offset ? ` (stream ${offset.unit} ${offset.at + (offset.unit === 'row' ? r : j)})` : '';
      throw new DomainError(`${fn}: ${what}[${r}, ${j}]${where} is ${d[i]}; inputs must be finite`);
    }
  }
}

/** Throws a DomainError unless `v` is an integer size in [`min`, 2^28] (@x/gpu/checks `checkSize`). */
export function checkInt(fn: string, name: string, v: unknown, min: number): asserts v is number {
  checkSize(fn, name, v, min);
}

/** Throws a DomainError unless `v` is a finite number > 0 (@x/gpu/checks). */
export function checkPositive(fn: string, name: string, v: unknown): asserts v is number {
  gpuCheckPositive(fn, name, v);
}
