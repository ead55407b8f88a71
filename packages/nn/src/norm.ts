import type { Matrix } from '@x/gpu';
import { checkFinite, checkNonNegative, checkOptions, checkSize } from '@x/gpu/checks';
import { envelope, readEnvelope } from './envelope';
import { checkGrad, checkInput, floatsFromJSON, type Module, type ModuleJSON, noForward, type Parameter } from './module';

/** Options of {@link RMSNorm} (and the shared part of {@link LayerNormOptions}). */
export interface NormOptions {
  /** Added to the variance (LayerNorm) or mean square (RMSNorm) before the square root. Default 1e-5 (LayerNorm), 1e-6 (RMSNorm). */
  eps?: number;
  /** Initial scale γ (length dim, copied); default all ones. */
  weight?: ArrayLike<number>;
  /** Name used in error messages. */
  name?: string;
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions extends NormOptions {
  /** `false`: no shift β (it is neither stored nor trained). An array: initial β. Default true (zeros). */
  bias?: boolean | ArrayLike<number>;
}

function checkEps(name: string, eps: number): number {
  return checkNonNegative(name, 'eps', eps);
}

/**
 * Layer normalization (Ba, Kiros & Hinton 2016, eq. 4) over each row of a batch x dim input:
 * y = (x - μ) / sqrt(σ² + eps) ⊙ γ + β with the row's mean μ and biased variance σ².
 *
 * backward: with x̂ the normalized row and g = dy ⊙ γ,
 * dx = (g - mean(g) - x̂ mean(g ⊙ x̂)) / sqrt(σ² + eps); dγ += Σ_rows dy ⊙ x̂, dβ += Σ_rows dy.
 * O(batch * dim) both ways.
 */
export class LayerNorm implements Module {
  readonly dim: number;
  readonly eps: number;
  readonly name: string;
  readonly weight: Float64Array;
  readonly bias: Float64Array | null;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array | null;
  private cache: { xhat: Float64Array; rstd: Float64Array; rows: number } | null = null;

  constructor(dim: number, opts: LayerNormOptions = {}) {
    opts = checkOptions('LayerNorm', opts, ['eps', 'weight', 'name', 'bias']);
    const name = opts.name ?? `LayerNorm(${dim})`;
    checkSize(name, 'dim', dim, 1);
    this.dim = dim;
    this.name = name;
    this.eps = checkEps(name, opts.eps ?? 1e-5);
    this.weight = opts.weight ? floatsFromJSON(name, 'weight', Array.from(opts.weight), dim) : new Float64Array(dim).fill(1);
    const b = opts.bias ?? true;
    this.bias = b === false ? null : b === true ? new Float64Array(dim) : floatsFromJSON(name, 'bias', Array.from(b), dim);
    this.weightGrad = new Float64Array(dim);
    this.biasGrad = this.bias ? new Float64Array(dim) : null;
  }

  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.dim);
    checkFinite(this.name, 'x', x);
    const { rows } = x;
    const d = this.dim;
    const xs = x.data;
    const xhat = new Float64Array(rows * d);
    const rstd = new Float64Array(rows);
    const out = new Float64Array(rows * d);
    const w = this.weight;
    const b = this.bias;
    for (let i = 0; i < rows; i++) {
      const o = i * d;
      let mu = 0;
      for (let j = 0; j < d; j++) mu += xs[o + j]!;
      mu /= d;
      let v = 0;
      for (let j = 0; j < d; j++) {
        const c = xs[o + j]! - mu;
        v += c * c;
      }
      const r = 1 / Math.sqrt(v / d + this.eps);
      rstd[i] = r;
      for (let j = 0; j < d; j++) {
        const h = (xs[o + j]! - mu) * r;
        xhat[o + j] = h;
        out[o + j] = h * w[j]! + (b ? b[j]! : 0);
      }
    }
    this.cache = { xhat, rstd, rows };
    return { rows, cols: d, data: out };
  }

  backward(dy: Matrix): Matrix {
    const c = this.cache;
    if (!c) throw noForward(this.name);
    checkGrad(this.name, dy, c.rows, this.dim);
    const d = this.dim;
    const g = dy.data;
    const dx = new Float64Array(c.rows * d);
    const w = this.weight;
    for (let i = 0; i < c.rows; i++) {
      const o = i * d;
      let mg = 0;
      let mgx = 0;
      for (let j = 0; j < d; j++) {
        const gj = g[o + j]! * w[j]!;
        mg += gj;
        mgx += gj * c.xhat[o + j]!;
        this.weightGrad[j]! += g[o + j]! * c.xhat[o + j]!;
        if (this.biasGrad) this.biasGrad[j]! += g[o + j]!;
      }
      mg /= d;
      mgx /= d;
      const r = c.rstd[i]!;
      for (let j = 0; j < d; j++) dx[o + j] = r * (g[o + j]! * w[j]! - mg - c.xhat[o + j]! * mgx);
    }
    return { rows: c.rows, cols: d, data: dx };
  }

  parameters(): Parameter[] {
    const ps: Parameter[] = [{ name: 'weight', value: this.weight, grad: this.weightGrad, shape: [this.dim] }];
    if (this.bias && this.biasGrad) ps.push({ name: 'bias', value: this.bias, grad: this.biasGrad, shape: [this.dim] });
    return ps;
  }

  zeroGrad(): void {
    this.weightGrad.fill(0);
    this.biasGrad?.fill(0);
  }

  /** `{ type: 'LayerNorm', version: 1, config: { dim, eps, bias, name }, state: { weight, bias? } }`. */
  toJSON(): ModuleJSON {
    const state: Record<string, Float64Array> = { weight: this.weight };
    if (this.bias) state.bias = this.bias;
    return envelope('LayerNorm', { dim: this.dim, eps: this.eps, bias: this.bias !== null, name: this.name }, state);
  }

  /** Rebuilds the layer from {@link LayerNorm.toJSON} output (exact values). */
  static fromJSON(json: ModuleJSON): LayerNorm {
    const { config, state } = readEnvelope('LayerNorm.fromJSON', 'LayerNorm', json);
    const dim = config.dim as number;
    return new LayerNorm(dim, {
      eps: config.eps as number,
      name: config.name as string | undefined,
      weight: floatsFromJSON('LayerNorm.fromJSON', 'weight', state.weight, dim),
      bias: config.bias === false ? false : floatsFromJSON('LayerNorm.fromJSON', 'bias', state.bias, dim),
    });
  }
}

/**
 * Root-mean-square normalization (Zhang & Sennrich 2019, eq. 4; the llama `LlamaRMSNorm`):
 * y = x / sqrt(mean(x²) + eps) ⊙ γ per row, no centering and no shift.
 *
 * backward: with r = 1 / sqrt(mean(x²) + eps) and g = dy ⊙ γ,
 * dx = r (g - x r² mean(g ⊙ x)); dγ += Σ_rows dy ⊙ x r. O(batch * dim).
 */
export class RMSNorm implements Module {
  readonly dim: number;
  readonly eps: number;
  readonly name: string;
  readonly weight: Float64Array;
  readonly weightGrad: Float64Array;
  private cache: { x: Matrix; r: Float64Array } | null = null;

  constructor(dim: number, opts: NormOptions = {}) {
    opts = checkOptions('RMSNorm', opts, ['eps', 'weight', 'name']);
    const name = opts.name ?? `RMSNorm(${dim})`;
    checkSize(name, 'dim', dim, 1);
    this.dim = dim;
    this.name = name;
    this.eps = checkEps(name, opts.eps ?? 1e-6);
    this.weight = opts.weight ? floatsFromJSON(name, 'weight', Array.from(opts.weight), dim) : new Float64Array(dim).fill(1);
    this.weightGrad = new Float64Array(dim);
  }

  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.dim);
    checkFinite(this.name, 'x', x);
    const { rows } = x;
    const d = this.dim;
    const xs = x.data;
    const r = new Float64Array(rows);
    const out = new Float64Array(rows * d);
    const w = this.weight;
    for (let i = 0; i < rows; i++) {
      const o = i * d;
      let ss = 0;
      for (let j = 0; j < d; j++) ss += xs[o + j]! * xs[o + j]!;
      const ri = 1 / Math.sqrt(ss / d + this.eps);
      r[i] = ri;
      for (let j = 0; j < d; j++) out[o + j] = xs[o + j]! * ri * w[j]!;
    }
    this.cache = { x, r };
    return { rows, cols: d, data: out };
  }

  backward(dy: Matrix): Matrix {
    const c = this.cache;
    if (!c) throw noForward(this.name);
    const rows = c.x.rows;
    checkGrad(this.name, dy, rows, this.dim);
    const d = this.dim;
    const g = dy.data;
    const xs = c.x.data;
    const w = this.weight;
    const dx = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) {
      const o = i * d;
      const ri = c.r[i]!;
      let m = 0;
      for (let j = 0; j < d; j++) {
        m += g[o + j]! * w[j]! * xs[o + j]!;
        this.weightGrad[j]! += g[o + j]! * xs[o + j]! * ri;
      }
      m /= d;
      const k = ri * ri * m;
      for (let j = 0; j < d; j++) dx[o + j] = ri * (g[o + j]! * w[j]! - xs[o + j]! * k);
    }
    return { rows, cols: d, data: dx };
  }

  parameters(): Parameter[] {
    return [{ name: 'weight', value: this.weight, grad: this.weightGrad, shape: [this.dim] }];
  }

  zeroGrad(): void {
    this.weightGrad.fill(0);
  }

  /** `{ type: 'RMSNorm', version: 1, config: { dim, eps, name }, state: { weight } }`. */
  toJSON(): ModuleJSON {
    return envelope('RMSNorm', { dim: this.dim, eps: this.eps, name: this.name }, { weight: this.weight });
  }

  /** Rebuilds the layer from {@link RMSNorm.toJSON} output (exact values). */
  static fromJSON(json: ModuleJSON): RMSNorm {
    const { config, state } = readEnvelope('RMSNorm.fromJSON', 'RMSNorm', json);
    const dim = config.dim as number;
    return new RMSNorm(dim, {
      eps: config.eps as number,
      name: config.name as string | undefined,
      weight: floatsFromJSON('RMSNorm.fromJSON', 'weight', state.weight, dim),
    });
  }
}
