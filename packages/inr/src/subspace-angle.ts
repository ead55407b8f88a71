import { checkFinite, checkMatrix } from '@x/gpu/checks';
import { type Matrix, ShapeError } from '@x/gpu';
import { qr, svdvals } from '@x/linalg';

/**
 * Largest principal angle, in degrees, between the column spans of A (N x k_A) and B (N x k_B),
 * k_A ≤ k_B: θ = atan2(σ_max((I − Q_B Q_Bᵀ) Q_A), σ_min(Q_Bᵀ Q_A)) (Björck & Golub 1973), with
 * Q the thin QR factors; the sine part keeps small angles accurate (arccos alone loses half the
 * digits). It measures how far span A is from lying inside span B. O(N k²).
 */
export function subspaceAngle(A: Matrix, B: Matrix): number {
  checkMatrix('subspaceAngle', 'A', A);
  checkMatrix('subspaceAngle', 'B', B);
  checkFinite('subspaceAngle', 'A', A);
  checkFinite('subspaceAngle', 'B', B);
  if (A.rows !== B.rows) throw new ShapeError(`subspaceAngle: A is ${A.rows}x${A.cols}, B is ${B.rows}x${B.cols}; row counts must match`);
  const qa = qr(A).Q;
  const qb = qr(B).Q;
  const ka = qa.cols;
  const kb = qb.cols;
  const n = A.rows;
  const m = new Float64Array(ka * kb);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < ka; a++) {
      const va = qa.data[i * ka + a]!;
      for (let b = 0; b < kb; b++) m[a * kb + b]! += va * qb.data[i * kb + b]!;
    }
  }
  if (ka > kb) throw new ShapeError(`subspaceAngle: A has ${ka} columns, B ${kb}; need k_A <= k_B`);
  const cosv = svdvals({ rows: ka, cols: kb, data: m });
  // Residual Q_A − Q_B (Q_Bᵀ Q_A), N x k_A.
  const r = Float64Array.from(qa.data);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < ka; a++) {
      let s = 0;
      for (let b = 0; b < kb; b++) s += qb.data[i * kb + b]! * m[a * kb + b]!;
      r[i * ka + a]! -= s;
    }
  }
  const sinv = svdvals({ rows: n, cols: ka, data: r });
  return (Math.atan2(sinv[0]!, cosv[ka - 1]!) * 180) / Math.PI;
}
