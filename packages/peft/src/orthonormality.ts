import { type Matrix, matmul } from '@x/gpu';

/**
 * ‖M‖_F (or ‖M‖_F² with `squared`) of M = X Xᵀ - I (`rowsSide`: orthonormal rows wanted) or
 * M = Xᵀ X - I (orthonormal columns), and its gradient with respect to X:
 * d‖M‖²/dX = 4 M X (rows side) or 4 X M (columns side), and d‖M‖ = d‖M‖² / (2‖M‖), taken as 0
 * below `eps` where the unsquared norm is not differentiable.
 */
export function orthoTerm(X: Matrix, rowsSide: boolean, squared: boolean, eps: number): { value: number; grad: Matrix<Float64Array> } {
  const G = rowsSide ? matmul(X, X, { transB: true }) : matmul(X, X, { transA: true });
  const k = G.rows;
  for (let i = 0; i < k; i++) G.data[i * k + i]! -= 1;
  let ss = 0;
  for (let i = 0; i < G.data.length; i++) ss += G.data[i]! * G.data[i]!;
  const norm = Math.sqrt(ss);
  const factor = squared ? 4 : norm > eps ? 2 / norm : 0;
  const grad = (rowsSide ? matmul(G, X) : matmul(X, G)) as Matrix<Float64Array>;
  for (let i = 0; i < grad.data.length; i++) grad.data[i]! *= factor;
  return { value: squared ? ss : norm, grad };
}
