import { leadingCols, matmul, type Matrix, scaleCols, sub } from '@x/gpu';
import { svd } from '@x/linalg';
import { checkRank, checkWeight } from './validate';

/** What the SVFit initialization returns: the frozen singular vectors U and V, the trainable singular values σ, and the residual weight. */
export interface SvfitInit {
  /** out x r, frozen. */
  U: Matrix<Float64Array>;
  /** in x r, frozen. */
  V: Matrix<Float64Array>;
  /** The r trainable singular values (initialized to the top S_r). */
  sigma: Float64Array;
  /** out x in frozen remainder W - U diag(σ) Vᵀ. */
  Wres: Matrix<Float64Array>;
}

/**
 * SVFit init ("SVFit: Parameter-Efficient Fine-Tuning of Large Pre-Trained Models Using
 * Singular Values", arXiv 2409.05926): W = U_r diag(σ) V_rᵀ + W_e; only the r scalars σ train.
 * LoRA-XS with its core R constrained to be diagonal. The gradient of a loss with respect to
 * σ_i is u_iᵀ G v_i for G = dL/dW (see {@link AdaptedLinear}).
 */
export function svfitInit(W: Matrix, r: number): SvfitInit {
  checkWeight('svfitInit', 'W', W);
  checkRank('svfitInit', r, W.rows, W.cols);
  const f = svd(W, { k: r });
  const U = leadingCols(f.U, r);
  const V = leadingCols(f.V, r);
  const sigma = f.S.slice(0, r);
  const Wres = sub(W, matmul(scaleCols(U, sigma), V, { transB: true })) as Matrix<Float64Array>;
  return { U, V, sigma, Wres };
}
