import { DomainError, type Matrix, type Rng, rng as makeRng } from '@x/gpu';
import { Adam, fit, mseLoss } from '@x/nn';
import { checkAborted, checkAlloc, checkFunction, checkOneOf, checkOptions, checkRng, checkSeed, checkSteps, describe } from '@x/gpu/checks';
import { checkInt } from './complex';
import { S4DLayer, type S4DLayerOptions } from './s4d-layer';

/**
 * The delay (copy-at-lag) task, a synthetic long-range memory task: u is white noise of length
 * L and the target is y_t = u_{t - delay} (0 before the delay). A single linear S4D channel solves
 * it exactly only if its kernel approximates a shifted delta at lag `delay`, i.e. it must keep
 * information for `delay` steps (S4D paper Sec. 5 studies such memory via LRA; HiPPO paper
 * Sec. 5 uses the same copy task).
 */
export function delayTaskBatch(B: number, L: number, delay: number, r: Rng): { x: Matrix<Float64Array>; y: Matrix<Float64Array> } {
  checkTask('delayTaskBatch', B, L, delay, r, 1);
  const x = new Float64Array(B * L);
  const y = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) x[b * L + t] = r.normal();
    for (let t = delay; t < L; t++) y[b * L + t] = x[b * L + t - delay]!;
  }
  return { x: { rows: B, cols: L, data: x }, y: { rows: B, cols: L, data: y } };
}

/** Options of {@link trainS4DDelay}: the layer's options plus task size and training settings. */
/**
 * A band-limited version of the delay task, sampled at `rate` times the base rate: each input is
 * u(τ) = sum_m a_m sin(2π f_m τ / L + φ_m) with integer frequencies f_m <= maxFreq (cycles per
 * window), τ in base-rate units sampled at τ = k / rate, k < L rate; target u(τ - delay).
 * The same draws at two rates describe the same continuous signals, which is what a
 * sampling-rate change means (S4 paper Sec. 4.3).
 * @throws DomainError when `rate` or `terms` is not an integer >= 1.
 */
export function smoothDelayBatch(
  B: number,
  L: number,
  delay: number,
  r: Rng,
  opts: { rate?: number; maxFreq?: number; terms?: number } = {},
): { x: Matrix<Float64Array>; y: Matrix<Float64Array> } {
  const fn = 'smoothDelayBatch';
  checkOptions(fn, opts, ['rate', 'maxFreq', 'terms']);
  const rate = checkInt(fn, 'rate', opts.rate ?? 1, 1);
  const F = checkInt(fn, 'maxFreq', opts.maxFreq ?? 8, 1);
  const M = checkInt(fn, 'terms', opts.terms ?? 4, 1);
  checkTask(fn, B, L, delay, r, rate);
  const n = L * rate;
  const x = new Float64Array(B * n);
  const y = new Float64Array(B * n);
  for (let b = 0; b < B; b++) {
    const a = Array.from({ length: M }, () => r.normal() / Math.sqrt(M));
    const f = Array.from({ length: M }, () => 1 + r.int(F));
    const ph = Array.from({ length: M }, () => r.uniform() * 2 * Math.PI);
    const u = (tau: number) => {
      let s = 0;
      for (let m = 0; m < M; m++) s += a[m]! * Math.sin((2 * Math.PI * f[m]! * tau) / L + ph[m]!);
      return s;
    };
    for (let k = 0; k < n; k++) {
      const tau = k / rate;
      x[b * n + k] = u(tau);
      y[b * n + k] = tau >= delay ? u(tau - delay) : 0;
    }
  }
  return { x: { rows: B, cols: n, data: x }, y: { rows: B, cols: n, data: y } };
}

/**
 * Throws unless B and L are sizes (L >= 1), delay an integer in [0, L], the batch of B x L·rate
 * samples fits the allocation limit and r is an Rng.
 */
function checkTask(fn: string, B: number, L: number, delay: number, r: Rng, rate: number): void {
  checkInt(fn, 'B', B, 0);
  checkInt(fn, 'L', L, 1);
  checkSteps(fn, 'delay', delay);
  if (delay > L) throw new DomainError(`${fn}: delay ${delay} is longer than the sequence (L = ${L})`);
  checkAlloc(fn, 'the batch', B, L, rate);
  checkRng(fn, 'r', r);
}

/** Options of the delay-task training run: the S4D layer options, sequence length, delay, input kind, training-set size, steps, batch, learning rate, progress and cancellation. */
export interface TrainDelayOptions extends Omit<S4DLayerOptions, 'channels'> {
  L?: number;
  delay?: number;
  /** 'noise' (white noise, default) or 'smooth' ({@link smoothDelayBatch}). */
  input?: 'noise' | 'smooth';
  /** Training sequences (default 256), drawn once; `fit` samples minibatches from them. */
  trainSize?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  onProgress?: (info: { fraction: number; step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/**
 * Trains one S4D channel on {@link delayTaskBatch} with @x/nn's `fit` (Adam, MSE, seeded
 * minibatches). Returns the layer, the training-loss curve and the MSE on a fresh held-out set.
 */
export async function trainS4DDelay(opts: TrainDelayOptions = {}): Promise<{ layer: S4DLayer; losses: number[]; testMse: number }> {
  const fn = 'trainS4DDelay';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, ['stateSize', 'init', 'dtMin', 'dtMax', 'seed', 'disc', 'bidirectional', 'glu', 'dropout', 'L', 'delay', 'input', 'trainSize', 'steps', 'batch', 'lr', 'onProgress', 'signal']);
  const L = checkInt(fn, 'L', opts.L ?? 256, 2);
  const delay = checkInt(fn, 'delay', opts.delay ?? 128, 0);
  if (delay >= L) throw new DomainError(`${fn}: delay ${delay} must be < L ${L}`);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  const smooth = checkOneOf(fn, 'input', opts.input ?? 'noise', ['noise', 'smooth'] as const) === 'smooth';
  const trainSize = checkInt(fn, 'trainSize', opts.trainSize ?? 256, 1);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 200);
  if (opts.onProgress !== undefined) checkFunction(fn, 'onProgress', opts.onProgress);
  checkAborted(fn, opts.signal);
  const { L: _L, delay: _d, input: _i, trainSize: _t, steps: _s, batch: _b, lr: _lr, onProgress: _p, signal: _sg, ...layerOpts } = opts;
  const layer = new S4DLayer({ ...layerOpts, channels: 1, seed });
  const gen = (B: number, r: Rng) => (smooth ? smoothDelayBatch(B, L, delay, r) : delayTaskBatch(B, L, delay, r));
  const data = gen(trainSize, makeRng(seed + 500));
  const res = await fit({
    model: layer,
    loss: mseLoss,
    optimizer: new Adam({ lr: opts.lr ?? 0.01 }),
    data,
    steps,
    batchSize: opts.batch ?? 8,
    seed,
    signal: opts.signal,
    progressEvery: 20,
    onProgress: (p) => opts.onProgress?.({ fraction: p.step / steps, step: p.step, loss: p.loss }),
  });
  const test = gen(32, makeRng(seed + 999));
  const testMse = mseLoss(layer.forward(test.x), test.y).value;
  return { layer, losses: Array.from(res.losses), testMse };
}
