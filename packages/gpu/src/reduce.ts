import { ShapeError } from './errors';
import { assertMatrix, type Matrix } from './matrix';

/** Sum of all entries (pairwise blocks of 4 accumulators, then Kahan-free f64 add). */
export function sum(a: Matrix): number {
  assertMatrix('sum', 'a', a);
  const d = a.data;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = d.length;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    s0 += d[i]!;
    s1 += d[i + 1]!;
    s2 += d[i + 2]!;
    s3 += d[i + 3]!;
  }
  for (let i = n4; i < n; i++) s0 += d[i]!;
  return s0 + s1 + (s2 + s3);
}

/** Frobenius inner product Σ a_ij b_ij. */
export function dot(a: Matrix, b: Matrix): number {
  assertMatrix('dot', 'a', a);
  assertMatrix('dot', 'b', b);
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`dot: shapes differ: a is ${a.rows}x${a.cols}, b is ${b.rows}x${b.cols}`);
  }
  const x = a.data, y = b.data;
  let s0 = 0, s1 = 0;
  const n = x.length;
  const n2 = n - (n % 2);
  for (let i = 0; i < n2; i += 2) {
    s0 += x[i]! * y[i]!;
    s1 += x[i + 1]! * y[i + 1]!;
  }
  if (n2 < n) s0 += x[n2]! * y[n2]!;
  return s0 + s1;
}

/** Largest absolute entry (0 for an empty matrix; NaN if any entry is NaN). */
export function maxAbs(a: Matrix): number {
  assertMatrix('maxAbs', 'a', a);
  const d = a.data;
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Math.abs(d[i]!);
    if (v > m || Number.isNaN(v)) m = v;
    if (Number.isNaN(m)) return NaN;
  }
  return m;
}

/**
 * Frobenius norm sqrt(Σ a_ij²), scaled by the max-abs entry so that it neither overflows
 * for entries near 1e200 nor underflows for entries near 1e-200.
 */
export function frobeniusNorm(a: Matrix): number {
  const scale = maxAbs(a);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  const d = a.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) {
    // Division, not a reciprocal: 1/scale overflows for subnormal scales.
    const v = d[i]! / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}
