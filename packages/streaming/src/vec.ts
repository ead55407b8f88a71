/** Small vector helpers on Float64Array (internal; not re-exported). */
import { type Rng, rng as makeRng, type RngState } from '@x/gpu';

/** Euclidean norm, scaled to avoid overflow/underflow. */
export function norm2(x: ArrayLike<number>): number {
  let s0 = 0;
  for (let i = 0; i < x.length; i++) s0 += x[i]! * x[i]!;
  // The plain sum is exact enough unless it overflowed or underflowed; then rescale.
  if (s0 > 1e-280 && s0 < 1e280) return Math.sqrt(s0);
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > scale) scale = a;
  }
  if (scale === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]! / scale;
    s += a * a;
  }
  return scale * Math.sqrt(s);
}

/** Σ x_i y_i over the first n entries. */
export function dotN(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += x[i]! * y[i]!;
    s1 += x[i + 1]! * y[i + 1]!;
  }
  if (i < n) s0 += x[i]! * y[i]!;
  return s0 + s1;
}

/** Scales `x` to unit norm in place; returns the norm it had (0 leaves x unchanged). */
export function normalizeInPlace(x: Float64Array): number {
  const n = norm2(x);
  if (n > 0) for (let i = 0; i < x.length; i++) x[i] = x[i]! / n;
  return n;
}

/** A uniformly random unit vector of length d from `r` (a Gaussian draw, normalized). */
export function randomUnit(d: number, r: Rng): Float64Array {
  const v = new Float64Array(d);
  do r.fillNormal(v);
  while (normalizeInPlace(v) === 0);
  return v;
}

/** Seed or state accepted by the estimators. */
export type SeedLike = number | RngState;

export function seededRng(seed: SeedLike | undefined): Rng {
  return makeRng(seed ?? 0);
}

/** Copies a typed array into a plain array for JSON (doubles round-trip exactly through JSON). */
export function toArray(x: ArrayLike<number>): number[] {
  return Array.from(x);
}

/** The largest |x_i| (0 for an empty x). */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/**
 * 0 when m (a largest |entry|) lies in [2^-400, 2^400], where squares and their sums are safe;
 * else E with m·2^−E in [1/2, 1), clamped to |E| <= 1000 so that 2^−E is a normal number
 * (scaling by it is exact).
 */
export function scaleExponent(m: number): number {
  if (m === 0 || (m >= 2 ** -400 && m <= 2 ** 400)) return 0;
  return Math.max(-1000, Math.min(1000, Math.floor(Math.log2(m)) + 1));
}

