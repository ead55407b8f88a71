import { DomainError, type Matrix, matmul, type Rng, ShapeError } from '@x/gpu';
import { checkBoolean, checkFinite, checkOptions, checkPositive, checkRng, checkSize } from '@x/gpu/checks';
import type { Decodable } from './decode';
import { sequencesOf } from './embedding';
import { envelope, readEnvelope } from './envelope';
import type { InitScheme } from './init';
import { Linear } from './linear';
import { ContainerModule } from './container';
import { checkGrad, checkInput, type Module, type ModuleJSON, noForward } from './module';
import { childFromJSON, type ModuleRegistry } from './registry';

type M = Matrix<Float64Array>;

/** Options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** Query heads (must divide `dim` unless `headDim` is given). */
  numHeads: number;
  /** Key/value heads (grouped-query attention, Ainslie et al. 2023); must divide numHeads. Default numHeads; 1 is multi-query attention. */
  numKvHeads?: number;
  /** Per-head width (default dim / numHeads). */
  headDim?: number;
  /** Causal mask: position t attends to positions <= t only (default true). */
  causal?: boolean;
  /** Rotary position embedding (Su et al. 2021) in the llama / Hugging Face half-split layout (see {@link applyRope}); default false. */
  rope?: boolean;
  /** RoPE base θ (default 10000). */
  ropeBase?: number;
  /** Biases on the four projections (default false, as in llama). */
  bias?: boolean;
  /** Sequence length: the input's rows are batch * seqLen, sequence-major. Default: all rows are one sequence. Settable later. */
  seqLen?: number;
  /** Seed (or Rng) for the projections' init, drawn q, k, v, o. Default 0. */
  seed?: number | Rng;
  /** Weight init of the projections (default `'xavier-uniform'`). */
  init?: InitScheme;
  /** Name used in error messages. */
  name?: string;
}

/**
 * Rotates each head's query/key vectors in place by their position (RoPE, Su et al. 2021,
 * eq. 34), Hugging Face llama layout: within a head of width d the pairs are (i, i + d/2) for
 * i < d/2 (the `rotate_half` convention, not the interleaved (2i, 2i+1) pairs of the original
 * paper / Meta's complex form), with angle pos * base^(-2i/d):
 *   x'_i = x_i cos - x_{i+d/2} sin,  x'_{i+d/2} = x_{i+d/2} cos + x_i sin.
 * `inverse` rotates by -angle (the transpose), which is the backward pass.
 * `x` is (batch*T) x (heads*d), rows sequence-major; positions are row % T.
 * @throws DomainError for sizes that are not integers (rows, heads, d >= 0; T >= 1) or a base
 * that is not a finite number > 0; ShapeError when `x` does not hold rows x heads x d values.
 */
export function applyRope(x: Float64Array, rows: number, heads: number, d: number, T: number, base: number, inverse = false): void {
  const fn = 'applyRope';
  checkSize(fn, 'rows', rows);
  checkSize(fn, 'heads', heads);
  checkSize(fn, 'd', d);
  checkSize(fn, 'T', T, 1);
  checkPositive(fn, 'base', base);
  checkBoolean(fn, 'inverse', inverse);
  if (!(x instanceof Float64Array) || x.length !== rows * heads * d) {
    throw new ShapeError(`${fn}: x must be a Float64Array of rows x heads x d = ${rows} x ${heads} x ${d} values, got ${x instanceof Float64Array ? `length ${x.length}` : typeof x}`);
  }
  rotate(x, rows, heads, d, base, inverse ? -1 : 1, 0, T);
}

/**
 * The rotation of {@link applyRope} on checked arguments: row r sits at position
 * pos0 + (r % T) (T = Infinity: pos0 + r, the rows of one sequence continued from pos0).
 */
function rotate(x: Float64Array, rows: number, heads: number, d: number, base: number, sign: number, pos0: number, T: number): void {
  const half = d >> 1;
  const width = heads * d;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = base ** ((-2 * i) / d);
  for (let r = 0; r < rows; r++) {
    const pos = pos0 + (r % T);
    for (let i = 0; i < half; i++) {
      const a = pos * inv[i]!;
      const c = Math.cos(a);
      const s = sign * Math.sin(a);
      for (let h = 0; h < heads; h++) {
        const o = r * width + h * d + i;
        const x1 = x[o]!;
        const x2 = x[o + half]!;
        x[o] = x1 * c - x2 * s;
        x[o + half] = x2 * c + x1 * s;
      }
    }
  }
}

/** Copies the T x d block of head `h` of sequence `b` out of an (B*T) x (heads*d) matrix. */
function headOf(src: Float64Array, b: number, h: number, T: number, heads: number, d: number): M {
  const out = new Float64Array(T * d);
  const w = heads * d;
  for (let t = 0; t < T; t++) out.set(src.subarray((b * T + t) * w + h * d, (b * T + t) * w + h * d + d), t * d);
  return { rows: T, cols: d, data: out };
}

/** Adds a T x d block into head `h` of sequence `b`, scaled by `s`. */
function addHead(dst: Float64Array, blk: Matrix, b: number, h: number, T: number, heads: number, d: number, s = 1): void {
  const w = heads * d;
  const src = blk.data;
  for (let t = 0; t < T; t++) {
    const o = (b * T + t) * w + h * d;
    for (let j = 0; j < d; j++) dst[o + j]! += s * src[t * d + j]!;
  }
}

/**
 * The KV cache of one sequence in {@link MultiHeadAttention.decode}, an opaque handle: the
 * tokens seen; the rotated keys and values live inside the layer that made it (copy-on-write
 * buffers that states of one prefix share), out of reach of changes.
 */
export interface AttentionDecodeState {
  /** Tokens seen. */
  readonly length: number;
}

/** A growable key/value buffer (rows of width numKvHeads · headDim) with `filled` rows written. */
interface KVBuffer {
  k: Float64Array;
  v: Float64Array;
  filled: number;
}

/** The buffer and maker of every state handed out by a decode or initDecode. */
const kvOf = new WeakMap<AttentionDecodeState, { layer: MultiHeadAttention; length: number; kv: KVBuffer }>();

/**
 * Multi-head scaled dot-product attention (Vaswani et al. 2017, eq. 1-2) with optional causal
 * mask, rotary position embedding and grouped key/value heads, in the llama layout:
 * q/k/v/o projections `q_proj` (dim -> H·d), `k_proj`/`v_proj` (dim -> H_kv·d), `o_proj`
 * (H·d -> dim), weights stored [out, in]. Query head h reads key/value head ⌊h / (H/H_kv)⌋
 * (Hugging Face `repeat_kv`).
 *
 * Input: (batch·T) x dim, rows sequence-major (`seqLen` = T). Per sequence and head:
 * S = Q Kᵀ / √d (masked to -∞ above the diagonal when causal), P = softmax(S) by rows, O = P V.
 * All products are @x/gpu `matmul`s with transposes folded into the call.
 *
 * backward: dP = dO Vᵀ, dV += Pᵀ dO, dS = P ⊙ (dP - rowsum(dP ⊙ P)), dQ = dS K / √d,
 * dK += dSᵀ Q / √d, then RoPE's transpose and the projections' backward.
 * Cost O(B T dim H d) for the projections plus O(B H T² d) for the attention; memory O(B H T²)
 * for the cached probabilities.
 */
export class MultiHeadAttention extends ContainerModule implements Decodable<AttentionDecodeState> {
  readonly dim: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly causal: boolean;
  readonly rope: boolean;
  readonly ropeBase: number;
  readonly useBias: boolean;
  readonly name: string;
  protected readonly label: string;
  /** Rows per sequence; undefined: the whole input is one sequence. */
  seqLen: number | undefined;
  /** dim -> H·d; a Linear unless replaced (e.g. by an adapter) through {@link setChild}. */
  q_proj: Module;
  /** dim -> H_kv·d. */
  k_proj: Module;
  /** dim -> H_kv·d. */
  v_proj: Module;
  /** H·d -> dim. */
  o_proj: Module;
  private cache: { q: Float64Array; k: Float64Array; v: Float64Array; p: M[]; B: number; T: number; rows: number } | null = null;

  constructor(dim: number, opts: MultiHeadAttentionOptions) {
    super();
    if (opts === undefined) throw new DomainError('MultiHeadAttention: options with numHeads are required');
    checkOptions('MultiHeadAttention', opts, ['numHeads', 'numKvHeads', 'headDim', 'causal', 'rope', 'ropeBase', 'bias', 'seqLen', 'seed', 'init', 'name']);
    const name = opts.name ?? `MultiHeadAttention(${dim}, ${opts?.numHeads})`;
    checkSize(name, 'dim', dim, 1);
    const H = checkSize(name, 'numHeads', opts.numHeads, 1);
    const Hkv = opts.numKvHeads ?? H;
    if (!Number.isInteger(Hkv) || Hkv < 1 || H % Hkv !== 0) {
      throw new DomainError(`${name}: numKvHeads must be a positive integer dividing numHeads (${H}), got ${Hkv}`);
    }
    const d = opts.headDim ?? dim / H;
    if (!Number.isInteger(d) || d < 1) throw new DomainError(`${name}: dim ${dim} is not divisible by numHeads ${H}; pass headDim`);
    this.rope = checkBoolean(name, 'rope', opts.rope ?? false);
    if (this.rope && d % 2 !== 0) throw new DomainError(`${name}: rotary embedding needs an even headDim, got ${d}`);
    this.ropeBase = checkPositive(name, 'ropeBase', opts.ropeBase ?? 10000);
    if (opts.seqLen !== undefined) checkSize(name, 'seqLen', opts.seqLen, 1);
    this.dim = dim;
    this.numHeads = H;
    this.numKvHeads = Hkv;
    this.headDim = d;
    this.causal = checkBoolean(name, 'causal', opts.causal ?? true);
    this.useBias = checkBoolean(name, 'bias', opts.bias ?? false);
    this.seqLen = opts.seqLen;
    this.name = name;
    this.label = name;
    const r = checkRng(name, 'seed', opts.seed ?? 0);
    const lin = (i: number, o: number, n: string) => new Linear(i, o, { seed: r, init: opts.init, bias: this.useBias, name: `${name}.${n}` });
    this.q_proj = lin(dim, H * d, 'q_proj');
    this.k_proj = lin(dim, Hkv * d, 'k_proj');
    this.v_proj = lin(dim, Hkv * d, 'v_proj');
    this.o_proj = lin(H * d, dim, 'o_proj');
  }

  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.dim);
    const { batch: B, T } = sequencesOf(this.name, x.rows, this.seqLen);
    const { numHeads: H, numKvHeads: Hkv, headDim: d } = this;
    const q = this.q_proj.forward(x).data as Float64Array;
    const k = this.k_proj.forward(x).data as Float64Array;
    const v = this.v_proj.forward(x).data as Float64Array;
    if (this.rope) {
      applyRope(q, x.rows, H, d, T, this.ropeBase);
      applyRope(k, x.rows, Hkv, d, T, this.ropeBase);
    }
    const scale = 1 / Math.sqrt(d);
    const group = H / Hkv;
    const o = new Float64Array(x.rows * H * d);
    const ps: M[] = [];
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const kv = Math.floor(h / group);
        const S = matmul(headOf(q, b, h, T, H, d), headOf(k, b, kv, T, Hkv, d), { transB: true }) as M;
        softmaxRows(S.data, T, scale, this.causal);
        ps.push(S);
        addHead(o, matmul(S, headOf(v, b, kv, T, Hkv, d)), b, h, T, H, d);
      }
    }
    this.cache = { q, k, v, p: ps, B, T, rows: x.rows };
    return this.o_proj.forward({ rows: x.rows, cols: H * d, data: o });
  }

  backward(dy: Matrix): Matrix {
    const c = this.cache;
    if (!c) throw noForward(this.name);
    checkGrad(this.name, dy, c.rows, this.dim);
    const { numHeads: H, numKvHeads: Hkv, headDim: d } = this;
    const { B, T } = c;
    const dO = this.o_proj.backward(dy).data as Float64Array;
    const dq = new Float64Array(c.rows * H * d);
    const dk = new Float64Array(c.rows * Hkv * d);
    const dv = new Float64Array(c.rows * Hkv * d);
    const scale = 1 / Math.sqrt(d);
    const group = H / Hkv;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const kv = Math.floor(h / group);
        const P = c.p[b * H + h]!;
        const dOh = headOf(dO, b, h, T, H, d);
        const Vh = headOf(c.v, b, kv, T, Hkv, d);
        addHead(dv, matmul(P, dOh, { transA: true }), b, kv, T, Hkv, d);
        const dS = matmul(dOh, Vh, { transB: true }) as M;
        const pd = P.data;
        const sd = dS.data;
        for (let i = 0; i < T; i++) {
          let dot = 0;
          for (let j = 0; j < T; j++) dot += sd[i * T + j]! * pd[i * T + j]!;
          for (let j = 0; j < T; j++) sd[i * T + j] = pd[i * T + j]! * (sd[i * T + j]! - dot);
        }
        addHead(dq, matmul(dS, headOf(c.k, b, kv, T, Hkv, d)), b, h, T, H, d, scale);
        addHead(dk, matmul(dS, headOf(c.q, b, h, T, H, d), { transA: true }), b, kv, T, Hkv, d, scale);
      }
    }
    if (this.rope) {
      applyRope(dq, c.rows, H, d, T, this.ropeBase, true);
      applyRope(dk, c.rows, Hkv, d, T, this.ropeBase, true);
    }
    const dx = this.q_proj.backward({ rows: c.rows, cols: H * d, data: dq });
    const dxk = this.k_proj.backward({ rows: c.rows, cols: Hkv * d, data: dk });
    const dxv = this.v_proj.backward({ rows: c.rows, cols: Hkv * d, data: dv });
    for (let i = 0; i < dx.data.length; i++) dx.data[i]! += dxk.data[i]! + dxv.data[i]!;
    return dx;
  }

  /** The decoding state of an empty sequence (see {@link MultiHeadAttention.decode}). */
  initDecode(): AttentionDecodeState {
    const st: AttentionDecodeState = Object.freeze({ length: 0 });
    kvOf.set(st, { layer: this, length: 0, kv: { k: new Float64Array(0), v: new Float64Array(0), filled: 0 } });
    return st;
  }

  /**
   * Incremental causal attention (a KV cache): the rows of `x` are the next x.rows tokens of
   * one sequence after the `state.length` tokens `state` holds. Their keys and values are
   * rotated at their absolute positions (state.length + i, as {@link applyRope} places them in
   * a full forward) and appended; each new query attends to every cached key up to its own
   * position (query head h to key/value head ⌊h / (H/H_kv)⌋). Returns the x.rows output rows,
   * equal to the matching rows of `forward` on the whole sequence up to rounding, and the
   * state after them; `state` itself stays valid (the buffer is copied before it would be
   * overwritten). Cost O(x.rows · (dim H d + (state.length + x.rows) H d)). Clears the
   * backward cache (a later `backward` needs a new `forward`).
   * @throws ShapeError for a matrix that is not n x dim (n >= 1); DomainError for non-finite
   * entries, a state this layer did not make (states are
   * per layer), or a non-causal layer.
   */
  decode(x: Matrix, state: AttentionDecodeState): { y: Matrix; state: AttentionDecodeState } {
    const fn = `${this.name}.decode`;
    checkInput(fn, 'x', x, this.dim);
    if (x.rows < 1) throw new ShapeError(`${fn}: x has no rows; pass the next tokens' rows`);
    checkFinite(fn, 'x', x);
    if (!this.causal) throw new DomainError(`${fn}: incremental decoding needs causal attention`);
    const { numHeads: H, numKvHeads: Hkv, headDim: d } = this;
    const wk = Hkv * d;
    const rec = state !== null && typeof state === 'object' ? kvOf.get(state) : undefined;
    if (!rec || rec.layer !== this) throw new DomainError(`${fn}: state must come from initDecode() or decode() of this layer`);
    const { kv, length: L } = rec;
    const n = x.rows;
    const q = this.q_proj.forward(x).data as Float64Array;
    const k = this.k_proj.forward(x).data as Float64Array;
    const v = this.v_proj.forward(x).data as Float64Array;
    if (this.rope) {
      rotate(q, n, H, d, this.ropeBase, 1, L, Infinity);
      rotate(k, n, Hkv, d, this.ropeBase, 1, L, Infinity);
    }
    // Append to the shared buffer unless another state already wrote past L, or it is full.
    let buf = kv;
    const end = L + n;
    if (kv.filled !== L || end * wk > kv.k.length) {
      const cap = Math.max(16, 2 * end) * wk;
      buf = { k: new Float64Array(cap), v: new Float64Array(cap), filled: L };
      buf.k.set(kv.k.subarray(0, L * wk));
      buf.v.set(kv.v.subarray(0, L * wk));
    }
    buf.k.set(k, L * wk);
    buf.v.set(v, L * wk);
    buf.filled = end;
    const K = buf.k;
    const Vb = buf.v;
    const scale = 1 / Math.sqrt(d);
    const group = H / Hkv;
    const o = new Float64Array(n * H * d);
    const p = new Float64Array(end);
    for (let i = 0; i < n; i++) {
      const len = L + i + 1;
      for (let h = 0; h < H; h++) {
        const kh = Math.floor(h / group) * d;
        const qo = (i * H + h) * d;
        let m = -Infinity;
        for (let j = 0; j < len; j++) {
          let s = 0;
          for (let a = 0; a < d; a++) s += q[qo + a]! * K[j * wk + kh + a]!;
          s *= scale;
          p[j] = s;
          if (s > m) m = s;
        }
        let z = 0;
        for (let j = 0; j < len; j++) {
          const e = Math.exp(p[j]! - m);
          p[j] = e;
          z += e;
        }
        const inv = 1 / z;
        for (let j = 0; j < len; j++) {
          const w = p[j]! * inv;
          const vo = j * wk + kh;
          for (let a = 0; a < d; a++) o[qo + a]! += w * Vb[vo + a]!;
        }
      }
    }
    this.cache = null;
    const y = this.o_proj.forward({ rows: n, cols: H * d, data: o });
    const next: AttentionDecodeState = Object.freeze({ length: end });
    kvOf.set(next, { layer: this, length: end, kv: buf });
    return { y, state: next };
  }

  /** `q_proj`, `k_proj`, `v_proj`, `o_proj`. */
  namedChildren(): Array<[string, Module]> {
    return [
      ['q_proj', this.q_proj],
      ['k_proj', this.k_proj],
      ['v_proj', this.v_proj],
      ['o_proj', this.o_proj],
    ];
  }

  /** The attention configuration, as the constructor takes it. */
  config(): MultiHeadAttentionOptions & { dim: number } {
    return {
      dim: this.dim,
      numHeads: this.numHeads,
      numKvHeads: this.numKvHeads,
      headDim: this.headDim,
      causal: this.causal,
      rope: this.rope,
      ropeBase: this.ropeBase,
      bias: this.useBias,
      seqLen: this.seqLen,
      name: this.name,
    };
  }

  /** `{ type: 'MultiHeadAttention', version: 1, config, state: { q_proj, k_proj, v_proj, o_proj } }` (the projections' own JSON). */
  toJSON(): ModuleJSON {
    return envelope('MultiHeadAttention', { ...this.config() }, this.childrenJSON());
  }

  /** Rebuilds the layer from {@link MultiHeadAttention.toJSON} output (exact values; projection types through `registry`). */
  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): MultiHeadAttention {
    const { config, state } = readEnvelope('MultiHeadAttention.fromJSON', 'MultiHeadAttention', json);
    const { dim, ...rest } = config as unknown as MultiHeadAttentionOptions & { dim: number };
    const m = new MultiHeadAttention(dim, rest);
    for (const [n] of m.namedChildren()) m.setChild(n, childFromJSON('MultiHeadAttention.fromJSON', n, state[n], registry));
    return m;
  }
}

/** In place: row-wise softmax of scale * S, with entries above the diagonal set to 0 when causal. */
function softmaxRows(s: Float64Array, T: number, scale: number, causal: boolean): void {
  const n = s.length / T;
  if (n !== T) throw new ShapeError('MultiHeadAttention: internal score block is not square');
  for (let i = 0; i < T; i++) {
    const o = i * T;
    const end = causal ? i + 1 : T;
    let m = -Infinity;
    for (let j = 0; j < end; j++) {
      const v = s[o + j]! * scale;
      s[o + j] = v;
      if (v > m) m = v;
    }
    let z = 0;
    for (let j = 0; j < end; j++) {
      const e = Math.exp(s[o + j]! - m);
      s[o + j] = e;
      z += e;
    }
    const inv = 1 / z;
    for (let j = 0; j < end; j++) s[o + j]! *= inv;
    for (let j = end; j < T; j++) s[o + j] = 0;
  }
}
