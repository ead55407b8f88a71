import { DomainError, type Matrix, rng } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { adjoint, checkSensing, type SensingOperator } from './sensing';
import { checkInt, checkNonNegative, checkOneOf, checkUnit } from './validate';

/** Options of {@link subgm}. */
export interface SubgmOptions {
  /** Side length d of the d x d matrix to recover. */
  d: number;
  /** Search rank r' (over-parameterized when larger than the true rank). */
  rank: number;
  /** Initialization scale alpha: U_0 = alpha B, B i.i.d. N(0, 1) (default 1e-3). */
  alpha?: number;
  /** Initial step eta_0 (default 0.3). */
  eta0?: number;
  /** Geometric decay rho: eta_t = eta_0 rho^t (default 0.99). */
  rho?: number;
  /** Iterations (default 600). */
  steps?: number;
  /** 'l1' (SubGM, default) or 'l2' (plain gradient descent on the squared loss, the baseline). */
  loss?: 'l1' | 'l2';
  /** Seed of B (default 0). */
  seed?: number;
  /** Explicit U_0 (d x r'), overriding alpha and seed. */
  init?: Matrix;
  /** X* if known: the error ||U Uᵀ - X*||_F is recorded per iteration. */
  truth?: Matrix;
  onProgress?: (info: { fraction: number; step: number; error?: number }) => void;
  signal?: AbortSignal;
}

/** Result of {@link subgm}. */
export interface SubgmResult {
  /** Final factor U (d x r'). */
  U: Matrix<Float64Array>;
  /** ||U_t U_tᵀ - X*||_F for t = 0..steps (when `truth` was given; Infinity after a divergence). */
  error: Float64Array;
  /** The loss f(U_t), t = 0..steps. */
  loss: Float64Array;
  /** True when the iterates overflowed (the l2 baseline under outliers). */
  diverged: boolean;
}

/**
 * Sub-gradient method for robust over-parameterized matrix recovery (Ma & Fattahi, "Global
 * Convergence of Sub-gradient Method for Robust Matrix Recovery: Small Initialization, Noisy
 * Measurements, and Over-parameterization", JMLR 2023 / arXiv 2202.08788, Alg. 1):
 * minimize f(U) = (1/m) Σ |<A_i, U Uᵀ> - y_i| with U_0 = alpha B (small alpha), and
 * U_{t+1} = U_t - eta_0 rho^t ∂f(U_t), ∂f(U) = (1/m) Σ sign(r_i)(A_i + A_iᵀ) U. The geometric
 * decay is needed because the l1 sub-gradient does not vanish at the solution.
 * Documented choices (the paper's exact step-size constants were not retrieved): eta_t =
 * eta_0 rho^t, B Gaussian. `loss: 'l2'` runs the same iteration on (1/2m) Σ r_i² (the baseline
 * that outliers break).
 * Complexity: O(m d² + d² r') per iteration.
 */
export function subgm(A: SensingOperator, y: Float64Array, opts: SubgmOptions): SubgmResult {
  if (opts === undefined) throw new DomainError('subgm: options { d, rank, ... } are required');
  checkOptions('subgm', opts, ['d', 'rank', 'alpha', 'eta0', 'rho', 'steps', 'loss', 'seed', 'init', 'truth', 'onProgress', 'signal']);
  const d = checkInt('subgm', 'd', opts.d);
  checkSensing('subgm', A, y, d);
  const r = checkInt('subgm', 'rank', opts.rank);
  const alpha = checkNonNegative('subgm', 'alpha', opts.alpha ?? 1e-3);
  const eta0 = checkNonNegative('subgm', 'eta0', opts.eta0 ?? 0.3);
  const rho = checkUnit('subgm', 'rho', opts.rho ?? 0.99, 0, 1.0000001);
  const steps = checkInt('subgm', 'steps', opts.steps ?? 600, 0);
  const loss = checkOneOf('subgm', 'loss', opts.loss ?? 'l1', ['l1', 'l2'] as const);
  const truth = opts.truth;
  if (truth && (truth.rows !== d || truth.cols !== d)) throw new DomainError(`subgm: truth must be ${d}x${d}`);
  const m = A.rows;
  const n = d * d;
  const U = new Float64Array(d * r);
  const g = rng(opts.seed ?? 0);
  if (opts.init) {
    if (opts.init.rows !== d || opts.init.cols !== r) throw new DomainError(`subgm: init must be ${d}x${r}`);
    U.set(opts.init.data);
  } else {
    for (let i = 0; i < U.length; i++) U[i] = alpha * g.normal();
  }
  const X = new Float64Array(n);
  const res = new Float64Array(m);
  const w = new Float64Array(m);
  const grad = new Float64Array(d * r);
  const error = new Float64Array(steps + 1);
  const lossH = new Float64Array(steps + 1);
  let diverged = false;
  let eta = eta0;
  for (let t = 0; t <= steps; t++) {
    opts.signal?.throwIfAborted();
    // X = U Uᵀ
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += U[a * r + k]! * U[b * r + k]!;
        X[a * d + b] = s;
        X[b * d + a] = s;
      }
    }
    let f = 0;
    for (let i = 0; i < m; i++) {
      let s = -y[i]!;
      const off = i * n;
      for (let p = 0; p < n; p++) s += A.data[off + p]! * X[p]!;
      res[i] = s;
      f += loss === 'l1' ? Math.abs(s) : 0.5 * s * s;
      w[i] = loss === 'l1' ? Math.sign(s) / m : s / m;
    }
    lossH[t] = f / m;
    if (truth) {
      let e = 0;
      for (let p = 0; p < n; p++) e += (X[p]! - truth.data[p]!) ** 2;
      error[t] = Math.sqrt(e);
    }
    if (!Number.isFinite(f) || (truth && !Number.isFinite(error[t]!))) {
      diverged = true;
      error.fill(Number.POSITIVE_INFINITY, t);
      lossH.fill(Number.POSITIVE_INFINITY, t);
      break;
    }
    if (t === steps) break;
    const S = adjoint(A, w, d);
    // grad = (S + Sᵀ) U
    for (let a = 0; a < d; a++) {
      for (let k = 0; k < r; k++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += (S[a * d + b]! + S[b * d + a]!) * U[b * r + k]!;
        grad[a * r + k] = s;
      }
    }
    for (let i = 0; i < U.length; i++) U[i] = U[i]! - eta * grad[i]!;
    eta *= rho;
    opts.onProgress?.({ fraction: (t + 1) / steps, step: t + 1, ...(truth ? { error: error[t]! } : {}) });
  }
  return { U: { rows: d, cols: r, data: U }, error, loss: lossH, diverged };
}
