import { assertFinite, assertMatrix, gram, type Matrix, matmul, transpose } from '@x/gpu';
import { checkOptions, checkSteps } from '@x/gpu/checks';

/** The quintic's coefficients (a, b, c) from Keller Jordan's Muon (muon.py, `zeropower_via_newtonschulz5`). */
export const NS5_COEFFICIENTS = Object.freeze([3.4445, -4.775, 2.0315] as const);

/** Options of {@link newtonSchulz5}. */
export interface NewtonSchulzOptions {
  /** Number of quintic iterations, default 5. */
  steps?: number;
}

/**
 * Approximate orthogonalization (the "zeroth power" U Vᵀ of G = U S Vᵀ) by the Newton-Schulz
 * quintic of Muon (Jordan et al. 2024, muon.py): X <- G / (||G||_F + 1e-7), transposed so that
 * rows <= cols, then `steps` times { A = X Xᵀ; X <- a X + (b A + c A²) X } with
 * (a, b, c) = (3.4445, -4.7750, 2.0315). The coefficients trade exactness for speed: singular
 * values land in roughly [0.68, 1.13] rather than at 1, and tiny ones stay small (not the exact
 * polar factor). Runs in float64 (the reference runs in bfloat16).
 *
 * Shapes: G m x n -> m x n. Complexity: steps * (4 k² l + 2 k³) flops, k = min(m, n), l = max(m, n).
 * @throws ShapeError when G is not a Matrix; DomainError on NaN/Infinity, or when steps is not an integer in [0, MAX_STEPS] (checked before iterating).
 */
export function newtonSchulz5(G: Matrix, opts: NewtonSchulzOptions = {}): Matrix<Float64Array> {
  assertMatrix('newtonSchulz5', 'G', G);
  assertFinite('newtonSchulz5', 'G', G);
  checkOptions('newtonSchulz5', opts, ['steps']);
  const steps = checkSteps('newtonSchulz5', 'steps', opts.steps ?? 5);
  const tall = G.rows > G.cols;
  const src = tall ? transpose(G) : G;
  let norm = 0;
  for (let i = 0; i < src.data.length; i++) norm += src.data[i]! * src.data[i]!;
  const inv = 1 / (Math.sqrt(norm) + 1e-7);
  let X: Matrix<Float64Array> = { rows: src.rows, cols: src.cols, data: new Float64Array(src.data.length) };
  for (let i = 0; i < X.data.length; i++) X.data[i] = src.data[i]! * inv;
  const [a, b, c] = NS5_COEFFICIENTS;
  for (let s = 0; s < steps; s++) {
    const A = gram(X, { outer: true });
    const AA = matmul(A, A);
    const B = A.data;
    for (let i = 0; i < B.length; i++) B[i] = b * B[i]! + c * AA.data[i]!;
    const BX = matmul(A, X);
    const next = new Float64Array(X.data.length);
    for (let i = 0; i < next.length; i++) next[i] = a * X.data[i]! + BX.data[i]!;
    X = { rows: X.rows, cols: X.cols, data: next };
  }
  return tall ? (transpose(X) as Matrix<Float64Array>) : X;
}
