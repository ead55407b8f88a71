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

/** Largest |eigenvalue| and smallest eigenvalue of a symmetric matrix (numpy-independent check via @x/linalg eigh). */
export async function symExtremes(a: Matrix): Promise<{ norm: number; min: number }> {
  const { eigh } = await import('@x/linalg');
  const { values } = eigh(a);
  const lo = values[0]!;
  const hi = values[values.length - 1]!;
  return { norm: Math.max(Math.abs(lo), Math.abs(hi)), min: lo };
}

/** Concatenates blocks side by side. */
export function hstack(blocks: Matrix[]): Matrix<Float64Array> {
  const m = blocks[0]!.rows;
  const n = blocks.reduce((s, b) => s + b.cols, 0);
  const out = new Float64Array(m * n);
  let c0 = 0;
  for (const b of blocks) {
    for (let i = 0; i < m; i++) for (let j = 0; j < b.cols; j++) out[i * n + c0 + j] = b.data[i * b.cols + j]!;
    c0 += b.cols;
  }
  return { rows: m, cols: n, data: out };
}

/** Columns c0..c1-1 of a. */
export function colSlice(a: Matrix, c0: number, c1: number): Matrix<Float64Array> {
  const w = c1 - c0;
  const out = new Float64Array(a.rows * w);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < w; j++) out[i * w + j] = a.data[i * a.cols + c0 + j]!;
  return { rows: a.rows, cols: w, data: out };
}

/** Rows r0..r1-1 of a. */
export function rowSlice(a: Matrix, r0: number, r1: number): Matrix<Float64Array> {
  return { rows: r1 - r0, cols: a.cols, data: Float64Array.from(a.data.subarray(r0 * a.cols, r1 * a.cols)) };
}
