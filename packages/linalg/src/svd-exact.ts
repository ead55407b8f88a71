/** Exact thin SVD dispatcher on row-major buffers (internal). */
import { ldexpArray, transposeData, unitScaleExponent } from './dense-util';
import type { SvdParts } from './jacobi-svd';
import { denseSvd, denseSvdvals } from './svd-bidiag';

/**
 * Thin exact SVD of a row-major m x n buffer (any shape); k = min(m, n) triplets. The input
 * is scaled by a power of two near 1/max|a| first (exact), so that squares neither overflow
 * nor underflow; singular values are scaled back. The result has min(m, n) triplets, or
 * possibly only the kWant leading ones when kWant is smaller.
 */
export function exactSvdParts(data: Float64Array, m: number, n: number, fn: string, kWant = Math.min(m, n)): SvdParts {
  const e = unitScaleExponent(data);
  if (e !== 0) data = ldexpArray(data, e);
  let p: SvdParts;
  if (m >= n) p = denseSvd(e !== 0 ? data : data.slice(), m, n, fn, kWant);
  else {
    const t = denseSvd(transposeData(data, m, n), n, m, fn, kWant);
    p = { u: t.v, s: t.s, v: t.u };
  }
  if (e !== 0) p.s = ldexpArray(p.s, -e);
  return p;
}

/** Singular values (descending) of a row-major m x n buffer. */
export function exactSvdvals(data: Float64Array, m: number, n: number, fn: string): Float64Array {
  const e = unitScaleExponent(data);
  const x = e !== 0 ? ldexpArray(data, e) : data.slice();
  const s = m >= n ? denseSvdvals(x, m, n, fn) : denseSvdvals(transposeData(x, m, n), n, m, fn);
  return e !== 0 ? ldexpArray(s, -e) : s;
}
