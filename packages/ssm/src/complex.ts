import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkPositive as gpuCheckPositive, checkShape, checkSize, describe } from '@x/gpu/checks';
import type { ComplexArray } from '@x/linalg';

export type { ComplexArray };

/** A copy of a complex vector. */
export function ccopy(x: ComplexArray): ComplexArray {
  return { re: Float64Array.from(x.re), im: Float64Array.from(x.im) };
}

/** Throws unless `x` is a ComplexArray of finite values (and of length `n` when given). */
export function checkComplexArray(fn: string, name: string, x: unknown, n?: number): asserts x is ComplexArray {
  const c = x as Partial<ComplexArray> | null;
  if (!c || typeof c !== 'object' || !(c.re instanceof Float64Array) || !(c.im instanceof Float64Array)) {
    throw new ShapeError(`${fn}: ${name} must be a ComplexArray { re: Float64Array; im: Float64Array }`);
  }
  if (c.re.length !== c.im.length) {
    throw new ShapeError(`${fn}: ${name}.re has length ${c.re.length} but ${name}.im has length ${c.im.length}`);
  }
  if (n !== undefined && c.re.length !== n) {
    throw new ShapeError(`${fn}: ${name} has length ${c.re.length}, expected ${n}`);
  }
  for (let i = 0; i < c.re.length; i++) {
    if (!Number.isFinite(c.re[i]!) || !Number.isFinite(c.im[i]!)) {
      throw new DomainError(`${fn}: ${name}[${i}] is not finite`);
    }
  }
}

/** Throws unless `x` is a finite real vector (and of length `n` when given); returns it as Float64Array. */
export function checkRealArray(fn: string, name: string, x: unknown, n?: number): Float64Array {
  if (!(x instanceof Float64Array) && !Array.isArray(x) && !(x instanceof Float32Array)) {
    throw new ShapeError(`${fn}: ${name} must be a Float64Array or number[]`);
  }
  const a = x as ArrayLike<number>;
  if (n !== undefined && a.length !== n) throw new ShapeError(`${fn}: ${name} has length ${a.length}, expected ${n}`);
  const out = x instanceof Float64Array ? x : Float64Array.from(a);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new DomainError(`${fn}: ${name}[${i}] is not finite`);
  }
  return out;
}

/** Throws unless `v` is a finite number > 0 (@x/gpu/checks). */
export const checkPositive = gpuCheckPositive;

/** Throws unless `v` is an integer size in [min, 2^28] (@x/gpu/checks `checkSize`). */
export function checkInt(fn: string, name: string, v: unknown, min: number): number {
  return checkSize(fn, name, v, min);
}

/**
 * Throws unless `x` is a complex matrix stored as two real matrices { re, im } of one shape
 * (`rows` x `cols` when given; ShapeError) with finite entries (DomainError naming the index).
 */
export function checkSplitMatrix(fn: string, name: string, x: unknown, rows?: number, cols?: number): { re: Matrix; im: Matrix } {
  const c = x as { re?: unknown; im?: unknown } | null;
  if (c === null || typeof c !== 'object') throw new ShapeError(`${fn}: ${name} must be { re: Matrix, im: Matrix }, got ${describe(x)}`);
  const re = checkShape(fn, `${name}.re`, c.re, rows, cols);
  const im = checkShape(fn, `${name}.im`, c.im, re.rows, re.cols);
  checkFinite(fn, `${name}.re`, re);
  checkFinite(fn, `${name}.im`, im);
  return { re, im };
}

/** Throws unless dtMin and dtMax are finite with 0 < dtMin <= dtMax; returns them. */
export function checkDtRange(fn: string, dtMin: unknown, dtMax: unknown): [number, number] {
  const lo = gpuCheckPositive(fn, 'dtMin', dtMin);
  const hi = gpuCheckPositive(fn, 'dtMax', dtMax);
  if (!(lo <= hi)) throw new DomainError(`${fn}: need dtMin <= dtMax, got ${lo} > ${hi}`);
  return [lo, hi];
}

/** Throws a DomainError naming `fn` unless `x` is a non-null object (a parameter or input struct). */
export function checkStruct(fn: string, name: string, x: unknown): void {
  if (x === null || typeof x !== 'object') throw new DomainError(`${fn}: ${name} must be an object, got ${describe(x)}`);
}
