import { DomainError, type Rng, rng as makeRng } from '@x/gpu';
import { AdamState } from './adam';
import { checkInt } from './complex';
import { S4DLayer, type S4DLayerOptions } from './s4d-layer';

/**
 * The delay (copy-at-lag) task, a synthetic long-range memory task: u is white noise of length
 * L and the target is y_t = u_{t - delay} (0 before the delay). A single linear S4D channel solves
 * it exactly only if its kernel approximates a shifted delta at lag `delay`, i.e. it must keep
 * information for `delay` steps (S4D paper Sec. 5 studies such memory via LRA; HiPPO paper
 * Sec. 5 uses the same copy task).
 */
export function delayTaskBatch(B: number, L: number, delay: number, r: Rng): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(B * L);
  const y = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) x[b * L + t] = r.normal();
    for (let t = delay; t < L; t++) y[b * L + t] = x[b * L + t - delay]!;
  }
  return { x, y };
}

export interface TrainDelayOptions extends Omit<S4DLayerOptions, 'channels'> {
  L?: number;
  delay?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  onProgress?: (info: { fraction: number; step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/**
 * Trains one S4D channel on {@link delayTaskBatch} with Adam and MSE (seeded). Returns the layer,
 * the training-loss curve and the MSE on a fresh held-out batch.
 */
export async function trainS4DDelay(opts: TrainDelayOptions = {}): Promise<{ layer: S4DLayer; losses: number[]; testMse: number }> {
  const L = checkInt('trainS4DDelay', 'L', opts.L ?? 256, 2);
  const delay = checkInt('trainS4DDelay', 'delay', opts.delay ?? 128, 0);
  if (delay >= L) throw new DomainError(`trainS4DDelay: delay ${delay} must be < L ${L}`);
  const steps = opts.steps ?? 200;
  const B = opts.batch ?? 8;
  const seed = typeof opts.seed === 'number' ? opts.seed : 0;
  const layer = new S4DLayer({ ...opts, channels: 1, seed });
  const params = layer.parameters();
  const adam = new AdamState(
    params.map((p) => p.value.length),
    opts.lr ?? 0.01,
  );
  const data = makeRng(seed + 500);
  const losses: number[] = [];
  const mse = (x: Float64Array, y: Float64Array, rows: number, withGrad: boolean): number => {
    const out = layer.forward({ rows, cols: L, data: x });
    const dy = new Float64Array(rows * L);
    let s = 0;
    for (let i = 0; i < rows * L; i++) {
      const e = out.data[i]! - y[i]!;
      s += e * e;
      dy[i] = (2 * e) / (rows * L);
    }
    if (withGrad) layer.backward({ rows, cols: L, data: dy });
    return s / (rows * L);
  };
  for (let s = 0; s < steps; s++) {
    if (opts.signal?.aborted) throw new DomainError('trainS4DDelay: aborted');
    const { x, y } = delayTaskBatch(B, L, delay, data);
    layer.zeroGrad();
    const loss = mse(x, y, B, true);
    if (!Number.isFinite(loss)) throw new DomainError(`trainS4DDelay: loss is ${loss} at step ${s}`);
    adam.step(
      params.map((p) => p.value),
      params.map((p) => p.grad),
    );
    losses.push(loss);
    if (s % 20 === 19 || s === steps - 1) {
      opts.onProgress?.({ fraction: (s + 1) / steps, step: s + 1, loss });
      await Promise.resolve();
    }
  }
  const test = delayTaskBatch(16, L, delay, makeRng(seed + 999));
  return { layer, losses, testMse: mse(test.x, test.y, 16, false) };
}
