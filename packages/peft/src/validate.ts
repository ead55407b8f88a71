import { assertFinite, assertMatrix, DomainError, type Matrix } from '@x/gpu';
import {
  checkBoolean,
  checkNonNegative,
  checkNumber,
  checkOptions,
  checkPositive,
  checkRank as gpuCheckRank,
  checkShape as gpuCheckShape,
  checkSeed,
  describe,
} from '@x/gpu/checks';

/** Checks a weight matrix: a finite Matrix. Returns it typed. */
export function checkWeight(fn: string, name: string, w: unknown): Matrix {
  assertMatrix(fn, name, w);
  assertFinite(fn, name, w);
  return w;
}

/** Checks an adapter rank: an integer in [1, min(rows, cols)]. */
export function checkRank(fn: string, r: unknown, rows: number, cols: number): number {
  return gpuCheckRank(fn, r, rows, cols);
}

export { checkBoolean, checkNonNegative, checkNumber, checkPositive };

export function checkShape(fn: string, name: string, m: Matrix, rows: number, cols: number): void {
  gpuCheckShape(fn, name, m, rows, cols);
}

/**
 * Checks an options argument (`undefined` or a plain object with only `keys`; DomainError
 * listing the valid keys otherwise) and returns it (`{}` for `undefined`).
 */
export function checkOpts<T extends object>(fn: string, opts: T | undefined, keys: readonly string[]): T {
  return checkOptions(fn, opts, keys);
}

/** An optional boolean option: `undefined` gives `dflt`, anything but a boolean is a DomainError. */
export function optBoolean(fn: string, name: string, v: unknown, dflt: boolean): boolean {
  return v === undefined ? dflt : checkBoolean(fn, name, v);
}

/** An optional seed option: `undefined` gives `dflt`, otherwise a non-negative safe integer. */
export function optSeed(fn: string, name: string, v: unknown, dflt: number): number {
  return v === undefined ? dflt : checkSeed(fn, name, v);
}

/** True for a non-null object that is not an array (a JSON object / record). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Throws a DomainError naming `fn` unless `v` is a record (a plain object, not null or an array). */
export function checkRecord(fn: string, name: string, v: unknown): Record<string, unknown> {
  if (!isRecord(v)) throw new DomainError(`${fn}: ${name} must be an object, got ${describe(v)}`);
  return v;
}

/** Throws a DomainError naming `fn` unless `v` is an array. */
export function checkArray<T = unknown>(fn: string, name: string, v: unknown): readonly T[] {
  if (!Array.isArray(v)) throw new DomainError(`${fn}: ${name} must be an array, got ${describe(v)}`);
  return v as T[];
}
