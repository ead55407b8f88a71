import { assertMatrix, DomainError, type Matrix, type MatrixData } from '@x/gpu';
import { checkFinite, checkNumber, checkOptions, checkPositive, describe } from '@x/gpu/checks';
import { erfcOf } from './erf';
import { checkGrad, type Module, type ModuleStateJSON, moduleJSON, noForward, type Parameter } from './module';

const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_TANH_C = 0.044715;

/**
 * Base of the parameter-free elementwise activations: y = f(x) applied to every entry, and
 * dx = f'(x) ⊙ dy. Output is float64 whatever the input dtype. O(size) time and memory.
 */
export abstract class Activation implements Module {
  /** The type tag written by toJSON. */
  abstract readonly type: string;
  protected x: Matrix | null = null;
  protected y: Matrix<Float64Array> | null = null;

  /**
   * Applies f to `x` into `y` (same length). Returns Σ (x - x) from the same pass: 0 when every
   * entry of x is finite, NaN otherwise.
   */
  protected abstract apply(x: MatrixData, y: Float64Array): number;
  /** dx = f'(x) ⊙ dy, with y = f(x) available when it is cheaper to use. Returns Σ (dy - dy). */
  protected abstract derivative(x: MatrixData, y: Float64Array, dy: MatrixData, dx: Float64Array): number;

  /** Name for error messages. */
  get name(): string {
    return this.type;
  }

  forward(x: Matrix): Matrix {
    assertMatrix(this.name, 'x', x);
    const y = { rows: x.rows, cols: x.cols, data: new Float64Array(x.data.length) };
    if (this.apply(x.data, y.data) !== 0) checkFinite(this.name, 'x', x);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Matrix): Matrix {
    const x = this.x;
    const y = this.y;
    if (!x || !y) throw noForward(this.name);
    checkGrad(this.name, dy, x.rows, x.cols);
    const dx = { rows: x.rows, cols: x.cols, data: new Float64Array(x.data.length) };
    if (this.derivative(x.data, y.data, dy.data, dx.data) !== 0) checkFinite(this.name, 'dy', dy, 'gradients must be finite');
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }

  zeroGrad(): void {}

  /** The activation's settings (its `config`); none by default. */
  protected config(): Record<string, number | string> {
    return {};
  }

  /** The state envelope: the settings as `config`, no state. */
  toJSON(): ActivationJSON {
    return moduleJSON(this.type, this.config(), {});
  }
}

/** What an {@link Activation}'s `toJSON()` returns: its type tag and settings (`approximate`, `beta`, `omega0`), no state. */
export type ActivationJSON = ModuleStateJSON<string, Record<string, number | string>, Record<string, never>>;

/** ReLU: max(0, x); derivative 1 for x > 0, else 0 (Nair & Hinton 2010). */
export class ReLU extends Activation {
  readonly type = 'ReLU';
  protected apply(x: MatrixData, y: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = Math.max(v, 0);
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const g = dy[i]!;
      dx[i] = x[i]! > 0 ? g : 0;
      bad += g - g;
    }
    return bad;
  }
}

/** Options of the GELU activation: `approximate` picks the tanh approximation instead of the exact erf form. */
export interface GELUOptions {
  /** `'none'` (default): the exact x Φ(x) with Φ via erf. `'tanh'`: the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * GELU (Hendrycks & Gimpel 2016): x Φ(x), Φ the standard normal CDF, computed from erfc so
 * that it stays accurate for large negative x; derivative Φ(x) + x φ(x). With
 * `approximate: 'tanh'`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (their eq. 2) and its
 * exact derivative.
 */
export class GELU extends Activation {
  readonly type = 'GELU';
  readonly approximate: 'none' | 'tanh';
  constructor(opts: GELUOptions = {}) {
    super();
    const a = checkOptions('GELU', opts, ['approximate']).approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new DomainError(`GELU: approximate must be 'none' or 'tanh', got ${describe(a)}`);
    this.approximate = a;
  }
  override get name(): string {
    return this.approximate === 'tanh' ? 'GELU(tanh)' : 'GELU';
  }
  protected apply(x: MatrixData, y: Float64Array): number {
    let bad = 0;
    if (this.approximate === 'tanh') {
      // 0.5 x (1 + tanh u) = x σ(2u) exactly; the σ form does not cancel for x << 0.
      for (let i = 0; i < y.length; i++) {
        const v = x[i]!;
        y[i] = v * sigmoidOf(2 * SQRT_2_OVER_PI * (v + GELU_TANH_C * v * v * v));
        bad += v - v;
      }
    } else {
      for (let i = 0; i < y.length; i++) {
        const v = x[i]!;
        y[i] = 0.5 * v * erfcOf(-v * INV_SQRT_2);
        bad += v - v;
      }
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    let bad = 0;
    if (this.approximate === 'tanh') {
      // d/dx x σ(2u) = σ(2u) + 2 x σ(2u) σ(-2u) u'
      for (let i = 0; i < dx.length; i++) {
        const v = x[i]!;
        const u2 = 2 * SQRT_2_OVER_PI * (v + GELU_TANH_C * v * v * v);
        const s = sigmoidOf(u2);
        const du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * v * v);
        dx[i] = dy[i]! * (s + 2 * v * s * sigmoidOf(-u2) * du);
        bad += dy[i]! - dy[i]!;
      }
    } else {
      for (let i = 0; i < dx.length; i++) {
        const v = x[i]!;
        const cdf = 0.5 * erfcOf(-v * INV_SQRT_2);
        const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        dx[i] = dy[i]! * (cdf + v * pdf);
        bad += dy[i]! - dy[i]!;
      }
    }
    return bad;
  }
  protected override config(): Record<string, number | string> {
    return { approximate: this.approximate };
  }
}

/** tanh(x); derivative sech^2(x) (not 1 - tanh^2, which cancels for |x| >~ 5). */
export class Tanh extends Activation {
  readonly type = 'Tanh';
  protected apply(x: MatrixData, y: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = Math.tanh(v);
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const c = Math.cosh(x[i]!);
      const g = dy[i]!;
      dx[i] = g / (c * c);
      bad += g - g;
    }
    return bad;
  }
}

/** The logistic sigmoid 1/(1+e^-x), evaluated without overflow for either sign. */
export function sigmoid(v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new DomainError(`sigmoid: v must be a number (±Infinity give the limits 1 and 0), got ${describe(v)}`);
  return sigmoidOf(v);
}

/**
 * {@link sigmoid} without the argument check (NaN in, NaN out): the activations check their
 * whole input after the pass, so a NaN is reported under the layer's name, not this helper's.
 */
function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Sigmoid σ(x) = 1/(1+e^-x), overflow-free for both signs; derivative σ(x) σ(-x) (= σ(1-σ) without cancellation). */
export class Sigmoid extends Activation {
  readonly type = 'Sigmoid';
  protected apply(x: MatrixData, y: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = sigmoidOf(v);
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const g = dy[i]!;
      dx[i] = g * y[i]! * sigmoidOf(-x[i]!);
      bad += g - g;
    }
    return bad;
  }
}

/** SiLU / swish: x σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017); derivative σ(x)(1 + x σ(-x)). */
export class SiLU extends Activation {
  readonly type = 'SiLU';
  protected apply(x: MatrixData, y: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = v * sigmoidOf(v);
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const v = x[i]!;
      const g = dy[i]!;
      dx[i] = g * sigmoidOf(v) * (1 + v * sigmoidOf(-v));
      bad += g - g;
    }
    return bad;
  }
}

/** Options of the softplus activation: its sharpness β. */
export interface SoftplusOptions {
  /** Sharpness β > 0 (default 1): softplus_β(x) = log(1 + e^{βx}) / β. */
  beta?: number;
}

/**
 * Softplus log(1 + e^{βx})/β, computed as (max(βx, 0) + log1p(e^{-|βx|}))/β so it neither
 * overflows nor loses digits; derivative σ(βx).
 */
export class Softplus extends Activation {
  readonly type = 'Softplus';
  readonly beta: number;
  constructor(opts: SoftplusOptions = {}) {
    super();
    this.beta = checkPositive('Softplus', 'beta', checkOptions('Softplus', opts, ['beta']).beta ?? 1);
  }
  protected apply(x: MatrixData, y: Float64Array): number {
    const b = this.beta;
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      const z = b * v;
      y[i] = (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / b;
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    const b = this.beta;
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const g = dy[i]!;
      dx[i] = g * sigmoidOf(b * x[i]!);
      bad += g - g;
    }
    return bad;
  }
  protected override config(): Record<string, number | string> {
    return { beta: this.beta };
  }
}

/** Options of the sine activation: the frequency factor ω0 (SIREN). */
export interface SineOptions {
  /** Frequency ω0 (default 30, SIREN's first-layer value). */
  omega0?: number;
}

/** SIREN's periodic activation sin(ω0 x) (Sitzmann et al. 2020, eq. 1); derivative ω0 cos(ω0 x). */
export class Sine extends Activation {
  readonly type = 'Sine';
  readonly omega0: number;
  constructor(opts: SineOptions = {}) {
    super();
    this.omega0 = checkNumber('Sine', 'omega0', checkOptions('Sine', opts, ['omega0']).omega0 ?? 30);
  }
  override get name(): string {
    return `Sine(omega0=${this.omega0})`;
  }
  protected apply(x: MatrixData, y: Float64Array): number {
    const w = this.omega0;
    let bad = 0;
    for (let i = 0; i < y.length; i++) {
      const v = x[i]!;
      y[i] = Math.sin(w * v);
      bad += v - v;
    }
    return bad;
  }
  protected derivative(x: MatrixData, _y: Float64Array, dy: MatrixData, dx: Float64Array): number {
    const w = this.omega0;
    let bad = 0;
    for (let i = 0; i < dx.length; i++) {
      const g = dy[i]!;
      dx[i] = g * w * Math.cos(w * x[i]!);
      bad += g - g;
    }
    return bad;
  }
  protected override config(): Record<string, number | string> {
    return { omega0: this.omega0 };
  }
}
