import { assertFinite, assertMatrix, type Device, DomainError, type Matrix, type RngState, rng as makeRng, ShapeError } from '@x/gpu';
import { checkBoolean, checkFunction, checkOptions, checkSeed, checkSize, checkSteps, describe } from '@x/gpu/checks';
import type { Loss } from './losses';
import { type AsyncContext, backwardWith, forwardWith, type Module, type ModuleJSON } from './module';
import type { Optimizer } from './optimizer';

/** Training examples, one per row: `x` (n x in) and `y` (n x out, or n x 1 class labels). */
export interface FitData {
  readonly x: Matrix;
  readonly y: Matrix;
}

/** The minibatch loop's own state; with the model and optimizer state it pins down the rest of a run. */
export interface FitLoopState {
  /** Steps completed. */
  readonly step: number;
  /** Epochs started so far (a new one begins when fewer than batchSize rows are left). */
  readonly epoch: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** The shuffling generator's state (`rng(...).state()` from @x/gpu). */
  readonly rng: RngState;
  /** The current epoch's row order. */
  readonly order: number[];
  /** Next position in `order`. */
  readonly cursor: number;
}

/**
 * Everything needed to resume a run bit-identically, all JSON-safe (`JSON.stringify` keeps
 * float64 values exactly). Rebuild the model with `moduleFromJSON(ck.model)` and the optimizer
 * with its `fromJSON(ck.optimizer)`, then call `fit({ ..., model, optimizer, resume: ck })`.
 */
export interface FitCheckpoint {
  readonly version: 1;
  readonly model: ModuleJSON;
  readonly optimizer: unknown;
  readonly loop: FitLoopState;
  /** Minibatch losses of the steps done so far. */
  readonly losses: number[];
}

/** What {@link fit}'s onProgress receives after each step, including `checkpoint()`. */
export interface FitProgress {
  /** Steps completed (1-based: the first report says 1). */
  readonly step: number;
  readonly steps: number;
  readonly epoch: number;
  /** Loss of the minibatch of this step, before its update. */
  readonly loss: number;
  /** Snapshot of the run as of now; cheap to skip, O(#params) to take. */
  checkpoint(): FitCheckpoint;
}

/** Options of {@link fit}: model, loss, optimizer, data, batch size, steps, seed, progress callback and resume checkpoint. */
export interface FitOptions {
  model: Module;
  /** `(pred, target) => { value, grad }`, e.g. `mseLoss` or `softmaxCrossEntropyLoss`. */
  loss: Loss;
  /** Anything with `step(params)` and `toJSON()`: `new Adam()`, `new SGD()`, @x/optim's optimizers. */
  optimizer: Optimizer;
  data: FitData;
  /** Total number of optimizer steps (counting those done before a `resume`). */
  steps: number;
  /** Rows per minibatch, 1..n (default n: full batch). */
  batchSize?: number;
  /** Seed for the row shuffling (default 0). */
  seed?: number;
  /** Reshuffle the rows at every epoch (default true). */
  shuffle?: boolean;
  /** Called after every `progressEvery`-th step and after the last. */
  onProgress?: (info: FitProgress) => void;
  /** Default 1. */
  progressEvery?: number;
  /** Aborting rejects `fit` with the signal's reason (an `AbortError` by default), between steps. */
  signal?: AbortSignal;
  /** Runs forward/backward through the modules' async path with this device (see `Linear`'s `device`). */
  device?: Device;
  /** Continue a run from a checkpoint (model and optimizer must already be restored from it). */
  resume?: FitCheckpoint;
  /**
   * Yield to the event loop (a `setTimeout(0)`) when this many milliseconds have passed since
   * the last yield, so a page stays responsive and an abort can arrive (default 16). `Infinity`:
   * never yield. Yielding never changes the numbers.
   */
  yieldEveryMs?: number;
}

/** What {@link fit} resolves to: the loss of every step, the final loss and the step count. */
export interface FitResult {
  /** Minibatch loss of every step (including those before a resume). */
  readonly losses: Float64Array;
  /** The last step's minibatch loss (NaN when no step ran). */
  readonly finalLoss: number;
  readonly steps: number;
  /** Snapshot of the finished run. */
  checkpoint(): FitCheckpoint;
}

/** The DomainError `fit` throws on a non-finite loss; `step` is the 1-based step that produced it. */
export type NonFiniteLossError = DomainError & { readonly step: number };

function positiveInt(name: string, v: unknown, min: number): number {
  return checkSize('fit', name, v, min);
}

const FIT_KEYS = ['model', 'loss', 'optimizer', 'data', 'steps', 'batchSize', 'seed', 'shuffle', 'onProgress', 'progressEvery', 'signal', 'device', 'resume', 'yieldEveryMs'];

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Seeded minibatch training: each step draws the next `batchSize` rows of a per-epoch
 * shuffled order (`rng(seed)` from @x/gpu), runs forward, the loss, backward, and
 * `optimizer.step(model.parameters())`. Gradients are zeroed before every step.
 *
 * Deterministic: the same seed, data, model and optimizer state give bit-identical losses and
 * parameters, and a checkpoint taken after any step resumes to the same final result.
 *
 * Errors: ShapeError when `data.x` and `data.y` row counts differ (or the loss rejects the
 * prediction's shape); DomainError for non-finite data, bad sizes, or a non-finite loss,
 * the latter naming the step and thrown before that step's update (parameters keep the
 * values after the previous step). An abort rejects with the signal's reason between steps.
 *
 * Cost per step: one forward and backward on batchSize rows plus one optimizer step.
 */
export async function fit(opts: FitOptions): Promise<FitResult> {
  if (opts === null || typeof opts !== 'object') throw new DomainError(`fit: options must be an object, got ${describe(opts)}`);
  checkOptions('fit', opts, FIT_KEYS);
  const { model, loss, optimizer, data, signal, device, resume } = opts;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new DomainError(`fit: signal must be an AbortSignal, got ${describe(signal)}`);
  signal?.throwIfAborted();
  if (!model || typeof model.forward !== 'function') throw new DomainError('fit: model must implement the module interface');
  if (typeof loss !== 'function') throw new DomainError('fit: loss must be a function (pred, target) => { value, grad }');
  if (!optimizer || typeof optimizer.step !== 'function') throw new DomainError('fit: optimizer must have step(params) and toJSON()');
  assertMatrix('fit', 'data.x', data?.x);
  assertMatrix('fit', 'data.y', data?.y);
  const { x, y } = data;
  if (x.rows !== y.rows) throw new ShapeError(`fit: data.x is ${x.rows}x${x.cols} but data.y is ${y.rows}x${y.cols}; they need one row per example`);
  assertFinite('fit', 'data.x', x);
  assertFinite('fit', 'data.y', y);
  const n = x.rows;
  positiveInt('number of examples (data.x rows)', n, 1);
  // At least one step, so finalLoss is a loss that was computed (a finished checkpoint resumes at steps).
  const steps = checkSteps('fit', 'steps', opts.steps, 1);
  const batch = positiveInt('batchSize', opts.batchSize ?? n, 1);
  if (batch > n) throw new DomainError(`fit: batchSize ${batch} exceeds the ${n} examples`);
  const seed = checkSeed('fit', 'seed', opts.seed ?? 0);
  const shuffle = checkBoolean('fit', 'shuffle', opts.shuffle ?? true);
  const every = positiveInt('progressEvery', opts.progressEvery ?? 1, 1);
  if (opts.onProgress !== undefined) checkFunction('fit', 'onProgress', opts.onProgress);
  const yieldMs = opts.yieldEveryMs ?? 16;
  if (typeof yieldMs !== 'number' || !(yieldMs >= 0)) throw new DomainError(`fit: yieldEveryMs must be a number >= 0 (Infinity: never yield), got ${describe(yieldMs)}`);
  const ctx: AsyncContext | undefined = device ? { device } : undefined;

  let r: ReturnType<typeof makeRng>;
  let order: Int32Array;
  let cursor: number;
  let step: number;
  let epoch: number;
  const losses = new Float64Array(Math.max(steps, resume?.loop.step ?? 0));
  if (resume) {
    const l = resume.loop;
    if (resume.version !== 1 || !l) throw new DomainError('fit: resume must be a checkpoint made by fit (version 1)');
    if (l.batchSize !== batch) throw new DomainError(`fit: the checkpoint used batchSize ${l.batchSize}, this call ${batch}`);
    if (l.shuffle !== shuffle) throw new DomainError(`fit: the checkpoint used shuffle ${l.shuffle}, this call ${shuffle}`);
    if (!Array.isArray(l.order) || l.order.length !== n) {
      throw new DomainError(`fit: the checkpoint's row order covers ${l.order?.length} examples, the data has ${n}`);
    }
    if (!Number.isInteger(l.step) || l.step < 0 || l.step > steps) {
      throw new DomainError(`fit: the checkpoint is at step ${l.step}, beyond steps = ${steps}`);
    }
    if (typeof l.rng !== 'object' || l.rng === null) throw new DomainError('fit: the checkpoint has no loop.rng (the shuffling generator state); without it the run would not continue identically');
    r = makeRng(l.rng);
    const seen = new Uint8Array(n);
    for (const i of l.order) {
      if (!Number.isInteger(i) || i < 0 || i >= n || seen[i]) throw new DomainError(`fit: the checkpoint's loop.order is not a permutation of the ${n} example indices`);
      seen[i] = 1;
    }
    if (!Number.isInteger(l.cursor) || l.cursor < 0 || l.cursor > n) throw new DomainError(`fit: the checkpoint's loop.cursor must be an integer in [0, ${n}], got ${l.cursor}`);
    if (!Number.isInteger(l.epoch) || l.epoch < 1) throw new DomainError(`fit: the checkpoint's loop.epoch must be an integer >= 1, got ${l.epoch}`);
    if (!Array.isArray(resume.losses) || resume.losses.length < l.step || resume.losses.some((v) => typeof v !== 'number')) {
      throw new DomainError(`fit: the checkpoint's losses must hold ${l.step} numbers`);
    }
    order = Int32Array.from(l.order);
    cursor = l.cursor;
    step = l.step;
    epoch = l.epoch;
    losses.set(resume.losses.slice(0, step));
  } else {
    r = makeRng(seed);
    order = Int32Array.from({ length: n }, (_, i) => i);
    if (shuffle) r.shuffle(order);
    cursor = 0;
    step = 0;
    epoch = 1;
  }

  const params = model.parameters();
  const xin = x.cols;
  const yout = y.cols;
  const xb = { rows: batch, cols: xin, data: new Float64Array(batch * xin) };
  const yb = { rows: batch, cols: yout, data: new Float64Array(batch * yout) };
  const xd = x.data;
  const yd = y.data;

  const checkpoint = (): FitCheckpoint => ({
    version: 1,
    model: model.toJSON(),
    optimizer: optimizer.toJSON(),
    loop: { step, epoch, seed: resume?.loop.seed ?? seed, batchSize: batch, shuffle, rng: r.state(), order: Array.from(order), cursor },
    losses: Array.from(losses.subarray(0, step)),
  });

  let lastYield = now();
  while (step < steps) {
    signal?.throwIfAborted();
    if (cursor + batch > n) {
      if (shuffle) r.shuffle(order);
      cursor = 0;
      epoch++;
    }
    for (let b = 0; b < batch; b++) {
      const row = order[cursor + b]!;
      for (let j = 0; j < xin; j++) xb.data[b * xin + j] = xd[row * xin + j]!;
      for (let j = 0; j < yout; j++) yb.data[b * yout + j] = yd[row * yout + j]!;
    }

    model.zeroGrad();
    const pred = ctx ? await forwardWith(model, xb, ctx) : model.forward(xb);
    const { value, grad } = loss(pred, yb);
    if (!Number.isFinite(value)) {
      const err = new DomainError(
        `fit: loss is ${value} at step ${step + 1} of ${steps} (epoch ${epoch}); stopped before that step's update, so the parameters are those after step ${step}. Lower the learning rate or check the data and model.`,
      ) as DomainError & { step: number };
      err.step = step + 1;
      throw err;
    }
    if (ctx) await backwardWith(model, grad, ctx);
    else model.backward(grad);
    optimizer.step(params);
    cursor += batch;
    losses[step] = value;
    step++;

    if (opts.onProgress && (step % every === 0 || step === steps)) {
      opts.onProgress({ step, steps, epoch, loss: value, checkpoint });
    }
    if (step < steps && yieldMs !== Infinity && now() - lastYield >= yieldMs) {
      await new Promise<void>((res) => setTimeout(res, 0));
      lastYield = now();
    }
  }

  return { losses, finalLoss: step > 0 ? losses[step - 1]! : NaN, steps: step, checkpoint };
}
