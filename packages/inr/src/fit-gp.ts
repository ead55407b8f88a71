import { checkAborted, checkNonNegative, checkOneOf, checkPositive, checkSteps, checkVector } from '@x/gpu/checks';
import { adamStep } from './adam';
import { gpNlml } from './gp-nlml';
import { checkLoopOptions } from './internal-checks';
import { checkSmBase, checkTheta, type SmBase } from './sm-kernel';
import { lbfgs } from './lbfgs';

/** Options of {@link fitGp}. */
export interface FitGpOptions {
  /** Noise variance on the diagonal (default 1e-4). */
  noise?: number;
  /** 'lbfgs' (default) or 'adam'. */
  method?: 'lbfgs' | 'adam';
  /** Iterations (default 500 for L-BFGS, 1000 for Adam). */
  maxIter?: number;
  /** Adam step size (default 0.05). */
  lr?: number;
  /** θ indices held fixed (e.g. μ for an SE kernel). */
  frozen?: readonly number[];
  /** Envelope of each component: 'gaussian' (default) or 'matern52' (GP-HM-StM). */
  base?: SmBase;
  onProgress?: (info: { iter: number; nlml: number }) => void;
  signal?: AbortSignal;
}

/** Result of {@link fitGp}: fitted θ, final NLML and the NLML curve. */
export interface FitGpResult {
  theta: Float64Array;
  nlml: number;
  /** NLML after each iteration. */
  history: number[];
}

/**
 * Fits the spectral-mixture GP hyperparameters θ = [log w, log ℓ, μ] by minimising the NLML
 * ({@link gpNlml}) with L-BFGS (as the spec's numpy reference) or Adam (as the GP-HM code,
 * lr 1e-2 there). Takes onProgress and an AbortSignal. O(iterations · n³).
 * @throws DomainError when `maxIter` is not an integer in [0, MAX_STEPS] (checked before fitting).
 */
export function fitGp(x: ArrayLike<number>, y: ArrayLike<number>, theta0: ArrayLike<number>, opts: FitGpOptions = {}): FitGpResult {
  const fn = 'fitGp';
  checkVector(fn, 'x', x);
  checkVector(fn, 'y', y, x.length);
  checkTheta(fn, theta0);
  checkLoopOptions(fn, opts, ['noise', 'method', 'maxIter', 'lr', 'frozen', 'base', 'onProgress', 'signal'], false);
  if (opts.maxIter !== undefined) checkSteps(fn, 'maxIter', opts.maxIter);
  const noise = checkNonNegative(fn, 'noise', opts.noise ?? 1e-4);
  const frozen = opts.frozen ?? [];
  const base = checkSmBase(fn, opts.base ?? 'gaussian');
  const method = checkOneOf(fn, 'method', opts.method ?? 'lbfgs', ['lbfgs', 'adam'] as const);
  const f = (t: Float64Array) => gpNlml(x, y, t, { noise, frozen, base });
  if (method === 'lbfgs') {
    const r = lbfgs(f, theta0, {
      maxIter: opts.maxIter ?? 500,
      signal: opts.signal,
      onProgress: opts.onProgress ? (i) => opts.onProgress!({ iter: i.iter, nlml: i.value }) : undefined,
    });
    return { theta: r.theta, nlml: r.value, history: r.history };
  }
  // Adam (Kingma & Ba 2015) on θ.
  const lr = checkPositive(fn, 'lr', opts.lr ?? 0.05);
  const theta = Float64Array.from(theta0);
  const state = { m: new Float64Array(theta.length), v: new Float64Array(theta.length), t: 0 };
  const history: number[] = [];
  const iters = opts.maxIter ?? 1000;
  for (let t = 1; t <= iters; t++) {
    checkAborted(fn, opts.signal);
    const { value, grad } = f(theta);
    history.push(value);
    adamStep(theta, grad, state, lr);
    opts.onProgress?.({ iter: t - 1, nlml: value });
  }
  return { theta, nlml: f(theta).value, history };
}
