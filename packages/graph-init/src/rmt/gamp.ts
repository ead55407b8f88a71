import { DomainError, type Matrix, matmul, type Rng } from '@x/gpu';
import {
  checkAborted,
  checkAlloc,
  checkFinite,
  checkFunction,
  checkNonNegative,
  checkOptions,
  checkPositive,
  checkRng,
  checkShape,
  checkSize,
  checkSteps,
  checkUnit,
  checkVector,
  describe,
} from '@x/gpu/checks';
import { rieDenoise } from './rie';
import { denoisingMmse } from './spectrum';

/** A planted instance of the quadratic-network regression of Maillard et al. (2024). */
export interface QuadraticTeacherData {
  D: number;
  kappa: number;
  /** The target S = WWᵀ/√(mD) (D x D, O(1) spectrum). */
  S: Matrix<Float64Array>;
  /** n x D inputs, rows x_μ ~ N(0, I). */
  X: Matrix<Float64Array>;
  /** y_μ = Tr[(x xᵀ − I) S*]/D + √Δ ξ_μ, S* = √D S. */
  y: Float64Array;
  delta: number;
}

/**
 * Samples n = round(αD²) observations of `y = Tr[(xxᵀ − I)S*]/D + √Δ ξ` with `S* = WWᵀ/√m`,
 * W ∈ R^{D×m}, m = round(κD), x ~ N(0, I) (Maillard et al. 2024, eq. 1; spec §9a).
 */
export function quadraticTeacher(D: number, kappa: number, alpha: number, delta: number, opts: { seed?: number | Rng } = {}): QuadraticTeacherData {
  const fn = 'quadraticTeacher';
  checkSize(fn, 'D', D, 2);
  checkPositive(fn, 'kappa', kappa);
  checkPositive(fn, 'alpha', alpha);
  checkNonNegative(fn, 'delta', delta);
  checkOptions(fn, opts, ['seed']);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  const m = Math.max(1, Math.round(kappa * D));
  const n = Math.max(1, Math.round(alpha * D * D));
  checkAlloc(fn, 'W', D, m);
  checkAlloc(fn, 'X', n, D);
  const W = { rows: D, cols: m, data: r.fillNormal(new Float64Array(D * m)) };
  const S = matmul(W, W, { transB: true }) as Matrix<Float64Array>;
  const sc = 1 / Math.sqrt(m * D);
  for (let i = 0; i < S.data.length; i++) S.data[i]! *= sc;
  const X = { rows: n, cols: D, data: r.fillNormal(new Float64Array(n * D)) };
  const y = new Float64Array(n);
  const SX = matmul(X, S) as Matrix<Float64Array>;
  let trS = 0;
  for (let i = 0; i < D; i++) trS += S.data[i * D + i]!;
  for (let u = 0; u < n; u++) {
    // Tr[(xxᵀ − I)S*]/D = (xᵀSx − Tr S)/√D
    let q = 0;
    for (let i = 0; i < D; i++) q += SX.data[u * D + i]! * X.data[u * D + i]!;
    y[u] = (q - trS) / Math.sqrt(D) + Math.sqrt(delta) * r.normal();
  }
  return { D, kappa, S, X, y, delta };
}

/** Options of {@link gampRie}. */
export interface GampRieOptions {
  /** Damping of V and ω (default 0.5). */
  damping?: number;
  /** Iteration budget (default 300). */
  maxIter?: number;
  /** Stop when ‖Ŝ_{t+1} − Ŝ_t‖²_F/D < tol (default 1e-5). */
  tol?: number;
  /** Grid size for the denoising MMSE integral (default 1000). */
  gridPoints?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (info: { iteration: number; error: number }) => void;
}

/** Result of {@link gampRie}. */
export interface GampRieResult {
  /** Final estimate Ŝ (D x D, O(1) normalisation). */
  S: Matrix<Float64Array>;
  /** Error ‖Ŝ − S‖²_F/D (= ‖√D Ŝ − S*‖²_F/D²) per iteration. */
  errors: number[];
  iterations: number;
  converged: boolean;
}

/**
 * GAMP-RIE for the extensive-width quadratic network (Maillard, Troiani, Martin, Krzakala &
 * Zdeborová 2024, Alg. 1; spec §9a): generalised AMP whose matrix denoiser is the RIE with the
 * Wishart prior. With `uX_μ = (x_μ x_μᵀ − I)/√D`: V ← Ĉ; ω ← ⟨uX_μ, Ŝ⟩ − g_out·V (damped);
 * g_out = (y − ω)/(Δ + V); A = 2α·mean(g_out²); R = Ŝ + (1/(AD)) Σ_μ g_out,μ uX_μ;
 * Ŝ ← RIE(R, Δ_eff = 1/(2A)); Ĉ = 2·MMSE_den(Δ_eff). Per iteration O(n D² + D³).
 * V and ω are damped; init Ŝ = a random Wishart matrix/√D, V = ω = Ĉ = 10 (as the reference
 * notebook AMP.ipynb of SPOC-group/ExtensiveWidthQuadraticSamples).
 */
export function gampRie(data: QuadraticTeacherData, opts: GampRieOptions = {}): GampRieResult {
  const fn = 'gampRie';
  if (data === null || typeof data !== 'object') throw new DomainError(`${fn}: data must be a QuadraticTeacherData, got ${describe(data)}`);
  const D = checkSize(fn, 'data.D', data.D, 2);
  const kappa = checkPositive(fn, 'data.kappa', data.kappa);
  const delta = checkNonNegative(fn, 'data.delta', data.delta);
  const S = checkShape(fn, 'data.S', data.S, D, D);
  checkFinite(fn, 'data.S', S);
  const X = checkShape(fn, 'data.X', data.X, undefined, D);
  checkFinite(fn, 'data.X', X);
  const y = checkVector(fn, 'data.y', data.y, X.rows);
  const n = X.rows;
  checkAlloc(fn, 'the lifted inputs', n, D, D);
  checkOptions(fn, opts, ['damping', 'maxIter', 'tol', 'gridPoints', 'seed', 'signal', 'onProgress']);
  const damp = checkUnit(fn, 'damping', opts.damping ?? 0.5, 0, 1, '[)');
  const maxIter = checkSteps(fn, 'maxIter', opts.maxIter ?? 300);
  const tol = checkNonNegative(fn, 'tol', opts.tol ?? 1e-5);
  const grid = checkSize(fn, 'gridPoints', opts.gridPoints ?? 1000, 2);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  if (opts.onProgress !== undefined) checkFunction(fn, 'onProgress', opts.onProgress);
  checkAborted(fn, opts.signal);
  const alpha = n / (D * D);
  // uX as an n x D² matrix.
  const U = new Float64Array(n * D * D);
  const sd = 1 / Math.sqrt(D);
  for (let u = 0; u < n; u++) {
    const o = u * D * D;
    for (let i = 0; i < D; i++) {
      const xi = X.data[u * D + i]!;
      for (let j = 0; j < D; j++) U[o + i * D + j] = (xi * X.data[u * D + j]! - (i === j ? 1 : 0)) * sd;
    }
  }
  const Um = { rows: n, cols: D * D, data: U };
  const m = Math.max(1, Math.round(kappa * D));
  checkAlloc(fn, 'W0', D, m);
  const W0 = { rows: D, cols: m, data: r.fillNormal(new Float64Array(D * m)) };
  let Shat = matmul(W0, W0, { transB: true }) as Matrix<Float64Array>;
  for (let i = 0; i < Shat.data.length; i++) Shat.data[i]! /= Math.sqrt(m * D);
  let Chat = 10;
  let V = 10;
  const omega = new Float64Array(n).fill(10);
  const g = new Float64Array(n);
  const errors: number[] = [];
  const err = (A: Float64Array) => {
    let s = 0;
    for (let i = 0; i < A.length; i++) s += (A[i]! - S.data[i]!) ** 2;
    return s / D;
  };
  let converged = false;
  let it = 0;
  for (; it < maxIter; it++) {
    checkAborted(fn, opts.signal);
    // Onsager term with the previous g_out = (y − ω_{t−1})/(Δ + V_{t−1}); then damp V and ω.
    const newV = Chat;
    const proj = matmul(Um, { rows: D * D, cols: 1, data: Shat.data }).data;
    for (let u = 0; u < n; u++) {
      const gPrev = (y[u]! - omega[u]!) / (delta + V);
      omega[u] = damp * omega[u]! + (1 - damp) * (proj[u]! - gPrev * newV);
    }
    V = damp * V + (1 - damp) * newV;
    let g2 = 0;
    for (let u = 0; u < n; u++) {
      g[u] = (y[u]! - omega[u]!) / (delta + V);
      g2 += g[u]! * g[u]!;
    }
    // A = 2α·mean(g²): the factor 2 of symmetric matrices (spec §9a).
    const A = (2 * alpha * g2) / n;
    if (!(A > 0) || !Number.isFinite(A)) break;
    const back = matmul({ rows: 1, cols: n, data: g }, Um).data;
    const R = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        // Symmetrise against rounding before the eigen-decomposition.
        const v = Shat.data[i * D + j]! + (back[i * D + j]! + back[j * D + i]!) / (2 * A * D);
        R[i * D + j] = v;
        R[j * D + i] = v;
      }
    }
    const deff = 1 / (2 * A);
    // A tiny floor keeps the cubic non-degenerate once the estimate is nearly exact.
    const den = rieDenoise({ rows: D, cols: D, data: R }, { delta: deff + 1e-6, kappa });
    let change = 0;
    for (let i = 0; i < D * D; i++) change += (den.data[i]! - Shat.data[i]!) ** 2;
    Shat = den;
    Chat = 2 * denoisingMmse(kappa, deff, grid);
    errors.push(err(den.data));
    opts.onProgress?.({ iteration: it, error: errors[errors.length - 1]! });
    if (change / D < tol) {
      converged = true;
      it++;
      break;
    }
  }
  return { S: Shat, errors, iterations: it, converged };
}
