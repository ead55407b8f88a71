import { DomainError, type Matrix } from '@x/gpu';
import type { ComplexArray } from './complex';
import { checkInt } from './complex';
import { hippoNplr } from './hippo';
import { linalgEigh } from './linalg-adapter';

/** A complex matrix stored split (row-major), as @x/linalg's ComplexMatrix. */
export interface CMatrix {
  re: Matrix<Float64Array>;
  im: Matrix<Float64Array>;
}

/**
 * Eigen-decomposition of a real skew-symmetric matrix S through the Hermitian matrix H = -i S
 * (S4 paper, Appendix C.1; state-spaces/s4 `hippo.nplr`): S = V diag(i w) V*, V unitary, w real.
 * This is stable, unlike eig of the non-normal HiPPO matrix, whose eigenvector condition number
 * grows exponentially (PTD paper, Sec. 3).
 *
 * H is Hermitian with zero real part; its eigenpairs are read off @x/linalg's real symmetric
 * `eigh` of the 2N x 2N embedding [[Re H, -Im H], [Im H, Re H]] = [[0, S], [-S, 0]], whose
 * spectrum is that of H with every eigenvalue doubled; each pair's first vector [x; y] gives the
 * complex eigenvector x + i y. Requires distinct eigenvalues of H (true for HiPPO).
 * O(N³).
 * @returns `{ w: Float64Array (ascending), V: CMatrix (N x N, columns are eigenvectors) }`.
 */
export function skewEig(S: Matrix): { w: Float64Array; V: CMatrix } {
  const N = S.rows;
  if (S.cols !== N) throw new DomainError(`skewEig: S must be square, got ${S.rows}x${S.cols}`);
  const M = new Float64Array(4 * N * N);
  const n2 = 2 * N;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const s = S.data[i * N + j]!;
      M[i * n2 + (N + j)] = s;
      M[(N + i) * n2 + j] = -s;
    }
  }
  const { values, vectors } = linalgEigh('skewEig', { rows: n2, cols: n2, data: M });
  const w = new Float64Array(N);
  const Vr = new Float64Array(N * N);
  const Vi = new Float64Array(N * N);
  const vd = vectors.data;
  for (let j = 0; j < N; j++) {
    const col = 2 * j;
    w[j] = 0.5 * (values[col]! + values[col + 1]!);
    // Fix the free complex phase: make the largest-modulus entry real positive, so results are
    // deterministic whichever vector of the 2-D eigenspace eigh returned.
    let best = 0;
    let bi = 0;
    for (let i = 0; i < N; i++) {
      const x = vd[i * n2 + col]!;
      const y = vd[(N + i) * n2 + col]!;
      const m = x * x + y * y;
      if (m > best + 1e-12) {
        best = m;
        bi = i;
      }
    }
    const px = vd[bi * n2 + col]!;
    const py = vd[(N + bi) * n2 + col]!;
    const pm = Math.hypot(px, py);
    // Multiply by conj(p)/|p|, and renormalize (the pair vector has unit norm already).
    const cr = px / pm;
    const ci = -py / pm;
    let nrm = 0;
    for (let i = 0; i < N; i++) {
      const x = vd[i * n2 + col]!;
      const y = vd[(N + i) * n2 + col]!;
      nrm += x * x + y * y;
    }
    const inv = 1 / Math.sqrt(nrm);
    for (let i = 0; i < N; i++) {
      const x = vd[i * n2 + col]!;
      const y = vd[(N + i) * n2 + col]!;
      Vr[i * N + j] = (x * cr - y * ci) * inv;
      Vi[i * N + j] = (x * ci + y * cr) * inv;
    }
  }
  return { w, V: { re: { rows: N, cols: N, data: Vr }, im: { rows: N, cols: N, data: Vi } } };
}

/**
 * Stable diagonalization of the normal part of HiPPO-LegS (S4 paper, Thm. 1 and Appendix C.1;
 * S4D paper Sec. 3 "S4D-LegS"): A_normal = -1/2 I + S = V diag(lambda) V*, with
 * lambda = -1/2 + i w and (w, V) from the Hermitian eigen-decomposition of -i S.
 * Eigenvalues come sorted by imaginary part (ascending), in conjugate pairs for even N.
 * @returns `{ lambda: ComplexArray (N), V: CMatrix (N x N, unitary), P, B }` (P, B: HiPPO vectors).
 */
export function hippoNormalEig(N: number): { lambda: ComplexArray; V: CMatrix; P: Float64Array; B: Float64Array } {
  checkInt('hippoNormalEig', 'N', N, 1);
  const { S, P, B, diagShift } = hippoNplr(N);
  const { w, V } = skewEig(S);
  const lambda = { re: new Float64Array(N).fill(diagShift), im: w };
  return { lambda, V, P, B };
}
