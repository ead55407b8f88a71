/**
 * Argument checks of the exported strided kernels (gemmAccumulate, gemvAccumulate,
 * symvAccumulate, secularSums and their JS references). O(1) each: sizes, strides and offsets are
 * integers and every index the kernel would touch lies inside the arrays, so a bad call is a
 * typed error instead of a hang, an out-of-bounds write or silently ignored garbage.
 */
import { DomainError, ShapeError } from './errors';
import { describe, MAX_ELEMENTS } from './limits';

interface Strided {
  data: Float64Array | Float32Array;
  off: number;
  rs: number;
  cs: number;
}

function dim(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_ELEMENTS) {
    throw new DomainError(`${fn}: ${name} must be an integer in [0, ${MAX_ELEMENTS}], got ${describe(v)}`);
  }
  return v;
}

function index(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new DomainError(`${fn}: ${name} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

function floats(fn: string, name: string, v: unknown, f64Only: boolean): Float64Array | Float32Array {
  if (!(v instanceof Float64Array) && (f64Only || !(v instanceof Float32Array))) {
    throw new ShapeError(`${fn}: ${name} must be a ${f64Only ? 'Float64Array' : 'Float64Array or Float32Array'}, got ${describe(v)}`);
  }
  return v;
}

/** Checks a rows x cols strided operand: off + (rows-1) rs + (cols-1) cs must be inside data. */
function operand(fn: string, name: string, v: unknown, rows: number, cols: number): void {
  if (v === null || typeof v !== 'object') throw new ShapeError(`${fn}: ${name} must be { data, off, rs, cs }, got ${describe(v)}`);
  const o = v as Partial<Strided>;
  const data = floats(fn, `${name}.data`, o.data, false);
  const off = index(fn, `${name}.off`, o.off);
  const rs = index(fn, `${name}.rs`, o.rs);
  const cs = index(fn, `${name}.cs`, o.cs);
  span(fn, name, data.length, rows === 0 || cols === 0 ? 0 : off + (rows - 1) * rs + (cols - 1) * cs + 1);
}

function span(fn: string, name: string, length: number, needed: number): void {
  if (needed > length) throw new ShapeError(`${fn}: ${name} needs ${needed} entries, has ${length}`);
}

/** gemmAccumulate(m, n, k, A, B, c, ldc, upperOnly, route). */
export function checkGemmArgs(fn: string, m: unknown, n: unknown, k: unknown, A: unknown, B: unknown, c: unknown, ldc: unknown, upperOnly: unknown): void {
  const M = dim(fn, 'm', m);
  const N = dim(fn, 'n', n);
  const K = dim(fn, 'k', k);
  operand(fn, 'A', A, M, K);
  operand(fn, 'B', B, K, N);
  const C = floats(fn, 'c', c, false);
  const L = index(fn, 'ldc', ldc);
  if (N > 0 && L < N) throw new ShapeError(`${fn}: ldc = ${L} is less than n = ${N}`);
  span(fn, 'c', C.length, M === 0 || N === 0 ? 0 : (M - 1) * L + N);
  if (typeof upperOnly !== 'boolean') throw new DomainError(`${fn}: upperOnly must be true or false, got ${describe(upperOnly)}`);
}

/** gemvAccumulate(m, n, A, x, xOff, y, yOff): y[yOff..+m] += A x[xOff..+n]. */
export function checkGemvArgs(fn: string, m: unknown, n: unknown, A: unknown, x: unknown, xOff: unknown, y: unknown, yOff: unknown): void {
  const M = dim(fn, 'm', m);
  const N = dim(fn, 'n', n);
  operand(fn, 'A', A, M, N);
  const X = floats(fn, 'x', x, true);
  const Y = floats(fn, 'y', y, true);
  span(fn, 'x', X.length, N === 0 ? 0 : index(fn, 'xOff', xOff) + N);
  span(fn, 'y', Y.length, M === 0 ? 0 : index(fn, 'yOff', yOff) + M);
}

/** symvAccumulate(n, a, off, lda, x, xOff, y, yOff): y += A x for the symmetric n x n A at a[off], row stride lda. */
export function checkSymvArgs(fn: string, n: unknown, a: unknown, off: unknown, lda: unknown, x: unknown, xOff: unknown, y: unknown, yOff: unknown): void {
  const N = dim(fn, 'n', n);
  const A = floats(fn, 'a', a, true);
  const o = index(fn, 'off', off);
  const l = index(fn, 'lda', lda);
  if (N > 0 && l < N) throw new ShapeError(`${fn}: lda = ${l} is less than n = ${N}`);
  span(fn, 'a', A.length, N === 0 ? 0 : o + (N - 1) * l + N);
  const X = floats(fn, 'x', x, true);
  const Y = floats(fn, 'y', y, true);
  span(fn, 'x', X.length, N === 0 ? 0 : index(fn, 'xOff', xOff) + N);
  span(fn, 'y', Y.length, N === 0 ? 0 : index(fn, 'yOff', yOff) + N);
}

/** secularSums(k, split, a, aOff, z, zOff, x, out): the four sums of one secular iterate. */
export function checkSecularArgs(fn: string, k: unknown, split: unknown, a: unknown, aOff: unknown, z: unknown, zOff: unknown, x: unknown, out: unknown): void {
  const K = dim(fn, 'k', k);
  const S = dim(fn, 'split', split);
  if (S > K) throw new ShapeError(`${fn}: split = ${S} is greater than k = ${K}`);
  const A = floats(fn, 'a', a, true);
  span(fn, 'a', A.length, K === 0 ? 0 : index(fn, 'aOff', aOff) + K);
  const Z = floats(fn, 'z', z, true);
  span(fn, 'z', Z.length, K === 0 ? 0 : index(fn, 'zOff', zOff) + K);
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new DomainError(`${fn}: x must be a finite number, got ${describe(x)}`);
  span(fn, 'out', floats(fn, 'out', out, true).length, 4);
}
