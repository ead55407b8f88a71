import { DomainError, type Matrix } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix } from '@x/gpu/checks';
import type { ComplexArray } from './complex';
import { checkInt } from './complex';
import { hippoNplr } from './hippo';
import { linalgEigh, linalgEighComplex } from './linalg-adapter';

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
 * Uses @x/linalg's `eighComplex` (Hermitian) on H; with an older @x/linalg, its real symmetric
 * `eigh` of the 2N x 2N embedding [[Re H, -Im H], [Im H, Re H]] = [[0, S], [-S, 0]] (spectrum of
 * H doubled; each pair's first vector [x; y] gives x + i y; needs distinct eigenvalues, true for
 * HiPPO). Each eigenvector's phase is fixed (largest entry real positive).
 * O(N³).
 * @returns `{ w: Float64Array (ascending), V: CMatrix (N x N, columns are eigenvectors) }`.
 */
export function skewEig(S: Matrix): { w: Float64Array; V: CMatrix } {
  checkMatrix('skewEig', 'S', S);
  checkFinite('skewEig', 'S', S);
  const N = S.rows;
  if (S.cols !== N) throw new DomainError(`skewEig: S must be square, got ${S.rows}x${S.cols}`);
  checkAlloc('skewEig', 'the eigenvectors', N, N);
  // Column j of the result: eigenvalue w[j], eigenvector x + i y read through getX/getY.
  let w: Float64Array;
  let getX: (i: number, j: number) => number;
  let getY: (i: number, j: number) => number;
  const herm = linalgEighComplex();
  if (herm) {
    // @x/linalg's Hermitian eigh of H = -i S (Re H = 0, Im H = -S).
    const im = new Float64Array(N * N);
    for (let i = 0; i < N * N; i++) im[i] = -S.data[i]!;
    const r = herm({ re: { rows: N, cols: N, data: new Float64Array(N * N) }, im: { rows: N, cols: N, data: im } });
    w = Float64Array.from(r.values);
    const vr = r.vectors.re.data;
    const vi = r.vectors.im.data;
    getX = (i, j) => vr[i * N + j]!;
    getY = (i, j) => vi[i * N + j]!;
  } else {
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
    w = new Float64Array(N);
    for (let j = 0; j < N; j++) w[j] = 0.5 * (values[2 * j]! + values[2 * j + 1]!);
    const vd = vectors.data;
    getX = (i, j) => vd[i * n2 + 2 * j]!;
    getY = (i, j) => vd[(N + i) * n2 + 2 * j]!;
  }
  const Vr = new Float64Array(N * N);
  const Vi = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    // Fix the free complex phase: make the largest-modulus entry real positive, so results are
    // deterministic whichever vector of the eigenspace the solver returned.
    let best = 0;
    let bi = 0;
    let nrm = 0;
    for (let i = 0; i < N; i++) {
      const m = getX(i, j) ** 2 + getY(i, j) ** 2;
      nrm += m;
      if (m > best + 1e-12) {
        best = m;
        bi = i;
      }
    }
    const px = getX(bi, j);
    const py = getY(bi, j);
    const pm = Math.hypot(px, py);
    const inv = 1 / Math.sqrt(nrm);
    const cr = (px / pm) * inv;
    const ci = (-py / pm) * inv;
    for (let i = 0; i < N; i++) {
      const x = getX(i, j);
      const y = getY(i, j);
      Vr[i * N + j] = x * cr - y * ci;
      Vi[i * N + j] = x * ci + y * cr;
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
