import type { Matrix } from '@x/gpu';
import { orthoTerm } from './orthonormality';
import { checkNonNegative, checkOpts, checkWeight, optBoolean } from './validate';

/**
 * OrthoReg's penalty on a task vector ΔW ("Understanding and Improving Weight Disentanglement in
 * Task Arithmetic", OrthoReg; `OrthoReg_lora/src/loraatt.py`): ‖ΔWᵀΔW - I‖_F using the smaller
 * Gram (ΔWΔWᵀ when ΔW has fewer rows than columns), and its gradient. The reference code uses
 * the unsquared norm (gradient 2ΔW(ΔWᵀΔW - I)/‖·‖); `squared: true` is the README's form
 * (gradient 4ΔW(ΔWᵀΔW - I)). The training loss adds λ times the sum over layers.
 */
export function orthoRegLoss(deltaW: Matrix, opts: { squared?: boolean; eps?: number } = {}): { value: number; grad: Matrix<Float64Array> } {
  const fn = 'orthoRegLoss';
  checkWeight(fn, 'deltaW', deltaW);
  checkOpts(fn, opts, ['squared', 'eps']);
  const squared = optBoolean(fn, 'squared', opts.squared, false);
  const eps = checkNonNegative(fn, 'eps', opts.eps ?? 1e-12);
  return orthoTerm(deltaW, deltaW.rows < deltaW.cols, squared, eps);
}
