import type { Matrix } from '@x/gpu';
import { Adam, mseLoss } from '@x/nn';
import type { AdaptedLinear } from '../adapted-linear';

/**
 * Full-batch Adam on the MSE of an adapted layer; returns the loss before each step and after the
 * last. `beforeStep` runs after the task gradient is in the buffers and before the optimizer step
 * (where SORSA adds its regularizer's gradient). `onStep`, if given, is called after each loss is
 * recorded with the curve so far (live plots); it must not change the layer.
 */
export function trainMse(
  layer: AdaptedLinear,
  X: Matrix,
  Y: Matrix,
  steps: number,
  lr: number,
  signal?: AbortSignal,
  beforeStep?: () => void,
  onStep?: (losses: readonly number[]) => void,
): number[] {
  const opt = new Adam({ lr });
  const losses: number[] = [];
  for (let t = 0; t <= steps; t++) {
    signal?.throwIfAborted();
    layer.zeroGrad();
    const { value, grad } = mseLoss(layer.forward(X), Y);
    losses.push(value);
    onStep?.(losses);
    if (t === steps) break;
    layer.backward(grad);
    beforeStep?.();
    opt.step(layer.parameters());
  }
  return losses;
}
