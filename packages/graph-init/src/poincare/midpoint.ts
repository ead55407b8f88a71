import { assertMatrix, ConvergenceError, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkInt, checkOptions, checkPositive, checkVector } from '@x/gpu/checks';
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

/** Options of {@link poincareFrechetMean}. */
export interface PoincareFrechetMeanOptions {
  /** Non-negative weights, one per row (default 1). */
  weights?: ArrayLike<number>;
  /** Stop when the Riemannian gradient norm ‖(1/Σw) Σ w_i log_μ x_i‖ falls below this (default 1e-12). */
  tol?: number;
  /** Iteration cap (default 200). */
  maxIter?: number;
}

/**
 * Weighted Fréchet (Karcher) mean of the rows of X on the Poincaré ball: the minimiser of
 * Σ w_i d(μ, x_i)², found by the Karcher flow `μ ← exp_μ((1/Σw) Σ w_i log_μ x_i)` started at the
 * gyromidpoint ({@link poincareMidpoint}), which it refines (Lou et al. 2020, "Differentiating
 * through the Fréchet mean"; the paper's code offers it as the alternative to the midpoint in
 * batch norm). The ball is a Hadamard manifold, so the minimiser is unique. O(iterations · n d).
 * @throws ShapeError X without rows, weights of another length; DomainError c not finite > 0,
 * non-finite entries, a row outside the ball, negative or all-zero weights, bad options;
 * ConvergenceError when maxIter steps do not reach tol.
 */
export function poincareFrechetMean(X: Matrix, c: number, opts: PoincareFrechetMeanOptions = {}): { mean: Float64Array; iterations: number } {
  const fn = 'poincareFrechetMean';
  assertMatrix(fn, 'X', X);
  checkPositive(fn, 'c', c);
  checkOptions(fn, opts, ['weights', 'tol', 'maxIter']);
  if (X.rows < 1) throw new ShapeError(`${fn}: X has no rows`);
  checkFinite(fn, 'X', X);
  const tol = checkPositive(fn, 'tol', opts.tol ?? 1e-12);
  const maxIter = checkInt(fn, 'maxIter', opts.maxIter ?? 200, 1, 1e6);
  const d = X.cols;
  const w = opts.weights === undefined ? new Float64Array(X.rows).fill(1) : Float64Array.from(checkVector(fn, 'weights', opts.weights, X.rows));
  let W = 0;
  for (const v of w) {
    if (!(v >= 0)) throw new DomainError(`${fn}: weights must be >= 0, got ${v}`);
    W += v;
  }
  if (!(W > 0)) throw new DomainError(`${fn}: weights must not all be zero`);
  const rows: Float64Array[] = [];
  for (let i = 0; i < X.rows; i++) {
    const x = Float64Array.from(X.data.subarray(i * d, (i + 1) * d));
    let r = 0;
    for (const v of x) r += v * v;
    if (!(c * r < 1)) throw new DomainError(`${fn}: row ${i} of X is outside the Poincaré ball (c‖x‖² = ${c * r}, must be < 1)`);
    rows.push(x);
  }
  let mu = poincareMidpoint(X, c, w);
  let res = Number.POSITIVE_INFINITY;
  for (let it = 1; it <= maxIter; it++) {
    const g = new Float64Array(d);
    for (let i = 0; i < rows.length; i++) {
      const l = logMap(mu, rows[i]!, c);
      for (let j = 0; j < d; j++) g[j]! += (w[i]! / W) * l[j]!;
    }
    let gn = 0;
    for (const v of g) gn += v * v;
    // The Riemannian norm of the step: λ_μ ‖g‖.
    let m2 = 0;
    for (const v of mu) m2 += v * v;
    res = (2 / (1 - c * m2)) * Math.sqrt(gn);
    if (res < tol) return { mean: mu, iterations: it - 1 };
    mu = expMap(mu, g, c);
  }
  throw new ConvergenceError(`${fn}: the Karcher flow did not reach tol = ${tol} in ${maxIter} steps`, res, maxIter);
}
