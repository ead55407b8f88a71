import { checkAlloc, checkMatrix, checkNumber, checkOptions } from '@x/gpu/checks';
import { DomainError, type Matrix } from '@x/gpu';
import { eigh } from '@x/linalg';

/** Options of {@link laplacianEigenmaps}. */
export interface EigenmapOptions {
  /** Neighbours per point (default 10). */
  k?: number;
  /** Coifman-Lafon density normalisation exponent α (default 1: Laplace-Beltrami limit; 0: none). */
  alpha?: number;
  /** Number of eigenpairs returned (default 8). */
  count?: number;
}

/** Result of {@link laplacianEigenmaps}. */
export interface EigenmapResult {
  /** Eigenvalues of the random-walk Laplacian I − D̃⁻¹W̃, ascending (the first is 0). */
  values: Float64Array;
  /** N x count; column j is the right eigenvector of values[j] (φ_0 is constant). */
  vectors: Matrix<Float64Array>;
  /** The kernel bandwidth ε (mean squared distance to the k-th neighbour). */
  epsilon: number;
}

/**
 * Laplacian eigenmaps of a point cloud (Belkin & Niyogi 2003) with Coifman-Lafon density
 * normalisation (Coifman & Lafon 2006, "Diffusion maps", §2.1): brute-force kNN graph,
 * W_ij = exp(−‖x_i − x_j‖²/ε) on kNN edges (symmetrised by union), ε = mean squared k-th
 * neighbour distance; W̃ = D^{−α} W D^{−α}; random-walk Laplacian L = I − D̃⁻¹W̃, solved through
 * its symmetric form I − D̃^{−1/2} W̃ D̃^{−1/2} (φ = D̃^{−1/2} v). With α = 1 the operator tends to
 * the Laplace-Beltrami operator whatever the sampling density. The classical baseline of
 * "Learning Eigenstructures of Unstructured Data Manifolds". O(N² D + N³) (dense eigh).
 */
export function laplacianEigenmaps(points: Matrix, opts: EigenmapOptions = {}): EigenmapResult {
  const fn = 'laplacianEigenmaps';
  checkMatrix(fn, 'points', points);
  checkOptions(fn, opts, ['k', 'alpha', 'count']);
  const n = points.rows;
  const dim = points.cols;
  checkAlloc(fn, 'the distance matrix', n, n);
  const k = opts.k ?? 10;
  const alpha = checkNumber(fn, 'alpha', opts.alpha ?? 1);
  const count = opts.count ?? 8;
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new DomainError(`laplacianEigenmaps: k must be an integer in [1, N), got ${k} for N = ${n}`);
  if (!Number.isInteger(count) || count < 1 || count > n) throw new DomainError(`laplacianEigenmaps: count must be in [1, N], got ${count}`);
  const p = points.data;
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i]!)) throw new DomainError(`laplacianEigenmaps: coordinate ${i} is ${p[i]}`);
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (p[i * dim + c]! - p[j * dim + c]!) ** 2;
      d2[i * n + j] = s;
      d2[j * n + i] = s;
    }
  }
  // kNN lists (excluding self) and ε = mean k-th neighbour squared distance.
  const nbr = new Int32Array(n * k);
  let eps = 0;
  const idx = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const row = d2.subarray(i * n, (i + 1) * n);
    const order = idx.filter((j) => j !== i).sort((a, b) => row[a]! - row[b]!);
    for (let t = 0; t < k; t++) nbr[i * k + t] = order[t]!;
    eps += row[order[k - 1]!]!;
  }
  eps /= n;
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = nbr[i * k + t]!;
      const v = Math.exp(-d2[i * n + j]! / eps);
      W[i * n + j] = v;
      W[j * n + i] = v;
    }
  }
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) deg[i]! += W[i * n + j]!;
  if (alpha !== 0) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[i * n + j]! /= (deg[i]! * deg[j]!) ** alpha;
  }
  const dt = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dt[i]! += W[i * n + j]!;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = -W[i * n + j]! / Math.sqrt(dt[i]! * dt[j]!);
  // eigh of −S: ascending order gives S's largest eigenvalues first; L's eigenvalue is 1 + λ(−S).
  const e = eigh({ rows: n, cols: n, data: s });
  const values = new Float64Array(count);
  const vecs = new Float64Array(n * count);
  for (let j = 0; j < count; j++) {
    values[j] = 1 + e.values[j]!;
    for (let i = 0; i < n; i++) vecs[i * count + j] = e.vectors.data[i * n + j]! / Math.sqrt(dt[i]!);
  }
  values[0] = Math.max(0, values[0]!);
  return { values, vectors: { rows: n, cols: count, data: vecs }, epsilon: eps };
}
