import { assertMatrix, DomainError, type Matrix, matmul, ShapeError, transpose } from '@x/gpu';
import { checkGrad, checkInput, type Module, type ModuleJSON, type Parameter } from '@x/nn';
import { scaleCols } from './validate';

type M = Matrix<Float64Array>;

/**
 * The adapters an {@link AdaptedLinear} can carry; ΔW (out x in) for each:
 * - `lora`: s B A, trains A (r x in) and B (out x r) (LoRA, PiSSA, EVA, FedSVD's B);
 * - `core`: s B R A, trains only R (r x r) (LoRA-XS, LoRA-SB);
 * - `svfit`: U diag(σ) Vᵀ, trains only σ (SVFit; U out x r, V in x r);
 * - `sorsa`: s (B diag(S)) A, trains A, S and B (SORSA);
 * - `loldu`: s (P L) diag(z) U, trains only z (LoLDU; pass PL = P L, out x r, and U, r x in).
 * `frozen` lists parameters to keep fixed (e.g. `['A']` for FFA-LoRA/FedSVD clients).
 */
export type Adapter =
  | { kind: 'lora'; A: Matrix; B: Matrix; scale: number; frozen?: ('A' | 'B')[] }
  | { kind: 'core'; A: Matrix; B: Matrix; R: Matrix; scale: number }
  | { kind: 'svfit'; U: Matrix; V: Matrix; sigma: ArrayLike<number> }
  | { kind: 'sorsa'; A: Matrix; S: ArrayLike<number>; B: Matrix; scale: number }
  | { kind: 'loldu'; PL: Matrix; U: Matrix; z: ArrayLike<number>; scale: number };

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
  readonly base: M;
  readonly bias: Float64Array | null;
  readonly scale: number;
  private readonly tensors: Record<string, M>;
  private readonly params: Parameter[];
  private readonly frozenNames: Set<string>;
  private merged_ = false;
  private cache: { x: M; h: M | null; h2: M | null } | null = null;

  constructor(opts: AdaptedLinearOptions) {
    assertMatrix('AdaptedLinear', 'base', opts.base);
    const out = opts.base.rows;
    const inn = opts.base.cols;
    this.inFeatures = inn;
    this.outFeatures = out;
    this.base = copy(opts.base);
    if (opts.bias !== undefined && opts.bias.length !== out) {
      throw new ShapeError(`AdaptedLinear: bias has length ${opts.bias.length}, expected ${out}`);
    }
    this.bias = opts.bias ? Float64Array.from(opts.bias) : null;
    const ad = opts.adapter;
    this.kind = ad.kind;
    const need = (name: string, m: Matrix, rows: number, cols: number) => {
      assertMatrix('AdaptedLinear', name, m);
      if (m.rows !== rows || m.cols !== cols) throw new ShapeError(`AdaptedLinear (${ad.kind}): ${name} is ${m.rows}x${m.cols}, expected ${rows}x${cols}`);
      return copy(m);
    };
    const vec = (name: string, v: ArrayLike<number>, n: number): M => {
      if (v.length !== n) throw new ShapeError(`AdaptedLinear (${ad.kind}): ${name} has length ${v.length}, expected ${n}`);
      return { rows: 1, cols: n, data: Float64Array.from(v) };
    };
    let trainable: string[];
    switch (ad.kind) {
      case 'lora': {
        const r = ad.A.rows;
        this.tensors = { A: need('A', ad.A, r, inn), B: need('B', ad.B, out, r) };
        trainable = ['A', 'B'];
        this.scale = ad.scale;
        this.frozenNames = new Set(ad.frozen ?? []);
        break;
      }
      case 'core': {
        const r = ad.R.rows;
        this.tensors = { A: need('A', ad.A, r, inn), B: need('B', ad.B, out, r), R: need('R', ad.R, r, r) };
        trainable = ['R'];
        this.scale = ad.scale;
        this.frozenNames = new Set(['A', 'B']);
        break;
      }
      case 'svfit': {
        const r = ad.sigma.length;
        this.tensors = { U: need('U', ad.U, out, r), V: need('V', ad.V, inn, r), sigma: vec('sigma', ad.sigma, r) };
        trainable = ['sigma'];
        this.scale = 1;
        this.frozenNames = new Set(['U', 'V']);
        break;
      }
      case 'sorsa': {
        const r = ad.S.length;
        this.tensors = { A: need('A', ad.A, r, inn), S: vec('S', ad.S, r), B: need('B', ad.B, out, r) };
        trainable = ['A', 'S', 'B'];
        this.scale = ad.scale;
        this.frozenNames = new Set();
        break;
      }
      case 'loldu': {
        const r = ad.z.length;
        // Stored in the svfit layout: U_ = P L (out x r), V_ = Uᵀ (in x r), diagonal z.
        this.tensors = { U: need('PL', ad.PL, out, r), V: transpose(need('U', ad.U, r, inn)) as M, z: vec('z', ad.z, r) };
        trainable = ['z'];
        this.scale = ad.scale;
        this.frozenNames = new Set(['U', 'V']);
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

  /** The adapter's factor or vector by name (live storage). */
  tensor(name: string): M {
    const t = this.tensors[name];
    if (!t) throw new DomainError(`AdaptedLinear (${this.kind}): no tensor named ${name}`);
    return t;
  }

  get merged(): boolean {
    return this.merged_;
  }

  /** ΔW (out x in), formed explicitly. */
  delta(): M {
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
    }
    const out = d as M;
    if (s !== 1) for (let i = 0; i < out.data.length; i++) out.data[i]! *= s;
    return out;
  }

  /** W_base + ΔW: the weight a plain Linear layer would need to compute the same function. */
  effectiveWeight(): M {
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
    checkInput('AdaptedLinear', 'x', x, this.inFeatures);
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
    }
    for (let i = 0; i < y.data.length; i++) y.data[i]! += s * contrib.data[i]!;
    this.cache = { x: X, h, h2 };
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.cache) throw new DomainError('AdaptedLinear: backward called before forward');
    const { x, h, h2 } = this.cache;
    checkGrad('AdaptedLinear', dy, x.rows, this.outFeatures);
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
        scaleInPlace(dh, s);
        acc('A', matmul(dh, x, { transA: true })); // r x in
        addInPlace(dx, matmul(dh, t.A!));
        break;
      }
      case 'core': {
        const dh2 = matmul(dY, t.B!);
        scaleInPlace(dh2, s);
        acc('R', matmul(dh2, h, { transA: true }));
        dh = matmul(dh2, t.R!);
        addInPlace(dx, matmul(dh, t.A!));
        break;
      }
      case 'svfit':
      case 'loldu': {
        const name = this.kind === 'svfit' ? 'sigma' : 'z';
        const diag = t[name]!.data;
        const dh2 = matmul(dY, t.U!); // batch x r
        scaleInPlace(dh2, s);
        acc(name, colSums(hadamardOf(dh2, h)));
        dh = scaleCols(dh2, diag);
        addInPlace(dx, matmul(dh, t.V!, { transB: true }));
        break;
      }
      case 'sorsa': {
        acc('B', matmul(dY, h2, { transA: true }), s);
        const dh2 = matmul(dY, t.B!);
        scaleInPlace(dh2, s);
        acc('S', colSums(hadamardOf(dh2, h)));
        dh = scaleCols(dh2, t.S!.data);
        acc('A', matmul(dh, x, { transA: true }));
        addInPlace(dx, matmul(dh, t.A!));
        break;
      }
    }
    return dx;
  }

  toJSON(): ModuleJSON {
    const t: Record<string, { rows: number; cols: number; data: number[] }> = {};
    for (const [k, v] of Object.entries(this.tensors)) t[k] = { rows: v.rows, cols: v.cols, data: Array.from(v.data) };
    return {
      type: 'AdaptedLinear',
      kind: this.kind,
      scale: this.scale,
      merged: this.merged_,
      base: { rows: this.base.rows, cols: this.base.cols, data: Array.from(this.base.data) },
      bias: this.bias ? Array.from(this.bias) : null,
      tensors: t,
      frozen: [...this.frozenNames],
    };
  }

  /** Rebuilds a layer from {@link toJSON} output (values identical). */
  static fromJSON(json: ModuleJSON): AdaptedLinear {
    if (json.type !== 'AdaptedLinear') throw new DomainError(`AdaptedLinear.fromJSON: type is ${String(json.type)}`);
    const j = json as unknown as {
      kind: Adapter['kind'];
      scale: number;
      merged: boolean;
      base: { rows: number; cols: number; data: number[] };
      bias: number[] | null;
      tensors: Record<string, { rows: number; cols: number; data: number[] }>;
      frozen: string[];
    };
    const m = (k: string): Matrix => {
      const v = j.tensors[k];
      if (!v) throw new DomainError(`AdaptedLinear.fromJSON: missing tensor ${k}`);
      return { rows: v.rows, cols: v.cols, data: Float64Array.from(v.data) };
    };
    let adapter: Adapter;
    switch (j.kind) {
      case 'lora':
        adapter = { kind: 'lora', A: m('A'), B: m('B'), scale: j.scale, frozen: j.frozen.filter((n) => n === 'A' || n === 'B') as ('A' | 'B')[] };
        break;
      case 'core':
        adapter = { kind: 'core', A: m('A'), B: m('B'), R: m('R'), scale: j.scale };
        break;
      case 'svfit':
        adapter = { kind: 'svfit', U: m('U'), V: m('V'), sigma: m('sigma').data };
        break;
      case 'sorsa':
        adapter = { kind: 'sorsa', A: m('A'), S: m('S').data, B: m('B'), scale: j.scale };
        break;
      case 'loldu':
        adapter = { kind: 'loldu', PL: m('U'), U: transpose(m('V')), z: m('z').data, scale: j.scale };
        break;
      default:
        throw new DomainError(`AdaptedLinear.fromJSON: unknown kind ${String(j.kind)}`);
    }
    const layer = new AdaptedLinear({ base: { rows: j.base.rows, cols: j.base.cols, data: Float64Array.from(j.base.data) }, bias: j.bias ?? undefined, adapter });
    layer.merged_ = j.merged;
    return layer;
  }
}

function hadamardOf(a: Matrix, b: Matrix): M {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! * b.data[i]!;
  return { rows: a.rows, cols: a.cols, data: out };
}

function colSums(a: Matrix): M {
  const out = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j]! += a.data[i * a.cols + j]!;
  return { rows: 1, cols: a.cols, data: out };
}

function addRow(y: M, b: Float64Array): void {
  for (let i = 0; i < y.rows; i++) for (let j = 0; j < y.cols; j++) y.data[i * y.cols + j]! += b[j]!;
}

function scaleInPlace(a: Matrix, s: number): void {
  if (s !== 1) for (let i = 0; i < a.data.length; i++) a.data[i]! *= s;
}

function addInPlace(a: Matrix, b: Matrix): void {
  for (let i = 0; i < a.data.length; i++) a.data[i]! += b.data[i]!;
}
