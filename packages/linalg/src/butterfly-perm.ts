import { DomainError, ShapeError } from '@x/gpu';
import { checkAborted, checkBoolean, checkFunction, checkInt, checkNonNegative, checkOneOf, checkOptions, checkPositive, checkSeed, checkSteps, checkUnit } from '@x/gpu/checks';
import { type Butterfly, bitReversal, butterflyWorkspace, log2Exact, lossGradInto } from './butterfly';
import { type ButterflyLearnProgress, unitaryDftMatrix, unitaryInit } from './butterfly-learn';
import { checkMatrix, MAX_DENSE_N } from './checks';
import type { ComplexMatrix } from './complex';

/**
 * The relaxed permutation of Dao et al. 2019 (Sec. 3.3; `butterfly/permutation.py` of
 * HazyResearch/butterfly): P = F_{L-2} ... F_1 F_0 for n = 2^L, where level k acts on every block
 * of s = n / 2^k consecutive entries (s = n, n/2, ..., 4) as three lerps applied in turn,
 *   x <- (1 - p0) x + p0 E x   (E: even/odd separation, [x_0, x_2, ..., x_1, x_3, ...]),
 *   x <- (1 - p1) x + p1 R1 x  (R1: reverses the first half of the block),
 *   x <- (1 - p2) x + p2 R2 x  (R2: reverses the second half of the block),
 * with (p0, p1, p2) = sigmoid(logits[3k .. 3k + 2]) shared by the blocks of a level. With every p in
 * {0, 1} P is a permutation; p0 = 1 at every level (and p1 = p2 = 0) gives bit reversal.
 */
const FACTORS = 3;

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** y = E x on the rows of every block of s rows (row length m); x, y disjoint. */
function evenOdd(x: Float64Array, y: Float64Array, n: number, s: number, m: number, transpose: boolean): void {
  const h = s / 2;
  for (let b0 = 0; b0 < n; b0 += s) {
    for (let i = 0; i < s; i++) {
      const src = i < h ? 2 * i : 2 * (i - h) + 1;
      // (E x)_i = x_src; (E^T x)_src = x_i.
      const to = (b0 + (transpose ? src : i)) * m;
      const from = (b0 + (transpose ? i : src)) * m;
      y.set(x.subarray(from, from + m), to);
    }
  }
}

/** In place: x <- (1 - p) x + p R x, R reversing rows [off, off + h) of every block of s rows. */
function lerpReverse(x: Float64Array, n: number, s: number, m: number, off: number, p: number): void {
  const h = s / 2;
  for (let b0 = 0; b0 < n; b0 += s) {
    for (let i = 0; 2 * i < h; i++) {
      const r0 = (b0 + off + i) * m;
      const r1 = (b0 + off + h - 1 - i) * m;
      if (r0 === r1) continue;
      for (let j = 0; j < m; j++) {
        const a = x[r0 + j]!;
        const c = x[r1 + j]!;
        x[r0 + j] = (1 - p) * a + p * c;
        x[r1 + j] = (1 - p) * c + p * a;
      }
    }
  }
}

/** <g, R x - x> over rows [off, off + h) of every block. */
function dotReverse(g: Float64Array, x: Float64Array, n: number, s: number, m: number, off: number): number {
  const h = s / 2;
  let acc = 0;
  for (let b0 = 0; b0 < n; b0 += s) {
    for (let i = 0; i < h; i++) {
      const r = (b0 + off + i) * m;
      const q = (b0 + off + h - 1 - i) * m;
      for (let j = 0; j < m; j++) acc += g[r + j]! * (x[q + j]! - x[r + j]!);
    }
  }
  return acc;
}

/** @internal Scratch of the relaxed permutation: level inputs X^(0..K) and two temporaries. */
interface PermWorkspace {
  xs: Float64Array[];
  t1: Float64Array;
  t2: Float64Array;
  g: Float64Array;
}

function permWorkspace(n: number, K: number): PermWorkspace {
  const xs: Float64Array[] = [];
  for (let k = 0; k <= K; k++) xs.push(new Float64Array(n * n));
  return { xs, t1: new Float64Array(n * n), t2: new Float64Array(n * n), g: new Float64Array(n * n) };
}

/** Forward: xs[0] = I, xs[k+1] = F_k xs[k]; returns xs[K], the relaxed permutation matrix. */
function permForward(probs: Float64Array, n: number, K: number, w: PermWorkspace): Float64Array {
  const x0 = w.xs[0]!;
  x0.fill(0);
  for (let i = 0; i < n; i++) x0[i * n + i] = 1;
  for (let k = 0; k < K; k++) {
    const s = n >> k;
    const x = w.xs[k]!;
    const y = w.xs[k + 1]!;
    const p0 = probs[FACTORS * k]!;
    evenOdd(x, w.t1, n, s, n, false);
    for (let t = 0; t < n * n; t++) y[t] = (1 - p0) * x[t]! + p0 * w.t1[t]!;
    lerpReverse(y, n, s, n, 0, probs[FACTORS * k + 1]!);
    lerpReverse(y, n, s, n, s / 2, probs[FACTORS * k + 2]!);
  }
  return w.xs[K]!;
}

/**
 * Backward: given g = dLoss/dP (overwritten), writes dLoss/dlogits into `gl` (chain rule through
 * p = sigmoid(logit)). The two inner lerp inputs of each level are recomputed from xs[k].
 */
function permBackward(probs: Float64Array, n: number, K: number, w: PermWorkspace, g: Float64Array, gl: Float64Array): void {
  const y1 = w.t1;
  const y2 = w.t2;
  for (let k = K - 1; k >= 0; k--) {
    const s = n >> k;
    const x = w.xs[k]!;
    const p0 = probs[FACTORS * k]!;
    const p1 = probs[FACTORS * k + 1]!;
    const p2 = probs[FACTORS * k + 2]!;
    evenOdd(x, y1, n, s, n, false);
    for (let t = 0; t < n * n; t++) y1[t] = (1 - p0) * x[t]! + p0 * y1[t]!;
    y2.set(y1);
    lerpReverse(y2, n, s, n, 0, p1);
    // y3 = lerp(y2, R2 y2, p2); R1 and R2 are symmetric, so the lerps are self-adjoint.
    const d2 = dotReverse(g, y2, n, s, n, s / 2);
    lerpReverse(g, n, s, n, s / 2, p2);
    const d1 = dotReverse(g, y1, n, s, n, 0);
    lerpReverse(g, n, s, n, 0, p1);
    // y1 = (1 - p0) x + p0 E x: dp0 = <g, E x - x>, g_x = (1 - p0) g + p0 E^T g.
    evenOdd(x, y2, n, s, n, false);
    let d0 = 0;
    for (let t = 0; t < n * n; t++) d0 += g[t]! * (y2[t]! - x[t]!);
    evenOdd(g, y2, n, s, n, true);
    for (let t = 0; t < n * n; t++) g[t] = (1 - p0) * g[t]! + p0 * y2[t]!;
    gl[FACTORS * k] = d0 * p0 * (1 - p0);
    gl[FACTORS * k + 1] = d1 * p1 * (1 - p1);
    gl[FACTORS * k + 2] = d2 * p2 * (1 - p2);
  }
}

/**
 * The hard permutation of a set of permutation logits, each factor rounded (p >= 0.5 taken, as
 * the paper's argmax): (P x)_i = x_{perm[i]}. Logits of length 3 (log2 n - 1).
 */
function roundPermutation(logits: Float64Array, n: number, K: number): Int32Array {
  let v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i;
  let t = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    const s = n >> k;
    if (logits[FACTORS * k]! >= 0) {
      evenOdd(v, t, n, s, 1, false);
      [v, t] = [t, v];
    }
    if (logits[FACTORS * k + 1]! >= 0) lerpReverse(v, n, s, 1, 0, 1);
    if (logits[FACTORS * k + 2]! >= 0) lerpReverse(v, n, s, 1, s / 2, 1);
  }
  return Int32Array.from(v);
}

/** Options of {@link learnButterflyPermuted}. */
export interface LearnButterflyPermutedOptions {
  /** Adam steps (default 2000). */
  steps?: number;
  /** Peak Adam learning rate of twiddles and permutation logits (default 0.01). */
  lr?: number;
  /** `'cosine'` (default: lr down to lr * 1e-3) or `'constant'`. */
  schedule?: 'cosine' | 'constant';
  /** Adam moment decay rates and epsilon (defaults 0.9, 0.999, 1e-12). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Seed of the random unitary twiddle initialization (default 0). */
  seed?: number;
  /** Initial value of every permutation logit (default 0: every choice at probability 1/2). */
  logitInit?: number;
  /**
   * Compare only the real part of the butterfly with the target (default false). This is how a
   * real transform such as the DCT is fitted: DCT = Re(diag(d) B P), and the diagonal folds into
   * the last factor's twiddles.
   */
  realPart?: boolean;
  /**
   * Adam steps on the twiddles alone after the permutation is rounded (default: `steps`), as the
   * paper's search polishes its best trials with the permutation fixed.
   */
  polishSteps?: number;
  /** Stop a phase as soon as its loss is below this (default 0: run every step). */
  tol?: number;
  /** Called every `progressEvery` steps (default 100) and at the end. */
  onProgress?: (info: ButterflyLearnProgress) => void;
  progressEvery?: number;
  /** Stops the run (the result holds the steps done so far). */
  signal?: AbortSignal;
}

const PERMUTED_KEYS = ['steps', 'lr', 'schedule', 'beta1', 'beta2', 'eps', 'seed', 'logitInit', 'realPart', 'polishSteps', 'tol', 'onProgress', 'progressEvery', 'signal'] as const;

/** Result of {@link learnButterflyPermuted}. */
export interface LearnButterflyPermutedResult {
  /** The learned twiddles with the rounded (hard) permutation. */
  butterfly: Butterfly;
  /** Learned permutation logits, 3 per level (even/odd, reverse first half, reverse second half). */
  logits: Float64Array;
  /** Relaxed loss before each step, then the final one: length stepsRun + 1. */
  losses: Float64Array;
  /** Final loss with the relaxed permutation. */
  relaxedLoss: number;
  /** Loss of the same twiddles with the permutation rounded to a hard one. */
  hardLoss: number;
  /** Loss after polishing the twiddles with the hard permutation (= hardLoss with polishSteps 0). */
  polishedLoss: number;
  /** True when the rounded permutation is the bit reversal. */
  isBitReversal: boolean;
  /** Joint steps run (fewer than `steps` when `tol` was reached or the run was aborted). */
  stepsRun: number;
  /** True when the run was stopped through the signal. */
  aborted: boolean;
}

/** Loss of twiddles + relaxed permutation, gradient into gt (twiddles) and gl (logits). */
interface PermutedModel {
  n: number;
  K: number;
  b: Butterfly;
  logits: Float64Array;
  probs: Float64Array;
  bw: ReturnType<typeof butterflyWorkspace>;
  pw: PermWorkspace;
  Tr: Float64Array;
  Ti: Float64Array;
  realPart: boolean;
}

function modelLossGrad(m: PermutedModel, gt: { re: Float64Array; im: Float64Array }, gl: Float64Array): number {
  for (let k = 0; k < m.logits.length; k++) m.probs[k] = sigmoid(m.logits[k]!);
  const P = permForward(m.probs, m.n, m.K, m.pw);
  const loss = lossGradInto(m.b, m.Tr, m.Ti, m.bw, gt, { x0: P, realOnly: m.realPart });
  m.pw.g.set(m.bw.gr);
  permBackward(m.probs, m.n, m.K, m.pw, m.pw.g, gl);
  return loss;
}

function createModel(fn: string, target: ComplexMatrix, seed: number, logitInit: number, realPart: boolean): PermutedModel {
  if (typeof target !== 'object' || target === null) throw new ShapeError(`${fn}: target must be a ComplexMatrix { re, im }`);
  checkMatrix(fn, 'target.re', target.re);
  checkMatrix(fn, 'target.im', target.im);
  const n = target.re.rows;
  if (target.re.cols !== n || target.im.rows !== n || target.im.cols !== n) {
    throw new ShapeError(`${fn}: target must be square n x n with re and im of equal shape, got ${target.re.rows}x${target.re.cols}`);
  }
  const L = log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  const K = Math.max(0, L - 1);
  const b: Butterfly = { n, perm: bitReversal(n), twiddle: unitaryInit(n, L, seed) };
  const logits = new Float64Array(FACTORS * K).fill(logitInit);
  return {
    n,
    K,
    b,
    logits,
    probs: new Float64Array(FACTORS * K),
    bw: butterflyWorkspace(n, L),
    pw: permWorkspace(n, K),
    Tr: Float64Array.from(target.re.data),
    Ti: Float64Array.from(target.im.data),
    realPart,
  };
}

/**
 * Learns a butterfly together with its input permutation (the "BP" model of Dao et al. 2019,
 * Sec. 3.3 and 4.1): twiddles and the logits of the relaxed permutation P = F_{L-2} ... F_0 (see
 * the module notes: each level lerps the identity with even/odd separation and the two half
 * reversals, probabilities sigmoid(logit)) are trained jointly by Adam on
 * MSE(B P, T) = ||B P - T||_F^2 / n^2, with the exact reverse-mode gradient through both. At the
 * end every probability is rounded (>= 1/2 taken) and the loss is reported both relaxed and with
 * the hard permutation. O(steps n^2 log n) time, O(n^2 log n) memory; n a power of two in
 * [2, 2^13].
 * @throws ShapeError for a non-square target; DomainError for bad sizes or options.
 */
export function learnButterflyPermuted(target: ComplexMatrix, opts?: LearnButterflyPermutedOptions): LearnButterflyPermutedResult {
  const fn = 'learnButterflyPermuted';
  const o = checkOptions(fn, opts, PERMUTED_KEYS);
  const steps = checkSteps(fn, 'steps', o.steps ?? 2000);
  const lr = checkPositive(fn, 'lr', o.lr ?? 0.01);
  const schedule = checkOneOf(fn, 'schedule', o.schedule ?? 'cosine', ['cosine', 'constant'] as const);
  const b1 = checkUnit(fn, 'beta1', o.beta1 ?? 0.9, 0, 1, '[)');
  const b2 = checkUnit(fn, 'beta2', o.beta2 ?? 0.999, 0, 1, '[)');
  const eps = checkNonNegative(fn, 'eps', o.eps ?? 1e-12);
  const seed = checkSeed(fn, 'seed', o.seed ?? 0);
  const logitInit = o.logitInit ?? 0;
  if (typeof logitInit !== 'number' || !Number.isFinite(logitInit) || Math.abs(logitInit) > 50) {
    throw new DomainError(`${fn}: logitInit must be a finite number in [-50, 50], got ${String(logitInit)}`);
  }
  const realPart = checkBoolean(fn, 'realPart', o.realPart ?? false);
  const tol = checkNonNegative(fn, 'tol', o.tol ?? 0);
  const polishSteps = checkSteps(fn, 'polishSteps', o.polishSteps ?? steps);
  const every = checkInt(fn, 'progressEvery', o.progressEvery ?? 100, 1);
  const onProgress = o.onProgress === undefined ? undefined : checkFunction<(info: ButterflyLearnProgress) => void>(fn, 'onProgress', o.onProgress);
  checkAborted(fn, o.signal);
  const m = createModel(fn, target, seed, logitInit, realPart);
  const tw = m.b.twiddle;
  const gt = { re: new Float64Array(tw.re.length), im: new Float64Array(tw.re.length) };
  const gl = new Float64Array(m.logits.length);
  const adam = { lr, schedule, b1, b2, eps, tol, every, onProgress, signal: o.signal, fn };
  const run = adamRun([tw.re, tw.im, m.logits], [gt.re, gt.im, gl], () => modelLossGrad(m, gt, gl), steps, adam);
  const perm = roundPermutation(m.logits, m.n, m.K);
  m.b.perm = perm;
  const hardGrad = () => lossGradInto(m.b, m.Tr, m.Ti, m.bw, gt, { realOnly: realPart });
  const hardLoss = hardGrad();
  let polishedLoss = hardLoss;
  let aborted = run.aborted;
  if (!aborted && polishSteps > 0) {
    const pol = adamRun([tw.re, tw.im], [gt.re, gt.im], hardGrad, polishSteps, adam);
    polishedLoss = pol.losses[pol.losses.length - 1]!;
    aborted = pol.aborted;
  }
  const br = bitReversal(m.n);
  let isBitReversal = true;
  for (let i = 0; i < m.n; i++) if (perm[i] !== br[i]) isBitReversal = false;
  const relaxedLoss = run.losses[run.losses.length - 1]!;
  return { butterfly: m.b, logits: m.logits, losses: run.losses, relaxedLoss, hardLoss, polishedLoss, isBitReversal, stepsRun: run.stepsRun, aborted };
}

interface AdamSettings {
  lr: number;
  schedule: 'cosine' | 'constant';
  b1: number;
  b2: number;
  eps: number;
  tol: number;
  every: number;
  onProgress: ((info: ButterflyLearnProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  fn: string;
}

/** Adam over several parameter arrays; lossGrad refreshes `grads` and returns the loss. */
function adamRun(params: Float64Array[], grads: Float64Array[], lossGrad: () => number, steps: number, o: AdamSettings): { losses: Float64Array; stepsRun: number; aborted: boolean } {
  const ms = params.map((p) => new Float64Array(p.length));
  const vs = params.map((p) => new Float64Array(p.length));
  const losses: number[] = [];
  let loss = lossGrad();
  losses.push(loss);
  let step = 0;
  let aborted = false;
  for (; step < steps; step++) {
    if (loss < o.tol) break;
    if (o.signal?.aborted) {
      aborted = true;
      break;
    }
    const t = step + 1;
    const rate = o.schedule === 'cosine' ? o.lr * (1e-3 + (1 - 1e-3) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, steps)))) : o.lr;
    const a = (rate * Math.sqrt(1 - o.b2 ** t)) / (1 - o.b1 ** t);
    for (let q = 0; q < params.length; q++) {
      const p = params[q]!;
      const g = grads[q]!;
      const mq = ms[q]!;
      const vq = vs[q]!;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        mq[k] = o.b1 * mq[k]! + (1 - o.b1) * gk;
        vq[k] = o.b2 * vq[k]! + (1 - o.b2) * gk * gk;
        p[k] = p[k]! - (a * mq[k]!) / (Math.sqrt(vq[k]!) + o.eps);
      }
    }
    loss = lossGrad();
    losses.push(loss);
    if (!Number.isFinite(loss)) throw new DomainError(`${o.fn}: loss became ${loss} at step ${t}; lower lr (${o.lr})`);
    if (o.onProgress && t % o.every === 0) o.onProgress({ step: t, steps, loss });
  }
  o.onProgress?.({ step, steps, loss });
  return { losses: Float64Array.from(losses), stepsRun: step, aborted };
}

/**
 * @internal Loss of twiddles + logits and its exact gradient (for finite-difference tests).
 */
export function permutedLossGradient(
  target: ComplexMatrix,
  twiddle: { re: Float64Array; im: Float64Array },
  logits: Float64Array,
  realPart = false,
): { loss: number; gradTwiddle: { re: Float64Array; im: Float64Array }; gradLogits: Float64Array } {
  const m = createModel('permutedLossGradient', target, 0, 0, realPart);
  m.b.twiddle.re.set(twiddle.re);
  m.b.twiddle.im.set(twiddle.im);
  m.logits.set(logits);
  const gt = { re: new Float64Array(twiddle.re.length), im: new Float64Array(twiddle.re.length) };
  const gl = new Float64Array(logits.length);
  const loss = modelLossGrad(m, gt, gl);
  return { loss, gradTwiddle: gt, gradLogits: gl };
}

/** @internal The relaxed permutation matrix (row-major n x n) of a set of logits. */
export function relaxedPermutationMatrix(logits: Float64Array, n: number): Float64Array {
  const K = Math.max(0, Math.log2(n) - 1);
  const probs = logits.map(sigmoid);
  return permForward(probs, n, K, permWorkspace(n, K)).slice();
}

/** @internal The hard permutation of rounded logits. */
export function roundedPermutation(logits: Float64Array, n: number): Int32Array {
  return roundPermutation(logits, n, Math.max(0, Math.log2(n) - 1));
}

/** The targets {@link butterflyTransformTarget} builds. */
export type ButterflyTransform = 'dft' | 'dct' | 'hadamard';

/**
 * Target matrix of a named transform, unitary-normalized as in the paper's experiments:
 * `'dft'` F_jk = exp(-2 pi i jk / n) / sqrt(n) (scipy.linalg.dft(n, 'sqrtn')), `'dct'` the
 * orthonormal DCT-II (scipy.fft.dct(I, norm='ortho', axis=0), real), `'hadamard'` the Sylvester
 * Hadamard matrix / sqrt(n) (scipy.linalg.hadamard(n) / sqrt(n)). n a power of two in [2, 2^13].
 */
export function butterflyTransformTarget(transform: ButterflyTransform, n: number): ComplexMatrix {
  const fn = 'butterflyTransformTarget';
  checkOneOf(fn, 'transform', transform, ['dft', 'dct', 'hadamard'] as const);
  log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  if (transform === 'dft') return unitaryDftMatrix(n);
  const re = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (transform === 'dct') {
        const s = i === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
        // Reduce the angle's integer numerator mod 4n for exact angles at every n.
        re[i * n + j] = s * Math.cos((Math.PI * ((i * (2 * j + 1)) % (4 * n))) / (2 * n));
      } else {
        let b = i & j;
        let parity = 0;
        while (b) {
          parity ^= b & 1;
          b >>= 1;
        }
        re[i * n + j] = (parity ? -1 : 1) / Math.sqrt(n);
      }
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: new Float64Array(n * n) } };
}

/** Options of {@link learnButterflyTransform}. */
export interface LearnButterflyTransformOptions extends LearnButterflyPermutedOptions {
  /** Which transform to recover. */
  transform: ButterflyTransform;
  /** Its size, a power of two in [2, 2^13]. */
  n: number;
}

/**
 * Recovers the DFT, DCT-II or Hadamard transform of size n with a butterfly whose permutation is
 * learned ({@link learnButterflyPermuted} on {@link butterflyTransformTarget}; the DCT is fitted
 * through the real part). The paper's claim (Dao et al. 2019, Sec. 4.1) is recovery to loss
 * < 1e-8 for n = 8 ... 1024.
 */
export function learnButterflyTransform(opts: LearnButterflyTransformOptions): LearnButterflyPermutedResult {
  const fn = 'learnButterflyTransform';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object with transform and n`);
  const { transform, n, ...rest } = checkOptions(fn, opts, ['transform', 'n', ...PERMUTED_KEYS]);
  const t = checkOneOf(fn, 'transform', transform, ['dft', 'dct', 'hadamard'] as const);
  log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  return learnButterflyPermuted(butterflyTransformTarget(t, n), { realPart: t === 'dct', ...rest });
}
