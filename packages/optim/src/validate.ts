import { ShapeError } from '@x/gpu';
import {
  checkFinite,
  checkNonNegative as gpuCheckNonNegative,
  checkUnit as gpuCheckUnit,
  checkOneOf,
  checkPositive,
  checkRank,
  checkSteps,
} from '@x/gpu/checks';

/** Throws a DomainError unless `v` is a finite number >= 0 (or > 0 when `strict`); @x/gpu/checks. */
export function checkNonNegative(fn: string, name: string, v: unknown, strict = false): number {
  return strict ? checkPositive(fn, name, v) : gpuCheckNonNegative(fn, name, v);
}

/** Throws a DomainError unless `v` is in [lo, hi) (a momentum or decay coefficient); @x/gpu/checks. */
export function checkUnit(fn: string, name: string, v: unknown, lo = 0, hi = 1): number {
  return gpuCheckUnit(fn, name, v, lo, hi, '[)');
}

/** Throws a DomainError unless `v` is an integer in [`min`, 10^7] (sizes and iteration counts; @x/gpu/checks). */
export function checkInt(fn: string, name: string, v: unknown, min = 1): number {
  return checkSteps(fn, name, v, min);
}

/** Throws a DomainError naming the first non-finite entry of `x`. */
export function checkFiniteArray(fn: string, name: string, x: ArrayLike<number>): void {
  checkFinite(fn, name, x, 'gradients and values must be finite');
}

export { checkOneOf, checkRank };

export function shapeMismatch(fn: string, name: string, expected: string, got: string): ShapeError {
  return new ShapeError(`${fn}: parameter "${name}" is ${got}, but the optimizer state was built for ${expected}`);
}
