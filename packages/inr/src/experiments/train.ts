import { DomainError, type Matrix } from '@x/gpu';
import { Adam, mseLoss, type Module } from '@x/nn';

/**
 * Full-batch Adam on the MSE of `model(x)` vs `y`; returns the loss curve (one value per step).
 * A non-finite loss throws a DomainError, or with `stopOnNonFinite` ends the curve (its last value
 * is the non-finite loss), for experiments that count divergences.
 */
export function trainMse(
  model: Module,
  x: Matrix,
  y: Matrix,
  opts: { steps: number; lr: number; signal?: AbortSignal | undefined; stopOnNonFinite?: boolean },
): number[] {
  const opt = new Adam({ lr: opts.lr });
  const params = model.parameters();
  const curve: number[] = [];
  for (let t = 0; t < opts.steps; t++) {
    opts.signal?.throwIfAborted();
    model.zeroGrad();
    const { value, grad } = mseLoss(model.forward(x), y);
    if (!Number.isFinite(value)) {
      if (!opts.stopOnNonFinite) throw new DomainError(`trainMse: the loss is ${value} at step ${t}`);
      curve.push(value);
      break;
    }
    curve.push(value);
    model.backward(grad);
    opt.step(params);
  }
  return curve;
}
