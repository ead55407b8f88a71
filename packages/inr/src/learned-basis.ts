import { type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkAborted, checkAlloc, checkFinite, checkInt, checkMatrix, checkPositive, checkRng, checkSize, checkSteps, checkVector } from '@x/gpu/checks';
import { Adam, type Module } from '@x/nn';
import { qr } from '@x/linalg';
import { checkLoopOptions, checkModule } from './internal-checks';
import { nestedReconstructionLoss } from './nested-loss';

/**
 * `count` Gaussian RBF probes f_c(x) = exp(−‖x − c‖²/(2σ²)) at centres c drawn from the points
 * themselves: an N x count matrix (one of the probe families of "Learning Eigenstructures of
 * Unstructured Data Manifolds"). O(N count D).
 */
export function rbfProbes(points: Matrix, count: number, sigma: number, g: Rng): Matrix<Float64Array> {
  return probes('rbfProbes', points, count, sigma, g);
}

/** {@link rbfProbes} with `fn` naming the caller in errors. */
function probes(fn: string, points: Matrix, count: number, sigma: number, g: Rng): Matrix<Float64Array> {
  checkMatrix(fn, 'points', points);
  checkFinite(fn, 'points', points);
  if (points.rows < 1) throw new ShapeError(`${fn}: points is empty`);
  checkSize(fn, 'probes', count);
  checkAlloc(fn, 'the probes', points.rows, count);
  checkPositive(fn, 'sigma', sigma);
  checkRng(fn, 'g', g);
  const n = points.rows;
  const d = points.cols;
  const p = points.data;
  const out = new Float64Array(n * count);
  for (let c = 0; c < count; c++) {
    const ci = g.int(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (p[i * d + t]! - p[ci * d + t]!) ** 2;
      out[i * count + c] = Math.exp(-s / (2 * sigma * sigma));
    }
  }
  return { rows: n, cols: count, data: out };
}

/** Options of {@link fitLearnedBasis}. */
export interface FitLearnedBasisOptions {
  steps: number;
  /** Adam step size (default 1e-3, as the reference). */
  lr?: number;
  /** Probes per step (default 64). */
  probes?: number;
  /** RBF width σ (default 0.5). */
  sigma?: number;
  /** Vertex weights (default 1/N each). */
  weights?: ArrayLike<number>;
  seed?: number;
  onProgress?: (info: { step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/**
 * Trains a network Φ_θ: R^D → R^K (any @x/nn module) so that its outputs on `points` minimise
 * the nested reconstruction loss ({@link nestedReconstructionLoss}) of fresh RBF probes each
 * step, with Adam ("Learning Eigenstructures of Unstructured Data Manifolds", the learned
 * eigenbasis). Returns the loss curve. O(steps · (network cost + N K (K + P))).
 * @throws DomainError when `steps` is not an integer in [1, MAX_STEPS]; ShapeError when `points` is not a Matrix.
 */
export function fitLearnedBasis(model: Module, points: Matrix, opts: FitLearnedBasisOptions): { loss: number[] } {
  const fn = 'fitLearnedBasis';
  checkModule(fn, 'model', model);
  checkLoopOptions(fn, opts, ['steps', 'lr', 'probes', 'sigma', 'weights', 'seed', 'onProgress', 'signal'], true);
  checkSteps(fn, 'steps', opts.steps, 1);
  const n = checkMatrix(fn, 'points', points).rows;
  const w = opts.weights === undefined ? new Float64Array(n).fill(1 / n) : checkVector(fn, 'weights', opts.weights, n);
  const g = checkRng(fn, 'seed', opts.seed ?? 0);
  const count = checkSize(fn, 'probes', opts.probes ?? 64, 1);
  const sigma = checkPositive(fn, 'sigma', opts.sigma ?? 0.5);
  const opt = new Adam({ lr: opts.lr ?? 1e-3 });
  const params = model.parameters();
  const loss: number[] = [];
  for (let t = 0; t < opts.steps; t++) {
    checkAborted(fn, opts.signal);
    const F = probes(fn, points, count, sigma, g);
    model.zeroGrad();
    const phi = model.forward(points);
    const r = nestedReconstructionLoss(phi, F, w);
    loss.push(r.value);
    model.backward(r.grad);
    opt.step(params);
    if (opts.onProgress && (t % 50 === 0 || t === opts.steps - 1)) opts.onProgress({ step: t, loss: r.value });
  }
  return { loss };
}

/** Options of {@link fitNestedBasis}. */
export interface FitNestedBasisOptions {
  /** Iterations (default 300). */
  steps?: number;
  /** Step size relative to 1 / (K · mean_p ‖f_p‖²) (default 0.5). */
  lr?: number;
  seed?: number;
  onProgress?: (info: { step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/**
 * Free-basis form of the learned eigenstructure: minimises the nested reconstruction loss over
 * an N x K matrix Φ (uniform weights) by gradient steps with a QR retraction, Φ ← qr(Φ − η∇).Q
 * ("Learning Eigenstructures of Unstructured Data Manifolds" with the network replaced by Φ
 * itself; Absil, Mahony & Sepulchre 2008, §4.1 retractions). With probes F the minimiser is the
 * top-K eigenvectors of F Fᵀ in order. O(steps · N K (K + P)).
 * @throws DomainError when `steps` is not an integer in [0, MAX_STEPS] or `k` is out of range; ShapeError when `probes` is not a Matrix.
 */
export function fitNestedBasis(probes: Matrix, k: number, opts: FitNestedBasisOptions = {}): { basis: Matrix<Float64Array>; loss: number[] } {
  const fn = 'fitNestedBasis';
  const n = checkMatrix(fn, 'probes', probes).rows;
  checkFinite(fn, 'probes', probes);
  checkInt(fn, 'k', k, 1, n);
  checkLoopOptions(fn, opts, ['steps', 'lr', 'seed', 'onProgress', 'signal'], false);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 300);
  const lr = checkPositive(fn, 'lr', opts.lr ?? 0.5);
  const w = new Float64Array(n).fill(1);
  // ‖∇‖ ≤ 2K λmax(FFᵀ/P) ≤ 2K mean_p ‖f_p‖²: steps below 1/(K mean‖f‖²) are stable.
  let scale = 0;
  for (let i = 0; i < probes.data.length; i++) scale += probes.data[i]! ** 2;
  scale /= probes.cols;
  const eta = lr / (k * Math.max(scale, 1e-300));
  const g = checkRng(fn, 'seed', opts.seed ?? 0);
  let phi: Matrix<Float64Array> = qr({ rows: n, cols: k, data: g.fillNormal(new Float64Array(n * k)) }).Q;
  const loss: number[] = [];
  for (let t = 0; t < steps; t++) {
    checkAborted(fn, opts.signal);
    const r = nestedReconstructionLoss(phi, probes, w);
    loss.push(r.value);
    const next = new Float64Array(n * k);
    for (let i = 0; i < n * k; i++) next[i] = phi.data[i]! - eta * r.grad.data[i]!;
    phi = qr({ rows: n, cols: k, data: next }).Q;
    if (opts.onProgress && (t % 50 === 0 || t === steps - 1)) opts.onProgress({ step: t, loss: r.value });
  }
  return { basis: phi, loss };
}
