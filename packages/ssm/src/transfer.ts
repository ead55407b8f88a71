import { assertMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkBoolean, checkOptions } from '@x/gpu/checks';
import { type ComplexArray, checkComplexArray, checkRealArray, checkStruct } from './complex';
import { linalgSolve } from './linalg-adapter';

/**
 * Transfer function of a dense SSM, G(s) = C (s I - A)⁻¹ B, at complex points s (PTD paper,
 * Yu, Nigmetov, Morozov, Mahoney & Erichson, ICLR 2024, eq. (2); for s = i w this is the
 * steady-state gain of the input sin(w t)). Each point solves the real 2N x 2N system
 * [[Re(sI - A), -Im s I], [Im s I, Re(sI - A)]] [x; y] = [B; 0] with @x/linalg. O(N³) per point.
 * @returns G at each s (ComplexArray, same length as s).
 */
export function transferDense(A: Matrix, B: ArrayLike<number>, C: ArrayLike<number>, s: ComplexArray): ComplexArray {
  const fn = 'transferDense';
  assertMatrix(fn, 'A', A);
  const N = A.rows;
  if (A.cols !== N) throw new ShapeError(`${fn}: A must be square, got ${A.rows}x${A.cols}`);
  const b = checkRealArray(fn, 'B', B, N);
  const c = checkRealArray(fn, 'C', C, N);
  checkComplexArray(fn, 's', s);
  const m = s.re.length;
  const out = { re: new Float64Array(m), im: new Float64Array(m) };
  const n2 = 2 * N;
  for (let p = 0; p < m; p++) {
    const sr = s.re[p]!;
    const si = s.im[p]!;
    const M = new Float64Array(n2 * n2);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const v = (i === j ? sr : 0) - A.data[i * N + j]!;
        M[i * n2 + j] = v;
        M[(N + i) * n2 + N + j] = v;
      }
      M[i * n2 + N + i] = -si;
      M[(N + i) * n2 + i] = si;
    }
    const rhs = new Float64Array(n2);
    rhs.set(b);
    const x = linalgSolve(fn, { rows: n2, cols: n2, data: M }, { rows: n2, cols: 1, data: rhs });
    let gr = 0;
    let gi = 0;
    for (let i = 0; i < N; i++) {
      gr += c[i]! * x.data[i]!;
      gi += c[i]! * x.data[N + i]!;
    }
    out.re[p] = gr;
    out.im[p] = gi;
  }
  return out;
}

/**
 * Transfer function of a diagonal SSM, G(s) = sum_n C_n B_n / (s - lambda_n) (PTD paper eq. (4)).
 * With `conjPairs`, every mode stands for itself and its conjugate (the S4D convention of N/2
 * stored modes): the conjugate terms conj(C_n B_n)/(s - conj(lambda_n)) are added. O(N) per point.
 */
export function transferDiag(
  modes: { A: ComplexArray; B: ComplexArray; C: ComplexArray },
  s: ComplexArray,
  opts: { conjPairs?: boolean } = {},
): ComplexArray {
  const fn = 'transferDiag';
  checkStruct(fn, 'modes', modes);
  checkOptions(fn, opts, ['conjPairs']);
  checkBoolean(fn, 'conjPairs', opts.conjPairs ?? false);
  checkComplexArray(fn, 'A', modes.A);
  const n = modes.A.re.length;
  checkComplexArray(fn, 'B', modes.B, n);
  checkComplexArray(fn, 'C', modes.C, n);
  checkComplexArray(fn, 's', s);
  const m = s.re.length;
  const out = { re: new Float64Array(m), im: new Float64Array(m) };
  const conj = opts.conjPairs ?? false;
  for (let p = 0; p < m; p++) {
    let gr = 0;
    let gi = 0;
    for (let i = 0; i < n; i++) {
      const wr = modes.C.re[i]! * modes.B.re[i]! - modes.C.im[i]! * modes.B.im[i]!;
      const wi = modes.C.re[i]! * modes.B.im[i]! + modes.C.im[i]! * modes.B.re[i]!;
      for (let c = 0; c < (conj ? 2 : 1); c++) {
        const sg = c === 0 ? 1 : -1;
        const dr = s.re[p]! - modes.A.re[i]!;
        const di = s.im[p]! - sg * modes.A.im[i]!;
        const den = dr * dr + di * di;
        const nr = wr;
        const ni = sg * wi;
        gr += (nr * dr + ni * di) / den;
        gi += (ni * dr - nr * di) / den;
      }
    }
    out.re[p] = gr;
    out.im[p] = gi;
  }
  return out;
}
