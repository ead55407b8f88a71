import { DomainError, type Matrix, rng as makeRng } from '@x/gpu';
import { checkAborted, checkAlloc, checkFinite, checkFunction, checkPositive, checkMatrix, checkNonNegative, checkOptions, checkSeed, checkSteps } from '@x/gpu/checks';
import { Adam } from '@x/nn';
import { checkInt } from './complex';
import { hippoLegS } from './hippo';
import { linalgEig, linalgSolve } from './linalg-adapter';
import { spectralNorm } from './ptd';
import { yieldToEventLoop } from './yield';

/** Eigen-decomposition of a real matrix with V⁻¹ (both complex, split, row-major). */
function eigWithInverse(fn: string, A: Float64Array, N: number) {
  const { values, vectors } = linalgEig(fn, { rows: N, cols: N, data: A });
  const Vr = Float64Array.from(vectors.re.data);
  const Vi = Float64Array.from(vectors.im.data);
  const n2 = 2 * N;
  const M = new Float64Array(n2 * n2);
  const I = new Float64Array(n2 * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const r = Vr[i * N + j]!;
      const im = Vi[i * N + j]!;
      M[i * n2 + j] = r;
      M[i * n2 + N + j] = -im;
      M[(N + i) * n2 + j] = im;
      M[(N + i) * n2 + N + j] = r;
    }
    I[i * N + i] = 1;
  }
  const Y = linalgSolve(fn, { rows: n2, cols: n2, data: M }, { rows: n2, cols: N, data: I });
  const Wr = Y.data.slice(0, N * N) as Float64Array;
  const Wi = Y.data.slice(N * N, 2 * N * N) as Float64Array;
  return { lr: Float64Array.from(values.re), li: Float64Array.from(values.im), Vr, Vi, Wr: Float64Array.from(Wr), Wi: Float64Array.from(Wi) };
}

/**
 * Sum of squared eigenvalue condition numbers of a real matrix A, sum_j ||v_j||² ||w_j||²
 * (v_j: right eigenvectors, columns of V; w_j: rows of V⁻¹), and its gradient w.r.t. A.
 * This equals ||V⁻¹||_F² once V's columns are normalized, so it is a smooth surrogate for the
 * κ(V)² term of PTD's objective (PTD paper Sec. 4; the official code minimizes κ(V)² + λ||E||_F
 * by Adam through eig). Gradient by first-order eigenvector perturbation theory:
 * dV = V C, dV⁻¹ = -C V⁻¹, C_ij = (V⁻¹ dA V)_ij / (λ_j - λ_i) (i ≠ j), which gives
 * ∇_A = 2 Re(Mᵀ), M = V (G ∘ F)ᵀ V⁻¹ with F_ij = 1/(λ_j - λ_i) and
 * G_ij = ||w_j||² (v_j* v_i) - ||v_i||² (w_j w_i*). Requires distinct eigenvalues. O(N³).
 */
export function eigConditionLoss(A: Matrix): { loss: number; grad: Float64Array } {
  const fn = 'eigConditionLoss';
  checkMatrix(fn, 'A', A);
  checkFinite(fn, 'A', A);
  const N = A.rows;
  if (A.cols !== N) throw new DomainError(`${fn}: A must be square`);
  const { lr, li, Vr, Vi, Wr, Wi } = eigWithInverse(fn, Float64Array.from(A.data), N);
  const nv = new Float64Array(N);
  const nw = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < N; i++) {
      a += Vr[i * N + j]! ** 2 + Vi[i * N + j]! ** 2;
      b += Wr[j * N + i]! ** 2 + Wi[j * N + i]! ** 2;
    }
    nv[j] = a;
    nw[j] = b;
  }
  let loss = 0;
  for (let j = 0; j < N; j++) loss += nv[j]! * nw[j]!;
  // H = (G ∘ F)ᵀ, complex N x N
  const Hr = new Float64Array(N * N);
  const Hi = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      // v_j* v_i
      let pr = 0;
      let pi = 0;
      // w_j w_i*
      let qr = 0;
      let qi = 0;
      for (let k = 0; k < N; k++) {
        const ajr = Vr[k * N + j]!;
        const aji = -Vi[k * N + j]!;
        const air = Vr[k * N + i]!;
        const aii = Vi[k * N + i]!;
        pr += ajr * air - aji * aii;
        pi += ajr * aii + aji * air;
        const bjr = Wr[j * N + k]!;
        const bji = Wi[j * N + k]!;
        const bir = Wr[i * N + k]!;
        const bii = -Wi[i * N + k]!;
        qr += bjr * bir - bji * bii;
        qi += bjr * bii + bji * bir;
      }
      const gr = nw[j]! * pr - nv[i]! * qr;
      const gi = nw[j]! * pi - nv[i]! * qi;
      // F_ij = 1/(λ_j - λ_i)
      const dr = lr[j]! - lr[i]!;
      const di = li[j]! - li[i]!;
      const den = dr * dr + di * di;
      if (!(den > 0)) throw new DomainError(`${fn}: repeated eigenvalue; the gradient is undefined`);
      const fr = dr / den;
      const fi = -di / den;
      Hr[j * N + i] = gr * fr - gi * fi;
      Hi[j * N + i] = gr * fi + gi * fr;
    }
  }
  // M = V H V⁻¹
  const Tr = new Float64Array(N * N);
  const Ti = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < N; k++) {
      const ar = Vr[i * N + k]!;
      const ai = Vi[i * N + k]!;
      for (let j = 0; j < N; j++) {
        const br = Hr[k * N + j]!;
        const bi = Hi[k * N + j]!;
        Tr[i * N + j] = Tr[i * N + j]! + ar * br - ai * bi;
        Ti[i * N + j] = Ti[i * N + j]! + ar * bi + ai * br;
      }
    }
  }
  const grad = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < N; k++) {
      const ar = Tr[i * N + k]!;
      const ai = Ti[i * N + k]!;
      for (let j = 0; j < N; j++) {
        // M_ij += T_ik W_kj ; grad_ji = 2 Re M_ij
        grad[j * N + i] = grad[j * N + i]! + 2 * (ar * Wr[k * N + j]! - ai * Wi[k * N + j]!);
      }
    }
  }
  return { loss, grad };
}

/** Options of {@link ptdOptimize}. */
export interface PtdOptimizeOptions {
  /** Weight of ||E||_F in the objective (default 3e-3, the official code's default lambda). */
  gamma?: number;
  /** Adam steps (default 300). */
  steps?: number;
  /** Adam learning rate, > 0 (default 0.01). */
  lr?: number;
  /** Scale of the random initial E (entries uniform in [0, init)); default 0.1 as the official code. */
  init?: number;
  /** Seed of the random initial E (default 0). */
  seed?: number;
  /**
   * Keep ||E||_2 = norm fixed (projected Adam: E is rescaled after every step), so only the
   * direction of E is optimized for conditioning; the PTD error bound (2 ln N + 4) ||E||_2 then
   * stays fixed. Default: unconstrained (norm penalized by gamma).
   */
  norm?: number;
  /**
   * Called every 20 Adam steps and after the last one, with the fraction of the steps done, the
   * step count and the objective at that step (the last entry of `history` so far). The loop
   * yields to the event loop after each call, so a page can redraw. Reading the progress does not
   * change the result: the same options give the same `E` with or without a listener.
   */
  onProgress?: (info: PtdOptimizeProgress) => void;
  /** Aborts the optimization between steps: the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** What {@link PtdOptimizeOptions.onProgress} receives. */
export interface PtdOptimizeProgress {
  /** Steps done / steps, in (0, 1]. */
  fraction: number;
  /** Steps done. */
  step: number;
  /** Objective sum_j κ_j² + gamma ||E||_F at the last step done. */
  loss: number;
}

/**
 * Optimized PTD perturbation (PTD paper Sec. 4; official code AnnanYu/Approximate_Diagonal
 * `s4_PTD.py`): minimizes sum_j κ_j(A + E)² + gamma ||E||_F over real E with Adam, where κ_j are
 * the eigenvalue condition numbers ({@link eigConditionLoss}, a smooth stand-in for κ(V)²),
 * starting from a small random E. Pass the result to `ptdInit(N, { E })`. Streams its progress
 * through `onProgress` and stops on `signal` (see {@link PtdOptimizeOptions}).
 * @returns `{ E, history }` (objective per step).
 */
export async function ptdOptimize(N: number, opts: PtdOptimizeOptions = {}): Promise<{ E: Matrix<Float64Array>; history: number[] }> {
  const fn = 'ptdOptimize';
  checkInt(fn, 'N', N, 2);
  opts = checkOptions(fn, opts, ['gamma', 'steps', 'lr', 'init', 'seed', 'norm', 'onProgress', 'signal']);
  checkAborted(fn, opts.signal);
  checkAlloc(fn, 'E', N, N);
  const gamma = checkNonNegative(fn, 'gamma', opts.gamma ?? 3e-3);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 300);
  const lr = checkPositive(fn, 'lr', opts.lr ?? 0.01);
  if (opts.onProgress !== undefined) checkFunction(fn, 'onProgress', opts.onProgress);
  const r = makeRng(checkSeed(fn, 'seed', opts.seed ?? 0));
  const E = new Float64Array(N * N);
  const s0 = checkNonNegative(fn, 'init', opts.init ?? 0.1);
  for (let i = 0; i < N * N; i++) E[i] = r.uniform() * s0;
  const fixed = opts.norm === undefined ? undefined : checkPositive(fn, 'norm', opts.norm);
  const project = () => {
    if (fixed === undefined) return;
    const f = fixed / spectralNorm({ rows: N, cols: N, data: E });
    for (let i = 0; i < N * N; i++) E[i] = E[i]! * f;
  };
  project();
  const { A } = hippoLegS(N);
  const adam = new Adam({ lr });
  const gE = new Float64Array(N * N);
  const param = [{ name: 'E', value: E, grad: gE, shape: [N, N] }];
  const history: number[] = [];
  const At = new Float64Array(N * N);
  for (let s = 0; s < steps; s++) {
    checkAborted(fn, opts.signal);
    for (let i = 0; i < N * N; i++) At[i] = A.data[i]! + E[i]!;
    const { loss, grad } = eigConditionLoss({ rows: N, cols: N, data: At });
    let nE = 0;
    for (let i = 0; i < N * N; i++) nE += E[i]! ** 2;
    nE = Math.sqrt(nE);
    const obj = loss + gamma * nE;
    if (!Number.isFinite(obj)) throw new DomainError(`${fn}: objective is ${obj} at step ${s}`);
    history.push(obj);
    // Normalize the condition term's gradient by the loss (log-scale step: κ spans decades).
    for (let i = 0; i < N * N; i++) gE[i] = grad[i]! / loss + (gamma * (nE > 0 ? E[i]! / nE : 0)) / loss;
    adam.step(param);
    project();
    if (s % 20 === 19 || s === steps - 1) {
      opts.onProgress?.({ fraction: (s + 1) / steps, step: s + 1, loss: obj });
      await yieldToEventLoop();
    }
  }
  return { E: { rows: N, cols: N, data: E }, history };
}
