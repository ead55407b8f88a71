import { assertMatrix, DomainError, type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkBoolean, checkOptions, checkRng, describe } from '@x/gpu/checks';
import { LayerNorm, Linear, type LinearJSON, type Module, type ModuleJSON, type ModuleStateJSON, moduleJSON, type Parameter, prefixParameters, readModuleJSON } from '@x/nn';
import { checkInt } from './complex';
import { S4DLayer, type S4DLayerJSON, type S4DLayerOptions } from './s4d-layer';

/** Options of {@link S4DClassifier}. */
export interface S4DClassifierOptions extends Omit<S4DLayerOptions, 'channels' | 'glu' | 'seed'> {
  /** Features per time step of the input (default 1: a scalar sequence such as pixels). */
  inputDim?: number;
  /** Number of classes. */
  classes: number;
  /** Model width H (channels of every S4D block); default 64. */
  dModel?: number;
  /** Number of S4D blocks; default 4. */
  depth?: number;
  /**
   * Pre-norm blocks x + S4D(LayerNorm(x)) (default true), or post-norm LayerNorm(x + S4D(x))
   * (state-spaces/s4 `example.py`'s `prenorm` switch).
   */
  prenorm?: boolean;
  /** Seed (or Rng) of every initialization and dropout stream; default 0. */
  seed?: number | Rng;
}

/** The `config` of an {@link S4DClassifierJSON}. */
export interface S4DClassifierConfig {
  inputDim: number;
  classes: number;
  dModel: number;
  depth: number;
  prenorm: boolean;
}

/** What {@link S4DClassifier.toJSON} returns: the `@x` state envelope, sizes as `config`, the children's own envelopes as `state`. */
export type S4DClassifierJSON = ModuleStateJSON<'S4DClassifier', S4DClassifierConfig, { encoder: LinearJSON; norms: ModuleJSON[]; layers: S4DLayerJSON[]; decoder: LinearJSON }>;

/**
 * A deep S4D sequence classifier, the model of state-spaces/s4 `example.py` (sequential
 * CIFAR/MNIST): a position-wise linear encoder inputDim -> H, `depth` residual blocks, each an
 * {@link S4DLayer} with s4's output block (GELU, dropout, linear H -> 2H, GLU) and a LayerNorm
 * (pre-norm x + S4D(LN(x)) or post-norm LN(x + S4D(x))), mean pooling over time and a linear
 * decoder H -> classes. Input: one sequence per row, time-major (column t·inputDim + i); output:
 * the logits, batch x classes. Implements @x/nn's `Module` with hand-written backward (each
 * child's own); parameter names are paths (`layers.0.logDt`), so {@link S4DAdamW} finds the SSM
 * parameters. O(depth · B (H (L log L + N L) + L H²)).
 */
export class S4DClassifier implements Module {
  readonly inputDim: number;
  readonly classes: number;
  readonly dModel: number;
  readonly depth: number;
  readonly prenorm: boolean;
  private readonly encoder: Linear;
  private readonly norms: LayerNorm[];
  private readonly layers: S4DLayer[];
  private readonly decoder: Linear;
  private cache: { B: number; L: number } | null = null;

  constructor(opts: S4DClassifierOptions) {
    const fn = 'S4DClassifier';
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { classes } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['inputDim', 'classes', 'dModel', 'depth', 'prenorm', 'seed', 'stateSize', 'init', 'modes', 'dtMin', 'dtMax', 'disc', 'bidirectional', 'dropout']);
    this.inputDim = checkInt(fn, 'inputDim', opts.inputDim ?? 1, 1);
    this.classes = checkInt(fn, 'classes', opts.classes, 1);
    const H = checkInt(fn, 'dModel', opts.dModel ?? 64, 1);
    this.dModel = H;
    this.depth = checkInt(fn, 'depth', opts.depth ?? 4, 1);
    this.prenorm = checkBoolean(fn, 'prenorm', opts.prenorm ?? true);
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    const { inputDim: _i, classes: _c, dModel: _d, depth: _n, prenorm: _p, seed: _s, ...layerOpts } = opts;
    const lin = (i: number, o: number, name: string) => new Linear(i, o, { seed: r, init: { uniform: 1 / Math.sqrt(i) }, biasInit: 'fan-in-uniform', name });
    this.encoder = lin(this.inputDim, H, `${fn}.encoder`);
    this.layers = [];
    this.norms = [];
    for (let k = 0; k < this.depth; k++) {
      this.layers.push(new S4DLayer({ ...layerOpts, channels: H, glu: true, seed: r }));
      this.norms.push(new LayerNorm(H, { name: `${fn}.norms.${k}` }));
    }
    this.decoder = lin(H, this.classes, `${fn}.decoder`);
  }

  /** Training mode: dropout on in every block; returns this. */
  train(): this {
    for (const l of this.layers) l.train();
    return this;
  }

  /** Evaluation mode: dropout off; returns this. */
  eval(): this {
    for (const l of this.layers) l.eval();
    return this;
  }

  /** The S4D blocks, in order. */
  blocks(): readonly S4DLayer[] {
    return this.layers;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const fn = 'S4DClassifier.forward';
    assertMatrix(fn, 'x', x);
    const D = this.inputDim;
    if (x.cols === 0 || x.cols % D !== 0) throw new ShapeError(`${fn}: x is ${x.rows}x${x.cols}, expected batch x (L * ${D}) (time-major)`);
    for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i]!)) throw new DomainError(`${fn}: x has non-finite entries`);
    const B = x.rows;
    const L = x.cols / D;
    const H = this.dModel;
    const rows = (m: Matrix, c: number): Matrix => ({ rows: m.data.length / c, cols: c, data: m.data });
    const seqs = (m: Matrix): Matrix => ({ rows: B, cols: L * H, data: m.data });
    let h = rows(this.encoder.forward(rows(x, D)), H);
    for (let k = 0; k < this.depth; k++) {
      const z = this.prenorm ? seqs(this.norms[k]!.forward(h)) : seqs(h);
      const y = this.layers[k]!.forward(z).data;
      const s = new Float64Array(h.data.length);
      for (let i = 0; i < s.length; i++) s[i] = h.data[i]! + y[i]!;
      h = this.prenorm ? { rows: B * L, cols: H, data: s } : this.norms[k]!.forward({ rows: B * L, cols: H, data: s });
    }
    const pooled = new Float64Array(B * H);
    for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) for (let c = 0; c < H; c++) pooled[b * H + c] = pooled[b * H + c]! + h.data[(b * L + t) * H + c]! / L;
    this.cache = { B, L };
    const out = this.decoder.forward({ rows: B, cols: H, data: pooled });
    return { rows: out.rows, cols: out.cols, data: Float64Array.from(out.data) };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const fn = 'S4DClassifier.backward';
    if (!this.cache) throw new DomainError(`${fn}: backward called before forward (there is no cached input)`);
    const { B, L } = this.cache;
    assertMatrix(fn, 'dy', dy);
    if (dy.rows !== B || dy.cols !== this.classes) throw new ShapeError(`${fn}: dy is ${dy.rows}x${dy.cols}, expected ${B}x${this.classes}`);
    const H = this.dModel;
    const dp = this.decoder.backward(dy).data;
    let dh = new Float64Array(B * L * H);
    for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) for (let c = 0; c < H; c++) dh[(b * L + t) * H + c] = dp[b * H + c]! / L;
    for (let k = this.depth - 1; k >= 0; k--) {
      // h_out = h + S4D(LN(h)) (pre-norm) or LN(h + S4D(h)) (post-norm)
      const ds = this.prenorm ? dh : Float64Array.from(this.norms[k]!.backward({ rows: B * L, cols: H, data: dh }).data);
      const dz = this.layers[k]!.backward({ rows: B, cols: L * H, data: ds }).data;
      const dzh = this.prenorm ? this.norms[k]!.backward({ rows: B * L, cols: H, data: dz }).data : dz;
      const next = new Float64Array(ds.length);
      for (let i = 0; i < next.length; i++) next[i] = ds[i]! + dzh[i]!;
      dh = next;
    }
    const dx = this.encoder.backward({ rows: B * L, cols: H, data: dh }).data;
    return { rows: B, cols: L * this.inputDim, data: Float64Array.from(dx) };
  }

  parameters(): Parameter[] {
    return [
      ...prefixParameters('encoder', this.encoder.parameters()),
      ...this.layers.flatMap((l, k) => [...prefixParameters(`norms.${k}`, this.norms[k]!.parameters()), ...prefixParameters(`layers.${k}`, l.parameters())]),
      ...prefixParameters('decoder', this.decoder.parameters()),
    ];
  }

  zeroGrad(): void {
    this.encoder.zeroGrad();
    for (const l of this.layers) l.zeroGrad();
    for (const n of this.norms) n.zeroGrad();
    this.decoder.zeroGrad();
  }

  /** The state envelope: sizes as `config`, the encoder, norms, S4D blocks and decoder envelopes as `state`. */
  toJSON(): S4DClassifierJSON {
    return moduleJSON(
      'S4DClassifier',
      { inputDim: this.inputDim, classes: this.classes, dModel: this.dModel, depth: this.depth, prenorm: this.prenorm },
      { encoder: this.encoder.toJSON(), norms: this.norms.map((n) => n.toJSON()), layers: this.layers.map((l) => l.toJSON()), decoder: this.decoder.toJSON() },
    );
  }

  /**
   * Rebuilds a classifier from {@link S4DClassifier.toJSON} with identical parameters (and
   * dropout streams). DomainError for a malformed field, ShapeError for a child of the wrong size.
   */
  static fromJSON(json: S4DClassifierJSON): S4DClassifier {
    const fn = 'S4DClassifier.fromJSON';
    const r = readModuleJSON(fn, 'S4DClassifier', json);
    const inputDim = r.int('inputDim', 1);
    const classes = r.int('classes', 1);
    const dModel = r.int('dModel', 1);
    const depth = r.int('depth', 1);
    const prenorm = r.bool('prenorm');
    const norms = r.raw('norms');
    const layers = r.raw('layers');
    if (!Array.isArray(norms) || norms.length !== depth) throw new DomainError(`${fn}: norms must be an array of ${depth} LayerNorm envelopes`);
    if (!Array.isArray(layers) || layers.length !== depth) throw new DomainError(`${fn}: layers must be an array of ${depth} S4DLayer envelopes`);
    r.object('encoder');
    r.object('decoder');
    const m = Object.create(S4DClassifier.prototype) as S4DClassifier;
    const encoder = Linear.fromJSON(r.raw('encoder') as LinearJSON);
    const decoder = Linear.fromJSON(r.raw('decoder') as LinearJSON);
    const ls = layers.map((l) => S4DLayer.fromJSON(l as S4DLayerJSON));
    const ns = norms.map((n) => LayerNorm.fromJSON(n as ModuleJSON));
    const bad = (what: string, got: string, want: string) => new ShapeError(`${fn}: ${what} is ${got}, expected ${want}`);
    if (encoder.inFeatures !== inputDim || encoder.outFeatures !== dModel) throw bad('encoder', `${encoder.inFeatures} -> ${encoder.outFeatures}`, `${inputDim} -> ${dModel}`);
    if (decoder.inFeatures !== dModel || decoder.outFeatures !== classes) throw bad('decoder', `${decoder.inFeatures} -> ${decoder.outFeatures}`, `${dModel} -> ${classes}`);
    ls.forEach((l, k) => {
      if (l.H !== dModel || !l.glu) throw bad(`layers[${k}]`, `${l.H} channels${l.glu ? '' : ' without glu'}`, `${dModel} channels with glu`);
    });
    ns.forEach((n, k) => {
      if (n.dim !== dModel) throw bad(`norms[${k}]`, `of width ${n.dim}`, `${dModel}`);
    });
    Object.assign(m, { inputDim, classes, dModel, depth, prenorm, encoder, decoder, layers: ls, norms: ns, cache: null });
    return m;
  }
}
