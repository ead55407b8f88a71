import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkOptions, checkSize } from '@x/gpu/checks';
import {
  ContainerModule,
  childFromJSON,
  type Decodable,
  type Module,
  type ModuleJSON,
  type ModuleRegistry,
  moduleJSON,
  readModuleJSON,
  RMSNorm,
  SwiGLU,
  type TransformerBlock,
  type TransformerConfig,
  TransformerLM,
} from '@x/nn';
import { checkStruct } from './complex';
import { type DeltaProductDecodeState, DeltaProductMixer, type DeltaProductMixerOptions, MIXER_SHAPE_KEYS } from './deltaproduct-mixer';

/** Options of {@link DeltaProductBlock}: the mixer's options plus the MLP width and the norms' epsilon. */
export interface DeltaProductBlockOptions extends DeltaProductMixerOptions {
  /** SwiGLU hidden width (default 4 dModel). */
  hidden?: number;
  /** Epsilon of the two pre-norms (RMSNorm, default 1e-6). */
  blockNormEps?: number;
}

/** The `config` of {@link DeltaProductBlock.toJSON}. */
export interface DeltaProductBlockConfig {
  dModel: number;
  hidden: number;
  blockNormEps: number;
}

function add(a: Matrix, b: Matrix): Matrix<Float64Array> {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return { rows: a.rows, cols: a.cols, data: out };
}

const BLOCK_KEYS = ['hidden', 'blockNormEps'];

/**
 * A pre-norm residual DeltaProduct block, the layout of fla-org's `GatedDeltaProductBlock`
 * (and of a llama decoder layer with attention replaced): h = x + attn(attn_norm(x)),
 * y = h + mlp(mlp_norm(h)), with RMSNorm pre-norms, a {@link DeltaProductMixer} as `attn` and a
 * SwiGLU MLP. Children `attn_norm`, `attn`, `mlp_norm`, `mlp`; input (batch·seqLen) x dModel,
 * sequence-major. `toJSON`/`fromJSON` carry every child's state envelope (rebuild it with
 * `moduleFromJSON(json, deltaProductModules)` or {@link DeltaProductBlock.fromJSON}).
 */
export class DeltaProductBlock extends ContainerModule implements Decodable<DeltaProductDecodeState> {
  protected readonly label = 'DeltaProductBlock';
  attn_norm: Module;
  attn: Module;
  mlp_norm: Module;
  mlp: Module;
  readonly blockConfig: DeltaProductBlockConfig;
  private shape: [number, number] | null = null;

  constructor(opts: DeltaProductBlockOptions) {
    super();
    const fn = 'DeltaProductBlock';
    checkStruct(fn, 'options', opts);
    const mixer: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts)) if (!BLOCK_KEYS.includes(k)) mixer[k] = v;
    this.attn = new DeltaProductMixer(mixer as unknown as DeltaProductMixerOptions);
    const D = (this.attn as DeltaProductMixer).D;
    const hidden = checkSize(fn, 'hidden', opts.hidden ?? 4 * D, 1);
    const eps = opts.blockNormEps ?? 1e-6;
    this.attn_norm = new RMSNorm(D, { eps, name: 'DeltaProductBlock.attn_norm' });
    this.mlp_norm = new RMSNorm(D, { eps, name: 'DeltaProductBlock.mlp_norm' });
    this.mlp = new SwiGLU(D, hidden, { seed: typeof opts.seed === 'object' ? opts.seed : (opts.seed ?? 0) + 1, name: 'DeltaProductBlock.mlp' });
    this.blockConfig = { dModel: D, hidden, blockNormEps: eps };
  }

  /** Rows per sequence, passed on to the mixer. */
  set seqLen(T: number | undefined) {
    (this.attn as { seqLen?: number }).seqLen = T;
  }

  get seqLen(): number | undefined {
    return (this.attn as { seqLen?: number }).seqLen;
  }

  forward(x: Matrix): Matrix {
    assertMatrix('DeltaProductBlock', 'x', x);
    if (x.cols !== this.blockConfig.dModel) throw new ShapeError(`DeltaProductBlock: x is ${x.rows}x${x.cols}, expected (batch * seqLen) x ${this.blockConfig.dModel}`);
    const h = add(x, this.attn.forward(this.attn_norm.forward(x)));
    this.shape = [x.rows, x.cols];
    return add(h, this.mlp.forward(this.mlp_norm.forward(h)));
  }

  /** The decoding state of an empty sequence (the mixer's: the norms and the MLP keep none). */
  initDecode(): DeltaProductDecodeState {
    return this.mixer('DeltaProductBlock.initDecode').initDecode();
  }

  /**
   * The block on the next x.rows tokens of one sequence (see {@link DeltaProductMixer.decode}):
   * the mixer continues from `state`, the norms and the MLP act on the new rows. Returns the rows
   * `forward` gives for them on the whole sequence (up to rounding) and the new state.
   * @throws as {@link DeltaProductMixer.decode}; DomainError when `attn` was replaced by a module without decoding.
   */
  decode(x: Matrix, state: DeltaProductDecodeState): { y: Matrix; state: DeltaProductDecodeState } {
    assertMatrix('DeltaProductBlock.decode', 'x', x);
    const r = this.mixer('DeltaProductBlock.decode').decode(this.attn_norm.forward(x), state);
    const h = add(x, r.y);
    this.shape = null;
    return { y: add(h, this.mlp.forward(this.mlp_norm.forward(h))), state: r.state };
  }

  private mixer(fn: string): Decodable<DeltaProductDecodeState> {
    const a = this.attn as Partial<Decodable<DeltaProductDecodeState>>;
    if (typeof a.decode !== 'function' || typeof a.initDecode !== 'function') throw new DomainError(`${fn}: attn has no incremental decoding (initDecode/decode)`);
    return a as Decodable<DeltaProductDecodeState>;
  }

  backward(dy: Matrix): Matrix {
    if (!this.shape) throw new DomainError('DeltaProductBlock: backward called before forward (there is no cached input)');
    assertMatrix('DeltaProductBlock.backward', 'dy', dy);
    if (dy.rows !== this.shape[0] || dy.cols !== this.shape[1]) throw new ShapeError(`DeltaProductBlock: dy is ${dy.rows}x${dy.cols}, expected ${this.shape[0]}x${this.shape[1]}`);
    const dh = add(dy, this.mlp_norm.backward(this.mlp.backward(dy)));
    return add(dh, this.attn_norm.backward(this.attn.backward(dh)));
  }

  /** `attn_norm`, `attn`, `mlp_norm`, `mlp`. */
  namedChildren(): Array<[string, Module]> {
    return [
      ['attn_norm', this.attn_norm],
      ['attn', this.attn],
      ['mlp_norm', this.mlp_norm],
      ['mlp', this.mlp],
    ];
  }

  /** `{ type: 'DeltaProductBlock', version, config: { dModel, hidden, blockNormEps }, state: { attn_norm, attn, mlp_norm, mlp } }`. */
  toJSON(): ModuleJSON {
    return moduleJSON('DeltaProductBlock', { ...this.blockConfig }, this.childrenJSON()) as unknown as ModuleJSON;
  }

  /** Rebuilds a block from {@link DeltaProductBlock.toJSON} (exact values; children through `registry` and {@link deltaProductModules}). */
  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): DeltaProductBlock {
    const fn = 'DeltaProductBlock.fromJSON';
    const r = readModuleJSON(fn, 'DeltaProductBlock', json);
    const D = r.int('dModel', 1);
    const hidden = r.int('hidden', 1);
    const blockNormEps = r.number('blockNormEps', { finite: true, min: 0 });
    const reg = { ...deltaProductModules, ...registry };
    const children = Object.fromEntries(['attn_norm', 'attn', 'mlp_norm', 'mlp'].map((n) => [n, childFromJSON(fn, n, r.raw(n), reg)]));
    const attn = children.attn;
    if (!(attn instanceof DeltaProductMixer) || attn.D !== D) throw new DomainError(`${fn}: state.attn must be a DeltaProductMixer of width ${D}`);
    const b = new DeltaProductBlock({ ...attn.config, hidden, blockNormEps });
    for (const [n, m] of Object.entries(children)) b.setChild(n, m);
    return b;
  }
}

/**
 * The module types of this file for `@x/nn`'s `moduleFromJSON` / `TransformerLM.fromJSON`
 * registry argument: `{ DeltaProductMixer, DeltaProductBlock }`.
 */
export const deltaProductModules: ModuleRegistry = {
  DeltaProductMixer: (json) => DeltaProductMixer.fromJSON(json as never),
  DeltaProductBlock: (json, registry) => DeltaProductBlock.fromJSON(json, registry),
};

/** Mixer options of {@link deltaProductLM} (dModel and seqLen come from the LM). */
export type DeltaProductLMMixerOptions = Omit<DeltaProductMixerOptions, 'dModel' | 'seqLen' | 'seed'>;

/**
 * A `@x/nn` {@link TransformerLM} whose every block's attention is a {@link DeltaProductMixer}
 * (a linear-time, state-tracking language model: embedding, `numLayers` pre-norm blocks
 * x + mixer(RMSNorm(x)), x + SwiGLU(RMSNorm(x)), final RMSNorm, lm_head). `config` is the LM's
 * (its `numHeads` is unused by the mixer: set the mixer's heads in `mixer.numHeads`).
 * `generate` and `decode` run it recurrently (each new token one row through every layer,
 * from each mixer's {@link DeltaProductDecodeState}). Save with
 * `toJSON()`, restore with `TransformerLM.fromJSON(json, deltaProductModules)`.
 */
export function deltaProductLM(config: TransformerConfig, mixer: DeltaProductLMMixerOptions = {}): TransformerLM {
  const fn = 'deltaProductLM';
  checkStruct(fn, 'mixer', mixer);
  checkOptions(fn, mixer, MIXER_SHAPE_KEYS);
  const lm = new TransformerLM(config);
  lm.layers.forEach((layer: TransformerBlock, i: number) => {
    layer.setChild('self_attn', new DeltaProductMixer({ ...mixer, dModel: lm.config.dim, seed: (lm.config.seed ?? 0) * 1009 + i + 1 }));
  });
  return lm;
}
