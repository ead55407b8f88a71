import { DomainError, ShapeError } from '@x/gpu';

/** Throws a DomainError unless `v` is a finite number >= 0 (or > 0 when `strict`). */
export function checkNonNegative(fn: string, name: string, v: unknown, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (strict && v === 0)) {
    throw new DomainError(`${fn}: ${name} must be a finite number ${strict ? '> 0' : '>= 0'}, got ${String(v)}`);
  }
  return v;
}

/** Throws a DomainError unless `v` is in [lo, hi) (a momentum or decay coefficient). */
export function checkUnit(fn: string, name: string, v: unknown, lo = 0, hi = 1): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v >= hi) {
    throw new DomainError(`${fn}: ${name} must be in [${lo}, ${hi}), got ${String(v)}`);
  }
  return v;
}

/** Throws a DomainError unless `v` is an integer >= `min`. */
export function checkInt(fn: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DomainError(`${fn}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Throws a DomainError naming the first non-finite entry of `x`. */
export function checkFiniteArray(fn: string, name: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new DomainError(`${fn}: ${name}[${i}] is ${x[i]}; gradients and values must be finite`);
  }
}

/** Throws a DomainError unless `v` is one of `allowed`. */
export function checkOneOf<T extends string | number>(fn: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) {
    throw new DomainError(`${fn}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Throws a DomainError when a rank exceeds the matrix size. */
export function checkRank(fn: string, r: number, rows: number, cols: number, limit = Math.min(rows, cols)): void {
  if (!Number.isInteger(r) || r < 1) throw new DomainError(`${fn}: rank must be a positive integer, got ${r}`);
  if (r > limit) throw new DomainError(`${fn}: rank ${r} exceeds ${limit}, the largest rank a ${rows}x${cols} matrix allows here`);
}

export function shapeMismatch(fn: string, name: string, expected: string, got: string): ShapeError {
  return new ShapeError(`${fn}: parameter "${name}" is ${got}, but the optimizer state was built for ${expected}`);
}
