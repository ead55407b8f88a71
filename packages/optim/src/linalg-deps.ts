/** The decompositions @x/optim takes from @x/linalg, in one place. */
import type { Matrix } from '@x/gpu';
import { cholesky, qr, type SvdResult, svd } from '@x/linalg';

/** Top-k exact SVD, `a ≈ U diag(S) Vᵀ`, S descending. */
export function svdK(a: Matrix, k: number): SvdResult {
  return svd(a, { k });
}

/** Householder QR (reduced). */
export function qrReduced(a: Matrix): { Q: Matrix; R: Matrix } {
  return qr(a);
}

/** Cholesky factor L (lower) of a symmetric positive definite matrix. */
export function choleskyLower(a: Matrix): Matrix {
  return cholesky(a);
}
