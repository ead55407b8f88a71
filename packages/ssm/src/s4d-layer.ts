import { assertMatrix, DomainError, type EncodedArray, type Matrix, type Rng, type RngState, rng as makeRng, ShapeError } from '@x/gpu';
import { checkAlloc, checkBoolean, checkOneOf, checkOptions, checkRng, checkUnit, describe } from '@x/gpu/checks';
import { erf, type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkComplexArray, checkDtRange, checkInt } from './complex';
import { bilinearFactor, zohFactor } from './discretize';
import { directConv, fftConv } from './fft-conv';
import type { S4DInitKind, S4DInitResult } from './s4d-init';
import { s4dModes } from './s4d-modes';
import { s4dKernel } from './vandermonde';

/** One trainable tensor: @x/nn's `Parameter` (value/grad are the layer's own storage). */
export type S4DParameter = Parameter;

/** Options of {@link S4DLayer}. */
export interface S4DLayerOptions {
  /** Channels H. */
  channels: number;
  /** State size N (N/2 conjugate-pair modes per channel); default 64. */
  stateSize?: number;
  /** Initialization of A and B ('lin', 'inv', 'real' or 'legs'; see {@link s4dInit}); default 'lin'. */
  init?: Exclude<S4DInitKind, 'dss'>;
  /**
   * Modes to start from instead of `init`: `{ A, B }` of length stateSize/2 with Re A < 0, e.g.
   * `s4dPtdInit(N)` for S4-PTD (computed outside so that the layer does not bundle a general
   * eigensolver). With a `V` (s4dPtdInit returns Ṽ), C is drawn for the original
   * system and mapped to the eigenbasis, C̃ = C Ṽ, as the official S4-PTD code does.
   */
  modes?: S4DInitResult;
  /** Δ ~ logUniform[dtMin, dtMax] per channel (defaults 1e-3, 1e-1). */
  dtMin?: number;
  /** Upper end of the Δ range (default 1e-1). */
  dtMax?: number;
  /** Seed (or an @x/gpu `Rng`, advanced in place) of the initialization and the dropout masks. Default 0. */
  seed?: number | Rng;
  /**
   * Discretization of the kernel: 'zoh' (default, `s4d.py`) or 'bilinear'
   * (dA = (1 + ΔA/2)/(1 - ΔA/2), dB = Δ/(1 - ΔA/2) B; state-spaces/s4 `disc='bilinear'`).
   */
  disc?: 'zoh' | 'bilinear';
  /**
   * Two kernels per channel, one causal and one anti-causal (state-spaces/s4 `bidirectional=True`:
   * the kernel has two output channels that share A, B and Δ and have their own C; the second is
   * flipped and padded in front of the first). Then
   * y_t = sum_{j=0}^{t} K0_j u_{t-j} + sum_{s=1}^{L-1-t} K1_{s-1} u_{t+s} + D u_t. Default false.
   */
  bidirectional?: boolean;
  /**
   * The output block of s4's `S4D`: GELU, dropout, then a position-wise linear H -> 2H (s4's
   * 1x1 `Conv1d`, PyTorch's default init) and a GLU, out = a ⊙ sigmoid(b) with [a, b] the two
   * halves. Default false: the output is the SSM's y = K * u + D u (dropout still applies).
   */
  glu?: boolean;
  /**
   * Dropout probability in [0, 1) on the activation (s4's `DropoutNd`, tied over time: one mask
   * entry per sequence and channel, survivors scaled by 1/(1 - p)). Only in training mode
   * ({@link S4DLayer.train}); {@link S4DLayer.eval} turns it off. Default 0.
   */
  dropout?: number;
}

/** Checks precomputed modes for a layer with n modes per channel: A, B complex of length n, Re A < 0, optional V n x n. */
function checkModes(fn: string, m: unknown, n: number): S4DInitResult {
  if (m === null || typeof m !== 'object') throw new DomainError(`${fn}: modes must be { A, B, V? } (s4dInit or s4dPtdInit), got ${describe(m)}`);
  const { A, B, V } = m as S4DInitResult;
  checkComplexArray(fn, 'modes.A', A, n);
  checkComplexArray(fn, 'modes.B', B, n);
  if (V !== undefined) checkComplexArray(fn, 'modes.V', V, n * n);
  for (let i = 0; i < n; i++) if (!(A.re[i]! < 0)) throw new DomainError(`${fn}: modes.A must have Re < 0 (a stable SSM), got Re ${A.re[i]} at ${i}`);
  return { A, B, ...(V === undefined ? {} : { V }) };
}

const SSM_NAMES = ['logDt', 'logAReal', 'AImag', 'BRe', 'BIm'] as const;
const PARAM_NAMES = ['logDt', 'logAReal', 'AImag', 'BRe', 'BIm', 'CRe', 'CIm', 'D'] as const;
type ParamName = (typeof PARAM_NAMES)[number];

/**
 * The names of {@link S4DLayer}'s SSM parameters (Δ, A and B): state-spaces/s4 registers them
 * with their own learning rate and weight decay 0 (`register(name, tensor, lr)` with the `_optim`
 * hint; `s4d.py` for log_dt, log_A_real, A_imag, `SSMKernelDiag` also for B). C, D and the output
 * linear train with the model's optimizer settings. See {@link S4DAdamW}.
 */
export const S4D_SSM_PARAMETERS: readonly string[] = SSM_NAMES;

/** The `config` of an {@link S4DLayerJSON}. */
export interface S4DLayerConfig {
  channels: number;
  stateSize: number;
  disc: 'zoh' | 'bilinear';
  bidirectional: boolean;
  glu: boolean;
  dropout: number;
  training: boolean;
  /** The dropout mask stream's state. */
  rng: RngState;
}

/**
 * What {@link S4DLayer.toJSON} returns: the `@x` state envelope, the sizes and switches as
 * `config`, the parameters `logDt`, `logAReal`, `AImag`, `BRe`, `BIm`, `CRe`, `CIm`, `D` as
 * bit-exact encoded arrays in `state` (C holds both directions when bidirectional) and, with
 * `glu`, the output linear's `output.weight` (2H x H, row-major [out, in]) and `output.bias` (2H). Envelopes of earlier releases (only
 * `channels` and `stateSize` in `config`) are read with the defaults of the new switches.
 */
export type S4DLayerJSON = ModuleStateJSON<
  'S4DLayer',
  Partial<S4DLayerConfig> & { channels: number; stateSize: number },
  Record<'logDt' | 'logAReal' | 'AImag' | 'BRe' | 'BIm' | 'CRe' | 'CIm' | 'D', EncodedArray> & Partial<Record<'output.weight' | 'output.bias', EncodedArray>>
>;

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * A trainable S4D layer (S4D paper, Gu et al. 2022, Sec. 2 and Listing 1; state-spaces/s4
 * `models/s4/s4d.py` and the bidirectional convolution of `FFTConv`): per channel h a diagonal
 * SSM with N/2 modes, A = -exp(logAReal) + i AImag, B, C complex, Δ = exp(logDt), kernel
 * K_l = 2 Re sum_n C_n dB_n dA_n^l (ZOH or bilinear), y = K * u + D u by FFT convolution
 * (two-sided with `bidirectional`), then optionally GELU, tied dropout and a linear H -> 2H with a
 * GLU (`glu`, s4's `output_linear`).
 *
 * Implements @x/nn's `Module` (so `fit`, `gradCheck` and every optimizer apply): a batch is a
 * matrix with one sequence per row, time-major (column t H + h is channel h at time t); `forward`
 * returns the same shape; `backward(dy)` returns dL/du and adds every parameter gradient
 * (hand-derived: correlations by FFT, then the Vandermonde chain rule through W_n = B_n f_n and
 * z_n = dA_n with complex gradients g = dL/dRe + i dL/dIm). The SSM parameters (Δ, A, B) are
 * meant to train with their own learning rate and no weight decay ({@link S4D_SSM_PARAMETERS},
 * {@link S4DAdamW}). O(B H (L log L + N L) + B L H²).
 */
export class S4DLayer implements Module {
  /** Channels H. */
  readonly H: number;
  /** Modes per channel, N/2. */
  readonly N2: number;
  /** Discretization of the kernel. */
  readonly disc: 'zoh' | 'bilinear';
  /** Two-sided (causal + anti-causal) kernels. */
  readonly bidirectional: boolean;
  /** GELU + linear H -> 2H + GLU after the SSM. */
  readonly glu: boolean;
  /** Dropout probability (training mode only). */
  readonly dropout: number;
  /** Training mode (dropout on); default true. {@link S4DLayer.eval} / {@link S4DLayer.train} switch it. */
  training = true;
  private readonly p: Record<ParamName, Float64Array>;
  private readonly g: Record<ParamName, Float64Array>;
  /** Output linear (glu): weight 2H x H row-major [out, in], bias 2H, and their gradients. */
  private readonly out: { W: Float64Array; b: Float64Array; gW: Float64Array; gb: Float64Array } | null;
  private gen: Rng;
  private cache: {
    u: Matrix;
    L: number;
    K: Float64Array[][];
    /** Pre-activation SSM output (B L H, time-major). */
    ys: Float64Array;
    /** Dropout mask per (batch, channel), or null. */
    mask: Float64Array | null;
    /** Output linear's input (B L x H) and result (B L x 2H), when glu. */
    z: Float64Array | null;
    o: Float64Array | null;
  } | null = null;

  constructor(opts: S4DLayerOptions) {
    const fn = 'S4DLayer';
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { channels } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['channels', 'stateSize', 'init', 'modes', 'dtMin', 'dtMax', 'seed', 'disc', 'bidirectional', 'glu', 'dropout']);
    this.H = checkInt(fn, 'channels', opts.channels, 1);
    const N = checkInt(fn, 'stateSize', opts.stateSize ?? 64, 2);
    if (N % 2) throw new DomainError(`${fn}: stateSize must be even, got ${N}`);
    this.N2 = N / 2;
    this.disc = checkOneOf(fn, 'disc', opts.disc ?? 'zoh', ['zoh', 'bilinear'] as const);
    this.bidirectional = checkBoolean(fn, 'bidirectional', opts.bidirectional ?? false);
    this.glu = checkBoolean(fn, 'glu', opts.glu ?? false);
    this.dropout = checkUnit(fn, 'dropout', opts.dropout ?? 0, 0, 1, '[)');
    const { H, N2 } = this;
    const nd = this.bidirectional ? 2 : 1;
    checkAlloc(fn, 'the parameters', H, N2, nd + 6);
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    const [dtMin, dtMax] = checkDtRange(fn, opts.dtMin ?? 1e-3, opts.dtMax ?? 1e-1);
    let init: S4DInitResult;
    if (opts.modes !== undefined) {
      if (opts.init !== undefined) throw new DomainError(`${fn}: give init or modes, not both`);
      init = checkModes(fn, opts.modes, N / 2);
    } else {
      if ((opts.init as string) === 'ptd') throw new DomainError(`${fn}: init 'ptd' needs an eigensolver; pass modes: s4dPtdInit(${N}) instead`);
      init = s4dModes(fn, N, opts.init ?? 'lin');
    }
    const p = {} as Record<ParamName, Float64Array>;
    const sizes = paramSizes(H, N2, nd);
    for (const k of PARAM_NAMES) p[k] = new Float64Array(sizes[k]);
    for (let h = 0; h < H; h++) {
      p.logDt[h] = Math.log(dtMin) + r.uniform() * (Math.log(dtMax) - Math.log(dtMin));
      for (let n = 0; n < N2; n++) {
        const i = h * N2 + n;
        p.logAReal[i] = Math.log(-init.A.re[n]!);
        p.AImag[i] = init.A.im[n]!;
        p.BRe[i] = init.B.re[n]!;
        p.BIm[i] = init.B.im[n]!;
        // C ~ CN(0, 1): real and imaginary parts N(0, 1/2)
        p.CRe[i] = r.normal() * Math.SQRT1_2;
        p.CIm[i] = r.normal() * Math.SQRT1_2;
      }
      p.D[h] = r.normal();
    }
    // The anti-causal direction's C, drawn after everything the one-sided layer draws.
    for (let i = H * N2; i < nd * H * N2; i++) {
      p.CRe[i] = r.normal() * Math.SQRT1_2;
      p.CIm[i] = r.normal() * Math.SQRT1_2;
    }
    // S4-PTD: C is drawn for the perturbed HiPPO-LegS system and mapped to its eigenbasis, C̃ = C Ṽ
    // (the official S4-PTD kernel's C = randn @ V), so that C̃_n B̃_n sum to a well-scaled kernel.
    if (init.V) {
      const { re: Vr, im: Vi } = init.V;
      const cr = new Float64Array(N2);
      const ci = new Float64Array(N2);
      for (let row = 0; row < nd * H; row++) {
        const o = row * N2;
        cr.set(p.CRe.subarray(o, o + N2));
        ci.set(p.CIm.subarray(o, o + N2));
        for (let n = 0; n < N2; n++) {
          let sr = 0;
          let si = 0;
          for (let i = 0; i < N2; i++) {
            sr += cr[i]! * Vr[i * N2 + n]! - ci[i]! * Vi[i * N2 + n]!;
            si += cr[i]! * Vi[i * N2 + n]! + ci[i]! * Vr[i * N2 + n]!;
          }
          p.CRe[o + n] = sr;
          p.CIm[o + n] = si;
        }
      }
    }
    this.p = p;
    this.g = Object.fromEntries(PARAM_NAMES.map((k) => [k, new Float64Array(sizes[k])])) as Record<ParamName, Float64Array>;
    // PyTorch's Conv1d default: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    // PyTorch's Conv1d default init: weight, then bias, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    this.out = null;
    if (this.glu) {
      const bound = 1 / Math.sqrt(H);
      const W = Float64Array.from({ length: 2 * H * H }, () => (2 * r.uniform() - 1) * bound);
      const b = Float64Array.from({ length: 2 * H }, () => (2 * r.uniform() - 1) * bound);
      this.out = { W, b, gW: new Float64Array(W.length), gb: new Float64Array(b.length) };
    }
    this.gen = makeRng(this.dropout > 0 ? Math.floor(r.uniform() * 2 ** 32) : 0);
  }

  /** Switches to training mode (dropout on); returns this. */
  train(): this {
    this.training = true;
    return this;
  }

  /** Switches to evaluation mode (dropout off); returns this. */
  eval(): this {
    this.training = false;
    return this;
  }

  /** Channel h's diagonal SSM parameters, with the C of `direction` (0 causal, 1 anti-causal). */
  channelParams(h: number, direction: 0 | 1 = 0) {
    const { N2, p } = this;
    const fn = 'S4DLayer.channelParams';
    if (!Number.isInteger(h) || h < 0 || h >= this.H) throw new DomainError(`${fn}: channel must be an integer in [0, ${this.H}), got ${describe(h)}`);
    if (direction !== 0 && !(direction === 1 && this.bidirectional)) throw new DomainError(`${fn}: direction must be 0${this.bidirectional ? ' or 1' : ' (the layer is one-sided)'}, got ${describe(direction)}`);
    const A = { re: new Float64Array(N2), im: new Float64Array(N2) };
    const B = { re: p.BRe.slice(h * N2, (h + 1) * N2), im: p.BIm.slice(h * N2, (h + 1) * N2) };
    const c0 = (direction * this.H + h) * N2;
    const C = { re: p.CRe.slice(c0, c0 + N2), im: p.CIm.slice(c0, c0 + N2) };
    for (let n = 0; n < N2; n++) {
      A.re[n] = -Math.exp(p.logAReal[h * N2 + n]!);
      A.im[n] = p.AImag[h * N2 + n]!;
    }
    return { A, B, C, dt: Math.exp(p.logDt[h]!) };
  }

  /** The H kernels of length L of `direction` (0 causal, 1 anti-causal), discretized with the layer's `disc`. */
  kernels(L: number, direction: 0 | 1 = 0): Float64Array[] {
    checkInt('S4DLayer.kernels', 'L', L, 1);
    return Array.from({ length: this.H }, (_, h) => s4dKernel(this.channelParams(h, direction), L, { disc: this.disc }));
  }

  private shapeOf(fn: string, x: unknown): number {
    assertMatrix(fn, 'x', x);
    const m = x as Matrix;
    if (m.cols % this.H !== 0 || m.cols === 0) {
      throw new ShapeError(`${fn}: x is ${m.rows}x${m.cols}, expected batch x (L * ${this.H}) (time-major, H = ${this.H})`);
    }
    for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) throw new DomainError(`${fn}: x has non-finite entries`);
    return m.cols / this.H;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const L = this.shapeOf('S4DLayer.forward', x);
    const { H } = this;
    const Bn = x.rows;
    const K = this.bidirectional ? [this.kernels(L, 0), this.kernels(L, 1)] : [this.kernels(L, 0)];
    const ys = new Float64Array(Bn * L * H);
    const u = new Float64Array(L);
    for (let b = 0; b < Bn; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < L; t++) u[t] = x.data[b * L * H + t * H + h]!;
        const c = twoSidedConv(u, K[0]![h]!, this.bidirectional ? K[1]![h]! : null);
        const D = this.p.D[h]!;
        for (let t = 0; t < L; t++) ys[b * L * H + t * H + h] = c[t]! + D * u[t]!;
      }
    }
    const p = this.dropout;
    let mask: Float64Array | null = null;
    if (this.training && p > 0) {
      mask = new Float64Array(Bn * H);
      for (let i = 0; i < mask.length; i++) mask[i] = this.gen.uniform() >= p ? 1 / (1 - p) : 0;
    }
    const z = new Float64Array(ys.length);
    for (let i = 0; i < z.length; i++) {
      const v = this.glu ? gelu(ys[i]!) : ys[i]!;
      z[i] = mask ? v * mask[Math.floor(i / (L * H)) * H + (i % H)]! : v;
    }
    let out = z;
    let o: Float64Array | null = null;
    if (this.out) {
      const { W, b } = this.out;
      const H2 = 2 * H;
      o = new Float64Array(Bn * L * H2);
      out = new Float64Array(ys.length);
      for (let r = 0; r < Bn * L; r++) {
        for (let j = 0; j < H2; j++) {
          let s = b[j]!;
          for (let h = 0; h < H; h++) s += W[j * H + h]! * z[r * H + h]!;
          o[r * H2 + j] = s;
        }
        for (let h = 0; h < H; h++) out[r * H + h] = o[r * H2 + h]! * sigmoid(o[r * H2 + H + h]!);
      }
    }
    this.cache = { u: { rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) }, L, K, ys, mask, z: this.out ? z : null, o };
    return { rows: x.rows, cols: x.cols, data: out };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    if (!this.cache) throw new DomainError('S4DLayer: backward called before forward (there is no cached input)');
    const { u: X, L, K, ys, mask, z, o } = this.cache;
    assertMatrix('S4DLayer.backward', 'dy', dy);
    if (dy.rows !== X.rows || dy.cols !== X.cols) {
      throw new ShapeError(`S4DLayer: dy is ${dy.rows}x${dy.cols}, expected ${X.rows}x${X.cols} (the shape of the last forward output)`);
    }
    for (let i = 0; i < dy.data.length; i++) if (!Number.isFinite(dy.data[i]!)) throw new DomainError('S4DLayer.backward: dy has non-finite entries');
    const { H, N2 } = this;
    const Bn = X.rows;
    // Back through GLU, the output linear, dropout and GELU to the SSM output.
    let dz: Float64Array;
    if (this.out && o && z) {
      const { W, gW, gb } = this.out;
      const H2 = 2 * H;
      const dO = new Float64Array(H2);
      dz = new Float64Array(Bn * L * H);
      for (let r = 0; r < Bn * L; r++) {
        for (let h = 0; h < H; h++) {
          const a = o[r * H2 + h]!;
          const s = sigmoid(o[r * H2 + H + h]!);
          const d = dy.data[r * H + h]!;
          dO[h] = d * s;
          dO[H + h] = d * a * s * (1 - s);
        }
        for (let j = 0; j < H2; j++) {
          const d = dO[j]!;
          gb[j] = gb[j]! + d;
          for (let h = 0; h < H; h++) {
            gW[j * H + h] = gW[j * H + h]! + d * z[r * H + h]!;
            dz[r * H + h] = dz[r * H + h]! + d * W[j * H + h]!;
          }
        }
      }
    } else {
      dz = Float64Array.from(dy.data);
    }
    for (let i = 0; i < dz.length; i++) {
      let d = dz[i]!;
      if (mask) d *= mask[Math.floor(i / (L * H)) * H + (i % H)]!;
      if (this.glu) d *= geluGrad(ys[i]!);
      dz[i] = d;
    }
    const nd = K.length;
    const dx = new Float64Array(X.rows * X.cols);
    const u = new Float64Array(L);
    const ur = new Float64Array(L);
    const gr = new Float64Array(L);
    const gf = new Float64Array(L);
    for (let h = 0; h < H; h++) {
      const dK = Array.from({ length: nd }, () => new Float64Array(L));
      let dD = 0;
      const D = this.p.D[h]!;
      const k1 = nd === 2 ? shiftedKernel(K[1]![h]!) : null;
      for (let b = 0; b < Bn; b++) {
        for (let t = 0; t < L; t++) {
          u[t] = X.data[b * L * H + t * H + h]!;
          ur[L - 1 - t] = u[t]!;
          gf[t] = dz[b * L * H + t * H + h]!;
          gr[L - 1 - t] = gf[t]!;
        }
        for (let t = 0; t < L; t++) dD += gf[t]! * u[t]!;
        // dK0_l = sum_t dy_t u_{t-l} = conv(reverse(dy), u)[L-1-l]
        const c1 = conv(gr, u);
        for (let l = 0; l < L; l++) dK[0]![l] = dK[0]![l]! + c1[L - 1 - l]!;
        // du_s = sum_{t>=s} K0_{t-s} dy_t = reverse(conv(reverse(dy), K0))
        const c2 = conv(gr, K[0]![h]!);
        for (let s = 0; s < L; s++) dx[b * L * H + s * H + h] = c2[L - 1 - s]! + D * gf[s]!;
        if (k1) {
          // y_t += sum_{s>=1} K1_{s-1} u_{t+s}: dK1_{s-1} = sum_t dy_t u_{t+s} = conv(dy, reverse(u))[L-1-s],
          // du_tau += sum_{s>=1} K1_{s-1} dy_{tau-s} = conv(dy, [0, K1])[tau].
          const c3 = conv(gf, ur);
          for (let s = 1; s < L; s++) dK[1]![s - 1] = dK[1]![s - 1]! + c3[L - 1 - s]!;
          const c4 = conv(gf, k1);
          for (let t = 0; t < L; t++) dx[b * L * H + t * H + h] = dx[b * L * H + t * H + h]! + c4[t]!;
        }
      }
      this.g.D[h] = this.g.D[h]! + dD;
      this.kernelBackward(h, dK, L, N2);
    }
    return { rows: X.rows, cols: X.cols, data: dx };
  }

  /**
   * Chain rule from dL/dK (one array of length L per direction) to channel h's parameters.
   * K^d_l = 2 Re sum_n C^d_n W_n z_n^l with W = B f: ZOH f = (z - 1)/A, z = exp(Δ A);
   * bilinear f = Δ/q, z = (2 - q)/q, q = 1 - Δ A/2.
   */
  private kernelBackward(h: number, dK: Float64Array[], L: number, N2: number): void {
    const { p, g, H } = this;
    const nd = dK.length;
    const dt = Math.exp(p.logDt[h]!);
    const zoh = this.disc === 'zoh';
    let gDt = 0;
    const s0r = new Float64Array(nd);
    const s0i = new Float64Array(nd);
    const s1r = new Float64Array(nd);
    const s1i = new Float64Array(nd);
    for (let n = 0; n < N2; n++) {
      const i = h * N2 + n;
      const ar = -Math.exp(p.logAReal[i]!);
      const ai = p.AImag[i]!;
      let zr: number;
      let zi: number;
      let fr: number;
      let fi: number;
      let qr = 0; // 1/q (bilinear)
      let qi = 0;
      if (zoh) {
        const m = Math.exp(dt * ar);
        zr = m * Math.cos(dt * ai);
        zi = m * Math.sin(dt * ai);
        ({ fr, fi } = zohFactor(ar, ai, dt, zr, zi));
      } else {
        ({ zr, zi, fr, fi, qr, qi } = bilinearFactor(ar, ai, dt));
      }
      // S0^d = sum_l dK^d_l z^l, S1^d = sum_l l dK^d_l z^(l-1)
      s0r.fill(0);
      s0i.fill(0);
      s1r.fill(0);
      s1i.fill(0);
      for (let d = 0; d < nd; d++) {
        const k = dK[d]!;
        let pr = 1;
        let pi = 0;
        let a0r = 0;
        let a0i = 0;
        let a1r = 0;
        let a1i = 0;
        let prevR = 0;
        let prevI = 0;
        for (let l = 0; l < L; l++) {
          const v = k[l]!;
          a0r += v * pr;
          a0i += v * pi;
          a1r += l * v * prevR;
          a1i += l * v * prevI;
          prevR = pr;
          prevI = pi;
          const nr = pr * zr - pi * zi;
          pi = pr * zi + pi * zr;
          pr = nr;
        }
        s0r[d] = a0r;
        s0i[d] = a0i;
        s1r[d] = a1r;
        s1i[d] = a1i;
      }
      const br = p.BRe[i]!;
      const bi = p.BIm[i]!;
      const Wr = br * fr - bi * fi;
      const Wi = br * fi + bi * fr;
      // P = sum_d C^d S0^d, Q = sum_d C^d S1^d; g_C^d = 2 conj(W S0^d)
      let Pr = 0;
      let Pi = 0;
      let Qr = 0;
      let Qi = 0;
      for (let d = 0; d < nd; d++) {
        const ci = (d * H + h) * N2 + n;
        const cr = p.CRe[ci]!;
        const cim = p.CIm[ci]!;
        Pr += cr * s0r[d]! - cim * s0i[d]!;
        Pi += cr * s0i[d]! + cim * s0r[d]!;
        Qr += cr * s1r[d]! - cim * s1i[d]!;
        Qi += cr * s1i[d]! + cim * s1r[d]!;
        g.CRe[ci] = g.CRe[ci]! + 2 * (Wr * s0r[d]! - Wi * s0i[d]!);
        g.CIm[ci] = g.CIm[ci]! - 2 * (Wr * s0i[d]! + Wi * s0r[d]!);
      }
      // g_W = 2 conj(P), g_z = 2 conj(W Q)
      const gWr = 2 * Pr;
      const gWi = -2 * Pi;
      let gzr = 2 * (Wr * Qr - Wi * Qi);
      let gzi = -2 * (Wr * Qi + Wi * Qr);
      // g_B = g_W conj(f)
      g.BRe[i] = g.BRe[i]! + gWr * fr + gWi * fi;
      g.BIm[i] = g.BIm[i]! + gWi * fr - gWr * fi;
      let gAr: number;
      let gAi: number;
      if (zoh) {
        const den = ar * ar + ai * ai;
        // dW/dz = B/A
        const eR = (br * ar + bi * ai) / den;
        const eI = (bi * ar - br * ai) / den;
        gzr += gWr * eR + gWi * eI;
        gzi += gWi * eR - gWr * eI;
        // dW/dA|z = -W/A, dz/dA = Δ z
        const wAr = -(Wr * ar + Wi * ai) / den;
        const wAi = -(Wi * ar - Wr * ai) / den;
        const dzr = dt * zr;
        const dzi = dt * zi;
        gAr = gWr * wAr + gWi * wAi + gzr * dzr + gzi * dzi;
        gAi = gWi * wAr - gWr * wAi + gzi * dzr - gzr * dzi;
        // dz/dΔ = A z; dL/dΔ = Re(conj(g_z) A z)
        gDt += gzr * (ar * zr - ai * zi) + gzi * (ar * zi + ai * zr);
      } else {
        // 1/q²
        const q2r = qr * qr - qi * qi;
        const q2i = 2 * qr * qi;
        // dW/dA = B Δ²/(2 q²), dz/dA = Δ/q²
        const wAr = ((dt * dt) / 2) * (br * q2r - bi * q2i);
        const wAi = ((dt * dt) / 2) * (br * q2i + bi * q2r);
        gAr = gWr * wAr + gWi * wAi + gzr * dt * q2r + gzi * dt * q2i;
        gAi = gWi * wAr - gWr * wAi + gzi * dt * q2r - gzr * dt * q2i;
        // dW/dΔ = B/q², dz/dΔ = A/q²
        const wDr = br * q2r - bi * q2i;
        const wDi = br * q2i + bi * q2r;
        const zDr = ar * q2r - ai * q2i;
        const zDi = ar * q2i + ai * q2r;
        gDt += gWr * wDr + gWi * wDi + gzr * zDr + gzi * zDi;
      }
      // A = -exp(logAReal) + i AImag
      g.logAReal[i] = g.logAReal[i]! + gAr * ar;
      g.AImag[i] = g.AImag[i]! + gAi;
    }
    g.logDt[h] = g.logDt[h]! + gDt * dt;
  }

  parameters(): S4DParameter[] {
    const { H, N2 } = this;
    const nd = this.bidirectional ? 2 : 1;
    const shape = (k: ParamName) => (k === 'logDt' || k === 'D' ? [H] : k === 'CRe' || k === 'CIm' ? [nd * H, N2] : [H, N2]);
    const own = PARAM_NAMES.map((k) => ({ name: k, value: this.p[k], grad: this.g[k], shape: shape(k) }));
    if (!this.out) return own;
    return [...own, { name: 'output.weight', value: this.out.W, grad: this.out.gW, shape: [2 * H, H] }, { name: 'output.bias', value: this.out.b, grad: this.out.gb, shape: [2 * H] }];
  }

  zeroGrad(): void {
    for (const k of PARAM_NAMES) this.g[k].fill(0);
    this.out?.gW.fill(0);
    this.out?.gb.fill(0);
  }

  /** The state envelope: sizes, switches and the dropout stream as `config`, every parameter (bit-exact) as `state`. */
  toJSON(): S4DLayerJSON {
    const config: S4DLayerConfig = {
      channels: this.H,
      stateSize: 2 * this.N2,
      disc: this.disc,
      bidirectional: this.bidirectional,
      glu: this.glu,
      dropout: this.dropout,
      training: this.training,
      rng: this.gen.state(),
    };
    return moduleJSON('S4DLayer', config, this.out ? { ...this.p, 'output.weight': this.out.W, 'output.bias': this.out.b } : { ...this.p }) as S4DLayerJSON;
  }

  /**
   * Rebuilds a layer from {@link S4DLayer.toJSON} (or the formats of earlier releases) with
   * identical parameters, switches and dropout stream. `channels` must be a positive integer,
   * `stateSize` an even integer >= 2, and every parameter present, of its length (H, H·N/2, or
   * 2·H·N/2 for a bidirectional C) and finite; lengths are checked before anything is allocated
   * (DomainError for a wrong type or value, ShapeError for a wrong length).
   */
  static fromJSON(json: S4DLayerJSON): S4DLayer {
    const fn = 'S4DLayer.fromJSON';
    const r = readModuleJSON(fn, 'S4DLayer', json);
    const channels = r.int('channels', 1);
    const stateSize = r.int('stateSize', 2);
    if (stateSize % 2) throw new DomainError(`${fn}: stateSize must be even, got ${stateSize}`);
    const disc = r.has('disc') ? r.string('disc', ['zoh', 'bilinear'] as const) : 'zoh';
    const bidirectional = r.has('bidirectional') ? r.bool('bidirectional') : false;
    const glu = r.has('glu') ? r.bool('glu') : false;
    const dropout = r.has('dropout') ? r.number('dropout', { min: 0 }) : 0;
    const training = r.has('training') ? r.bool('training') : true;
    const nd = bidirectional ? 2 : 1;
    const sizes = paramSizes(channels, stateSize / 2, nd);
    const values = {} as Record<ParamName, Float64Array>;
    for (const k of PARAM_NAMES) values[k] = r.f64(k, { length: sizes[k], finite: true });
    const W = glu ? r.f64('output.weight', { length: 2 * channels * channels, finite: true }) : null;
    const b = glu ? r.f64('output.bias', { length: 2 * channels, finite: true }) : null;
    const l = new S4DLayer({ channels, stateSize, disc, bidirectional, glu, dropout });
    for (const k of PARAM_NAMES) l.p[k].set(values[k]);
    if (l.out && W && b) {
      l.out.W.set(W);
      l.out.b.set(b);
    }
    l.training = training;
    if (r.has('rng')) {
      try {
        l.gen = makeRng(r.raw('rng') as RngState);
      } catch (e) {
        throw new DomainError(`${fn}: rng is not a generator state (${(e as Error).message})`);
      }
    }
    return l;
  }
}

/** Entries of each parameter for H channels, N2 modes and nd directions. */
function paramSizes(H: number, N2: number, nd: number): Record<ParamName, number> {
  return { logDt: H, logAReal: H * N2, AImag: H * N2, BRe: H * N2, BIm: H * N2, CRe: nd * H * N2, CIm: nd * H * N2, D: H };
}

/** [0, K_0, ..., K_{L-2}]: the anti-causal kernel as a causal one acting on the time-reversed signal (s4's off-by-one kept). */
function shiftedKernel(k: Float64Array): Float64Array {
  const s = new Float64Array(k.length);
  s.set(k.subarray(0, k.length - 1), 1);
  return s;
}

/**
 * Causal convolution of two length-L signals: the direct O(L²) sum up to L = 128, where it is
 * faster than three FFTs, {@link fftConv} beyond (both exact up to rounding).
 */
function conv(u: Float64Array, k: Float64Array): Float64Array {
  return u.length <= 128 ? directConv(u, k) : fftConv(u, k);
}

/** sum_{j<=t} k0_j u_{t-j} + sum_{s>=1} k1_{s-1} u_{t+s} (the second term only when k1 is given). */
function twoSidedConv(u: Float64Array, k0: Float64Array, k1: Float64Array | null): Float64Array {
  const y = conv(u, k0);
  if (!k1) return y;
  const L = u.length;
  const ur = Float64Array.from(u).reverse();
  const c = conv(ur, shiftedKernel(k1));
  for (let t = 0; t < L; t++) y[t] = y[t]! + c[L - 1 - t]!;
  return y;
}

/** Exact GELU x Φ(x) (PyTorch's nn.GELU default). */
function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * INV_SQRT2));
}

/** d/dx x Φ(x) = Φ(x) + x φ(x). */
function geluGrad(x: number): number {
  return 0.5 * (1 + erf(x * INV_SQRT2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT2PI;
}
