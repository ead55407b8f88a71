import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import type { Module } from '@x/nn';
import { checkNonNegative, checkOpts, checkWeight } from './validate';

/**
 * The text encoder Cross Initialization runs the initial embedding through: a function on
 * matrices (one token per row) or an @x/nn {@link Module} (its `forward` is used).
 */
export type CrossInitEncoder = ((x: Matrix) => Matrix) | Pick<Module, 'forward'>;

/** What {@link crossInit} returns. */
export interface CrossInit {
  /** The initial embedding v = E(v0) (n x d'), a fresh copy the caller trains. */
  v: Matrix<Float64Array>;
  /** The regularizer's anchor E(v0) (n x d'), kept fixed during training. */
  anchor: Matrix<Float64Array>;
}

function encode(fn: string, encoder: CrossInitEncoder, x: Matrix): Matrix {
  if (typeof encoder === 'function') return encoder(x);
  if (encoder && typeof encoder.forward === 'function') return encoder.forward(x);
  throw new DomainError(`${fn}: encoder must be a function Matrix -> Matrix or a module with forward(x)`);
}

/**
 * Cross Initialization (Pang et al., "Cross Initialization for Face Personalization of
 * Text-to-Image Models", CVPR 2024, Sec. 3.2; `CrossInitialization/utils.py`): the pseudo-token
 * embedding is initialized in the text encoder's output space, v = E(v0), where v0 (n x d, one
 * row per pseudo-token; the reference uses the mean embedding of ~700 celebrity first/last names)
 * is the standard textual-inversion init. The reference feeds [bos, v0, eos, pad] through CLIP
 * and keeps the last hidden states at v0's positions; here the encoder maps the n rows to n rows,
 * so any framework's encoder fits behind a function. Returns v and the anchor E(v0) for
 * {@link crossInitRegularizer}. v0 is not mutated. Cost: one encoder forward.
 */
export function crossInit(encoder: CrossInitEncoder, v0: Matrix): CrossInit {
  checkWeight('crossInit', 'v0', v0);
  const out = encode('crossInit', encoder, { rows: v0.rows, cols: v0.cols, data: Float64Array.from(v0.data) });
  checkWeight('crossInit', 'E(v0)', out);
  if (out.rows !== v0.rows) {
    throw new ShapeError(`crossInit: the encoder returned ${out.rows}x${out.cols} for ${v0.rows}x${v0.cols} input; it must keep one row per token`);
  }
  return {
    v: { rows: out.rows, cols: out.cols, data: Float64Array.from(out.data) },
    anchor: { rows: out.rows, cols: out.cols, data: Float64Array.from(out.data) },
  };
}

/** Options of {@link crossInitRegularizer}. */
export interface CrossInitRegularizerOptions {
  /** Weight λ (the reference's `reg_weight`, default 1e-5). */
  lambda?: number;
  /** Below this row distance the (non-differentiable) norm's gradient is taken as 0 (default 1e-12). */
  eps?: number;
}

/**
 * Cross Initialization's regularizer (Pang et al. 2024, Eq. 4; `train_cross_init.py`):
 * λ · mean_j ‖v_j − E(v0)_j‖₂ over the n token rows, the L2 norm (not squared), and its gradient
 * λ/n · (v_j − a_j)/‖v_j − a_j‖₂ per row, taken as 0 where ‖v_j − a_j‖ <= eps (at the init
 * itself the norm is 0 and only a subgradient exists). v and anchor are n x d. O(n d).
 */
export function crossInitRegularizer(v: Matrix, anchor: Matrix, opts: CrossInitRegularizerOptions = {}): { value: number; grad: Matrix<Float64Array> } {
  checkWeight('crossInitRegularizer', 'v', v);
  checkWeight('crossInitRegularizer', 'anchor', anchor);
  if (v.rows !== anchor.rows || v.cols !== anchor.cols) {
    throw new ShapeError(`crossInitRegularizer: v is ${v.rows}x${v.cols}, anchor is ${anchor.rows}x${anchor.cols}; they must match`);
  }
  checkOpts('crossInitRegularizer', opts, ['lambda', 'eps']);
  const lambda = checkNonNegative('crossInitRegularizer', 'lambda', opts.lambda ?? 1e-5);
  const eps = checkNonNegative('crossInitRegularizer', 'eps', opts.eps ?? 1e-12);
  const { rows: n, cols: d } = v;
  const grad = new Float64Array(n * d);
  if (n === 0) return { value: 0, grad: { rows: n, cols: d, data: grad } };
  let total = 0;
  for (let j = 0; j < n; j++) {
    // ‖v_j − a_j‖ = m √ss with the entries scaled by m = max|v_jc − a_jc| (Σ of squares alone
    // overflows past about 1e154, which zeroed the gradient, and underflows below 1e-154).
    let m = 0;
    for (let c = 0; c < d; c++) m = Math.max(m, Math.abs(v.data[j * d + c]! - anchor.data[j * d + c]!));
    let ss = 0;
    if (m > 0) for (let c = 0; c < d; c++) ss += ((v.data[j * d + c]! - anchor.data[j * d + c]!) / m) ** 2;
    const rs = Math.sqrt(ss);
    const norm = m * rs;
    total += norm;
    if (norm <= eps) continue;
    // λ/n times the unit direction, formed without the (possibly infinite) norm.
    const f = lambda / n / rs;
    for (let c = 0; c < d; c++) grad[j * d + c] = (f * (v.data[j * d + c]! - anchor.data[j * d + c]!)) / m;
  }
  return { value: (lambda * total) / n, grad: { rows: n, cols: d, data: grad } };
}
