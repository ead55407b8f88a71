/**
 * Elementwise ops. The output-buffer rule of `@x` (README "Output buffers"): an optional last
 * argument `out` of the result's shape receives the result and is returned; here it may alias
 * the inputs.
 * @packageDocumentation
 */
import { checkNumber } from './checks';
import { ShapeError } from './errors';
import { alloc, assertMatrix, type Matrix } from './matrix';
import { resultDtype } from './matmul';

function sameShape(fn: string, a: Matrix, b: Matrix): void {
  assertMatrix(fn, 'a', a);
  assertMatrix(fn, 'b', b);
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${fn}: shapes differ: a is ${a.rows}x${a.cols}, b is ${b.rows}x${b.cols}`);
  }
}

function target(fn: string, a: Matrix, b: Matrix | null, out: Matrix | undefined): Matrix {
  // Only `undefined` means "allocate": a null or other non-matrix `out` is a ShapeError.
  if (out === undefined) return { rows: a.rows, cols: a.cols, data: alloc(b ? resultDtype(a, b) : a.data instanceof Float32Array ? 'float32' : 'float64', a.data.length) };
  assertMatrix(fn, 'out', out);
  if (out.rows !== a.rows || out.cols !== a.cols) {
    throw new ShapeError(`${fn}: out is ${out.rows}x${out.cols}, expected ${a.rows}x${a.cols}`);
  }
  return out;
}

/** a + b, elementwise. `out` may alias `a` or `b`. */
export function add(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  sameShape('add', a, b);
  const o = target('add', a, b, out);
  const x = a.data, y = b.data, z = o.data;
  for (let i = 0; i < z.length; i++) z[i] = x[i]! + y[i]!;
  return o;
}

/** a - b, elementwise. `out` may alias `a` or `b`. */
export function sub(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  sameShape('sub', a, b);
  const o = target('sub', a, b, out);
  const x = a.data, y = b.data, z = o.data;
  for (let i = 0; i < z.length; i++) z[i] = x[i]! - y[i]!;
  return o;
}

/** a ⊙ b (Hadamard product). `out` may alias `a` or `b`. */
export function hadamard(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  sameShape('hadamard', a, b);
  const o = target('hadamard', a, b, out);
  const x = a.data, y = b.data, z = o.data;
  for (let i = 0; i < z.length; i++) z[i] = x[i]! * y[i]!;
  return o;
}

/** alpha * a. `out` may alias `a`. */
export function scale(a: Matrix, alpha: number, out?: Matrix): Matrix {
  assertMatrix('scale', 'a', a);
  checkNumber('scale', 'alpha', alpha);
  const o = target('scale', a, null, out);
  const x = a.data, z = o.data;
  for (let i = 0; i < z.length; i++) z[i] = alpha * x[i]!;
  return o;
}

/** alpha * x + y as a new matrix (BLAS axpy without the in-place update; see {@link axpyInPlace}). */
export function axpy(alpha: number, x: Matrix, y: Matrix, out?: Matrix): Matrix {
  checkNumber('axpy', 'alpha', alpha);
  sameShape('axpy', x, y);
  const o = target('axpy', x, y, out);
  const u = x.data, v = y.data, z = o.data;
  for (let i = 0; i < z.length; i++) z[i] = alpha * u[i]! + v[i]!;
  return o;
}

/** y += alpha * x, in place; returns y. */
export function axpyInPlace(alpha: number, x: Matrix, y: Matrix): Matrix {
  checkNumber('axpyInPlace', 'alpha', alpha);
  sameShape('axpyInPlace', x, y);
  const u = x.data, v = y.data;
  for (let i = 0; i < v.length; i++) v[i]! += alpha * u[i]!;
  return y;
}
