import type { Matrix } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix, checkOptions, checkPositive, checkRng, checkSize } from '@x/gpu/checks';
import { svd } from '@x/linalg';

/**
 * Low-rank initial connectivity at equal Frobenius norm (Liu et al., "How connectivity
 * structure shapes rich and lazy learning in neural circuits", ICLR 2024; reference code
 * main.py, restated in spec §8a): the rank-r truncated SVD of W0, rescaled so that
 * ‖W_r‖_F = ‖W0‖_F, so only the shape of the spectrum changes. rank >= min(m, n) returns a copy.
 * Cost: one exact SVD, O(m n min(m, n)).
 */
export function lowRankAtEqualNorm(W0: Matrix, rank: number): Matrix<Float64Array> {
  const fn = 'lowRankAtEqualNorm';
  checkMatrix(fn, 'W0', W0);
  checkFinite(fn, 'W0', W0);
  checkSize(fn, 'rank', rank, 1);
  const k = Math.min(W0.rows, W0.cols);
  if (rank >= k) return { rows: W0.rows, cols: W0.cols, data: Float64Array.from(W0.data) };
  const { U, S, V } = svd(W0, { k: rank });
  const out = new Float64Array(W0.rows * W0.cols);
  let norm2 = 0;
  for (let i = 0; i < W0.data.length; i++) norm2 += W0.data[i]! ** 2;
  let kept2 = 0;
  for (let t = 0; t < rank; t++) kept2 += S[t]! ** 2;
  const scale = Math.sqrt(norm2 / kept2);
  for (let t = 0; t < rank; t++) {
    const s = S[t]! * scale;
    for (let i = 0; i < W0.rows; i++) {
      const u = U.data[i * rank + t]! * s;
      for (let j = 0; j < W0.cols; j++) out[i * W0.cols + j]! += u * V.data[j * rank + t]!;
    }
  }
  return { rows: W0.rows, cols: W0.cols, data: out };
}

/**
 * `W0 = σ G/√cols` with G standard Gaussian (σ = 1.25 in the paper's RNNs), then
 * {@link lowRankAtEqualNorm} to the requested rank.
 */
export function lowRankGaussian(rows: number, cols: number, rank: number, opts: { sigma?: number; seed?: number } = {}): Matrix<Float64Array> {
  const fn = 'lowRankGaussian';
  checkSize(fn, 'rows', rows, 1);
  checkSize(fn, 'cols', cols, 1);
  checkSize(fn, 'rank', rank, 1);
  checkAlloc(fn, 'the matrix', rows, cols);
  checkOptions(fn, opts, ['sigma', 'seed']);
  const sigma = checkPositive(fn, 'sigma', opts.sigma ?? 1.25);
  const g = checkRng(fn, 'seed', opts.seed ?? 0).fillNormal(new Float64Array(rows * cols), sigma / Math.sqrt(cols));
  return lowRankAtEqualNorm({ rows, cols, data: g }, rank);
}
