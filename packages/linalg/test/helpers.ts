import { matmul, type Matrix } from '@x/gpu';

export const EPS = 2.220446049250313e-16;

export function m64(rows: number, cols: number, data: ArrayLike<number>): Matrix<Float64Array> {
  return { rows, cols, data: Float64Array.from(data) };
}

/** ||a||_2 of the entries, scaled so that squares of huge or tiny entries neither overflow nor underflow. */
export function fro(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! / m) ** 2;
  return m * Math.sqrt(s);
}

/** ||a - b||_F (overflow-safe as {@link fro}). */
export function froDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i]! - b[i]!;
  return fro(d);
}

/** max |QᵀQ - I| for the columns of q. */
export function orthError(q: Matrix): number {
  if (q.cols === 0) return 0;
  const g = matmul(q, q, { transA: true });
  let e = 0;
  for (let i = 0; i < g.rows; i++) {
    for (let j = 0; j < g.cols; j++) e = Math.max(e, Math.abs(g.data[i * g.cols + j]! - (i === j ? 1 : 0)));
  }
  return e;
}

/** U diag(S) Vᵀ. */
export function usvt(U: Matrix, S: ArrayLike<number>, V: Matrix): Matrix {
  const k = S.length;
  const us = new Float64Array(U.rows * k);
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < k; j++) us[i * k + j] = U.data[i * k + j]! * S[j]!;
  if (k === 0) return { rows: U.rows, cols: V.rows, data: new Float64Array(U.rows * V.rows) };
  return matmul({ rows: U.rows, cols: k, data: us }, V, { transB: true });
}

