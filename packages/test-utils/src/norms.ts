/**
 * Error measures the `@x` tests state their tolerances in. Each treats its arguments as flat
 * vectors of entries (a matrix is its row-major `data`); `b` is always the reference. They differ
 * in norm and in what they divide by, and a tolerance only means something together with its
 * measure, so each has one name here:
 *
 * | name | value | reference of zero |
 * | --- | --- | --- |
 * | `relFro` | ‖a − b‖₂ / ‖b‖₂ (Frobenius for matrices) | absolute ‖a − b‖₂ |
 * | `relFroComplex` | the same over complex entries given as split parts | absolute |
 * | `relMax` | max ᵢ \|aᵢ − bᵢ\| / max ᵢ \|bᵢ\| | absolute max \|a − b\| |
 * | `mixedMax` | max ᵢ \|aᵢ − bᵢ\| / max(1, max ᵢ \|bᵢ\|): absolute below 1, relative above | - |
 * | `entryRel` | max ᵢ \|aᵢ − bᵢ\| / \|bᵢ\| (relative per entry) | ∞ for a differing entry, NaN for 0/0 |
 * | `maxAbsDiff` | max ᵢ \|aᵢ − bᵢ\| | - |
 *
 * All of them throw when the lengths (or, for two matrices, the shapes) differ, and a NaN in
 * either argument makes the result NaN, so `expect(err).toBeLessThan(tol)` fails on it.
 */

/** A flat array of entries, or a matrix whose `data` holds them row by row. */
export type Entries = ArrayLike<number> | { rows: number; cols: number; data: ArrayLike<number> };

function entries(x: Entries): ArrayLike<number> {
  return 'data' in x ? x.data : x;
}

function pair(name: string, a: Entries, b: Entries): [ArrayLike<number>, ArrayLike<number>] {
  if ('data' in a && 'data' in b && (a.rows !== b.rows || a.cols !== b.cols)) {
    throw new Error(`${name}: shapes ${a.rows}x${a.cols} and ${b.rows}x${b.cols} differ`);
  }
  const x = entries(a);
  const y = entries(b);
  if (x.length !== y.length) throw new Error(`${name}: lengths ${x.length} and ${y.length} differ`);
  return [x, y];
}

/** ‖v‖₂, scaled by max |vᵢ| first so that huge or tiny entries neither overflow nor underflow. */
function norm2(v: ArrayLike<number>, at: (i: number) => number = (i) => v[i]!): number {
  let scale = 0;
  for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(at(i)));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const t = at(i) / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/**
 * Relative Frobenius (2-norm) error ‖a − b‖₂ / ‖b‖₂ over all entries; the absolute ‖a − b‖₂ when
 * ‖b‖₂ = 0. Overflow-safe (both norms are scaled by their largest entry).
 */
export function relFro(a: Entries, b: Entries): number {
  const [x, y] = pair('relFro', a, b);
  const d = norm2(x, (i) => x[i]! - y[i]!);
  const n = norm2(y);
  return n === 0 ? d : d / n;
}

/** {@link relFro} of complex vectors given as split real and imaginary parts. */
export function relFroComplex(ar: ArrayLike<number>, ai: ArrayLike<number>, br: ArrayLike<number>, bi: ArrayLike<number>): number {
  const [xr, yr] = pair('relFroComplex', ar, br);
  const [xi, yi] = pair('relFroComplex', ai, bi);
  if (xr.length !== xi.length) throw new Error(`relFroComplex: real and imaginary lengths ${xr.length} and ${xi.length} differ`);
  const n = xr.length;
  const d = norm2({ length: 2 * n }, (i) => (i < n ? xr[i]! - yr[i]! : xi[i - n]! - yi[i - n]!));
  const r = norm2({ length: 2 * n }, (i) => (i < n ? yr[i]! : yi[i - n]!));
  return r === 0 ? d : d / r;
}

/** Largest entry-wise difference max ᵢ |aᵢ − bᵢ| (absolute). */
export function maxAbsDiff(a: Entries, b: Entries): number {
  const [x, y] = pair('maxAbsDiff', a, b);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/**
 * Max-norm relative error max ᵢ |aᵢ − bᵢ| / max ᵢ |bᵢ|; the absolute max |a − b| when b is all
 * zeros.
 */
export function relMax(a: Entries, b: Entries): number {
  const [x, y] = pair('relMax', a, b);
  const d = maxAbsDiff(x, y);
  const s = maxAbs(y);
  return s === 0 ? d : d / s;
}

/**
 * Max-norm error scaled by max(1, max ᵢ |bᵢ|): absolute for references whose entries are all
 * below 1 in magnitude, relative ({@link relMax}) above.
 */
export function mixedMax(a: Entries, b: Entries): number {
  const [x, y] = pair('mixedMax', a, b);
  return maxAbsDiff(x, y) / Math.max(1, maxAbs(y));
}

/**
 * Worst per-entry relative error max ᵢ |aᵢ − bᵢ| / |bᵢ|. Stricter than {@link relMax}: small
 * entries count as much as large ones. A zero reference entry gives ∞ if aᵢ differs (NaN if not).
 */
export function entryRel(a: Entries, b: Entries): number {
  const [x, y] = pair('entryRel', a, b);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!) / Math.abs(y[i]!));
  return m;
}

/** Bitwise equality entry by entry (`Object.is`: −0 differs from +0, NaN equals NaN). */
export function bitEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
