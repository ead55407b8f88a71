import { assertMatrix, DomainError, type EncodedArray, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkInt, checkOneOf, checkOptions, checkPositive, checkSize, describe } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { expMap0Raw, logMap0Raw } from './ball';
import { PoincareLinear } from './linear-layer';
import { ExpMap0, LogMap0 } from './maps-layer';

/**
 * The β-concatenation scale `B(nK/2, ½)/B(n/2, ½)` (Shimizu et al. 2021, §3.4; Poincaré ResNet
 * conv): K tangent vectors of dimension n are multiplied by it before they are concatenated, so
 * that the concatenation's expected norm matches one input's. Exact for integer n, K via
 * q(a) = Γ(a)/Γ(a + ½), q(a + 1) = q(a)·a/(a + ½), q(½) = √π, q(1) = 2/√π.
 */
export function betaConcatScale(n: number, K: number): number {
  const fn = 'betaConcatScale';
  checkSize(fn, 'n', n, 1);
  checkSize(fn, 'K', K, 1);
  return halfGammaRatio(n * K) / halfGammaRatio(n);
}

/** q(m/2) = Γ(m/2)/Γ(m/2 + ½) for an integer m >= 1. */
function halfGammaRatio(m: number): number {
  let a = m % 2 === 1 ? 0.5 : 1;
  let q = m % 2 === 1 ? Math.sqrt(Math.PI) : 2 / Math.sqrt(Math.PI);
  while (a < m / 2) {
    q *= a / (a + 0.5);
    a += 1;
  }
  return q;
}

/**
 * Poincaré β-concatenation (Shimizu et al. 2021, §3.4) of the K rows of P (K x n, points of the
 * ball of curvature −c): `exp_0(B(nK/2, ½)/B(n/2, ½) · [log_0 p_1; …; log_0 p_K])`, one point
 * of dimension K·n. O(K n).
 * @throws ShapeError P not a Matrix; DomainError c not finite > 0, a non-finite entry, a row
 * outside the ball (c‖p‖² >= 1).
 */
export function betaConcat(P: Matrix, c: number): Float64Array {
  const fn = 'betaConcat';
  assertMatrix(fn, 'P', P);
  checkPositive(fn, 'c', c);
  checkFinite(fn, 'P', P);
  if (P.rows < 1 || P.cols < 1) throw new ShapeError(`${fn}: P is ${P.rows}x${P.cols}, need at least one point of dimension >= 1`);
  const n = P.cols;
  const s = betaConcatScale(n, P.rows);
  const u = new Float64Array(P.rows * n);
  for (let k = 0; k < P.rows; k++) {
    const p = Float64Array.from(P.data.subarray(k * n, (k + 1) * n));
    let r = 0;
    for (let j = 0; j < n; j++) r += p[j]! ** 2;
    if (!(c * r < 1)) throw new DomainError(`${fn}: row ${k} of P is outside the Poincaré ball (c‖p‖² = ${c * r}, must be < 1)`);
    const t = logMap0Raw(p, c);
    for (let j = 0; j < n; j++) u[k * n + j] = s * t[j]!;
  }
  return expMap0Raw(u, c);
}

/** Options of {@link PoincareConv2d}. */
export interface PoincareConv2dOptions {
  /** Input height and width in pixels (the input rows are flattened H x W x C feature maps). */
  height: number;
  width: number;
  /** Square kernel side (default 3). */
  kernel?: number;
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding on every side (default 0); a zero tangent vector is the origin of the ball. */
  padding?: number;
  /** Curvature −c (c > 0; default 1). */
  c?: number;
  /**
   * `'identity'` (default): ½ on the centre tap's channel diagonal, zero elsewhere, r = 0, so a
   * stride-1 padded conv starts as the identity scaled by the β-concatenation factor (to first
   * order near the origin; exactly the identity for a 1x1 kernel). The paper's code writes
   * `½·eye(K·n_in, n_out)` over torch's unfold order (channel-major), which for K > 1 wires
   * output channel j to input channel ⌊j/K⌋ at tap j mod K instead; this layer keeps each
   * channel at the centre tap, the identity the paper describes;
   * `'gaussian'`: Z ~ N(0, (2 K n_in n_out)^{−1}), the standard init the paper compares with.
   */
  init?: 'identity' | 'gaussian';
  seed?: number;
}

/** What {@link PoincareConv2d.toJSON} returns: the `@x` state envelope. */
export type PoincareConv2dJSON = ModuleStateJSON<
  'PoincareConv2d',
  { inChannels: number; outChannels: number; height: number; width: number; kernel: number; stride: number; padding: number; c: number },
  { Z: EncodedArray; r: EncodedArray }
>;

/**
 * The Poincaré 2-D convolution of Poincaré ResNet (van Spengler et al., ICCV 2023, §4.1): every
 * receptive field's K = k² pixel points are β-concatenated ({@link betaConcat}) into one point of
 * dimension K·n_in and mapped by the Poincaré FC layer ({@link PoincareLinear}, Z of
 * (K·n_in) x n_out, offsets r) to an output pixel. As in the paper's code, features between
 * layers are carried as tangent vectors at the origin (log_0 of the points): the input is
 * batch x (H·W·n_in) (pixels row-major, channels fastest), the output batch x (H′·W′·n_out)
 * with H′ = ⌊(H + 2p − k)/s⌋ + 1. Patch entries are ordered (tap, channel), tap row-major.
 * backward accumulates dZ, dr and returns dx. O(batch · H′W′ · K n_in n_out) per pass.
 */
export class PoincareConv2d implements Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly height: number;
  readonly width: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly c: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** The Poincaré FC layer applied to each β-concatenated patch (Z is (k²·n_in) x n_out). */
  readonly fc: PoincareLinear;
  private readonly beta: number;
  private readonly exp: ExpMap0;
  private readonly log: LogMap0;
  private batch = -1;

  constructor(inChannels: number, outChannels: number, opts: PoincareConv2dOptions) {
    const fn = 'PoincareConv2d';
    checkSize(fn, 'inChannels', inChannels, 1);
    checkSize(fn, 'outChannels', outChannels, 1);
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { height, width, … } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['height', 'width', 'kernel', 'stride', 'padding', 'c', 'init', 'seed']);
    this.height = checkSize(fn, 'height', opts.height, 1);
    this.width = checkSize(fn, 'width', opts.width, 1);
    this.kernel = checkSize(fn, 'kernel', opts.kernel ?? 3, 1);
    this.stride = checkSize(fn, 'stride', opts.stride ?? 1, 1);
    this.padding = checkInt(fn, 'padding', opts.padding ?? 0, 0, 1 << 16);
    this.c = checkPositive(fn, 'c', opts.c ?? 1);
    const init = checkOneOf(fn, 'init', opts.init ?? 'identity', ['identity', 'gaussian'] as const);
    this.outHeight = Math.floor((this.height + 2 * this.padding - this.kernel) / this.stride) + 1;
    this.outWidth = Math.floor((this.width + 2 * this.padding - this.kernel) / this.stride) + 1;
    if (this.outHeight < 1 || this.outWidth < 1) throw new ShapeError(`${fn}: a ${this.kernel}x${this.kernel} kernel with padding ${this.padding} does not fit a ${this.height}x${this.width} input`);
    const K = this.kernel * this.kernel;
    checkAlloc(fn, 'Z', K * inChannels, outChannels);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.fc = new PoincareLinear(K * inChannels, outChannels, { c: this.c, init: 'gaussian', ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
    if (init === 'identity') {
      this.fc.Z.data.fill(0);
      const centre = Math.floor(this.kernel / 2) * this.kernel + Math.floor(this.kernel / 2);
      for (let ch = 0; ch < Math.min(inChannels, outChannels); ch++) this.fc.Z.data[(centre * inChannels + ch) * outChannels + ch] = 0.5;
    }
    this.beta = betaConcatScale(inChannels, K);
    this.exp = new ExpMap0(this.c);
    this.log = new LogMap0(this.c);
  }

  /** Number of input features per example, H·W·n_in. */
  get inFeatures(): number {
    return this.height * this.width * this.inChannels;
  }

  /** Number of output features per example, H′·W′·n_out. */
  get outFeatures(): number {
    return this.outHeight * this.outWidth * this.outChannels;
  }

  /** x: batch x (H·W·n_in) tangent vectors at the origin → batch x (H′·W′·n_out). */
  forward(x: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareConv2d';
    assertMatrix(fn, 'x', x);
    if (x.cols !== this.inFeatures) throw new ShapeError(`${fn}: x is ${x.rows}x${x.cols}, expected batch x ${this.inFeatures} (${this.height}x${this.width}x${this.inChannels})`);
    checkFinite(fn, 'x', x);
    const cols = this.im2col(x);
    const y = this.log.forward(this.fc.forward(this.exp.forward(cols)));
    this.batch = x.rows;
    return { rows: x.rows, cols: this.outFeatures, data: y.data };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareConv2d';
    if (this.batch < 0) throw new DomainError(`${fn}: backward called before forward`);
    assertMatrix(fn, 'dy', dy);
    if (dy.rows !== this.batch || dy.cols !== this.outFeatures) throw new ShapeError(`${fn}: dy is ${dy.rows}x${dy.cols}, expected ${this.batch}x${this.outFeatures}`);
    const g = { rows: this.batch * this.outHeight * this.outWidth, cols: this.outChannels, data: dy.data };
    const dcols = this.exp.backward(this.fc.backward(this.log.backward(g)));
    return this.col2im(dcols.data);
  }

  /** Patches as rows (batch·H′·W′) x (K·n_in), each entry scaled by the β-concatenation factor. */
  private im2col(x: Matrix): Matrix<Float64Array> {
    const { height: H, width: W, kernel: k, stride: s, padding: p, inChannels: C, outHeight: oH, outWidth: oW } = this;
    const KC = k * k * C;
    const out = new Float64Array(x.rows * oH * oW * KC);
    for (let b = 0; b < x.rows; b++) {
      for (let oy = 0; oy < oH; oy++) {
        for (let ox = 0; ox < oW; ox++) {
          const row = ((b * oH + oy) * oW + ox) * KC;
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s + ky - p;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s + kx - p;
              if (ix < 0 || ix >= W) continue;
              const src = b * H * W * C + (iy * W + ix) * C;
              const dst = row + (ky * k + kx) * C;
              for (let ch = 0; ch < C; ch++) out[dst + ch] = this.beta * x.data[src + ch]!;
            }
          }
        }
      }
    }
    return { rows: x.rows * oH * oW, cols: KC, data: out };
  }

  private col2im(d: Float64Array): Matrix<Float64Array> {
    const { height: H, width: W, kernel: k, stride: s, padding: p, inChannels: C, outHeight: oH, outWidth: oW } = this;
    const KC = k * k * C;
    const dx = new Float64Array(this.batch * H * W * C);
    for (let b = 0; b < this.batch; b++) {
      for (let oy = 0; oy < oH; oy++) {
        for (let ox = 0; ox < oW; ox++) {
          const row = ((b * oH + oy) * oW + ox) * KC;
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * s + ky - p;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * s + kx - p;
              if (ix < 0 || ix >= W) continue;
              const dst = b * H * W * C + (iy * W + ix) * C;
              const src = row + (ky * k + kx) * C;
              for (let ch = 0; ch < C; ch++) dx[dst + ch]! += this.beta * d[src + ch]!;
            }
          }
        }
      }
    }
    return { rows: this.batch, cols: H * W * C, data: dx };
  }

  /** Z ((k²·n_in) x n_out) and r (n_out) of the patch FC layer. */
  parameters(): Parameter[] {
    return this.fc.parameters();
  }

  zeroGrad(): void {
    this.fc.zeroGrad();
  }

  /** The state envelope: geometry and curvature as `config`, Z and r (bit-exact) as `state`. */
  toJSON(): PoincareConv2dJSON {
    const { inChannels, outChannels, height, width, kernel, stride, padding, c } = this;
    return moduleJSON('PoincareConv2d', { inChannels, outChannels, height, width, kernel, stride, padding, c }, { Z: this.fc.Z.data, r: this.fc.r });
  }

  /** Rebuilds from {@link PoincareConv2d.toJSON}; every field is checked (sizes, c > 0, lengths, finite entries). */
  static fromJSON(json: PoincareConv2dJSON): PoincareConv2d {
    const fn = 'PoincareConv2d.fromJSON';
    const rd = readModuleJSON(fn, 'PoincareConv2d', json);
    const c = rd.number('c');
    if (!(c > 0)) throw new DomainError(`${fn}: c must be > 0, got ${c}`);
    const l = new PoincareConv2d(rd.int('inChannels', 1), rd.int('outChannels', 1), {
      height: rd.int('height', 1),
      width: rd.int('width', 1),
      kernel: rd.int('kernel', 1),
      stride: rd.int('stride', 1),
      padding: rd.int('padding', 0),
      c,
      init: 'gaussian',
    });
    l.fc.Z.data.set(rd.f64('Z', { length: l.fc.Z.data.length, finite: true }));
    l.fc.r.set(rd.f64('r', { length: l.fc.r.length, finite: true }));
    return l;
  }
}
