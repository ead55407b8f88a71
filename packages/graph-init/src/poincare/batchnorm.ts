import { assertMatrix, DomainError, type EncodedArray, type Matrix, ShapeError, type StateReader } from '@x/gpu';
import { checkFinite, checkOptions, checkPositive, checkSize, checkUnit } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { expMapRaw, logMapRaw } from './ball';
import { ExpMap0, LogMap0 } from './maps-layer';
import { poincareMidpoint } from './midpoint';
import { gyrationInto, gyrationVjp, midpointVjp, mobiusAddInto, mobiusAddVjp, mobiusScaleInto, mobiusScaleVjp, sqDistVjp } from './vjp';

/** Variance floor of the rescaling √(γ/(σ² + ε)) (the paper's code uses 1e-6). */
const VAR_EPS = 1e-6;

/** Options of {@link PoincareBatchNorm}. */
export interface PoincareBatchNormLayerOptions {
  /** Curvature −c (c > 0; default 1). */
  c?: number;
  /** Weight η of the batch statistics in the running ones (default 0.1, PyTorch's convention). */
  momentum?: number;
}

/** What {@link PoincareBatchNorm.toJSON} returns: the `@x` state envelope. */
export type PoincareBatchNormJSON = ModuleStateJSON<
  'PoincareBatchNorm',
  { channels: number; c: number; momentum: number },
  { mean: EncodedArray; variance: EncodedArray; runningMean: EncodedArray; runningVariance: EncodedArray }
>;

/**
 * Trainable Poincaré batch normalisation (van Spengler et al., "Poincaré ResNet", ICCV 2023, §4.2,
 * after Lou et al. 2020). Input rows are tangent vectors at the origin, batch x (m·channels): every
 * group of `channels` entries is one point x_i = exp_0(t_i) (m = 1 for vectors, H·W for feature
 * maps). In training mode, μ = gyromidpoint of all N = batch·m points ({@link poincareMidpoint},
 * the paper's default over the iterative Fréchet mean), σ² = (1/N) Σ d(μ, x_i)², and each point
 * becomes `exp_β(√(γ/(σ² + 1e−6)) · PT_{μ→β}(log_μ x_i))`, computed as the equal
 * `β ⊕ gyr[β, −μ](s ⊗ ((−μ) ⊕ x_i))`; the output is its log_0. Trainable: the tangent `mean`
 * (β = exp_0(mean), starts at 0) and the scalar `variance` γ (starts at 1). Running statistics
 * (the mean moved along the geodesic towards μ by η, the variance averaged with weight η) replace
 * μ and σ² in eval mode (`eval()`). backward differentiates through μ and σ² (training) and
 * returns dx. O(N · channels) per pass.
 */
export class PoincareBatchNorm implements Module {
  readonly channels: number;
  readonly c: number;
  readonly momentum: number;
  /** Tangent vector at the origin of the learned mean β = exp_0(mean). */
  readonly mean: Float64Array;
  /** The learned target variance γ (length 1; must stay > 0). */
  readonly variance: Float64Array;
  /** Running mean (a point of the ball) used in eval mode. */
  readonly runningMean: Float64Array;
  /** Running variance (length 1) used in eval mode. */
  readonly runningVariance: Float64Array;
  /** Training mode (default true): batch statistics, running ones updated. */
  training = true;
  private readonly gMean: Float64Array;
  private readonly gVar: Float64Array;
  private readonly exp: ExpMap0;
  private readonly log: LogMap0;
  private readonly expBeta: ExpMap0;
  private cache: { rows: number; cols: number; X: Float64Array; mu: Float64Array; sigma2: number; s: number; beta: Float64Array; training: boolean } | null = null;

  constructor(channels: number, opts: PoincareBatchNormLayerOptions = {}) {
    const fn = 'PoincareBatchNorm';
    this.channels = checkSize(fn, 'channels', channels, 1);
    checkOptions(fn, opts, ['c', 'momentum']);
    this.c = checkPositive(fn, 'c', opts.c ?? 1);
    this.momentum = checkUnit(fn, 'momentum', opts.momentum ?? 0.1, 0, 1, '[]');
    this.exp = new ExpMap0(this.c);
    this.log = new LogMap0(this.c);
    this.expBeta = new ExpMap0(this.c);
    this.mean = new Float64Array(channels);
    this.variance = Float64Array.of(1);
    this.runningMean = new Float64Array(channels);
    this.runningVariance = Float64Array.of(1);
    this.gMean = new Float64Array(channels);
    this.gVar = new Float64Array(1);
  }

  /** Switches to training mode (batch statistics); returns this. */
  train(): this {
    this.training = true;
    return this;
  }

  /** Switches to eval mode (running statistics, no updates); returns this. */
  eval(): this {
    this.training = false;
    return this;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareBatchNorm';
    assertMatrix(fn, 'x', x);
    const d = this.channels;
    if (x.rows < 1 || x.cols < d || x.cols % d !== 0) throw new ShapeError(`${fn}: x is ${x.rows}x${x.cols}, expected batch x (m·${d}) with batch >= 1`);
    checkFinite(fn, 'x', x);
    const gamma = this.variance[0]!;
    if (!(gamma > 0)) throw new DomainError(`${fn}: the variance parameter must stay > 0, got ${gamma} (lower the learning rate)`);
    const c = this.c;
    const N = (x.rows * x.cols) / d;
    const X = this.exp.forward({ rows: N, cols: d, data: x.data }).data;
    let mu: Float64Array;
    let sigma2 = 0;
    if (this.training) {
      mu = poincareMidpoint({ rows: N, cols: d, data: X }, c);
      const w = new Float64Array(d);
      const neg = new Float64Array(d);
      for (let j = 0; j < d; j++) neg[j] = -mu[j]!;
      for (let i = 0; i < N; i++) {
        mobiusAddInto(neg, X.subarray(i * d, (i + 1) * d), c, w);
        let n2 = 0;
        for (let j = 0; j < d; j++) n2 += w[j]! ** 2;
        sigma2 += ((2 / Math.sqrt(c)) * Math.atanh(Math.min(Math.sqrt(c * n2), 1 - 1e-16))) ** 2;
      }
      sigma2 /= N;
      const eta = this.momentum;
      const step = logMapRaw(this.runningMean, mu, c);
      for (let j = 0; j < d; j++) step[j]! *= eta;
      this.runningMean.set(expMapRaw(this.runningMean, step, c));
      this.runningVariance[0] = (1 - eta) * this.runningVariance[0]! + eta * sigma2;
    } else {
      mu = Float64Array.from(this.runningMean);
      sigma2 = this.runningVariance[0]!;
    }
    const beta = this.expBeta.forward({ rows: 1, cols: d, data: this.mean }).data;
    const s = Math.sqrt(gamma / (sigma2 + VAR_EPS));
    const Y = new Float64Array(N * d);
    const negMu = new Float64Array(d);
    for (let j = 0; j < d; j++) negMu[j] = -mu[j]!;
    const w = new Float64Array(d);
    const z = new Float64Array(d);
    const q = new Float64Array(d);
    for (let i = 0; i < N; i++) {
      mobiusAddInto(negMu, X.subarray(i * d, (i + 1) * d), c, w);
      mobiusScaleInto(s, w, c, z);
      gyrationInto(beta, negMu, z, c, q);
      mobiusAddInto(beta, q, c, Y.subarray(i * d, (i + 1) * d));
    }
    projectRows(Y, d, c);
    const out = this.log.forward({ rows: N, cols: d, data: Y });
    this.cache = { rows: x.rows, cols: x.cols, X, mu, sigma2, s, beta, training: this.training };
    return { rows: x.rows, cols: x.cols, data: out.data };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareBatchNorm';
    const k = this.cache;
    if (!k) throw new DomainError(`${fn}: backward called before forward`);
    assertMatrix(fn, 'dy', dy);
    if (dy.rows !== k.rows || dy.cols !== k.cols) throw new ShapeError(`${fn}: dy is ${dy.rows}x${dy.cols}, expected ${k.rows}x${k.cols}`);
    const d = this.channels;
    const c = this.c;
    const N = (k.rows * k.cols) / d;
    const { X, mu, s, beta } = k;
    const gY = this.log.backward({ rows: N, cols: d, data: dy.data }).data;
    const negMu = new Float64Array(d);
    for (let j = 0; j < d; j++) negMu[j] = -mu[j]!;
    const gX = new Float64Array(N * d);
    const gBeta = new Float64Array(d);
    const gNeg = new Float64Array(d);
    const w = new Float64Array(d);
    const z = new Float64Array(d);
    const q = new Float64Array(d);
    const gq = new Float64Array(d);
    const gz = new Float64Array(d);
    const gw = new Float64Array(d);
    let gs = 0;
    for (let i = 0; i < N; i++) {
      const xi = X.subarray(i * d, (i + 1) * d);
      mobiusAddInto(negMu, xi, c, w);
      mobiusScaleInto(s, w, c, z);
      gyrationInto(beta, negMu, z, c, q);
      gq.fill(0);
      gz.fill(0);
      gw.fill(0);
      mobiusAddVjp(beta, q, c, gY.subarray(i * d, (i + 1) * d), gBeta, gq);
      gyrationVjp(beta, negMu, z, c, gq, gBeta, gNeg, gz);
      gs += mobiusScaleVjp(s, w, c, gz, gw);
      mobiusAddVjp(negMu, xi, c, gw, gNeg, gX.subarray(i * d, (i + 1) * d));
    }
    const gamma = this.variance[0]!;
    // s = √(γ/(σ² + ε)).
    this.gVar[0]! += (gs * s) / (2 * gamma);
    const gMu = new Float64Array(d);
    for (let j = 0; j < d; j++) gMu[j] = -gNeg[j]!;
    if (k.training) {
      const gSigma2 = (-gs * s) / (2 * (k.sigma2 + VAR_EPS));
      const t1 = new Float64Array(d);
      const t2 = new Float64Array(d);
      const t3 = new Float64Array(d);
      for (let i = 0; i < N; i++) sqDistVjp(mu, X.subarray(i * d, (i + 1) * d), c, gSigma2 / N, gMu, gX.subarray(i * d, (i + 1) * d), t1, t2, t3);
      midpointVjp(X, N, d, c, gMu, gX);
    }
    const gm = this.expBeta.backward({ rows: 1, cols: d, data: gBeta }).data;
    for (let j = 0; j < d; j++) this.gMean[j]! += gm[j]!;
    const gT = this.exp.backward({ rows: N, cols: d, data: gX });
    return { rows: k.rows, cols: k.cols, data: gT.data };
  }

  /** `mean` (channels) and `variance` (1). */
  parameters(): Parameter[] {
    return [
      { name: 'mean', value: this.mean, grad: this.gMean, shape: [this.channels] },
      { name: 'variance', value: this.variance, grad: this.gVar, shape: [1] },
    ];
  }

  zeroGrad(): void {
    this.gMean.fill(0);
    this.gVar.fill(0);
  }

  /** The state envelope: channels, c and momentum as `config`; parameters and running statistics (bit-exact) as `state`. */
  toJSON(): PoincareBatchNormJSON {
    return moduleJSON(
      'PoincareBatchNorm',
      { channels: this.channels, c: this.c, momentum: this.momentum },
      { mean: this.mean, variance: this.variance, runningMean: this.runningMean, runningVariance: this.runningVariance },
    );
  }

  /** Rebuilds from {@link PoincareBatchNorm.toJSON}; every field is checked (sizes, c > 0, momentum in [0, 1], lengths, finite entries, the running mean inside the ball, variances > 0). */
  static fromJSON(json: PoincareBatchNormJSON): PoincareBatchNorm {
    const fn = 'PoincareBatchNorm.fromJSON';
    const rd = readModuleJSON(fn, 'PoincareBatchNorm', json);
    const c = rd.number('c');
    if (!(c > 0)) throw new DomainError(`${fn}: c must be > 0, got ${c}`);
    const l = new PoincareBatchNorm(rd.int('channels', 1), { c, momentum: rd.number('momentum', { min: 0, max: 1 }) });
    loadBatchNormState(fn, rd, '', l);
    return l;
  }
}

/**
 * Rows of Y pulled back to ‖y‖ <= (1 − 1e-5)/√c when rounding put them on or past the boundary
 * (float64 margin of spec §4a); the gradient treats this as the identity (it only acts there).
 */
function projectRows(Y: Float64Array, d: number, c: number): void {
  const maxN = (1 - 1e-5) / Math.sqrt(c);
  for (let o = 0; o < Y.length; o += d) {
    let n2 = 0;
    for (let j = 0; j < d; j++) n2 += Y[o + j]! ** 2;
    const n = Math.sqrt(n2);
    if (n > maxN) for (let j = 0; j < d; j++) Y[o + j]! *= maxN / n;
  }
}

/**
 * Reads the parameters and running statistics of `bn` from a state reader (keys `prefix` +
 * mean, variance, runningMean, runningVariance), checking lengths, finiteness, the running mean
 * inside the ball and variances > 0 / >= 0.
 */
export function loadBatchNormState(fn: string, rd: StateReader, prefix: string, bn: PoincareBatchNorm): void {
  bn.mean.set(rd.f64(`${prefix}mean`, { length: bn.channels, finite: true }));
  bn.variance.set(rd.f64(`${prefix}variance`, { length: 1, finite: true }));
  bn.runningMean.set(rd.f64(`${prefix}runningMean`, { length: bn.channels, finite: true }));
  bn.runningVariance.set(rd.f64(`${prefix}runningVariance`, { length: 1, finite: true }));
  let r2 = 0;
  for (const v of bn.runningMean) r2 += v * v;
  if (!(bn.c * r2 < 1)) throw new DomainError(`${fn}: ${prefix}runningMean is outside the Poincaré ball (c‖m‖² = ${bn.c * r2})`);
  if (!(bn.variance[0]! > 0) || !(bn.runningVariance[0]! >= 0)) throw new DomainError(`${fn}: ${prefix}variance must be > 0 and ${prefix}runningVariance >= 0, got ${bn.variance[0]} and ${bn.runningVariance[0]}`);
}
