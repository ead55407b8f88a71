import { axpy, leadingCols, matmul, type Matrix, scaleCols, scaleRows, ShapeError, transpose } from '@x/gpu';
import { svd } from '@x/linalg';
import { checkSteps } from '@x/gpu/checks';
import { checkNumber, checkOpts, checkRecord, checkPositive, checkRank, checkWeight, optSeed } from './validate';

/** Options of {@link pissaInit}: alpha, and niter and seed for the fast randomized SVD. */
export interface PissaOptions {
  /** LoRA alpha; scale = alpha / r (default alpha = r, so scale = 1). */
  alpha?: number;
  /**
   * Fast init: a randomized SVD with this many power iterations and no oversampling, the
   * convention of PiSSA's `pissa_niter_K` (torch.svd_lowrank(W, q=r, niter=K)). Without it the
   * exact SVD is used.
   */
  niter?: number;
  /** Seed of the randomized SVD's test matrix (fast init only; default 0). */
  seed?: number;
}

/** What {@link pissaInit} returns: A, B, the residual weight, the scale and the singular values. */
export interface PissaInit {
  /** r x in: diag(sqrt(S_r / scale)) V_rᵀ. */
  A: Matrix<Float64Array>;
  /** out x r: U_r diag(sqrt(S_r / scale)). */
  B: Matrix<Float64Array>;
  /** out x in: the frozen residual W - scale B A. */
  Wres: Matrix<Float64Array>;
  /** alpha / r. */
  scale: number;
  /** The r singular values the adapter took (descending). */
  S: Float64Array;
}

/**
 * PiSSA initialization (Meng, Wang & Zhang, "PiSSA: Principal Singular Values and Singular
 * Vectors Adaptation of Large Language Models", 2024, eq. 2-3; peft `pissa_init`): with
 * W = U S Vᵀ, A = diag(√(S_r/s)) V_rᵀ, B = U_r diag(√(S_r/s)), W_res = W - s B A, s = α/r.
 * Then W_res + s B A = W to rounding for any SVD (the residual absorbs the error), and with the
 * exact SVD s B A is W's best rank-r approximation (Eckart-Young) and ‖W_res‖₂ = σ_{r+1}.
 *
 * W is out x in (torch nn.Linear layout, y = x Wᵀ). O(out in min(out, in)) exact,
 * O(out in r (2 niter + 2)) fast.
 * @throws ShapeError for a non-matrix; DomainError for non-finite W, r outside [1, min(out, in)],
 * non-positive alpha or a negative niter.
 */
export function pissaInit(W: Matrix, r: number, opts: PissaOptions = {}): PissaInit {
  const fn = 'pissaInit';
  checkWeight(fn, 'W', W);
  checkRank(fn, r, W.rows, W.cols);
  checkOpts(fn, opts, ['alpha', 'niter', 'seed']);
  const alpha = checkPositive(fn, 'alpha', opts.alpha ?? r);
  const seed = optSeed(fn, 'seed', opts.seed, 0);
  const scale = alpha / r;
  const f =
    opts.niter === undefined
      ? svd(W, { k: r })
      : svd(W, { k: r, method: 'randomized', niter: checkSteps(fn, 'niter', opts.niter), oversample: 0, seed });
  const S = f.S.slice(0, r);
  const root = Float64Array.from(S, (s) => Math.sqrt(s / scale));
  const B = scaleCols(leadingCols(f.U, r), root);
  const A = scaleRows(transpose(leadingCols(f.V, r)), root);
  const Wres = axpy(-scale, matmul(B, A), W) as Matrix<Float64Array>;
  return { A, B, Wres, scale, S };
}

/** A plain LoRA adapter: ΔW = scale · B A. */
export interface LoraAdapter {
  A: Matrix<Float64Array>;
  B: Matrix<Float64Array>;
  scale: number;
}

/**
 * Converts a trained PiSSA adapter to a plain LoRA adapter on the ORIGINAL weight W
 * (peft `save_pretrained(path_initial_model_for_weight_conversion=...)`): ΔW = s(B'A' - B₀A₀) =
 * s [B' | -B₀][A'; A₀], so the rank doubles and the scale stays s (peft doubles alpha because
 * its rank doubles: 2α / 2r = α / r). W + ΔW equals the trained W_res + s B'A' to rounding.
 */
export function pissaToLora(trained: { A: Matrix; B: Matrix }, initial: { A: Matrix; B: Matrix; scale: number }): LoraAdapter {
  const fn = 'pissaToLora';
  checkRecord(fn, 'trained', trained);
  checkRecord(fn, 'initial', initial);
  const A1 = checkWeight(fn, 'trained.A', trained.A);
  const B1 = checkWeight(fn, 'trained.B', trained.B);
  const A0 = checkWeight(fn, 'initial.A', initial.A);
  const B0 = checkWeight(fn, 'initial.B', initial.B);
  const scale = checkNumber(fn, 'initial.scale', initial.scale);
  const r = A1.rows;
  if (A0.rows !== r || B1.cols !== r || B0.cols !== r || A1.cols !== A0.cols || B1.rows !== B0.rows) {
    throw new ShapeError(
      `pissaToLora: trained (B ${B1.rows}x${B1.cols}, A ${A1.rows}x${A1.cols}) and initial (B ${B0.rows}x${B0.cols}, A ${A0.rows}x${A0.cols}) adapters must have the same shapes`,
    );
  }
  const out = B1.rows;
  const inn = A1.cols;
  const A = new Float64Array(2 * r * inn);
  A.set(A1.data, 0);
  A.set(A0.data, r * inn);
  const B = new Float64Array(out * 2 * r);
  for (let i = 0; i < out; i++) {
    for (let j = 0; j < r; j++) {
      B[i * 2 * r + j] = B1.data[i * r + j]!;
      B[i * 2 * r + r + j] = -B0.data[i * r + j]!;
    }
  }
  return { A: { rows: 2 * r, cols: inn, data: A }, B: { rows: out, cols: 2 * r, data: B }, scale };
}
