import { assertFinite, assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';

/** Checks a weight matrix: a finite Matrix. Returns it typed. */
export function checkWeight(fn: string, name: string, w: unknown): Matrix {
  assertMatrix(fn, name, w);
  assertFinite(fn, name, w);
  return w;
}

/** Checks an adapter rank: an integer in [1, min(rows, cols)]. */
export function checkRank(fn: string, r: unknown, rows: number, cols: number): number {
  const max = Math.min(rows, cols);
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > max) {
    throw new DomainError(`${fn}: rank r must be an integer in [1, min(out, in) = ${max}] for a ${rows}x${cols} weight, got ${String(r)}`);
  }
  return r;
}

export function checkPositive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new DomainError(`${fn}: ${name} must be a positive finite number, got ${String(v)}`);
  }
  return v;
}

export function checkNonNegative(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DomainError(`${fn}: ${name} must be a non-negative finite number, got ${String(v)}`);
  }
  return v;
}

export function checkShape(fn: string, name: string, m: Matrix, rows: number, cols: number): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new ShapeError(`${fn}: ${name} is ${m.rows}x${m.cols}, expected ${rows}x${cols}`);
  }
}
