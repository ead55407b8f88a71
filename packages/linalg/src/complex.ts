import { DomainError, type Matrix, ShapeError } from '@x/gpu';

// Complex types of the structured half. `ComplexArray` is structurally the same type as the one
// eig.ts declares, and only that one is re-exported from the package index (index.ts re-exports
// both halves with `export *`, where a duplicate name would be ambiguous).

/**
 * A complex vector stored split: element k is `re[k] + i im[k]`. Both arrays have the same length.
 * Split storage (not interleaved) so real-only code can read `re` directly.
 */
export interface ComplexArray {
  re: Float64Array;
  im: Float64Array;
}

/**
 * A complex matrix stored as two real row-major matrices of the same shape:
 * element (i, j) is `re.data[i * cols + j] + i im.data[i * cols + j]`.
 */
export interface ComplexMatrix {
  re: Matrix;
  im: Matrix;
}

/** A zero complex vector of length n. */
export function complexZeros(n: number): ComplexArray {
  return { re: new Float64Array(n), im: new Float64Array(n) };
}

/** True when `x` looks like a {@link ComplexArray} (two Float64Arrays of equal length). */
export function isComplexArray(x: unknown): x is ComplexArray {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<ComplexArray>;
  return c.re instanceof Float64Array && c.im instanceof Float64Array && c.re.length === c.im.length;
}

/** @internal Validates a complex input and returns its length. */
export function checkComplex(fn: string, name: string, x: ComplexArray): number {
  if (!isComplexArray(x)) {
    throw new ShapeError(`${fn}: ${name} must be a ComplexArray { re: Float64Array; im: Float64Array } of equal lengths`);
  }
  const n = x.re.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x.re[i]!) || !Number.isFinite(x.im[i]!)) {
      throw new DomainError(`${fn}: ${name}[${i}] is ${x.re[i]} + ${x.im[i]}i; inputs must be finite`);
    }
  }
  return n;
}

/** @internal Validates a real vector input (any finite array-like) and returns it as Float64Array. */
export function checkReal(fn: string, name: string, x: ArrayLike<number>): Float64Array {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new ShapeError(`${fn}: ${name} must be a Float64Array (or array of numbers)`);
  }
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!)) throw new DomainError(`${fn}: ${name}[${i}] is ${x[i]}; inputs must be finite`);
  }
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** @internal Matrix validation for functions in this package's structured half. */
export function checkMatrix(fn: string, name: string, a: Matrix): void {
  if (
    a === null ||
    typeof a !== 'object' ||
    !Number.isInteger(a.rows) ||
    !Number.isInteger(a.cols) ||
    !(a.data instanceof Float64Array || a.data instanceof Float32Array) ||
    a.data.length !== a.rows * a.cols
  ) {
    throw new ShapeError(`${fn}: ${name} must be a Matrix { rows, cols, data } with data.length = rows*cols`);
  }
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / a.cols);
      throw new DomainError(`${fn}: ${name}[${r}, ${i - r * a.cols}] is ${d[i]}; inputs must be finite`);
    }
  }
}
