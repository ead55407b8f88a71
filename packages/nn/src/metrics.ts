import { assertMatrix, DomainError, isMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkOptions } from '@x/gpu/checks';
import { labelsOf } from './losses';

/**
 * Classification accuracy in [0, 1]: the fraction of rows whose predicted class equals the
 * target class. Predictions are scores (batch x C, class = row argmax; for C = 1 a logit,
 * class = score > 0). Targets: labels (array or batch x 1 matrix) or a batch x C one-hot /
 * probability matrix (class = row argmax). O(batch * C).
 */
export function accuracy(pred: Matrix, target: Matrix | ArrayLike<number>): number {
  assertMatrix('accuracy', 'pred', pred);
  const { rows, cols } = pred;
  if (rows === 0) throw new DomainError('accuracy: empty batch');
  const classes = cols === 1 ? 2 : cols;
  const labels = labelsOf('accuracy', target, rows, classes);
  const p = pred.data;
  const t = labels ? null : (target as Matrix).data;
  let hits = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const guess = cols === 1 ? (p[o]! > 0 ? 1 : 0) : argmax(p, o, cols);
    const truth = labels ? labels[i]! : argmax(t!, o, cols);
    if (guess === truth) hits++;
  }
  return hits / rows;
}

function argmax(d: ArrayLike<number>, o: number, n: number): number {
  let best = 0;
  let bv = d[o]!;
  for (let j = 1; j < n; j++) {
    if (d[o + j]! > bv) {
      bv = d[o + j]!;
      best = j;
    }
  }
  return best;
}

/** Options of the PSNR metric: `maxValue`, the peak value of the signal. */
export interface PsnrOptions {
  /** Peak signal value (1 for images in [0, 1], 255 for bytes). Default 1. */
  maxValue?: number;
}

/**
 * Peak signal-to-noise ratio in dB: 10 log10(maxValue^2 / MSE(pred, target)); +Infinity for
 * identical inputs. O(N).
 */
export function psnr(pred: Matrix, target: Matrix, opts: PsnrOptions = {}): number {
  assertMatrix('psnr', 'pred', pred);
  checkOptions('psnr', opts, ['maxValue']);
  if (!isMatrix(target) || pred.rows !== target.rows || pred.cols !== target.cols) {
    const got = isMatrix(target) ? `${target.rows}x${target.cols}` : String(target);
    throw new ShapeError(`psnr: pred is ${pred.rows}x${pred.cols}, target is ${got}; they must match`);
  }
  const maxValue = opts.maxValue ?? 1;
  if (!Number.isFinite(maxValue) || maxValue <= 0) throw new DomainError(`psnr: maxValue must be a finite number > 0, got ${maxValue}`);
  const n = pred.data.length;
  if (n === 0) throw new DomainError('psnr: empty input');
  checkFinite('psnr', 'pred', pred);
  checkFinite('psnr', 'target', target);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = pred.data[i]! - target.data[i]!;
    s += d * d;
  }
  const mse = s / n;
  if (mse === 0) return Infinity;
  return 10 * Math.log10((maxValue * maxValue) / mse);
}
