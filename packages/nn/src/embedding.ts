import { assertMatrix, DomainError, type Matrix, randn, type Rng, ShapeError } from '@x/gpu';
import { checkNonNegative, checkOptions, checkRng, checkSize } from '@x/gpu/checks';
import { checkGrad, floatsFromJSON, type Module, type ModuleJSON, noForward, type Parameter } from './module';
import { envelope, readEnvelope } from './envelope';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Seed (or an @x/gpu `Rng`, advanced in place) for the N(0, std²) init. Default 0. */
  seed?: number | Rng;
  /** Standard deviation of the normal init (default 1, PyTorch's nn.Embedding; llama uses 0.02). */
  std?: number;
  /** Initial table, numEmbeddings x dim, row-major (copied). */
  weight?: ArrayLike<number>;
  /** Name used in error messages; default `Embedding(n, d)`. */
  name?: string;
}

/**
 * Lookup table: row `id` of a weight matrix (numEmbeddings x dim) per token.
 *
 * Input: any matrix of integer ids in [0, numEmbeddings); it is read row-major, so a batch of
 * B sequences of length T (B x T) gives a (B*T) x dim output, one row per token in sequence
 * order. backward(dy) scatters dy's rows into the weight gradient (dW[id] += dy[row]) and
 * returns a zero matrix of the input's shape (ids are not differentiable). O(tokens * dim).
 */
export class Embedding implements Module {
  readonly numEmbeddings: number;
  readonly dim: number;
  readonly name: string;
  /** numEmbeddings x dim; `weight.data` is the parameter storage. */
  readonly weight: Matrix<Float64Array>;
  readonly weightGrad: Float64Array;
  private ids: Int32Array | null = null;
  private inShape: [number, number] = [0, 0];

  constructor(numEmbeddings: number, dim: number, opts: EmbeddingOptions = {}) {
    opts = checkOptions('Embedding', opts, ['seed', 'std', 'weight', 'name']);
    const name = opts.name ?? `Embedding(${numEmbeddings}, ${dim})`;
    checkSize(name, 'numEmbeddings', numEmbeddings, 1);
    checkSize(name, 'dim', dim, 1);
    this.numEmbeddings = numEmbeddings;
    this.dim = dim;
    this.name = name;
    const n = numEmbeddings * dim;
    let w: Float64Array;
    if (opts.weight !== undefined) w = floatsFromJSON(name, 'weight', Array.from(opts.weight), n);
    else {
      const std = checkNonNegative(name, 'std', opts.std ?? 1);
      const r = checkRng(name, 'seed', opts.seed ?? 0);
      w = randn(numEmbeddings, dim, r, std).data;
    }
    this.weight = { rows: numEmbeddings, cols: dim, data: w };
    this.weightGrad = new Float64Array(n);
  }

  /** Checks and copies the ids (row-major); DomainError naming the layer for a non-integer or out-of-range id. */
  private readIds(x: Matrix): Int32Array {
    assertMatrix(this.name, 'ids', x);
    const d = x.data;
    const ids = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.numEmbeddings) {
        throw new DomainError(`${this.name}: id ${i} is ${v}; ids must be integers in [0, ${this.numEmbeddings})`);
      }
      ids[i] = v;
    }
    return ids;
  }

  forward(x: Matrix): Matrix {
    const ids = this.readIds(x);
    const d = this.dim;
    const out = new Float64Array(ids.length * d);
    const w = this.weight.data;
    for (let t = 0; t < ids.length; t++) out.set(w.subarray(ids[t]! * d, ids[t]! * d + d), t * d);
    this.ids = ids;
    this.inShape = [x.rows, x.cols];
    return { rows: ids.length, cols: d, data: out };
  }

  backward(dy: Matrix): Matrix {
    const ids = this.ids;
    if (!ids) throw noForward(this.name);
    checkGrad(this.name, dy, ids.length, this.dim);
    const d = this.dim;
    const g = this.weightGrad;
    const src = dy.data;
    for (let t = 0; t < ids.length; t++) {
      const o = ids[t]! * d;
      const s = t * d;
      for (let j = 0; j < d; j++) g[o + j]! += src[s + j]!;
    }
    return { rows: this.inShape[0], cols: this.inShape[1], data: new Float64Array(this.inShape[0] * this.inShape[1]) };
  }

  parameters(): Parameter[] {
    return [{ name: 'weight', value: this.weight.data, grad: this.weightGrad, shape: [this.numEmbeddings, this.dim] }];
  }

  zeroGrad(): void {
    this.weightGrad.fill(0);
  }

  /** `{ type: 'Embedding', version: 1, config, state: { weight } }`. */
  toJSON(): ModuleJSON {
    return envelope('Embedding', { numEmbeddings: this.numEmbeddings, dim: this.dim, name: this.name }, { weight: this.weight.data });
  }

  /** Rebuilds the layer from {@link Embedding.toJSON} output (exact values). */
  static fromJSON(json: ModuleJSON): Embedding {
    const { config, state } = readEnvelope('Embedding.fromJSON', 'Embedding', json);
    const n = config.numEmbeddings as number;
    const d = config.dim as number;
    return new Embedding(n, d, { name: config.name as string | undefined, weight: floatsFromJSON('Embedding.fromJSON', 'weight', state.weight, n * d) });
  }
}

/** Throws a ShapeError naming `layer` unless the rows of `x` split into whole sequences of `seqLen`. */
export function sequencesOf(layer: string, rows: number, seqLen: number | undefined): { batch: number; T: number } {
  const T = seqLen ?? rows;
  if (!Number.isInteger(T) || T < 1 || rows % T !== 0) {
    throw new ShapeError(`${layer}: ${rows} rows do not split into sequences of length ${T} (rows must be batch * seqLen)`);
  }
  return { batch: rows / T, T };
}
