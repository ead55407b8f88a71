import { DomainError, type Matrix, type Rng, rng } from '@x/gpu';
import { Adam, type Module } from '@x/nn';
import { nestedReconstructionLoss } from './nested-loss';

/**
 * `count` Gaussian RBF probes f_c(x) = exp(−‖x − c‖²/(2σ²)) at centres c drawn from the points
 * themselves: an N x count matrix (one of the probe families of "Learning Eigenstructures of
 * Unstructured Data Manifolds"). O(N count D).
 */
export function rbfProbes(points: Matrix, count: number, sigma: number, g: Rng): Matrix<Float64Array> {
  if (!(sigma > 0)) throw new DomainError(`rbfProbes: sigma must be positive, got ${sigma}`);
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
 */
export function fitLearnedBasis(model: Module, points: Matrix, opts: FitLearnedBasisOptions): { loss: number[] } {
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new DomainError(`fitLearnedBasis: steps must be a positive integer, got ${opts.steps}`);
  const n = points.rows;
  const w = opts.weights ?? new Float64Array(n).fill(1 / n);
  const g = rng(opts.seed ?? 0);
  const opt = new Adam({ lr: opts.lr ?? 1e-3 });
  const params = model.parameters();
  const loss: number[] = [];
  for (let t = 0; t < opts.steps; t++) {
    opts.signal?.throwIfAborted();
    const F = rbfProbes(points, opts.probes ?? 64, opts.sigma ?? 0.5, g);
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
