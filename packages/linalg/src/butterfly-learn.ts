import { checkMatrix, MAX_DENSE_N, MAX_STEPS, requireInt, requireOptions } from './checks';
import { DomainError, rng, ShapeError } from '@x/gpu';
import {
  type Butterfly,
  bitReversal,
  butterflyWorkspace,
  log2Exact,
  lossGradInto,
} from './butterfly';
import type { ComplexArray, ComplexMatrix } from './complex';

/** Progress report of {@link learnButterfly}. */
export interface ButterflyLearnProgress {
  step: number;
  steps: number;
  loss: number;
}

/** The keys of {@link LearnButterflyOptions}. */
const LEARN_KEYS = ['steps', 'lr', 'schedule', 'beta1', 'beta2', 'eps', 'seed', 'perm', 'tol', 'onProgress', 'progressEvery', 'signal'];

/** Options of {@link learnButterfly}. */
export interface LearnButterflyOptions {
  /** Adam steps (default 2000). */
  steps?: number;
  /** Peak Adam learning rate (default 0.01). */
  lr?: number;
  /**
   * Learning-rate schedule: `'cosine'` (default) decays from lr to lr * 1e-3 over the run, which
   * lets Adam settle below its noise floor; `'constant'` keeps lr.
   */
  schedule?: 'cosine' | 'constant';
  /** Adam moment decay rates and epsilon (defaults 0.9, 0.999, 1e-12). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Seed of the random unitary initialization (default 0). */
  seed?: number;
  /** Fixed input permutation: bit reversal (default, the paper's "B" model) or the identity. */
  perm?: 'bitreversal' | 'identity';
  /** Stop as soon as the loss is below this (default 0: run every step). */
  tol?: number;
  /** Called every `progressEvery` steps (default 100) and at the end. */
  onProgress?: (info: ButterflyLearnProgress) => void;
  progressEvery?: number;
  /** Stops the run (the result holds the steps done so far). */
  signal?: AbortSignal;
}

/** Result of {@link learnButterfly}. */
export interface LearnButterflyResult {
  /** The learned butterfly. */
  butterfly: Butterfly;
  /** Loss before each step (entry 0 is the initial loss), then the final loss: length steps + 1. */
  losses: Float64Array;
  /** Final loss. */
  loss: number;
  /** Steps run (less than `steps` when `tol` was reached or the run was aborted). */
  stepsRun: number;
  /** True when the run was stopped through the signal. */
  aborted: boolean;
}

/**
 * Random unitary 2x2 blocks (the paper's orthogonal initialization, `ortho_init`): a complex
 * Gaussian 2x2 matrix orthonormalized column by column (Gram-Schmidt), which is Haar on U(2).
 */
/** @internal */
export function unitaryInit(n: number, L: number, seed: number): ComplexArray {
  const r = rng(seed);
  const len = 4 * (n / 2) * L;
  const re = new Float64Array(len);
  const im = new Float64Array(len);
  for (let t = 0; t < len; t += 4) {
    // columns u = (a, c), v = (b, d)
    let ar = r.normal();
    let ai = r.normal();
    let cr = r.normal();
    let ci = r.normal();
    let nu = Math.hypot(ar, ai, cr, ci);
    ar /= nu;
    ai /= nu;
    cr /= nu;
    ci /= nu;
    let br = r.normal();
    let bi = r.normal();
    let dr = r.normal();
    let di = r.normal();
    // v -= <u, v> u, <u, v> = conj(a) b + conj(c) d
    const pr = ar * br + ai * bi + cr * dr + ci * di;
    const pi = ar * bi - ai * br + cr * di - ci * dr;
    br -= pr * ar - pi * ai;
    bi -= pr * ai + pi * ar;
    dr -= pr * cr - pi * ci;
    di -= pr * ci + pi * cr;
    nu = Math.hypot(br, bi, dr, di);
    re[t] = ar;
    im[t] = ai;
    re[t + 1] = br / nu;
    im[t + 1] = bi / nu;
    re[t + 2] = cr;
    im[t + 2] = ci;
    re[t + 3] = dr / nu;
    im[t + 3] = di / nu;
  }
  return { re, im };
}

/**
 * Learns a butterfly B (fixed permutation, learned complex 2x2 twiddles) that matches a target
 * n x n matrix by minimizing MSE(B, T) = ||B - T||_F^2 / n^2 with Adam (Kingma & Ba 2015) on the
 * real and imaginary parts of the twiddles, using the exact gradient of
 * {@link butterflyLossGradient}. This is the "B" model of Dao et al. 2019 (Sec. 4.1): the paper
 * recovers the DFT, DCT, Hadamard ... to loss < 1e-8 this way. Seeded and deterministic;
 * O(steps n^2 log n).
 */
export function learnButterfly(target: ComplexMatrix, opts: LearnButterflyOptions = {}): LearnButterflyResult {
  requireOptions('learnButterfly', opts, LEARN_KEYS);
  if (typeof target !== 'object' || target === null) throw new ShapeError('learnButterfly: target must be a ComplexMatrix { re, im }');
  checkMatrix('learnButterfly', 'target.re', target.re);
  checkMatrix('learnButterfly', 'target.im', target.im);
  const n = target.re.rows;
  if (target.re.cols !== n || target.im.rows !== n || target.im.cols !== n) {
    throw new ShapeError(`learnButterfly: target must be square n x n with re and im of equal shape, got ${target.re.rows}x${target.re.cols}`);
  }
  const L = log2Exact('learnButterfly', n, MAX_DENSE_N);
  const steps = opts.steps ?? 2000;
  const lr = opts.lr ?? 0.01;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-12;
  const tol = opts.tol ?? 0;
  const every = opts.progressEvery ?? 100;
  requireInt('learnButterfly', 'steps', steps, 0, MAX_STEPS);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new DomainError(`learnButterfly: lr must be positive and finite, got ${lr}`);
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new DomainError(`learnButterfly: beta1, beta2 must be in [0, 1), got ${b1}, ${b2}`);
  const schedule = opts.schedule ?? 'cosine';
  let perm: Int32Array;
  if ((opts.perm ?? 'bitreversal') === 'bitreversal') perm = bitReversal(n);
  else {
    perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
  }
  const b: Butterfly = { n, perm, twiddle: unitaryInit(n, L, opts.seed ?? 0) };
  const len = b.twiddle.re.length;
  const grad = { re: new Float64Array(len), im: new Float64Array(len) };
  const mr = new Float64Array(len);
  const mi = new Float64Array(len);
  const vr = new Float64Array(len);
  const vi = new Float64Array(len);
  const ws = butterflyWorkspace(n, L);
  const Tr = target.re.data;
  const Ti = target.im.data;
  const losses: number[] = [];
  let aborted = false;
  let step = 0;
  let loss = lossGradInto(b, Tr, Ti, ws, grad);
  losses.push(loss);
  const tw = b.twiddle;
  for (; step < steps; step++) {
    if (loss < tol) break;
    if (opts.signal?.aborted) {
      aborted = true;
      break;
    }
    const t = step + 1;
    const rate = schedule === 'cosine' ? lr * (1e-3 + (1 - 1e-3) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, steps)))) : lr;
    // Adam with bias correction folded into the step size.
    const a = (rate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let k = 0; k < len; k++) {
      const gr = grad.re[k]!;
      const gi = grad.im[k]!;
      mr[k] = b1 * mr[k]! + (1 - b1) * gr;
      mi[k] = b1 * mi[k]! + (1 - b1) * gi;
      vr[k] = b2 * vr[k]! + (1 - b2) * gr * gr;
      vi[k] = b2 * vi[k]! + (1 - b2) * gi * gi;
      tw.re[k] = tw.re[k]! - (a * mr[k]!) / (Math.sqrt(vr[k]!) + eps);
      tw.im[k] = tw.im[k]! - (a * mi[k]!) / (Math.sqrt(vi[k]!) + eps);
    }
    loss = lossGradInto(b, Tr, Ti, ws, grad);
    losses.push(loss);
    if (!Number.isFinite(loss)) throw new DomainError(`learnButterfly: loss became ${loss} at step ${t}; lower lr (${lr})`);
    if (opts.onProgress && t % every === 0) opts.onProgress({ step: t, steps, loss });
  }
  opts.onProgress?.({ step, steps, loss });
  return { butterfly: b, losses: Float64Array.from(losses), loss, stepsRun: step, aborted };
}

/**
 * The unitary DFT matrix F_jk = exp(-2 pi i jk / n) / sqrt(n) (scipy.linalg.dft(n, 'sqrtn')),
 * dense. O(n^2).
 */
export function unitaryDftMatrix(n: number): ComplexMatrix {
  requireInt('unitaryDftMatrix', 'n', n, 1, MAX_DENSE_N);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const s = 1 / Math.sqrt(n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < n; k++) {
      // Reduce jk mod n first: exact angles for every n.
      const ang = (-2 * Math.PI * ((j * k) % n)) / n;
      re[j * n + k] = s * Math.cos(ang);
      im[j * n + k] = s * Math.sin(ang);
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: im } };
}

/** Options of {@link learnButterflyDft}. */
export interface LearnButterflyDftOptions extends LearnButterflyOptions {
  /** DFT size, a power of two (the paper's experiment uses 8 ... 1024; here up to 64 runs in seconds). */
  n: number;
}

/**
 * The paper's headline experiment at CPU scale (Dao et al. 2019, Sec. 4.1): learn the unitary
 * n-point DFT from its matrix alone with a bit-reversal butterfly and Adam, reaching loss < 1e-8
 * (the paper's recovery threshold). Returns the loss history; see {@link learnButterfly}.
 */
export function learnButterflyDft(opts: LearnButterflyDftOptions): LearnButterflyResult {
  if (opts === undefined) throw new DomainError('learnButterflyDft: options with the DFT size n are required');
  requireOptions('learnButterflyDft', opts, [...LEARN_KEYS, 'n']);
  const { n, ...rest } = opts;
  return learnButterfly(unitaryDftMatrix(n), rest);
}
