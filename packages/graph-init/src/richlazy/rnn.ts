import { ConvergenceError, DomainError, type Matrix, matmul, type Rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix, checkOneOf, checkOptions, checkPositive, checkRng, checkSeed, checkSize, checkSteps, checkUnit, checkVector, describe } from '@x/gpu/checks';
import { eigh } from '@x/linalg';
import { kernelAlignment } from './effective-rank';
import { lowRankGaussian } from './low-rank';

/** Names of the neurogym-style tasks of {@link neurogymStyleTask} (the paper's 2AF, DMS and CXT). */
export type RnnTaskName = '2AF' | 'DMS' | 'CXT';

/**
 * A batch of trials, time-major: `inputs[(t·batch + b)·inputDim + i]` and
 * `labels[t·batch + b]` (0 = fixate, 1 and 2 = the two choices).
 */
export interface RnnTaskBatch {
  /** Time steps per trial. */
  steps: number;
  /** Trials. */
  batch: number;
  /** Input channels. */
  inputDim: number;
  /** Output classes. */
  outputDim: number;
  /** Inputs, length steps·batch·inputDim. */
  inputs: Float64Array;
  /** Target class of every (step, trial), length steps·batch (an Int32Array or number[]). */
  labels: Int32Array | number[];
}

const TASKS: readonly RnnTaskName[] = ['2AF', 'DMS', 'CXT'];
const COHERENCES = [0, 0.064, 0.128, 0.256, 0.512];
const NOISE = 0.1;

/**
 * Trials of the three neuroscience tasks the rich/lazy paper trains its RNNs on (Liu et al., ICLR
 * 2024, official code main.py, which draws them from neurogym with dt = 100 ms), generated here
 * with the same timing, 8 steps per trial, and 3 outputs (fixate, choice 1, choice 2). Input noise
 * has std 0.1 per step (neurogym's σ = 1 over √dt).
 * - '2AF' (perceptual decision): inputs [fixation, stimulus 1, stimulus 2]; 7 stimulus steps with
 *   means (1 ± c)/2, coherence c ∈ {0, 6.4, 12.8, 25.6, 51.2}%, then the decision step.
 * - 'DMS' (delayed match to sample): inputs [fixation, ring unit 1, ring unit 2]; sample at step 0,
 *   5 delay steps, test at step 6, decision at step 7; choice 1 = match (probability ½).
 * - 'CXT' (context-dependent decision): inputs [fixation, modality 1 (2 units), modality 2 (2
 *   units), context (2 units)]; 2 stimulus steps, 5 delay steps, decision; the label follows the
 *   modality the context cue names.
 * The label is 0 (fixate) before the decision step. `seed` is a seed or an {@link Rng}.
 */
export function neurogymStyleTask(task: RnnTaskName, batch: number, opts: { seed?: number | Rng } = {}): RnnTaskBatch {
  const fn = 'neurogymStyleTask';
  checkOneOf(fn, 'task', task, TASKS);
  checkSize(fn, 'batch', batch, 1);
  checkOptions(fn, opts, ['seed']);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  const T = 8;
  const I = task === 'CXT' ? 7 : 3;
  checkAlloc(fn, 'the inputs', T * batch, I);
  const inputs = new Float64Array(T * batch * I);
  const labels = new Int32Array(T * batch);
  const at = (t: number, b: number, i: number) => (t * batch + b) * I + i;
  const coh = () => COHERENCES[r.int(COHERENCES.length)]!;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T - 1; t++) inputs[at(t, b, 0)] = 1;
    if (task === '2AF') {
      const g = r.int(2);
      const c = coh() * (g === 0 ? 1 : -1);
      for (let t = 0; t < 7; t++) {
        inputs[at(t, b, 1)] = (1 + c) / 2 + NOISE * r.normal();
        inputs[at(t, b, 2)] = (1 - c) / 2 + NOISE * r.normal();
      }
      labels[(T - 1) * batch + b] = 1 + g;
    } else if (task === 'DMS') {
      const sample = r.int(2);
      const match = r.int(2) === 0;
      const test = match ? sample : 1 - sample;
      for (const [t, s] of [
        [0, sample],
        [6, test],
      ] as const) {
        for (let u = 0; u < 2; u++) inputs[at(t, b, 1 + u)] = (u === s ? 1 : 0) + NOISE * r.normal();
      }
      labels[(T - 1) * batch + b] = match ? 1 : 2;
    } else {
      const ctx = r.int(2);
      const g = [r.int(2), r.int(2)];
      const c = [coh() * (g[0] === 0 ? 1 : -1), coh() * (g[1] === 0 ? 1 : -1)];
      for (let t = 0; t < 2; t++) {
        for (let m = 0; m < 2; m++) {
          inputs[at(t, b, 1 + 2 * m)] = (1 + c[m]!) / 2 + NOISE * r.normal();
          inputs[at(t, b, 2 + 2 * m)] = (1 - c[m]!) / 2 + NOISE * r.normal();
        }
      }
      for (let t = 0; t < T - 1; t++) inputs[at(t, b, 5 + ctx)] = 1;
      labels[(T - 1) * batch + b] = 1 + g[ctx]!;
    }
  }
  return { steps: T, batch, inputDim: I, outputDim: 3, inputs, labels };
}

/** Weights of the leaky RNN of {@link ctrnnLossAndGrads} (no biases, as in the paper's code). */
export interface CtrnnParams {
  /** Recurrent weights, N×N. */
  wRec: Matrix;
  /** Input weights, N×inputDim. */
  wIn: Matrix;
  /** Readout, outputDim×N. */
  wOut: Matrix;
}

/** Dynamics options of the leaky RNN. */
export interface CtrnnOptions {
  /** Leak α = dt/τ in (0, 1] (default 0.5; the paper's code has α = 1). */
  alpha?: number;
  /** Nonlinearity φ (default 'relu', the paper's). */
  activation?: 'relu' | 'tanh';
}

/** Loss and gradients from {@link ctrnnLossAndGrads}. */
export interface CtrnnLossAndGrads {
  /** Mean cross-entropy over every (step, trial). */
  loss: number;
  /** ∂loss/∂W_rec. */
  wRec: Matrix<Float64Array>;
  /** ∂loss/∂W_in. */
  wIn: Matrix<Float64Array>;
  /** ∂loss/∂W_out. */
  wOut: Matrix<Float64Array>;
  /** Readout outputs (logits), time-major, length steps·batch·outputDim. */
  outputs: Float64Array;
}

interface Trace {
  /** Hidden states h_0..h_T, (T+1)·B·N. */
  H: Float64Array;
  /** Pre-activations z_1..z_T, T·B·N. */
  Z: Float64Array;
  /** Outputs, T·B·K. */
  O: Float64Array;
}

interface Net {
  N: number;
  I: number;
  K: number;
  wRec: Matrix;
  wIn: Matrix;
  wOut: Matrix;
  alpha: number;
  relu: boolean;
}

const CTRNN_KEYS = ['alpha', 'activation'];

function checkNet(fn: string, p: CtrnnParams, b: RnnTaskBatch, opts: CtrnnOptions | undefined): Net {
  if (p === null || typeof p !== 'object') throw new DomainError(`${fn}: params must be an object {wRec, wIn, wOut}, got ${describe(p)}`);
  checkOptions(fn, opts, CTRNN_KEYS);
  checkTaskBatch(fn, b);
  const wRec = checkMatrix(fn, 'params.wRec', p.wRec);
  const wIn = checkMatrix(fn, 'params.wIn', p.wIn);
  const wOut = checkMatrix(fn, 'params.wOut', p.wOut);
  const N = wRec.rows;
  if (wRec.cols !== N) throw new ShapeError(`${fn}: params.wRec must be square, got ${wRec.rows}x${wRec.cols}`);
  if (wIn.rows !== N || wIn.cols !== b.inputDim) throw new ShapeError(`${fn}: params.wIn must be ${N}x${b.inputDim}, got ${wIn.rows}x${wIn.cols}`);
  if (wOut.rows !== b.outputDim || wOut.cols !== N) throw new ShapeError(`${fn}: params.wOut must be ${b.outputDim}x${N}, got ${wOut.rows}x${wOut.cols}`);
  checkFinite(fn, 'params.wRec', wRec);
  checkFinite(fn, 'params.wIn', wIn);
  checkFinite(fn, 'params.wOut', wOut);
  const alpha = checkUnit(fn, 'alpha', opts?.alpha ?? 0.5, 0, 1, '(]');
  const relu = checkOneOf(fn, 'activation', opts?.activation ?? 'relu', ['relu', 'tanh'] as const) === 'relu';
  checkAlloc(fn, 'the hidden states', (b.steps + 1) * b.batch, N);
  return { N, I: b.inputDim, K: b.outputDim, wRec, wIn, wOut, alpha, relu };
}

function checkTaskBatch(fn: string, b: RnnTaskBatch): void {
  if (b === null || typeof b !== 'object') throw new DomainError(`${fn}: batch must be an RnnTaskBatch, got ${describe(b)}`);
  const T = checkSize(fn, 'batch.steps', b.steps, 1);
  const B = checkSize(fn, 'batch.batch', b.batch, 1);
  const I = checkSize(fn, 'batch.inputDim', b.inputDim, 1);
  const K = checkSize(fn, 'batch.outputDim', b.outputDim, 2);
  checkAlloc(fn, 'the inputs', T * B, I);
  checkVector(fn, 'batch.inputs', b.inputs, T * B * I);
  checkFinite(fn, 'batch.inputs', b.inputs);
  const lab = b.labels as unknown;
  if (!(lab instanceof Int32Array || Array.isArray(lab)) || lab.length !== T * B) {
    throw new ShapeError(`${fn}: batch.labels must be an Int32Array or number[] of length steps·batch = ${T * B}, got ${describe(lab)}`);
  }
  for (let i = 0; i < T * B; i++) {
    const l = b.labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= K) throw new DomainError(`${fn}: batch.labels[${i}] must be an integer class in [0, ${K}), got ${l}`);
  }
}

const view = (data: Float64Array, off: number, rows: number, cols: number): Matrix<Float64Array> => ({ rows, cols, data: data.subarray(off, off + rows * cols) });

/** h_t = (1−α) h_{t−1} + α φ(W_rec h_{t−1} + W_in u_t), o_t = W_out h_t, h_0 = 0. */
function forward(net: Net, b: RnnTaskBatch): Trace {
  const { N, I, alpha, relu } = net;
  const T = b.steps;
  const B = b.batch;
  const H = new Float64Array((T + 1) * B * N);
  const Z = new Float64Array(T * B * N);
  for (let t = 0; t < T; t++) {
    const z = view(Z, t * B * N, B, N);
    matmul(view(H, t * B * N, B, N), net.wRec, { transB: true, out: z });
    matmul(view(b.inputs, t * B * I, B, I), net.wIn, { transB: true, out: z, accumulate: true });
    const off = (t + 1) * B * N;
    const prev = t * B * N;
    for (let i = 0; i < B * N; i++) {
      const zi = z.data[i]!;
      H[off + i] = (1 - alpha) * H[prev + i]! + alpha * (relu ? Math.max(zi, 0) : Math.tanh(zi));
    }
  }
  const O = matmul(view(H, B * N, T * B, N), net.wOut, { transB: true }).data as Float64Array;
  return { H, Z, O };
}

/** α φ'(z_i), the derivative of the update with respect to pre-activation i. */
function gate(net: Net, z: Float64Array, i: number): number {
  const v = z[i]!;
  if (net.relu) return v > 0 ? net.alpha : 0;
  const th = Math.tanh(v);
  return net.alpha * (1 - th * th);
}

function crossEntropy(O: Float64Array, labels: ArrayLike<number>, K: number): { loss: number; dO: Float64Array } {
  const M = labels.length;
  const dO = new Float64Array(O.length);
  let loss = 0;
  for (let r = 0; r < M; r++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) mx = Math.max(mx, O[r * K + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(O[r * K + k]! - mx);
    const lse = mx + Math.log(s);
    loss += lse - O[r * K + labels[r]!]!;
    for (let k = 0; k < K; k++) dO[r * K + k] = (Math.exp(O[r * K + k]! - lse) - (k === labels[r] ? 1 : 0)) / M;
  }
  return { loss: loss / M, dO };
}

function backward(net: Net, b: RnnTaskBatch, tr: Trace, dO: Float64Array): { wRec: Matrix<Float64Array>; wIn: Matrix<Float64Array>; wOut: Matrix<Float64Array> } {
  const { N, I, K, alpha } = net;
  const T = b.steps;
  const B = b.batch;
  const gRec: Matrix<Float64Array> = { rows: N, cols: N, data: new Float64Array(N * N) };
  const gIn: Matrix<Float64Array> = { rows: N, cols: I, data: new Float64Array(N * I) };
  const gOut = matmul(view(dO, 0, T * B, K), view(tr.H, B * N, T * B, N), { transA: true }) as Matrix<Float64Array>;
  const gH: Matrix<Float64Array> = { rows: B, cols: N, data: new Float64Array(B * N) };
  const dZ: Matrix<Float64Array> = { rows: B, cols: N, data: new Float64Array(B * N) };
  for (let t = T - 1; t >= 0; t--) {
    // gH holds ∂L/∂h_{t+1} from the future; add the readout's share at step t+1.
    matmul(view(dO, t * B * K, B, K), net.wOut, { out: gH, accumulate: true });
    const zOff = t * B * N;
    for (let i = 0; i < B * N; i++) dZ.data[i] = gH.data[i]! * gate(net, tr.Z, zOff + i);
    matmul(dZ, view(tr.H, t * B * N, B, N), { transA: true, out: gRec, accumulate: true });
    matmul(dZ, view(b.inputs, t * B * I, B, I), { transA: true, out: gIn, accumulate: true });
    for (let i = 0; i < B * N; i++) gH.data[i]! *= 1 - alpha;
    matmul(dZ, net.wRec, { out: gH, accumulate: true });
  }
  return { wRec: gRec, wIn: gIn, wOut: gOut };
}

/**
 * Forward pass and backpropagation through time of the leaky (continuous-time) RNN of the
 * rich/lazy paper: `h_t = (1−α) h_{t−1} + α φ(W_rec h_{t−1} + W_in u_t)`, `o_t = W_out h_t`,
 * `h_0 = 0`, loss = mean cross-entropy of `o_t` against the label of every (step, trial), as the
 * official code's loss over the whole trial. The code applies φ after the leak,
 * `h_t = φ((1−α) h_{t−1} + α(…))`; the two agree at its α = 1. Exact gradients, checked against
 * finite differences and a numpy reference. Cost O(T·B·(N² + N·inputDim + N·outputDim)).
 */
export function ctrnnLossAndGrads(params: CtrnnParams, batch: RnnTaskBatch, opts: CtrnnOptions = {}): CtrnnLossAndGrads {
  const net = checkNet('ctrnnLossAndGrads', params, batch, opts);
  const tr = forward(net, batch);
  const { loss, dO } = crossEntropy(tr.O, batch.labels, net.K);
  return { loss, ...backward(net, batch, tr, dO), outputs: tr.O };
}

interface Jacobians {
  /** ∂o/∂W_rec, rows (t, b, k), M × N². */
  rec: Matrix<Float64Array>;
  /** ∂o/∂W_in, M × N·I. */
  inp: Matrix<Float64Array>;
  /** ∂o/∂W_out, M × K·N. */
  out: Matrix<Float64Array>;
  trace: Trace;
}

/** Per-output Jacobians by one backward sweep per (t, k), all trials at once. */
function jacobians(net: Net, b: RnnTaskBatch): Jacobians {
  const { N, I, K } = net;
  const T = b.steps;
  const B = b.batch;
  const tr = forward(net, b);
  const M = T * B * K;
  checkAlloc('ctrnnTangentKernel', 'the Jacobian', M, N * N);
  const rec = new Float64Array(M * N * N);
  const inp = new Float64Array(M * N * I);
  const out = new Float64Array(M * K * N);
  const gH: Matrix<Float64Array> = { rows: B, cols: N, data: new Float64Array(B * N) };
  const dZ: Matrix<Float64Array> = { rows: B, cols: N, data: new Float64Array(B * N) };
  for (let t0 = 0; t0 < T; t0++) {
    for (let k = 0; k < K; k++) {
      for (let bb = 0; bb < B; bb++) {
        const row = (t0 * B + bb) * K + k;
        for (let j = 0; j < N; j++) {
          gH.data[bb * N + j] = net.wOut.data[k * N + j]!;
          out[row * K * N + k * N + j] = tr.H[((t0 + 1) * B + bb) * N + j]!;
        }
      }
      for (let t = t0; t >= 0; t--) {
        const zOff = t * B * N;
        for (let i = 0; i < B * N; i++) dZ.data[i] = gH.data[i]! * gate(net, tr.Z, zOff + i);
        for (let bb = 0; bb < B; bb++) {
          const row = (t0 * B + bb) * K + k;
          const hOff = (t * B + bb) * N;
          const uOff = (t * B + bb) * I;
          for (let i = 0; i < N; i++) {
            const d = dZ.data[bb * N + i]!;
            if (d === 0) continue;
            const rOff = row * N * N + i * N;
            for (let j = 0; j < N; j++) rec[rOff + j]! += d * tr.H[hOff + j]!;
            const iOff = row * N * I + i * I;
            for (let j = 0; j < I; j++) inp[iOff + j]! += d * b.inputs[uOff + j]!;
          }
        }
        if (t > 0) {
          for (let i = 0; i < B * N; i++) gH.data[i]! *= 1 - net.alpha;
          matmul(dZ, net.wRec, { out: gH, accumulate: true });
        }
      }
    }
  }
  return { rec: { rows: M, cols: N * N, data: rec }, inp: { rows: M, cols: N * I, data: inp }, out: { rows: M, cols: K * N, data: out }, trace: tr };
}

const gram = (J: Matrix): Matrix<Float64Array> => matmul(J, J, { transB: true }) as Matrix<Float64Array>;

/**
 * Empirical tangent kernel of the RNN's outputs with respect to the recurrent weights, the
 * paper's laziness kernel: `K = J Jᵀ` with `J = ∂o_{t,b,k}/∂W_rec` over every step t, trial b
 * and output k of `batch` (rows ordered (t, b, k), as main.py). Cost O(T²·B·K·N² + (T·B·K)²·N²).
 */
export function ctrnnTangentKernel(params: CtrnnParams, batch: RnnTaskBatch, opts: CtrnnOptions = {}): Matrix<Float64Array> {
  const net = checkNet('ctrnnTangentKernel', params, batch, opts);
  return gram(jacobians(net, batch).rec);
}

/**
 * A rank-one matrix `c · m̂ n̂ᵀ` (m̂, n̂ the unit vectors of `outDirection` and `inDirection`) whose
 * Frobenius norm is `frobeniusNorm`: the aligned low-rank initial connectivity of
 * {@link rnnRichLazyRun}, reading the hidden state along n̂ and writing along m̂.
 */
export function alignedRankOne(inDirection: ArrayLike<number>, outDirection: ArrayLike<number>, frobeniusNorm: number): Matrix<Float64Array> {
  const fn = 'alignedRankOne';
  checkVector(fn, 'inDirection', inDirection);
  checkVector(fn, 'outDirection', outDirection);
  checkFinite(fn, 'inDirection', inDirection);
  checkFinite(fn, 'outDirection', outDirection);
  const c = checkPositive(fn, 'frobeniusNorm', frobeniusNorm);
  const unit = (v: ArrayLike<number>, name: string) => {
    let mx = 0;
    for (let i = 0; i < v.length; i++) mx = Math.max(mx, Math.abs(v[i]!));
    if (mx === 0) throw new DomainError(`${fn}: ${name} is the zero vector`);
    let s = 0;
    for (let i = 0; i < v.length; i++) s += (v[i]! / mx) ** 2;
    // Divide by mx first: mx·√s overflows for entries near the float64 maximum.
    const r = Math.sqrt(s);
    return Float64Array.from(v, (x) => x / mx / r);
  };
  const n = unit(inDirection, 'inDirection');
  const m = unit(outDirection, 'outDirection');
  checkAlloc(fn, 'the matrix', m.length, n.length);
  const data = new Float64Array(m.length * n.length);
  for (let i = 0; i < m.length; i++) for (let j = 0; j < n.length; j++) data[i * n.length + j] = c * m[i]! * n[j]!;
  return { rows: m.length, cols: n.length, data };
}

/** Options of {@link rnnRichLazyRun}. */
export interface RnnRichLazyOptions {
  /** Task (default '2AF'). */
  task?: RnnTaskName;
  /** Hidden units N (default 64; the paper 300). */
  hidden?: number;
  /** Rank of the initial W_rec, 1..N (default N, full rank). */
  rank?: number;
  /**
   * 'random' (default): the rank-r truncated SVD of `σ G/√N` rescaled to that matrix's Frobenius
   * norm (the paper's protocol). 'aligned': rank one, `‖W0‖_F · m̂ n̂ᵀ` with n̂ the input
   * weights' image of the task's evidence contrast and m̂ the readout's choice-1-minus-choice-2
   * direction (requires rank 1 or unset).
   */
  init?: 'random' | 'aligned';
  /** σ of the Gaussian W0 (default 1.25, the paper's). */
  sigma?: number;
  /** Leak α (default 0.5). */
  alpha?: number;
  /** Nonlinearity (default 'relu'). */
  activation?: 'relu' | 'tanh';
  /** SGD steps, one fresh batch each (default 300; the paper 10 000). */
  steps?: number;
  /** Trials per step (default 16; the paper 32). */
  batch?: number;
  /** Trials whose outputs define the tangent kernels (default 8, rows 8·8·3 = 192). */
  probeBatch?: number;
  /** Trials for representation alignment, unchanged signs and accuracy (default 256). */
  evalBatch?: number;
  /** Heavy-ball momentum in [0, 1) (default 0.9, the paper's). */
  momentum?: number;
  /** Step η = etaFraction·(1 − momentum)/λ_max(K0/m) (default 5: an effective heavy-ball step η/(1 − momentum) of 5/λ_max, well inside the stable range because the cross-entropy's curvature is at most ½ per logit). */
  etaFraction?: number;
  /**
   * A fixed step η for every init (the paper's protocol, lr 3e-3 there), in place of the
   * normalised one; `etaFraction` is then unused. λ_max is still measured and reported.
   */
  learningRate?: number;
  /** Seed of the weights. */
  seed?: number;
  /** Seed of the trials. */
  taskSeed?: number;
}

/** Laziness measures of one recurrent run (spec §8a, the official code's measures). */
export interface RnnRichLazyResult {
  /** ‖W_rec,T − W_rec,0‖_F / ‖W_rec,0‖_F. */
  relWeightChange: number;
  /** Alignment ⟨K0, KT⟩/(‖K0‖‖KT‖) of the W_rec tangent kernels on the probe trials. */
  kernelAlignment: number;
  /** Alignment of the final-step hidden-state Grams h_T h_Tᵀ on the evaluation trials. */
  representationAlignment: number;
  /** Fraction of decision-step pre-activation signs (evaluation trials × units) unchanged. */
  unchangedSigns: number;
  /** Mean cross-entropy on the evaluation trials at the start and the end. */
  initialLoss: number;
  finalLoss: number;
  /** Decision-step accuracy on the evaluation trials at the start and the end. */
  initialAccuracy: number;
  finalAccuracy: number;
  /** λ_max(K0/m) of the full tangent kernel (all three weight matrices), m = steps·probeBatch. */
  lambdaMax: number;
  /** The step size used (normalised, or the fixed `learningRate`). */
  eta: number;
  /** Training-batch loss every max(1, ⌊steps/50⌋) steps. */
  lossCurve: number[];
}

const RUN_KEYS = ['task', 'hidden', 'rank', 'init', 'sigma', 'alpha', 'activation', 'steps', 'batch', 'probeBatch', 'evalBatch', 'momentum', 'etaFraction', 'learningRate', 'seed', 'taskSeed'];

function decisionAccuracy(O: Float64Array, b: RnnTaskBatch): number {
  const K = b.outputDim;
  const t = b.steps - 1;
  let ok = 0;
  for (let bb = 0; bb < b.batch; bb++) {
    const r = t * b.batch + bb;
    let best = 0;
    for (let k = 1; k < K; k++) if (O[r * K + k]! > O[r * K + best]!) best = k;
    if (best === b.labels[r]) ok++;
  }
  return ok / b.batch;
}

function firstTrials(b: RnnTaskBatch, n: number): RnnTaskBatch {
  const { steps: T, batch: B, inputDim: I } = b;
  const inputs = new Float64Array(T * n * I);
  const labels = new Int32Array(T * n);
  for (let t = 0; t < T; t++) {
    inputs.set(b.inputs.subarray(t * B * I, (t * B + n) * I), t * n * I);
    for (let i = 0; i < n; i++) labels[t * n + i] = b.labels[t * B + i]!;
  }
  return { ...b, batch: n, inputs, labels };
}

/** Evidence contrast of each task's input channels (what the aligned init reads). */
function inputContrast(task: RnnTaskName): number[] {
  if (task === '2AF' || task === 'DMS') return [0, 1, -1];
  return [0, 1, -1, 1, -1, 0, 0];
}

/**
 * Trains the paper's recurrent setting (Liu et al., "How connectivity structure shapes rich and
 * lazy learning in neural circuits", ICLR 2024; official code BioRNN_RichLazy main.py; spec §8b):
 * a leaky RNN ({@link ctrnnLossAndGrads}) on a {@link neurogymStyleTask}, W_rec starting at rank r
 * with the Frobenius norm of the full-rank `σ G/√N` (or the aligned rank-one init), W_in and
 * W_out as PyTorch's Linear default U(±1/√fan_in), all three trained by SGD with heavy-ball
 * momentum on fresh batches. Unlike the paper (fixed lr 3e-3), the step is normalised per
 * initialisation by the largest eigenvalue of the initial tangent kernel, because low ranks
 * otherwise catapult or diverge (spec, cross-cutting pitfalls). Returns the paper's laziness
 * measures. Throws ConvergenceError if the loss stops being finite. Cost per step
 * O(T·batch·N²); the two kernels O((T·probeBatch·3)²·N²).
 */
export function rnnRichLazyRun(opts: RnnRichLazyOptions = {}): RnnRichLazyResult {
  const fn = 'rnnRichLazyRun';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, RUN_KEYS);
  const task = checkOneOf(fn, 'task', opts.task ?? '2AF', TASKS);
  const N = checkSize(fn, 'hidden', opts.hidden ?? 64, 1);
  const rank = checkSize(fn, 'rank', opts.rank ?? N, 1);
  if (rank > N) throw new DomainError(`${fn}: rank must be at most hidden = ${N}, got ${rank}`);
  const init = checkOneOf(fn, 'init', opts.init ?? 'random', ['random', 'aligned'] as const);
  if (init === 'aligned' && opts.rank !== undefined && rank !== 1) throw new DomainError(`${fn}: the aligned init is rank one; rank must be 1 or unset, got ${rank}`);
  const sigma = checkPositive(fn, 'sigma', opts.sigma ?? 1.25);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 300);
  const B = checkSize(fn, 'batch', opts.batch ?? 16, 1);
  const Bp = checkSize(fn, 'probeBatch', opts.probeBatch ?? 8, 1);
  const Be = checkSize(fn, 'evalBatch', opts.evalBatch ?? 256, 1);
  const mu = checkUnit(fn, 'momentum', opts.momentum ?? 0.9, 0, 1, '[)');
  const frac = checkPositive(fn, 'etaFraction', opts.etaFraction ?? 5);
  // Checked with the other options, before the O(T² B K N²) Jacobian and kernel are built.
  const fixedEta = opts.learningRate === undefined ? undefined : checkPositive(fn, 'learningRate', opts.learningRate);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  const taskSeed = checkSeed(fn, 'taskSeed', opts.taskSeed ?? 0);
  const dyn: CtrnnOptions = { alpha: opts.alpha ?? 0.5, activation: opts.activation ?? 'relu' };
  checkAlloc(fn, 'the weights', N, N);
  checkAlloc(fn, 'the kernel Jacobian', 8 * Bp * 3, N * N);

  // Two streams drawn from the task seed (kept as first written, so results stay reproducible).
  const tr = checkRng(fn, 'taskSeed', taskSeed);
  const evalSet = neurogymStyleTask(task, Math.max(Be, Bp), { seed: tr.nextU32() });
  const probe = firstTrials(evalSet, Bp);
  const trainRng = checkRng(fn, 'taskSeed', tr.nextU32());
  const I = evalSet.inputDim;
  const K = evalSet.outputDim;

  const sr = checkRng(fn, 'seed', seed);
  const w0Seed = sr.nextU32();
  const wIn: Matrix<Float64Array> = { rows: N, cols: I, data: sr.fillUniform(new Float64Array(N * I), -1 / Math.sqrt(I), 1 / Math.sqrt(I)) };
  const wOut: Matrix<Float64Array> = { rows: K, cols: N, data: sr.fillUniform(new Float64Array(K * N), -1 / Math.sqrt(N), 1 / Math.sqrt(N)) };
  let wRec: Matrix<Float64Array>;
  if (init === 'random') wRec = lowRankGaussian(N, N, rank, { sigma, seed: w0Seed });
  else {
    const full = lowRankGaussian(N, N, N, { sigma, seed: w0Seed });
    let f2 = 0;
    for (const v of full.data) f2 += v * v;
    const c = inputContrast(task);
    const n = new Float64Array(N);
    const m = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < I; j++) n[i]! += wIn.data[i * I + j]! * c[j]!;
      m[i] = wOut.data[1 * N + i]! - wOut.data[2 * N + i]!;
    }
    wRec = alignedRankOne(n, m, Math.sqrt(f2));
  }
  const W0 = Float64Array.from(wRec.data);
  const params = { wRec, wIn, wOut };
  const net0 = checkNet(fn, params, probe, dyn);

  // Step normalisation: λ_max of the full initial tangent kernel per loss term.
  const J0 = jacobians(net0, probe);
  const K0 = gram(J0.rec);
  const Kall = gram(J0.inp);
  const Kout = gram(J0.out);
  const m = probe.steps * probe.batch;
  for (let i = 0; i < Kall.data.length; i++) Kall.data[i] = (Kall.data[i]! + Kout.data[i]! + K0.data[i]!) / m;
  // Largest eigenvalue of the initial kernel, as `richLazyRun` and `linearRichLazyRun` take it.
  const lambdaMax = eigh(Kall).values[Kall.rows - 1]!;
  if (fixedEta === undefined && (!(lambdaMax > 0) || !Number.isFinite(lambdaMax))) {
    throw new ConvergenceError(`${fn}: the initial tangent kernel has λ_max = ${lambdaMax}; the step cannot be normalised (give a fixed learningRate)`, lambdaMax, 0);
  }
  const eta = fixedEta ?? (frac * (1 - mu)) / lambdaMax;
  if (!Number.isFinite(eta)) throw new ConvergenceError(`${fn}: the normalised step etaFraction·(1 − momentum)/λ_max = ${eta} is not finite (λ_max = ${lambdaMax}); give a fixed learningRate`, eta, 0);

  const evalNet = (p: CtrnnParams) => {
    const net = checkNet(fn, p, evalSet, dyn);
    const t = forward(net, evalSet);
    return { trace: t, loss: crossEntropy(t.O, evalSet.labels, K).loss, acc: decisionAccuracy(t.O, evalSet) };
  };
  const start = evalNet(params);

  const vel = [new Float64Array(N * N), new Float64Array(N * I), new Float64Array(K * N)];
  const ws = [wRec.data, wIn.data, wOut.data];
  const lossCurve: number[] = [];
  const every = Math.max(1, Math.floor(steps / 50));
  for (let s = 0; s < steps; s++) {
    const b = neurogymStyleTask(task, B, { seed: trainRng });
    const g = ctrnnLossAndGrads(params, b, dyn);
    if (!Number.isFinite(g.loss)) throw new ConvergenceError(`${fn}: the loss became ${g.loss} at step ${s} (rank ${rank}, η = ${eta})`, g.loss, s);
    if (s % every === 0) lossCurve.push(g.loss);
    const gs = [g.wRec.data, g.wIn.data, g.wOut.data];
    for (let p = 0; p < 3; p++) {
      const v = vel[p]!;
      const w = ws[p]!;
      const gp = gs[p]!;
      for (let i = 0; i < v.length; i++) {
        v[i] = mu * v[i]! + gp[i]!;
        w[i]! -= eta * v[i]!;
      }
    }
  }
  const end = evalNet(params);
  if (!Number.isFinite(end.loss)) throw new ConvergenceError(`${fn}: the final loss is ${end.loss}`, end.loss, steps);
  const KT = gram(jacobians(checkNet(fn, params, probe, dyn), probe).rec);

  let dw2 = 0;
  let w02 = 0;
  for (let i = 0; i < W0.length; i++) {
    dw2 += (wRec.data[i]! - W0[i]!) ** 2;
    w02 += W0[i]! ** 2;
  }
  const T = evalSet.steps;
  const Be2 = evalSet.batch;
  const last = (t: Trace) => view(t.H, T * Be2 * N, Be2, N);
  const repAlign = kernelAlignment(gram(last(start.trace)), gram(last(end.trace)));
  let same = 0;
  const zOff = (T - 1) * Be2 * N;
  for (let i = 0; i < Be2 * N; i++) if (start.trace.Z[zOff + i]! > 0 === end.trace.Z[zOff + i]! > 0) same++;
  return {
    relWeightChange: Math.sqrt(dw2 / w02),
    kernelAlignment: kernelAlignment(K0, KT),
    representationAlignment: repAlign,
    unchangedSigns: same / (Be2 * N),
    initialLoss: start.loss,
    finalLoss: end.loss,
    initialAccuracy: start.acc,
    finalAccuracy: end.acc,
    lambdaMax,
    eta,
    lossCurve,
  };
}
