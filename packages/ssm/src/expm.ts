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
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a.data[i * n + j]!);
    if (!Number.isFinite(s)) throw new DomainError('expm: a has non-finite entries');
    norm = Math.max(norm, s);
  }
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scale = 2 ** -s;
  const X = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) X[i] = a.data[i]! * scale;
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
  for (let k = 0; k < s; k++) E = matmul(E, E) as Matrix<Float64Array>;
  return E;
}
