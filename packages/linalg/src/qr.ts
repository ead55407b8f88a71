import type { Matrix } from '@x/gpu';
import { DomainError } from '@x/gpu';
import { requireMatrix, requireOptions } from './checks';
import { mat } from './dense-util';
import { qrFactorAndForm } from './householder-qr';

/** Options of {@link qr}. */
export interface QrOptions {
  /**
   * 'reduced' (default): Q is m x min(m, n), R is min(m, n) x n.
   * 'complete': Q is m x m, R is m x n.
   */
  mode?: 'reduced' | 'complete';
}

/** Result of {@link qr}: a = Q R, Q with orthonormal columns, R upper triangular (trapezoidal). */
export interface QrResult {
  Q: Matrix<Float64Array>;
  R: Matrix<Float64Array>;
}

/**
 * Householder QR decomposition a = Q R of an m x n matrix.
 *
 * Blocked: each panel of 32 columns is factored recursively (halves, down to 4 columns), which
 * yields its compact-WY factor T and runs the panel's updates as GEMMs; the rest of the matrix
 * is updated with I - V Tᵀ Vᵀ through GEMM, and Q is formed by blocked backward accumulation
 * reusing the panels' T, so nearly all flops are level 3. Signs follow LAPACK dgeqrf (R's diagonal may be negative), so R matches
 * numpy.linalg.qr.
 *
 * Shapes: 'reduced' gives Q m x k, R k x n (k = min(m, n)); 'complete' gives Q m x m, R m x n.
 * Complexity: 2mn² - 2n³/3 flops for R, about as many again for Q.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 5.2.2 (block Householder QR);
 * Schreiber & Van Loan (1989), compact WY; Elmroth & Gustavson (2000), recursive panels.
 * @throws ShapeError when `a` is not a Matrix; DomainError on NaN/Infinity entries or an unknown mode.
 */
export function qr(a: Matrix, opts: QrOptions = {}): QrResult {
  requireOptions('qr', opts, ['mode']);
  const mode = opts.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete') {
    throw new DomainError(`qr: mode must be 'reduced' or 'complete', got ${String(mode)}`);
  }
  requireMatrix('qr', 'a', a);
  const m = a.rows;
  const n = a.cols;
  const qc = mode === 'complete' ? m : Math.min(m, n);
  const rr = mode === 'complete' ? m : Math.min(m, n);
  const { Q, R } = qrFactorAndForm('qr', a.data, m, n, qc, rr);
  return { Q: mat(m, qc, Q), R: mat(rr, n, R) };
}
