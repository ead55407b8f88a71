import { assertMatrix, DomainError, type EncodedArray, type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkBoolean, checkOneOf, checkOptions, checkPositive, checkRng, checkSize } from '@x/gpu/checks';
import { type Decodable, type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkStruct } from './complex';
import { type DeltaProductGrads, type DeltaProductInputs, deltaProductBackward, deltaProductChunked, deltaProductRecurrence } from './deltaproduct';
import { deltaProductChunkedBackward } from './deltaproduct-chunk-grad';

/** Options of {@link DeltaProductMixer} (names follow fla-org's `GatedDeltaProduct` layer). */
export interface DeltaProductMixerOptions {
  /** Model width D [hidden_size]. */
  dModel: number;
  /** Heads H [num_heads], each with its own state (default 1). */
  numHeads?: number;
  /** Key (and query) dimension per head dk [head_dim] (default dModel / numHeads). */
  headDim?: number;
  /** Value dimension per head = headDim * expandV, an integer [expand_v] (default 1; fla: 2). */
  expandV?: number;
  /** Householder steps per token n_h [num_householder] (default 2; 1 is (gated) DeltaNet). */
  numHouseholder?: number;
  /** beta = 2 sigmoid(.) in (0, 2), eigenvalues down to -1 (default true) [allow_neg_eigval]; false: beta in (0, 1). */
  allowNegEigval?: boolean;
  /** Per-head forget gate g_t = -exp(A_log) softplus(a_proj x_t + dt_bias) (default true) [use_forget_gate]. */
  useForgetGate?: boolean;
  /** Causal depthwise convolution of width `convSize` + SiLU on q, k, v (default true) [use_short_conv]; off: SiLU only. */
  useShortConv?: boolean;
  /** Width of the short convolution (default 4) [conv_size]. */
  convSize?: number;
  /** Output gate: o <- RMSNorm(o) * silu(g_proj x) per head (default true) [use_output_gate]; off: RMSNorm only. */
  useOutputGate?: boolean;
  /** Epsilon of the per-head output RMSNorm (default 1e-5) [norm_eps]. */
  normEps?: number;
  /** 'chunk' (default): the WY/UT chunked form and its own backward; 'recurrent': the token-by-token recurrence. */
  mode?: 'chunk' | 'recurrent';
  /** Sub-steps per chunk in 'chunk' mode (default 16). */
  chunkSize?: number;
  /** Gain of the Xavier-uniform init of the projections (default 2^-2.5, fla's). */
  initGain?: number;
  /** Rows per sequence: the input is (batch·seqLen) x dModel, sequence-major. Default: all rows are one sequence. */
  seqLen?: number;
  /** Seed or Rng of the init (default 0). */
  seed?: number | Rng;
}

const NAMES = [
  'q_proj.weight',
  'k_proj.weight',
  'v_proj.weight',
  'b_proj.weight',
  'a_proj.weight',
  'A_log',
  'dt_bias',
  'q_conv1d.weight',
  'k_conv1d.weight',
  'v_conv1d.weight',
  'g_proj.weight',
  'o_norm.weight',
  'o_proj.weight',
] as const;
type Name = (typeof NAMES)[number];

/** The sizes and flags a {@link DeltaProductMixer} is rebuilt from (its JSON `config`; fields as in {@link DeltaProductMixerOptions}, `seqLen` null when unset). */
export interface DeltaProductMixerConfig {
  dModel: number;
  numHeads: number;
  headDim: number;
  expandV: number;
  numHouseholder: number;
  allowNegEigval: boolean;
  useForgetGate: boolean;
  useShortConv: boolean;
  convSize: number;
  useOutputGate: boolean;
  normEps: number;
  mode: 'chunk' | 'recurrent';
  chunkSize: number;
  seqLen: number | null;
}

/**
 * What {@link DeltaProductMixer.toJSON} returns: the `@x` state envelope with
 * {@link DeltaProductMixerConfig} as `config` and every parameter (fla's state-dict names:
 * `q_proj.weight`, `k_proj.weight`, `v_proj.weight`, `b_proj.weight`, `a_proj.weight`, `A_log`,
 * `dt_bias`, `q_conv1d.weight`, `k_conv1d.weight`, `v_conv1d.weight`, `g_proj.weight`,
 * `o_norm.weight`, `o_proj.weight`; the unused ones too) as bit-exact encoded arrays in `state`.
 */
export type DeltaProductMixerJSON = ModuleStateJSON<
  'DeltaProductMixer',
  DeltaProductMixerConfig,
  Record<
    | 'q_proj.weight'
    | 'k_proj.weight'
    | 'v_proj.weight'
    | 'b_proj.weight'
    | 'a_proj.weight'
    | 'A_log'
    | 'dt_bias'
    | 'q_conv1d.weight'
    | 'k_conv1d.weight'
    | 'v_conv1d.weight'
    | 'g_proj.weight'
    | 'o_norm.weight'
    | 'o_proj.weight',
    EncodedArray
  >
>;

/**
 * The decoding state of one sequence in {@link DeltaProductMixer.decode}: tokens seen, every
 * head's recurrent state (H x dk x dv, head-major) and the short convolutions' window, the last
 * convSize - 1 rows of the q / k / v projections before the convolution (empty without it).
 */
export interface DeltaProductDecodeState {
  /** Tokens seen. */
  readonly length: number;
  /** The recurrent states S_h, H x dk x dv. */
  readonly state: Float64Array;
  /** Pre-convolution rows of q (x H·dk), k (x nh·H·dk), v (x nh·H·dv), oldest first. */
  readonly conv: { readonly q: Float64Array; readonly k: Float64Array; readonly v: Float64Array };
}

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const silu = (x: number) => x * sigmoid(x);
const dsilu = (x: number) => {
  const s = sigmoid(x);
  return s * (1 + x * (1 - s));
};
/** Epsilon of the q/k L2 normalization (fla's l2norm: x / sqrt(sum x² + 1e-6)). */
const L2_EPS = 1e-6;

/** Y = X Wᵀ for X rows x nIn, W nOut x nIn (row-major). */
function project(X: Float64Array, rows: number, nIn: number, W: Float64Array, nOut: number): Float64Array {
  const Y = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < nOut; o++) {
      let s = 0;
      const wb = o * nIn;
      const xb = r * nIn;
      for (let i = 0; i < nIn; i++) s += X[xb + i]! * W[wb + i]!;
      Y[r * nOut + o] = s;
    }
  }
  return Y;
}

/** Backward of {@link project}: dW += dYᵀ X, dX += dY W. */
function projectBack(dY: Float64Array, X: Float64Array, rows: number, nIn: number, W: Float64Array, dW: Float64Array, nOut: number, dX: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const xb = r * nIn;
    for (let o = 0; o < nOut; o++) {
      const d = dY[r * nOut + o]!;
      if (d === 0) continue;
      const wb = o * nIn;
      for (let i = 0; i < nIn; i++) {
        dW[wb + i] = dW[wb + i]! + d * X[xb + i]!;
        dX[xb + i] = dX[xb + i]! + d * W[wb + i]!;
      }
    }
  }
}

/**
 * Causal depthwise convolution over the T rows of one sequence (channels nc, kernel width K,
 * weight nc x K): y[t, c] = sum_tau w[c, tau] x[t - K + 1 + tau, c] (zero before t = 0), as
 * PyTorch's Conv1d(groups = nc, padding = K - 1) truncated to the first T outputs.
 */
function causalConv(X: Float64Array, off: number, T: number, nc: number, w: Float64Array, K: number, Y: Float64Array): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < nc; c++) {
      let s = 0;
      for (let tau = 0; tau < K; tau++) {
        const u = t - K + 1 + tau;
        if (u >= 0) s += w[c * K + tau]! * X[off + u * nc + c]!;
      }
      Y[off + t * nc + c] = s;
    }
  }
}

function causalConvBack(dY: Float64Array, X: Float64Array, off: number, T: number, nc: number, w: Float64Array, dw: Float64Array, K: number, dX: Float64Array): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < nc; c++) {
      const d = dY[off + t * nc + c]!;
      if (d === 0) continue;
      for (let tau = 0; tau < K; tau++) {
        const u = t - K + 1 + tau;
        if (u < 0) continue;
        dw[c * K + tau] = dw[c * K + tau]! + d * X[off + u * nc + c]!;
        dX[off + u * nc + c] = dX[off + u * nc + c]! + d * w[c * K + tau]!;
      }
    }
  }
}

/** x <- x / sqrt(|x|² + eps) in place on n entries from `off`; returns the factor. */
function l2normalize(a: Float64Array, off: number, n: number): number {
  let s = L2_EPS;
  for (let i = 0; i < n; i++) s += a[off + i]! ** 2;
  const r = 1 / Math.sqrt(s);
  for (let i = 0; i < n; i++) a[off + i] = a[off + i]! * r;
  return r;
}

interface Cache {
  X: Float64Array;
  rows: number;
  B: number;
  T: number;
  /** Pre-convolution projections (rows x channels) and pre-SiLU activations. */
  Pq: Float64Array;
  Pk: Float64Array;
  Pv: Float64Array;
  Cq: Float64Array;
  Ck: Float64Array;
  Cv: Float64Array;
  /** Per (sequence, head): the recurrence inputs, the normalization factors, the outputs. */
  heads: { inp: DeltaProductInputs; rq: Float64Array; rk: Float64Array; o: Float64Array }[];
  sig: Float64Array;
  aPre: Float64Array;
  gz: Float64Array;
  /** Per-head RMS factors (rows x H) and the gated-norm output before o_proj (rows x H dv). */
  rms: Float64Array;
  Y: Float64Array;
}

/** The mixer options besides its width, sequence length and seed (shared with `deltaProductLM`'s `mixer`). */
export const MIXER_SHAPE_KEYS = ['numHeads', 'headDim', 'expandV', 'numHouseholder', 'allowNegEigval', 'useForgetGate', 'useShortConv', 'convSize', 'useOutputGate', 'normEps', 'mode', 'chunkSize', 'initGain'] as const;

/**
 * A DeltaProduct token mixer for language models, to the level of fla-org
 * flash-linear-attention's `GatedDeltaProduct` layer (Siems et al., "DeltaProduct: Improving
 * State-Tracking in Linear RNNs via Householder Products", 2025). Input and output
 * (batch·seqLen) x dModel, sequence-major (the layout of `@x/nn`'s `MultiHeadAttention`, so it
 * can take attention's place: see {@link deltaProductLM}). Per token x_t:
 * - projections q = W_q x (H dk), k = W_k x (n_h H dk, laid out (n_h, H, dk)), v = W_v x
 *   (n_h H dv), then the short causal depthwise convolution (width 4) and SiLU on each;
 * - per head h and Householder step j: key k_tjh and query q_th L2-normalized (the query then
 *   scaled by dk^-1/2, fla's default), beta_tjh = betaMax sigmoid(b_proj x) (betaMax 2 with
 *   `allowNegEigval`), forget gate g_th = -exp(A_log_h) softplus(a_proj x + dt_bias_h);
 * - the gated DeltaProduct recurrence per head (state dk x dv, n_h generalized Householder steps
 *   per token: {@link deltaProductChunked} with its own backward {@link deltaProductChunkedBackward},
 *   or {@link deltaProductRecurrence}), every sequence starting from a zero state;
 * - the gated output norm per head (fla's FusedRMSNormGated): o <- RMSNorm(o) ⊙ w ⊙ silu(g_proj x),
 *   then y = o_proj(concat_h o).
 * Hand-written backward for every step; checked by finite differences (`gradCheck`).
 * Cost per token O(D (H dk + n_h H (dk + dv + 1) + 2 H dv) + n_h H dk dv + K n_h H (dk + dv)).
 */
export class DeltaProductMixer implements Module, Decodable<DeltaProductDecodeState> {
  readonly D: number;
  readonly H: number;
  readonly dk: number;
  readonly dv: number;
  readonly nh: number;
  readonly K: number;
  readonly betaMax: 1 | 2;
  readonly config: Omit<DeltaProductMixerConfig, 'seqLen'>;
  /** Rows per sequence (settable: `TransformerLM` sets it on every block before forward). */
  seqLen: number | undefined;
  private readonly p: Record<Name, Float64Array>;
  private readonly g: Record<Name, Float64Array>;
  private cache: Cache | null = null;

  constructor(opts: DeltaProductMixerOptions) {
    const fn = 'DeltaProductMixer';
    checkStruct(fn, 'options', opts);
    checkOptions(fn, opts, ['dModel', ...MIXER_SHAPE_KEYS, 'seqLen', 'seed']);
    const D = checkSize(fn, 'dModel', opts.dModel, 1);
    const H = checkSize(fn, 'numHeads', opts.numHeads ?? 1, 1);
    if (opts.headDim === undefined && D % H !== 0) throw new DomainError(`${fn}: dModel ${D} is not divisible by numHeads ${H}; pass headDim`);
    const dk = checkSize(fn, 'headDim', opts.headDim ?? D / H, 1);
    const expandV = checkPositive(fn, 'expandV', opts.expandV ?? 1);
    const dv = dk * expandV;
    if (!Number.isInteger(dv)) throw new DomainError(`${fn}: headDim * expandV = ${dv} is not an integer`);
    const nh = checkSize(fn, 'numHouseholder', opts.numHouseholder ?? 2, 1);
    const neg = checkBoolean(fn, 'allowNegEigval', opts.allowNegEigval ?? true);
    const useForgetGate = checkBoolean(fn, 'useForgetGate', opts.useForgetGate ?? true);
    const useShortConv = checkBoolean(fn, 'useShortConv', opts.useShortConv ?? true);
    const K = checkSize(fn, 'convSize', opts.convSize ?? 4, 1);
    const useOutputGate = checkBoolean(fn, 'useOutputGate', opts.useOutputGate ?? true);
    const normEps = checkPositive(fn, 'normEps', opts.normEps ?? 1e-5);
    const mode = checkOneOf(fn, 'mode', opts.mode ?? 'chunk', ['chunk', 'recurrent'] as const);
    const chunkSize = checkSize(fn, 'chunkSize', opts.chunkSize ?? 16, 1);
    const gain = checkPositive(fn, 'initGain', opts.initGain ?? 2 ** -2.5);
    if (opts.seqLen !== undefined) checkSize(fn, 'seqLen', opts.seqLen, 1);
    checkAlloc(fn, 'v_proj.weight', nh * H * Math.max(dk, dv), D);
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    this.D = D;
    this.H = H;
    this.dk = dk;
    this.dv = dv;
    this.nh = nh;
    this.K = K;
    this.betaMax = neg ? 2 : 1;
    this.seqLen = opts.seqLen;
    this.config = { dModel: D, numHeads: H, headDim: dk, expandV, numHouseholder: nh, allowNegEigval: neg, useForgetGate, useShortConv, convSize: K, useOutputGate, normEps, mode, chunkSize };
    const sizes = this.sizes();
    const p = {} as Record<Name, Float64Array>;
    for (const k of NAMES) p[k] = new Float64Array(sizes[k]);
    // fla's _initialize_weights: xavier_uniform(gain 2^-2.5) on every Linear.
    const xavier = (a: Float64Array, fanOut: number) => {
      const b = gain * Math.sqrt(6 / (D + fanOut));
      for (let i = 0; i < a.length; i++) a[i] = b * (2 * r.uniform() - 1);
    };
    xavier(p['q_proj.weight'], H * dk);
    xavier(p['k_proj.weight'], nh * H * dk);
    xavier(p['v_proj.weight'], nh * H * dv);
    xavier(p['b_proj.weight'], nh * H);
    xavier(p['a_proj.weight'], H);
    xavier(p['g_proj.weight'], H * dv);
    {
      const b = gain * Math.sqrt(6 / (H * dv + D));
      const a = p['o_proj.weight'];
      for (let i = 0; i < a.length; i++) a[i] = b * (2 * r.uniform() - 1);
    }
    // PyTorch's Conv1d default (kaiming_uniform, a = sqrt 5): U(-1/sqrt(K), 1/sqrt(K)) for a depthwise kernel.
    for (const k of ['q_conv1d.weight', 'k_conv1d.weight', 'v_conv1d.weight'] as const) {
      const a = p[k];
      for (let i = 0; i < a.length; i++) a[i] = (2 * r.uniform() - 1) / Math.sqrt(K);
    }
    // A ~ U(0, 16), dt ~ logU[1e-3, 1e-1] clamped at 1e-4, dt_bias = softplus⁻¹(dt) (fla).
    for (let h = 0; h < H; h++) {
      p.A_log[h] = Math.log(Math.max(16 * r.uniform(), 1e-12));
      const dt = Math.max(Math.exp(Math.log(1e-3) + r.uniform() * Math.log(100)), 1e-4);
      p.dt_bias[h] = dt + Math.log(-Math.expm1(-dt));
    }
    p['o_norm.weight'].fill(1);
    this.p = p;
    this.g = Object.fromEntries(NAMES.map((k) => [k, new Float64Array(sizes[k])])) as Record<Name, Float64Array>;
  }

  private sizes(): Record<Name, number> {
    const { D, H, dk, dv, nh, K } = this;
    return {
      'q_proj.weight': H * dk * D,
      'k_proj.weight': nh * H * dk * D,
      'v_proj.weight': nh * H * dv * D,
      'b_proj.weight': nh * H * D,
      'a_proj.weight': H * D,
      A_log: H,
      dt_bias: H,
      'q_conv1d.weight': H * dk * K,
      'k_conv1d.weight': nh * H * dk * K,
      'v_conv1d.weight': nh * H * dv * K,
      'g_proj.weight': H * dv * D,
      'o_norm.weight': dv,
      'o_proj.weight': D * H * dv,
    };
  }

  private shapes(): Record<Name, number[]> {
    const { D, H, dk, dv, nh, K } = this;
    return {
      'q_proj.weight': [H * dk, D],
      'k_proj.weight': [nh * H * dk, D],
      'v_proj.weight': [nh * H * dv, D],
      'b_proj.weight': [nh * H, D],
      'a_proj.weight': [H, D],
      A_log: [H],
      dt_bias: [H],
      'q_conv1d.weight': [H * dk, K],
      'k_conv1d.weight': [nh * H * dk, K],
      'v_conv1d.weight': [nh * H * dv, K],
      'g_proj.weight': [H * dv, D],
      'o_norm.weight': [dv],
      'o_proj.weight': [D, H * dv],
    };
  }

  /** Names of the parameters in use (the gate's and the convolutions' only when switched on). */
  private active(): Name[] {
    const c = this.config;
    return NAMES.filter((n) => {
      if (!c.useForgetGate && (n === 'a_proj.weight' || n === 'A_log' || n === 'dt_bias')) return false;
      if (!c.useShortConv && n.includes('conv1d')) return false;
      if (!c.useOutputGate && n === 'g_proj.weight') return false;
      return true;
    });
  }

  /** Checks an input matrix: rows x dModel with finite entries (rows >= 1). */
  private checkX(fn: string, x: Matrix): void {
    assertMatrix(fn, 'x', x);
    if (x.cols !== this.D) throw new ShapeError(`${fn}: x is ${x.rows}x${x.cols}, expected (batch * seqLen) x ${this.D}`);
    for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i]!)) throw new DomainError(`${fn}: x has non-finite entries`);
  }

  /** The token-wise projections of `rows` rows of X: q/k/v before the convolution, beta's sigmoid, the gate's pre-activation (with dt_bias), the output gate's. */
  private projections(X: Float64Array, rows: number) {
    const { D, H, dk, dv, nh, p } = this;
    const Pq = project(X, rows, D, p['q_proj.weight'], H * dk);
    const Pk = project(X, rows, D, p['k_proj.weight'], nh * H * dk);
    const Pv = project(X, rows, D, p['v_proj.weight'], nh * H * dv);
    const sig = project(X, rows, D, p['b_proj.weight'], nh * H).map(sigmoid);
    const aPre = this.config.useForgetGate ? project(X, rows, D, p['a_proj.weight'], H) : new Float64Array(0);
    if (this.config.useForgetGate) for (let i = 0; i < rows; i++) for (let h = 0; h < H; h++) aPre[i * H + h] = aPre[i * H + h]! + p.dt_bias[h]!;
    const gz = this.config.useOutputGate ? project(X, rows, D, p['g_proj.weight'], H * dv) : new Float64Array(0);
    return { Pq, Pk, Pv, sig, aPre, gz };
  }

  /**
   * Head h's recurrence inputs for the T rows from `row0` of the convolved activations: SiLU,
   * L2-normalized q (scaled by 1/√dk) and keys, SiLU values, beta, log-gates; with the norms'
   * factors rq, rk for the backward.
   */
  private headInputs(h: number, row0: number, T: number, Cq: Float64Array, Ck: Float64Array, Cv: Float64Array, sig: Float64Array, aPre: Float64Array) {
    const { H, dk, dv, nh, p } = this;
    const nq = H * dk;
    const nk = nh * H * dk;
    const nv = nh * H * dv;
    const qScale = 1 / Math.sqrt(dk);
    const q = new Float64Array(T * dk);
    const k = new Float64Array(T * nh * dk);
    const v = new Float64Array(T * nh * dv);
    const beta = new Float64Array(T * nh);
    const g = this.config.useForgetGate ? new Float64Array(T) : undefined;
    const rq = new Float64Array(T);
    const rk = new Float64Array(T * nh);
    for (let t = 0; t < T; t++) {
      const row = row0 + t;
      for (let a = 0; a < dk; a++) q[t * dk + a] = silu(Cq[row * nq + h * dk + a]!);
      rq[t] = l2normalize(q, t * dk, dk);
      for (let a = 0; a < dk; a++) q[t * dk + a] = q[t * dk + a]! * qScale;
      for (let j = 0; j < nh; j++) {
        const s = t * nh + j;
        const kc = row * nk + (j * H + h) * dk;
        for (let a = 0; a < dk; a++) k[s * dk + a] = silu(Ck[kc + a]!);
        rk[s] = l2normalize(k, s * dk, dk);
        const vc = row * nv + (j * H + h) * dv;
        for (let c = 0; c < dv; c++) v[s * dv + c] = silu(Cv[vc + c]!);
        beta[s] = this.betaMax * sig[row * nh * H + j * H + h]!;
      }
      if (g) g[t] = -Math.exp(p.A_log[h]!) * softplus(aPre[row * H + h]!);
    }
    const inp: DeltaProductInputs = { T, nh, dk, dv, q, k, v, beta, g };
    return { inp, rq, rk };
  }

  /** The gated RMSNorm per (row, head) of the recurrence outputs O (rows x H·dv), then o_proj. */
  private output(O: Float64Array, rows: number, gz: Float64Array) {
    const { H, dv, D, p } = this;
    const rms = new Float64Array(rows * H);
    const Y = new Float64Array(rows * H * dv);
    const w = p['o_norm.weight'];
    for (let i = 0; i < rows * H; i++) {
      let ms = 0;
      for (let c = 0; c < dv; c++) ms += O[i * dv + c]! ** 2;
      const rr = 1 / Math.sqrt(ms / dv + this.config.normEps);
      rms[i] = rr;
      for (let c = 0; c < dv; c++) {
        const gate = this.config.useOutputGate ? silu(gz[i * dv + c]!) : 1;
        Y[i * dv + c] = O[i * dv + c]! * rr * w[c]! * gate;
      }
    }
    return { rms, Y, out: project(Y, rows, H * dv, p['o_proj.weight'], D) };
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const fn = 'DeltaProductMixer.forward';
    this.checkX(fn, x);
    const { H, dk, dv, nh, K, p } = this;
    const rows = x.rows;
    const T = this.seqLen ?? rows;
    if (rows < 1 || !Number.isInteger(T) || T < 1 || rows % T !== 0) throw new ShapeError(`${fn}: ${rows} rows do not split into sequences of length ${T} (rows must be batch * seqLen)`);
    const B = rows / T;
    const X = Float64Array.from(x.data);
    const nq = H * dk;
    const nk = nh * H * dk;
    const nv = nh * H * dv;
    const { Pq, Pk, Pv, sig, aPre, gz } = this.projections(X, rows);
    let Cq = Pq;
    let Ck = Pk;
    let Cv = Pv;
    if (this.config.useShortConv) {
      Cq = new Float64Array(Pq.length);
      Ck = new Float64Array(Pk.length);
      Cv = new Float64Array(Pv.length);
      for (let b = 0; b < B; b++) {
        causalConv(Pq, b * T * nq, T, nq, p['q_conv1d.weight'], K, Cq);
        causalConv(Pk, b * T * nk, T, nk, p['k_conv1d.weight'], K, Ck);
        causalConv(Pv, b * T * nv, T, nv, p['v_conv1d.weight'], K, Cv);
      }
    }
    const heads: Cache['heads'] = [];
    const O = new Float64Array(rows * H * dv);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const { inp, rq, rk } = this.headInputs(h, b * T, T, Cq, Ck, Cv, sig, aPre);
        const o = this.config.mode === 'chunk' ? deltaProductChunked(inp, { chunk: this.config.chunkSize }).o : deltaProductRecurrence(inp).o;
        heads.push({ inp, rq, rk, o });
        for (let t = 0; t < T; t++) O.set(o.subarray(t * dv, (t + 1) * dv), ((b * T + t) * H + h) * dv);
      }
    }
    const { rms, Y, out } = this.output(O, rows, gz);
    this.cache = { X, rows, B, T, Pq, Pk, Pv, Cq, Ck, Cv, heads, sig, aPre, gz, rms, Y };
    return { rows, cols: this.D, data: out };
  }

  /** The decoding state of an empty sequence: zero recurrent states, a zero convolution window (see {@link DeltaProductMixer.decode}). */
  initDecode(): DeltaProductDecodeState {
    const { H, dk, dv, nh, K } = this;
    const w = this.config.useShortConv ? K - 1 : 0;
    return { length: 0, state: new Float64Array(H * dk * dv), conv: { q: new Float64Array(w * H * dk), k: new Float64Array(w * nh * H * dk), v: new Float64Array(w * nh * H * dv) } };
  }

  /**
   * Recurrent decoding: the rows of `x` are the next x.rows tokens of one sequence after the
   * `state.length` tokens `state` summarizes. The short convolutions read the last
   * `convSize` - 1 pre-convolution rows kept in `state.conv` (zeros before the first token, as
   * the full forward's zero padding), and each head's recurrence (token by token, the
   * 'recurrent' form) starts from its dk x dv state in `state.state`; the gates and the output
   * norm act per token. Returns the x.rows output rows (those `forward` gives for them on the
   * whole sequence, up to rounding: 'chunk' mode sums in another order) and a new state;
   * `state` is not changed. Cost O(x.rows) in the sequence length: per token that of
   * `forward`, independent of the tokens before. Clears the backward cache.
   * @throws ShapeError for a matrix that is not n x dModel (n >= 1); DomainError for
   * non-finite entries or a state of other sizes.
   */
  decode(x: Matrix, state: DeltaProductDecodeState): { y: Matrix<Float64Array>; state: DeltaProductDecodeState } {
    const fn = 'DeltaProductMixer.decode';
    this.checkX(fn, x);
    if (x.rows < 1) throw new ShapeError(`${fn}: x has no rows; pass the next tokens' rows`);
    const { H, dk, dv, nh, K, p } = this;
    const empty = this.initDecode();
    const sizesOk =
      state !== null &&
      typeof state === 'object' &&
      Number.isSafeInteger(state.length) &&
      state.length >= 0 &&
      state.state instanceof Float64Array &&
      state.state.length === empty.state.length &&
      state.conv !== null &&
      typeof state.conv === 'object' &&
      (['q', 'k', 'v'] as const).every((c) => state.conv[c] instanceof Float64Array && state.conv[c].length === empty.conv[c].length);
    if (!sizesOk) throw new DomainError(`${fn}: state must come from initDecode() or decode() of a mixer of these sizes`);
    for (const a of [state.state, state.conv.q, state.conv.k, state.conv.v]) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new DomainError(`${fn}: state has non-finite entries`);
    const n = x.rows;
    const X = Float64Array.from(x.data);
    const { Pq, Pk, Pv, sig, aPre, gz } = this.projections(X, n);
    const conv = { q: Pq, k: Pk, v: Pv };
    let [Cq, Ck, Cv] = [Pq, Pk, Pv];
    if (this.config.useShortConv) {
      // Convolve [window; new rows] and keep the new rows' outputs; the new window is the last K - 1 rows.
      const w = K - 1;
      const run = (c: 'q' | 'k' | 'v', P: Float64Array, nc: number): Float64Array => {
        const ext = new Float64Array((w + n) * nc);
        ext.set(state.conv[c]);
        ext.set(P, w * nc);
        const out = new Float64Array(ext.length);
        causalConv(ext, 0, w + n, nc, p[`${c}_conv1d.weight`], K, out);
        conv[c] = ext.slice(n * nc);
        return out.subarray(w * nc);
      };
      Cq = run('q', Pq, H * dk);
      Ck = run('k', Pk, nh * H * dk);
      Cv = run('v', Pv, nh * H * dv);
    } else {
      conv.q = empty.conv.q;
      conv.k = empty.conv.k;
      conv.v = empty.conv.v;
    }
    const O = new Float64Array(n * H * dv);
    const next = new Float64Array(H * dk * dv);
    for (let h = 0; h < H; h++) {
      const { inp } = this.headInputs(h, 0, n, Cq, Ck, Cv, sig, aPre);
      inp.h0 = state.state.subarray(h * dk * dv, (h + 1) * dk * dv);
      const r = deltaProductRecurrence(inp);
      next.set(r.state, h * dk * dv);
      for (let t = 0; t < n; t++) O.set(r.o.subarray(t * dv, (t + 1) * dv), (t * H + h) * dv);
    }
    this.cache = null;
    return { y: { rows: n, cols: this.D, data: this.output(O, n, gz).out }, state: { length: state.length + n, state: next, conv } };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const fn = 'DeltaProductMixer.backward';
    const c = this.cache;
    if (!c) throw new DomainError('DeltaProductMixer: backward called before forward (there is no cached input)');
    assertMatrix(fn, 'dy', dy);
    const { D, H, dk, dv, nh, K, p, g: G } = this;
    const { X, rows, B, T } = c;
    if (dy.rows !== rows || dy.cols !== D) throw new ShapeError(`${fn}: dy is ${dy.rows}x${dy.cols}, expected ${rows}x${D}`);
    const dyv = Float64Array.from(dy.data);
    for (let i = 0; i < dyv.length; i++) if (!Number.isFinite(dyv[i]!)) throw new DomainError(`${fn}: dy has non-finite entries`);
    const nq = H * dk;
    const nk = nh * H * dk;
    const nv = nh * H * dv;
    const dX = new Float64Array(rows * D);
    // o_proj
    const dY = new Float64Array(rows * H * dv);
    projectBack(dyv, c.Y, rows, H * dv, p['o_proj.weight'], G['o_proj.weight'], D, dY);
    // gated RMSNorm
    const w = p['o_norm.weight'];
    const dgz = this.config.useOutputGate ? new Float64Array(rows * H * dv) : new Float64Array(0);
    const dO = new Float64Array(rows * H * dv);
    const dn = new Float64Array(dv);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const o = c.heads[b * H + h]!.o;
        for (let t = 0; t < T; t++) {
          const i = (b * T + t) * H + h;
          const rr = c.rms[i]!;
          let nd = 0;
          for (let cc = 0; cc < dv; cc++) {
            const n = o[t * dv + cc]! * rr;
            const z = this.config.useOutputGate ? c.gz[i * dv + cc]! : 0;
            const gate = this.config.useOutputGate ? silu(z) : 1;
            const d = dY[i * dv + cc]!;
            G['o_norm.weight'][cc] = G['o_norm.weight'][cc]! + d * n * gate;
            if (this.config.useOutputGate) dgz[i * dv + cc] = d * n * w[cc]! * dsilu(z);
            dn[cc] = d * w[cc]! * gate;
            nd += n * dn[cc]!;
          }
          for (let cc = 0; cc < dv; cc++) dO[i * dv + cc] = rr * (dn[cc]! - o[t * dv + cc]! * rr * (nd / dv));
        }
      }
    }
    if (this.config.useOutputGate) projectBack(dgz, X, rows, D, p['g_proj.weight'], G['g_proj.weight'], H * dv, dX);
    // recurrence per (sequence, head), back to the activations
    const dAq = new Float64Array(rows * nq);
    const dAk = new Float64Array(rows * nk);
    const dAv = new Float64Array(rows * nv);
    const dzb = new Float64Array(rows * nh * H);
    const dA = this.config.useForgetGate ? new Float64Array(rows * H) : new Float64Array(0);
    const qScale = 1 / Math.sqrt(dk);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const { inp, rq, rk } = c.heads[b * H + h]!;
        const dOh = new Float64Array(T * dv);
        for (let t = 0; t < T; t++) dOh.set(dO.subarray(((b * T + t) * H + h) * dv, ((b * T + t) * H + h + 1) * dv), t * dv);
        const gr: DeltaProductGrads = this.config.mode === 'chunk' ? deltaProductChunkedBackward(inp, dOh, undefined, { chunk: this.config.chunkSize }) : deltaProductBackward(inp, dOh);
        for (let t = 0; t < T; t++) {
          const row = b * T + t;
          // q = s * n(a): dn = s dq; da = r (dn - n (n·dn)), n = q / s
          let nd = 0;
          for (let a = 0; a < dk; a++) nd += (inp.q[t * dk + a]! / qScale) * gr.dq[t * dk + a]! * qScale;
          for (let a = 0; a < dk; a++) {
            const n = inp.q[t * dk + a]! / qScale;
            dAq[row * nq + h * dk + a] = rq[t]! * (gr.dq[t * dk + a]! * qScale - n * nd);
          }
          for (let j = 0; j < nh; j++) {
            const s = t * nh + j;
            let kd = 0;
            for (let a = 0; a < dk; a++) kd += inp.k[s * dk + a]! * gr.dk[s * dk + a]!;
            const kc = row * nk + (j * H + h) * dk;
            for (let a = 0; a < dk; a++) dAk[kc + a] = rk[s]! * (gr.dk[s * dk + a]! - inp.k[s * dk + a]! * kd);
            const vc = row * nv + (j * H + h) * dv;
            for (let cc = 0; cc < dv; cc++) dAv[vc + cc] = gr.dv[s * dv + cc]!;
            const si = row * nh * H + j * H + h;
            const sg = c.sig[si]!;
            dzb[si] = gr.dbeta[s]! * this.betaMax * sg * (1 - sg);
          }
          if (this.config.useForgetGate) {
            const dg = gr.dg[t]!;
            const gt = inp.g![t]!;
            G.A_log[h] = G.A_log[h]! + dg * gt;
            const da = dg * -Math.exp(p.A_log[h]!) * sigmoid(c.aPre[row * H + h]!);
            G.dt_bias[h] = G.dt_bias[h]! + da;
            dA[row * H + h] = da;
          }
        }
      }
    }
    projectBack(dzb, X, rows, D, p['b_proj.weight'], G['b_proj.weight'], nh * H, dX);
    if (this.config.useForgetGate) projectBack(dA, X, rows, D, p['a_proj.weight'], G['a_proj.weight'], H, dX);
    // SiLU, then the short convolutions, then the projections
    const chain = (dAct: Float64Array, Cpre: Float64Array, P: Float64Array, n: number, conv: Name, proj: Name) => {
      for (let i = 0; i < dAct.length; i++) dAct[i] = dAct[i]! * dsilu(Cpre[i]!);
      let dP = dAct;
      if (this.config.useShortConv) {
        dP = new Float64Array(dAct.length);
        for (let b = 0; b < B; b++) causalConvBack(dAct, P, b * T * n, T, n, p[conv], G[conv], K, dP);
      }
      projectBack(dP, X, rows, D, p[proj], G[proj], n, dX);
    };
    chain(dAq, c.Cq, c.Pq, nq, 'q_conv1d.weight', 'q_proj.weight');
    chain(dAk, c.Ck, c.Pk, nk, 'k_conv1d.weight', 'k_proj.weight');
    chain(dAv, c.Cv, c.Pv, nv, 'v_conv1d.weight', 'v_proj.weight');
    return { rows, cols: D, data: dX };
  }

  /** The trainable tensors in use, with fla's state-dict names. */
  parameters(): Parameter[] {
    const shapes = this.shapes();
    return this.active().map((k) => ({ name: k, value: this.p[k], grad: this.g[k], shape: shapes[k] }));
  }

  zeroGrad(): void {
    for (const k of NAMES) this.g[k].fill(0);
  }

  /** The state envelope: {@link DeltaProductMixerConfig} as `config`, every parameter (bit-exact) as `state`. */
  toJSON(): DeltaProductMixerJSON {
    return moduleJSON('DeltaProductMixer', { ...this.config, seqLen: this.seqLen ?? null }, { ...this.p });
  }

  /**
   * Rebuilds a mixer from {@link DeltaProductMixer.toJSON} with identical parameters. Sizes must
   * be positive integers, the flags booleans, `mode` 'chunk' or 'recurrent', and every parameter
   * present, of the length the sizes imply and finite (DomainError for a wrong type or value,
   * ShapeError for a wrong length; lengths are checked before anything is allocated).
   */
  static fromJSON(json: DeltaProductMixerJSON): DeltaProductMixer {
    const fn = 'DeltaProductMixer.fromJSON';
    const r = readModuleJSON(fn, 'DeltaProductMixer', json);
    const seqLen = r.raw('seqLen');
    const mode = r.raw('mode');
    if (mode !== 'chunk' && mode !== 'recurrent') throw new DomainError(`${fn}: config.mode must be 'chunk' or 'recurrent'`);
    const opts: DeltaProductMixerOptions = {
      dModel: r.int('dModel', 1),
      numHeads: r.int('numHeads', 1),
      headDim: r.int('headDim', 1),
      expandV: r.number('expandV', { finite: true, min: 0 }),
      numHouseholder: r.int('numHouseholder', 1),
      allowNegEigval: r.bool('allowNegEigval'),
      useForgetGate: r.bool('useForgetGate'),
      useShortConv: r.bool('useShortConv'),
      convSize: r.int('convSize', 1),
      useOutputGate: r.bool('useOutputGate'),
      normEps: r.number('normEps', { finite: true, min: 0 }),
      mode,
      chunkSize: r.int('chunkSize', 1),
      seqLen: seqLen === null || seqLen === undefined ? undefined : r.int('seqLen', 1),
    };
    const dk = opts.headDim!;
    const dv = dk * opts.expandV!;
    if (!Number.isInteger(dv) || dv < 1) throw new DomainError(`${fn}: headDim * expandV = ${dv} is not a positive integer`);
    checkAlloc(fn, 'v_proj.weight', opts.numHouseholder! * opts.numHeads! * Math.max(dk, dv), opts.dModel);
    const shell = { D: opts.dModel, H: opts.numHeads!, dk, dv, nh: opts.numHouseholder!, K: opts.convSize! };
    const sizes = DeltaProductMixer.prototype.sizes.call(shell as unknown as DeltaProductMixer);
    const values = {} as Record<Name, Float64Array>;
    for (const k of NAMES) values[k] = r.f64(k, { length: sizes[k], finite: true });
    const m = new DeltaProductMixer(opts);
    for (const k of NAMES) m.p[k].set(values[k]);
    return m;
  }
}
