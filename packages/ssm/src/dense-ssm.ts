import { assertMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { checkInt, checkPositive, checkRealArray, checkStruct } from './complex';
import { checkDisc } from './discretize';
import { expm } from './expm';
import { linalgSolve } from './linalg-adapter';

/**
 * Discretizes a dense SSM x' = A x + B u (the "S4 (DPLR) reference": HiPPO's A kept dense):
 * - 'zoh': dA = exp(dt A), dB = A^{-1}(exp(dt A) - I) B, both read off one exponential of the
 *   augmented matrix [[dt A, dt B], [0, 0]] (Van Loan 1978), so A may be singular;
 * - 'bilinear': dA = (I - dt A/2)^{-1}(I + dt A/2), dB = (I - dt A/2)^{-1} dt B (S4 paper eq. (3);
 *   C unchanged), solved with @x/linalg.
 * O(N³). Float64.
 */
export function denseDiscretize(
  A: Matrix,
  B: ArrayLike<number>,
  dt: number,
  disc: 'zoh' | 'bilinear' = 'zoh',
): { dA: Matrix<Float64Array>; dB: Float64Array } {
  const fn = 'denseDiscretize';
  assertMatrix(fn, 'A', A);
  const N = A.rows;
  if (A.cols !== N) throw new ShapeError(`${fn}: A must be square, got ${A.rows}x${A.cols}`);
  const b = checkRealArray(fn, 'B', B, N);
  checkPositive(fn, 'dt', dt);
  checkDisc(fn, disc, false);
  if (disc === 'zoh') {
    const M = N + 1;
    const aug = new Float64Array(M * M);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) aug[i * M + j] = dt * A.data[i * N + j]!;
      aug[i * M + N] = dt * b[i]!;
    }
    const E = expm({ rows: M, cols: M, data: aug });
    const dA = new Float64Array(N * N);
    const dB = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) dA[i * N + j] = E.data[i * M + j]!;
      dB[i] = E.data[i * M + N]!;
    }
    return { dA: { rows: N, cols: N, data: dA }, dB };
  }
  const lhs = new Float64Array(N * N);
  const rhs = new Float64Array(N * (N + 1));
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const v = (dt / 2) * A.data[i * N + j]!;
      lhs[i * N + j] = (i === j ? 1 : 0) - v;
      rhs[i * (N + 1) + j] = (i === j ? 1 : 0) + v;
    }
    rhs[i * (N + 1) + N] = dt * b[i]!;
  }
  const X = linalgSolve(fn, { rows: N, cols: N, data: lhs }, { rows: N, cols: N + 1, data: rhs });
  const dA = new Float64Array(N * N);
  const dB = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) dA[i * N + j] = X.data[i * (N + 1) + j]!;
    dB[i] = X.data[i * (N + 1) + N]!;
  }
  return { dA: { rows: N, cols: N, data: dA }, dB };
}

/**
 * Convolution kernel of a dense SSM, K_l = C dA^l dB, l < L (S4 paper eq. (4)-(5)): the dense
 * S4 reference that the diagonal kernels approximate (S4D paper Sec. 3, Thm. 3). O(N² L) after an
 * O(N³) discretization; fine for N <= 256.
 */
export function denseSsmKernel(
  params: { A: Matrix; B: ArrayLike<number>; C: ArrayLike<number>; dt: number },
  L: number,
  opts: { disc?: 'zoh' | 'bilinear' } = {},
): Float64Array {
  const fn = 'denseSsmKernel';
  checkStruct(fn, 'params', params);
  checkInt(fn, 'L', L, 1);
  checkOptions(fn, opts, ['disc']);
  const { dA, dB } = denseDiscretize(params.A, params.B, params.dt, opts.disc ?? 'zoh');
  const N = dA.rows;
  const c = checkRealArray(fn, 'C', params.C, N);
  const K = new Float64Array(L);
  let x = Float64Array.from(dB);
  let nx = new Float64Array(N);
  const a = dA.data;
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += c[i]! * x[i]!;
    K[l] = s;
    for (let i = 0; i < N; i++) {
      let t = 0;
      const row = i * N;
      for (let j = 0; j < N; j++) t += a[row + j]! * x[j]!;
      nx[i] = t;
    }
    const tmp = x;
    x = nx;
    nx = tmp;
  }
  return K;
}
