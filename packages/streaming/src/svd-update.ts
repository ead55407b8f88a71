/**
 * One step of Brand's incremental SVD, shared by IncrementalSVD, IncrementalPCA and the
 * concatenated-SVD "approximate" estimator (internal; not re-exported).
 */
import { frobeniusNorm, type Matrix, matmul } from '@x/gpu';
import { qr, svd } from '@x/linalg';

/** A truncated SVD state: P (p x r, orthonormal columns, row-major) and σ (r, descending). */
export interface SvdState {
  p: number;
  r: number;
  P: Float64Array;
  sigma: Float64Array;
}

/** What an update dropped: Σ of all discarded σ², and the largest discarded σ² (or a bound on it). */
export interface SvdDrop {
  sum: number;
  top: number;
}

/**
 * How the small core is decomposed: 'exact' (default), or 'randomized' (Halko-Martinsson-Tropp
 * with `niter` power iterations and `oversample` extra columns, as peft's IncrementalPCA does
 * with `svd_lowrank(q = 2k, niter = 4)`).
 */
export interface CoreSvdOptions {
  method: 'exact' | 'randomized';
  niter: number;
  oversample: number;
  seed: number;
}

export const EXACT_CORE: CoreSvdOptions = { method: 'exact', niter: 0, oversample: 0, seed: 0 };

/** Top-`keep` SVD of a small matrix and what the truncation dropped. */
function coreSvd(X: Matrix<Float64Array>, keep: number, core: CoreSvdOptions): { U: Matrix; S: Float64Array; r: number; drop: SvdDrop } {
  const kmax = Math.min(X.rows, X.cols);
  if (core.method === 'randomized' && keep < kmax) {
    const k = keep;
    const { U, S } = svd(X, { k, method: 'randomized', niter: core.niter, oversample: Math.min(core.oversample, kmax - k), seed: core.seed });
    let kept = 0;
    for (let i = 0; i < k; i++) kept += S[i]! * S[i]!;
    const sum = Math.max(frobeniusNorm(X) ** 2 - kept, 0);
    // The split of the dropped energy is unknown: the largest dropped σ² is at most all of it.
    return { U, S, r: k, drop: { sum, top: sum } };
  }
  const { U, S } = svd(X);
  const kk = S.length;
  const r = Math.min(keep, kk);
  const drop: SvdDrop = { sum: 0, top: kk > r ? S[r]! * S[r]! : 0 };
  for (let i = r; i < kk; i++) drop.sum += S[i]! * S[i]!;
  return { U, S, r, drop };
}

/**
 * Appends the columns of Z (p x b) to the matrix M ≈ P diag(σ) Qᵀ and keeps the top `keep`
 * triplets: M' = [M Z] = [P Qz] K [[Q, 0], [0, I]]ᵀ with K = [[diag σ, PᵀZ], [0, Rz]] and
 * Z − P PᵀZ = Qz Rz (QR, two projection passes), then SVD(K) = Uk Σk Vkᵀ and P' = [P Qz] Uk.
 * Brand, "Fast low-rank modifications of the thin singular value decomposition", Linear Algebra
 * Appl. 415 (2006), Sec. 2-3. Exact when nothing is dropped. O(p (r + b)² + (r + b)³). When
 * p <= 4 (r + b) the SVD of [P diag σ, Z] is taken directly (same result, less work).
 */
export function appendColumns(
  state: SvdState,
  Z: Matrix,
  keep: number,
  core: CoreSvdOptions = EXACT_CORE,
): { state: SvdState; drop: SvdDrop } {
  const { p, r, P, sigma } = state;
  const b = Z.cols;
  // Unless the basis is much taller than the update (p > 4 (r + b)), Brand's core is not much
  // smaller than [P diag σ, Z] itself, whose SVD gives the same U and σ directly
  // (M'M'ᵀ = P σ² Pᵀ + Z Zᵀ) with less work: take it.
  if (4 * (r + b) >= p) return directUpdate(state, Z, keep, core);
  const Pm: Matrix<Float64Array> = { rows: p, cols: r, data: P };
  let C: Float64Array;
  let Res: Float64Array;
  if (r > 0) {
    // Classical Gram-Schmidt twice ("twice is enough", Giraud et al. 2005) keeps Qz ⟂ P.
    const C1 = matmul(Pm, Z, { transA: true }).data as Float64Array;
    Res = Float64Array.from(Z.data);
    subtractProduct(Res, P, C1, p, r, b);
    const C2 = matmul(Pm, { rows: p, cols: b, data: Res }, { transA: true }).data as Float64Array;
    subtractProduct(Res, P, C2, p, r, b);
    C = C1;
    for (let i = 0; i < C.length; i++) C[i] = C[i]! + C2[i]!;
  } else {
    C = new Float64Array(0);
    Res = Float64Array.from(Z.data);
  }
  const { Q: Qz, R: Rz } = qr({ rows: p, cols: b, data: Res });
  const q = Qz.cols;
  // K is (r + q) x (r + b).
  const kr = r + q;
  const kc = r + b;
  const K = new Float64Array(kr * kc);
  for (let i = 0; i < r; i++) {
    K[i * kc + i] = sigma[i]!;
    for (let j = 0; j < b; j++) K[i * kc + r + j] = C[i * b + j]!;
  }
  for (let i = 0; i < q; i++) for (let j = 0; j < b; j++) K[(r + i) * kc + r + j] = Rz.data[i * b + j]!;
  const { U: Uk, S: Sk, r: rCore, drop } = coreSvd({ rows: kr, cols: kc, data: K }, Math.min(keep, p), core);
  const kk = Uk.cols;
  const rNew = rCore;
  // P' = [P Qz] Uk[:, :rNew]
  const ext = new Float64Array(p * kr);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < r; j++) ext[i * kr + j] = P[i * r + j]!;
    for (let j = 0; j < q; j++) ext[i * kr + r + j] = Qz.data[i * q + j]!;
  }
  const Ukr = new Float64Array(kr * rNew);
  for (let i = 0; i < kr; i++) for (let j = 0; j < rNew; j++) Ukr[i * rNew + j] = Uk.data[i * kk + j]!;
  const Pn = matmul({ rows: p, cols: kr, data: ext }, { rows: kr, cols: rNew, data: Ukr }).data as Float64Array;
  reorthonormalizeColumns(Pn, p, rNew);
  return { state: { p, r: rNew, P: Pn, sigma: Sk.slice(0, rNew) }, drop };
}

/** SVD of [P diag σ, Z] (p x (r + b)), truncated to `keep`. */
function directUpdate(state: SvdState, Z: Matrix, keep: number, core: CoreSvdOptions): { state: SvdState; drop: SvdDrop } {
  const { p, r, P, sigma } = state;
  const b = Z.cols;
  const w = r + b;
  const X = new Float64Array(p * w);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < r; j++) X[i * w + j] = P[i * r + j]! * sigma[j]!;
    for (let j = 0; j < b; j++) X[i * w + r + j] = Z.data[i * b + j]!;
  }
  const { U, S, r: rNew, drop } = coreSvd({ rows: p, cols: w, data: X }, keep, core);
  const kk = U.cols;
  const Pn = new Float64Array(p * rNew);
  for (let i = 0; i < p; i++) for (let j = 0; j < rNew; j++) Pn[i * rNew + j] = U.data[i * kk + j]!;
  return { state: { p, r: rNew, P: Pn, sigma: S.slice(0, rNew) }, drop };
}

/** X -= P C for X (p x b), P (p x r), C (r x b), all row-major (the product by the blocked GEMM). */
function subtractProduct(X: Float64Array, P: Float64Array, C: Float64Array, p: number, r: number, b: number): void {
  const PC = matmul({ rows: p, cols: r, data: P }, { rows: r, cols: b, data: C }).data;
  for (let i = 0; i < X.length; i++) X[i] = X[i]! - PC[i]!;
}

/**
 * Modified Gram-Schmidt (two passes) over the columns of X (p x c, row-major). Columns that
 * belong to nonzero singular values are already orthonormal to roundoff and move only by
 * roundoff; columns of zero singular values (whose direction SVD leaves arbitrary, and which
 * may overlap the others when the residual QR was rank-deficient) are re-made orthonormal,
 * replaced by a coordinate vector orthogonalized against the rest when they vanish.
 */
export function reorthonormalizeColumns(X: Float64Array, p: number, c: number): void {
  const col = new Float64Array(p);
  let nextUnit = 0;
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < p; i++) col[i] = X[i * c + j]!;
    let ok = orthAgainst(X, col, p, c, j);
    while (!ok && nextUnit < p) {
      col.fill(0);
      col[nextUnit++] = 1;
      ok = orthAgainst(X, col, p, c, j);
    }
    for (let i = 0; i < p; i++) X[i * c + j] = col[i]!;
  }
}

/**
 * Projects `col` off columns 0..j-1 of X twice and normalizes it; false when less than half of
 * its norm survives (it lay in their span: the caller tries another vector).
 */
function orthAgainst(X: Float64Array, col: Float64Array, p: number, c: number, j: number): boolean {
  let n0 = 0;
  for (let i = 0; i < p; i++) n0 += col[i]! * col[i]!;
  if (n0 === 0) return false;
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < j; k++) {
      let g = 0;
      for (let i = 0; i < p; i++) g += X[i * c + k]! * col[i]!;
      for (let i = 0; i < p; i++) col[i] = col[i]! - g * X[i * c + k]!;
    }
  }
  let n1 = 0;
  for (let i = 0; i < p; i++) n1 += col[i]! * col[i]!;
  if (n1 < 0.25 * n0) return false;
  const inv = 1 / Math.sqrt(n1);
  for (let i = 0; i < p; i++) col[i] = col[i]! * inv;
  return true;
}
