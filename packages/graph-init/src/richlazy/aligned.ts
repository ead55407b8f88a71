import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix, checkNumber, checkOneOf, checkOptions, checkPositive, checkRng, checkSize, checkSteps, checkVector, describe } from '@x/gpu/checks';
import { eigh, qr, svd } from '@x/linalg';
import { kernelAlignment } from './effective-rank';
import { lowRankAtEqualNorm, lowRankGaussian } from './low-rank';
import { alignedRankOne } from './rnn';

/** Options of {@link alignedStudentInit}. */
export interface AlignedStudentInitOptions {
  /** Hidden width h: W1 is h x d. */
  hidden: number;
  /** Frobenius norm of W1 (match it to the random inits it is compared with). */
  frobeniusNorm: number;
  /**
   * Use the rank-k truncated SVD of F instead of F (the paper's "partially aligned" init uses
   * k = d/2). Default: F itself.
   */
  truncateRank?: number;
  /** Hidden-side direction u of W1 = c·û β̂ᵀ (length h). Default: a seeded Gaussian vector. */
  outDirection?: ArrayLike<number>;
  /** Seed of the default `outDirection` (default 0). */
  seed?: number;
}

/**
 * Aligned low-rank first layer of the two-layer linear student-teacher setting of Liu et al.,
 * "How connectivity structure shapes rich and lazy learning in neural circuits" (ICLR 2024,
 * Section 2.3, Proposition 1, Figure 3): the teacher reads modulated features z = F x with
 * weights w, so its end-to-end map is `βᵀ = wᵀF`, and the student's first layer starts as the
 * rank-one `W1 = c · û β̂ᵀ` (β̂, û unit vectors, c = `frobeniusNorm`). Every hidden unit then
 * reads the task direction, and the readout part of the tangent kernel at init is
 * `c² (Xβ̂)(Xβ̂)ᵀ`, proportional to the task kernel y yᵀ. With `truncateRank` k, F is replaced by
 * its rank-k truncation F_k, so β̃ = F_kᵀ w only partly points along β (the paper's partial
 * alignment). Our reading of the paper: the student sees x, the hidden-side direction û is free
 * (random by default). Cost O(d_z·d + h·d), plus one SVD of F when truncating.
 *
 * @param F - the feature-modulation matrix, d_z x d.
 * @param w - the teacher's readout on z, length d_z.
 */
export function alignedStudentInit(F: Matrix, w: ArrayLike<number>, opts: AlignedStudentInitOptions): Matrix<Float64Array> {
  const fn = 'alignedStudentInit';
  checkMatrix(fn, 'F', F);
  checkFinite(fn, 'F', F);
  checkVector(fn, 'w', w, F.rows);
  checkFinite(fn, 'w', w);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, ['hidden', 'frobeniusNorm', 'truncateRank', 'outDirection', 'seed']);
  const h = checkSize(fn, 'hidden', opts.hidden, 1);
  const c = checkPositive(fn, 'frobeniusNorm', opts.frobeniusNorm);
  const d = F.cols;
  checkAlloc(fn, 'W1', h, d);
  // Checked even when outDirection is given: a bad seed is refused, not silently ignored.
  const sr = checkRng(fn, 'seed', opts.seed ?? 0);
  let beta: Float64Array;
  const truncated = opts.truncateRank !== undefined && opts.truncateRank < Math.min(F.rows, F.cols);
  if (!truncated) {
    if (opts.truncateRank !== undefined) checkSize(fn, 'truncateRank', opts.truncateRank, 1);
    // β = Fᵀ w.
    beta = matmul({ rows: 1, cols: F.rows, data: Float64Array.from(w) }, F).data as Float64Array;
  } else {
    const k = checkSize(fn, 'truncateRank', opts.truncateRank, 1);
    const { U, S, V } = svd(F, { k });
    // β̃ = V S Uᵀ w.
    const c2 = new Float64Array(k);
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let i = 0; i < F.rows; i++) s += U.data[i * k + t]! * w[i]!;
      c2[t] = s * S[t]!;
    }
    beta = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += V.data[j * k + t]! * c2[t]!;
      beta[j] = s;
    }
  }
  if (!beta.some((v) => v !== 0)) throw new DomainError(`${fn}: the task direction β = Fᵀw${truncated ? ' (truncated F)' : ''} is zero; no aligned init exists`);
  if (!beta.every(Number.isFinite)) throw new DomainError(`${fn}: the task direction β = Fᵀw overflows`);
  let u: ArrayLike<number>;
  if (opts.outDirection !== undefined) {
    checkVector(fn, 'outDirection', opts.outDirection, h);
    checkFinite(fn, 'outDirection', opts.outDirection);
    if (!Array.prototype.some.call(opts.outDirection, (v: number) => v !== 0)) throw new DomainError(`${fn}: outDirection is the zero vector`);
    u = opts.outDirection;
  } else {
    u = sr.fillNormal(new Float64Array(h));
  }
  return alignedRankOne(beta, u, c);
}

/**
 * Tangent kernel of the two-layer linear network `f(x) = aᵀ W1 x` at (W1, a) on the rows of X,
 * both layers: `K = ‖a‖² X Xᵀ + (X W1ᵀ)(X W1ᵀ)ᵀ` (the first term from ∂f/∂W1 = a xᵀ, the second
 * from ∂f/∂a = W1 x). Cost O(n h d + n² (d + h)).
 */
export function linearTwoLayerNtk(X: Matrix, W1: Matrix, a: ArrayLike<number>): Matrix<Float64Array> {
  const fn = 'linearTwoLayerNtk';
  checkMatrix(fn, 'X', X);
  checkMatrix(fn, 'W1', W1);
  checkFinite(fn, 'X', X);
  checkFinite(fn, 'W1', W1);
  if (W1.cols !== X.cols) throw new ShapeError(`${fn}: W1 is ${W1.rows}x${W1.cols} but X has ${X.cols} columns`);
  checkVector(fn, 'a', a, W1.rows);
  checkFinite(fn, 'a', a);
  checkAlloc(fn, 'the kernel', X.rows, X.rows);
  return ntk(X, W1, a);
}

function ntk(X: Matrix, W1: Matrix, a: ArrayLike<number>): Matrix<Float64Array> {
  const n = X.rows;
  let a2 = 0;
  for (let j = 0; j < a.length; j++) a2 += a[j]! ** 2;
  const xx = matmul(X, X, { transB: true }).data;
  const P = matmul(X, W1, { transB: true });
  const pp = matmul(P, P, { transB: true }).data;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) out[i] = a2 * xx[i]! + pp[i]!;
  return { rows: n, cols: n, data: out };
}

/** First-layer initialisations compared by {@link linearRichLazyRun}. */
export type LinearInitKind = 'aligned' | 'partial' | 'random-low-rank' | 'full-rank';

/** Options of {@link linearRichLazyRun}. */
export interface LinearRichLazyOptions {
  /** Which first-layer init: Proposition 1's aligned, partially aligned (F truncated to rank d/2), random rank-`rank`, or full-rank Gaussian. */
  init: LinearInitKind;
  /** Condition number κ of F: its top d/2 singular values are κ, the rest 1 (default 10). */
  kappa?: number;
  /** Input dimension d, even (default 20). */
  inputs?: number;
  /** Hidden width h (default 100). */
  hidden?: number;
  /** Training set size n (default 100). */
  samples?: number;
  /** Rank of the random low-rank init (default 1). */
  rank?: number;
  /** Readout init a ~ aScale·N(0, 1/h) (default 1). */
  aScale?: number;
  /** Full-batch GD steps (default 2000). */
  steps?: number;
  /** Step size as a fraction of 1/λ_max(K0/n) (default 0.5, as {@link richLazyRun}). */
  etaFraction?: number;
  /** Seed of the student's init. */
  seed?: number;
  /** Seed of the task (F, w, inputs). */
  taskSeed?: number;
}

/** Laziness measures of one {@link linearRichLazyRun}. */
export interface LinearRichLazyResult {
  /** ‖W1_T − W1_0‖_F / ‖W1_0‖_F. */
  relWeightChange: number;
  /** ⟨K0, KT⟩/(‖K0‖‖KT‖) of the full tangent kernel; 1 is lazy. */
  kernelAlignment: number;
  /** Alignment of the initial tangent kernel with the task kernel y yᵀ. */
  taskAlignmentInit: number;
  /** Training loss (1/2n)Σ(f − y)² at init. */
  initialLoss: number;
  /** Training loss after the last step. */
  finalLoss: number;
  /** The step size used. */
  eta: number;
  /** Loss every `steps/50` steps. */
  lossCurve: number[];
}

const LINEAR_KEYS = ['init', 'kappa', 'inputs', 'hidden', 'samples', 'rank', 'aScale', 'steps', 'etaFraction', 'seed', 'taskSeed'];

/**
 * The two-layer linear student-teacher experiment behind the paper's aligned exception (Liu et
 * al., ICLR 2024, Section 2.3, Figure 3). Task: x ~ N(0, I_d), F = U diag(κ,…,κ,1,…,1) Vᵀ with
 * random orthogonal U, V (top d/2 singular values κ), teacher w ~ N(0, I/d), target
 * y = wᵀ F x. Student `f(x) = aᵀ W1 x`, a ~ aScale·N(0, 1/h), W1 one of: {@link alignedStudentInit}
 * (β = Fᵀw), the same with F truncated to rank d/2 ('partial'), a random Gaussian truncated to
 * `rank` at equal Frobenius norm, or the full-rank Gaussian N(0, 1/d) itself; every init has the
 * full-rank draw's Frobenius norm. Both layers are trained by full-batch GD on (1/2n)Σ(f−y)²
 * with η = etaFraction/λ_max(K0/n) (the step normalisation of {@link richLazyRun}). Cost
 * O(steps·(n d + h d)) plus two n x n kernels and one eigendecomposition.
 */
export function linearRichLazyRun(opts: LinearRichLazyOptions): LinearRichLazyResult {
  const fn = 'linearRichLazyRun';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, LINEAR_KEYS);
  const init = checkOneOf(fn, 'init', opts.init, ['aligned', 'partial', 'random-low-rank', 'full-rank'] as const);
  const kappa = checkPositive(fn, 'kappa', opts.kappa ?? 10);
  const d = checkSize(fn, 'inputs', opts.inputs ?? 20, 2);
  if (d % 2 !== 0) throw new DomainError(`${fn}: inputs must be even (F has d/2 singular values κ and d/2 equal to 1), got ${d}`);
  const h = checkSize(fn, 'hidden', opts.hidden ?? 100, 1);
  const n = checkSize(fn, 'samples', opts.samples ?? 100, 1);
  if (opts.rank !== undefined && init !== 'random-low-rank') throw new DomainError(`${fn}: rank applies only to init 'random-low-rank', got init '${init}'`);
  const rank = checkSize(fn, 'rank', opts.rank ?? 1, 1);
  const aScale = checkNumber(fn, 'aScale', opts.aScale ?? 1);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 2000);
  const frac = checkPositive(fn, 'etaFraction', opts.etaFraction ?? 0.5);
  if (rank > Math.min(h, d)) throw new DomainError(`${fn}: rank ${rank} is above min(hidden, inputs) = ${Math.min(h, d)}`);
  checkAlloc(fn, 'the inputs', n, d);
  checkAlloc(fn, 'the weights', h, d);
  checkAlloc(fn, 'the kernel', n, n);
  const sr = checkRng(fn, 'seed', opts.seed ?? 0);
  const tr = checkRng(fn, 'taskSeed', opts.taskSeed ?? 0);

  // Task: F = U diag(s) Vᵀ, w, X, y = X Fᵀ w.
  const orth = () => qr({ rows: d, cols: d, data: tr.fillNormal(new Float64Array(d * d)) }).Q;
  const U = orth();
  const V = orth();
  const Fd = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += U.data[i * d + t]! * (t < d / 2 ? kappa : 1) * V.data[j * d + t]!;
      Fd[i * d + j] = s;
    }
  }
  const F: Matrix<Float64Array> = { rows: d, cols: d, data: Fd };
  const w = tr.fillNormal(new Float64Array(d), 1 / Math.sqrt(d));
  const X: Matrix<Float64Array> = { rows: n, cols: d, data: tr.fillNormal(new Float64Array(n * d)) };
  const beta = matmul({ rows: 1, cols: d, data: w }, F).data;
  const y = matmul(X, { rows: d, cols: 1, data: beta }).data as Float64Array;

  // Student: every init at the full-rank draw's Frobenius norm.
  const W0full = lowRankGaussian(h, d, d, { sigma: 1, seed: sr.nextU32() });
  let norm2 = 0;
  for (let i = 0; i < W0full.data.length; i++) norm2 += W0full.data[i]! ** 2;
  const c = Math.sqrt(norm2);
  // Drawn for every init, so that all four inits of one seed share the readout a.
  const uSeed = sr.nextU32();
  const W =
    init === 'full-rank'
      ? W0full
      : init === 'random-low-rank'
        ? lowRankAtEqualNorm(W0full, rank)
        : alignedStudentInit(F, w, { hidden: h, frobeniusNorm: c, seed: uSeed, ...(init === 'partial' ? { truncateRank: d / 2 } : {}) });
  const W0 = Float64Array.from(W.data);
  const a = sr.fillNormal(new Float64Array(h), aScale / Math.sqrt(h));

  // f = X (W1ᵀ a): O(h d + n d), never the n x h hidden matrix.
  const v = new Float64Array(d);
  const forward = (): Float64Array => {
    v.fill(0);
    for (let j = 0; j < h; j++) {
      const aj = a[j]!;
      for (let k = 0; k < d; k++) v[k]! += aj * W.data[j * d + k]!;
    }
    const f = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k]! * v[k]!;
      f[i] = s;
    }
    return f;
  };
  const lossOf = (f: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (f[i]! - y[i]!) ** 2;
    return s / (2 * n);
  };
  const K0 = ntk(X, W, a);
  const Kn = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) Kn[i] = K0.data[i]! / n;
  const ev = eigh({ rows: n, cols: n, data: Kn }).values;
  const eta = frac / ev[n - 1]!;
  const yy = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) yy[i * n + j] = y[i]! * y[j]!;

  let f = forward();
  const initialLoss = lossOf(f);
  const lossCurve: number[] = [];
  const every = Math.max(1, Math.floor(steps / 50));
  const r = new Float64Array(n);
  for (let s = 0; s < steps; s++) {
    if (s % every === 0) lossCurve.push(lossOf(f));
    for (let i = 0; i < n; i++) r[i] = (f[i]! - y[i]!) / n;
    // g = Xᵀ r (d); ∂L/∂W1 = a gᵀ, ∂L/∂a = W1 g.
    const g = matmul({ rows: 1, cols: n, data: r }, X).data;
    const ga = matmul(W, { rows: d, cols: 1, data: g }).data;
    for (let j = 0; j < h; j++) {
      const aj = a[j]!;
      for (let k = 0; k < d; k++) W.data[j * d + k]! -= eta * aj * g[k]!;
    }
    for (let j = 0; j < h; j++) a[j]! -= eta * ga[j]!;
    f = forward();
  }
  const finalLoss = lossOf(f);
  if (!Number.isFinite(finalLoss)) throw new DomainError(`${fn}: training diverged (loss ${finalLoss}); lower etaFraction (or kappa, which scales the target)`);
  let dw2 = 0;
  for (let i = 0; i < W0.length; i++) dw2 += (W.data[i]! - W0[i]!) ** 2;
  return {
    relWeightChange: Math.sqrt(dw2) / c,
    kernelAlignment: kernelAlignment(K0, ntk(X, W, a)),
    taskAlignmentInit: kernelAlignment(K0, { rows: n, cols: n, data: yy }),
    initialLoss,
    finalLoss,
    eta,
    lossCurve,
  };
}
