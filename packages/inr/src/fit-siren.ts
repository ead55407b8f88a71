import { DomainError, type Matrix } from '@x/gpu';
import { checkAborted, checkMatrix, checkNonNegative, checkPositive, checkSize, checkSteps } from '@x/gpu/checks';
import { checkLoopOptions, checkModule } from './internal-checks';
import { Adam, mseLoss, type Sequential } from '@x/nn';

/** Options of {@link fitSiren} (defaults: the WINNER/SIREN reference schedule). */
export interface FitSirenOptions {
  steps: number;
  /** Adam step size (the reference: 1e-4). */
  lr?: number;
  /** StepLR: multiply lr by `gamma` every `stepSize` steps (reference: 0.99 every 20). */
  gamma?: number;
  stepSize?: number;
  onProgress?: (info: { step: number; psnr: number }) => void;
  signal?: AbortSignal;
  /** Report every this many steps (default 50). */
  every?: number;
}

/** PSNR in dB of a mean squared error for signals with peak 1: 20 log10(1/√MSE). */
export function psnrFromMse(mse: number): number {
  checkNonNegative('psnrFromMse', 'mse', mse);
  return 20 * Math.log10(1 / Math.sqrt(mse));
}

/**
 * Full-batch Adam on the MSE of a coordinate network (the WINNER/SIREN reference schedule), the
 * best PSNR kept (as the reference reports). Returns the PSNR curve, one value per step.
 * @throws DomainError when `steps` is not an integer in [1, MAX_STEPS].
 */
export function fitSiren(model: Sequential, coords: Matrix, target: Matrix, opts: FitSirenOptions): { psnr: number[]; best: number } {
  const fn = 'fitSiren';
  checkModule(fn, 'model', model);
  checkMatrix(fn, 'coords', coords);
  checkMatrix(fn, 'target', target);
  checkLoopOptions(fn, opts, ['steps', 'lr', 'gamma', 'stepSize', 'onProgress', 'signal', 'every'], true);
  checkSteps(fn, 'steps', opts.steps, 1);
  const opt = new Adam({ lr: opts.lr ?? 1e-4 });
  const gamma = checkPositive(fn, 'gamma', opts.gamma ?? 0.99);
  const stepSize = checkSize(fn, 'stepSize', opts.stepSize ?? 20, 1);
  const every = checkSize(fn, 'every', opts.every ?? 50, 1);
  const params = model.parameters();
  const curve: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < opts.steps; t++) {
    checkAborted(fn, opts.signal);
    model.zeroGrad();
    const { value, grad } = mseLoss(model.forward(coords), target);
    if (!Number.isFinite(value)) throw new DomainError(`fitSiren: the loss is ${value} at step ${t}`);
    const p = psnrFromMse(value);
    curve.push(p);
    if (p > best) best = p;
    model.backward(grad);
    opt.step(params);
    if ((t + 1) % stepSize === 0) opt.lr *= gamma;
    if (opts.onProgress && (t % every === 0 || t === opts.steps - 1)) opts.onProgress({ step: t, psnr: p });
  }
  return { psnr: curve, best };
}
