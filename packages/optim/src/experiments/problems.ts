import { type Matrix, matmul, randn } from '@x/gpu';

/** U diag(sigmas) Uᵀ with U (n x r) orthonormal from Gram-Schmidt of a seeded Gaussian. */
export function lowRankPsd(n: number, sigmas: readonly number[], seed: number): Matrix<Float64Array> {
  const r = sigmas.length;
  const G = randn(n, r, seed);
  const U = G.data;
  for (let j = 0; j < r; j++) {
    for (let q = 0; q < j; q++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += U[i * r + j]! * U[i * r + q]!;
      for (let i = 0; i < n; i++) U[i * r + j] = U[i * r + j]! - d * U[i * r + q]!;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += U[i * r + j]! ** 2;
    for (let i = 0; i < n; i++) U[i * r + j] = U[i * r + j]! / Math.sqrt(s);
  }
  const US = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) US[i * r + j] = U[i * r + j]! * sigmas[j]!;
  return matmul({ rows: n, cols: r, data: US }, { rows: n, cols: r, data: U }, { transB: true }) as Matrix<Float64Array>;
}
