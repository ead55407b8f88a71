import type { Matrix } from '@x/gpu';
import { checkInt } from './complex';

/**
 * HiPPO-LegS transition (Gu et al., "HiPPO: Recurrent Memory with Optimal Polynomial
 * Projections", NeurIPS 2020, eq. (29); S4D paper eq. (5)):
 * A[n][k] = -sqrt(2n+1) sqrt(2k+1) if n > k, -(n+1) if n = k, 0 if n < k; B[n] = sqrt(2n+1).
 * @param N state size (>= 1).
 * @returns `{ A: N x N float64 Matrix, B: Float64Array(N) }`.
 * @throws DomainError unless N is an integer >= 1.
 */
export function hippoLegS(N: number): { A: Matrix<Float64Array>; B: Float64Array } {
  checkInt('hippoLegS', 'N', N, 1);
  const A = new Float64Array(N * N);
  const B = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const rn = Math.sqrt(2 * n + 1);
    B[n] = rn;
    for (let k = 0; k < n; k++) A[n * N + k] = -rn * Math.sqrt(2 * k + 1);
    A[n * N + n] = -(n + 1);
  }
  return { A: { rows: N, cols: N, data: A }, B };
}

/**
 * HiPPO-LegT transition for a window of length theta = 1 (HiPPO paper, Appendix D.1, the
 * translated-Legendre measure; the LMU matrix up to the sqrt(2n+1) basis scaling):
 * A[n][k] = -sqrt(2n+1) sqrt(2k+1) * (1 if n >= k else (-1)^(n-k)), B[n] = sqrt(2n+1).
 * (state-spaces/s4's `transition('legt')` additionally halves A and B.)
 * @param N state size (>= 1).
 */
export function hippoLegT(N: number): { A: Matrix<Float64Array>; B: Float64Array } {
  checkInt('hippoLegT', 'N', N, 1);
  const A = new Float64Array(N * N);
  const B = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const rn = Math.sqrt(2 * n + 1);
    B[n] = rn;
    for (let k = 0; k < N; k++) {
      const sign = n >= k ? 1 : (n - k) % 2 === 0 ? 1 : -1;
      A[n * N + k] = -rn * Math.sqrt(2 * k + 1) * sign;
    }
  }
  return { A: { rows: N, cols: N, data: A }, B };
}

/**
 * Normal-plus-low-rank split of HiPPO-LegS (S4 paper, "Efficiently Modeling Long Sequences with
 * Structured State Spaces", ICLR 2022, eq. (6) and Appendix C.1):
 * A = -1/2 I + S - P Pᵀ with P[n] = sqrt(n + 1/2) and S skew-symmetric,
 * S[n][k] = -sign(n - k) sqrt((n + 1/2)(k + 1/2)).
 * @returns `{ A, B, P, S, diagShift: -1/2 }` where A + P Pᵀ = diagShift I + S.
 */
export function hippoNplr(N: number): {
  A: Matrix<Float64Array>;
  B: Float64Array;
  P: Float64Array;
  S: Matrix<Float64Array>;
  diagShift: number;
} {
  checkInt('hippoNplr', 'N', N, 1);
  const { A, B } = hippoLegS(N);
  const P = new Float64Array(N);
  for (let n = 0; n < N; n++) P[n] = Math.sqrt(n + 0.5);
  const S = new Float64Array(N * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < N; k++) {
      if (n === k) continue;
      // From A + P Pᵀ directly, so the identity holds to rounding.
      S[n * N + k] = A.data[n * N + k]! + P[n]! * P[k]!;
    }
  }
  return { A, B, P, S: { rows: N, cols: N, data: S }, diagShift: -0.5 };
}
