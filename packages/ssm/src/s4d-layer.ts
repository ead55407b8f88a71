import { assertMatrix, DomainError, type EncodedArray, type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkOptions, checkRng, describe } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkDtRange, checkInt } from './complex';
import { fftConv } from './fft-conv';
import { type S4DInitKind, s4dInit } from './s4d-init';
import { s4dKernel } from './vandermonde';

/** One trainable tensor: @x/nn's `Parameter` (value/grad are the layer's own storage). */
export type S4DParameter = Parameter;

/** Options of {@link S4DLayer}. */
export interface S4DLayerOptions {
  /** Channels H. */
  channels: number;
  /** State size N (N/2 conjugate-pair modes per channel); default 64. */
  stateSize?: number;
  /** Initialization of A (and B); default 'lin'. */
  init?: Exclude<S4DInitKind, 'dss'>;
  /** Δ ~ logUniform[dtMin, dtMax] per channel (defaults 1e-3, 1e-1). */
  dtMin?: number;
  dtMax?: number;
  seed?: number | Rng;
}

const PARAM_NAMES = ['logDt', 'logAReal', 'AImag', 'BRe', 'BIm', 'CRe', 'CIm', 'D'] as const;
type ParamName = (typeof PARAM_NAMES)[number];

/**
 * What {@link S4DLayer.toJSON} returns: the `@x` state envelope, `channels` and `stateSize` as
 * `config`, the parameters `logDt`, `logAReal`, `AImag`, `BRe`, `BIm`, `CRe`, `CIm`, `D` as
 * bit-exact encoded arrays in `state`.
 */
export type S4DLayerJSON = ModuleStateJSON<'S4DLayer', { channels: number; stateSize: number }, Record<'logDt' | 'logAReal' | 'AImag' | 'BRe' | 'BIm' | 'CRe' | 'CIm' | 'D', EncodedArray>>;

/**
 * A trainable S4D convolution layer (S4D paper, Gu et al. 2022, Sec. 2 and Listing 1;
 * state-spaces/s4 `models/s4/s4d.py`): per channel h a diagonal SSM with N/2 modes,
 * A = -exp(logAReal) + i AImag, B, C complex, Δ = exp(logDt), ZOH kernel
 * K_l = 2 Re sum_n C_n B_n (exp(Δ A_n) - 1)/A_n exp(l Δ A_n), and y = K * u + D u by FFT
 * convolution. Implements @x/nn's `Module` (so `fit`, `gradCheck` and every @x/nn optimizer apply): a batch is a matrix with one sequence per
 * row, laid out time-major (column t H + h is channel h at time t); `forward` returns the same
 * shape; `backward(dy)` returns dL/du and adds every parameter gradient (hand-derived:
 * correlations by FFT, then the Vandermonde chain rule through W_n = C_n B_n (z_n - 1)/A_n and
 * z_n = exp(Δ A_n), with complex gradients g = dL/dRe + i dL/dIm). O(B H (L log L + N L)).
 */
export class S4DLayer implements Module {
  readonly H: number;
  readonly N2: number;
  private readonly p: Record<ParamName, Float64Array>;
  private readonly g: Record<ParamName, Float64Array>;
  private cache: { u: Matrix; L: number; K: Float64Array[] } | null = null;

  constructor(opts: S4DLayerOptions) {
    const fn = 'S4DLayer';
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { channels } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['channels', 'stateSize', 'init', 'dtMin', 'dtMax', 'seed']);
    this.H = checkInt(fn, 'channels', opts.channels, 1);
    const N = checkInt(fn, 'stateSize', opts.stateSize ?? 64, 2);
    if (N % 2) throw new DomainError(`${fn}: stateSize must be even, got ${N}`);
    this.N2 = N / 2;
    const { H, N2 } = this;
    checkAlloc(fn, 'the parameters', H, N2);
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    const [dtMin, dtMax] = checkDtRange(fn, opts.dtMin ?? 1e-3, opts.dtMax ?? 1e-1);
    const init = s4dInit(N, { kind: opts.init ?? 'lin' });
    const p = {} as Record<ParamName, Float64Array>;
    const sizes: Record<ParamName, number> = { logDt: H, logAReal: H * N2, AImag: H * N2, BRe: H * N2, BIm: H * N2, CRe: H * N2, CIm: H * N2, D: H };
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
    this.p = p;
    this.g = Object.fromEntries(PARAM_NAMES.map((k) => [k, new Float64Array(sizes[k])])) as Record<ParamName, Float64Array>;
  }

  /** Channel h's diagonal SSM parameters. */
  channelParams(h: number) {
    const { N2, p } = this;
    const A = { re: new Float64Array(N2), im: new Float64Array(N2) };
    const B = { re: p.BRe.slice(h * N2, (h + 1) * N2), im: p.BIm.slice(h * N2, (h + 1) * N2) };
    const C = { re: p.CRe.slice(h * N2, (h + 1) * N2), im: p.CIm.slice(h * N2, (h + 1) * N2) };
    for (let n = 0; n < N2; n++) {
      A.re[n] = -Math.exp(p.logAReal[h * N2 + n]!);
      A.im[n] = p.AImag[h * N2 + n]!;
    }
    return { A, B, C, dt: Math.exp(p.logDt[h]!) };
  }

  /** The H kernels of length L. */
  kernels(L: number): Float64Array[] {
    return Array.from({ length: this.H }, (_, h) => s4dKernel(this.channelParams(h), L, { disc: 'zoh' }));
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
    const K = this.kernels(L);
    const y = new Float64Array(x.rows * L * H);
    const u = new Float64Array(L);
    for (let b = 0; b < x.rows; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < L; t++) u[t] = x.data[b * L * H + t * H + h]!;
        const c = fftConv(u, K[h]!);
        const D = this.p.D[h]!;
        for (let t = 0; t < L; t++) y[b * L * H + t * H + h] = c[t]! + D * u[t]!;
      }
    }
    this.cache = { u: { rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) }, L, K };
    return { rows: x.rows, cols: x.cols, data: y };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    if (!this.cache) throw new DomainError('S4DLayer: backward called before forward (there is no cached input)');
    const { u: X, L, K } = this.cache;
    assertMatrix('S4DLayer.backward', 'dy', dy);
    if (dy.rows !== X.rows || dy.cols !== X.cols) {
      throw new ShapeError(`S4DLayer: dy is ${dy.rows}x${dy.cols}, expected ${X.rows}x${X.cols} (the shape of the last forward output)`);
    }
    const { H, N2 } = this;
    const dx = new Float64Array(X.rows * X.cols);
    const u = new Float64Array(L);
    const gr = new Float64Array(L);
    for (let h = 0; h < H; h++) {
      const dK = new Float64Array(L);
      let dD = 0;
      const D = this.p.D[h]!;
      for (let b = 0; b < X.rows; b++) {
        for (let t = 0; t < L; t++) {
          u[t] = X.data[b * L * H + t * H + h]!;
          gr[L - 1 - t] = dy.data[b * L * H + t * H + h]!;
        }
        for (let t = 0; t < L; t++) dD += gr[L - 1 - t]! * u[t]!;
        // dK_l = sum_t dy_t u_{t-l} = conv(reverse(dy), u)[L-1-l]
        const c1 = fftConv(gr, u);
        for (let l = 0; l < L; l++) dK[l] = dK[l]! + c1[L - 1 - l]!;
        // du_s = sum_{t>=s} K_{t-s} dy_t = reverse(conv(reverse(dy), K))
        const c2 = fftConv(gr, K[h]!);
        for (let s = 0; s < L; s++) dx[b * L * H + s * H + h] = c2[L - 1 - s]! + D * gr[L - 1 - s]!;
      }
      this.g.D[h] = this.g.D[h]! + dD;
      this.kernelBackward(h, dK, L, N2);
    }
    return { rows: X.rows, cols: X.cols, data: dx };
  }

  /** Chain rule from dL/dK (length L) to channel h's parameters. */
  private kernelBackward(h: number, dK: Float64Array, L: number, N2: number): void {
    const { p, g } = this;
    const dt = Math.exp(p.logDt[h]!);
    let gDt = 0;
    for (let n = 0; n < N2; n++) {
      const i = h * N2 + n;
      const ear = Math.exp(p.logAReal[i]!);
      const ar = -ear;
      const ai = p.AImag[i]!;
      const m = Math.exp(dt * ar);
      const zr = m * Math.cos(dt * ai);
      const zi = m * Math.sin(dt * ai);
      // S0 = sum_l dK_l z^l, S1 = sum_l l dK_l z^(l-1)
      let s0r = 0;
      let s0i = 0;
      let s1r = 0;
      let s1i = 0;
      let pr = 1;
      let pi = 0;
      let qr = 0; // z^(l-1)
      let qi = 0;
      for (let l = 0; l < L; l++) {
        const d = dK[l]!;
        s0r += d * pr;
        s0i += d * pi;
        if (l > 0) {
          s1r += l * d * qr;
          s1i += l * d * qi;
        }
        qr = pr;
        qi = pi;
        const nr = pr * zr - pi * zi;
        pi = pr * zi + pi * zr;
        pr = nr;
      }
      // g_W = 2 conj(S0)
      const gWr = 2 * s0r;
      const gWi = -2 * s0i;
      const cr = p.CRe[i]!;
      const ci = p.CIm[i]!;
      const br = p.BRe[i]!;
      const bi = p.BIm[i]!;
      const cbr = cr * br - ci * bi;
      const cbi = cr * bi + ci * br;
      // f = (z - 1)/A
      const den = ar * ar + ai * ai;
      const fr = ((zr - 1) * ar + zi * ai) / den;
      const fi = (zi * ar - (zr - 1) * ai) / den;
      const Wr = cbr * fr - cbi * fi;
      const Wi = cbr * fi + cbi * fr;
      // g_z = 2 conj(W S1)
      const gzr0 = 2 * (Wr * s1r - Wi * s1i);
      const gzi0 = -2 * (Wr * s1i + Wi * s1r);
      // g_C = g_W conj(B f), g_B = g_W conj(C f)
      const bfr = br * fr - bi * fi;
      const bfi = br * fi + bi * fr;
      const cfr = cr * fr - ci * fi;
      const cfi = cr * fi + ci * fr;
      g.CRe[i] = g.CRe[i]! + gWr * bfr + gWi * bfi;
      g.CIm[i] = g.CIm[i]! + gWi * bfr - gWr * bfi;
      g.BRe[i] = g.BRe[i]! + gWr * cfr + gWi * cfi;
      g.BIm[i] = g.BIm[i]! + gWi * cfr - gWr * cfi;
      // dW/dz = C B / A ; total g_z = g_z0 + g_W conj(CB/A)
      const eR = (cbr * ar + cbi * ai) / den;
      const eI = (cbi * ar - cbr * ai) / den;
      const gzr = gzr0 + gWr * eR + gWi * eI;
      const gzi = gzi0 + gWi * eR - gWr * eI;
      // dW/dA|z = -C B (z-1)/A² = -W / A
      const wAr = -(Wr * ar + Wi * ai) / den;
      const wAi = -(Wi * ar - Wr * ai) / den;
      // dz/dA = dt z
      const dzr = dt * zr;
      const dzi = dt * zi;
      const gAr = gWr * wAr + gWi * wAi + gzr * dzr + gzi * dzi;
      const gAi = gWi * wAr - gWr * wAi + gzi * dzr - gzr * dzi;
      g.logAReal[i] = g.logAReal[i]! + gAr * -ear;
      g.AImag[i] = g.AImag[i]! + gAi;
      // dz/ddt = A z ; dL/ddt = Re(conj(g_z) A z)
      const azr = ar * zr - ai * zi;
      const azi = ar * zi + ai * zr;
      gDt += gzr * azr + gzi * azi;
    }
    g.logDt[h] = g.logDt[h]! + gDt * dt;
  }

  parameters(): S4DParameter[] {
    const { H, N2 } = this;
    return PARAM_NAMES.map((k) => ({ name: k, value: this.p[k], grad: this.g[k], shape: k === 'logDt' || k === 'D' ? [H] : [H, N2] }));
  }

  zeroGrad(): void {
    for (const k of PARAM_NAMES) this.g[k].fill(0);
  }

  /** The state envelope: `channels` and `stateSize` as `config`, every parameter (bit-exact) as `state`. */
  toJSON(): S4DLayerJSON {
    return moduleJSON('S4DLayer', { channels: this.H, stateSize: 2 * this.N2 }, { ...this.p });
  }

  /**
   * Rebuilds a layer from {@link S4DLayer.toJSON} (or the unversioned format of earlier
   * releases) with identical parameters. `channels` must be a positive integer, `stateSize` an
   * even integer >= 2, and every parameter present, of its length (H or H·N/2) and finite;
   * lengths are checked before anything is allocated (DomainError for a wrong type or value,
   * ShapeError for a wrong length).
   */
  static fromJSON(json: S4DLayerJSON): S4DLayer {
    const fn = 'S4DLayer.fromJSON';
    const r = readModuleJSON(fn, 'S4DLayer', json);
    const channels = r.int('channels', 1);
    const stateSize = r.int('stateSize', 2);
    if (stateSize % 2) throw new DomainError(`${fn}: stateSize must be even, got ${stateSize}`);
    const values = {} as Record<ParamName, Float64Array>;
    for (const k of PARAM_NAMES) values[k] = r.f64(k, { length: k === 'logDt' || k === 'D' ? channels : (channels * stateSize) / 2, finite: true });
    const l = new S4DLayer({ channels, stateSize });
    for (const k of PARAM_NAMES) l.p[k].set(values[k]);
    return l;
  }
}
