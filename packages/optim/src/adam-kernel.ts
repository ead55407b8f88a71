import type { MatrixData } from '@x/gpu';

/**
 * One Adam moment update and step direction, in place (Kingma & Ba, ICLR 2015, Alg. 1, with the
 * epsilon placement of torch.optim.AdamW): m <- b1 m + (1-b1) g, v <- b2 v + (1-b2) g^2,
 * w <- w - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - b_i^t.
 * `gScale` multiplies g first (used for L2 weight decay folded into the gradient elsewhere).
 */
export function adamStepInPlace(
  w: MatrixData,
  g: MatrixData,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  t: number,
  l2 = 0,
): void {
  const bc1 = 1 - b1 ** t;
  const sbc2 = Math.sqrt(1 - b2 ** t);
  const stepSize = lr / bc1;
  for (let i = 0; i < w.length; i++) {
    const gi = l2 === 0 ? g[i]! : g[i]! + l2 * w[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) / sbc2 + eps);
  }
}

/** w <- w (1 - lr wd): decoupled weight decay (Loshchilov & Hutter, ICLR 2019, Alg. 2 line 12). */
export function decayInPlace(w: MatrixData, lr: number, wd: number): void {
  if (wd === 0) return;
  const f = 1 - lr * wd;
  for (let i = 0; i < w.length; i++) w[i] = w[i]! * f;
}
