import { assertMatrix, DomainError, isMatrix, type Matrix, type Rng, rng as makeRng, ShapeError } from '@x/gpu';
import { checkBoolean, checkNonNegative, checkOptions, checkPositive, checkRng, checkSeed, checkSize, checkSteps, checkVector, describe, isRng } from '@x/gpu/checks';
import { MultiHeadAttention } from './attention';
import { canDecode, type Decodable } from './decode';
import { Embedding } from './embedding';
import { envelope, readEnvelope } from './envelope';
import { SwiGLU } from './glu';
import { Linear } from './linear';
import { crossEntropyAs, type LossOptions, type LossResult } from './losses';
import { ContainerModule } from './container';
import { checkGrad, type Module, type ModuleJSON, noForward } from './module';
import { RMSNorm } from './norm';
import { childFromJSON, type ModuleRegistry } from './registry';

type M = Matrix<Float64Array>;

function add(a: Matrix, b: Matrix): M {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return { rows: a.rows, cols: a.cols, data: out };
}

/**
 * Pre-norm residual connection (Xiong et al. 2020, "On Layer Normalization in the Transformer
 * Architecture", the Pre-LN form): y = x + body(norm(x)). Children `norm` and `body`; body
 * must keep the width. backward: dx = dy + norm.backward(body.backward(dy)).
 */
export class PreNormResidual extends ContainerModule {
  protected readonly label = 'PreNormResidual';
  norm: Module;
  body: Module;
  private rows = -1;
  private cols = -1;

  constructor(norm: Module, body: Module) {
    super();
    for (const [k, m] of [
      ['norm', norm],
      ['body', body],
    ] as const) {
      if (!m || typeof m.forward !== 'function' || typeof m.backward !== 'function') {
        throw new DomainError(`PreNormResidual: ${k} must implement the module interface`);
      }
    }
    this.norm = norm;
    this.body = body;
  }

  forward(x: Matrix): Matrix {
    assertMatrix('PreNormResidual', 'x', x);
    const h = this.body.forward(this.norm.forward(x));
    if (h.rows !== x.rows || h.cols !== x.cols) {
      throw new ShapeError(`PreNormResidual: body maps ${x.rows}x${x.cols} to ${h.rows}x${h.cols}; a residual body must keep the shape`);
    }
    this.rows = x.rows;
    this.cols = x.cols;
    return add(x, h);
  }

  backward(dy: Matrix): Matrix {
    if (this.rows < 0) throw noForward('PreNormResidual');
    checkGrad('PreNormResidual', dy, this.rows, this.cols);
    return add(dy, this.norm.backward(this.body.backward(dy)));
  }

  /** `norm`, `body`. */
  namedChildren(): Array<[string, Module]> {
    return [
      ['norm', this.norm],
      ['body', this.body],
    ];
  }

  /** `{ type: 'PreNormResidual', version: 1, config: {}, state: { norm, body } }`. */
  toJSON(): ModuleJSON {
    return envelope('PreNormResidual', {}, { norm: this.norm.toJSON(), body: this.body.toJSON() });
  }

  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): PreNormResidual {
    const { state } = readEnvelope('PreNormResidual.fromJSON', 'PreNormResidual', json);
    return new PreNormResidual(childFromJSON('PreNormResidual.fromJSON', 'norm', state.norm, registry), childFromJSON('PreNormResidual.fromJSON', 'body', state.body, registry));
  }
}

/** Sizes of a llama-style decoder; names in brackets are the Hugging Face `LlamaConfig` fields. */
export interface TransformerConfig {
  /** Tokens in the vocabulary [vocab_size]. */
  vocabSize: number;
  /** Model width [hidden_size]. */
  dim: number;
  /** Decoder blocks [num_hidden_layers]. */
  numLayers: number;
  /** Query heads [num_attention_heads]. */
  numHeads: number;
  /** Key/value heads [num_key_value_heads]; default numHeads. */
  numKvHeads?: number;
  /** SwiGLU width [intermediate_size]. */
  hidden: number;
  /** RoPE base [rope_theta], default 10000. */
  ropeBase?: number;
  /** RMSNorm epsilon [rms_norm_eps], default 1e-6. */
  normEps?: number;
  /** Std of the normal init of embeddings and projections [initializer_range], default 0.02. */
  initStd?: number;
  /** Seed of the init (default 0). */
  seed?: number;
}

/**
 * One llama decoder layer (`LlamaDecoderLayer`): two pre-norm residual sub-blocks,
 * h = x + self_attn(input_layernorm(x)), y = h + mlp(post_attention_layernorm(h)), with RMSNorm,
 * causal rotary multi-head attention (grouped KV heads) and a SwiGLU MLP. Children
 * `input_layernorm`, `self_attn`, `post_attention_layernorm`, `mlp`. Input (batch·T) x dim with
 * `seqLen` = T.
 */
export class TransformerBlock extends ContainerModule {
  protected readonly label = 'TransformerBlock';
  input_layernorm: Module;
  self_attn: Module;
  post_attention_layernorm: Module;
  mlp: Module;
  readonly config: Omit<TransformerConfig, 'vocabSize' | 'numLayers'>;
  private shape: [number, number] | null = null;

  constructor(config: Omit<TransformerConfig, 'vocabSize' | 'numLayers'>, rngOrSeed?: number | Rng) {
    super();
    checkConfig('TransformerBlock', config);
    const r = checkRng('TransformerBlock', 'rngOrSeed', rngOrSeed === undefined ? (config.seed ?? 0) : rngOrSeed);
    this.config = { ...config };
    const eps = config.normEps ?? 1e-6;
    this.input_layernorm = new RMSNorm(config.dim, { eps, name: 'TransformerBlock.input_layernorm' });
    this.self_attn = new MultiHeadAttention(config.dim, {
      numHeads: config.numHeads,
      numKvHeads: config.numKvHeads,
      causal: true,
      rope: true,
      ropeBase: config.ropeBase ?? 10000,
      seed: r,
      name: 'TransformerBlock.self_attn',
    });
    this.post_attention_layernorm = new RMSNorm(config.dim, { eps, name: 'TransformerBlock.post_attention_layernorm' });
    checkSize('TransformerBlock', 'hidden', config.hidden, 1);
    this.mlp = new SwiGLU(config.dim, config.hidden, { seed: r, name: 'TransformerBlock.mlp' });
  }

  /** Sequence length of the attention (rows per sequence). */
  set seqLen(T: number | undefined) {
    if (this.self_attn instanceof MultiHeadAttention) this.self_attn.seqLen = T;
    else (this.self_attn as { seqLen?: number }).seqLen = T;
  }

  forward(x: Matrix): Matrix {
    assertMatrix('TransformerBlock', 'x', x);
    const h = add(x, this.self_attn.forward(this.input_layernorm.forward(x)));
    this.shape = [x.rows, x.cols];
    return add(h, this.mlp.forward(this.post_attention_layernorm.forward(h)));
  }

  /** Whether `self_attn` supports incremental decoding ({@link Decodable}). */
  get canDecode(): boolean {
    return canDecode(this.self_attn);
  }

  /** The decoding state of an empty sequence: `self_attn`'s (the norms and the MLP act token by token and keep none). */
  initDecode(): unknown {
    return this.decodable('TransformerBlock.initDecode').initDecode();
  }

  /**
   * The block on the next x.rows tokens of one sequence after those `state` has seen (see
   * {@link Decodable}): `self_attn` continues from its state, the norms and the MLP run on the
   * new rows only (they act token by token, as in llama). Returns the rows `forward` would give
   * for them and the new state; clears the backward cache.
   * @throws DomainError when `self_attn` does not implement {@link Decodable}; its own errors.
   */
  decode(x: Matrix, state: unknown): { y: Matrix; state: unknown } {
    assertMatrix('TransformerBlock.decode', 'x', x);
    const r = this.decodable('TransformerBlock.decode').decode(this.input_layernorm.forward(x), state);
    const h = add(x, r.y);
    this.shape = null;
    return { y: add(h, this.mlp.forward(this.post_attention_layernorm.forward(h))), state: r.state };
  }

  private decodable(fn: string): Decodable {
    const a = this.self_attn;
    if (!canDecode(a)) throw new DomainError(`${fn}: self_attn (${a?.constructor?.name ?? typeof a}) has no incremental decoding (initDecode/decode)`);
    return a;
  }

  backward(dy: Matrix): Matrix {
    if (!this.shape) throw noForward('TransformerBlock');
    checkGrad('TransformerBlock', dy, this.shape[0], this.shape[1]);
    const dh = add(dy, this.post_attention_layernorm.backward(this.mlp.backward(dy)));
    return add(dh, this.input_layernorm.backward(this.self_attn.backward(dh)));
  }

  namedChildren(): Array<[string, Module]> {
    return [
      ['self_attn', this.self_attn],
      ['mlp', this.mlp],
      ['input_layernorm', this.input_layernorm],
      ['post_attention_layernorm', this.post_attention_layernorm],
    ];
  }

  /** `{ type: 'TransformerBlock', version: 1, config, state: { self_attn, mlp, input_layernorm, post_attention_layernorm } }`. */
  toJSON(): ModuleJSON {
    return envelope('TransformerBlock', { ...this.config }, this.childrenJSON());
  }

  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): TransformerBlock {
    const { config, state } = readEnvelope('TransformerBlock.fromJSON', 'TransformerBlock', json);
    const b = new TransformerBlock(config as unknown as TransformerConfig);
    for (const [n] of b.namedChildren()) b.setChild(n, childFromJSON('TransformerBlock.fromJSON', n, state[n], registry));
    return b;
  }
}

const CONFIG_KEYS = ['vocabSize', 'dim', 'numLayers', 'numHeads', 'numKvHeads', 'hidden', 'ropeBase', 'normEps', 'initStd', 'seed'];

/**
 * Checks a {@link TransformerConfig} where it enters (TransformerLM, TransformerBlock): an object
 * with known keys only, and each optional field, when present, of its kind (a null is not "absent").
 */
function checkConfig(fn: string, c: unknown): asserts c is TransformerConfig {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new DomainError(`${fn}: config must be a TransformerConfig object, got ${c === null ? 'null' : typeof c}`);
  checkOptions(fn, c, CONFIG_KEYS);
  const o = c as Partial<TransformerConfig>;
  if (o.numKvHeads !== undefined) checkSize(fn, 'numKvHeads', o.numKvHeads, 1);
  if (o.ropeBase !== undefined) checkPositive(fn, 'ropeBase', o.ropeBase);
  if (o.normEps !== undefined) checkNonNegative(fn, 'normEps', o.normEps);
  if (o.initStd !== undefined) checkNonNegative(fn, 'initStd', o.initStd);
  if (o.seed !== undefined) checkSeed(fn, 'seed', o.seed);
}

/** Options of {@link TransformerLM.generate}. */
export interface GenerateOptions {
  /** Tokens to append (default 32). */
  maxNewTokens?: number;
  /** 0 (default): greedy (argmax). > 0: sample from softmax(logits / temperature). */
  temperature?: number;
  /** With temperature > 0: sample among the k most likely tokens only (default: all). */
  topK?: number;
  /** Seed of the sampling stream (default 0). */
  seed?: number;
  /**
   * Most recent tokens fed to the model at each step (default: all of them). The model sees
   * positions 0 .. contextLength-1 of that window, as in training.
   */
  contextLength?: number;
  /**
   * Incremental decoding (default true): run the prompt once, then one token per step through
   * every layer's decoding state ({@link TransformerLM.decode}). false: re-run the model on the
   * window at every step. Both give the same tokens; see {@link TransformerLM.generate}.
   */
  cache?: boolean;
}

/**
 * The decoding state of a {@link TransformerLM} for one sequence (Hugging Face's
 * `past_key_values`), an opaque handle: the tokens seen; each layer's state stays inside the
 * model. Made and advanced by {@link TransformerLM.decode} only; a state stays valid after it
 * has been continued.
 */
export interface LMDecodeState {
  /** Tokens seen (the position of the next one). */
  readonly length: number;
}

/** The model and per-layer states behind every LMDecodeState handed out. */
const issued = new WeakMap<LMDecodeState, { model: TransformerLM; layers: unknown[] }>();

/**
 * Picks the next token from one row of logits: argmax when `temperature` is 0, otherwise a
 * draw from softmax(logits / temperature) restricted to the `topK` largest (ties by lower id).
 */
export function sampleToken(logits: ArrayLike<number>, opts: { temperature?: number; topK?: number }, r: Rng): number {
  checkVector('sampleToken', 'logits', logits);
  if (opts === undefined) throw new DomainError('sampleToken: options { temperature, topK } are required (pass {} for greedy)');
  checkOptions('sampleToken', opts, ['temperature', 'topK']);
  if (!isRng(r)) throw new DomainError(`sampleToken: r must be an Rng (e.g. rng(seed) from @x/gpu), got ${r === null ? 'null' : typeof r}`);
  const t = checkNonNegative('sampleToken', 'temperature', opts.temperature ?? 0);
  const k = opts.topK === undefined ? Infinity : checkSize('sampleToken', 'topK', opts.topK, 1);
  return sampleFrom(logits, t, k, r);
}

/**
 * {@link sampleToken} on arguments its caller has checked (temperature >= 0, topK an integer
 * >= 1 or Infinity for all), so errors name the function the user called.
 */
function sampleFrom(logits: ArrayLike<number>, t: number, k: number, r: Rng): number {
  const V = logits.length;
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
  if (t === 0) return best;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const keep = order.slice(0, Math.min(k, V));
  const m = logits[keep[0]!]!;
  const w = keep.map((i) => Math.exp((logits[i]! - m) / t));
  let total = 0;
  for (const v of w) total += v;
  let u = r.uniform() * total;
  for (let i = 0; i < keep.length; i++) {
    u -= w[i]!;
    if (u < 0) return keep[i]!;
  }
  return keep[keep.length - 1]!;
}

/**
 * Decoder-only transformer language model in the Hugging Face llama layout (Touvron et al.
 * 2023): token embedding, `numLayers` {@link TransformerBlock}s, a final RMSNorm and an untied
 * output projection. Parameter names are those of `LlamaForCausalLM`'s state dict:
 * `model.embed_tokens.weight`, `model.layers.{i}.self_attn.{q,k,v,o}_proj.weight`,
 * `model.layers.{i}.mlp.{gate,up,down}_proj.weight`, `model.layers.{i}.input_layernorm.weight`,
 * `model.layers.{i}.post_attention_layernorm.weight`, `model.norm.weight`, `lm_head.weight`
 * (Linear weights [out, in]), so `stateDict(model)` maps one-to-one onto a llama checkpoint.
 *
 * forward(ids): `ids` is batch x T token ids (one sequence per row); returns the next-token
 * logits, (batch·T) x vocabSize, row b·T + t predicting token t+1 of sequence b. backward(dlogits)
 * accumulates every parameter gradient and returns zeros (ids are not differentiable).
 * Cost per token O(numLayers (4 dim² + 3 dim hidden + T dim) + dim vocab).
 */
export class TransformerLM extends ContainerModule {
  protected readonly label = 'TransformerLM';
  readonly config: TransformerConfig;
  embed_tokens: Module;
  readonly layers: TransformerBlock[];
  norm: Module;
  lm_head: Module;
  private ids: [number, number] | null = null;

  constructor(config: TransformerConfig) {
    super();
    checkConfig('TransformerLM', config);
    const c = { ...config };
    for (const k of ['vocabSize', 'dim', 'numLayers', 'numHeads', 'hidden'] as const) checkSize('TransformerLM', k, c[k], 1);
    const std = checkNonNegative('TransformerLM', 'initStd', c.initStd ?? 0.02);
    this.config = c;
    const r = makeRng(c.seed ?? 0);
    this.embed_tokens = new Embedding(c.vocabSize, c.dim, { seed: r, std, name: 'TransformerLM.embed_tokens' });
    this.layers = [];
    for (let i = 0; i < c.numLayers; i++) this.layers.push(new TransformerBlock(c, r));
    this.norm = new RMSNorm(c.dim, { eps: c.normEps ?? 1e-6, name: 'TransformerLM.norm' });
    this.lm_head = new Linear(c.dim, c.vocabSize, { bias: false, seed: r, name: 'TransformerLM.lm_head' });
    // llama's _init_weights: every projection N(0, initializer_range²), norms at one.
    for (const p of this.parameters()) if (p.shape.length === 2 && !p.name.startsWith('model.embed_tokens')) r.fillNormal(p.value, std);
  }

  /** Number of trainable scalars. */
  get numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.value.length, 0);
  }

  forward(ids: Matrix): Matrix {
    assertMatrix('TransformerLM', 'ids', ids);
    if (ids.rows < 1 || ids.cols < 1) throw new ShapeError(`TransformerLM: ids is ${ids.rows}x${ids.cols}; expected batch x T token ids`);
    for (const l of this.layers) l.seqLen = ids.cols;
    let h = this.embed_tokens.forward(ids);
    for (const l of this.layers) h = l.forward(h);
    this.ids = [ids.rows, ids.cols];
    return this.lm_head.forward(this.norm.forward(h));
  }

  backward(dlogits: Matrix): Matrix {
    const s = this.ids;
    if (!s) throw noForward('TransformerLM');
    checkGrad('TransformerLM', dlogits, s[0] * s[1], this.config.vocabSize);
    let g = this.norm.backward(this.lm_head.backward(dlogits));
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i]!.backward(g);
    return this.embed_tokens.backward(g);
  }

  /** `model.embed_tokens`, `model.layers.{i}`, `model.norm`, `lm_head` (dotted child names, as in the llama state dict). */
  namedChildren(): Array<[string, Module]> {
    return [
      ['model.embed_tokens', this.embed_tokens],
      ...this.layers.map((l, i) => [`model.layers.${i}`, l] as [string, Module]),
      ['model.norm', this.norm],
      ['lm_head', this.lm_head],
    ];
  }

  override setChild(name: string, m: Module): void {
    if (name === 'model.embed_tokens') this.embed_tokens = m;
    else if (name === 'model.norm') this.norm = m;
    else if (name === 'lm_head') this.lm_head = m;
    else {
      const i = /^model\.layers\.(\d+)$/.exec(name);
      if (!i || Number(i[1]) >= this.layers.length || !(m instanceof TransformerBlock)) {
        throw new DomainError(`TransformerLM: cannot set child "${name}" (model.embed_tokens, model.layers.{i} with a TransformerBlock, model.norm, lm_head)`);
      }
      this.layers[Number(i[1])] = m;
    }
  }

  /** Whether every layer supports incremental decoding (what {@link TransformerLM.decode} and a cached `generate` need). */
  get canDecode(): boolean {
    return this.layers.every((l) => l.canDecode);
  }

  /**
   * Incremental decoding, Hugging Face's `model(input_ids, past_key_values=state)`: runs the
   * tokens `ids` (one sequence, n >= 1 of them) after the `state.length` tokens `state` has
   * seen (none when omitted), each layer continuing from its state (attention: cached keys and
   * values at their absolute RoPE positions; DeltaProduct: its recurrent state), so a step costs
   * one row through every layer instead of a forward over the whole sequence. Returns the n x
   * vocabSize next-token logits of the new tokens (the last n rows `forward` would give on the
   * whole sequence, up to rounding) and the state after them. `state` stays valid: continue it
   * again to branch. Positions grow without bound (no window: see `generate`'s contextLength).
   * Clears the backward cache.
   * @throws ShapeError for an empty or non-array `ids`; DomainError for a token outside
   * [0, vocabSize), a state not made by this model's `decode`, or a layer whose `self_attn` has
   * no incremental decoding (see {@link TransformerLM.canDecode}). Nothing changes on an error.
   */
  decode(ids: ArrayLike<number>, state?: LMDecodeState): { logits: Matrix; state: LMDecodeState } {
    const fn = 'TransformerLM.decode';
    checkTokens(fn, ids, this.config.vocabSize, 'ids');
    if (ids.length < 1) throw new ShapeError(`${fn}: ids needs at least one token`);
    const rec = state !== null && typeof state === 'object' ? issued.get(state) : undefined;
    if (state !== undefined && rec?.model !== this) throw new DomainError(`${fn}: state must be undefined or a state returned by this model's decode`);
    if (rec && rec.layers.length !== this.layers.length) throw new DomainError(`${fn}: the model's layers changed since this state was made`);
    this.layers.forEach((l, i) => {
      if (!l.canDecode) throw new DomainError(`${fn}: layer ${i}'s self_attn (${l.self_attn?.constructor?.name}) has no incremental decoding; generate({ cache: false }) re-runs the model instead`);
    });
    return this.decodeChecked(ids, state);
  }

  private decodeChecked(ids: ArrayLike<number>, state: LMDecodeState | undefined): { logits: Matrix; state: LMDecodeState } {
    let h = this.embed_tokens.forward({ rows: ids.length, cols: 1, data: Float64Array.from(ids) });
    const layers: unknown[] = [];
    this.layers.forEach((l, i) => {
      const r = l.decode(h, state ? issued.get(state)!.layers[i] : l.initDecode());
      h = r.y;
      layers.push(r.state);
    });
    const logits = this.lm_head.forward(this.norm.forward(h));
    this.ids = null;
    const next: LMDecodeState = Object.freeze({ length: (state?.length ?? 0) + ids.length });
    issued.set(next, { model: this, layers });
    return { logits, state: next };
  }

  /**
   * Appends `maxNewTokens` tokens to `prompt` (token ids), greedily or by seeded temperature /
   * top-k sampling. Returns only the new tokens.
   *
   * With `cache` (default) the prompt is run once through {@link TransformerLM.decode} and
   * each new token costs one row through every layer (O(numLayers (4 dim² + 3 dim hidden +
   * t dim) + dim vocab) at length t, against a whole forward per step without it). The model
   * sees at most `contextLength` tokens at positions 0 .. contextLength-1: once the sequence
   * is longer, the next token depends on the window alone, so every token's hidden states
   * (and, with RoPE, positions) must be recomputed from the window (a cache of the older
   * states would describe a different model, as would a recurrent state that remembers tokens
   * that left the window); from then on each step re-runs the model on the window, as
   * `cache: false` does at every step. Layers without incremental decoding (a `self_attn`
   * that is not {@link Decodable}, see {@link TransformerLM.canDecode}) also fall back to
   * the re-run. Cached and re-run decoding give the same tokens up to rounding of the logits.
   */
  generate(prompt: ArrayLike<number>, opts: GenerateOptions = {}): number[] {
    const fn = 'TransformerLM.generate';
    opts = checkOptions(fn, opts, ['maxNewTokens', 'temperature', 'topK', 'seed', 'contextLength', 'cache']);
    const n = checkSteps(fn, 'maxNewTokens', opts.maxNewTokens ?? 32);
    checkTokens(fn, prompt, this.config.vocabSize);
    if (prompt.length < 1) throw new ShapeError(`${fn}: the prompt needs at least one token`);
    const ctx = opts.contextLength === undefined ? Infinity : checkSize(fn, 'contextLength', opts.contextLength, 1);
    const r = makeRng(checkSeed(fn, 'seed', opts.seed ?? 0));
    const temperature = checkNonNegative(fn, 'temperature', opts.temperature ?? 0);
    const topK = opts.topK === undefined ? Infinity : checkSize(fn, 'topK', opts.topK, 1);
    const cached = (opts.cache === undefined || checkBoolean(fn, 'cache', opts.cache)) && this.canDecode;
    const seq = Array.from(prompt);
    const out: number[] = [];
    const V = this.config.vocabSize;
    let state: LMDecodeState | undefined;
    for (let s = 0; s < n; s++) {
      let last: Float64Array;
      if (cached && seq.length <= ctx) {
        const fresh = seq.slice(state?.length ?? 0);
        const res = this.decodeChecked(fresh, state);
        state = res.state;
        last = (res.logits.data as Float64Array).subarray((fresh.length - 1) * V, fresh.length * V);
      } else {
        const win = seq.slice(Math.max(0, seq.length - ctx));
        const logits = this.forward({ rows: 1, cols: win.length, data: Float64Array.from(win) });
        last = (logits.data as Float64Array).subarray((win.length - 1) * V, win.length * V);
      }
      const tok = sampleFrom(last, temperature, topK, r);
      seq.push(tok);
      out.push(tok);
    }
    return out;
  }

  /** `{ type: 'TransformerLM', version: 1, config, state: { <child name>: child JSON } }`. */
  toJSON(): ModuleJSON {
    return envelope('TransformerLM', { ...this.config }, this.childrenJSON());
  }

  /** Rebuilds a model from {@link TransformerLM.toJSON} (exact values; adapted children through `registry`). */
  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): TransformerLM {
    const { config, state } = readEnvelope('TransformerLM.fromJSON', 'TransformerLM', json);
    const lm = new TransformerLM({ ...(config as unknown as TransformerConfig), initStd: 0 });
    (lm.config as { initStd?: number }).initStd = (config as { initStd?: number }).initStd;
    for (const [n] of lm.namedChildren()) lm.setChild(n, childFromJSON('TransformerLM.fromJSON', n, state[n], registry));
    return lm;
  }
}

/**
 * Next-token cross-entropy for a language model: `logits` (batch·T) x V as {@link TransformerLM}
 * returns them, `targets` batch x T token ids (row b, column t: the token after position t),
 * flattened in the same order. Softmax cross-entropy (stable log-sum-exp), `ignoreIndex` rows
 * skipped, mean over the counted tokens. Usable as `fit`'s loss with data x = inputs, y = targets.
 */
export function lmCrossEntropy(logits: Matrix, targets: Matrix | ArrayLike<number>, opts: LossOptions = {}): LossResult {
  assertMatrix('lmCrossEntropy', 'logits', logits);
  if (targets === null || typeof targets !== 'object') throw new ShapeError(`lmCrossEntropy: targets must be a Matrix or an array of token ids, got ${targets === null ? 'null' : typeof targets}`);
  const flat = isMatrix(targets) ? targets.data : targets;
  if (flat.length !== logits.rows) {
    const what = isMatrix(targets) ? `${targets.rows}x${targets.cols}` : `length ${flat.length}`;
    throw new ShapeError(`lmCrossEntropy: targets are ${what} (${flat.length} tokens) but logits have ${logits.rows} rows`);
  }
  return crossEntropyAs('lmCrossEntropy', logits, flat, opts);
}

/**
 * Token ids: a plain array or an integer or float typed array (Int32Array, Uint16Array, ...;
 * ShapeError otherwise) whose entries are integers in [0, vocabSize) (DomainError naming the index).
 */
function checkTokens(fn: string, ids: unknown, vocabSize: number, what = 'prompt'): asserts ids is ArrayLike<number> {
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
    throw new ShapeError(`${fn}: ${what} must be an array or typed array of token ids, got ${describe(ids)}`);
  }
  const a = ids as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const t = a[i];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new DomainError(`${fn}: ${what}[${i}] must be a token id in [0, ${vocabSize}), got ${describe(t)}`);
    }
  }
}
