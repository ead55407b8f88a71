import { DomainError, type Matrix, type Rng } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix, checkNonNegative, checkOptions, checkRng, checkShape } from '@x/gpu/checks';
import { type ComplexArray, checkComplexArray, checkInt, checkRealArray, checkSplitMatrix, checkStruct } from './complex';
import { hippoLegS } from './hippo';
import { linalgEig, linalgSolve } from './linalg-adapter';
import type { CMatrix } from './normal-eig';

/** Result of {@link ptdInit}: a diagonal SSM (all N modes) from the perturbed HiPPO-LegS matrix. */
export interface PtdResult {
  /** Eigenvalues of A + E, N. */
  Lambda: ComplexArray;
  /** Eigenvectors of A + E (columns), N x N. */
  V: CMatrix;
  /** Ṽ⁻¹, N x N. */
  Vinv: CMatrix;
  /** Ṽ⁻¹ B, N. */
  B: ComplexArray;
  /** The perturbation used, N x N (real). */
  E: Matrix<Float64Array>;
  /** ||E||_2. */
  normE: number;
  /** Condition number of Ṽ, ||Ṽ||_2 ||Ṽ⁻¹||_2 (estimated by power iteration). */
  kappa: number;
}

/** Options of {@link ptdInit}. */
export interface PtdOptions {
  /** Spectral norm of the perturbation, ||E||_2 = eps (default 0.1). */
  eps?: number;
  seed?: number | Rng;
  /** A perturbation to use instead of a random one (it is rescaled to ||E||_2 = eps unless eps is undefined). */
  E?: Matrix;
}

/**
 * ||M||_2 of a real matrix by power iteration on MᵀM (60 steps, deterministic start).
 * @throws ShapeError when `M` is not a well-formed Matrix (dims must match its data).
 */
export function spectralNorm(M: Matrix): number {
  checkMatrix('spectralNorm', 'M', M);
  const n = M.cols;
  const m = M.rows;
  let x = new Float64Array(n).fill(1 / Math.sqrt(n));
  const y = new Float64Array(m);
  let s = 0;
  for (let it = 0; it < 100; it++) {
    for (let i = 0; i < m; i++) {
      let t = 0;
      for (let j = 0; j < n; j++) t += M.data[i * n + j]! * x[j]!;
      y[i] = t;
    }
    const z = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let i = 0; i < m; i++) t += M.data[i * n + j]! * y[i]!;
      z[j] = t;
    }
    let nz = 0;
    for (let j = 0; j < n; j++) nz += z[j]! ** 2;
    nz = Math.sqrt(nz);
    if (nz === 0) return 0;
    const ns = Math.sqrt(nz);
    for (let j = 0; j < n; j++) z[j] = z[j]! / nz;
    x = z;
    if (Math.abs(ns - s) <= 1e-12 * ns) return ns;
    s = ns;
  }
  return s;
}

/** ||X||_2 of a complex matrix through its real embedding [[Re, -Im], [Im, Re]] (same singular values, doubled). */
function complexSpectralNorm(X: CMatrix): number {
  const n = X.re.rows;
  const n2 = 2 * n;
  const M = new Float64Array(n2 * n2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = X.re.data[i * n + j]!;
      const im = X.im.data[i * n + j]!;
      M[i * n2 + j] = r;
      M[i * n2 + n + j] = -im;
      M[(n + i) * n2 + j] = im;
      M[(n + i) * n2 + n + j] = r;
    }
  }
  return spectralNorm({ rows: n2, cols: n2, data: M });
}

/** Inverse of a complex matrix via the real embedding and @x/linalg's solve. */
function complexInverse(X: CMatrix): CMatrix {
  const n = X.re.rows;
  const n2 = 2 * n;
  const M = new Float64Array(n2 * n2);
  const I = new Float64Array(n2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = X.re.data[i * n + j]!;
      const im = X.im.data[i * n + j]!;
      M[i * n2 + j] = r;
      M[i * n2 + n + j] = -im;
      M[(n + i) * n2 + j] = im;
      M[(n + i) * n2 + n + j] = r;
    }
    I[i * n + i] = 1;
  }
  // [[Xr, -Xi], [Xi, Xr]] [Yr; Yi] = [I; 0]
  const Y = linalgSolve('ptdInit', { rows: n2, cols: n2, data: M }, { rows: n2, cols: n, data: I });
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      re[i * n + j] = Y.data[i * n + j]!;
      im[i * n + j] = Y.data[(n + i) * n + j]!;
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: im } };
}

/**
 * Perturb-then-diagonalize (PTD) initialization (Yu, Nigmetov, Morozov, Mahoney & Erichson,
 * "Robustifying State-space Models for Long Sequences via Approximate Diagonalization",
 * ICLR 2024, Sec. 4, eq. (6)): HiPPO-LegS A is non-normal and its eigenvector matrix has a
 * condition number growing exponentially in N, so diagonalizing it directly is ill-posed. PTD
 * diagonalizes A + E instead, with a small perturbation (||E||_2 = eps) that shatters the
 * pseudospectrum: A + E = Ṽ Λ̃ Ṽ⁻¹ with moderate κ(Ṽ), and uses (Λ̃, Ṽ⁻¹B, CṼ) as a diagonal
 * SSM (S4-PTD; S5-PTD for MIMO). Its transfer function is uniformly close to HiPPO's:
 * sup_s |G_PTD - G| <= (2 ln N + 4) eps + O(sqrt(log N) eps²) (Thm. 3).
 * Here E is real Gaussian rescaled to ||E||_2 = eps (the paper's simplest valid choice; its code
 * optimizes E for κ(Ṽ)², see the package README). Needs @x/linalg's `eig`.
 * @returns all N modes (real A + E gives conjugate pairs; the SISO kernel is Re of the full sum).
 */
export function ptdInit(N: number, opts: PtdOptions = {}): PtdResult {
  const fn = 'ptdInit';
  checkInt(fn, 'N', N, 1);
  checkAlloc(fn, 'E', N, N);
  checkOptions(fn, opts, ['eps', 'seed', 'E']);
  const eps = opts.eps ?? 0.1;
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new DomainError(`${fn}: eps must be a finite number >= 0, got ${String(eps)}`);
  const { A, B } = hippoLegS(N);
  let E: Float64Array;
  if (opts.E) {
    checkShape(fn, 'E', opts.E, N, N);
    checkFinite(fn, 'E', opts.E);
    E = Float64Array.from(opts.E.data);
  } else {
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    E = new Float64Array(N * N);
    for (let i = 0; i < N * N; i++) E[i] = r.normal();
  }
  const nE = spectralNorm({ rows: N, cols: N, data: E });
  if (opts.eps !== undefined || !opts.E) {
    const f = nE > 0 ? eps / nE : 0;
    for (let i = 0; i < N * N; i++) E[i] = E[i]! * f;
  }
  const At = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) At[i] = A.data[i]! + E[i]!;
  const { values, vectors } = linalgEig(fn, { rows: N, cols: N, data: At });
  const V: CMatrix = {
    re: { rows: N, cols: N, data: Float64Array.from(vectors.re.data) },
    im: { rows: N, cols: N, data: Float64Array.from(vectors.im.data) },
  };
  const Vi = complexInverse(V);
  const Bt = { re: new Float64Array(N), im: new Float64Array(N) };
  for (let i = 0; i < N; i++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < N; j++) {
      sr += Vi.re.data[i * N + j]! * B[j]!;
      si += Vi.im.data[i * N + j]! * B[j]!;
    }
    Bt.re[i] = sr;
    Bt.im[i] = si;
  }
  const kappa = complexSpectralNorm(V) * complexSpectralNorm(Vi);
  return {
    Lambda: { re: Float64Array.from(values.re), im: Float64Array.from(values.im) },
    V,
    Vinv: Vi,
    B: Bt,
    E: { rows: N, cols: N, data: E },
    normE: spectralNorm({ rows: N, cols: N, data: E }),
    kappa,
  };
}

/** C̃ = C Ṽ for a real output vector C (N). */
export function ptdOutput(p: PtdResult, C: ArrayLike<number>): ComplexArray {
  const fn = 'ptdOutput';
  checkStruct(fn, 'p', p);
  checkComplexArray(fn, 'p.Lambda', p.Lambda);
  const N = p.Lambda.re.length;
  checkSplitMatrix(fn, 'p.V', p.V, N, N);
  checkSplitMatrix(fn, 'p.Vinv', p.Vinv, N, N);
  checkComplexArray(fn, 'p.B', p.B, N);
  checkShape(fn, 'p.E', p.E, N, N);
  checkFinite(fn, 'p.E', p.E);
  checkNonNegative(fn, 'p.normE', p.normE);
  checkNonNegative(fn, 'p.kappa', p.kappa);
  checkRealArray(fn, 'C', C, N);
  const out = { re: new Float64Array(N), im: new Float64Array(N) };
  for (let j = 0; j < N; j++) {
    let sr = 0;
    let si = 0;
    for (let i = 0; i < N; i++) {
      sr += C[i]! * p.V.re.data[i * N + j]!;
      si += C[i]! * p.V.im.data[i * N + j]!;
    }
    out.re[j] = sr;
    out.im[j] = si;
  }
  return out;
}
