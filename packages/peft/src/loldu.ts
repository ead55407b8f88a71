import { DomainError, leadingCols, leadingRows, matmul, type Matrix, scaleCols } from '@x/gpu';
import { ldu } from '@x/linalg';
import { checkOneOf } from '@x/gpu/checks';
import { checkOpts, checkPositive, checkRank, checkWeight } from './validate';

/** The LoLDU initialization of a weight: permutation P, unit triangles L and U, the trainable diagonal z, the residual weight and the scale. */
export interface LolduInit {
  /** out x out permutation (frozen). */
  P: Matrix<Float64Array>;
  /** out x r unit lower triangular block L[:, :r] (frozen). */
  L: Matrix<Float64Array>;
  /** r x in unit upper block U'[:r] (frozen). */
  U: Matrix<Float64Array>;
  /** The r trainable diagonal entries. */
  z: Float64Array;
  /** out x in residual W - σ P L diag(z) U. */
  Wres: Matrix<Float64Array>;
  /** σ = α/r. */
  scale: number;
}

/** How LoLDU initializes its trainable diagonal scaling. */
export type LolduZInit = 'lu' | 'ones' | 'zeros' | 'mean';

/**
 * LoLDU init (Shi et al., "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition for
 * Parameter-Efficient Fine-Tuning", 2024; `minloldu/loldu.py`): W = P L D U' (scipy.linalg.lu
 * convention, U' unit upper), keep L_r = L[:, :r], U'_r = U'[:r], z = D[:r] and freeze
 * W_res = W - σ P L_r diag(z) U'_r; only z (r numbers) trains. `zInit` other than 'lu' reseeds
 * z (then the merge no longer equals W at init, as in the reference). LU is not rank-revealing:
 * the adapter is not W's best rank-r part, only an exact split.
 * @throws DomainError when a kept pivot D_i is zero (singular leading block).
 */
export function lolduInit(W: Matrix, r: number, opts: { alpha?: number; zInit?: LolduZInit } = {}): LolduInit {
  const fn = 'lolduInit';
  checkWeight(fn, 'W', W);
  checkRank(fn, r, W.rows, W.cols);
  checkOpts(fn, opts, ['alpha', 'zInit']);
  const scale = checkPositive(fn, 'alpha', opts.alpha ?? r) / r;
  const mode = checkOneOf(fn, 'zInit', opts.zInit ?? 'lu', ['lu', 'ones', 'zeros', 'mean'] as const);
  const f = ldu(W);
  const D = f.D.slice(0, r);
  for (let i = 0; i < r; i++) {
    if (D[i] === 0) throw new DomainError(`lolduInit: pivot D[${i}] is 0 (W's leading ${r} pivots must be nonzero)`);
  }
  const L = leadingCols(f.L, r);
  const U = leadingRows(f.U, r);
  const PL = matmul(f.P, L);
  const delta = matmul(scaleCols(PL, D), U);
  const Wres = { rows: W.rows, cols: W.cols, data: new Float64Array(W.data.length) };
  for (let i = 0; i < Wres.data.length; i++) Wres.data[i] = W.data[i]! - scale * delta.data[i]!;
  let z = D;
  if (mode === 'ones') z = new Float64Array(r).fill(1);
  else if (mode === 'zeros') z = new Float64Array(r);
  else if (mode === 'mean') z = new Float64Array(r).fill(D.reduce((s, v) => s + v, 0) / r);
  return { P: f.P, L, U, z, Wres, scale };
}
