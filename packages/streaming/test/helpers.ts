import type { Matrix } from '@x/gpu';

/** |<u, v>| / (|u| |v|). */
export function absCos(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let i = 0; i < u.length; i++) {
    uv += u[i]! * v[i]!;
    uu += u[i]! * u[i]!;
    vv += v[i]! * v[i]!;
  }
  return Math.abs(uv) / Math.sqrt(uu * vv);
}

export function mat(rows: number, cols: number, data: ArrayLike<number>): Matrix<Float64Array> {
  return { rows, cols, data: Float64Array.from(data) };
}

export function rowOf(a: Matrix, i: number): Float64Array {
  return Float64Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols));
}

export function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/** Yields the rows of `a` asynchronously (a stand-in for a Node stream in object mode). */
export async function* asyncRows(a: Matrix): AsyncGenerator<Float64Array> {
  for (let i = 0; i < a.rows; i++) {
    await Promise.resolve();
    yield rowOf(a, i);
  }
}
