import type { Matrix } from '../src';

/** Reference product by the definition, in float64, for cross-checks independent of the GEMM. */
export function naiveMatmul(a: Matrix, b: Matrix, transA = false, transB = false): Matrix {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
        const bv = transB ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!;
        s += av * bv;
      }
      out[i * n + j] = s;
    }
  }
  return { rows: m, cols: n, data: out };
}
