import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkBoolean, checkNonNegative, checkOptions, describe } from '@x/gpu/checks';
import { eigh } from '@x/linalg';

/** Options of {@link nngpPosterior} and {@link ntkMeanPrediction}. */
export interface KernelRegressionOptions {
  /**
   * Diagonal regulariser λ added to the train-train kernel (default 0). Relative to the mean
   * diagonal (`λ · tr(K)/n`) unless `diagRegAbsolute` (neural-tangents' convention).
   */
  diagReg?: number;
  /** Treat `diagReg` as an absolute value (default false). */
  diagRegAbsolute?: boolean;
}

/** Options of {@link nngpPosterior}. */
export interface NngpPosteriorOptions extends KernelRegressionOptions {
  /** Test-test kernel; when given, the posterior covariance is returned too. */
  kTestTest?: Matrix;
}

/** Result of {@link nngpPosterior}. */
export interface NngpPosterior {
  /** Posterior mean at the test points, nTest x outputs. */
  mean: Matrix<Float64Array>;
  /** Posterior covariance nTest x nTest (shared by every output), or null without `kTestTest`. */
  cov: Matrix<Float64Array> | null;
}

/** Options of {@link ntkMeanPrediction}. */
export interface NtkPredictionOptions extends KernelRegressionOptions {
  /** Learning rate η (default 1); time enters as η t. */
  learningRate?: number;
}

/** Result of {@link ntkMeanPrediction}. */
export interface NtkPrediction {
  /** Mean outputs at the training points at time t, nTrain x outputs. */
  train: Matrix<Float64Array>;
  /** Mean outputs at the test points at time t, nTest x outputs. */
  test: Matrix<Float64Array>;
}

interface Eig {
  values: Float64Array;
  V: Matrix<Float64Array>;
}

function checkRegression(fn: string, kTrain: Matrix, kTestTrain: Matrix, y: Matrix, o: KernelRegressionOptions): number {
  assertMatrix(fn, 'kTrainTrain', kTrain);
  assertMatrix(fn, 'kTestTrain', kTestTrain);
  assertMatrix(fn, 'yTrain', y);
  const n = kTrain.rows;
  if (kTrain.cols !== n || n < 1) throw new ShapeError(`${fn}: kTrainTrain must be square and non-empty, got ${kTrain.rows}x${kTrain.cols}`);
  if (kTestTrain.cols !== n) throw new ShapeError(`${fn}: kTestTrain must have ${n} columns (one per training point), got ${kTestTrain.cols}`);
  if (y.rows !== n || y.cols < 1) throw new ShapeError(`${fn}: yTrain must be ${n} x outputs, got ${y.rows}x${y.cols}`);
  for (const [name, m] of [['kTrainTrain', kTrain], ['kTestTrain', kTestTrain], ['yTrain', y]] as const) {
    for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) throw new DomainError(`${fn}: ${name} contains NaN or Infinity`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = kTrain.data[i * n + j]!;
      const b = kTrain.data[j * n + i]!;
      if (Math.abs(a - b) > 1e-8 * (Math.abs(a) + Math.abs(b) + 1e-300)) throw new DomainError(`${fn}: kTrainTrain is not symmetric`);
    }
  }
  const reg = checkNonNegative(fn, 'diagReg', o.diagReg ?? 0);
  const abs = checkBoolean(fn, 'diagRegAbsolute', o.diagRegAbsolute ?? false);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += kTrain.data[i * n + i]!;
  return abs ? reg : (reg * tr) / n;
}

function regularisedEig(k: Matrix, lambda: number): Eig {
  const n = k.rows;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) a[i] = k.data[i]!;
  for (let i = 0; i < n; i++) a[i * n + i]! += lambda;
  const { values, vectors } = eigh({ rows: n, cols: n, data: a });
  return { values, V: vectors };
}

/** M · V diag(f) Vᵀ · Y for M m x n, V n x n, Y n x c. */
function spectralApply(M: Matrix | null, e: Eig, f: Float64Array, Y: Matrix): Matrix<Float64Array> {
  const n = e.values.length;
  const c = Y.cols;
  const V = e.V.data;
  // Z = diag(f) Vᵀ Y (n x c)
  const Z = new Float64Array(n * c);
  for (let k = 0; k < n; k++) {
    if (f[k] === 0) continue;
    for (let i = 0; i < n; i++) {
      const v = V[i * n + k]! * f[k]!;
      if (v === 0) continue;
      for (let j = 0; j < c; j++) Z[k * c + j]! += v * Y.data[i * c + j]!;
    }
  }
  // W = V Z (n x c)
  const W = new Float64Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const v = V[i * n + k]!;
    for (let j = 0; j < c; j++) W[i * c + j]! += v * Z[k * c + j]!;
  }
  if (M === null) return { rows: n, cols: c, data: W };
  const m = M.rows;
  const out = new Float64Array(m * c);
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) {
    const v = M.data[r * n + i]!;
    for (let j = 0; j < c; j++) out[r * c + j]! += v * W[i * c + j]!;
  }
  return { rows: m, cols: c, data: out };
}

function pseudoInverse(values: Float64Array, fn: string, name: string): Float64Array {
  const max = Math.max(...Array.from(values, Math.abs));
  const tol = values.length * 2.2e-16 * max;
  if (values[0]! < -Math.sqrt(2.2e-16) * max) throw new DomainError(`${fn}: ${name} has a negative eigenvalue ${values[0]!.toExponential(3)}; it is not a kernel matrix`);
  return values.map((v) => (v > tol ? 1 / v : 0));
}

/**
 * Exact Bayesian inference with the NNGP (neural-tangents' `predict.gp_inference`):
 * mean `K_*x (K + λI)⁻¹ Y` and, with `kTestTest`, covariance `K_** − K_*x (K + λI)⁻¹ K_x*`.
 * The solve goes through one symmetric eigendecomposition ({@link eigh} of `@x/linalg`), with
 * eigenvalues below n·eps·max treated as zero (a pseudo-inverse). O(n³ + n² (m + c)).
 * @throws ShapeError mismatched shapes; DomainError non-finite entries, an asymmetric or
 * indefinite train kernel, diagReg < 0, unknown option.
 */
export function nngpPosterior(kTrainTrain: Matrix, kTestTrain: Matrix, yTrain: Matrix, opts: NngpPosteriorOptions = {}): NngpPosterior {
  const fn = 'nngpPosterior';
  checkOptions(fn, opts, ['diagReg', 'diagRegAbsolute', 'kTestTest']);
  const lambda = checkRegression(fn, kTrainTrain, kTestTrain, yTrain, opts);
  const m = kTestTrain.rows;
  if (opts.kTestTest !== undefined) {
    assertMatrix(fn, 'kTestTest', opts.kTestTest);
    if (opts.kTestTest.rows !== m || opts.kTestTest.cols !== m) throw new ShapeError(`${fn}: kTestTest must be ${m}x${m}, got ${opts.kTestTest.rows}x${opts.kTestTest.cols}`);
    for (let i = 0; i < m * m; i++) if (!Number.isFinite(opts.kTestTest.data[i]!)) throw new DomainError(`${fn}: kTestTest contains NaN or Infinity`);
  }
  const e = regularisedEig(kTrainTrain, lambda);
  const inv = pseudoInverse(e.values, fn, 'kTrainTrain + λI');
  const mean = spectralApply(kTestTrain, e, inv, yTrain);
  if (opts.kTestTest === undefined) return { mean, cov: null };
  const n = kTrainTrain.rows;
  const kxt: Matrix = { rows: n, cols: m, data: new Float64Array(n * m) };
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) kxt.data[i * m + r] = kTestTrain.data[r * n + i]!;
  const red = spectralApply(kTestTrain, e, inv, kxt);
  const cov = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) cov[i * m + j] = opts.kTestTest.data[i * m + j]! - 0.5 * (red.data[i * m + j]! + red.data[j * m + i]!);
  return { mean, cov: { rows: m, cols: m, data: cov } };
}

/**
 * Mean prediction of an infinitely wide network trained by gradient flow on the MSE loss
 * `(1/(2·size(Y))) Σ (f − y)²` from f₀ = 0 (neural-tangents' `predict.gradient_descent_mse`
 * with zero initial outputs, i.e. the mean over initialisations): with τ = η t / size(Y) and
 * `Θ + λI = V diag(e) Vᵀ`,
 * `f_train(t) = V diag(1 − e^{−e τ}) Vᵀ Y` and `f_test(t) = Θ_*x V diag((1 − e^{−e τ})/e) Vᵀ Y`;
 * `t = 'infinity'` gives the kernel-regression limit `Θ_*x (Θ + λI)⁺ Y`. Negative rounding-level
 * eigenvalues count as zero (where the factor tends to τ). O(n³ + n² (m + c)).
 * @throws as {@link nngpPosterior}; DomainError t not finite >= 0 nor 'infinity', learningRate not finite > 0.
 */
export function ntkMeanPrediction(thetaTrainTrain: Matrix, thetaTestTrain: Matrix, yTrain: Matrix, t: number | 'infinity', opts: NtkPredictionOptions = {}): NtkPrediction {
  const fn = 'ntkMeanPrediction';
  checkOptions(fn, opts, ['diagReg', 'diagRegAbsolute', 'learningRate']);
  const lambda = checkRegression(fn, thetaTrainTrain, thetaTestTrain, yTrain, opts);
  if (t !== 'infinity' && (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t))) {
    throw new DomainError(`${fn}: t must be a finite number >= 0 or 'infinity', got ${describe(t)}`);
  }
  const lr = opts.learningRate ?? 1;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new DomainError(`${fn}: learningRate must be finite and > 0, got ${lr}`);
  const e = regularisedEig(thetaTrainTrain, lambda);
  if (t === 'infinity') {
    const inv = pseudoInverse(e.values, fn, 'thetaTrainTrain + λI');
    const proj = inv.map((v) => (v === 0 ? 0 : 1));
    return { train: spectralApply(null, e, proj, yTrain), test: spectralApply(thetaTestTrain, e, inv, yTrain) };
  }
  pseudoInverse(e.values, fn, 'thetaTrainTrain + λI');
  const tau = (lr * t) / yTrain.data.length;
  const ev = e.values.map((v) => Math.max(v, 0));
  const fTrain = ev.map((v) => -Math.expm1(-v * tau));
  const fTest = ev.map((v) => (v > 0 ? -Math.expm1(-v * tau) / v : tau));
  return { train: spectralApply(null, e, fTrain, yTrain), test: spectralApply(thetaTestTrain, e, fTest, yTrain) };
}
