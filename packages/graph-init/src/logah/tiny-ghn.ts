import { DomainError, type EncodedArray, type Matrix, matmul, } from '@x/gpu';
import { checkAlloc, checkOneOf, checkOptions, checkSeed, checkSize } from '@x/gpu/checks';
import { Linear, type ModuleStateJSON, moduleJSON, type Parameter, prefixParameters, ReLU, readModuleJSON, Sequential } from '@x/nn';
import { MLP_GRAPH_FEATURES, type MlpGraph } from './arch-graph';
import { LowRankDecoder } from './decoder';

/** One mean-aggregation message-passing layer `ReLU(X W_selfᵀ + (M X) W_nbrᵀ + b)`. */
class MeanAggLayer {
  readonly self: Linear;
  readonly nbr: Linear;
  private readonly relu = new ReLU();
  private M: Matrix | null = null;
  constructor(inF: number, outF: number, seed: number) {
    this.self = new Linear(inF, outF, { seed, init: 'kaiming-uniform' });
    this.nbr = new Linear(inF, outF, { seed: seed + 1, init: 'kaiming-uniform', bias: false });
  }
  forward(x: Matrix, M: Matrix): Matrix {
    this.M = M;
    const a = this.self.forward(x);
    const b = this.nbr.forward(matmul(M, x));
    const s = new Float64Array(a.data.length);
    for (let i = 0; i < s.length; i++) s[i] = a.data[i]! + b.data[i]!;
    return this.relu.forward({ rows: a.rows, cols: a.cols, data: s });
  }
  backward(dy: Matrix): Matrix {
    const g = this.relu.backward(dy);
    const dx = this.self.backward(g);
    const dmx = this.nbr.backward(g);
    const back = matmul(this.M!, dmx, { transA: true });
    for (let i = 0; i < dx.data.length; i++) dx.data[i]! += back.data[i]!;
    return dx;
  }
  parameters(): Parameter[] {
    return [...prefixParameters('self', this.self.parameters()), ...prefixParameters('nbr', this.nbr.parameters())];
  }
  zeroGrad(): void {
    this.self.zeroGrad();
    this.nbr.zeroGrad();
  }
}

/** Which weight decoder a {@link TinyGhn} uses. */
export type GhnDecoderKind = 'lowrank' | 'tile';

/**
 * What {@link TinyGhn.toJSON} returns: the `@x` state envelope, with the options as `config` and
 * every parameter (`gnn1.self.weight`, ..., `decoder.head.bias` or `block.4.bias`) as a bit-exact
 * encoded array in `state`.
 */
export type TinyGhnJSON = ModuleStateJSON<
  'TinyGhn',
  { hidden: number; decoder: GhnDecoderKind; rank: number; maxSide: number; block: number },
  Record<string, EncodedArray>
>;

/** Options of {@link TinyGhn}. */
export interface TinyGhnOptions {
  /** Embedding width (default 32). */
  hidden?: number;
  /** 'lowrank' (LoGAH: rank-r decoder up to ck) or 'tile' (GHN-3 style: an s x s block, tiled). */
  decoder?: GhnDecoderKind;
  /** LoGAH rank r (default 8). */
  rank?: number;
  /** LoGAH ck (default 64). */
  maxSide?: number;
  /** GHN-3 block side s (default 16). */
  block?: number;
  seed?: number;
}

/**
 * A tiny graph hypernetwork (spec §6d): two mean-aggregation GNN layers over an MLP's
 * computation graph ({@link mlpGraph}) produce node embeddings; each linear node's embedding is
 * decoded into that layer's weight, either by LoGAH's low-rank decoder (Zhou et al. 2024) sliced
 * to out x in, or GHN-3 style (Knyazev et al. 2023) as an s x s block tiled to out x in. The
 * weight is then fan-in normalised, `W·√(β/fan_in)` (β = 2 before a ReLU, 1 for the output).
 * Biases are not predicted (zero). `backward(dWs)` backpropagates loss gradients with respect to
 * the predicted weights into the hypernetwork's parameters.
 */
export class TinyGhn {
  readonly hidden: number;
  readonly kind: GhnDecoderKind;
  readonly rank: number;
  readonly maxSide: number;
  readonly block: number;
  private readonly g1: MeanAggLayer;
  private readonly g2: MeanAggLayer;
  private readonly lowrank: LowRankDecoder | null;
  private readonly blockMlp: Sequential | null;
  private cache: { graph: MlpGraph; decoded: Matrix } | null = null;

  constructor(opts: TinyGhnOptions = {}) {
    const fn = 'TinyGhn';
    checkOptions(fn, opts, ['hidden', 'decoder', 'rank', 'maxSide', 'block', 'seed']);
    this.hidden = checkSize(fn, 'hidden', opts.hidden ?? 32, 1);
    this.kind = checkOneOf(fn, 'decoder', opts.decoder ?? 'lowrank', ['lowrank', 'tile'] as const);
    this.rank = checkSize(fn, 'rank', opts.rank ?? 8, 1);
    this.maxSide = checkSize(fn, 'maxSide', opts.maxSide ?? 64, 1);
    this.block = checkSize(fn, 'block', opts.block ?? 16, 1);
    checkAlloc(fn, 'the decoded block', this.block, this.block, 8 * this.hidden);
    checkAlloc(fn, 'the low-rank decoder', this.maxSide, this.rank, this.hidden);
    const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
    const h = this.hidden;
    this.g1 = new MeanAggLayer(MLP_GRAPH_FEATURES, h, seed * 100 + 1);
    this.g2 = new MeanAggLayer(h, h, seed * 100 + 3);
    if (this.kind === 'lowrank') {
      this.lowrank = new LowRankDecoder({ hidden: h, rank: this.rank, maxSide: this.maxSide, seed: seed * 100 + 10 });
      this.blockMlp = null;
    } else if (this.kind === 'tile') {
      this.lowrank = null;
      const s2 = this.block * this.block;
      this.blockMlp = new Sequential(
        new Linear(h, 4 * h, { seed: seed * 100 + 20, init: 'kaiming-uniform' }),
        new ReLU(),
        new Linear(4 * h, 8 * h, { seed: seed * 100 + 21, init: 'kaiming-uniform' }),
        new ReLU(),
        new Linear(8 * h, s2, { seed: seed * 100 + 22, init: 'kaiming-uniform' }),
      );
    } else {
      throw new DomainError(`TinyGhn: decoder must be 'lowrank' or 'tile', got ${String(this.kind)}`);
    }
  }

  /** Side of the decoded square block: ck (low-rank) or s (tiling). */
  get side(): number {
    return this.kind === 'lowrank' ? this.maxSide : this.block;
  }

  /** Predicts the weight (out x in) of every linear layer of the MLP graph. */
  predict(graph: MlpGraph): Matrix<Float64Array>[] {
    const h1 = this.g1.forward(graph.features, graph.meanAdj);
    const h2 = this.g2.forward(h1, graph.meanAdj);
    const L = graph.linearNodes.length;
    const E = new Float64Array(L * this.hidden);
    for (let l = 0; l < L; l++) E.set(h2.data.subarray(graph.linearNodes[l]! * this.hidden, (graph.linearNodes[l]! + 1) * this.hidden), l * this.hidden);
    const Em = { rows: L, cols: this.hidden, data: E };
    const decoded = this.lowrank ? this.lowrank.forward(Em) : this.blockMlp!.forward(Em);
    this.cache = { graph, decoded };
    const s = this.side;
    const out: Matrix<Float64Array>[] = [];
    for (let l = 0; l < L; l++) {
      const fin = graph.widths[l]!;
      const fout = graph.widths[l + 1]!;
      const beta = l < L - 1 ? 2 : 1;
      const sc = Math.sqrt(beta / fin);
      const w = new Float64Array(fout * fin);
      const o = l * s * s;
      for (let i = 0; i < fout; i++) for (let j = 0; j < fin; j++) w[i * fin + j] = sc * decoded.data[o + (i % s) * s + (j % s)]!;
      out.push({ rows: fout, cols: fin, data: w });
    }
    return out;
  }

  /** Backpropagates dL/dW of each predicted weight (same shapes as {@link predict}'s output). */
  backward(dWs: readonly Matrix[]): void {
    const c = this.cache;
    if (!c) throw new DomainError('TinyGhn: backward called before predict');
    const { graph, decoded } = c;
    const s = this.side;
    const L = graph.linearNodes.length;
    const dDec = new Float64Array(decoded.data.length);
    for (let l = 0; l < L; l++) {
      const fin = graph.widths[l]!;
      const fout = graph.widths[l + 1]!;
      const sc = Math.sqrt((l < L - 1 ? 2 : 1) / fin);
      const o = l * s * s;
      const dW = dWs[l]!;
      // Slicing and tiling both map W[i][j] to block[i mod s][j mod s]: gradients add up.
      for (let i = 0; i < fout; i++) for (let j = 0; j < fin; j++) dDec[o + (i % s) * s + (j % s)]! += sc * dW.data[i * fin + j]!;
    }
    const dE = this.lowrank
      ? this.lowrank.backward({ rows: L, cols: s * s, data: dDec })
      : this.blockMlp!.backward({ rows: L, cols: s * s, data: dDec });
    const n = graph.features.rows;
    const dH2 = new Float64Array(n * this.hidden);
    for (let l = 0; l < L; l++) {
      const node = graph.linearNodes[l]!;
      for (let k = 0; k < this.hidden; k++) dH2[node * this.hidden + k]! += dE.data[l * this.hidden + k]!;
    }
    const dH1 = this.g2.backward({ rows: n, cols: this.hidden, data: dH2 });
    this.g1.backward(dH1);
  }

  parameters(): Parameter[] {
    const dec = this.lowrank ? prefixParameters('decoder', this.lowrank.parameters()) : prefixParameters('block', this.blockMlp!.parameters());
    return [...prefixParameters('gnn1', this.g1.parameters()), ...prefixParameters('gnn2', this.g2.parameters()), ...dec];
  }

  zeroGrad(): void {
    this.g1.zeroGrad();
    this.g2.zeroGrad();
    this.lowrank?.zeroGrad();
    this.blockMlp?.zeroGrad();
  }

  /** The state envelope: the options as `config`, every parameter by name (bit-exact) as `state`. */
  toJSON(): TinyGhnJSON {
    const params: Record<string, Float64Array> = {};
    for (const p of this.parameters()) params[p.name] = p.value;
    return moduleJSON('TinyGhn', { hidden: this.hidden, decoder: this.kind, rank: this.rank, maxSide: this.maxSide, block: this.block }, params);
  }

  /**
   * Rebuilds a hypernetwork from {@link TinyGhn.toJSON} (or the unversioned format of earlier
   * releases) with identical parameters. Sizes must be positive integers, `decoder` one of
   * 'lowrank' and 'tile', and every parameter present, of its length and finite; the arrays that
   * pin each size are checked before anything is allocated (DomainError for a wrong type or
   * value, ShapeError for a wrong length).
   */
  static fromJSON(json: TinyGhnJSON): TinyGhn {
    const fn = 'TinyGhn.fromJSON';
    const r = readModuleJSON(fn, 'TinyGhn', json);
    const hidden = r.int('hidden', 1);
    const decoder = r.string<GhnDecoderKind>('decoder', ['lowrank', 'tile']);
    const rank = r.int('rank', 1);
    const maxSide = r.int('maxSide', 1);
    const block = r.int('block', 1);
    r.f64('gnn2.self.weight', { length: hidden * hidden });
    if (decoder === 'lowrank') {
      r.f64('decoder.mlp.4.weight', { length: 2 * rank * rank * 8 * hidden });
      r.f64('decoder.head.weight', { length: maxSide * rank });
    } else {
      r.f64('block.4.weight', { length: block * block * 8 * hidden });
    }
    const g = new TinyGhn({ hidden, decoder, rank, maxSide, block });
    for (const p of g.parameters()) p.value.set(r.f64(p.name, { length: p.value.length, finite: true }));
    return g;
  }
}
