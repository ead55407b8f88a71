import { leadingCols, matmul, type Matrix, scaleCols, sub } from '@x/gpu';
import { svd } from '@x/linalg';
import { checkUnit } from '@x/gpu/checks';
import { energyRank } from './soka';
import { checkOpts, checkRank, checkRecord, checkWeight } from './validate';

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
 *
 * `r` is the rank, or `{ energy: τ }` for the paper's rule: keep the top singular values that
 * carry a fraction τ of the "information" (the paper's ">99%", so τ = 0.99 is the usual value),
 * read as the smallest r with Σ_{i<r} σ_i² ≥ τ Σ σ_i² (the σ² reading is a documented choice;
 * the paper's text does not say σ or σ²). The chosen rank is `sigma.length`.
 */
export function svfitInit(W: Matrix, r: number | { energy: number }): SvfitInit {
  const fn = 'svfitInit';
  checkWeight(fn, 'W', W);
  let f: ReturnType<typeof svd>;
  if (typeof r === 'object' && r !== null) {
    checkRecord(fn, 'rank rule', r);
    checkOpts(fn, r, ['energy']);
    const tau = checkUnit(fn, 'energy', r.energy, 0, 1, '(]');
    f = svd(W);
    r = energyRank(f.S, tau);
  } else {
    checkRank(fn, r, W.rows, W.cols);
    f = svd(W, { k: r });
  }
  const U = leadingCols(f.U, r);
  const V = leadingCols(f.V, r);
  const sigma = f.S.slice(0, r);
  const Wres = sub(W, matmul(scaleCols(U, sigma), V, { transB: true })) as Matrix<Float64Array>;
  return { U, V, sigma, Wres };
}
