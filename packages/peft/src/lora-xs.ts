import { DomainError, leadingCols, type Matrix, matmul, rng, scaleRows, transpose } from '@x/gpu';
import { mseLoss } from '@x/nn';
import { svd } from '@x/linalg';
import { checkFinite, checkFunction, checkShape, checkSteps } from '@x/gpu/checks';
import { AdaptedLinear } from './adapted-linear';
import { checkArray, checkNonNegative, checkOpts, checkPositive, checkRank, checkRecord, checkWeight, optBoolean, optSeed } from './validate';

/** An adapter ΔW = scale · B R A with frozen B (out x r), A (r x in) and trainable R (r x r). */
export interface CoreAdapter {
  A: Matrix<Float64Array>;
  B: Matrix<Float64Array>;
  R: Matrix<Float64Array>;
  scale: number;
}

/**
 * LoRA-XS init (Bałazy et al., "LoRA-XS: Low-Rank Adaptation with Extremely Small Number of
 * Parameters", 2024; lora-sb repo `find_and_initialize`): W = U S Vᵀ, B = U_r,
 * A = diag(S_r) V_rᵀ, R ~ N(0, std²) with std = 1e-5 (a documented choice matching the
 * reference's tiny normal init), scale = α/r with α = r. W itself is unchanged (ΔW ≈ 0).
 */
export function loraXsInit(W: Matrix, r: number, opts: { std?: number; seed?: number; alpha?: number } = {}): CoreAdapter {
  const fn = 'loraXsInit';
  checkWeight(fn, 'W', W);
  checkRank(fn, r, W.rows, W.cols);
  checkOpts(fn, opts, ['std', 'seed', 'alpha']);
  const std = checkNonNegative(fn, 'std', opts.std ?? 1e-5);
  const seed = optSeed(fn, 'seed', opts.seed, 0);
  const scale = checkPositive(fn, 'alpha', opts.alpha ?? r) / r;
  const f = svd(W, { k: r });
  const B = leadingCols(f.U, r);
  const A = scaleRows(transpose(leadingCols(f.V, r)), f.S);
  const R = { rows: r, cols: r, data: rng(seed).fillNormal(new Float64Array(r * r), std) };
  return { A, B, R, scale };
}

/** Options of the LoRA-SB initialization from the first-step update: step size η, randomized-SVD iterations or the exact SVD, seed. */
export interface LoraSbOptions {
  /**
   * Effective first-step size η of the approximated first Adam step ΔW₁ = -η sign(G). The
   * reference uses lr / (warmup_ratio · total_steps), the learning rate at warmup step 1.
   */
  eta: number;
  /** Power iterations of the randomized SVD (reference: 10, no oversampling, seed 42). */
  niter?: number;
  /** Use the exact SVD instead (then B R A is exactly the Eckart-Young optimum). */
  exact?: boolean;
  seed?: number;
}

/**
 * LoRA-SB init (Ponkshe et al., "Initialization using Update Approximation is a Silver Bullet
 * for Extreme Efficient Low-Rank Fine-Tuning", 2024; `find_and_initialize_grad`): from the
 * accumulated full fine-tuning gradient G (out x in), ΔW₁ = -η sign(G) approximates Adam's
 * first step; its rank-r SVD gives B = U_r, A = V_rᵀ (orthonormal), R = diag(S_r), scale 1.
 * The model starts at W₀ + B R A: the first step is already taken, and since BᵀB = AAᵀ = I the
 * R-gradient Bᵀ G Aᵀ is the optimal update within the fixed subspaces.
 */
export function loraSbInit(G: Matrix, r: number, opts: LoraSbOptions): CoreAdapter & { deltaW1: Matrix<Float64Array> } {
  const fn = 'loraSbInit';
  checkWeight(fn, 'G', G);
  checkRank(fn, r, G.rows, G.cols);
  checkOpts(fn, opts, ['eta', 'niter', 'exact', 'seed']);
  if (opts === undefined) throw new DomainError(`${fn}: options { eta } are required`);
  const eta = checkPositive(fn, 'eta', opts.eta);
  const exact = optBoolean(fn, 'exact', opts.exact, false);
  const niter = opts.niter === undefined ? 10 : checkSteps(fn, 'niter', opts.niter);
  const seed = optSeed(fn, 'seed', opts.seed, 42);
  const d = new Float64Array(G.data.length);
  for (let i = 0; i < d.length; i++) d[i] = -eta * Math.sign(G.data[i]!);
  const deltaW1 = { rows: G.rows, cols: G.cols, data: d };
  const f = exact ? svd(deltaW1, { k: r }) : svd(deltaW1, { k: r, method: 'randomized', niter, oversample: 0, seed });
  const R = { rows: r, cols: r, data: new Float64Array(r * r) };
  for (let i = 0; i < r; i++) R.data[i * r + i] = f.S[i]!;
  return {
    B: leadingCols(f.U, r),
    A: transpose(leadingCols(f.V, r)) as Matrix<Float64Array>,
    R,
    scale: 1,
    deltaW1,
  };
}

/** One batch for {@link loraSbGradient}: inputs (batch x in) and targets (batch x out). */
export interface LoraSbBatch {
  x: Matrix;
  y: Matrix;
}

/**
 * The accumulated full fine-tuning gradient LoRA-SB initializes from (`find_and_initialize_grad`
 * collects it over 50 samples before training): G = Σ_batches dL/dW = Σ dYᵀ X, where W is the
 * layer's current effective weight, Y = layer.forward(X) and dY = dL/dY from `loss` (default
 * mean-squared error, mean over each batch's entries). The layer's own gradients are untouched.
 * Pass the result to {@link loraSbInit}.
 */
export function loraSbGradient(
  layer: AdaptedLinear,
  batches: readonly LoraSbBatch[],
  loss: (pred: Matrix, target: Matrix) => { grad: Matrix } = mseLoss,
): Matrix<Float64Array> {
  const fn = 'loraSbGradient';
  if (!(layer instanceof AdaptedLinear)) throw new DomainError(`${fn}: layer must be an AdaptedLinear`);
  checkArray(fn, 'batches', batches);
  if (batches.length === 0) throw new DomainError(`${fn}: batches is empty`);
  checkFunction(fn, 'loss', loss);
  const G = { rows: layer.outFeatures, cols: layer.inFeatures, data: new Float64Array(layer.outFeatures * layer.inFeatures) };
  batches.forEach((b, i) => {
    checkRecord(fn, `batches[${i}]`, b);
    checkShape(fn, `batches[${i}].x`, b.x, undefined, layer.inFeatures);
    checkShape(fn, `batches[${i}].y`, b.y, b.x.rows, layer.outFeatures);
    checkFinite(fn, `batches[${i}].x`, b.x);
    checkFinite(fn, `batches[${i}].y`, b.y);
    const { grad } = loss(layer.forward(b.x), b.y);
    const g = matmul(grad, b.x, { transA: true });
    for (let k = 0; k < G.data.length; k++) G.data[k]! += g.data[k]!;
  });
  return G;
}
