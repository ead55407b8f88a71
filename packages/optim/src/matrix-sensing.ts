import { assertFinite, assertMatrix, DomainError, type Matrix, matmul, rng, ShapeError } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { svd } from '@x/linalg';
import { adjoint, type SensingOperator } from './sensing';
import { checkInt, checkNonNegative, checkOneOf } from './validate';

/** The one-step modification of Xiong, Ding & Du (sec. 5), as reconstructed here (see {@link matrixSensing}). */
export interface OneStepFix {
  /** Apply at this iteration (0-based)... */
  at?: number;
  /** ...or the first time the error ||F Gᵀ - M*||_F drops below this. */
  threshold?: number;
  /** The common singular value c given to F (default 0.5). */
  c?: number;
}

/** Options of {@link matrixSensing}. */
export interface MatrixSensingOptions {
  /** Symmetric X Xᵀ (default) or asymmetric F Gᵀ factorization. */
  mode?: 'symmetric' | 'asymmetric';
  /** Search rank k (over-parameterized when larger than rank(M*)). */
  k: number;
  /**
   * Initialization scale (default 0.1): entries of X_0 are alpha N(0, 1/n), so ||X_0||_2 is about
   * alpha; asymmetric F_0 = alpha N(0, 1/n), G_0 = (alpha/3) N(0, 1/n) (imbalanced).
   */
  alpha?: number;
  /** Step size (default 0.2). */
  eta?: number;
  /** Iterations (default 1000). */
  steps?: number;
  seed?: number;
  /** Explicit initial factors (n x k), overriding alpha and seed. */
  init?: { F: Matrix; G?: Matrix };
  /** Measurements; without them the population loss (A = identity) is used. */
  operator?: { A: SensingOperator; y: Float64Array };
  /** Asymmetric only: the one-step modification. */
  oneStep?: OneStepFix;
  onProgress?: (info: { fraction: number; step: number; error: number }) => void;
  signal?: AbortSignal;
}

/** Result of {@link matrixSensing}. */
export interface MatrixSensingResult {
  /** ||X_t X_tᵀ - M*||_F (or ||F_t G_tᵀ - M*||_F) for t = 0..steps. */
  error: Float64Array;
  /** Final factors (G only in asymmetric mode). */
  F: Matrix<Float64Array>;
  G?: Matrix<Float64Array>;
  /** Iteration at which the one-step fix ran (-1 when it did not). */
  fixedAt: number;
}

/**
 * Gradient descent for over-parameterized matrix sensing (Xiong, Ding & Du, "How
 * Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The Curses of Symmetry
 * and Initialization", ICLR 2024, arXiv 2310.01769):
 * - symmetric: f(X) = (1/4m) Σ (<A_i, X Xᵀ> - y_i)², X ∈ R^{n x k}, X_0 = alpha N(0, 1/n); k = r
 *   converges linearly, k > r only at rate Omega(1/T²) (their Thm. 1);
 * - asymmetric: f(F, G) = (1/2m) Σ (<A_i, F Gᵀ> - y_i)² with imbalanced F_0 = alpha N,
 *   G_0 = (alpha/3) N (entries scaled by 1/sqrt(n), a documented choice) converges linearly at a rate exp(-Omega(alpha² T)) (their Thm. 2);
 * - population loss (no `operator`): A = identity, so the residual is X Xᵀ - M* directly.
 * The paper's fix modifies one GD step once the iterates are near the optimum (their eq. 5.1,
 * not retrieved). Implemented here as a documented reconstruction with the paper's stated
 * mechanism (keep F Gᵀ, make F well conditioned): F = U Σ Vᵀ -> F <- c U Vᵀ,
 * G <- G V Σ Vᵀ / c, after which convergence no longer depends on alpha.
 * Complexity per iteration: O(n² k) (population) or O(m n²) (measurements).
 */
export function matrixSensing(target: Matrix, opts: MatrixSensingOptions): MatrixSensingResult {
  assertMatrix('matrixSensing', 'target', target);
  assertFinite('matrixSensing', 'target', target);
  if (opts === undefined) throw new DomainError('matrixSensing: options { k, steps, ... } are required');
  checkOptions('matrixSensing', opts, ['mode', 'k', 'alpha', 'eta', 'steps', 'seed', 'init', 'operator', 'oneStep', 'onProgress', 'signal']);
  const n = target.rows;
  if (target.cols !== n) throw new ShapeError(`matrixSensing: target must be square, got ${target.rows}x${target.cols}`);
  const mode = checkOneOf('matrixSensing', 'mode', opts.mode ?? 'symmetric', ['symmetric', 'asymmetric'] as const);
  const k = checkInt('matrixSensing', 'k', opts.k);
  if (k > n) throw new DomainError(`matrixSensing: rank k = ${k} exceeds n = ${n}`);
  const alpha = checkNonNegative('matrixSensing', 'alpha', opts.alpha ?? 0.1);
  const eta = checkNonNegative('matrixSensing', 'eta', opts.eta ?? 0.2);
  const steps = checkInt('matrixSensing', 'steps', opts.steps ?? 1000, 0);
  const fix = opts.oneStep;
  if (fix && mode !== 'asymmetric') throw new DomainError('matrixSensing: oneStep applies to the asymmetric mode only');
  const c = fix ? checkNonNegative('matrixSensing', 'oneStep.c', fix.c ?? 0.5, true) : 0;
  const op = opts.operator;
  if (op && (op.A.cols !== n * n || op.y.length !== op.A.rows)) {
    throw new ShapeError(`matrixSensing: operator must be m x ${n * n} with y of length m`);
  }
  const g = rng(opts.seed ?? 0);
  const F = new Float64Array(n * k);
  const a0 = alpha / Math.sqrt(n);
  for (let i = 0; i < F.length; i++) F[i] = a0 * g.normal();
  const sym = mode === 'symmetric';
  const G = sym ? F : new Float64Array(n * k);
  if (!sym) for (let i = 0; i < G.length; i++) G[i] = (a0 / 3) * g.normal();
  if (opts.init) {
    const { F: F0, G: G0 } = opts.init;
    if (F0.rows !== n || F0.cols !== k || (!sym && (!G0 || G0.rows !== n || G0.cols !== k))) {
      throw new ShapeError(`matrixSensing: init needs F${sym ? '' : ' and G'} of shape ${n}x${k}`);
    }
    F.set(F0.data);
    if (!sym && G0) G.set(G0.data);
  }
  const error = new Float64Array(steps + 1);
  let fixedAt = -1;
  const E = new Float64Array(n * n);
  const gF = new Float64Array(n * k);
  const gG = new Float64Array(n * k);
  const mAt = (M: Float64Array): Matrix<Float64Array> => ({ rows: n, cols: k, data: M });
  for (let t = 0; t <= steps; t++) {
    opts.signal?.throwIfAborted();
    const P = matmul(mAt(F), mAt(G), { transB: true }).data;
    let e = 0;
    for (let p = 0; p < n * n; p++) {
      const v = P[p]! - target.data[p]!;
      E[p] = v;
      e += v * v;
    }
    error[t] = Math.sqrt(e);
    if (!Number.isFinite(error[t]!)) {
      error.fill(Number.POSITIVE_INFINITY, t);
      break;
    }
    if (t === steps) break;
    if (fix && fixedAt < 0 && ((fix.at !== undefined && t === fix.at) || (fix.threshold !== undefined && error[t]! < fix.threshold))) {
      rebalance(F, G, n, k, c);
      fixedAt = t;
    }
    // Residual operator S: E (population) or (1/m) reshape(Aᵀ(A vec(F Gᵀ) - y)).
    let S: Float64Array = E;
    if (op) {
      const m = op.A.rows;
      const res = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        let s = -op.y[i]!;
        for (let p = 0; p < n * n; p++) s += op.A.data[i * n * n + p]! * P[p]!;
        res[i] = s / m;
      }
      S = adjoint(op.A, res, n);
    }
    if (sym) {
      // ∇f = (1/2)(S + Sᵀ) X
      const Ssym = new Float64Array(n * n);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) Ssym[a * n + b] = 0.5 * (S[a * n + b]! + S[b * n + a]!);
      const D = matmul({ rows: n, cols: n, data: Ssym }, mAt(F)).data;
      for (let i = 0; i < F.length; i++) F[i] = F[i]! - eta * D[i]!;
    } else {
      gF.set(matmul({ rows: n, cols: n, data: S }, mAt(G)).data);
      gG.set(matmul({ rows: n, cols: n, data: S }, mAt(F), { transA: true }).data);
      for (let i = 0; i < F.length; i++) {
        F[i] = F[i]! - eta * gF[i]!;
        G[i] = G[i]! - eta * gG[i]!;
      }
    }
    opts.onProgress?.({ fraction: (t + 1) / steps, step: t + 1, error: error[t]! });
  }
  return { error, F: mAt(F), ...(sym ? {} : { G: mAt(G) }), fixedAt };
}

/** F = U Σ Vᵀ -> F <- c U Vᵀ, G <- G V Σ Vᵀ / c (keeps F Gᵀ), in place. */
function rebalance(F: Float64Array, G: Float64Array, n: number, k: number, c: number): void {
  const { U, S, V } = svd({ rows: n, cols: k, data: F });
  const UVt = matmul(U, V, { transB: true }).data;
  const VS = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) VS[i * k + j] = V.data[i * k + j]! * S[j]!;
  const VSVt = matmul({ rows: k, cols: k, data: VS }, V, { transB: true });
  const Gn = matmul({ rows: n, cols: k, data: G }, VSVt).data;
  for (let i = 0; i < F.length; i++) {
    F[i] = c * UVt[i]!;
    G[i] = Gn[i]! / c;
  }
}
