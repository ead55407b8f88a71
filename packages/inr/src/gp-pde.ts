import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkNonNegative, checkOptions, checkVector, describe } from '@x/gpu/checks';
import { eigh, kron, solve } from '@x/linalg';
import { checkSmBase, checkTheta, type SmBase } from './sm-kernel';

const SQRT5 = Math.sqrt(5);
const TWO_PI = 2 * Math.PI;

/** Envelope m(d) and its first two derivatives in d, for scale s = e^{log ℓ} (internal; shared with gp-hm). */
export function envelopeDerivs(base: SmBase, s: number, d: number): [number, number, number] {
  if (base === 'gaussian') {
    const e = Math.exp(-s * d * d);
    return [e, -2 * s * d * e, (4 * s * s * d * d - 2 * s) * e];
  }
  // Matérn-5/2 with a = √5 s: m = (1 + a|d| + a²d²/3) e^{−a|d|},
  // m' = −(a²/3) d (1 + a|d|) e^{−a|d|}, m'' = −(a²/3)(1 + a|d| − a²d²) e^{−a|d|} (twice differentiable at 0).
  const a = SQRT5 * s;
  const u = a * Math.abs(d);
  const e = Math.exp(-u);
  const c = (a * a) / 3;
  return [(1 + u + (u * u) / 3) * e, -c * d * (1 + u) * e, -c * (1 + u - u * u) * e];
}

/** ∂^order k(x − x')/∂x^order of the SM kernel at lag d, on checked arguments. */
function kernelDeriv(d: number, theta: ArrayLike<number>, base: SmBase, order: 0 | 1 | 2): number {
  const q = theta.length / 3;
  let k = 0;
  for (let i = 0; i < q; i++) {
    const w = Math.exp(theta[i]!);
    const [m, m1, m2] = envelopeDerivs(base, Math.exp(theta[q + i]!), d);
    const om = TWO_PI * theta[2 * q + i]!;
    const c = Math.cos(om * d);
    if (order === 0) k += w * m * c;
    else {
      const sn = Math.sin(om * d);
      if (order === 1) k += w * (m1 * c - om * m * sn);
      else k += w * (m2 * c - 2 * om * m1 * sn - om * om * m * c);
    }
  }
  return k;
}

/** Throws a DomainError naming `fn` unless `order` is 0, 1 or 2. */
export function checkOrder(fn: string, order: unknown): 0 | 1 | 2 {
  if (order !== 0 && order !== 1 && order !== 2) throw new DomainError(`${fn}: order must be 0, 1 or 2, got ${describe(order)}`);
  return order;
}

/**
 * Derivative kernel matrix of the 1-D spectral-mixture kernel (GP-HM, Fang et al., ICLR 2024):
 * entries ∂^order/∂x^order k(x − x') at x = x1_i, x' = x2_j, for order 0, 1 or 2 (the first
 * argument is differentiated; ∂/∂x' flips the sign of odd orders). Gaussian envelope or
 * Matérn-5/2 (`base: 'matern52'`, GP-HM-StM; twice differentiable, so order 2 is its limit).
 * O(n1 n2 Q).
 */
export function smKernelDerivativeMatrix(x1: ArrayLike<number>, x2: ArrayLike<number>, theta: ArrayLike<number>, order: 0 | 1 | 2, base: SmBase = 'gaussian'): Matrix<Float64Array> {
  const fn = 'smKernelDerivativeMatrix';
  checkTheta(fn, theta);
  checkSmBase(fn, base);
  checkOrder(fn, order);
  checkVector(fn, 'x1', x1);
  checkVector(fn, 'x2', x2);
  checkFinite(fn, 'x1', x1);
  checkFinite(fn, 'x2', x2);
  const n1 = x1.length;
  const n2 = x2.length;
  checkAlloc(fn, 'the kernel matrix', n1, n2);
  const out = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) out[i * n2 + j] = kernelDeriv(x1[i]! - x2[j]!, theta, base, order);
  return { rows: n1, cols: n2, data: out };
}

/** Options of {@link gpDerivativeOperators}. */
export interface GpDerivativeOptions {
  /** Kernel envelope: `'gaussian'` (default) or `'matern52'`. */
  base?: SmBase;
  /** Jitter added to K's diagonal before it is inverted (default 1e-8 · max diag K). */
  jitter?: number;
}

/** What {@link gpDerivativeOperators} returns: grid-to-grid derivative operators of the GP mean. */
export interface GpDerivativeOperators {
  /** d/dx of the posterior-mean interpolant, at the grid: K₁ (K + εI)⁻¹ (n x n). */
  D1: Matrix<Float64Array>;
  /** d²/dx² of the interpolant: K₂ (K + εI)⁻¹ (n x n). */
  D2: Matrix<Float64Array>;
  /** The jitter ε used. */
  jitter: number;
}

/**
 * Derivative operators of a GP on a 1-D grid (GP-HM's collocation, Fang et al. 2024): the
 * interpolant u(x) = k(x, X)(K + εI)⁻¹ U through grid values U has u'(X) = D1 U and u''(X) = D2 U
 * with D_k = K_k (K + εI)⁻¹, K_k the derivative kernel matrices
 * ({@link smKernelDerivativeMatrix}). (K + εI)⁻¹ is applied through its eigendecomposition.
 * O(n³ + n² Q).
 */
export function gpDerivativeOperators(x: ArrayLike<number>, theta: ArrayLike<number>, opts: GpDerivativeOptions = {}): GpDerivativeOperators {
  const fn = 'gpDerivativeOperators';
  checkOptions(fn, opts, ['base', 'jitter']);
  const base = checkSmBase(fn, opts.base ?? 'gaussian');
  checkTheta(fn, theta);
  checkVector(fn, 'x', x);
  checkFinite(fn, 'x', x);
  return derivativeOps(fn, x, theta, base, opts.jitter);
}

function derivativeOps(fn: string, x: ArrayLike<number>, theta: ArrayLike<number>, base: SmBase, jitterOpt: number | undefined): GpDerivativeOperators {
  const n = x.length;
  if (n < 2) throw new ShapeError(`${fn}: the grid needs at least 2 points, got ${n}`);
  checkAlloc(fn, 'the kernel matrix', n, n);
  const K = smKernelDerivativeMatrix(x, x, theta, 0, base);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, K.data[i * n + i]!);
  const jitter = jitterOpt === undefined ? 1e-8 * maxDiag : checkNonNegative(fn, 'jitter', jitterOpt);
  for (let i = 0; i < n; i++) K.data[i * n + i]! += jitter;
  const { values, vectors: Q } = eigh(K);
  for (let i = 0; i < n; i++) if (!(values[i]! > 0)) throw new DomainError(`${fn}: K + jitter I is not positive definite (eigenvalue ${values[i]}); raise the jitter`);
  // (K + εI)⁻¹ = Q diag(1/λ) Qᵀ; D_k = K_k Q diag(1/λ) Qᵀ.
  const apply = (Kk: Matrix<Float64Array>): Matrix<Float64Array> => {
    const t = matmul(Kk, Q);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t.data[i * n + j]! /= values[j]!;
    return matmul(t, Q, { transB: true }) as Matrix<Float64Array>;
  };
  return { D1: apply(smKernelDerivativeMatrix(x, x, theta, 1, base)), D2: apply(smKernelDerivativeMatrix(x, x, theta, 2, base)), jitter };
}

/** One term of a linear PDE operator with constant coefficients: `coef` ∂^{orders[0]}_{x₀} ∂^{orders[1]}_{x₁} u. */
export interface PdeTerm {
  coef: number;
  /** Derivative order (0, 1 or 2) along each grid dimension. */
  orders: readonly (0 | 1 | 2)[];
}

/**
 * A linear PDE with constant coefficients and Dirichlet data on a 1-D or 2-D tensor grid, as
 * {@link gpCollocationSolve}, {@link fitGpHm} and {@link fitSirenPinn} take it: Σ_t coef_t
 * ∂^{orders_t} u = f where `boundary` is false, u = g where it is true. Values are row-major over
 * the grid (first axis slowest).
 */
export interface PdeProblem {
  /** One or two axes of grid points. */
  grid: readonly ArrayLike<number>[];
  /** The operator's terms. */
  terms: readonly PdeTerm[];
  /** Right-hand side at every grid point (read where `boundary` is false). */
  f: ArrayLike<number>;
  /** Dirichlet data at every grid point (read where `boundary` is true). */
  g: ArrayLike<number>;
  /** Which grid points are boundary points. */
  boundary: ArrayLike<boolean>;
}

/**
 * Checks a {@link PdeProblem} (and, when given, one θ per axis) at the boundary of `fn`; returns
 * the grid's dims and size. Internal, shared by the GP and PINN solvers.
 */
export function checkPdeProblem(fn: string, p: PdeProblem, thetas?: readonly ArrayLike<number>[] | undefined, needTheta = true): { dims: number[]; N: number } {
  if (p === null || typeof p !== 'object') throw new DomainError(`${fn}: the problem must be an object { grid, terms, f, g, boundary }, got ${describe(p)}`);
  const { grid, terms, f, g, boundary } = p;
  if (!Array.isArray(grid) || (grid.length !== 1 && grid.length !== 2)) throw new DomainError(`${fn}: grid must be an array of 1 or 2 axes, got ${describe(grid)}`);
  if (needTheta && (!Array.isArray(thetas) || thetas.length !== grid.length)) throw new DomainError(`${fn}: theta must hold one θ per grid axis (${grid.length})`);
  grid.forEach((ax, d) => {
    checkVector(fn, `grid[${d}]`, ax);
    checkFinite(fn, `grid[${d}]`, ax);
    if (ax.length < 2) throw new ShapeError(`${fn}: the grid needs at least 2 points per axis, got ${ax.length}`);
    if (needTheta) checkTheta(fn, thetas![d]!);
  });
  const dims = grid.map((a) => a.length);
  const N = checkAlloc(fn, 'the grid', ...dims);
  checkVector(fn, 'f', f, N);
  checkVector(fn, 'g', g, N);
  checkFinite(fn, 'f', f);
  checkFinite(fn, 'g', g);
  if (boundary === null || typeof boundary !== 'object' || typeof (boundary as ArrayLike<boolean>).length !== 'number' || boundary.length !== N) {
    throw new ShapeError(`${fn}: boundary must be ${N} booleans, got ${describe(boundary)}`);
  }
  if (!Array.isArray(terms) || terms.length === 0) throw new DomainError(`${fn}: terms must be a non-empty array`);
  for (const [i, t] of terms.entries()) {
    if (t === null || typeof t !== 'object' || !Number.isFinite(t.coef)) throw new DomainError(`${fn}: terms[${i}].coef must be a finite number`);
    if (!Array.isArray(t.orders) || t.orders.length !== grid.length) throw new DomainError(`${fn}: terms[${i}].orders must give one order per axis`);
    for (const o of t.orders as unknown[]) checkOrder(fn, o);
  }
  return { dims, N };
}

/** Options of {@link gpCollocationSolve}. */
export interface GpCollocationOptions {
  /** Spectral-mixture parameters θ = [log w, log ℓ, μ] per dimension (one array per grid axis). */
  theta: readonly ArrayLike<number>[];
  /** Kernel envelope (default `'gaussian'`). */
  base?: SmBase;
  /** Jitter of each axis's K (default 1e-8 · max diag K). */
  jitter?: number;
}

/**
 * Solves a linear PDE Σ_t coef_t ∂^{orders_t} u = f with Dirichlet data by GP collocation on a
 * tensor grid (GP-HM's setting, Fang et al. 2024, with the kernel hyperparameters fixed): the
 * unknowns are the solution values U on the grid (row-major, first axis slowest), the PDE holds
 * at every point where `boundary` is false (its operator assembled from the per-axis GP
 * derivative operators as Σ_t coef_t ⊗_d D_{orders_t[d]}, D_0 = I), and U equals `g` where
 * `boundary` is true; the square system is solved by LU. `grid` is 1 or 2 axes of points; `f`
 * and `g` are values at every grid point (g only read on the boundary, f only inside).
 * O(N³) for N grid points (N ≤ 4096). Returns U.
 */
export function gpCollocationSolve(
  grid: readonly ArrayLike<number>[],
  terms: readonly PdeTerm[],
  f: ArrayLike<number>,
  g: ArrayLike<number>,
  boundary: ArrayLike<boolean>,
  opts: GpCollocationOptions,
): Float64Array {
  const fn = 'gpCollocationSolve';
  checkOptions(fn, opts, ['theta', 'base', 'jitter']);
  const { dims, N } = checkPdeProblem(fn, { grid, terms, f, g, boundary }, opts?.theta);
  const base = checkSmBase(fn, opts.base ?? 'gaussian');
  if (N > 4096) throw new DomainError(`${fn}: ${N} grid points; the dense solve is limited to 4096 (fitGpHm has no such limit)`);
  const ops = grid.map((ax, d) => derivativeOps(fn, ax, opts.theta[d]!, base, opts.jitter));
  const eye = (n: number): Matrix<Float64Array> => {
    const e = new Float64Array(n * n);
    for (let i = 0; i < n; i++) e[i * n + i] = 1;
    return { rows: n, cols: n, data: e };
  };
  const factor = (d: number, o: 0 | 1 | 2) => (o === 0 ? eye(dims[d]!) : o === 1 ? ops[d]!.D1 : ops[d]!.D2);
  const L = new Float64Array(N * N);
  for (const t of terms) {
    const M = t.orders.length === 1 ? factor(0, t.orders[0]!) : kron(factor(0, t.orders[0]!), factor(1, t.orders[1]!));
    for (let i = 0; i < N * N; i++) L[i]! += t.coef * M.data[i]!;
  }
  const rhs = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    if (boundary[i]) {
      L.fill(0, i * N, (i + 1) * N);
      L[i * N + i] = 1;
      rhs[i] = g[i]!;
    } else rhs[i] = f[i]!;
  }
  return solve({ rows: N, cols: N, data: L }, rhs);
}
