import { DomainError, rng as makeRng } from '@x/gpu';
import { checkOneOf, checkOptions, checkSeed, checkSize, checkSteps } from '@x/gpu/checks';
import { GELU, ReLU, SiLU, Tanh } from './activations';
import { Adam } from './adam';
import { fit } from './fit';
import { Linear } from './linear';
import { mseLoss } from './losses';
import { Sequential } from './sequential';

/** Options of the MLP regression experiment: seed, steps, width, activation, learning rate, batch size, data points and frequency, progress and cancellation. */
export interface MlpRegressionOptions {
  /** Seed for the init and the minibatch order (default 0). */
  seed?: number;
  /** Adam steps (default 2000). */
  steps?: number;
  /** Hidden width (default 32). */
  hidden?: number;
  /** Hidden activation (default 'tanh'). */
  activation?: 'tanh' | 'relu' | 'gelu' | 'silu';
  /** Adam step size (default 2e-2). */
  lr?: number;
  /** Minibatch rows (default 32). */
  batchSize?: number;
  /** Training points on [-1, 1] (default 128, evenly spaced). */
  points?: number;
  /** Frequency a in y = sin(a x) (default 3). */
  frequency?: number;
  onProgress?: (info: { step: number; steps: number; loss: number }) => void;
  signal?: AbortSignal;
}

/** What the MLP regression experiment returns: the loss curve, the final MSE, the data, the prediction and the trained model. */
export interface MlpRegressionResult {
  /** Minibatch MSE after each step (the curve to plot). */
  readonly losses: Float64Array;
  /** MSE of the trained model on all training points. */
  readonly finalMse: number;
  /** Inputs, targets and the trained model's predictions, for a fit plot. */
  readonly x: Float64Array;
  readonly target: Float64Array;
  readonly prediction: Float64Array;
  readonly model: Sequential;
}

/**
 * Seeded toy regression for the demo page: a two-layer MLP (1 -> hidden -> 1) fits
 * y = sin(a x) on [-1, 1] with Adam and minibatches. Returns the loss curve and the fit.
 * With the defaults (tanh, width 32, Adam 2e-2, batch 32, seed 0) the final MSE is about 4e-5.
 */
export async function mlpRegressionExperiment(opts: MlpRegressionOptions = {}): Promise<MlpRegressionResult> {
  const fn = 'mlpRegressionExperiment';
  opts = checkOptions(fn, opts, ['seed', 'steps', 'hidden', 'activation', 'lr', 'batchSize', 'points', 'frequency', 'onProgress', 'signal']);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 2000);
  const hidden = checkSize(fn, 'hidden', opts.hidden ?? 32, 1);
  const batchSize = checkSize(fn, 'batchSize', opts.batchSize ?? 32, 1);
  const points = opts.points ?? 128;
  const a = opts.frequency ?? 3;
  if (!Number.isInteger(points) || points < 2) throw new DomainError(`mlpRegressionExperiment: points must be an integer >= 2, got ${points}`);
  const x = new Float64Array(points);
  const target = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    x[i] = -1 + (2 * i) / (points - 1);
    target[i] = Math.sin(a * x[i]!);
  }
  const init = makeRng(seed);
  const act = checkOneOf(fn, 'activation', opts.activation ?? 'tanh', ['tanh', 'relu', 'gelu', 'silu'] as const);
  const nonlin = act === 'relu' ? new ReLU() : act === 'gelu' ? new GELU() : act === 'silu' ? new SiLU() : new Tanh();
  const model = new Sequential(
    new Linear(1, hidden, { seed: init, init: act === 'relu' ? 'kaiming-uniform' : 'xavier-uniform', biasInit: { uniform: 1 } }),
    nonlin,
    new Linear(hidden, 1, { seed: init, init: 'xavier-uniform' }),
  );
  const X = { rows: points, cols: 1, data: x };
  const Y = { rows: points, cols: 1, data: target };
  const res = await fit({
    model,
    loss: mseLoss,
    optimizer: new Adam({ lr: opts.lr ?? 2e-2 }),
    data: { x: X, y: Y },
    batchSize: Math.min(batchSize, points),
    steps,
    seed,
    onProgress: opts.onProgress ? (p) => opts.onProgress!({ step: p.step, steps: p.steps, loss: p.loss }) : undefined,
    signal: opts.signal,
  });
  const pred = model.forward(X);
  return {
    losses: res.losses,
    finalMse: mseLoss(pred, Y).value,
    x,
    target,
    prediction: Float64Array.from(pred.data),
    model,
  };
}
