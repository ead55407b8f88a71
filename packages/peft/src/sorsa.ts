import { DomainError, leadingCols, matmul, type Matrix, scaleCols, transpose } from '@x/gpu';
import { svd } from '@x/linalg';
import { AdaptedLinear } from './adapted-linear';
import { orthoTerm } from './orthonormality';
import { checkArray, checkNonNegative, checkOpts, checkPositive, checkRank, checkRecord, checkWeight, optBoolean } from './validate';

/** What the SORSA initialization returns: the principal singular factors A, S, B, the residual weight and the scale. */
export interface SorsaInit {
  /** r x in, trainable: V_rᵀ (sorsalib's `sorsa_A`). */
  A: Matrix<Float64Array>;
  /** The r trainable singular values (`sorsa_S`). */
  S: Float64Array;
  /** out x r, trainable: U_r (`sorsa_B`). */
  B: Matrix<Float64Array>;
  /** out x in frozen residual W - scale (B ⊙ S) A. */
  Wres: Matrix<Float64Array>;
  scale: number;
}

/**
 * SORSA init (Cao, "SORSA: Singular Values and Orthonormal Regularized Singular Vectors
 * Adaptation of Large Language Models", 2024; sorsalib `layer.py`): W = U S Vᵀ, B = U_r,
 * S = S_r, A = V_rᵀ, W_res = W - s (B diag(S)) A with s = α/r, or s = 1 when alpha is omitted
 * (the reference code's default).
 */
export function sorsaInit(W: Matrix, r: number, opts: { alpha?: number } = {}): SorsaInit {
  const fn = 'sorsaInit';
  checkWeight(fn, 'W', W);
  checkRank(fn, r, W.rows, W.cols);
  checkOpts(fn, opts, ['alpha']);
  const scale = opts.alpha === undefined ? 1 : checkPositive(fn, 'alpha', opts.alpha) / r;
  const f = svd(W, { k: r });
  const B = leadingCols(f.U, r);
  const A = transpose(leadingCols(f.V, r)) as Matrix<Float64Array>;
  const S = f.S.slice(0, r);
  const delta = matmul(scaleCols(B, S), A);
  const Wres = { rows: W.rows, cols: W.cols, data: new Float64Array(W.data.length) };
  for (let i = 0; i < Wres.data.length; i++) Wres.data[i] = W.data[i]! - scale * delta.data[i]!;
  return { A, S, B, Wres, scale };
}

/** SORSA's orthonormality regularizer: its value and its gradients with respect to A and B. */
export interface SorsaRegularizer {
  value: number;
  /** dvalue/dA (r x in). */
  gradA: Matrix<Float64Array>;
  /** dvalue/dB (out x r). */
  gradB: Matrix<Float64Array>;
}

/**
 * SORSA's orthonormal regularizer for one adapted matrix and its gradient:
 * `squared: false` (default, the reference code): ‖A Aᵀ - I‖_F + ‖Bᵀ B - I‖_F;
 * `squared: true` (the paper's eq.): ‖A Aᵀ - I‖_F² + ‖Bᵀ B - I‖_F², gradient 4(AAᵀ-I)A and
 * 4B(BᵀB-I). The unsquared norm's gradient is 0/0 at an exactly orthonormal init: below `eps`
 * it is taken as 0. The reference averages the value over adapted matrices; do that outside.
 * sorsalib adds (γ/lr)·∇ to the task gradient before the optimizer step, so an SGD step moves
 * by γ∇ whatever the learning rate.
 */
export function sorsaRegularizer(A: Matrix, B: Matrix, opts: { squared?: boolean; eps?: number } = {}): SorsaRegularizer {
  const fn = 'sorsaRegularizer';
  checkOpts(fn, opts, ['squared', 'eps']);
  const squared = optBoolean(fn, 'squared', opts.squared, false);
  const eps = checkNonNegative(fn, 'eps', opts.eps ?? 1e-12);
  const a = orthoTerm(A, true, squared, eps);
  const b = orthoTerm(B, false, squared, eps);
  return { value: a.value + b.value, gradA: a.grad, gradB: b.grad };
}

/** Options of {@link addSorsaRegularizerGrad}: the regularizer weight γ, the optimizer's learning rate, and the form of the norm. */
export interface SorsaTrainOptions {
  /** γ ≥ 0 (sorsalib default 4e-4); 0 adds nothing. */
  gamma: number;
  /** The optimizer's learning rate: the added gradient is (γ / lr) ∇L_reg, as in sorsalib's trainer. */
  lr: number;
  /** The paper's squared norms instead of the code's plain norms (default false). */
  squared?: boolean;
  /** Below this norm the unsquared gradient is taken as 0 (default 1e-12). */
  eps?: number;
}

/**
 * SORSA's regularizer in a training loop (sorsalib `trainer.py`): after the task gradients are
 * in the layers' `grad` buffers (and clipped, if you clip), add (γ / lr) ∇ L_reg with
 * L_reg = (1 / #layers) Σ_layers (‖A Aᵀ - I‖_F + ‖Bᵀ B - I‖_F), then call the optimizer's step.
 * With plain SGD the regularizer therefore moves A and B by γ ∇L_reg whatever the learning rate.
 * Returns L_reg at the current factors. Every layer must be a `sorsa` {@link AdaptedLinear}.
 */
export function addSorsaRegularizerGrad(layers: readonly AdaptedLinear[], opts: SorsaTrainOptions): number {
  const fn = 'addSorsaRegularizerGrad';
  checkArray(fn, 'layers', layers);
  checkRecord(fn, 'options', opts);
  checkOpts(fn, opts, ['gamma', 'lr', 'squared', 'eps']);
  const gamma = checkNonNegative(fn, 'gamma', opts.gamma);
  const lr = checkPositive(fn, 'lr', opts.lr);
  if (layers.length === 0) throw new DomainError(`${fn}: layers is empty`);
  layers.forEach((l, i) => {
    if (!(l instanceof AdaptedLinear) || l.kind !== 'sorsa') throw new DomainError(`${fn}: layers[${i}] must be a sorsa AdaptedLinear`);
  });
  const n = layers.length;
  const factor = gamma / lr / n;
  let total = 0;
  for (const layer of layers) {
    const reg = sorsaRegularizer(layer.tensor('A'), layer.tensor('B'), { squared: opts.squared, eps: opts.eps });
    total += reg.value;
    if (factor === 0) continue;
    for (const p of layer.parameters()) {
      const g = p.name === 'A' ? reg.gradA : p.name === 'B' ? reg.gradB : null;
      if (g) for (let i = 0; i < p.grad.length; i++) p.grad[i]! += factor * g.data[i]!;
    }
  }
  return total / n;
}
