import { assertMatrix, DomainError, type Matrix, matmul, rng, ShapeError } from '@x/gpu';
import type { Module, ModuleJSON, Parameter } from '@x/nn';
import { type Csr, csrTranspose, spmm } from './csr';

/** A trainable tensor: @x/nn's `Parameter`. */
export type GraphParameter = Parameter;

/** Options of {@link GcnLayer}. */
export interface GcnLayerOptions {
  /** Seed of the weight draw (default 0). */
  seed?: number;
  /**
   * Weight variance; weights are drawn `U(±√(3·variance))` as in Virgo's code (spec §5a).
   * Default `1/inFeatures` (LeCun). Use {@link virgoInit}, {@link kaimingVariance} or
   * {@link xavierVariance} to pick it.
   */
  variance?: number;
  /** Explicit weights (out x in), copied; overrides `variance`. */
  weight?: Matrix;
  /** Add a bias (default false: Virgo's analysis assumes none). */
  bias?: boolean;
}

/**
 * One graph-convolution layer `Y = Â X Wᵀ (+ b)` (Kipf & Welling 2017, eq. 2, without the
 * nonlinearity), with `Â` a sparse CSR propagation matrix (usually {@link normalizedAdjacency}).
 * Rows of X are nodes. Implements @x/nn's module interface: `backward(dY)` returns
 * `dX = Âᵀ dY W` and adds `dW = dYᵀ (Â X)`, `db = 1ᵀ dY` into the parameter gradients.
 * Cost per pass: O(nnz·min(in, out) + N·in·out).
 */
export class GcnLayer implements Module {
  readonly adjacency: Csr;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** out x in, row-major; shares storage with `parameters()[0].value`. */
  readonly weight: Matrix<Float64Array>;
  readonly bias: Float64Array | null;
  private readonly gW: Float64Array;
  private readonly gB: Float64Array | null;
  private readonly adjT: Csr;
  private cachedAX: Matrix<Float64Array> | null = null;

  constructor(adjacency: Csr, inFeatures: number, outFeatures: number, opts: GcnLayerOptions = {}) {
    if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new DomainError(`GcnLayer: feature sizes must be positive integers, got ${inFeatures} -> ${outFeatures}`);
    }
    this.adjacency = adjacency;
    this.adjT = csrTranspose(adjacency);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const w = new Float64Array(inFeatures * outFeatures);
    if (opts.weight) {
      assertMatrix('GcnLayer', 'weight', opts.weight);
      if (opts.weight.rows !== outFeatures || opts.weight.cols !== inFeatures) {
        throw new ShapeError(`GcnLayer: weight is ${opts.weight.rows}x${opts.weight.cols}, expected ${outFeatures}x${inFeatures}`);
      }
      w.set(opts.weight.data);
    } else {
      const v = opts.variance ?? 1 / inFeatures;
      if (!(v >= 0) || !Number.isFinite(v)) throw new DomainError(`GcnLayer: variance must be finite and >= 0, got ${v}`);
      rng(opts.seed ?? 0).fillUniform(w, -Math.sqrt(3 * v), Math.sqrt(3 * v));
    }
    this.weight = { rows: outFeatures, cols: inFeatures, data: w };
    this.gW = new Float64Array(w.length);
    this.bias = opts.bias ? new Float64Array(outFeatures) : null;
    this.gB = opts.bias ? new Float64Array(outFeatures) : null;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    assertMatrix('GcnLayer', 'x', x);
    if (x.rows !== this.adjacency.n || x.cols !== this.inFeatures) {
      throw new ShapeError(`GcnLayer: x is ${x.rows}x${x.cols}, expected ${this.adjacency.n}x${this.inFeatures} (nodes x features)`);
    }
    const ax = spmm(this.adjacency, x);
    this.cachedAX = ax;
    const y = matmul(ax, this.weight, { transB: true }) as Matrix<Float64Array>;
    if (this.bias) {
      const o = this.outFeatures;
      for (let i = 0; i < y.rows; i++) for (let j = 0; j < o; j++) y.data[i * o + j]! += this.bias[j]!;
    }
    return y;
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const ax = this.cachedAX;
    if (!ax) throw new DomainError('GcnLayer: backward called before forward');
    assertMatrix('GcnLayer', 'dy', dy);
    if (dy.rows !== ax.rows || dy.cols !== this.outFeatures) {
      throw new ShapeError(`GcnLayer: dy is ${dy.rows}x${dy.cols}, expected ${ax.rows}x${this.outFeatures}`);
    }
    const gw = matmul(dy, ax, { transA: true });
    for (let i = 0; i < this.gW.length; i++) this.gW[i]! += gw.data[i]!;
    if (this.gB) {
      const o = this.outFeatures;
      for (let i = 0; i < dy.rows; i++) for (let j = 0; j < o; j++) this.gB[j]! += dy.data[i * o + j]!;
    }
    return spmm(this.adjT, matmul(dy, this.weight));
  }

  parameters(): GraphParameter[] {
    const ps: GraphParameter[] = [{ name: 'weight', value: this.weight.data, grad: this.gW, shape: [this.outFeatures, this.inFeatures] }];
    if (this.bias && this.gB) ps.push({ name: 'bias', value: this.bias, grad: this.gB, shape: [this.outFeatures] });
    return ps;
  }

  zeroGrad(): void {
    this.gW.fill(0);
    this.gB?.fill(0);
  }

  toJSON(): ModuleJSON {
    const a = this.adjacency;
    return {
      type: 'GcnLayer',
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      weight: Array.from(this.weight.data),
      bias: this.bias ? Array.from(this.bias) : null,
      adjacency: { n: a.n, indptr: Array.from(a.indptr), indices: Array.from(a.indices), values: Array.from(a.values) },
    };
  }

  static fromJSON(json: unknown): GcnLayer {
    const j = json as {
      type?: string;
      inFeatures: number;
      outFeatures: number;
      weight: number[];
      bias: number[] | null;
      adjacency: { n: number; indptr: number[]; indices: number[]; values: number[] };
    };
    if (!j || j.type !== 'GcnLayer') throw new DomainError('GcnLayer.fromJSON: not a GcnLayer snapshot');
    const a = j.adjacency;
    const adj: Csr = { n: a.n, indptr: Int32Array.from(a.indptr), indices: Int32Array.from(a.indices), values: Float64Array.from(a.values) };
    const layer = new GcnLayer(adj, j.inFeatures, j.outFeatures, {
      weight: { rows: j.outFeatures, cols: j.inFeatures, data: Float64Array.from(j.weight) },
      bias: j.bias !== null,
    });
    if (j.bias && layer.bias) layer.bias.set(j.bias);
    return layer;
  }
}
