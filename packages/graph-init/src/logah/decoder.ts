import { assertMatrix, DomainError, type EncodedArray, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkOptions, checkSeed, checkSize, describe } from '@x/gpu/checks';
import { Linear, type Module, type ModuleStateJSON, moduleJSON, type Parameter, prefixParameters, ReLU, readModuleJSON, Sequential } from '@x/nn';

/** Options of {@link LowRankDecoder}. */
export interface LowRankDecoderOptions {
  /** Embedding width of the graph network (hid). */
  hidden: number;
  /** Rank r of every predicted weight. */
  rank: number;
  /** Largest predicted side ck (c_out·k_out and c_in·k_in are sliced from a ck x ck matrix). */
  maxSide: number;
  seed?: number;
}

/**
 * What {@link LowRankDecoder.toJSON} returns: the `@x` state envelope, with the sizes as `config`
 * and every parameter (`mlp.0.weight`, ..., `head.bias`) as a bit-exact encoded array in `state`.
 */
export type LowRankDecoderJSON = ModuleStateJSON<'LowRankDecoder', { hidden: number; rank: number; maxSide: number }, Record<string, EncodedArray>>;

/**
 * Number of parameters of LoGAH's low-rank decoder: the MLP hid → 4hid → 8hid → 2r² (with
 * biases) plus the head Linear(r → ck): `(hid·4hid + 4hid) + (4hid·8hid + 8hid) + (8hid·2r² + 2r²)
 * + (r·ck + ck)`. The part that grows with the layer size is O(ck·r), against
 * O(max_out·max_in) for GHN-3's full-block decoder (Zhou et al., "LoGAH", 2024, §3.2).
 */
export function lowRankDecoderParameterCount(hidden: number, rank: number, maxSide: number): number {
  const fn = 'lowRankDecoderParameterCount';
  const h = checkSize(fn, 'hidden', hidden, 1);
  checkSize(fn, 'rank', rank, 1);
  checkSize(fn, 'maxSide', maxSide, 1);
  const r2 = 2 * rank * rank;
  return h * 4 * h + 4 * h + 4 * h * 8 * h + 8 * h + 8 * h * r2 + r2 + rank * maxSide + maxSide;
}

/**
 * LoGAH's low-rank parameter decoder (Zhou, Kotyan, Vargas & Knyazev, "LoGAH: Predicting
 * 774-Million-Parameter Transformers using Graph HyperNetworks with 1/100 Parameters", 2024;
 * ConvDecoder3LoRA of the reference code, restated in spec §6a). For each node embedding e:
 * 1. `MLP(hid → 4hid → 8hid → 2r²)` (ReLU between), reshaped to 2r x r;
 * 2. ReLU, then `Linear(r → ck)` on each of the 2r rows, giving 2r x ck;
 * 3. the same memory read as 2ck x r and split into A (ck x r) and B' (ck x r);
 * 4. `W = A B'ᵀ` (ck x ck), of rank <= r; {@link predictWeight} slices it to out x in.
 *
 * As a module, `forward(E)` maps E (nodes x hid) to the flattened W of each node
 * (nodes x ck²) and `backward(dW)` returns dE, accumulating every parameter gradient.
 * Cost per node O(hid² + hid·r² + r²·ck + ck²·r).
 */
export class LowRankDecoder implements Module {
  readonly hidden: number;
  readonly rank: number;
  readonly maxSide: number;
  readonly mlp: Sequential;
  readonly head: Linear;
  private readonly relu = new ReLU();
  private cache: { nodes: number; hp: Matrix; hh: Matrix } | null = null;

  constructor(opts: LowRankDecoderOptions) {
    const fn = 'LowRankDecoder';
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { hidden, rank, maxSide } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['hidden', 'rank', 'maxSide', 'seed']);
    const h = checkSize(fn, 'hidden', opts.hidden, 1);
    const r = checkSize(fn, 'rank', opts.rank, 1);
    const ck = checkSize(fn, 'maxSide', opts.maxSide, 1);
    checkAlloc(fn, 'the decoder MLP', 8 * h, Math.max(h, 2 * r * r));
    this.hidden = h;
    this.rank = r;
    this.maxSide = ck;
    const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
    this.mlp = new Sequential(
      new Linear(h, 4 * h, { seed: seed + 1, init: 'kaiming-uniform' }),
      new ReLU(),
      new Linear(4 * h, 8 * h, { seed: seed + 2, init: 'kaiming-uniform' }),
      new ReLU(),
      new Linear(8 * h, 2 * r * r, { seed: seed + 3, init: 'kaiming-uniform' }),
    );
    this.head = new Linear(r, ck, { seed: seed + 4, init: 'kaiming-uniform' });
  }

  forward(E: Matrix): Matrix<Float64Array> {
    assertMatrix('LowRankDecoder', 'E', E);
    if (E.cols !== this.hidden) throw new ShapeError(`LowRankDecoder: E is ${E.rows}x${E.cols}, expected nodes x ${this.hidden}`);
    const { rank: r, maxSide: ck } = this;
    const nodes = E.rows;
    const p = this.mlp.forward(E); // nodes x 2r²
    // Each node's 2r² outputs as 2r rows of length r: one (nodes·2r) x r matrix.
    const hp = this.relu.forward({ rows: nodes * 2 * r, cols: r, data: p.data });
    const hh = this.head.forward(hp); // (nodes·2r) x ck
    this.cache = { nodes, hp, hh };
    const out = new Float64Array(nodes * ck * ck);
    // Per node the 2r x ck block is reinterpreted as 2ck x r: A = rows [0, ck), B' = rows [ck, 2ck).
    for (let t = 0; t < nodes; t++) {
      const base = t * 2 * r * ck;
      const o = t * ck * ck;
      for (let i = 0; i < ck; i++) {
        for (let j = 0; j < ck; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += hh.data[base + i * r + k]! * hh.data[base + (ck + j) * r + k]!;
          out[o + i * ck + j] = s;
        }
      }
    }
    return { rows: nodes, cols: ck * ck, data: out };
  }

  backward(dW: Matrix): Matrix<Float64Array> {
    const c = this.cache;
    if (!c) throw new DomainError('LowRankDecoder: backward called before forward');
    const { rank: r, maxSide: ck } = this;
    if (dW.rows !== c.nodes || dW.cols !== ck * ck) throw new ShapeError(`LowRankDecoder: dW is ${dW.rows}x${dW.cols}, expected ${c.nodes}x${ck * ck}`);
    const dhh = new Float64Array(c.hh.data.length);
    for (let t = 0; t < c.nodes; t++) {
      const base = t * 2 * r * ck;
      const o = t * ck * ck;
      // W = A B'ᵀ: dA = dW B', dB' = dWᵀ A.
      for (let i = 0; i < ck; i++) {
        for (let j = 0; j < ck; j++) {
          const g = dW.data[o + i * ck + j]!;
          if (g === 0) continue;
          for (let k = 0; k < r; k++) {
            dhh[base + i * r + k]! += g * c.hh.data[base + (ck + j) * r + k]!;
            dhh[base + (ck + j) * r + k]! += g * c.hh.data[base + i * r + k]!;
          }
        }
      }
    }
    const dhp = this.head.backward({ rows: c.nodes * 2 * r, cols: ck, data: dhh });
    const dp = this.relu.backward(dhp);
    return this.mlp.backward({ rows: c.nodes, cols: 2 * r * r, data: dp.data }) as Matrix<Float64Array>;
  }

  parameters(): Parameter[] {
    return [...prefixParameters('mlp', this.mlp.parameters()), ...prefixParameters('head', this.head.parameters())];
  }

  zeroGrad(): void {
    this.mlp.zeroGrad();
    this.head.zeroGrad();
  }

  /** The state envelope: the sizes as `config`, every parameter by name (bit-exact) as `state`. */
  toJSON(): LowRankDecoderJSON {
    const params: Record<string, Float64Array> = {};
    for (const p of this.parameters()) params[p.name] = p.value;
    return moduleJSON('LowRankDecoder', { hidden: this.hidden, rank: this.rank, maxSide: this.maxSide }, params);
  }

  /**
   * Rebuilds a decoder from {@link LowRankDecoder.toJSON} (or the unversioned format of earlier
   * releases) with identical parameter values. Sizes must be positive integers and every
   * parameter present, of its length and finite; the first and last MLP weights and the head
   * are checked before anything is allocated, so sizes the arrays do not back are refused
   * (DomainError for a wrong type or value, ShapeError for a wrong length).
   */
  static fromJSON(json: LowRankDecoderJSON): LowRankDecoder {
    const fn = 'LowRankDecoder.fromJSON';
    const r = readModuleJSON(fn, 'LowRankDecoder', json);
    const hidden = r.int('hidden', 1);
    const rank = r.int('rank', 1);
    const maxSide = r.int('maxSide', 1);
    r.f64('mlp.0.weight', { length: 4 * hidden * hidden });
    r.f64('mlp.4.weight', { length: 2 * rank * rank * 8 * hidden });
    r.f64('head.weight', { length: maxSide * rank });
    const d = new LowRankDecoder({ hidden, rank, maxSide });
    for (const p of d.parameters()) p.value.set(r.f64(p.name, { length: p.value.length, finite: true }));
    return d;
  }
}
