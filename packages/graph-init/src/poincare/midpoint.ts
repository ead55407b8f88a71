import { assertMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkOptions, checkPositive, checkVector } from '@x/gpu/checks';
import { expMapRaw as expMap, expMap0Raw as expMap0, logMapRaw as logMap, parallelTransportRaw as parallelTransport, poincareDistanceRaw as poincareDistance } from './ball';

/**
 * Poincaré (gyro)midpoint of the rows of X (Ungar 2010; Shimizu et al. 2021, eq. 15):
 * `f = Σ w_i λ_i x_i / Σ w_i (λ_i − 1)`, `m = f/(1 + √(1 − c‖f‖²))`, λ_i = 2/(1 − c‖x_i‖²).
 * Optional non-negative weights (default 1). Gyro-covariant: m(d ⊕ X) = d ⊕ m(X). O(n d).
 */
export function poincareMidpoint(X: Matrix, c: number, weights?: ArrayLike<number>): Float64Array {
  const fn = 'poincareMidpoint';
  assertMatrix(fn, 'X', X);
  checkPositive(fn, 'c', c);
  if (X.rows < 1) throw new ShapeError(`${fn}: X has no rows`);
  if (weights !== undefined) checkVector(fn, 'weights', weights, X.rows);
  const d = X.cols;
  const f = new Float64Array(d);
  let den = 0;
  for (let i = 0; i < X.rows; i++) {
    let x2 = 0;
    for (let j = 0; j < d; j++) x2 += X.data[i * d + j]! ** 2;
    const lam = 2 / (1 - c * x2);
    const wi = weights ? weights[i]! : 1;
    for (let j = 0; j < d; j++) f[j]! += wi * lam * X.data[i * d + j]!;
    den += wi * (lam - 1);
  }
  let f2 = 0;
  for (let j = 0; j < d; j++) {
    f[j]! /= den;
    f2 += f[j]! ** 2;
  }
  const s = 1 / (1 + Math.sqrt(Math.max(0, 1 - c * f2)));
  for (let j = 0; j < d; j++) f[j]! *= s;
  return f;
}

/** Options of {@link poincareBatchNorm}. */
export interface PoincareBatchNormOptions {
  /** Target variance γ (scalar, > 0; default 1). */
  gamma?: number;
  /** Tangent bias at the origin; the target mean is β = exp_0(bias) (default 0). */
  bias?: Float64Array;
}

/**
 * Poincaré midpoint batch normalisation (van Spengler et al., "Poincaré ResNet", §4.2; hypll
 * PR#9): μ = midpoint(batch), σ² = mean d(x_i, μ)², and each row becomes
 * `exp_β(√(γ/(σ² + 1e−6)) · PT_{μ→β}(log_μ x_i))`, β = exp_0(bias). Distances to β are the
 * distances to μ scaled by √(γ/(σ²+1e−6)), so the output's mean squared distance to β is
 * γσ²/(σ²+1e−6). Forward only. O(n d).
 */
export function poincareBatchNorm(X: Matrix, c: number, opts: PoincareBatchNormOptions = {}): { Y: Matrix<Float64Array>; mean: Float64Array; variance: number } {
  const fn = 'poincareBatchNorm';
  assertMatrix(fn, 'X', X);
  checkPositive(fn, 'c', c);
  checkOptions(fn, opts, ['gamma', 'bias']);
  const d = X.cols;
  const gamma = checkPositive(fn, 'gamma', opts.gamma ?? 1);
  const bias = opts.bias === undefined ? new Float64Array(d) : Float64Array.from(checkVector(fn, 'bias', opts.bias, d));
  const mu = poincareMidpoint(X, c);
  const rows: Float64Array[] = [];
  let v = 0;
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.slice(i * d, (i + 1) * d) as Float64Array;
    const xi = Float64Array.from(x);
    rows.push(xi);
    v += poincareDistance(mu, xi, c) ** 2;
  }
  v /= X.rows;
  const beta = expMap0(bias, c);
  const s = Math.sqrt(gamma / (v + 1e-6));
  const out = new Float64Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) {
    const t = parallelTransport(mu, beta, logMap(mu, rows[i]!, c), c);
    for (let j = 0; j < d; j++) t[j]! *= s;
    out.set(expMap(beta, t, c), i * d);
  }
  return { Y: { rows: X.rows, cols: d, data: out }, mean: mu, variance: v };
}
