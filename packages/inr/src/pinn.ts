import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkAborted, checkFinite, checkMatrix, checkNonNegative, checkPositive, checkSteps, describe } from '@x/gpu/checks';
import { adamStep } from './adam';
import { checkPdeProblem, type PdeProblem } from './gp-pde';
import { checkLoopOptions } from './internal-checks';
import type { SirenParams } from './siren';

/** What {@link sirenDerivatives} returns: the network and its exact input derivatives at each point. */
export interface SirenDerivatives {
  /** u(x_i) (batch). */
  u: Float64Array;
  /** ∂u/∂x_k at each point, one array per input dimension k. */
  du: Float64Array[];
  /** ∂²u/∂x_k² at each point, one array per input dimension k. */
  d2u: Float64Array[];
}

type M = Matrix<Float64Array>;
const mm = (a: M, b: M, transA = false, transB = false) => matmul(a, b, { transA, transB }) as M;

/** Forward-mode tape: per layer its input streams and pre-activation streams. */
interface Tape {
  H: M[];
  Hd: M[][];
  Hdd: M[][];
  Z: M[];
  Zd: M[][];
  Zdd: M[][];
}

function checkParams(fn: string, p: SirenParams, inDim: number): void {
  if (p === null || typeof p !== 'object' || !Array.isArray(p.weights) || !Array.isArray(p.biases) || !Array.isArray(p.omegas)) {
    throw new DomainError(`${fn}: params must be SirenParams { weights, biases, omegas }, got ${describe(p)}`);
  }
  const L = p.weights.length;
  if (L < 2 || p.biases.length !== L || p.omegas.length !== L - 1) throw new ShapeError(`${fn}: ${L} weights, ${p.biases.length} biases and ${p.omegas.length} omegas do not describe a SIREN (sine layers, then a linear one)`);
  let width = inDim;
  p.weights.forEach((W, l) => {
    checkMatrix(fn, `weights[${l}]`, W);
    if (W.cols !== width) throw new ShapeError(`${fn}: weights[${l}] is ${W.rows}x${W.cols}, expected ${width} columns`);
    checkFinite(fn, `weights[${l}]`, W);
    const b = p.biases[l];
    if (!(b instanceof Float64Array) || b.length !== W.rows) throw new ShapeError(`${fn}: biases[${l}] must be a Float64Array of length ${W.rows}`);
    checkFinite(fn, `biases[${l}]`, b);
    width = W.rows;
  });
  if (width !== 1) throw new ShapeError(`${fn}: the network must have 1 output, got ${width}`);
  for (const [l, o] of p.omegas.entries()) checkPositive(fn, `omegas[${l}]`, o);
}

/**
 * Forward pass with exact first and second derivatives along each input dimension: forward-mode
 * differentiation of h_l = sin(ω_l z_l), z_l = W_l h_{l−1} + b_l, carried as (z, ∂z/∂x_k, ∂²z/∂x_k²):
 * ∂h = ω cos(ωz) ∂z, ∂²h = −ω² sin(ωz) (∂z)² + ω cos(ωz) ∂²z.
 */
function forward(p: SirenParams, X: M): Tape {
  const B = X.rows;
  const D = X.cols;
  const tape: Tape = { H: [], Hd: [], Hdd: [], Z: [], Zd: [], Zdd: [] };
  let H = X;
  let Hd = Array.from({ length: D }, (_, k) => {
    const e = new Float64Array(B * D);
    for (let i = 0; i < B; i++) e[i * D + k] = 1;
    return { rows: B, cols: D, data: e };
  });
  let Hdd = Array.from({ length: D }, () => ({ rows: B, cols: D, data: new Float64Array(B * D) }));
  const L = p.weights.length;
  for (let l = 0; l < L; l++) {
    const W = p.weights[l]! as M;
    const b = p.biases[l]!;
    tape.H.push(H);
    tape.Hd.push(Hd);
    tape.Hdd.push(Hdd);
    const Z = mm(H, W, false, true);
    const n = W.rows;
    for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) Z.data[i * n + j]! += b[j]!;
    const Zd = Hd.map((h) => mm(h, W, false, true));
    const Zdd = Hdd.map((h) => mm(h, W, false, true));
    tape.Z.push(Z);
    tape.Zd.push(Zd);
    tape.Zdd.push(Zdd);
    if (l === L - 1) break;
    const w = p.omegas[l]!;
    const A = new Float64Array(B * n);
    const Ad = Zd.map(() => new Float64Array(B * n));
    const Add = Zd.map(() => new Float64Array(B * n));
    for (let i = 0; i < B * n; i++) {
      const s = Math.sin(w * Z.data[i]!);
      const c = Math.cos(w * Z.data[i]!);
      A[i] = s;
      for (let k = 0; k < D; k++) {
        const zd = Zd[k]!.data[i]!;
        Ad[k]![i] = w * c * zd;
        Add[k]![i] = -w * w * s * zd * zd + w * c * Zdd[k]!.data[i]!;
      }
    }
    H = { rows: B, cols: n, data: A };
    Hd = Ad.map((a) => ({ rows: B, cols: n, data: a }));
    Hdd = Add.map((a) => ({ rows: B, cols: n, data: a }));
  }
  return tape;
}

/**
 * A SIREN's output and its exact first and second derivatives with respect to each input
 * coordinate (forward-mode, second order), as a PINN needs for its PDE residual. `params` as
 * {@link sirenInit} returns them (sine layers, then one linear output); coords batch x n_0.
 * O(batch · (1 + 2 n_0) · Σ n_l n_{l+1}).
 */
export function sirenDerivatives(params: SirenParams, coords: Matrix): SirenDerivatives {
  const fn = 'sirenDerivatives';
  checkMatrix(fn, 'coords', coords);
  checkFinite(fn, 'coords', coords);
  checkParams(fn, params, coords.cols);
  const t = forward(params, { rows: coords.rows, cols: coords.cols, data: Float64Array.from(coords.data) });
  const L = params.weights.length - 1;
  return { u: Float64Array.from(t.Z[L]!.data), du: t.Zd[L]!.map((z) => Float64Array.from(z.data)), d2u: t.Zdd[L]!.map((z) => Float64Array.from(z.data)) };
}

/** Options of {@link sirenPinnLoss}. */
export interface SirenPinnOptions {
  /** Weight λ of the boundary term (default 1). */
  boundaryWeight?: number;
}

/** What {@link sirenPinnLoss} returns. */
export interface SirenPinnLossResult {
  /** mean_interior r² + λ mean_boundary (u − g)². */
  loss: number;
  /** The network at every grid point. */
  u: Float64Array;
  /** ∂loss/∂W_l (fan_out x fan_in, row-major). */
  gradWeights: Float64Array[];
  /** ∂loss/∂b_l. */
  gradBiases: Float64Array[];
}

/** The grid's points as a batch x D coordinate matrix (row-major, first axis slowest). */
function gridCoords(grid: readonly ArrayLike<number>[]): M {
  const D = grid.length;
  const n0 = grid[0]!.length;
  const n1 = D === 2 ? grid[1]!.length : 1;
  const out = new Float64Array(n0 * n1 * D);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) {
    out[(i * n1 + j) * D] = grid[0]![i]!;
    if (D === 2) out[(i * n1 + j) * D + 1] = grid[1]![j]!;
  }
  return { rows: n0 * n1, cols: D, data: out };
}

function pinnContext(fn: string, params: SirenParams, problem: PdeProblem) {
  const { N } = checkPdeProblem(fn, problem, undefined, false);
  const D = problem.grid.length;
  checkParams(fn, params, D);
  // Each term is a pure derivative (at most one axis with a nonzero order).
  const kinds = problem.terms.map((t, i) => {
    const nz = t.orders.map((o, k) => [o, k] as const).filter(([o]) => o !== 0);
    if (nz.length > 1) throw new DomainError(`${fn}: terms[${i}] is a mixed derivative; the PINN takes pure derivatives only`);
    return nz.length === 0 ? { coef: t.coef, order: 0, k: 0 } : { coef: t.coef, order: nz[0]![0], k: nz[0]![1] };
  });
  let nb = 0;
  for (let i = 0; i < N; i++) if (problem.boundary[i]) nb++;
  return { N, D, kinds, nb, ni: N - nb, X: gridCoords(problem.grid) };
}

function pinnLoss(params: SirenParams, p: PdeProblem, c: ReturnType<typeof pinnContext>, lam: number): SirenPinnLossResult {
  const t = forward(params, c.X);
  const L = params.weights.length - 1;
  const u = t.Z[L]!.data;
  const du = t.Zd[L]!.map((z) => z.data);
  const d2u = t.Zdd[L]!.map((z) => z.data);
  const { N, D } = c;
  // Adjoints of the output streams.
  let Zb = new Float64Array(N);
  let Zdb = Array.from({ length: D }, () => new Float64Array(N));
  let Zddb = Array.from({ length: D }, () => new Float64Array(N));
  let loss = 0;
  for (let i = 0; i < N; i++) {
    if (p.boundary[i]) {
      const e = u[i]! - p.g[i]!;
      loss += (lam * e * e) / c.nb;
      Zb[i]! += (2 * lam * e) / c.nb;
      continue;
    }
    let r = -p.f[i]!;
    for (const k of c.kinds) r += k.coef * (k.order === 0 ? u[i]! : k.order === 1 ? du[k.k]![i]! : d2u[k.k]![i]!);
    loss += (r * r) / c.ni;
    const s = (2 * r) / c.ni;
    for (const k of c.kinds) {
      const tgt = k.order === 0 ? Zb : k.order === 1 ? Zdb[k.k]! : Zddb[k.k]!;
      tgt[i]! += k.coef * s;
    }
  }
  const gradWeights = params.weights.map((W) => new Float64Array(W.rows * W.cols));
  const gradBiases = params.biases.map((b) => new Float64Array(b.length));
  for (let l = L; l >= 0; l--) {
    const W = params.weights[l]! as M;
    const n = W.rows;
    const B = N;
    const asM = (a: Float64Array): M => ({ rows: B, cols: n, data: a });
    // Linear layer: z = W h + b (and its derivative streams).
    const gW = mm(asM(Zb), t.H[l]!, true);
    for (let k = 0; k < D; k++) {
      const a = mm(asM(Zdb[k]!), t.Hd[l]![k]!, true).data;
      const b = mm(asM(Zddb[k]!), t.Hdd[l]![k]!, true).data;
      for (let i = 0; i < a.length; i++) gW.data[i]! += a[i]! + b[i]!;
    }
    gradWeights[l]!.set(gW.data);
    const gb = gradBiases[l]!;
    for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) gb[j]! += Zb[i * n + j]!;
    if (l === 0) break;
    const Hb = mm(asM(Zb), W).data;
    const Hdb = Zdb.map((z) => mm(asM(z), W).data);
    const Hddb = Zddb.map((z) => mm(asM(z), W).data);
    // Sine layer l − 1: h = sin(ωz), ∂h = ωc ∂z, ∂²h = −ω² s (∂z)² + ωc ∂²z.
    const w = params.omegas[l - 1]!;
    const Zp = t.Z[l - 1]!.data;
    const m = Zp.length;
    const nZb = new Float64Array(m);
    const nZdb = Array.from({ length: D }, () => new Float64Array(m));
    const nZddb = Array.from({ length: D }, () => new Float64Array(m));
    for (let i = 0; i < m; i++) {
      const s = Math.sin(w * Zp[i]!);
      const cc = Math.cos(w * Zp[i]!);
      let z = Hb[i]! * w * cc;
      for (let k = 0; k < D; k++) {
        const zd = t.Zd[l - 1]![k]!.data[i]!;
        const zdd = t.Zdd[l - 1]![k]!.data[i]!;
        const ad = Hdb[k]![i]!;
        const add = Hddb[k]![i]!;
        z += ad * (-w * w * s * zd) + add * (-w * w * w * cc * zd * zd - w * w * s * zdd);
        nZdb[k]![i] = ad * w * cc + add * (-2 * w * w * s * zd);
        nZddb[k]![i] = add * w * cc;
      }
      nZb[i] = z;
    }
    Zb = nZb;
    Zdb = nZdb;
    Zddb = nZddb;
  }
  return { loss, u: Float64Array.from(u), gradWeights, gradBiases };
}

/**
 * The PINN loss of a SIREN on a {@link PdeProblem} (Raissi et al. 2019, with a sine network as in
 * Sitzmann et al. 2020): mean over interior grid points of the squared residual Σ_t coef_t ∂^{orders_t} u − f
 * plus λ times the mean squared boundary misfit, with exact input derivatives
 * ({@link sirenDerivatives}) and its exact gradient in every weight and bias (reverse mode through
 * the forward-mode derivative streams). Terms must be pure derivatives (no ∂x∂y).
 * O(N · (1 + 2D) · Σ n_l n_{l+1}).
 */
export function sirenPinnLoss(params: SirenParams, problem: PdeProblem, opts: SirenPinnOptions = {}): SirenPinnLossResult {
  const fn = 'sirenPinnLoss';
  checkLoopOptions(fn, opts as SirenPinnOptions & { onProgress?: unknown; signal?: unknown }, ['boundaryWeight'], false);
  const lam = checkNonNegative(fn, 'boundaryWeight', opts.boundaryWeight ?? 1);
  return pinnLoss(params, problem, pinnContext(fn, params, problem), lam);
}

/** Options of {@link fitSirenPinn}. */
export interface FitSirenPinnOptions extends SirenPinnOptions {
  /** Adam steps (default 2000). */
  steps?: number;
  /** Adam step size (default 1e-3). */
  lr?: number;
  /** Called after each step with the step index and the loss before it. */
  onProgress?: (info: { step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/** What {@link fitSirenPinn} returns. */
export interface FitSirenPinnResult {
  /** The trained parameters (a copy; the input is not changed). */
  params: SirenParams;
  /** The network at every grid point after training. */
  u: Float64Array;
  /** The loss after training. */
  loss: number;
  /** The loss before each step. */
  history: number[];
}

/**
 * A PINN with a SIREN body (the baseline GP-HM compares against): full-batch Adam on
 * {@link sirenPinnLoss} at the grid's collocation points. O(steps · N (1 + 2D) Σ n_l n_{l+1}).
 * @throws DomainError for a bad problem, network or option, or a non-finite loss; an aborted signal throws.
 */
export function fitSirenPinn(params: SirenParams, problem: PdeProblem, opts: FitSirenPinnOptions = {}): FitSirenPinnResult {
  const fn = 'fitSirenPinn';
  checkLoopOptions(fn, opts, ['boundaryWeight', 'steps', 'lr', 'onProgress', 'signal'], false);
  const lam = checkNonNegative(fn, 'boundaryWeight', opts.boundaryWeight ?? 1);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 2000);
  const lr = checkPositive(fn, 'lr', opts.lr ?? 1e-3);
  const c = pinnContext(fn, params, problem);
  const p: SirenParams = {
    weights: params.weights.map((W) => ({ rows: W.rows, cols: W.cols, data: Float64Array.from(W.data) })),
    biases: params.biases.map((b) => Float64Array.from(b)),
    omegas: [...params.omegas],
  };
  const sizes = [...p.weights.map((W) => W.data.length), ...p.biases.map((b) => b.length)];
  const total = sizes.reduce((a, b) => a + b, 0);
  const flat = new Float64Array(total);
  const grad = new Float64Array(total);
  const views = [...p.weights.map((W) => W.data), ...p.biases];
  const pack = (dst: Float64Array, src: Float64Array[]) => {
    let o = 0;
    for (const v of src) {
      dst.set(v, o);
      o += v.length;
    }
  };
  pack(flat, views);
  const state = { m: new Float64Array(total), v: new Float64Array(total), t: 0 };
  const history: number[] = [];
  for (let s = 0; s < steps; s++) {
    checkAborted(fn, opts.signal);
    const r = pinnLoss(p, problem, c, lam);
    if (!Number.isFinite(r.loss)) throw new DomainError(`${fn}: the loss is not finite at step ${s}; lower lr`);
    history.push(r.loss);
    pack(grad, [...r.gradWeights, ...r.gradBiases]);
    adamStep(flat, grad, state, lr);
    let o = 0;
    for (const v of views) {
      v.set(flat.subarray(o, o + v.length));
      o += v.length;
    }
    opts.onProgress?.({ step: s, loss: r.loss });
  }
  const end = pinnLoss(p, problem, c, lam);
  return { params: p, u: end.u, loss: end.loss, history };
}
