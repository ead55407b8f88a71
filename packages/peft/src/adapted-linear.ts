import {
  add,
  assertMatrix,
  DomainError,
  type EncodedArray,
  encodeArray,
  hadamard,
  isStateJSON,
  matmul,
  type Matrix,
  readState,
  type StateJSON,
  scale,
  scaleCols,
  ShapeError,
  stateJSON,
  transpose,
} from '@x/gpu';
import { checkFinite, checkShape, checkVector } from '@x/gpu/checks';
import { kron } from '@x/linalg';
import type { Module, Parameter } from '@x/nn';
import { checkOpts, checkRecord } from './validate';

type M = Matrix<Float64Array>;

/**
 * The adapters an {@link AdaptedLinear} can carry; ΔW (out x in) for each:
 * - `lora`: s B A, trains A (r x in) and B (out x r) (LoRA, PiSSA, EVA, FedSVD's B);
 * - `core`: s B R A, trains only R (r x r) (LoRA-XS, LoRA-SB);
 * - `svfit`: U diag(σ) Vᵀ, trains only σ (SVFit; U out x r, V in x r);
 * - `sorsa`: s (B diag(S)) A, trains A, S and B (SORSA);
 * - `loldu`: s (P L) diag(z) U, trains only z (LoLDU; pass PL = P L, out x r, and U, r x in);
 * - `soka`: s Σ_k A_k ⊗ B_k, trains every A_k (m1 x n1) and B_k (m2 x n2), out = m1 m2,
 *   in = n1 n2 (SoKA; from {@link sokaInit}). Stored as tensors A0, B0, A1, B1, ...
 * `frozen` lists parameters to keep fixed (e.g. `['A']` for FFA-LoRA/FedSVD clients).
 */
export type Adapter =
  | { kind: 'lora'; A: Matrix; B: Matrix; scale: number; frozen?: ('A' | 'B')[] }
  | { kind: 'core'; A: Matrix; B: Matrix; R: Matrix; scale: number }
  | { kind: 'svfit'; U: Matrix; V: Matrix; sigma: ArrayLike<number> }
  | { kind: 'sorsa'; A: Matrix; S: ArrayLike<number>; B: Matrix; scale: number }
  | { kind: 'loldu'; PL: Matrix; U: Matrix; z: ArrayLike<number>; scale: number }
  | { kind: 'soka'; A: readonly Matrix[]; B: readonly Matrix[]; scale: number };

/** Options of {@link AdaptedLinear}: the frozen base weight (out x in), an optional bias, and the adapter. */
export interface AdaptedLinearOptions {
  /** The frozen base weight (out x in): W for LoRA, the residual for PiSSA-style inits. */
  base: Matrix;
  /** Optional frozen bias (out). */
  bias?: ArrayLike<number>;
  adapter: Adapter;
}

const copy = (m: Matrix): M => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });
const param = (name: string, value: Float64Array, shape: number[]): Parameter => ({ name, value, grad: new Float64Array(value.length), shape });

/**
 * A linear layer y = x (W_base + ΔW)ᵀ + b with a frozen base and a trainable low-rank adapter,
 * implementing @x/nn's module interface (forward/backward with explicit gradients, checked by
 * finite differences in the tests). ΔW is never formed in forward/backward: products go
 * through the rank-r factors, O(batch · r · (in + out)) extra work.
 */
export class AdaptedLinear implements Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly kind: Adapter['kind'];
  /** Frozen base weight (out x in); holds base + ΔW while merged. */
  readonly base: Matrix<Float64Array>;
  readonly bias: Float64Array | null;
  readonly scale: number;
  private readonly tensors: Record<string, M>;
  private readonly params: Parameter[];
  private readonly frozenNames: Set<string>;
  private merged_ = false;
  private cache: { x: M; h: M | null; h2: M | null } | null = null;

  constructor(opts: AdaptedLinearOptions) {
    checkRecord('AdaptedLinear', 'options', opts);
    checkOpts('AdaptedLinear', opts, ['base', 'bias', 'adapter']);
    assertMatrix('AdaptedLinear', 'base', opts.base);
    const out = opts.base.rows;
    const inn = opts.base.cols;
    this.inFeatures = inn;
    this.outFeatures = out;
    this.base = copy(opts.base);
    // A null bias is no bias, like an omitted one.
    const bias = opts.bias ?? undefined;
    if (bias !== undefined) checkVector('AdaptedLinear', 'bias', bias);
    if (bias !== undefined && bias.length !== out) {
      throw new ShapeError(`AdaptedLinear: bias has length ${bias.length}, expected ${out}`);
    }
    this.bias = bias ? Float64Array.from(bias) : null;
    const ad = checkRecord('AdaptedLinear', 'adapter', opts.adapter) as unknown as Adapter;
    this.kind = ad.kind;
    const need = (name: string, m: Matrix, rows: number, cols: number) => {
      assertMatrix('AdaptedLinear', name, m);
      if (m.rows !== rows || m.cols !== cols) throw new ShapeError(`AdaptedLinear (${ad.kind}): ${name} is ${m.rows}x${m.cols}, expected ${rows}x${cols}`);
      return copy(m);
    };
    const vec = (name: string, v: ArrayLike<number>, n: number): M => {
      checkVector('AdaptedLinear', name, v);
      if (v.length !== n) throw new ShapeError(`AdaptedLinear (${ad.kind}): ${name} has length ${v.length}, expected ${n}`);
      return { rows: 1, cols: n, data: Float64Array.from(v) };
    };
    let trainable: string[];
    switch (ad.kind) {
      case 'lora': {
        assertMatrix('AdaptedLinear', 'A', ad.A);
        const r = ad.A.rows;
        this.tensors = { A: need('A', ad.A, r, inn), B: need('B', ad.B, out, r) };
        trainable = ['A', 'B'];
        this.scale = ad.scale;
        this.frozenNames = new Set(ad.frozen ?? []);
        break;
      }
      case 'core': {
        assertMatrix('AdaptedLinear', 'R', ad.R);
        const r = ad.R.rows;
        this.tensors = { A: need('A', ad.A, r, inn), B: need('B', ad.B, out, r), R: need('R', ad.R, r, r) };
        trainable = ['R'];
        this.scale = ad.scale;
        this.frozenNames = new Set(['A', 'B']);
        break;
      }
      case 'svfit': {
        const r = checkVector('AdaptedLinear', 'sigma', ad.sigma).length;
        this.tensors = { U: need('U', ad.U, out, r), V: need('V', ad.V, inn, r), sigma: vec('sigma', ad.sigma, r) };
        trainable = ['sigma'];
        this.scale = 1;
        this.frozenNames = new Set(['U', 'V']);
        break;
      }
      case 'sorsa': {
        const r = checkVector('AdaptedLinear', 'S', ad.S).length;
        this.tensors = { A: need('A', ad.A, r, inn), S: vec('S', ad.S, r), B: need('B', ad.B, out, r) };
        trainable = ['A', 'S', 'B'];
        this.scale = ad.scale;
        this.frozenNames = new Set();
        break;
      }
      case 'loldu': {
        const r = checkVector('AdaptedLinear', 'z', ad.z).length;
        // Stored in the svfit layout: U_ = P L (out x r), V_ = Uᵀ (in x r), diagonal z.
        this.tensors = { U: need('PL', ad.PL, out, r), V: transpose(need('U', ad.U, r, inn)) as M, z: vec('z', ad.z, r) };
        trainable = ['z'];
        this.scale = ad.scale;
        this.frozenNames = new Set(['U', 'V']);
        break;
      }
      case 'soka': {
        if (!Array.isArray(ad.A) || !Array.isArray(ad.B)) throw new ShapeError('AdaptedLinear (soka): A and B must be arrays of matrices');
        const K = ad.A.length;
        if (K < 1 || ad.B.length !== K) throw new ShapeError(`AdaptedLinear (soka): need K >= 1 left and right factors, got ${ad.A.length} and ${ad.B.length}`);
        assertMatrix('AdaptedLinear', 'A[0]', ad.A[0]);
        assertMatrix('AdaptedLinear', 'B[0]', ad.B[0]);
        const [m1, n1, m2, n2] = [ad.A[0]!.rows, ad.A[0]!.cols, ad.B[0]!.rows, ad.B[0]!.cols];
        if (m1 * m2 !== out || n1 * n2 !== inn) {
          throw new ShapeError(`AdaptedLinear (soka): A ${m1}x${n1} ⊗ B ${m2}x${n2} is ${m1 * m2}x${n1 * n2}, the base is ${out}x${inn}`);
        }
        this.tensors = {};
        trainable = [];
        for (let k = 0; k < K; k++) {
          this.tensors[`A${k}`] = need(`A[${k}]`, ad.A[k]!, m1, n1);
          this.tensors[`B${k}`] = need(`B[${k}]`, ad.B[k]!, m2, n2);
          trainable.push(`A${k}`, `B${k}`);
        }
        this.scale = ad.scale;
        this.frozenNames = new Set();
        break;
      }
      default:
        throw new DomainError(`AdaptedLinear: unknown adapter kind ${(ad as { kind: string }).kind}`);
    }
    if (!Number.isFinite(this.scale)) throw new DomainError(`AdaptedLinear: scale must be finite, got ${this.scale}`);
    this.params = trainable
      .filter((n) => !this.frozenNames.has(n))
      .map((n) => {
        const t = this.tensors[n]!;
        return param(n, t.data, t.rows === 1 && (n === 'sigma' || n === 'S' || n === 'z') ? [t.cols] : [t.rows, t.cols]);
      });
  }

  private sokaTerms(): number {
    let K = 0;
    while (this.tensors[`A${K}`]) K++;
    return K;
  }

  /** The adapter's factor or vector by name (live storage). */
  tensor(name: string): Matrix<Float64Array> {
    const t = typeof name === 'string' && Object.hasOwn(this.tensors, name) ? this.tensors[name] : undefined;
    if (!t) throw new DomainError(`AdaptedLinear (${this.kind}): no tensor named ${name}`);
    return t;
  }

  get merged(): boolean {
    return this.merged_;
  }

  /** ΔW (out x in), formed explicitly. */
  delta(): Matrix<Float64Array> {
    const t = this.tensors;
    const s = this.scale;
    let d: Matrix;
    switch (this.kind) {
      case 'lora':
        d = matmul(t.B!, t.A!);
        break;
      case 'core':
        d = matmul(matmul(t.B!, t.R!), t.A!);
        break;
      case 'svfit':
      case 'loldu': {
        const diag = t.sigma ?? t.z!;
        d = matmul(scaleCols(t.U!, diag.data), t.V!, { transB: true });
        break;
      }
      case 'sorsa':
        d = matmul(scaleCols(t.B!, t.S!.data), t.A!);
        break;
      case 'soka': {
        const acc = new Float64Array(this.outFeatures * this.inFeatures);
        for (let k = 0; k < this.sokaTerms(); k++) {
          const kp = kron(t[`A${k}`]!, t[`B${k}`]!);
          for (let i = 0; i < acc.length; i++) acc[i]! += kp.data[i]!;
        }
        d = { rows: this.outFeatures, cols: this.inFeatures, data: acc };
        break;
      }
    }
    const out = d as M;
    if (s !== 1) for (let i = 0; i < out.data.length; i++) out.data[i]! *= s;
    return out;
  }

  /** W_base + ΔW: the weight a plain Linear layer would need to compute the same function. */
  effectiveWeight(): Matrix<Float64Array> {
    if (this.merged_) return copy(this.base);
    const d = this.delta();
    for (let i = 0; i < d.data.length; i++) d.data[i]! += this.base.data[i]!;
    return d;
  }

  /** Folds ΔW into the base (peft `merge`): forward then uses the base alone. */
  merge(): void {
    if (this.merged_) return;
    const d = this.delta();
    for (let i = 0; i < d.data.length; i++) this.base.data[i]! += d.data[i]!;
    this.merged_ = true;
  }

  /** Undoes {@link merge} (subtracts the current ΔW). */
  unmerge(): void {
    if (!this.merged_) return;
    const d = this.delta();
    for (let i = 0; i < d.data.length; i++) this.base.data[i]! -= d.data[i]!;
    this.merged_ = false;
  }

  /** Number of trainable scalars. */
  trainableCount(): number {
    return this.params.reduce((n, p) => n + p.value.length, 0);
  }

  parameters(): Parameter[] {
    return this.params;
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  private gradOf(name: string): Float64Array | null {
    return this.params.find((p) => p.name === name)?.grad ?? null;
  }

  forward(x: Matrix): Matrix {
    checkShape('AdaptedLinear', 'x', x, undefined, this.inFeatures);
    checkFinite('AdaptedLinear', 'x', x);
    const X = x as M;
    const y = matmul(X, this.base, { transB: true }) as M;
    if (this.bias) addRow(y, this.bias);
    if (this.merged_) {
      this.cache = { x: X, h: null, h2: null };
      return y;
    }
    const t = this.tensors;
    const s = this.scale;
    let h: M;
    let h2: M;
    let contrib: Matrix;
    switch (this.kind) {
      case 'lora':
        h = matmul(X, t.A!, { transB: true }) as M; // batch x r
        h2 = h;
        contrib = matmul(h, t.B!, { transB: true });
        break;
      case 'core':
        h = matmul(X, t.A!, { transB: true }) as M;
        h2 = matmul(h, t.R!, { transB: true }) as M;
        contrib = matmul(h2, t.B!, { transB: true });
        break;
      case 'svfit':
      case 'loldu':
        h = matmul(X, t.V!) as M;
        h2 = scaleCols(h, (t.sigma ?? t.z!).data);
        contrib = matmul(h2, t.U!, { transB: true });
        break;
      case 'sorsa':
        h = matmul(X, t.A!, { transB: true }) as M;
        h2 = scaleCols(h, t.S!.data);
        contrib = matmul(h2, t.B!, { transB: true });
        break;
      case 'soka':
        // Per term: T = X_i B_kᵀ (n1 x m2, all rows at once), then (A_k ⊗ B_k) x_i = vec(A_k T).
        h = X;
        h2 = X;
        contrib = { rows: X.rows, cols: this.outFeatures, data: new Float64Array(X.rows * this.outFeatures) };
        for (let k = 0; k < this.sokaTerms(); k++) {
          const A = t[`A${k}`]!;
          const T = kronRightProducts(X, t[`B${k}`]!, A.cols);
          kronLeftAccumulate(contrib.data as Float64Array, A, T, X.rows);
        }
        break;
    }
    for (let i = 0; i < y.data.length; i++) y.data[i]! += s * contrib.data[i]!;
    this.cache = { x: X, h, h2 };
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.cache) throw new DomainError('AdaptedLinear: backward called before forward');
    const { x, h, h2 } = this.cache;
    checkShape('AdaptedLinear', 'dy', dy, x.rows, this.outFeatures);
    const dY = dy as M;
    const dx = matmul(dY, this.base) as M;
    if (this.merged_ || !h || !h2) return dx;
    const t = this.tensors;
    const s = this.scale;
    const acc = (name: string, g: Matrix, factor = 1) => {
      const dst = this.gradOf(name);
      if (dst) for (let i = 0; i < dst.length; i++) dst[i]! += factor * g.data[i]!;
    };
    let dh: Matrix;
    switch (this.kind) {
      case 'lora': {
        acc('B', matmul(dY, h, { transA: true }), s); // out x r
        dh = matmul(dY, t.B!); // batch x r
        scale(dh, s, dh);
        acc('A', matmul(dh, x, { transA: true })); // r x in
        add(dx, matmul(dh, t.A!), dx);
        break;
      }
      case 'core': {
        const dh2 = matmul(dY, t.B!);
        scale(dh2, s, dh2);
        acc('R', matmul(dh2, h, { transA: true }));
        dh = matmul(dh2, t.R!);
        add(dx, matmul(dh, t.A!), dx);
        break;
      }
      case 'svfit':
      case 'loldu': {
        const name = this.kind === 'svfit' ? 'sigma' : 'z';
        const diag = t[name]!.data;
        const dh2 = matmul(dY, t.U!); // batch x r
        scale(dh2, s, dh2);
        acc(name, colSums(hadamard(dh2, h)));
        dh = scaleCols(dh2, diag);
        add(dx, matmul(dh, t.V!, { transB: true }), dx);
        break;
      }
      case 'sorsa': {
        acc('B', matmul(dY, h2, { transA: true }), s);
        const dh2 = matmul(dY, t.B!);
        scale(dh2, s, dh2);
        acc('S', colSums(hadamard(dh2, h)));
        dh = scaleCols(dh2, t.S!.data);
        acc('A', matmul(dh, x, { transA: true }));
        add(dx, matmul(dh, t.A!), dx);
        break;
      }
      case 'soka': {
        // y_i = s Σ_k vec(A_k X_i B_kᵀ): dA_k = s Σ_i dY_i (X_i B_kᵀ)ᵀ, dB_k = s Σ_i dY_iᵀ A_k X_i,
        // dX_i = s Σ_k A_kᵀ dY_i B_k (X_i n1 x n2, dY_i m1 x m2 row-major views of the rows).
        for (let k = 0; k < this.sokaTerms(); k++) {
          const A = t[`A${k}`]!;
          const B = t[`B${k}`]!;
          sokaBackward(x, dY, A, B, s, this.gradOf(`A${k}`), this.gradOf(`B${k}`), dx.data as Float64Array);
        }
        break;
      }
    }
    return dx;
  }

  /**
   * The state envelope: kind, scale, sizes, merge flag, frozen names and each tensor's shape as
   * `config`; the base weight, the bias and every adapter tensor (bit-exact) as `state`.
   */
  toJSON(): AdaptedLinearJSON {
    const tensors: Record<string, EncodedArray> = {};
    const shapes: Record<string, [number, number]> = {};
    for (const [k, v] of Object.entries(this.tensors)) {
      tensors[k] = encodeArray(v.data);
      shapes[k] = [v.rows, v.cols];
    }
    const config = {
      kind: this.kind,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      scale: this.scale,
      merged: this.merged_,
      frozen: [...this.frozenNames],
      shapes,
    };
    return stateJSON('AdaptedLinear', config, { base: encodeArray(this.base.data), ...(this.bias ? { bias: encodeArray(this.bias) } : {}), tensors });
  }

  /**
   * Rebuilds a layer from {@link AdaptedLinear.toJSON} (or the unversioned format of earlier
   * releases) with identical values. Every field is checked: the kind, finite scale, the sizes
   * and shapes (positive integers, the base out x in, each tensor its recorded shape, the bias
   * of length out), finite entries, the frozen names; lengths are checked before anything is
   * allocated, and the adapter's shapes must fit the base as the constructor requires
   * (DomainError for a wrong type or value, ShapeError for a wrong length or shape).
   */
  static fromJSON(json: AdaptedLinearJSON): AdaptedLinear {
    const fn = 'AdaptedLinear.fromJSON';
    const { config, state } = readState(fn, 'AdaptedLinear', isStateJSON(json) ? json : fromUnversioned(fn, json));
    const kind = config.string<Adapter['kind']>('kind', ADAPTER_KINDS);
    const scale = config.number('scale');
    const merged = config.bool('merged');
    const out = config.int('outFeatures', 1);
    const inn = config.int('inFeatures', 1);
    const frozenRaw = config.raw('frozen');
    if (!Array.isArray(frozenRaw) || !frozenRaw.every((n) => typeof n === 'string')) throw new DomainError(`${fn}: config.frozen must be an array of tensor names`);
    const shapes = config.object('shapes');
    const tensors = state.object('tensors');
    const m = (name: string): Matrix => {
      const sh = shapes.raw(name);
      if (!Array.isArray(sh) || sh.length !== 2 || !sh.every((d) => Number.isSafeInteger(d) && d >= 1)) {
        throw new DomainError(`${fn}: config.shapes.${name} must be [rows, cols] of positive integers, got ${JSON.stringify(sh)}`);
      }
      return { rows: sh[0], cols: sh[1], data: tensors.f64(name, { length: sh[0] * sh[1], finite: true }) };
    };
    const base = { rows: out, cols: inn, data: state.f64('base', { length: out * inn, finite: true }) };
    const bias = state.has('bias') ? state.f64('bias', { length: out, finite: true }) : undefined;
    let adapter: Adapter;
    switch (kind) {
      case 'lora':
        adapter = { kind, A: m('A'), B: m('B'), scale, frozen: frozenRaw.filter((n) => n === 'A' || n === 'B') };
        break;
      case 'core':
        adapter = { kind, A: m('A'), B: m('B'), R: m('R'), scale };
        break;
      case 'svfit':
        adapter = { kind, U: m('U'), V: m('V'), sigma: m('sigma').data };
        break;
      case 'sorsa':
        adapter = { kind, A: m('A'), S: m('S').data, B: m('B'), scale };
        break;
      case 'loldu':
        adapter = { kind, PL: m('U'), U: transpose(m('V')), z: m('z').data, scale };
        break;
      case 'soka': {
        const A: Matrix[] = [];
        const B: Matrix[] = [];
        for (let k = 0; shapes.has(`A${k}`); k++) {
          A.push(m(`A${k}`));
          B.push(m(`B${k}`));
        }
        adapter = { kind, A, B, scale };
        break;
      }
    }
    const layer = new AdaptedLinear({ base, bias, adapter });
    layer.merged_ = merged;
    return layer;
  }
}

const ADAPTER_KINDS = ['lora', 'core', 'svfit', 'sorsa', 'loldu', 'soka'] as const satisfies readonly Adapter['kind'][];

/**
 * What {@link AdaptedLinear.toJSON} returns: the `@x` state envelope. `config`: the adapter kind,
 * `inFeatures`/`outFeatures`, `scale`, `merged` (whether `base` holds base + ΔW), the frozen
 * tensor names and `shapes` (each tensor's [rows, cols]; vectors are [1, r]); `state`: `base`
 * (out x in), `bias` when there is one, and `tensors` by name (A, B, R, U, V, sigma, S, z or
 * A0, B0, A1, ...), all bit-exact encoded arrays.
 */
export type AdaptedLinearJSON = StateJSON<
  'AdaptedLinear',
  {
    kind: Adapter['kind'];
    inFeatures: number;
    outFeatures: number;
    scale: number;
    merged: boolean;
    frozen: string[];
    shapes: Record<string, [number, number]>;
  },
  { base: EncodedArray; bias?: EncodedArray; tensors: Record<string, EncodedArray> }
>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Encodes a number array of the unversioned format (non-arrays pass through for the reader to refuse). */
function numbers(fn: string, where: string, v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  if (!v.every((x) => typeof x === 'number')) throw new DomainError(`${fn}: ${where} must be an array of numbers`);
  return encodeArray(Float64Array.from(v as number[]));
}

/**
 * The unversioned format of earlier releases (`{ type, kind, scale, merged, base: { rows, cols,
 * data }, bias, tensors: { name: { rows, cols, data } }, frozen }`, number arrays) rewritten as
 * an envelope, for the same checks.
 */
function fromUnversioned(fn: string, json: unknown): unknown {
  if (!isObj(json) || json.type !== 'AdaptedLinear' || json.version !== undefined) return json;
  const base = isObj(json.base) ? json.base : {};
  const tensors: Record<string, unknown> = {};
  const shapes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(isObj(json.tensors) ? json.tensors : {})) {
    const t = isObj(v) ? v : {};
    tensors[k] = numbers(fn, `tensors.${k}.data`, t.data);
    shapes[k] = [t.rows, t.cols];
  }
  return stateJSON(
    'AdaptedLinear',
    { kind: json.kind, inFeatures: base.cols, outFeatures: base.rows, scale: json.scale, merged: json.merged, frozen: json.frozen, shapes },
    { base: numbers(fn, 'base.data', base.data), ...(json.bias == null ? {} : { bias: numbers(fn, 'bias', json.bias) }), tensors },
  );
}

function colSums(a: Matrix): M {
  const out = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j]! += a.data[i * a.cols + j]!;
  return { rows: 1, cols: a.cols, data: out };
}

function addRow(y: M, b: Float64Array): void {
  for (let i = 0; i < y.rows; i++) for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j]! += b[j]!;
}

/** T (batch·n1 x m2): row (i, a) = X_i[a, :] B_kᵀ, where X_i = row i of X viewed as n1 x n2. */
function kronRightProducts(X: M, B: M, n1: number): Float64Array {
  const n2 = B.cols;
  const m2 = B.rows;
  const T = new Float64Array(X.rows * n1 * m2);
  for (let i = 0; i < X.rows; i++) {
    for (let a = 0; a < n1; a++) {
      const xo = i * X.cols + a * n2;
      const to = (i * n1 + a) * m2;
      for (let c = 0; c < m2; c++) {
        let acc = 0;
        for (let d = 0; d < n2; d++) acc += X.data[xo + d]! * B.data[c * n2 + d]!;
        T[to + c] = acc;
      }
    }
  }
  return T;
}

/** out[i, p·m2 + c] += Σ_a A[p, a] T_i[a, c]: adds vec(A_k X_i B_kᵀ) to each output row. */
function kronLeftAccumulate(out: Float64Array, A: M, T: Float64Array, batch: number): void {
  const m1 = A.rows;
  const n1 = A.cols;
  const m2 = T.length / (batch * n1);
  const w = m1 * m2;
  for (let i = 0; i < batch; i++) {
    for (let p = 0; p < m1; p++) {
      for (let a = 0; a < n1; a++) {
        const ap = A.data[p * n1 + a]!;
        if (ap === 0) continue;
        const to = (i * n1 + a) * m2;
        const oo = i * w + p * m2;
        for (let c = 0; c < m2; c++) out[oo + c]! += ap * T[to + c]!;
      }
    }
  }
}

/** Gradients of one Kronecker term (see the `soka` case of AdaptedLinear.backward). */
function sokaBackward(X: M, dY: M, A: M, B: M, s: number, gA: Float64Array | null, gB: Float64Array | null, dx: Float64Array): void {
  const [m1, n1, m2, n2] = [A.rows, A.cols, B.rows, B.cols];
  const T = kronRightProducts(X, B, n1); // X_i Bᵀ, n1 x m2 per row
  const AX = new Float64Array(m1 * n2);
  const DB = new Float64Array(m1 * n2); // dY_i B, m1 x n2
  for (let i = 0; i < X.rows; i++) {
    const xo = i * n1 * n2;
    const yo = i * m1 * m2;
    // dA += s dY_i T_iᵀ
    if (gA) {
      for (let p = 0; p < m1; p++) {
        for (let a = 0; a < n1; a++) {
          let acc = 0;
          for (let c = 0; c < m2; c++) acc += dY.data[yo + p * m2 + c]! * T[(i * n1 + a) * m2 + c]!;
          gA[p * n1 + a]! += s * acc;
        }
      }
    }
    // dB += s dY_iᵀ (A X_i)
    if (gB) {
      AX.fill(0);
      for (let p = 0; p < m1; p++) for (let a = 0; a < n1; a++) {
        const ap = A.data[p * n1 + a]!;
        for (let d = 0; d < n2; d++) AX[p * n2 + d]! += ap * X.data[xo + a * n2 + d]!;
      }
      for (let c = 0; c < m2; c++) {
        for (let d = 0; d < n2; d++) {
          let acc = 0;
          for (let p = 0; p < m1; p++) acc += dY.data[yo + p * m2 + c]! * AX[p * n2 + d]!;
          gB[c * n2 + d]! += s * acc;
        }
      }
    }
    // dX_i += s Aᵀ (dY_i B)
    DB.fill(0);
    for (let p = 0; p < m1; p++) for (let c = 0; c < m2; c++) {
      const g = dY.data[yo + p * m2 + c]!;
      if (g === 0) continue;
      for (let d = 0; d < n2; d++) DB[p * n2 + d]! += g * B.data[c * n2 + d]!;
    }
    for (let a = 0; a < n1; a++) for (let p = 0; p < m1; p++) {
      const ap = s * A.data[p * n1 + a]!;
      for (let d = 0; d < n2; d++) dx[xo + a * n2 + d]! += ap * DB[p * n2 + d]!;
    }
  }
}
