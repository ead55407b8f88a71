import { type Matrix, ShapeError } from '@x/gpu';

/**
 * Mean softmax cross-entropy over the rows selected by `mask` (all rows when absent), stable
 * (max-shifted log-sum-exp), and its gradient with respect to the logits.
 * Internal helper until @x/nn's losses are published.
 */
export function softmaxCrossEntropy(
  logits: Matrix,
  labels: ArrayLike<number>,
  mask?: ArrayLike<number>,
): { loss: number; grad: Matrix<Float64Array> } {
  const { rows: n, cols: k } = logits;
  if (labels.length !== n) throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels for ${n} rows`);
  const grad = new Float64Array(n * k);
  let count = 0;
  for (let i = 0; i < n; i++) if (!mask || mask[i]) count++;
  let loss = 0;
  if (count === 0) return { loss: 0, grad: { rows: n, cols: k, data: grad } };
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) mx = Math.max(mx, logits.data[i * k + j]!);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(logits.data[i * k + j]! - mx);
    const lz = Math.log(z) + mx;
    const y = labels[i]!;
    loss += lz - logits.data[i * k + y]!;
    for (let j = 0; j < k; j++) grad[i * k + j] = (Math.exp(logits.data[i * k + j]! - lz) - (j === y ? 1 : 0)) / count;
  }
  return { loss: loss / count, grad: { rows: n, cols: k, data: grad } };
}

/** Fraction of rows (within `mask`) whose arg-max equals the label. */
export function accuracy(logits: Matrix, labels: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const { rows: n, cols: k } = logits;
  let hit = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[i * k + j]! > logits.data[i * k + best]!) best = j;
    if (best === labels[i]) hit++;
    count++;
  }
  return count ? hit / count : 0;
}
