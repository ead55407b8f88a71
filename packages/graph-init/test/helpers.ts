import type { Matrix } from '@x/gpu';

export function flat(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

export function mat(rows: number[][]): Matrix<Float64Array> {
  return { rows: rows.length, cols: rows[0]!.length, data: flat(rows) };
}

/**
 * Central finite differences of a scalar loss with respect to a flat parameter vector,
 * worst relative error |g - fd| / max(1e-8, |g| + |fd|) over all entries.
 */
export function fdCheck(value: Float64Array, analytic: Float64Array, loss: () => number, eps = 1e-6): number {
  let worst = 0;
  for (let i = 0; i < value.length; i++) {
    const v0 = value[i]!;
    value[i] = v0 + eps;
    const lp = loss();
    value[i] = v0 - eps;
    const lm = loss();
    value[i] = v0;
    const fd = (lp - lm) / (2 * eps);
    const err = Math.abs(fd - analytic[i]!) / Math.max(1e-8, Math.abs(fd) + Math.abs(analytic[i]!));
    worst = Math.max(worst, err);
  }
  return worst;
}
