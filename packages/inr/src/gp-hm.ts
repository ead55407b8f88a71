import { DomainError, type Matrix } from '@x/gpu';
import { checkAborted, checkNonNegative, checkOneOf, checkPositive, checkSteps, checkVector, checkFinite } from '@x/gpu/checks';
import { eigh } from '@x/linalg';
import { adamStep } from './adam';
import { checkPdeProblem, envelopeDerivs, type PdeProblem, type PdeTerm } from './gp-pde';
import { checkLoopOptions } from './internal-checks';
import { checkSmBase, type SmBase } from './sm-kernel';

const SQRT5 = Math.sqrt(5);
const TWO_PI = 2 * Math.PI;

/** Options of {@link gpHmLoss} (the objective's fixed constants). */
export interface GpHmLossOptions {
  /** Spectral-mixture θ = [log w, log ℓ, μ] of each grid axis (the product kernel's factors). */
  theta: readonly ArrayLike<number>[];
  /** Kernel envelope (default `'gaussian'`; `'matern52'` is GP-HM-StM). */
  base?: SmBase;
  /** Absolute jitter on each factor's diagonal (default 1e-6, as the GP-HM code). */
  jitter?: number;
  /** Weight λ_b·τ of the boundary misfit (default 200, GP-HM's λ_b with τ = 1). */
  boundaryWeight?: number;
  /** Weight v of the PDE residual (default 1). */
  residualWeight?: number;
}

/** What {@link gpHmLoss} returns. */
export interface GpHmLossResult {
  /** The negative log joint, constants dropped. */
  loss: number;
  /** ∂loss/∂U (N, row-major over the grid). */
  gradU: Float64Array;
  /** ∂loss/∂θ_d, one per grid axis (3Q_d each). */
  gradTheta: Float64Array[];
  /** The PDE residual Σ_t coef_t ∂^{orders_t} u − f of the GP interpolant at every grid point (0 on the boundary). */
  residual: Float64Array;
}

/** Lag structure of one grid axis: K_ij = k(lags[lagIdx[i n + j]]). A uniform axis has 2n − 1 lags. */
interface Axis {
  n: number;
  lags: Float64Array;
  lagIdx: Int32Array;
}

function axisLags(x: ArrayLike<number>): Axis {
  const n = x.length;
  const h = (x[n - 1]! - x[0]!) / (n - 1);
  let uniform = h !== 0;
  const tol = 1e-12 * (Math.abs(x[0]!) + Math.abs(x[n - 1]!));
  for (let i = 0; uniform && i < n; i++) if (Math.abs(x[i]! - (x[0]! + i * h)) > tol) uniform = false;
  const lagIdx = new Int32Array(n * n);
  if (uniform) {
    const lags = Float64Array.from({ length: 2 * n - 1 }, (_, k) => (k - (n - 1)) * h);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lagIdx[i * n + j] = i - j + n - 1;
    return { n, lags, lagIdx };
  }
  const lags = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    lags[i * n + j] = x[i]! - x[j]!;
    lagIdx[i * n + j] = i * n + j;
  }
  return { n, lags, lagIdx };
}

/** ∂/∂log ℓ of the envelope and its first two d-derivatives (s = e^{log ℓ}). */
function envelopeDerivsDlog(base: SmBase, s: number, d: number): [number, number, number] {
  if (base === 'gaussian') {
    const m = Math.exp(-s * d * d);
    const sd2 = s * d * d;
    return [-sd2 * m, (-2 * s * d + 2 * s * sd2 * d) * m, (8 * s * sd2 - 2 * s - (4 * s * sd2 - 2 * s) * sd2) * m];
  }
  // Matérn-5/2, a = √5 s, u = a|d|; a ∂/∂a of m, m', m'' (see envelopeDerivs for the three).
  const a = SQRT5 * s;
  const u = a * Math.abs(d);
  const e = Math.exp(-u);
  const c = (a * a) / 3;
  return [(-(u * u) / 3) * (1 + u) * e, c * d * e * (u * u - 2 - 2 * u), -c * e * (2 + 2 * u - 5 * u * u + u * u * u)];
}

/** Kernel values of orders 0, 1, 2 at every lag of an axis. O(lags · Q). */
function lagKernels(ax: Axis, theta: ArrayLike<number>, base: SmBase): [Float64Array, Float64Array, Float64Array] {
  const q = theta.length / 3;
  const L = ax.lags.length;
  const k0 = new Float64Array(L);
  const k1 = new Float64Array(L);
  const k2 = new Float64Array(L);
  for (let i = 0; i < q; i++) {
    const w = Math.exp(theta[i]!);
    const s = Math.exp(theta[q + i]!);
    const om = TWO_PI * theta[2 * q + i]!;
    for (let l = 0; l < L; l++) {
      const d = ax.lags[l]!;
      const [m, m1, m2] = envelopeDerivs(base, s, d);
      const c = Math.cos(om * d);
      const sn = Math.sin(om * d);
      k0[l]! += w * m * c;
      k1[l]! += w * (m1 * c - om * m * sn);
      k2[l]! += w * (m2 * c - 2 * om * m1 * sn - om * om * m * c);
    }
  }
  return [k0, k1, k2];
}

/** g += ∂/∂θ Σ_o Σ_lag Mlag[o][lag] k_o(lag). O(lags · Q). */
function lagGrad(ax: Axis, theta: ArrayLike<number>, base: SmBase, Mlag: Float64Array[], g: Float64Array): void {
  const q = theta.length / 3;
  const L = ax.lags.length;
  const [M0, M1, M2] = Mlag as [Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < q; i++) {
    const w = Math.exp(theta[i]!);
    const s = Math.exp(theta[q + i]!);
    const om = TWO_PI * theta[2 * q + i]!;
    let gw = 0;
    let gs = 0;
    let gm = 0;
    for (let l = 0; l < L; l++) {
      const a0 = M0[l]!;
      const a1 = M1[l]!;
      const a2 = M2[l]!;
      if (a0 === 0 && a1 === 0 && a2 === 0) continue;
      const d = ax.lags[l]!;
      const [m, m1, m2] = envelopeDerivs(base, s, d);
      const [p, p1, p2] = envelopeDerivsDlog(base, s, d);
      const c = Math.cos(om * d);
      const sn = Math.sin(om * d);
      gw += a0 * m * c + a1 * (m1 * c - om * m * sn) + a2 * (m2 * c - 2 * om * m1 * sn - om * om * m * c);
      gs += a0 * p * c + a1 * (p1 * c - om * p * sn) + a2 * (p2 * c - 2 * om * p1 * sn - om * om * p * c);
      gm +=
        a0 * (-m * d * sn) +
        a1 * (-m1 * d * sn - m * sn - om * m * d * c) +
        a2 * (-m2 * d * sn - 2 * m1 * sn - 2 * om * m1 * d * c - 2 * om * m * c + om * om * m * d * sn);
    }
    g[i]! += w * gw;
    g[q + i]! += w * gs;
    g[2 * q + i]! += w * TWO_PI * gm;
  }
}

const mat = (rows: number, cols: number, data: Float64Array): Matrix<Float64Array> => ({ rows, cols, data });
/**
 * op(A) op(B) for the small per-axis products on checked finite data: a plain i-k-j loop (the
 * call overhead of a general GEMM dominates at these sizes; one CG iteration makes ~16 of them).
 */
function mm(a: Matrix<Float64Array>, b: Matrix<Float64Array>, transA = false, transB = false): Matrix<Float64Array> {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const A = a.data;
  const B = b.data;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const aip = transA ? A[p * a.cols + i]! : A[i * a.cols + p]!;
      if (aip === 0) continue;
      if (transB) for (let j = 0; j < n; j++) out[o + j]! += aip * B[j * b.cols + p]!;
      else {
        const r = p * n;
        for (let j = 0; j < n; j++) out[o + j]! += aip * B[r + j]!;
      }
    }
  }
  return { rows: m, cols: n, data: out };
}

/** Per-axis factors: K_o (o = 0 with the jitter), the eigendecomposition of K_0 and K_0⁻¹. */
interface AxisFactors {
  K: Matrix<Float64Array>[];
  Q: Matrix<Float64Array>;
  lam: Float64Array;
  Kinv: Matrix<Float64Array>;
}

function axisFactors(fn: string, ax: Axis, theta: ArrayLike<number>, base: SmBase, jitter: number): AxisFactors {
  const n = ax.n;
  const K = lagKernels(ax, theta, base).map((k) => {
    const out = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) out[i] = k[ax.lagIdx[i]!]!;
    return mat(n, n, out);
  });
  for (let i = 0; i < n; i++) K[0]!.data[i * n + i]! += jitter;
  const { values: lam, vectors: Q } = eigh(K[0]!);
  for (let i = 0; i < n; i++) if (!(lam[i]! > 0)) throw new DomainError(`${fn}: K + jitter I is not positive definite (eigenvalue ${lam[i]}); raise the jitter`);
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i * n + j] = Q.data[i * n + j]! / lam[j]!;
  return { K, Q: Q as Matrix<Float64Array>, lam, Kinv: mm(mat(n, n, t), Q as Matrix<Float64Array>, false, true) };
}

/** Checked inputs of the objective. */
interface HmContext {
  fn: string;
  axes: Axis[];
  dims: [number, number];
  N: number;
  terms: readonly PdeTerm[];
  f: ArrayLike<number>;
  g: ArrayLike<number>;
  boundary: ArrayLike<boolean>;
  base: SmBase;
  jitter: number;
  wb: number;
  wr: number;
}

function hmContext(fn: string, p: PdeProblem, opts: GpHmLossOptions, extraKeys: readonly string[]): HmContext {
  checkLoopOptions(fn, opts as GpHmLossOptions & { onProgress?: unknown; signal?: unknown }, ['theta', 'base', 'jitter', 'boundaryWeight', 'residualWeight', ...extraKeys], true);
  const { dims, N } = checkPdeProblem(fn, p, opts.theta);
  return {
    fn,
    axes: p.grid.map(axisLags),
    dims: [dims[0]!, dims[1] ?? 1],
    N,
    terms: p.terms,
    f: p.f,
    g: p.g,
    boundary: p.boundary,
    base: checkSmBase(fn, opts.base ?? 'gaussian'),
    jitter: checkNonNegative(fn, 'jitter', opts.jitter ?? 1e-6),
    wb: checkNonNegative(fn, 'boundaryWeight', opts.boundaryWeight ?? 200),
    wr: checkNonNegative(fn, 'residualWeight', opts.residualWeight ?? 1),
  };
}

const ONE = mat(1, 1, Float64Array.of(1));

/** The objective and its gradients on checked inputs (see {@link gpHmLoss}). */
function hmLoss(c: HmContext, U: ArrayLike<number>, thetas: readonly ArrayLike<number>[], wantTheta: boolean, facIn?: AxisFactors[]): GpHmLossResult {
  const [n1, n2] = c.dims;
  const N = c.N;
  const D = c.axes.length;
  const fac = facIn ?? c.axes.map((ax, d) => axisFactors(c.fn, ax, thetas[d]!, c.base, c.jitter));
  // The second factor of a 1-D problem is the 1x1 identity, so every formula below is the 2-D one.
  const F = (d: number, o: number) => (d < D ? fac[d]!.K[o]! : ONE);
  const Kinv2 = D === 2 ? fac[1]!.Kinv : ONE;
  const apply = (A: Matrix<Float64Array>, B: Matrix<Float64Array>, X: Matrix<Float64Array>, trans = false) => mm(mm(A, X, trans), B, false, !trans); // A X Bᵀ (or Aᵀ X B)
  const Um = mat(n1, n2, Float64Array.from(U));
  const alpha = apply(fac[0]!.Kinv, Kinv2, Um);
  const order = (t: PdeTerm, d: number) => (d < D ? t.orders[d]! : 0);
  // Residual of the interpolant: Σ_t coef_t (⊗_d K_{o_td}) α − f, on interior points.
  const R = new Float64Array(N);
  for (const t of c.terms) {
    const v = apply(F(0, order(t, 0)), F(1, order(t, 1)), alpha).data;
    for (let i = 0; i < N; i++) R[i]! += t.coef * v[i]!;
  }
  let loss = 0;
  for (let d = 0; d < D; d++) for (const l of fac[d]!.lam) loss += (0.5 * N * Math.log(l)) / c.axes[d]!.n;
  const rho = mat(n1, n2, new Float64Array(N));
  const gradU = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    loss += 0.5 * U[i]! * alpha.data[i]!;
    if (c.boundary[i]) {
      R[i] = 0;
      const e = U[i]! - c.g[i]!;
      loss += 0.5 * c.wb * e * e;
      gradU[i] = c.wb * e;
    } else {
      R[i]! -= c.f[i]!;
      loss += 0.5 * c.wr * R[i]! * R[i]!;
      rho.data[i] = c.wr * R[i]!;
    }
  }
  // G = Σ_t coef_t (⊗ K_{o_td})ᵀ ρ, β = K⁻¹ G; ∂loss/∂U = α + β + boundary part.
  const G = mat(n1, n2, new Float64Array(N));
  for (const t of c.terms) {
    const v = apply(F(0, order(t, 0)), F(1, order(t, 1)), rho, true).data;
    for (let i = 0; i < N; i++) G.data[i]! += t.coef * v[i]!;
  }
  const beta = apply(fac[0]!.Kinv, Kinv2, G);
  for (let i = 0; i < N; i++) gradU[i]! += alpha.data[i]! + beta.data[i]!;
  const gradTheta = thetas.map((th) => new Float64Array(th.length));
  if (wantTheta) {
    // loss depends on K_d through log|K|, through α = K⁻¹U (with Z = ½α + β: −⟨Z, dK α⟩) and
    // through the derivative factors in the residual: collect ⟨M_{o,d}, dK_{o,d}⟩ per axis and order.
    const Z = mat(n1, n2, new Float64Array(N));
    for (let i = 0; i < N; i++) Z.data[i] = 0.5 * alpha.data[i]! + beta.data[i]!;
    // ⟨P, (dA ⊗ B) X⟩ = ⟨P B Xᵀ, dA⟩ and ⟨P, (A ⊗ dB) X⟩ = ⟨Pᵀ A X, dB⟩.
    const left = (P: Matrix<Float64Array>, B: Matrix<Float64Array>) => mm(mm(P, B), alpha, false, true);
    const right = (P: Matrix<Float64Array>, A: Matrix<Float64Array>) => mm(P, mm(A, alpha), true);
    for (let d = 0; d < D; d++) {
      const n = c.axes[d]!.n;
      const M = [new Float64Array(n * n), new Float64Array(n * n), new Float64Array(n * n)];
      const add = (o: number, s: number, X: Matrix<Float64Array>) => {
        for (let i = 0; i < n * n; i++) M[o]![i]! += s * X.data[i]!;
      };
      add(0, (0.5 * N) / n, fac[d]!.Kinv);
      add(0, -1, d === 0 ? left(Z, F(1, 0)) : right(Z, F(0, 0)));
      for (const t of c.terms) {
        const o = order(t, d);
        add(o, t.coef, d === 0 ? left(rho, F(1, order(t, 1))) : right(rho, F(0, order(t, 0))));
      }
      // Sum each M over the pairs that share a lag, then differentiate the per-lag kernel values.
      const ax = c.axes[d]!;
      const Mlag = M.map((m) => {
        const out = new Float64Array(ax.lags.length);
        for (let i = 0; i < n * n; i++) out[ax.lagIdx[i]!]! += m[i]!;
        return out;
      });
      lagGrad(ax, thetas[d]!, c.base, Mlag, gradTheta[d]!);
    }
  }
  return { loss, gradU, gradTheta, residual: R };
}

/**
 * Diagonal of the whitened normal matrix I + JᵀJ in the eigenbasis, with the interior mask of
 * the residual dropped (a Jacobi preconditioner): residual part v λ⁻¹ Σ_{t,t'} c_t c_t' Π_d
 * ⟨F_{t,d} q_i, F_{t',d} q_i⟩, boundary part λ_b λ Σ_boundary (Π_d Q_d[a_d, i_d])².
 */
function jacobi(c: HmContext, fac: AxisFactors[], lam: Float64Array): Float64Array {
  const [n1, n2] = c.dims;
  const D = c.axes.length;
  // G[d][o][o'][i] = ⟨F_{o,d} q_i, F_{o',d} q_i⟩.
  const G = [0, 1].map((d) => {
    const n = d === 0 ? n1 : n2;
    if (d >= D) return [0, 1, 2].map(() => [0, 1, 2].map(() => Float64Array.of(1)));
    const A = fac[d]!.K.map((K) => mm(K, fac[d]!.Q).data);
    return [0, 1, 2].map((o) =>
      [0, 1, 2].map((o2) => {
        const g = new Float64Array(n);
        for (let a = 0; a < n; a++) for (let i = 0; i < n; i++) g[i]! += A[o]![a * n + i]! * A[o2]![a * n + i]!;
        return g;
      }),
    );
  });
  const ord = (t: PdeTerm, d: number) => (d < D ? t.orders[d]! : 0);
  const P = new Float64Array(n1 * n2).fill(1);
  for (const t of c.terms) for (const t2 of c.terms) {
    const g1 = G[0]![ord(t, 0)]![ord(t2, 0)]!;
    const g2 = G[1]![ord(t, 1)]![ord(t2, 1)]!;
    const cc = c.wr * t.coef * t2.coef;
    for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) P[i * n2 + j]! += (cc * g1[i]! * g2[j]!) / lam[i * n2 + j]!;
  }
  const Q1 = fac[0]!.Q.data;
  const Q2 = D === 2 ? fac[1]!.Q.data : Float64Array.of(1);
  for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
    if (!c.boundary[a * n2 + b]) continue;
    for (let i = 0; i < n1; i++) {
      const q = c.wb * Q1[a * n1 + i]! ** 2;
      for (let j = 0; j < n2; j++) P[i * n2 + j]! += q * Q2[b * n2 + j]! ** 2 * lam[i * n2 + j]!;
    }
  }
  return P;
}

/**
 * The minimiser in U of the objective at fixed θ (it is quadratic in U), by conjugate gradients in
 * the whitened coordinates z, U = (⊗Q_d Λ_d^{1/2}) z: (I + JᵀJ) z = Jᵀb with J stacking
 * √λ_b·B·W and √v·S·L·(⊗Q_d Λ_d^{-1/2}), preconditioned by {@link jacobi}; only Kronecker mode
 * products. Warm-started from `u`
 * (overwritten). Returns the iterations used.
 */
function solveU(c: HmContext, fac: AxisFactors[], u: Float64Array, maxIter: number, tol: number): number {
  const [n1, n2] = c.dims;
  const N = c.N;
  const D = c.axes.length;
  const Q1 = fac[0]!.Q;
  const Q2 = D === 2 ? fac[1]!.Q : ONE;
  const lam = new Float64Array(N);
  const l2 = D === 2 ? fac[1]!.lam : Float64Array.of(1);
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) lam[i * n2 + j] = fac[0]!.lam[i]! * l2[j]!;
  const F = (d: number, o: number) => (d < D ? fac[d]!.K[o]! : ONE);
  const order = (t: PdeTerm, d: number) => (d < D ? t.orders[d]! : 0);
  const m = (v: Float64Array) => mat(n1, n2, v);
  const sq = lam.map(Math.sqrt);
  const isq = sq.map((v) => 1 / v);
  // (⊗Q_d) diag(λ^{±1/2}) z and diag(λ^{±1/2}) (⊗Q_d)ᵀ v; `half` picks λ^{1/2} (true) or λ^{−1/2}.
  const Qz = (z: Float64Array, half: boolean) => {
    const sc = half ? sq : isq;
    const t = new Float64Array(N);
    for (let i = 0; i < N; i++) t[i] = z[i]! * sc[i]!;
    return mm(mm(Q1, m(t)), Q2, false, true).data;
  };
  const QtV = (v: Float64Array, half: boolean) => {
    const sc = half ? sq : isq;
    const t = mm(mm(Q1, m(v), true), Q2).data;
    for (let i = 0; i < N; i++) t[i]! *= sc[i]!;
    return t;
  };
  const Lop = (a: Float64Array, trans: boolean) => {
    const out = new Float64Array(N);
    for (const t of c.terms) {
      const A = F(0, order(t, 0));
      const B = F(1, order(t, 1));
      const v = trans ? mm(mm(A, m(a), true), B).data : mm(mm(A, m(a)), B, false, true).data;
      for (let i = 0; i < N; i++) out[i]! += t.coef * v[i]!;
    }
    return out;
  };
  // Boundary part λ_b B and interior part v S, applied to grid vectors.
  const mask = (v: Float64Array, onBoundary: boolean, w: number) => {
    for (let i = 0; i < N; i++) v[i] = !c.boundary[i] === !onBoundary ? w * v[i]! : 0;
    return v;
  };
  const Aop = (z: Float64Array) => {
    const b = QtV(mask(Qz(z, true), true, c.wb), true);
    const r = QtV(Lop(mask(Lop(Qz(z, false), false), false, c.wr), true), false);
    for (let i = 0; i < N; i++) b[i]! += z[i]! + r[i]!;
    return b;
  };
  const rhs = QtV(mask(Float64Array.from(c.g), true, c.wb), true);
  const rf = QtV(Lop(mask(Float64Array.from(c.f), false, c.wr), true), false);
  for (let i = 0; i < N; i++) rhs[i]! += rf[i]!;
  const P = jacobi(c, fac, lam);
  const z = QtV(u, false);
  const r = Aop(z);
  for (let i = 0; i < N; i++) r[i] = rhs[i]! - r[i]!;
  const zr = r.map((v, i) => v / P[i]!);
  const p = Float64Array.from(zr);
  let rz = 0;
  for (let i = 0; i < N; i++) rz += r[i]! * zr[i]!;
  let rr = r.reduce((s, v) => s + v * v, 0);
  const stop = tol * tol * rhs.reduce((s, v) => s + v * v, 0);
  let it = 0;
  while (it < maxIter && rr > stop) {
    const Ap = Aop(p);
    let pAp = 0;
    for (let i = 0; i < N; i++) pAp += p[i]! * Ap[i]!;
    const a = rz / pAp;
    rr = 0;
    let rz2 = 0;
    for (let i = 0; i < N; i++) {
      z[i]! += a * p[i]!;
      r[i]! -= a * Ap[i]!;
      rr += r[i]! * r[i]!;
      zr[i] = r[i]! / P[i]!;
      rz2 += r[i]! * zr[i]!;
    }
    for (let i = 0; i < N; i++) p[i] = zr[i]! + (rz2 / rz) * p[i]!;
    rz = rz2;
    it++;
  }
  u.set(Qz(z, true));
  return it;
}

/**
 * GP-HM's training objective (Fang et al., "Solving High Frequency and Multi-Scale PDEs with
 * Gaussian Processes", ICLR 2024): the negative log joint of the grid values U under a GP with the
 * product kernel ⊗_d k_d (each k_d a spectral mixture), a Gaussian boundary likelihood and a
 * Gaussian likelihood of the PDE residual of the GP interpolant at the interior collocation points,
 * constants dropped:
 * ½ Σ_d (N/n_d) log|K_d + εI| + ½ vec(U)ᵀ(⊗_d (K_d + εI))⁻¹vec(U) + ½ λ_b Σ_boundary (u − g)² + ½ v Σ_interior r²,
 * r = Σ_t coef_t (⊗_d K_{d, o_td}) α − f, α = (⊗_d (K_d + εI))⁻¹ vec(U), K_{d,o} the order-o derivative
 * kernel matrices. Every product is Kronecker-structured (per-axis eigendecompositions, mode
 * products): no N x N matrix is formed. Returns the loss and its analytic gradients in U and θ_d.
 * O(Σ_d n_d³ + N Σ_d n_d + Σ_d n_d² Q_d) for a 2-D grid (O(n Q) per kernel on a uniform axis).
 */
export function gpHmLoss(problem: PdeProblem, u: ArrayLike<number>, opts: GpHmLossOptions): GpHmLossResult {
  const c = hmContext('gpHmLoss', problem, opts, []);
  checkVector(c.fn, 'u', u, c.N);
  checkFinite(c.fn, 'u', u);
  return hmLoss(c, u, opts.theta, true);
}

/** Options of {@link fitGpHm}. */
export interface FitGpHmOptions extends GpHmLossOptions {
  /** Which kernel parameters Adam learns: `'all'` (default: log w, log ℓ, μ), `'envelope'` (log w, log ℓ; μ fixed, as for an SE kernel) or `'none'` (only U). */
  learn?: 'all' | 'envelope' | 'none';
  /**
   * How U is updated: `'adam'` (default, GP-HM's: U joins θ in Adam) or `'cg'` (U is set to the
   * objective's exact minimiser at the current θ before every θ step, by conjugate gradients with
   * Kronecker products; the objective is quadratic in U, so this optimises the same objective).
   */
  uSolver?: 'adam' | 'cg';
  /** Conjugate-gradient iterations per solve (default 1000; `uSolver: 'cg'`). */
  cgIters?: number;
  /** Relative residual at which the final CG solve stops (default 1e-9; the solves between θ steps stop at max(cgTol, 1e-6)). */
  cgTol?: number;
  /** Adam steps (default 2000; with `uSolver: 'cg'` and `learn: 'none'` one solve is done). */
  steps?: number;
  /** Adam step size (default 1e-2, GP-HM's). */
  lr?: number;
  /** Initial grid values (default zeros). */
  u0?: ArrayLike<number>;
  /** Called after each step with the step index and the loss before it. */
  onProgress?: (info: { step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/** What {@link fitGpHm} returns. */
export interface FitGpHmResult {
  /** The solution values on the grid (row-major), the last iterate. */
  u: Float64Array;
  /** The learned θ per axis. */
  theta: Float64Array[];
  /** The objective at the returned U and θ. */
  loss: number;
  /** The objective before each step. */
  history: number[];
  /** Conjugate-gradient iterations over all U solves (0 with `uSolver: 'adam'`). */
  cgIterations: number;
}

/**
 * GP-HM (Fang et al., ICLR 2024): solves a linear PDE on a 1-D or 2-D grid by minimising
 * {@link gpHmLoss} with Adam jointly over the grid values U and the spectral-mixture parameters
 * (log weights, whose optimisation is GP-HM's Jeffreys prior, log envelope scales and
 * frequencies). Kronecker-structured throughout, so grids far beyond a dense solve's reach work.
 * O(steps · (Σ n_d³ + N Σ n_d + Σ n_d² Q)).
 * @throws DomainError for a bad problem or option (checked before fitting); an aborted signal throws.
 */
export function fitGpHm(problem: PdeProblem, opts: FitGpHmOptions): FitGpHmResult {
  const fn = 'fitGpHm';
  const c = hmContext(fn, problem, opts, ['learn', 'uSolver', 'cgIters', 'cgTol', 'steps', 'lr', 'u0', 'onProgress', 'signal']);
  const learn = checkOneOf(fn, 'learn', opts.learn ?? 'all', ['all', 'envelope', 'none'] as const);
  const cg = checkOneOf(fn, 'uSolver', opts.uSolver ?? 'adam', ['adam', 'cg'] as const) === 'cg';
  const cgIters = checkSteps(fn, 'cgIters', opts.cgIters ?? 1000, 1);
  const cgTol = checkPositive(fn, 'cgTol', opts.cgTol ?? 1e-9);
  let steps = checkSteps(fn, 'steps', opts.steps ?? 2000);
  if (cg && learn === 'none') steps = 0;
  const lr = checkPositive(fn, 'lr', opts.lr ?? 1e-2);
  const u = new Float64Array(c.N);
  if (opts.u0 !== undefined) {
    checkVector(fn, 'u0', opts.u0, c.N);
    checkFinite(fn, 'u0', opts.u0);
    u.set(opts.u0);
  }
  const thetas = opts.theta.map((t) => Float64Array.from(t));
  // One flat parameter vector [U, θ_1, θ_2] with a mask of what Adam may move.
  const sizes = [c.N, ...thetas.map((t) => t.length)];
  const total = sizes.reduce((a, b) => a + b, 0);
  const mask = new Uint8Array(total);
  if (!cg) mask.fill(1, 0, c.N);
  let off = c.N;
  for (const t of thetas) {
    const q = t.length / 3;
    if (learn !== 'none') mask.fill(1, off, off + (learn === 'all' ? 3 * q : 2 * q));
    off += t.length;
  }
  const params = new Float64Array(total);
  const grad = new Float64Array(total);
  const state = { m: new Float64Array(total), v: new Float64Array(total), t: 0 };
  const unpack = () => {
    u.set(params.subarray(0, c.N));
    let o = c.N;
    for (const t of thetas) {
      t.set(params.subarray(o, o + t.length));
      o += t.length;
    }
  };
  params.set(u, 0);
  off = c.N;
  for (const t of thetas) {
    params.set(t, off);
    off += t.length;
  }
  const history: number[] = [];
  let cgIterations = 0;
  for (let s = 0; s < steps; s++) {
    checkAborted(fn, opts.signal);
    const fac = c.axes.map((ax, d) => axisFactors(fn, ax, thetas[d]!, c.base, c.jitter));
    if (cg) {
      // Between θ steps a looser solve suffices (warm-started; the last solve uses cgTol).
      cgIterations += solveU(c, fac, u, cgIters, Math.max(cgTol, 1e-6));
      params.set(u, 0);
    }
    const r = hmLoss(c, u, thetas, learn !== 'none', fac);
    if (!Number.isFinite(r.loss)) throw new DomainError(`${fn}: the objective is not finite at step ${s}; lower lr or raise the jitter`);
    history.push(r.loss);
    grad.set(r.gradU, 0);
    let o = c.N;
    for (const gt of r.gradTheta) {
      grad.set(gt, o);
      o += gt.length;
    }
    for (let i = 0; i < total; i++) if (!mask[i]) grad[i] = 0;
    adamStep(params, grad, state, lr);
    unpack();
    opts.onProgress?.({ step: s, loss: r.loss });
  }
  const fac = c.axes.map((ax, d) => axisFactors(fn, ax, thetas[d]!, c.base, c.jitter));
  if (cg) cgIterations += solveU(c, fac, u, cgIters, cgTol);
  return { u, theta: thetas, loss: hmLoss(c, u, thetas, false, fac).loss, history, cgIterations };
}
