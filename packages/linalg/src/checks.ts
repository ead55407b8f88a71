/**
 * Input validation of @x/linalg, in one place (internal; not re-exported from the package
 * index). Integers, seeds and option keys use @x/gpu's shared vocabulary (`@x/gpu/checks`);
 * the matrix, symmetry and factorization checks specific to linear algebra live here. Every public function validates its arguments here, at the boundary, before any
 * allocation or loop sized from them, and throws a typed error of @x/gpu naming itself:
 * ShapeError for a malformed or mismatched structure, DomainError for a value out of range.
 *
 * Documented bounds (also in the README's error contract):
 * - a Matrix has non-negative safe-integer dims, each at most {@link MAX_DIM}, and
 *   data.length = rows * cols (so an allocation sized from it is bounded by the data given);
 * - a length or size taken from the user alone (no data to compare with) is an integer in
 *   [0, {@link MAX_LENGTH}], a dense n x n size at most {@link MAX_DENSE_N}, an iteration
 *   count at most {@link MAX_STEPS}; butterfly sizes are powers of two up to
 *   {@link MAX_BUTTERFLY_N};
 * - seeds are non-negative safe integers;
 * - option objects may only hold the documented keys (a typo such as `niters` is a
 *   DomainError listing the valid ones).
 */
import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkInt, checkOptions, checkSeed } from '@x/gpu/checks';
import type { ComplexArray } from './complex-types';

/** Largest row or column count of a Matrix argument (2^30). */
export const MAX_DIM = 2 ** 30;
/** Largest length a function allocates from a bare count argument (2^26 entries, 512 MiB of float64). */
export const MAX_LENGTH = 2 ** 26;
/** Largest n of a function that builds a dense n x n (or n-column) matrix (2^13). */
export const MAX_DENSE_N = 2 ** 13;
/** Largest iteration count (steps, power iterations) taken from the user (2^24). */
export const MAX_STEPS = 2 ** 24;
/** Largest butterfly size n (a butterfly stores 2 n log2 n complex parameters). */
export const MAX_BUTTERFLY_N = 2 ** 18;

/** Throws a ShapeError naming `fn` unless `x` is a well-formed Matrix with sane dims. */
export function requireMatrix(fn: string, name: string, x: unknown): asserts x is Matrix {
  if (typeof x === 'object' && x !== null) {
    const { rows, cols } = x as { rows?: unknown; cols?: unknown };
    for (const [what, v] of [
      ['rows', rows],
      ['cols', cols],
    ] as const) {
      if (typeof v === 'number' && !(Number.isSafeInteger(v) && v >= 0 && v <= MAX_DIM)) {
        throw new ShapeError(`${fn}: ${name}.${what} must be an integer in [0, ${MAX_DIM}], got ${v}`);
      }
    }
  }
  assertMatrix(fn, name, x);
}

/** Validates `a` (shape, finiteness) and returns a float64 copy of its data. */
export function f64Copy(fn: string, name: string, a: Matrix): Float64Array {
  requireMatrix(fn, name, a);
  const src = a.data;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (!Number.isFinite(v)) {
      const r = Math.floor(i / a.cols);
      throw new DomainError(`${fn}: ${name}[${r}, ${i - r * a.cols}] is ${v}; inputs must be finite`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Throws the DomainError of {@link f64Copy} at the first non-finite entry of `data` (a float64
 * copy of a's data, already validated as a Matrix): for callers that copy the input straight
 * into a workspace instead of a fresh array.
 */
export function requireFiniteData(fn: string, name: string, data: Float64Array, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      const r = Math.floor(i / cols);
      throw new DomainError(`${fn}: ${name}[${r}, ${i - r * cols}] is ${v}; inputs must be finite`);
    }
  }
}

/** Throws a ShapeError unless `a` is a square Matrix. */
export function requireSquare(fn: string, name: string, a: Matrix): void {
  requireMatrix(fn, name, a);
  if (a.rows !== a.cols) {
    throw new ShapeError(`${fn}: ${name} must be square, got ${a.rows}x${a.cols}`);
  }
}

/** Validates a finite vector (array-like of numbers) and returns a float64 copy. */
export function f64VecCopy(fn: string, name: string, x: ArrayLike<number>): Float64Array {
  if (typeof x !== 'object' || x === null || !Number.isSafeInteger((x as { length?: unknown }).length)) {
    throw new ShapeError(`${fn}: ${name} must be an array of numbers or a Float64Array, got ${x === null ? 'null' : typeof x}`);
  }
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DomainError(`${fn}: ${name}[${i}] is ${String(v)}; inputs must be finite numbers`);
    }
    out[i] = v;
  }
  return out;
}

/** Returns `v` when it is a safe integer in [lo, hi], else throws a DomainError naming `fn` (@x/gpu's checkInt). */
export function requireInt(fn: string, name: string, v: unknown, lo: number, hi: number): number {
  return checkInt(fn, name, v, lo, hi);
}

/** A seed: a non-negative safe integer (@x/gpu's checkSeed). */
export function requireSeed(fn: string, name: string, v: unknown): number {
  return checkSeed(fn, name, v);
}

/** Throws unless `opts` is undefined or a plain object whose keys are all in `allowed` (@x/gpu's checkOptions). */
export function requireOptions(fn: string, opts: unknown, allowed: readonly string[]): void {
  checkOptions(fn, opts as object | undefined, allowed);
}

/** Throws a DomainError unless `n` is a power of two in [1, max]; returns log2 n. */
export function requirePow2(fn: string, name: string, n: unknown, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max || 2 ** Math.round(Math.log2(n)) !== n) {
    throw new DomainError(`${fn}: ${name} must be a power of two in [1, ${max}], got ${typeof n === 'number' ? n : `${typeof n} ${String(n)}`}`);
  }
  return Math.round(Math.log2(n));
}

/**
 * The symmetric-input contract of eigh and cholesky: `a` (n x n, finite, row-major copy
 * `data`) must satisfy |a_ij - a_ji| <= tol * max|a| for every pair, with tol = 64 n eps of
 * the input's own precision (float32 inputs get float32's eps) unless `rtol` is given. On
 * success `data` is replaced by its exact symmetric part (a + aᵀ)/2 (a no-op for symmetric
 * input), so the result does not depend on which triangle a routine reads. On failure the
 * DomainError names the largest asymmetry and its position.
 */
export function requireSymmetric(fn: string, name: string, a: Matrix, data: Float64Array, rtol?: number): void {
  const n = a.rows;
  if (rtol !== undefined && !(typeof rtol === 'number' && rtol >= 0 && rtol <= 1)) {
    throw new DomainError(`${fn}: symmetryTol must be a number in [0, 1], got ${String(rtol)}`);
  }
  const eps = a.data instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  const tol = rtol ?? 64 * Math.max(n, 1) * eps;
  let amax = 0;
  for (let i = 0; i < data.length; i++) amax = Math.max(amax, Math.abs(data[i]!));
  let worst = 0;
  let wi = 0;
  let wj = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.abs(data[i * n + j]! - data[j * n + i]!);
      if (d > worst) {
        worst = d;
        wi = i;
        wj = j;
      }
    }
  }
  if (worst > tol * amax) {
    throw new DomainError(
      `${fn}: ${name} must be symmetric: |${name}[${wi}, ${wj}] - ${name}[${wj}, ${wi}]| = ${worst} (${data[wi * n + wj]} vs ${data[wj * n + wi]}) exceeds ${tol} * max|${name}| = ${tol * amax}`,
    );
  }
  if (worst === 0) return;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * data[i * n + j]! + 0.5 * data[j * n + i]!;
      data[i * n + j] = s;
      data[j * n + i] = s;
    }
  }
}

/**
 * Validates an LU factorization as made by luFactor: `lu` a finite square Matrix, `perm` an
 * Int32Array permutation of 0..n-1, `sign` +1 or -1. O(n²) (the solve itself is O(n²)).
 */
export function requireLuFactorization(fn: string, f: unknown): { lu: Matrix; perm: Int32Array } {
  if (typeof f !== 'object' || f === null) throw new ShapeError(`${fn}: expected a LuFactorization { lu, perm, sign }, got ${f === null ? 'null' : typeof f}`);
  const { lu, perm, sign } = f as { lu?: unknown; perm?: unknown; sign?: unknown };
  requireMatrix(fn, 'f.lu', lu);
  if (lu.rows !== lu.cols) throw new ShapeError(`${fn}: the factored matrix must be square, got ${lu.rows}x${lu.cols}`);
  const n = lu.rows;
  if (!(perm instanceof Int32Array) || perm.length !== n) {
    throw new ShapeError(`${fn}: f.perm must be an Int32Array of length ${n}`);
  }
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    if (p < 0 || p >= n || seen[p]) throw new DomainError(`${fn}: f.perm is not a permutation of 0..${n - 1} (entry ${i} is ${p})`);
    seen[p] = 1;
  }
  if (sign !== 1 && sign !== -1) throw new DomainError(`${fn}: f.sign must be 1 or -1, got ${String(sign)}`);
  // sign is the parity of perm: (-1)^(n - number of cycles). A mismatch is a corrupted factorization.
  let cycles = 0;
  for (let i = 0; i < n; i++) {
    if (seen[i] === 2) continue;
    cycles++;
    for (let j = i; seen[j] !== 2; j = perm[j]!) seen[j] = 2;
  }
  const parity = (n - cycles) % 2 === 0 ? 1 : -1;
  if (sign !== parity) throw new DomainError(`${fn}: f.sign is ${sign} but f.perm has sign ${parity}; the factorization is corrupted`);
  const d = lu.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / n);
      throw new DomainError(`${fn}: f.lu[${r}, ${i - r * n}] is ${d[i]}; inputs must be finite`);
    }
  }
  return { lu, perm };
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
  requireMatrix(fn, name, a);
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      const r = Math.floor(i / a.cols);
      throw new DomainError(`${fn}: ${name}[${r}, ${i - r * a.cols}] is ${d[i]}; inputs must be finite`);
    }
  }
}
