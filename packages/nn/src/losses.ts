import { assertMatrix, DomainError, isMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkOneOf, checkOptions } from '@x/gpu/checks';

/** A loss value and its gradient with respect to the prediction (same shape as the prediction). */
export interface LossResult {
  readonly value: number;
  readonly grad: Matrix<Float64Array>;
}

/** A loss as `fit` uses it: prediction (batch x k) and target rows in, value and dL/dpred out. */
export type Loss = (pred: Matrix, target: Matrix) => LossResult;

/** Options of the losses: `reduction`, how per-entry losses combine. */
export interface LossOptions {
  /**
   * `'mean'` (default): MSE and L1 average over every entry; cross-entropy averages over the
   * batch rows. `'sum'`: plain sums.
   */
  reduction?: 'mean' | 'sum';
  /**
   * Cross-entropy with class labels only: rows whose label equals this value (PyTorch's
   * `ignore_index`, e.g. -100 for padding) contribute neither loss nor gradient, and `'mean'`
   * averages over the remaining rows (0 when every row is ignored).
   */
  ignoreIndex?: number;
}

function reductionOf(fn: string, opts: LossOptions): 'mean' | 'sum' {
  const r = checkOptions(fn, opts, ['reduction', 'ignoreIndex']).reduction ?? 'mean';
  return checkOneOf(fn, 'reduction', r, ['mean', 'sum'] as const);
}

/**
 * Called when a loss came out non-finite: names the NaN/Infinity entry of pred or target. With
 * finite inputs the sum overflowed, and +Infinity is the right value, so it returns.
 */
function refuseNonFinite(fn: string, pred: Matrix, target: Matrix): void {
  checkFinite(fn, 'pred', pred);
  checkFinite(fn, 'target', target);
}

function sameShape(fn: string, pred: Matrix, target: Matrix): void {
  assertMatrix(fn, 'pred', pred);
  assertMatrix(fn, 'target', target);
  if (pred.rows !== target.rows || pred.cols !== target.cols) {
    throw new ShapeError(`${fn}: pred is ${pred.rows}x${pred.cols}, target is ${target.rows}x${target.cols}; they must match`);
  }
}

/** Mean squared error Σ (p - t)^2 / N (N = number of entries), gradient 2 (p - t) / N. O(N). */
export function mseLoss(pred: Matrix, target: Matrix, opts: LossOptions = {}): LossResult {
  sameShape('mseLoss', pred, target);
  const red = reductionOf('mseLoss', opts);
  const p = pred.data;
  const t = target.data;
  const n = p.length;
  const scale = red === 'mean' && n > 0 ? 1 / n : 1;
  const g = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - t[i]!;
    s += d * d;
    g[i] = 2 * scale * d;
  }
  if (!Number.isFinite(s)) refuseNonFinite('mseLoss', pred, target);
  return { value: s * scale, grad: { rows: pred.rows, cols: pred.cols, data: g } };
}

/** Mean absolute error Σ |p - t| / N, gradient sign(p - t) / N (0 where p = t). O(N). */
export function l1Loss(pred: Matrix, target: Matrix, opts: LossOptions = {}): LossResult {
  sameShape('l1Loss', pred, target);
  const red = reductionOf('l1Loss', opts);
  const p = pred.data;
  const t = target.data;
  const n = p.length;
  const scale = red === 'mean' && n > 0 ? 1 / n : 1;
  const g = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - t[i]!;
    s += Math.abs(d);
    g[i] = d > 0 ? scale : d < 0 ? -scale : 0;
  }
  if (!Number.isFinite(s)) refuseNonFinite('l1Loss', pred, target);
  return { value: s * scale, grad: { rows: pred.rows, cols: pred.cols, data: g } };
}

/** Row-wise softmax, shifted by the row max so exp never overflows. O(batch * classes). */
export function softmax(logits: Matrix): Matrix<Float64Array> {
  assertMatrix('softmax', 'logits', logits);
  const { rows, cols } = logits;
  const z = logits.data;
  const out = new Float64Array(z.length);
  let bad = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = z[o + j]!;
      if (v > m) m = v;
      bad += v - v;
    }
    if (bad !== 0) checkFinite('softmax', 'logits', logits);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(z[o + j]! - m);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[o + j]! *= inv;
  }
  return { rows, cols, data: out };
}

/**
 * Reads class labels: an array of integers (length batch) or a batch x 1 Matrix of them.
 * Returns null when `target` is a batch x classes matrix of probabilities instead.
 */
export function labelsOf(fn: string, target: Matrix | ArrayLike<number>, batch: number, classes: number, ignoreIndex?: number): Int32Array | null {
  let src: ArrayLike<number>;
  if (isMatrix(target)) {
    if (target.rows !== batch) throw new ShapeError(`${fn}: target is ${target.rows}x${target.cols}, expected ${batch} rows`);
    if (target.cols === classes && classes > 1) return null;
    if (target.cols !== 1) {
      throw new ShapeError(`${fn}: target is ${target.rows}x${target.cols}; expected ${batch}x${classes} (probabilities) or ${batch}x1 (labels)`);
    }
    src = target.data;
  } else {
    if (target === null || typeof target !== 'object' || typeof target.length !== 'number') {
      throw new ShapeError(`${fn}: target must be a Matrix or an array of class labels`);
    }
    if (target.length !== batch) throw new ShapeError(`${fn}: ${target.length} labels for a batch of ${batch}`);
    src = target;
  }
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const c = src[i]!;
    if (c === ignoreIndex) {
      out[i] = -1;
      continue;
    }
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new DomainError(`${fn}: label ${i} is ${c}; labels must be integers in [0, ${classes})`);
    }
    out[i] = c;
  }
  return out;
}

/**
 * Softmax cross-entropy from logits (batch x C): L = -Σ_i Σ_c t_ic log softmax(z_i)_c, averaged
 * over the batch rows by default. `target` is class labels (array of length batch, or a
 * batch x 1 matrix) or a batch x C matrix of target probabilities (one-hot or soft).
 * Uses log-sum-exp with the row max subtracted, so large logits neither overflow nor give NaN;
 * gradient (softmax(z) - t) / batch. O(batch * C).
 */
export function softmaxCrossEntropyLoss(logits: Matrix, target: Matrix | ArrayLike<number>, opts: LossOptions = {}): LossResult {
  return crossEntropyAs('softmaxCrossEntropyLoss', logits, target, opts);
}

/** {@link softmaxCrossEntropyLoss} with errors naming `fn`, the function the user called (e.g. lmCrossEntropy). */
export function crossEntropyAs(fn: string, logits: Matrix, target: Matrix | ArrayLike<number>, opts: LossOptions = {}): LossResult {
  assertMatrix(fn, 'logits', logits);
  const red = reductionOf(fn, opts);
  const { rows, cols } = logits;
  if (cols < 1) throw new ShapeError(`${fn}: logits are ${rows}x${cols}; need at least one class`);
  const ignore = opts.ignoreIndex;
  if (ignore !== undefined && !Number.isInteger(ignore)) throw new DomainError(`${fn}: ignoreIndex must be an integer, got ${ignore}`);
  const labels = labelsOf(fn, target, rows, cols, ignore);
  if (ignore !== undefined && !labels) throw new DomainError(`${fn}: ignoreIndex applies to class labels, not to a matrix of target probabilities`);
  const probs = labels ? null : (target as Matrix).data;
  const z = logits.data;
  const g = new Float64Array(z.length);
  let counted = rows;
  if (labels && ignore !== undefined) for (let i = 0; i < rows; i++) if (labels[i]! < 0) counted--;
  const scale = red === 'mean' && counted > 0 ? 1 / counted : 1;
  let total = 0;
  let bad = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    if (labels && labels[i]! < 0) continue; // ignored row: no loss, zero gradient
    let m = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = z[o + j]!;
      if (v > m) m = v;
      bad += v - v;
    }
    if (bad !== 0) checkFinite(fn, 'logits', logits);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(z[o + j]! - m);
      g[o + j] = e;
      s += e;
    }
    const lse = m + Math.log(s);
    const inv = 1 / s;
    if (labels) {
      const c = labels[i]!;
      total += lse - z[o + c]!;
      for (let j = 0; j < cols; j++) g[o + j] = scale * (g[o + j]! * inv - (j === c ? 1 : 0));
    } else {
      let tsum = 0;
      let dotz = 0;
      for (let j = 0; j < cols; j++) {
        const t = probs![o + j]!;
        if (t - t !== 0) checkFinite(fn, 'target', target as Matrix);
        tsum += t;
        dotz += t * z[o + j]!;
      }
      // -Σ t_c (z_c - lse) = lse Σ t - Σ t z
      total += lse * tsum - dotz;
      for (let j = 0; j < cols; j++) g[o + j] = scale * (g[o + j]! * inv * tsum - probs![o + j]!);
    }
  }
  return { value: total * scale, grad: { rows, cols, data: g } };
}
