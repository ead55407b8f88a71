import { DomainError, type Matrix } from '@x/gpu';
import { checkAborted, checkBoolean, checkMatrix, checkOptions, checkSteps, describe } from '@x/gpu/checks';
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
  opts: {
    steps: number;
    lr: number;
    signal?: AbortSignal | undefined;
    stopOnNonFinite?: boolean;
    /** Called after every step with the curve so far (live plots, progress). */
    onStep?: (curve: readonly number[]) => void;
  },
): number[] {
  const fn = 'trainMse';
  if (model === null || typeof model !== 'object' || typeof (model as Partial<Module>).parameters !== 'function' || typeof (model as Partial<Module>).forward !== 'function') {
    throw new DomainError(`${fn}: model must be a Module, got ${describe(model)}`);
  }
  checkMatrix(fn, 'x', x);
  checkMatrix(fn, 'y', y);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { steps, lr } are required, got ${describe(opts)}`);
  checkOptions(fn, opts, ['steps', 'lr', 'signal', 'stopOnNonFinite', 'onStep']);
  if (opts.onStep !== undefined && typeof opts.onStep !== 'function') throw new DomainError(`${fn}: onStep must be a function, got ${describe(opts.onStep)}`);
  const steps = checkSteps(fn, 'steps', opts.steps);
  const stopOnNonFinite = checkBoolean(fn, 'stopOnNonFinite', opts.stopOnNonFinite ?? false);
  checkAborted(fn, opts.signal);
  const opt = new Adam({ lr: opts.lr });
  const params = model.parameters();
  const curve: number[] = [];
  for (let t = 0; t < steps; t++) {
    checkAborted(fn, opts.signal);
    model.zeroGrad();
    const pred = model.forward(x);
    // mseLoss refuses non-finite predictions (a DomainError); a diverged model is a result here,
    // so its loss is taken as what the MSE would be: NaN if any output is NaN, else Infinity.
    const diverged = nonFiniteLoss(pred);
    const { value, grad } = diverged === 0 ? mseLoss(pred, y) : { value: diverged, grad: pred };
    if (!Number.isFinite(value)) {
      if (!stopOnNonFinite) throw new DomainError(`trainMse: the loss is ${value} at step ${t}`);
      curve.push(value);
      break;
    }
    curve.push(value);
    model.backward(grad);
    opt.step(params);
    opts.onStep?.(curve);
  }
  return curve;
}

/** 0 when every entry is finite; otherwise NaN if one is NaN, else Infinity. */
function nonFiniteLoss(m: Matrix): number {
  let out = 0;
  for (const v of m.data) {
    if (Number.isNaN(v)) return Number.NaN;
    if (!Number.isFinite(v)) out = Number.POSITIVE_INFINITY;
  }
  return out;
}
