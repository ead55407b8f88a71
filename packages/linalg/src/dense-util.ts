/**
 * Internal helpers of the dense decompositions: input validation and float64 copies.
 * Not re-exported from the package index.
 */
import type { Matrix } from '@x/gpu';

export { f64Copy, f64VecCopy, requireSquare } from './checks';

/** A float64 matrix view over `data`. */
export function mat(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Matrix<Float64Array> {
  return { rows, cols, data };
}

/** Transposes a row-major rows x cols buffer into a new cols x rows buffer. */
export function transposeData(src: Float64Array, rows: number, cols: number): Float64Array {
  const dst = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(j0 + B, cols);
      for (let i = i0; i < i1; i++) {
        const r = i * cols;
        for (let j = j0; j < j1; j++) dst[j * rows + i] = src[r + j]!;
      }
    }
  }
  return dst;
}

/** Largest absolute entry. */
export function maxAbsOf(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > m) m = v;
  }
  return m;
}

/** Machine epsilon of float64 (2^-52). */
export const EPS = 2.220446049250313e-16;

/**
 * Exponent e such that 2^e * max|x| is near 1 when max|x| lies outside [2^-500, 2^500], else 0.
 * Power-of-two scaling is exact, so it protects squares and norms from overflow/underflow
 * without changing results for ordinary inputs.
 */
export function safeScaleExponent(x: Float64Array): number {
  const amax = maxAbsOf(x);
  if (amax === 0 || (amax >= 2 ** -500 && amax <= 2 ** 500)) return 0;
  return -Math.round(Math.log2(amax));
}

/** Exponent e with 2^e max|x| near 1 (0 for a zero x): the scaling LAPACK's dlascl does, exact. */
export function unitScaleExponent(x: Float64Array): number {
  const amax = maxAbsOf(x);
  return amax > 0 ? -Math.round(Math.log2(amax)) : 0;
}

/**
 * Exponent e for LU-type elimination: 0 when max|x| lies in [2^-500, 2^500]; above, the
 * smallest shift that brings max|x| down to 2^500 (scaling further down would push the small
 * entries, and the pivots made of them, towards underflow: LAPACK's dlascl also scales only to
 * the edge of its safe range); below, up to about 1 (nothing is pushed down).
 */
export function windowScaleExponent(x: Float64Array): number {
  const amax = maxAbsOf(x);
  if (amax === 0) return 0;
  if (amax > 2 ** 500) return 500 - Math.ceil(Math.log2(amax));
  if (amax < 2 ** -500) return -Math.round(Math.log2(amax));
  return 0;
}

/** v * 2^e for an integer e, in two exact steps (2^e alone may overflow or underflow). */
export function ldexp(v: number, e: number): number {
  const h = Math.trunc(e / 2);
  return v * 2 ** h * 2 ** (e - h);
}

/** x *= 2^e in place (two exact steps; 2^e alone may overflow). */
export function ldexpInPlace(x: Float64Array, e: number): void {
  if (e === 0) return;
  const h = Math.trunc(e / 2);
  const f1 = 2 ** h;
  const f2 = 2 ** (e - h);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f1 * f2;
}

/** x * 2^e for integer e in [-2100, 2100], in two exact steps (2^e alone may overflow). */
export function ldexpArray(x: Float64Array, e: number): Float64Array {
  const h = Math.trunc(e / 2);
  const f1 = 2 ** h;
  const f2 = 2 ** (e - h);
  return x.map((v) => v * f1 * f2);
}

/** The first k of the `cols` columns of a rows x cols row-major buffer (x itself when k = cols). */
export function firstCols(x: Float64Array, rows: number, cols: number, k: number): Float64Array {
  if (k === cols) return x;
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) out.set(x.subarray(i * cols, i * cols + k), i * k);
  return out;
}

/**
 * √(a² + b²) without overflow or underflow, as Math.hypot(a, b) (to about one ulp), but several
 * times faster in V8 and allocation-free (Math.hypot returns a boxed number): the plane
 * rotations of the tridiagonal QL and of the deflations call it tens of thousands of times per
 * decomposition. An infinite argument gives Infinity, else NaN in gives NaN (as Math.hypot).
 */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x === Number.POSITIVE_INFINITY || y === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const m = Math.max(x, y);
  if (m === 0) return 0;
  const w = Math.min(x, y) / m;
  return m * Math.sqrt(1 + w * w);
}
