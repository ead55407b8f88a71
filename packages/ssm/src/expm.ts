import { assertMatrix, DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';

/**
 * Matrix exponential by scaling and squaring with a degree-18 Taylor polynomial (Moler & Van
 * Loan, "Nineteen Dubious Ways...", SIAM Review 2003, Method 3): scale so ||A/2^s||_1 <= 1/2, sum
 * the series (truncation error < 2^-19/19! relative), square s times. 18 + s GEMMs (@x/gpu
 * matmul). Used for the dense reference systems (N <= 256), not in hot paths.
 * @throws ShapeError unless square; DomainError on non-finite entries.
 */
export function expm(a: Matrix): Matrix<Float64Array> {
  assertMatrix('expm', 'a', a);
  const n = a.rows;
  if (a.cols !== n) throw new ShapeError(`expm: a must be square, got ${a.rows}x${a.cols}`);
  let amax = 0;
  for (let i = 0; i < n * n; i++) {
    const v = a.data[i]!;
    if (!Number.isFinite(v)) throw new DomainError(`expm: a[${Math.floor(i / n)}, ${i % n}] is ${v}; inputs must be finite`);
    amax = Math.max(amax, Math.abs(v));
  }
  // ||a||_1 in log2 form (column sums of |a| / max|a|, so huge entries cannot overflow the sum).
  let rel = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a.data[i * n + j]!) / amax;
    rel = Math.max(rel, s);
  }
  const log2Norm = amax > 0 ? Math.log2(rel) + Math.log2(amax) : Number.NEGATIVE_INFINITY;
  const s = log2Norm > -1 ? Math.ceil(log2Norm + 1) : 0;
  const X = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) X[i] = ldexp(a.data[i]!, -s);
  const Xm: Matrix<Float64Array> = { rows: n, cols: n, data: X };
  // Horner: E = I + X (I + X/2 (I + X/3 (...)))
  const deg = 18;
  let E: Matrix<Float64Array> = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) E.data[i * n + i] = 1;
  for (let k = deg; k >= 1; k--) {
    const P = matmul(Xm, E) as Matrix<Float64Array>;
    const inv = 1 / k;
    for (let i = 0; i < n * n; i++) P.data[i] = P.data[i]! * inv;
    for (let i = 0; i < n; i++) P.data[i * n + i] = P.data[i * n + i]! + 1;
    E = P;
  }
  // Squaring on E = 2^c F with F kept near max |F| = 1, so an exponential beyond float64's range
  // comes out as Infinity (and exact zeros stay 0) instead of Infinity * 0 = NaN in the products.
  let c = 0;
  for (let k = 0; k < s; k++) {
    E = matmul(E, E) as Matrix<Float64Array>;
    c *= 2;
    let m = 0;
    for (let i = 0; i < n * n; i++) m = Math.max(m, Math.abs(E.data[i]!));
    if (m > 0 && (m > 2 ** 400 || m < 2 ** -400)) {
      const sh = -Math.round(Math.log2(m));
      for (let i = 0; i < n * n; i++) E.data[i] = ldexp(E.data[i]!, sh);
      c -= sh;
    }
  }
  if (c !== 0) for (let i = 0; i < n * n; i++) E.data[i] = ldexp(E.data[i]!, c);
  return E;
}

/** v 2^e for an integer e (0 stays 0; a result beyond float64's range is ±Infinity or ±0). */
function ldexp(v: number, e: number): number {
  if (v === 0) return 0;
  const h = Math.trunc(e / 2);
  if (Math.abs(h) > 1100) return e > 0 ? v * Number.POSITIVE_INFINITY : v * 0;
  return v * 2 ** h * 2 ** (e - h);
}
