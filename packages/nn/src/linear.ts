import { type Device, DomainError, type EncodedArray, gemmAccumulate, isMatrix, type Matrix, matmul, type Rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkNonNegative, checkOptions, checkRng, checkSize, describe } from '@x/gpu/checks';
import { type BiasInit, type InitOptions, type InitScheme, initBias, initWeight } from './init';
import {
  type AsyncContext,
  checkGrad,
  checkInput,
  floatsFromJSON,
  type Module,
  type ModuleStateJSON,
  moduleJSON,
  noForward,
  type Parameter,
  readModuleJSON,
} from './module';

const LINEAR_KEYS = ['seed', 'init', 'weight', 'bias', 'biasInit', 'device', 'deviceThreshold', 'name', 'gain'];

/** Options of {@link Linear}: seed, weight and bias initialization (or given weights), bias on/off, an optional device path and a name. */
export interface LinearOptions extends InitOptions {
  /** Seed (or an @x/gpu `Rng`, advanced in place) for the random init. Default 0. */
  seed?: number | Rng;
  /** Weight init scheme (see {@link InitScheme}); default `'xavier-uniform'`. Ignored when `weight` is given. */
  init?: InitScheme;
  /** Initial weight values, out x in (a Matrix or a row-major array); copied. */
  weight?: Matrix | ArrayLike<number>;
  /** `false`: no bias (it stays zero and is not a parameter). An array: initial bias values (copied). Default true. */
  bias?: boolean | ArrayLike<number>;
  /** Bias init when `bias` is true; default `'zeros'`. Drawn after the weight from the same stream. */
  biasInit?: BiasInit;
  /**
   * An @x/gpu device for `forwardAsync`/`backwardAsync`: products with at least
   * `deviceThreshold` multiply-adds run on it. The synchronous `forward`/`backward` always use
   * the CPU GEMM.
   */
  device?: Device;
  /** Smallest batch * in * out for which the device is used (default 262144 = 64^3). */
  deviceThreshold?: number;
  /** Name used in error messages; default `Linear(in, out)`. */
  name?: string;
}

/** What {@link Linear.toJSON} returns: the `@x` state envelope. */
export type LinearJSON = ModuleStateJSON<
  'Linear',
  { name: string; inFeatures: number; outFeatures: number; useBias: boolean },
  { weight: EncodedArray; bias: EncodedArray }
>;

/**
 * Fully connected layer: y = x Wᵀ + b for a batch x (batch x in), W (out x in), b (out).
 *
 * backward(dy): returns dx = dy W (batch x in) and accumulates dW += dyᵀ x, db += Σ_rows dy.
 * All three products use @x/gpu's blocked GEMM (O(batch * in * out) each); with a `device`, the
 * async pair sends large ones to it.
 */
export class Linear implements Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** out x in; `weight.data` is the parameter storage that optimizers update in place. */
  readonly weight: Matrix<Float64Array>;
  /** Length out; all zeros and not a parameter when the layer has no bias. */
  readonly bias: Float64Array;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;
  readonly useBias: boolean;
  readonly name: string;
  device: Device | undefined;
  deviceThreshold: number;
  private x: Matrix | null = null;
  private readonly params: Parameter[];

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    opts = checkOptions('Linear', opts, LINEAR_KEYS);
    if (opts.name !== undefined && typeof opts.name !== 'string') throw new DomainError(`Linear: name must be a string, got ${describe(opts.name)}`);
    const name = opts.name ?? `Linear(${describe(inFeatures)}, ${describe(outFeatures)})`;
    checkSize(name, 'inFeatures', inFeatures, 1);
    checkSize(name, 'outFeatures', outFeatures, 1);
    const n = checkAlloc(name, 'the weight', outFeatures, inFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.name = name;
    this.device = opts.device;
    this.deviceThreshold = opts.deviceThreshold === undefined ? 262144 : checkNonNegative(name, 'deviceThreshold', opts.deviceThreshold);
    const r = checkRng(name, 'seed', opts.seed ?? 0);

    let w: Float64Array;
    if (opts.weight !== undefined) {
      const given = opts.weight;
      if (isMatrix(given)) {
        if (given.rows !== outFeatures || given.cols !== inFeatures) {
          throw new ShapeError(`${name}: weight is ${given.rows}x${given.cols}, expected ${outFeatures}x${inFeatures} (out x in)`);
        }
        w = Float64Array.from(given.data);
      } else {
        if (given === null || typeof given !== 'object' || typeof (given as ArrayLike<number>).length !== 'number') {
          throw new DomainError(`${name}: weight must be a Matrix or an array of ${n} numbers, got ${describe(given)}`);
        }
        w = floatsFromJSON(name, 'weight', Array.from(given), n);
      }
      checkFinite(name, 'weight', w, 'weights must be finite');
    } else {
      w = initWeight(outFeatures, inFeatures, opts.init ?? 'xavier-uniform', r, opts.gain === undefined ? {} : { gain: opts.gain });
    }
    this.weight = { rows: outFeatures, cols: inFeatures, data: w };

    const b = opts.bias ?? true;
    this.useBias = b !== false;
    if (typeof b === 'boolean') this.bias = b ? initBias(outFeatures, inFeatures, opts.biasInit ?? 'zeros', r) : new Float64Array(outFeatures);
    else {
      if (b === null || typeof b !== 'object' || typeof (b as ArrayLike<number>).length !== 'number') {
        throw new DomainError(`${name}: bias must be true, false or an array of ${outFeatures} numbers, got ${describe(b)}`);
      }
      this.bias = floatsFromJSON(name, 'bias', Array.from(b), outFeatures);
      checkFinite(name, 'bias', this.bias, 'weights must be finite');
    }

    this.weightGrad = new Float64Array(n);
    this.biasGrad = new Float64Array(outFeatures);
    this.params = [{ name: 'weight', value: w, grad: this.weightGrad, shape: [outFeatures, inFeatures] }];
    if (this.useBias) this.params.push({ name: 'bias', value: this.bias, grad: this.biasGrad, shape: [outFeatures] });
  }

  /** y = x Wᵀ + b. Keeps a reference to `x` for backward (do not mutate it before then). */
  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.inFeatures, `weight is ${this.outFeatures}x${this.inFeatures}`);
    const y = matmul(x, this.weight, { transB: true });
    if (this.addBias(y) !== 0) this.refuseNonFinite(x);
    this.x = x;
    return y;
  }

  /** dx = dy W; accumulates dW += dyᵀ x and db += column sums of dy. */
  backward(dy: Matrix): Matrix {
    const x = this.x;
    if (!x) throw noForward(this.name);
    checkGrad(this.name, dy, x.rows, this.outFeatures);
    if (this.accumulateBiasGrad(dy) !== 0) {
      // Undo the bias gradient of this call, then name the bad entry.
      if (this.useBias) subtractColumnSums(this.biasGrad, dy);
      checkFinite(this.name, 'dy', dy, 'gradients must be finite');
    }
    const dx = matmul(dy, this.weight);
    // dW += dyᵀ x straight into the gradient buffer (the GEMM core accumulates; no temporary).
    gemmAccumulate(
      this.outFeatures,
      this.inFeatures,
      x.rows,
      { data: dy.data, off: 0, rs: 1, cs: dy.cols },
      { data: x.data, off: 0, rs: x.cols, cs: 1 },
      this.weightGrad,
      this.inFeatures,
    );
    return dx;
  }

  /** {@link forward} with the product on `this.device ?? ctx.device` when it is large enough. */
  async forwardAsync(x: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    checkInput(this.name, 'x', x, this.inFeatures, `weight is ${this.outFeatures}x${this.inFeatures}`);
    const dev = this.pickDevice(x.rows, ctx);
    if (!dev) return this.forward(x);
    const y = await dev.matmul(x, this.weight, { transB: true });
    if (this.addBias(y) !== 0) this.refuseNonFinite(x);
    this.x = x;
    return y;
  }

  /** {@link backward} with both products on the device when they are large enough. */
  async backwardAsync(dy: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    const x = this.x;
    if (!x) throw noForward(this.name);
    checkGrad(this.name, dy, x.rows, this.outFeatures);
    const dev = this.pickDevice(x.rows, ctx);
    if (!dev) return this.backward(dy);
    if (this.accumulateBiasGrad(dy) !== 0) {
      if (this.useBias) subtractColumnSums(this.biasGrad, dy);
      checkFinite(this.name, 'dy', dy, 'gradients must be finite');
    }
    const [dx, gw] = await Promise.all([dev.matmul(dy, this.weight), dev.matmul(dy, x, { transA: true })]);
    const g = this.weightGrad;
    const d = gw.data;
    for (let i = 0; i < g.length; i++) g[i]! += d[i]!;
    return dx;
  }

  parameters(): Parameter[] {
    return this.params.slice();
  }

  zeroGrad(): void {
    this.weightGrad.fill(0);
    this.biasGrad.fill(0);
  }

  /** The state envelope: sizes, flag and name as `config`, weight and bias (bit-exact) as `state`. */
  toJSON(): LinearJSON {
    return moduleJSON(
      'Linear',
      { name: this.name, inFeatures: this.inFeatures, outFeatures: this.outFeatures, useBias: this.useBias },
      { weight: this.weight.data, bias: this.bias },
    );
  }

  /**
   * Rebuilds a layer from {@link Linear.toJSON} output (exact values), or from the unversioned
   * format of earlier releases. Every field is checked: sizes are positive integers, weight and
   * bias have the implied lengths and finite entries (a DomainError or ShapeError names the field).
   */
  static fromJSON(json: LinearJSON, opts: Pick<LinearOptions, 'device' | 'deviceThreshold'> = {}): Linear {
    const r = readModuleJSON('Linear.fromJSON', 'Linear', json);
    const inF = r.int('inFeatures', 1);
    const outF = r.int('outFeatures', 1);
    const useBias = r.has('useBias') ? r.bool('useBias') : true;
    const w = r.f64('weight', { length: inF * outF, finite: true });
    return new Linear(inF, outF, {
      ...opts,
      name: r.has('name') ? r.string('name') : undefined,
      weight: w,
      bias: useBias ? r.f64('bias', { length: outF, finite: true }) : false,
    });
  }

  private pickDevice(batch: number, ctx: AsyncContext | undefined): Device | undefined {
    const dev = this.device ?? ctx?.device;
    if (!dev) return undefined;
    return batch * this.inFeatures * this.outFeatures >= this.deviceThreshold ? dev : undefined;
  }

  /**
   * Adds the bias to y in place and returns Σ (y - y) over the result, in the same pass: 0 when
   * every entry is finite, NaN otherwise (NaN and ±Infinity in x or the weights reach y).
   */
  private addBias(y: Matrix): number {
    const out = this.outFeatures;
    const d = y.data;
    const b = this.bias;
    let bad = 0;
    if (!this.useBias) {
      for (let i = 0; i < d.length; i++) bad += d[i]! - d[i]!;
      return bad;
    }
    for (let i = 0; i < y.rows; i++) {
      const o = i * out;
      for (let j = 0; j < out; j++) {
        const v = d[o + j]! + b[j]!;
        d[o + j] = v;
        bad += v - v;
      }
    }
    return bad;
  }

  /**
   * Names the non-finite entry (input, weight, bias) behind a non-finite output. With all of
   * them finite the product overflowed; ±Infinity is then the right value and it returns.
   */
  private refuseNonFinite(x: Matrix): void {
    checkFinite(this.name, 'x', x);
    checkFinite(this.name, 'weight', this.weight, 'weights must be finite');
    checkFinite(this.name, 'bias', this.bias, 'weights must be finite');
  }

  /** Adds the column sums of dy to the bias gradient; returns Σ (dy - dy): 0 when dy is finite. */
  private accumulateBiasGrad(dy: Matrix): number {
    const out = this.outFeatures;
    const d = dy.data;
    let bad = 0;
    if (!this.useBias) {
      for (let i = 0; i < d.length; i++) bad += d[i]! - d[i]!;
      return bad;
    }
    const g = this.biasGrad;
    for (let i = 0; i < dy.rows; i++) {
      const o = i * out;
      for (let j = 0; j < out; j++) {
        const v = d[o + j]!;
        g[j]! += v;
        bad += v - v;
      }
    }
    return bad;
  }
}

/** g -= column sums of dy (undoes {@link Linear}'s bias-gradient accumulation). */
function subtractColumnSums(g: Float64Array, dy: Matrix): void {
  for (let i = 0; i < dy.rows; i++) for (let j = 0; j < dy.cols; j++) g[j]! -= dy.data[i * dy.cols + j]!;
}
