import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAborted, checkBoolean, checkFunction, checkOptions, checkSeed, checkSteps, describe } from '@x/gpu/checks';
import { fit, softmaxCrossEntropyLoss } from '@x/nn';
import { AdamW, warmupCosine } from '@x/optim';
import { checkInt } from './complex';
import digits from './experiments/data/uci-digits.json';
import { S4DClassifier, type S4DClassifierOptions } from './s4d-classifier';
import { S4DAdamW } from './s4d-optim';

/** One split of the digits: images as rows of 64 pixels in [0, 1] (row-major scan), labels 0..9. */
export interface DigitsSplit {
  /** n x 64, pixel intensity / 16. */
  x: Matrix<Float64Array>;
  labels: Int32Array;
}

interface DigitsJSON {
  train: { images: string[]; labels: string };
  test: { images: string[]; labels: string };
}

function decode(part: DigitsJSON['train']): DigitsSplit {
  const n = part.images.length;
  const x = new Float64Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = part.images[i]!;
    for (let j = 0; j < 64; j++) x[i * 64 + j] = Number.parseInt(s[j]!, 17) / 16;
    labels[i] = part.labels.charCodeAt(i) - 48;
  }
  return { x: { rows: n, cols: 64, data: x }, labels };
}

/**
 * The UCI optical-recognition handwritten digits (8x8 images, pixels 0..16; Alpaydin & Kaynak
 * 1998, CC BY 4.0; the 1,797-image copy Debian's python3-sklearn ships), split 1,438 train /
 * 359 test by tooling/fixtures/ssm_uci_digits.py (seeded). Each image is a 64-step sequence of
 * one pixel per step (row-major), scaled to [0, 1].
 */
export function uciDigits(): { train: DigitsSplit; test: DigitsSplit } {
  const d = digits as DigitsJSON;
  return { train: decode(d.train), test: decode(d.test) };
}

/** Options of {@link trainS4DDigits}: the classifier's, the training settings, progress and cancellation. */
export interface TrainS4DDigitsOptions extends Omit<S4DClassifierOptions, 'classes' | 'inputDim' | 'seed'> {
  /** Seed of the initialization, the dropout masks and the minibatch order (default 0). */
  seed?: number;
  /** AdamW steps (default 600). */
  steps?: number;
  /** Minibatch size (default 32). */
  batch?: number;
  /** Peak learning rate of the model parameters (default 0.01, state-spaces/s4 example.py). */
  lr?: number;
  /** Peak learning rate of the SSM parameters Δ, A, B with `paramGroups` (default 0.001). */
  ssmLr?: number;
  /** AdamW weight decay (default 0.01); with `paramGroups` the SSM parameters get none. */
  weightDecay?: number;
  /**
   * true (default): {@link S4DAdamW}, s4's two groups (Δ, A, B with `ssmLr` and no weight
   * decay). false: one AdamW with `lr` and `weightDecay` for every parameter.
   */
  paramGroups?: boolean;
  /** Training images used (default all 1,438), the first of the seeded split. */
  trainSize?: number;
  /** Test images scored (default all 359). */
  testSize?: number;
  /** Test accuracy is measured every this many steps for the curve (default steps / 10). */
  evalEvery?: number;
  /** After each evaluation: the step, the minibatch loss and the test accuracy so far. */
  onProgress?: (info: { fraction: number; step: number; loss: number; testAccuracy: number }) => void;
  signal?: AbortSignal;
}

/** What {@link trainS4DDigits} returns. */
export interface TrainS4DDigitsResult {
  model: S4DClassifier;
  /** Minibatch cross-entropy of every step. */
  losses: number[];
  /** Steps at which the test accuracy was measured, and the accuracies. */
  evalSteps: number[];
  testAccuracies: number[];
  /** Final accuracy on the test split (eval mode). */
  testAccuracy: number;
  /** Final accuracy on the first `testSize` training images (as many as are scored on the test split). */
  trainAccuracy: number;
}

/** Accuracy of `model` (switched to eval mode for the call) on the first n images of a split. */
export function digitsAccuracy(model: S4DClassifier, split: DigitsSplit, n?: number): number {
  const fn = 'digitsAccuracy';
  if (!(model instanceof S4DClassifier)) throw new DomainError(`${fn}: model must be an S4DClassifier, got ${describe(model)}`);
  if (split === null || typeof split !== 'object' || !(split.labels instanceof Int32Array)) throw new DomainError(`${fn}: split must be { x, labels: Int32Array }, got ${describe(split)}`);
  assertMatrix(fn, 'split.x', split.x);
  if (split.x.cols !== 64 || split.x.rows !== split.labels.length) throw new ShapeError(`${fn}: split.x is ${split.x.rows}x${split.x.cols}, expected ${split.labels.length}x64`);
  if (model.inputDim !== 1) throw new ShapeError(`${fn}: the model reads ${model.inputDim} features per step, the digits have 1`);
  for (let i = 0; i < split.labels.length; i++) {
    const c = split.labels[i]!;
    if (c < 0 || c >= model.classes) throw new DomainError(`${fn}: split.labels[${i}] = ${c} is not a class of the model (0 .. ${model.classes - 1})`);
  }
  n = checkInt(fn, 'n', n === undefined ? split.labels.length : n, 1);
  if (n > split.labels.length) throw new DomainError(`${fn}: n = ${n} exceeds the ${split.labels.length} images of the split`);
  model.eval();
  let hits = 0;
  const chunk = 128;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const z = model.forward({ rows: m, cols: 64, data: split.x.data.subarray(s * 64, (s + m) * 64) });
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let c = 1; c < z.cols; c++) if (z.data[i * z.cols + c]! > z.data[i * z.cols + best]!) best = c;
      if (best === split.labels[s + i]) hits++;
    }
  }
  model.train();
  return hits / n;
}

/**
 * Trains a deep {@link S4DClassifier} on sequential digits (each 8x8 image read as 64 pixel
 * steps; sequential MNIST/CIFAR in the S4 and S4D papers) with @x/nn's `fit`: softmax cross
 * entropy, seeded minibatches, AdamW with a warmup-cosine schedule, with or without s4's
 * parameter groups ({@link S4DAdamW}). Returns the model, the loss curve, the test accuracy
 * curve and the final accuracies.
 */
export async function trainS4DDigits(opts: TrainS4DDigitsOptions = {}): Promise<TrainS4DDigitsResult> {
  const fn = 'trainS4DDigits';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, [
    'dModel', 'depth', 'prenorm', 'seed', 'stateSize', 'init', 'modes', 'dtMin', 'dtMax', 'disc', 'bidirectional', 'dropout',
    'steps', 'batch', 'lr', 'ssmLr', 'weightDecay', 'paramGroups', 'trainSize', 'testSize', 'evalEvery', 'onProgress', 'signal',
  ]);
  for (const [k, v] of Object.entries(opts)) if (v === null) throw new DomainError(`${fn}: ${k} must not be null (leave it out for the default)`);
  const { train, test } = uciDigits();
  const steps = checkInt(fn, 'steps', opts.steps ?? 600, 1);
  const batch = checkInt(fn, 'batch', opts.batch ?? 32, 1);
  const nTrain = checkInt(fn, 'trainSize', opts.trainSize ?? train.labels.length, 1);
  const nTest = checkInt(fn, 'testSize', opts.testSize ?? test.labels.length, 1);
  if (nTrain > train.labels.length || nTest > test.labels.length) throw new DomainError(`${fn}: at most ${train.labels.length} training and ${test.labels.length} test images, got ${nTrain} and ${nTest}`);
  const evalEvery = checkSteps(fn, 'evalEvery', opts.evalEvery ?? Math.max(1, Math.round(steps / 10)));
  if (evalEvery < 1) throw new DomainError(`${fn}: evalEvery must be >= 1, got ${evalEvery}`);
  const groups = checkBoolean(fn, 'paramGroups', opts.paramGroups ?? true);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  if (opts.onProgress !== undefined) checkFunction(fn, 'onProgress', opts.onProgress);
  checkAborted(fn, opts.signal);
  const { steps: _s, batch: _b, lr: _lr, ssmLr: _sl, weightDecay: _wd, paramGroups: _g, trainSize: _t, testSize: _ts, evalEvery: _e, onProgress: _p, signal: _sg, ...modelOpts } = opts;
  const model = new S4DClassifier({ ...modelOpts, seed, classes: 10, inputDim: 1 });
  const lr = opts.lr ?? 0.01;
  const weightDecay = opts.weightDecay ?? 0.01;
  const schedule = warmupCosine({ warmup: Math.max(1, Math.round(steps / 10)), total: steps + 1 });
  const optimizer = groups ? new S4DAdamW({ lr, ssmLr: opts.ssmLr ?? 0.001, weightDecay, schedule }) : new AdamW({ lr, weightDecay, schedule });
  const data = {
    x: { rows: nTrain, cols: 64, data: train.x.data.subarray(0, nTrain * 64) },
    y: { rows: nTrain, cols: 1, data: Float64Array.from(train.labels.subarray(0, nTrain)) },
  };
  const evalSteps: number[] = [];
  const testAccuracies: number[] = [];
  const res = await fit({
    model,
    loss: softmaxCrossEntropyLoss,
    optimizer,
    data,
    steps,
    batchSize: Math.min(batch, nTrain),
    seed,
    signal: opts.signal,
    progressEvery: evalEvery,
    onProgress: (p) => {
      const acc = digitsAccuracy(model, test, nTest);
      evalSteps.push(p.step);
      testAccuracies.push(acc);
      opts.onProgress?.({ fraction: p.step / steps, step: p.step, loss: p.loss, testAccuracy: acc });
    },
  });
  const testAccuracy = testAccuracies[testAccuracies.length - 1] ?? digitsAccuracy(model, test, nTest);
  return { model, losses: Array.from(res.losses), evalSteps, testAccuracies, testAccuracy, trainAccuracy: digitsAccuracy(model, train, Math.min(nTrain, nTest)) };
}
