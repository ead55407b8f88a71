/**
 * The argument checks every `@x` package uses at its public boundary (`@x/gpu/checks`).
 *
 * Each check takes the name of the function the user called (`fn`) and the argument's name,
 * throws a typed error ({@link DomainError}, {@link ShapeError}, {@link AbortError}) whose
 * message starts with `fn:`, and returns the checked value typed. Sizes, counts and steps are
 * checked against documented maxima ({@link MAX_ELEMENTS}, {@link MAX_STEPS}) before anything
 * is allocated or looped over, so bad input fails in bounded time and memory.
 */
import { AbortError, DomainError, ShapeError } from './errors';
import { assertMatrix, type Matrix } from './matrix';
import { isRng, type Rng, rngOf } from './rng';

export { isRng };
import { describe, MAX_DEPTH, MAX_ELEMENTS, MAX_STEPS } from './limits';

export { describe, MAX_DEPTH, MAX_ELEMENTS, MAX_STEPS };

/**
 * Throws a DomainError unless `v` is a safe integer in [`min`, `max`]. Returns it.
 * Message: "`fn`: `name` must be an integer in [min, max], got `v`".
 */
export function checkInt(fn: string, name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new DomainError(`${fn}: ${name} must be an integer ${range}, got ${describe(v)}`);
  }
  return v;
}

/**
 * Throws a DomainError unless `v` is an integer size in [`min`, {@link MAX_ELEMENTS}]
 * (a dimension, a length, a node count). Returns it.
 */
export function checkSize(fn: string, name: string, v: unknown, min = 0): number {
  return checkInt(fn, name, v, min, MAX_ELEMENTS);
}

/**
 * Throws a DomainError unless `v` is an iteration count in [`min`, {@link MAX_STEPS}]. Returns it.
 */
export function checkSteps(fn: string, name: string, v: unknown, min = 0): number {
  return checkInt(fn, name, v, min, MAX_STEPS);
}

/**
 * Throws a DomainError when a buffer of `dims[0] * dims[1] * ...` elements would exceed
 * {@link MAX_ELEMENTS}. Call before allocating from user-given sizes. Returns the product.
 */
export function checkAlloc(fn: string, what: string, ...dims: number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new DomainError(`${fn}: ${what} has a dimension of ${describe(d)}; dimensions must be non-negative integers`);
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new DomainError(`${fn}: ${what} would hold ${dims.join(' x ')} = ${n} elements, more than the maximum ${MAX_ELEMENTS} (2^28)`);
  }
  return n;
}

/** Throws a DomainError unless `v` is a finite number. Returns it. */
export function checkNumber(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DomainError(`${fn}: ${name} must be a finite number, got ${describe(v)}`);
  }
  return v;
}

/** Throws a DomainError unless `v` is a finite number > 0. Returns it. */
export function checkPositive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new DomainError(`${fn}: ${name} must be a finite number > 0, got ${describe(v)}`);
  }
  return v;
}

/** Throws a DomainError unless `v` is a finite number >= 0. Returns it. */
export function checkNonNegative(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DomainError(`${fn}: ${name} must be a finite number >= 0, got ${describe(v)}`);
  }
  return v;
}

/** Which ends of a {@link checkUnit} interval are included: `'[]'` both, `'[)'` the lower only, ... */
export type Interval = '[]' | '[)' | '(]' | '()';

/**
 * Throws a DomainError unless `v` is a number in the interval from `lo` to `hi` (by default
 * [0, 1]; `ends` says which ends are included). For probabilities, momenta, decay rates.
 */
export function checkUnit(fn: string, name: string, v: unknown, lo = 0, hi = 1, ends: Interval = '[]'): number {
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (ends[0] === '[' ? v >= lo : v > lo) &&
    (ends[1] === ']' ? v <= hi : v < hi);
  if (!ok) throw new DomainError(`${fn}: ${name} must be in ${ends[0]}${lo}, ${hi}${ends[1]}, got ${describe(v)}`);
  return v as number;
}

/** Throws a DomainError unless `v` is one of `allowed`. Returns it typed. */
export function checkOneOf<T extends string | number | boolean>(fn: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) {
    throw new DomainError(`${fn}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

/**
 * Throws a DomainError unless `r` is an integer rank in [1, `limit`], where `limit` defaults
 * to min(rows, cols). Returns it.
 */
export function checkRank(fn: string, r: unknown, rows: number, cols: number, limit = Math.min(rows, cols)): number {
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1 || r > limit) {
    throw new DomainError(`${fn}: rank must be an integer in [1, ${limit}] for a ${rows}x${cols} matrix, got ${describe(r)}`);
  }
  return r;
}

/** Throws a ShapeError naming `fn` and `name` unless `x` is a well-formed {@link Matrix}. Returns it. */
export function checkMatrix(fn: string, name: string, x: unknown): Matrix {
  assertMatrix(fn, name, x);
  return x;
}

/**
 * Throws unless `x` is a Matrix (ShapeError) of `rows` x `cols` (ShapeError); pass `undefined`
 * for a dimension that may be anything. Returns it.
 */
export function checkShape(fn: string, name: string, x: unknown, rows?: number, cols?: number): Matrix {
  const m = checkMatrix(fn, name, x);
  if ((rows !== undefined && m.rows !== rows) || (cols !== undefined && m.cols !== cols)) {
    throw new ShapeError(`${fn}: ${name} is ${m.rows}x${m.cols}, expected ${rows ?? 'any'}x${cols ?? 'any'}`);
  }
  return m;
}

/**
 * Throws unless `x` is a number[] / Float64Array / Float32Array (ShapeError), of length `n`
 * when given (ShapeError), with finite entries (DomainError naming the index). Returns it.
 */
export function checkVector(fn: string, name: string, x: unknown, n?: number): ArrayLike<number> {
  if (!(x instanceof Float64Array) && !(x instanceof Float32Array) && !Array.isArray(x)) {
    throw new ShapeError(`${fn}: ${name} must be a Float64Array, Float32Array or number[], got ${describe(x)}`);
  }
  if (n !== undefined && x.length !== n) throw new ShapeError(`${fn}: ${name} has length ${x.length}, expected ${n}`);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] !== 'number') throw new DomainError(`${fn}: ${name}[${i}] is ${describe(x[i])}, not a number`);
    }
  }
  checkFinite(fn, name, x);
  return x;
}

/**
 * Throws a DomainError naming the first non-finite entry of `x` (a Matrix: `name[i, j]`;
 * an array: `name[i]`). One pass over the data, no allocation. `what` ends the message
 * (default "inputs must be finite").
 */
export function checkFinite(fn: string, name: string, x: Matrix | ArrayLike<number>, what = 'inputs must be finite'): void {
  if (x === null || typeof x !== 'object') {
    throw new ShapeError(`${fn}: ${name} must be a Matrix or an array of numbers, got ${describe(x)}`);
  }
  const m = x as Partial<Matrix>;
  const isArray = Array.isArray(x) || ArrayBuffer.isView(x);
  // Anything that is not an array is a Matrix: its dims and data length must agree before
  // the data is read (a "-3x-4" or a "2^31 x 2^31" with 12 entries is a ShapeError).
  if (!isArray) assertMatrix(fn, name, x);
  const d: ArrayLike<number> = isArray ? (x as ArrayLike<number>) : m.data!;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      throw new DomainError(`${fn}: ${name}${indexOf(x, i)} is ${v}; ${what}`);
    }
  }
}

/** `[i]` for an array, `[r, c]` for a matrix. */
function indexOf(x: Matrix | ArrayLike<number>, i: number): string {
  const m = x as Partial<Matrix>;
  if (!Array.isArray(x) && !ArrayBuffer.isView(x) && typeof m.cols === 'number' && m.cols > 0) {
    const r = Math.floor(i / m.cols);
    return `[${r}, ${i - r * m.cols}]`;
  }
  return `[${i}]`;
}

/** Throws a DomainError unless `v` is a seed: a non-negative safe integer. Returns it. */
export function checkSeed(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new DomainError(`${fn}: ${name} must be a non-negative safe integer, got ${describe(v)}`);
  }
  return v;
}

/**
 * Throws unless `opts` is `undefined` or a plain object whose keys are all in `keys`
 * (DomainError listing the valid keys, which catches typos like `niters`). Returns the
 * object (`{}` for `undefined`).
 */
export function checkOptions<T extends object>(fn: string, opts: T | undefined, keys: readonly string[]): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  }
  // for-in, not Object.keys: no array is allocated (matmul and forward passes call this per call).
  for (const k in opts) {
    if (Object.hasOwn(opts, k) && !keys.includes(k)) {
      const valid = keys.length ? keys.join(', ') : '(none)';
      throw new DomainError(`${fn}: unknown option "${k}"; valid options are ${valid}`);
    }
  }
  return opts;
}

/** Throws a DomainError unless `v` is a function. Returns it typed. */
export function checkFunction<F extends (...args: never[]) => unknown>(fn: string, name: string, v: unknown): F {
  if (typeof v !== 'function') throw new DomainError(`${fn}: ${name} must be a function, got ${describe(v)}`);
  return v as F;
}

/** Throws a DomainError unless `v` is a boolean. Returns it. */
export function checkBoolean(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new DomainError(`${fn}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/**
 * Throws an {@link AbortError} naming `fn` when `signal` is aborted (its `cause` is the
 * signal's reason); throws a DomainError when `signal` is given but is not an AbortSignal.
 * Long-running functions call it on entry and between steps.
 */
export function checkAborted(fn: string, signal: unknown): void {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean') {
    throw new DomainError(`${fn}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
  if ((signal as AbortSignal).aborted) throw new AbortError(`${fn}: aborted`, (signal as AbortSignal).reason);
}

/** Throws a DomainError unless `key` is an own key of `record` (never a prototype key like `__proto__`). */
export function checkKey<T>(fn: string, name: string, record: Readonly<Record<string, T>>, key: unknown): T {
  if (typeof key !== 'string' || !Object.hasOwn(record, key)) {
    const valid = Object.keys(record);
    throw new DomainError(`${fn}: ${name} must be one of ${valid.map((k) => JSON.stringify(k)).join(', ')}, got ${describe(key)}`);
  }
  return record[key]!;
}

/**
 * A generator from `v`: a seed (non-negative safe integer, DomainError otherwise) or an
 * existing {@link Rng}. Catches `seed: '7'` or `seed: 1.5` at the boundary.
 */
export function checkRng(fn: string, name: string, v: unknown): Rng {
  return rngOf(fn, v, name);
}
