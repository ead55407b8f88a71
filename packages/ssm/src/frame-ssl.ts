import { DomainError, type Matrix, type Rng, rng, ShapeError } from '@x/gpu';
import { checkAborted, checkFunction, checkInt, checkOneOf, checkOptions, checkPositive, checkSeed, describe } from '@x/gpu/checks';
import { morletScalogram, unitaryRfft } from '@x/linalg';
import { Adam, Conv1d, Linear, type Parameter, ReLU, Sequential } from '@x/nn';
import { yieldToEventLoop } from './yield';

// "Learning Without Augmenting: Unsupervised Time Series Representation Learning via Frame
// Projections" (NeurIPS 2025): instead of augmented copies, the positive pairs of a contrastive
// loss are projections of one signal onto frames: the time samples, the orthonormal-basis view
// rfft(x, norm='ortho') and the overcomplete Morlet-wavelet view |CWT|. One encoder per view,
// NT-Xent on the three pairs, and mappers that predict the frequency and wavelet embeddings from
// the time embedding, so at inference only the time signal is needed.

type M = Matrix<Float64Array>;

/** Options of {@link ntXent}. */
export interface NtXentOptions {
  /** Softmax temperature τ (default 0.15, the paper's). */
  temperature?: number;
}

/** Value of {@link ntXent} and its gradients with respect to both inputs. */
export interface NtXentResult {
  /** The loss, averaged over the 2B anchors. */
  readonly value: number;
  /** dL/dz1, B x D. */
  readonly grad1: Matrix<Float64Array>;
  /** dL/dz2, B x D. */
  readonly grad2: Matrix<Float64Array>;
}

function checkEmbeddings(fn: string, name: string, z: unknown): Matrix {
  const m = z as Matrix;
  if (!m || typeof m !== 'object' || !Number.isInteger(m.rows) || !Number.isInteger(m.cols) || !(m.data instanceof Float64Array || m.data instanceof Float32Array) || m.data.length !== m.rows * m.cols) {
    throw new ShapeError(`${fn}: ${name} must be a Matrix { rows, cols, data }, got ${describe(z)}`);
  }
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) throw new DomainError(`${fn}: ${name} has a non-finite entry ${m.data[i]} at flat index ${i}`);
  return m;
}

/** Rows scaled to unit length, and the lengths (a zero row is left at zero, length 1). */
function normalizeRows(z: Matrix): { u: M; norms: Float64Array } {
  const { rows, cols } = z;
  const u = new Float64Array(rows * cols);
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += z.data[r * cols + c]! ** 2;
    const n = Math.sqrt(s) || 1;
    norms[r] = n;
    for (let c = 0; c < cols; c++) u[r * cols + c] = z.data[r * cols + c]! / n;
  }
  return { u: { rows, cols, data: u }, norms };
}

/** Gradient through row normalization: dz = (du - u (u·du)) / |z|. */
function normalizeBackward(u: M, norms: Float64Array, du: M): M {
  const { rows, cols } = u;
  const dz = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let d = 0;
    for (let c = 0; c < cols; c++) d += u.data[r * cols + c]! * du.data[r * cols + c]!;
    for (let c = 0; c < cols; c++) dz[r * cols + c] = (du.data[r * cols + c]! - u.data[r * cols + c]! * d) / norms[r]!;
  }
  return { rows, cols, data: dz };
}

/**
 * NT-Xent, the normalized temperature-scaled cross-entropy of SimCLR, as the paper's code computes
 * it: rows of z1 and z2 (B x D, the two views of B signals) are L2-normalized and stacked into
 * 2B vectors u; for anchor i its positive is the other view of the same signal and its negatives
 * the other 2B - 2 vectors; L = (1 / 2B) Σ_i -log(exp(u_i·u_p(i) / τ) / Σ_{j≠i} exp(u_i·u_j / τ)).
 * Returns the value and the exact gradients with respect to z1 and z2. O(B² D).
 * @throws ShapeError when z1 and z2 are not matrices of the same shape with B ≥ 2 rows.
 * @throws DomainError for a non-finite entry or a temperature that is not positive.
 */
export function ntXent(z1: Matrix, z2: Matrix, opts: NtXentOptions = {}): NtXentResult {
  const fn = 'ntXent';
  checkOptions(fn, opts, ['temperature']);
  const tau = checkPositive(fn, 'temperature', opts.temperature ?? 0.15);
  const a = checkEmbeddings(fn, 'z1', z1);
  const b = checkEmbeddings(fn, 'z2', z2);
  if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(`${fn}: z1 is ${a.rows}x${a.cols}, z2 is ${b.rows}x${b.cols}; they must match`);
  if (a.rows < 2 || a.cols < 1) throw new ShapeError(`${fn}: need at least 2 rows (one negative per anchor) and 1 column, got ${a.rows}x${a.cols}`);
  const B = a.rows;
  const D = a.cols;
  const n = 2 * B;
  const z = new Float64Array(n * D);
  z.set(a.data, 0);
  z.set(b.data, B * D);
  const { u, norms } = normalizeRows({ rows: n, cols: D, data: z });
  const U = u.data;
  // Logits s_ij = u_i·u_j / τ for j ≠ i; row softmax p_ij; dL/ds_ij = (p_ij - [j = pos(i)]) / n.
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let d = 0;
      for (let c = 0; c < D; c++) d += U[i * D + c]! * U[j * D + c]!;
      s[i * n + j] = d / tau;
      s[j * n + i] = d / tau;
    }
  }
  let loss = 0;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const pos = i < B ? i + B : i - B;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (j !== i && s[i * n + j]! > mx) mx = s[i * n + j]!;
    let sum = 0;
    for (let j = 0; j < n; j++) if (j !== i) sum += Math.exp(s[i * n + j]! - mx);
    loss += mx + Math.log(sum) - s[i * n + pos]!;
    for (let j = 0; j < n; j++) if (j !== i) g[i * n + j] = Math.exp(s[i * n + j]! - mx) / sum / n;
    g[i * n + pos]! -= 1 / n;
  }
  // du_i = Σ_j (g_ij + g_ji) u_j / τ.
  const du = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = (g[i * n + j]! + g[j * n + i]!) / tau;
      if (w === 0) continue;
      for (let c = 0; c < D; c++) du[i * D + c]! += w * U[j * D + c]!;
    }
  }
  const dz = normalizeBackward(u, norms, { rows: n, cols: D, data: du }).data;
  return { value: loss / n, grad1: { rows: B, cols: D, data: dz.slice(0, B * D) }, grad2: { rows: B, cols: D, data: dz.slice(B * D) } };
}

/** Options of {@link frameProjectionViews}. */
export interface FrameViewOptions {
  /** Morlet scales in samples (default: 48 scales geometrically spaced in [1, 128], the paper's). */
  scales?: ArrayLike<number>;
  /** Average |CWT| over blocks of this many time steps (default 1: every step, as the paper). */
  cwtPool?: number;
}

/** The three frame projections of one real signal of length T, channels last (row-major). */
export interface FrameViews {
  /** The time view: the samples themselves, T x 1. */
  readonly time: Float64Array;
  /** The orthonormal-basis view rfft(x, norm='ortho'), (⌊T/2⌋+1) x 2: real and imaginary parts. */
  readonly ft: Float64Array;
  /** Rows of {@link FrameViews.ft}: ⌊T/2⌋ + 1. */
  readonly ftLength: number;
  /** The overcomplete-frame view |CWT| (complex Morlet cmor1-1), ⌈T / cwtPool⌉ x J: one channel per scale. */
  readonly cwt: Float64Array;
  /** Rows of {@link FrameViews.cwt}: ⌈T / cwtPool⌉. */
  readonly cwtLength: number;
  /** Channels of {@link FrameViews.cwt}: the number of scales J. */
  readonly scales: number;
}

/**
 * The paper's three views of a real signal x: time x; the unitary-DFT coefficients
 * rfft(x, norm='ortho') (an isometry up to the doubled bins, see `rfftParsevalWeights` in
 * `@x/linalg`); and the magnitudes of the complex Morlet (cmor1-1) wavelet coefficients at J scales,
 * a J-times redundant frame (`morletScalogram`), optionally averaged over `cwtPool` time steps.
 * All three are sequences with channels last, ready for a 1-D convolutional encoder.
 * O(J T log T).
 * @throws ShapeError for an empty signal; DomainError for a non-finite sample or bad scales.
 */
export function frameProjectionViews(x: ArrayLike<number>, opts: FrameViewOptions = {}): FrameViews {
  const fn = 'frameProjectionViews';
  checkOptions(fn, opts, ['scales', 'cwtPool']);
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') throw new ShapeError(`${fn}: x must be an array of numbers, got ${describe(x)}`);
  const T = x.length;
  if (T < 2) throw new ShapeError(`${fn}: x must have at least 2 samples, got ${T}`);
  const time = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const v = x[t];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DomainError(`${fn}: x[${t}] must be a finite number, got ${describe(v)}`);
    time[t] = v;
  }
  const pool = checkInt(fn, 'cwtPool', opts.cwtPool ?? 1, 1, T);
  let sc: M;
  try {
    sc = morletScalogram(time, opts.scales === undefined ? {} : { scales: opts.scales });
  } catch (e) {
    if (e instanceof DomainError || e instanceof ShapeError) throw new (e.constructor as typeof DomainError)(`${fn}: ${e.message}`);
    throw e;
  }
  const F = unitaryRfft(time);
  const nf = F.re.length;
  const ft = new Float64Array(nf * 2);
  for (let k = 0; k < nf; k++) {
    ft[2 * k] = F.re[k]!;
    ft[2 * k + 1] = F.im[k]!;
  }
  const J = sc.rows;
  const L = Math.ceil(T / pool);
  const cwt = new Float64Array(L * J);
  for (let l = 0; l < L; l++) {
    const lo = l * pool;
    const hi = Math.min(T, lo + pool);
    for (let j = 0; j < J; j++) {
      let s = 0;
      for (let t = lo; t < hi; t++) s += sc.data[j * T + t]!;
      cwt[l * J + j] = s / (hi - lo);
    }
  }
  return { time, ft, ftLength: nf, cwt, cwtLength: L, scales: J };
}

// ---------------------------------------------------------------------------------------------
// A small 1-D convolutional encoder and the two pretraining recipes.

/** Average over blocks of p rows of each sequence (the last block may be shorter). */
function poolForward(x: M, B: number, T: number, C: number, p: number): M {
  const L = Math.ceil(T / p);
  const y = new Float64Array(B * L * C);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const lo = l * p;
      const hi = Math.min(T, lo + p);
      const o = (b * L + l) * C;
      for (let t = lo; t < hi; t++) for (let c = 0; c < C; c++) y[o + c]! += x.data[(b * T + t) * C + c]!;
      for (let c = 0; c < C; c++) y[o + c] = y[o + c]! / (hi - lo);
    }
  }
  return { rows: B * L, cols: C, data: y };
}

function poolBackward(dy: M, B: number, T: number, C: number, p: number): M {
  const L = Math.ceil(T / p);
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const lo = l * p;
      const hi = Math.min(T, lo + p);
      const o = (b * L + l) * C;
      for (let t = lo; t < hi; t++) for (let c = 0; c < C; c++) dx[(b * T + t) * C + c] = dy.data[o + c]! / (hi - lo);
    }
  }
  return { rows: B * T, cols: C, data: dx };
}

/**
 * conv(k=9) → ReLU → mean-pool by `pool` → conv(k=5) → ReLU → global mean over time → Linear:
 * one signal view (T steps x C channels) to a D-dimensional embedding.
 */
/** @internal */
export class ViewEncoder {
  readonly conv1: Conv1d;
  readonly conv2: Conv1d;
  readonly relu1 = new ReLU();
  readonly relu2 = new ReLU();
  readonly head: Linear;
  private cache: { B: number; L: number } | null = null;

  constructor(
    readonly T: number,
    readonly C: number,
    readonly width: number,
    readonly dim: number,
    readonly pool: number,
    r: Rng,
  ) {
    this.conv1 = new Conv1d(C, 9, { outChannels: width, causal: false, seqLen: T, seed: r.int(2 ** 31) });
    this.conv2 = new Conv1d(width, 5, { outChannels: width, causal: false, seqLen: Math.ceil(T / pool), seed: r.int(2 ** 31) });
    this.head = new Linear(width, dim, { seed: r.int(2 ** 31) });
  }

  /** x: B x (T C), one signal per row. */
  forward(x: M): M {
    const B = x.rows;
    const { T, C, width: W, pool } = this;
    let h = this.relu1.forward(this.conv1.forward({ rows: B * T, cols: C, data: x.data }));
    h = poolForward(h as M, B, T, W, pool);
    const L = Math.ceil(T / pool);
    h = this.relu2.forward(this.conv2.forward(h));
    const g = new Float64Array(B * W);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let c = 0; c < W; c++) g[b * W + c]! += h.data[(b * L + l) * W + c]! / L;
    this.cache = { B, L };
    return this.head.forward({ rows: B, cols: W, data: g }) as M;
  }

  backward(dy: M): void {
    const { B, L } = this.cache!;
    const { T, width: W, pool } = this;
    const dg = this.head.backward(dy);
    const dh = new Float64Array(B * L * W);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let c = 0; c < W; c++) dh[(b * L + l) * W + c] = dg.data[b * W + c]! / L;
    let d = this.conv2.backward(this.relu2.backward({ rows: B * L, cols: W, data: dh }));
    d = poolBackward(d as M, B, T, W, pool);
    this.conv1.backward(this.relu1.backward(d));
  }

  parameters(prefix: string): Parameter[] {
    const out: Parameter[] = [];
    for (const [n, m] of [['conv1', this.conv1], ['conv2', this.conv2], ['head', this.head]] as const) {
      for (const p of m.parameters()) out.push({ ...p, name: `${prefix}.${n}.${p.name}` });
    }
    return out;
  }
}

/** Linear-ReLU-Linear. @internal */
export function mlp(inDim: number, hidden: number, out: number, r: Rng): Sequential {
  return new Sequential(new Linear(inDim, hidden, { seed: r.int(2 ** 31) }), new ReLU(), new Linear(hidden, out, { seed: r.int(2 ** 31) }));
}

function named(prefix: string, m: { parameters(): Parameter[] }): Parameter[] {
  return m.parameters().map((p) => ({ ...p, name: `${prefix}.${p.name}` }));
}

/** L1 loss mean |p - t| over all entries, scaled by w; returns value and dL/dp. */
function l1(p: M, t: M, w: number): { value: number; grad: M } {
  const n = p.data.length;
  const g = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p.data[i]! - t.data[i]!;
    s += Math.abs(d);
    g[i] = (w * Math.sign(d)) / n;
  }
  return { value: (w * s) / n, grad: { rows: p.rows, cols: p.cols, data: g } };
}

function addInto(a: M, b: M): M {
  for (let i = 0; i < a.data.length; i++) a.data[i]! += b.data[i]!;
  return a;
}


/** The modules of the frame-projection recipe: one encoder and projector per view, two mappers. @internal */
export interface FrameModels {
  readonly timeEnc: ViewEncoder;
  readonly ftEnc: ViewEncoder;
  readonly cwtEnc: ViewEncoder;
  readonly projT: Sequential;
  readonly projF: Sequential;
  readonly projC: Sequential;
  readonly mapF: Sequential;
  readonly mapC: Sequential;
}

/** Builds the FT and CWT encoders, their projectors and the mappers around a time encoder. @internal */
export function frameModels(timeEnc: ViewEncoder, projT: Sequential, v: Pick<FrameViews, 'ftLength' | 'cwtLength' | 'scales'>, width: number, dim: number, hidden: number, pool: number, r: Rng): FrameModels {
  const ftEnc = new ViewEncoder(v.ftLength, 2, width, dim, pool, r);
  const cwtEnc = new ViewEncoder(v.cwtLength, v.scales, width, dim, Math.max(1, Math.round(pool / 2)), r);
  return { timeEnc, ftEnc, cwtEnc, projT, projF: mlp(dim, dim, dim, r), projC: mlp(dim, dim, dim, r), mapF: mlp(dim, hidden, dim, r), mapC: mlp(dim, hidden, dim, r) };
}

/** Every trainable parameter of {@link FrameModels}, with unique names. @internal */
export function frameParameters(m: FrameModels): Parameter[] {
  return [
    ...m.timeEnc.parameters('time'), ...m.ftEnc.parameters('ft'), ...m.cwtEnc.parameters('cwt'),
    ...named('projTime', m.projT), ...named('projFt', m.projF), ...named('projCwt', m.projC), ...named('mapFt', m.mapF), ...named('mapCwt', m.mapC),
  ];
}

/**
 * The paper's loss on one minibatch (views xt B x T, xf B x (F 2), xc B x (L J)): NT-Xent on the
 * three pairs of normalized projections plus the mappers' L1 losses (weight 1/B); accumulates
 * every parameter's gradient and returns the value. @internal
 */
export function frameObjective(m: FrameModels, xt: M, xf: M, xc: M, tau: number): number {
  const B = xt.rows;
  const zt = normalizeRows(m.projT.forward(m.timeEnc.forward(xt)));
  const zf = normalizeRows(m.projF.forward(m.ftEnc.forward(xf)));
  const zc = normalizeRows(m.projC.forward(m.cwtEnc.forward(xc)));
  const tc = ntXent(zt.u, zc.u, { temperature: tau });
  const tf = ntXent(zt.u, zf.u, { temperature: tau });
  const cf = ntXent(zc.u, zf.u, { temperature: tau });
  const pf = l1(m.mapF.forward(zt.u) as M, zf.u, 1 / B);
  const pc = l1(m.mapC.forward(zt.u) as M, zc.u, 1 / B);
  // The paper's code lets the mapper losses reach both sides (the targets are not detached).
  const dut = addInto(addInto(addInto(tc.grad1, tf.grad1), m.mapF.backward(pf.grad) as M), m.mapC.backward(pc.grad) as M);
  const duf = addInto(addInto(tf.grad2, cf.grad2), scaled(pf.grad, -1));
  const duc = addInto(addInto(tc.grad2, cf.grad1), scaled(pc.grad, -1));
  m.timeEnc.backward(m.projT.backward(normalizeBackward(zt.u, zt.norms, dut)) as M);
  m.ftEnc.backward(m.projF.backward(normalizeBackward(zf.u, zf.norms, duf)) as M);
  m.cwtEnc.backward(m.projC.backward(normalizeBackward(zc.u, zc.norms, duc)) as M);
  return tc.value + tf.value + cf.value + pf.value + pc.value;
}

/** SimCLR's loss on two views stacked as 2B rows (view a, then view b); accumulates gradients. @internal */
export function simclrObjective(timeEnc: ViewEncoder, projT: Sequential, stacked: M, tau: number): number {
  const B = stacked.rows / 2;
  const z = projT.forward(timeEnc.forward(stacked)) as M;
  const D = z.cols;
  const res = ntXent({ rows: B, cols: D, data: z.data.slice(0, B * D) }, { rows: B, cols: D, data: z.data.slice(B * D) }, { temperature: tau });
  const dz = new Float64Array(2 * B * D);
  dz.set(res.grad1.data, 0);
  dz.set(res.grad2.data, B * D);
  timeEnc.backward(projT.backward({ rows: 2 * B, cols: D, data: dz }) as M);
  return res.value;
}

/** Progress of {@link selfSupervisedPretrain}, reported after every step. */
export interface PretrainStep {
  /** Steps done (1-based). */
  readonly step: number;
  /** Total steps of the contrastive stage. */
  readonly steps: number;
  /** The minibatch loss of this step. */
  readonly loss: number;
}

/** Options of {@link selfSupervisedPretrain}. */
export interface PretrainOptions {
  /**
   * `'frame'`: the paper's frame-projection views (time, FT, |CWT|), three encoders, NT-Xent on
   * the three pairs plus L1 mappers; `'augment'`: SimCLR with two augmented time views (jitter,
   * scaling, circular time shift), one encoder, the same NT-Xent; `'none'`: no training (a
   * randomly initialized encoder, the probe baseline). Default `'frame'`.
   */
  method?: 'frame' | 'augment' | 'none';
  /** Contrastive-stage Adam steps (default 200). */
  steps?: number;
  /** Signals per minibatch (default 32, at most the number of signals). */
  batch?: number;
  /** Channels of each encoder's convolutions (default 16). */
  width?: number;
  /** Embedding (and projection) dimension D (default 32). */
  dim?: number;
  /** Hidden width of the mappers (default 64, the paper's). */
  mapperHidden?: number;
  /** Adam learning rate (default 1e-3, the paper's). */
  lr?: number;
  /** NT-Xent temperature (default 0.15, the paper's). */
  temperature?: number;
  /** Mean-pool factor after the first convolution of each encoder (default 4). */
  pool?: number;
  /** Average |CWT| over this many time steps before its encoder (default 8). */
  cwtPool?: number;
  /** Full-batch Adam steps fitting the inference mappers on the frozen embeddings (default 200). */
  mapperSteps?: number;
  /** Seed of the initialization, minibatches and augmentations (default 0). */
  seed?: number;
  /** Called after every contrastive step. */
  onStep?: (info: PretrainStep) => void;
  /** Stops the run (checked between steps). */
  signal?: AbortSignal;
}

/** A pretrained encoder: embeds signals for a downstream (linear) probe. */
export interface PretrainedEncoder {
  /** The method it was trained with. */
  readonly method: 'frame' | 'augment' | 'none';
  /** Contrastive losses, one per step. */
  readonly losses: readonly number[];
  /** Embedding size of {@link PretrainedEncoder.embed}: 3D for `'frame'` (the concatenation), D otherwise. */
  readonly embedDim: number;
  /**
   * Embeddings of signals of the training length, one row each: for `'frame'` the paper's
   * inference embedding concat[map_ft(h), h, map_cwt(h)] with h the time encoder's output, else h.
   */
  embed(signals: readonly ArrayLike<number>[]): Matrix<Float64Array>;
  /** The time encoder's output h alone (for every method). */
  embedTime(signals: readonly ArrayLike<number>[]): Matrix<Float64Array>;
}

const PRETRAIN_KEYS = ['method', 'steps', 'batch', 'width', 'dim', 'mapperHidden', 'lr', 'temperature', 'pool', 'cwtPool', 'mapperSteps', 'seed', 'onStep', 'signal'];

function stackRows(fn: string, signals: readonly ArrayLike<number>[], T: number | undefined): M {
  if (!Array.isArray(signals) || signals.length === 0) throw new ShapeError(`${fn}: signals must be a non-empty array of equal-length signals, got ${describe(signals)}`);
  const len = T ?? (signals[0] as ArrayLike<number>)?.length;
  if (!Number.isInteger(len) || len < 2) throw new ShapeError(`${fn}: each signal must have at least 2 samples, got ${describe(signals[0])}`);
  const out = new Float64Array(signals.length * len);
  for (let i = 0; i < signals.length; i++) {
    const s = signals[i];
    if (!s || typeof s !== 'object' || s.length !== len) throw new ShapeError(`${fn}: signal ${i} has length ${s?.length}, expected ${len}`);
    for (let t = 0; t < len; t++) {
      const v = s[t];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new DomainError(`${fn}: signal ${i} sample ${t} must be a finite number, got ${describe(v)}`);
      out[i * len + t] = v;
    }
  }
  return { rows: signals.length, cols: len, data: out };
}

function rowsOf(x: M, idx: ArrayLike<number>): M {
  const c = x.cols;
  const out = new Float64Array(idx.length * c);
  for (let i = 0; i < idx.length; i++) out.set(x.data.subarray(idx[i]! * c, (idx[i]! + 1) * c), i * c);
  return { rows: idx.length, cols: c, data: out };
}

/** Jitter (σ = 0.1 of the row's std), scaling (×N(1, 0.2²)) and a circular shift of up to T/8. */
function augment(x: M, r: Rng): M {
  const { rows, cols: T } = x;
  const out = new Float64Array(rows * T);
  for (let i = 0; i < rows; i++) {
    let m = 0;
    let v = 0;
    for (let t = 0; t < T; t++) m += x.data[i * T + t]!;
    m /= T;
    for (let t = 0; t < T; t++) v += (x.data[i * T + t]! - m) ** 2;
    const sd = Math.sqrt(v / T);
    const scale = 1 + 0.2 * r.normal();
    const shift = r.int(2 * Math.floor(T / 8) + 1) - Math.floor(T / 8);
    for (let t = 0; t < T; t++) {
      const src = (((t - shift) % T) + T) % T;
      out[i * T + t] = scale * x.data[i * T + src]! + 0.1 * sd * r.normal();
    }
  }
  return { rows, cols: T, data: out };
}

/** Per-view standardization (one mean and std per view over the training set). */
function standardizer(v: Float64Array): (a: Float64Array) => Float64Array {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  const sd = Math.sqrt(s / v.length) || 1;
  return (a) => a.map((x) => (x - m) / sd);
}

/**
 * Self-supervised pretraining of a small 1-D convolutional time encoder on unlabeled signals, by
 * the paper's frame projections (`method: 'frame'`) or by SimCLR augmentations (`'augment'`),
 * both with {@link ntXent}; `'none'` returns the untrained encoder. With `'frame'`, each of the
 * views of {@link frameProjectionViews} has its own encoder and projector (Linear-ReLU-Linear);
 * the loss is NT-Xent on (time, CWT), (time, FT), (CWT, FT) of the normalized projections plus the
 * L1 losses of two mappers (Linear-ReLU-Linear) predicting the FT and CWT projections from the
 * time projection, weighted 1/batch as in the paper's code. Afterwards, as the paper's code does,
 * fresh mappers are fitted (L1, Adam) from the frozen time embedding h to the FT and CWT
 * embeddings, and {@link PretrainedEncoder.embed} returns concat[map_ft(h), h, map_cwt(h)].
 * The paper's mappers are a conv/transposed-conv pair; these are MLPs (an ablation it reports).
 * @throws ShapeError for unequal or too-short signals; DomainError for bad options.
 */
export async function selfSupervisedPretrain(signals: readonly ArrayLike<number>[], opts: PretrainOptions = {}): Promise<PretrainedEncoder> {
  const fn = 'selfSupervisedPretrain';
  checkOptions(fn, opts, PRETRAIN_KEYS);
  for (const [k, v] of Object.entries(opts)) if (v === null) throw new DomainError(`${fn}: ${k} must not be null (leave it out for the default)`);
  const method = checkOneOf(fn, 'method', opts.method ?? 'frame', ['frame', 'augment', 'none'] as const);
  const X = stackRows(fn, signals, undefined);
  const N = X.rows;
  const T = X.cols;
  if (N < 2) throw new DomainError(`${fn}: contrastive pretraining needs at least 2 signals, got ${N}`);
  const steps = checkInt(fn, 'steps', opts.steps ?? 200, 0, 1e6);
  const batch = checkInt(fn, 'batch', opts.batch ?? Math.min(32, N), 2, 4096);
  if (batch > N) throw new DomainError(`${fn}: batch ${batch} is larger than the ${N} signals`);
  const width = checkInt(fn, 'width', opts.width ?? 16, 1, 256);
  const dim = checkInt(fn, 'dim', opts.dim ?? 32, 1, 1024);
  const hidden = checkInt(fn, 'mapperHidden', opts.mapperHidden ?? 64, 1, 4096);
  const lr = checkPositive(fn, 'lr', opts.lr ?? 1e-3);
  const tau = checkPositive(fn, 'temperature', opts.temperature ?? 0.15);
  const pool = checkInt(fn, 'pool', opts.pool ?? 4, 1, T);
  const cwtPool = checkInt(fn, 'cwtPool', opts.cwtPool ?? 8, 1, T);
  const mapperSteps = checkInt(fn, 'mapperSteps', opts.mapperSteps ?? 200, 0, 1e6);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
  if (opts.onStep !== undefined) checkFunction(fn, 'onStep', opts.onStep);
  checkAborted(fn, opts.signal);
  const r = rng(seed);
  const timeEnc = new ViewEncoder(T, 1, width, dim, pool, r);
  const stdTime = standardizer(X.data);
  const timeX = (m: M): M => ({ rows: m.rows, cols: m.cols, data: stdTime(m.data) });
  const losses: number[] = [];
  const embedTime = (sig: readonly ArrayLike<number>[]): M => timeEnc.forward(timeX(stackRows('PretrainedEncoder.embed', sig, T)));
  if (method === 'none') {
    return { method, losses, embedDim: dim, embed: embedTime, embedTime };
  }
  const projT = mlp(dim, dim, dim, r);
  const order = Array.from({ length: N }, (_, i) => i);
  let cursor = N;
  const nextBatch = (): number[] => {
    if (cursor + batch > N) {
      r.shuffle(order);
      cursor = 0;
    }
    cursor += batch;
    return order.slice(cursor - batch, cursor);
  };
  const report = async (step: number, loss: number) => {
    losses.push(loss);
    opts.onStep?.({ step, steps, loss });
    if (step % 5 === 0) await yieldToEventLoop();
    checkAborted(fn, opts.signal);
  };

  if (method === 'augment') {
    const params = [...timeEnc.parameters('time'), ...named('projTime', projT)];
    const adam = new Adam({ lr });
    for (let step = 1; step <= steps; step++) {
      const xb = rowsOf(X, nextBatch());
      for (const p of params) p.grad.fill(0);
      // Two augmented views through the same encoder, run as one batch of 2B so each module's cache holds both.
      const B = xb.rows;
      const stacked: M = { rows: 2 * B, cols: T, data: new Float64Array(2 * B * T) };
      stacked.data.set(augment(xb, r).data, 0);
      stacked.data.set(augment(xb, r).data, B * T);
      stacked.data.set(stdTime(stacked.data));
      const value = simclrObjective(timeEnc, projT, stacked, tau);
      adam.step(params);
      await report(step, value);
    }
    return { method, losses, embedDim: dim, embed: embedTime, embedTime };
  }

  // method === 'frame': precompute the views once (they are deterministic: no augmentation).
  const scaleOpts = { cwtPool };
  const v0 = frameProjectionViews(X.data.subarray(0, T), scaleOpts);
  const FT = { rows: N, cols: v0.ft.length, data: new Float64Array(N * v0.ft.length) };
  const CW = { rows: N, cols: v0.cwt.length, data: new Float64Array(N * v0.cwt.length) };
  for (let i = 0; i < N; i++) {
    const v = frameProjectionViews(X.data.subarray(i * T, (i + 1) * T), scaleOpts);
    FT.data.set(v.ft, i * v0.ft.length);
    CW.data.set(v.cwt, i * v0.cwt.length);
  }
  FT.data.set(standardizer(FT.data)(FT.data));
  CW.data.set(standardizer(CW.data)(CW.data));
  const fm = frameModels(timeEnc, projT, v0, width, dim, hidden, pool, r);
  const { ftEnc, cwtEnc } = fm;
  const params = frameParameters(fm);
  const adam = new Adam({ lr });
  for (let step = 1; step <= steps; step++) {
    const idx = nextBatch();
    for (const p of params) p.grad.fill(0);
    const value = frameObjective(fm, timeX(rowsOf(X, idx)), rowsOf(FT, idx), rowsOf(CW, idx), tau);
    adam.step(params);
    await report(step, value);
  }
  // Inference mappers: h_time -> h_ft, h_time -> h_cwt on the frozen encoders (full batch, L1).
  const hT = timeEnc.forward(timeX(X));
  const hF = ftEnc.forward(FT);
  const hC = cwtEnc.forward(CW);
  const infF = mlp(dim, hidden, dim, r);
  const infC = mlp(dim, hidden, dim, r);
  const mparams = [...named('infFt', infF), ...named('infCwt', infC)];
  const madam = new Adam({ lr: 1e-2 });
  for (let s = 0; s < mapperSteps; s++) {
    for (const p of mparams) p.grad.fill(0);
    infF.backward(l1(infF.forward(hT) as M, hF, 1).grad);
    infC.backward(l1(infC.forward(hT) as M, hC, 1).grad);
    madam.step(mparams);
    if (s % 50 === 49) {
      await yieldToEventLoop();
      checkAborted(fn, opts.signal);
    }
  }
  const embed = (sig: readonly ArrayLike<number>[]): M => {
    const h = embedTime(sig);
    const f = infF.forward(h) as M;
    const c = infC.forward(h) as M;
    const out = new Float64Array(h.rows * 3 * dim);
    for (let i = 0; i < h.rows; i++) {
      out.set(f.data.subarray(i * dim, (i + 1) * dim), i * 3 * dim);
      out.set(h.data.subarray(i * dim, (i + 1) * dim), i * 3 * dim + dim);
      out.set(c.data.subarray(i * dim, (i + 1) * dim), i * 3 * dim + 2 * dim);
    }
    return { rows: h.rows, cols: 3 * dim, data: out };
  };
  return { method, losses, embedDim: 3 * dim, embed, embedTime };
}

function scaled(m: M, a: number): M {
  return { rows: m.rows, cols: m.cols, data: m.data.map((v) => a * v) };
}
