import { DomainError, type EncodedArray, type Matrix } from '@x/gpu';
import { checkAlloc, checkFinite, checkOptions, checkPositive, checkRng, checkShape, checkSize, describe } from '@x/gpu/checks';
import { Linear, type Module, type ModuleStateJSON, moduleJSON, type Parameter, ReLU, readModuleJSON, Sequential } from '@x/nn';

/** Options of {@link FourierFeatures}. */
export interface FourierFeaturesOptions {
  /** Standard deviation σ of the Gaussian frequencies B (default 10, Tancik et al.'s image choice for coordinates in [0, 1]). */
  sigma?: number;
  /** Seed of the frequency draw (default 0). */
  seed?: number;
  /** Explicit frequencies, features x inDim row-major (then `sigma` and `seed` are not used). */
  frequencies?: ArrayLike<number>;
  /** Name used in error messages; default `FourierFeatures(inDim, features)`. */
  name?: string;
}

/** What {@link FourierFeatures.toJSON} returns: the `@x` state envelope. */
export type FourierFeaturesJSON = ModuleStateJSON<'FourierFeatures', { name: string; inDim: number; features: number }, { frequencies: EncodedArray }>;

/**
 * Gaussian random Fourier features (Tancik et al., "Fourier Features Let Networks Learn High
 * Frequency Functions in Low Dimensional Domains", 2020): γ(v) = [cos(2π B v), sin(2π B v)] with
 * B (features x inDim) drawn once from N(0, σ²) and kept fixed (not a parameter, as in the paper).
 * A batch x inDim input gives batch x 2·features: the cosines first, then the sines.
 *
 * forward and backward (dL/dv = Σ_j 2π b_j (cos θ_j ∂L/∂sin_j − sin θ_j ∂L/∂cos_j), θ = 2π B v)
 * are O(batch · features · inDim).
 */
export class FourierFeatures implements Module {
  readonly inDim: number;
  readonly features: number;
  readonly name: string;
  /** B, features x inDim row-major: row j is the frequency vector b_j (cycles per unit). */
  readonly frequencies: Float64Array;
  private x: Matrix | null = null;
  private theta: Float64Array | null = null;

  constructor(inDim: number, features: number, opts: FourierFeaturesOptions = {}) {
    checkOptions('FourierFeatures', opts, ['sigma', 'seed', 'frequencies', 'name']);
    const name = opts.name ?? `FourierFeatures(${describe(inDim)}, ${describe(features)})`;
    if (typeof name !== 'string') throw new DomainError(`FourierFeatures: name must be a string, got ${describe(name)}`);
    checkSize(name, 'inDim', inDim, 1);
    checkSize(name, 'features', features, 1);
    const n = checkAlloc(name, 'the frequencies', features, inDim);
    checkAlloc(name, 'the output width', features, 2);
    this.inDim = inDim;
    this.features = features;
    this.name = name;
    if (opts.frequencies !== undefined) {
      const f = opts.frequencies;
      if (f === null || typeof f !== 'object' || typeof f.length !== 'number') throw new DomainError(`${name}: frequencies must be an array of ${n} numbers, got ${describe(f)}`);
      if (f.length !== n) throw new DomainError(`${name}: frequencies has ${f.length} values, expected features x inDim = ${n}`);
      this.frequencies = Float64Array.from(f);
      checkFinite(name, 'frequencies', this.frequencies);
    } else {
      const sigma = checkPositive(name, 'sigma', opts.sigma ?? 10);
      const g = checkRng(name, 'seed', opts.seed ?? 0);
      this.frequencies = new Float64Array(n);
      for (let i = 0; i < n; i++) this.frequencies[i] = sigma * g.normal();
      checkFinite(name, 'frequencies', this.frequencies, 'sigma is too large: the frequencies overflow');
    }
  }

  forward(x: Matrix): Matrix {
    checkShape(this.name, 'x', x, undefined, this.inDim);
    checkFinite(this.name, 'x', x);
    const { rows } = x;
    const d = this.inDim;
    const m = this.features;
    const B = this.frequencies;
    const theta = new Float64Array(rows * m);
    const y = new Float64Array(rows * 2 * m);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += B[j * d + k]! * x.data[r * d + k]!;
        const t = 2 * Math.PI * s;
        theta[r * m + j] = t;
        y[r * 2 * m + j] = Math.cos(t);
        y[r * 2 * m + m + j] = Math.sin(t);
      }
    }
    this.x = x;
    this.theta = theta;
    return { rows, cols: 2 * m, data: y };
  }

  backward(dy: Matrix): Matrix {
    const x = this.x;
    const theta = this.theta;
    if (!x || !theta) throw new DomainError(`${this.name}: backward called before forward (there is no cached input)`);
    const m = this.features;
    const d = this.inDim;
    checkShape(this.name, 'dy', dy, x.rows, 2 * m);
    checkFinite(this.name, 'dy', dy, 'gradients must be finite');
    const B = this.frequencies;
    const dx = new Float64Array(x.rows * d);
    for (let r = 0; r < x.rows; r++) {
      for (let j = 0; j < m; j++) {
        const t = theta[r * m + j]!;
        // d cos θ / dθ = −sin θ, d sin θ / dθ = cos θ, dθ/dv = 2π b_j.
        const g = 2 * Math.PI * (Math.cos(t) * dy.data[r * 2 * m + m + j]! - Math.sin(t) * dy.data[r * 2 * m + j]!);
        for (let k = 0; k < d; k++) dx[r * d + k]! += g * B[j * d + k]!;
      }
    }
    return { rows: x.rows, cols: d, data: dx };
  }

  /** None: the frequencies are fixed, as in Tancik et al. */
  parameters(): Parameter[] {
    return [];
  }

  zeroGrad(): void {}

  /** The state envelope: name and sizes as `config`, the frequencies (bit-exact) as `state`. */
  toJSON(): FourierFeaturesJSON {
    return moduleJSON('FourierFeatures', { name: this.name, inDim: this.inDim, features: this.features }, { frequencies: this.frequencies });
  }

  /** Rebuilds from {@link FourierFeatures.toJSON}; sizes, length and finiteness are checked. */
  static fromJSON(json: FourierFeaturesJSON): FourierFeatures {
    const fn = 'FourierFeatures.fromJSON';
    const r = readModuleJSON(fn, 'FourierFeatures', json);
    const inDim = r.int('inDim', 1);
    const features = r.int('features', 1);
    const frequencies = r.f64('frequencies', { length: inDim * features, finite: true });
    return new FourierFeatures(inDim, features, { frequencies, name: r.has('name') ? r.string('name') : undefined });
  }
}

/** Options of {@link fourierFeatureMlp}. */
export interface FourierFeatureMlpOptions {
  /** σ of the Gaussian frequencies (default 10). */
  sigma?: number;
  /** Seed of the frequencies and of the layers' init (default 0). */
  seed?: number;
}

/**
 * The Fourier-feature network of Tancik et al. (2020): {@link FourierFeatures} (m Gaussian
 * frequencies) then a ReLU MLP, layers `[2m, ...hidden, out]`, linear output. The Linear layers
 * use PyTorch's default init, U(±1/√fan_in) for weights and biases. The frequencies and the
 * layers' init come from one seeded stream, in that order. O(batch · Σ n_l n_{l+1}) per
 * pass.
 * @param layers `[in, m, hidden..., out]`: the input dimension, the number of frequencies m, at
 * least one hidden width, the output width.
 */
export function fourierFeatureMlp(layers: readonly number[], opts: FourierFeatureMlpOptions = {}): Sequential {
  const fn = 'fourierFeatureMlp';
  checkOptions(fn, opts, ['sigma', 'seed']);
  if (!Array.isArray(layers) || layers.length < 4) {
    throw new DomainError(`${fn}: layers must list at least 4 positive integer widths [in, features, hidden..., out], got ${describe(layers)}`);
  }
  for (let l = 0; l < layers.length; l++) checkSize(fn, `layers[${l}]`, layers[l], 1);
  const sigma = checkPositive(fn, 'sigma', opts.sigma ?? 10);
  const g = checkRng(fn, 'seed', opts.seed ?? 0);
  // One stream: the frequencies first, then each layer's weights and biases.
  const n = checkAlloc(fn, 'the frequencies', layers[0]!, layers[1]!);
  const frequencies = new Float64Array(n);
  for (let i = 0; i < n; i++) frequencies[i] = sigma * g.normal();
  const mods: Module[] = [new FourierFeatures(layers[0]!, layers[1]!, { frequencies, name: `${fn}.features` })];
  let width = 2 * layers[1]!;
  for (let l = 2; l < layers.length; l++) {
    const out = layers[l]!;
    mods.push(new Linear(width, out, { seed: g, init: 'kaiming-uniform', gain: 1 / Math.sqrt(3), biasInit: 'fan-in-uniform', name: `${fn}.${l - 1}` }));
    if (l + 1 < layers.length) mods.push(new ReLU());
    width = out;
  }
  return new Sequential(mods);
}
