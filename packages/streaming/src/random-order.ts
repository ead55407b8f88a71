import { DomainError, type Matrix } from '@x/gpu';
import { checkInt, checkPositive, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRows, feedRowsSync, type RowSource } from './source';
import { dotN, normalizeInPlace, randomUnit, seededRng, toArray } from './vec';

/** Options of {@link RandomOrderEigenvector}. */
export interface RandomOrderOptions {
  /** Row length d. */
  dim: number;
  /** Stream length n (known in advance, as in the random-order model). */
  n: number;
  /**
   * Heavy-row constant c: a row is kept exactly when ‖a‖² > F̂ / (c·d), F̂ the running estimate of
   * ‖A‖_F². The paper's threshold is ‖A‖_F² / (d·polylog d); c stands in for the polylog. Default 4.
   */
  c?: number;
  /** Number L of power-iteration blocks the stream is split into. Default 2⌈log₂ d⌉ (at least 2, at most n). */
  blocks?: number;
  /** Seed of the random starting vector. Default 0. */
  seed?: number;
}

/** The checkpoint of a {@link RandomOrderEigenvector}: plain JSON. */
export interface RandomOrderJSON {
  kind: 'RandomOrderEigenvector';
  version: 1;
  dim: number;
  n: number;
  c: number;
  blocks: number;
  rowsSeen: number;
  block: number;
  heavySumSq: number;
  lightSumSq: number;
  heavy: number[];
  v: number[];
  w: number[];
}

/**
 * Top eigenvector of AᵀA from rows of A arriving once in uniformly random order: heavy rows
 * are kept exactly, light rows drive a block power method, one power step per block of the
 * stream. After Kacham & Woodruff, "Approximating the Top Eigenvector in Random Order Streams"
 * (NeurIPS 2024, arXiv 2412.11963), whose guarantee is correlation 1 − O(1/√R) with
 * R = σ₁²/σ₂² in O(h·d·polylog d) bits, h the number of heavy rows.
 *
 * What is the paper's and what is ours. The paper's: the setting (random order, n known), the
 * split into heavy rows (‖a‖ ≥ ‖A‖_F/√(d·polylog d)) stored exactly and light rows, and a block
 * power method over the light rows with Θ(log d) iterations. The paper's Algorithm 1 itself could
 * not be read here (only its abstract and summaries, which also mention row-norm sampling and
 * a Gaussian sketch to save bits), so the steps below are a documented reconstruction:
 * - F̂_t = Σ_heavy ‖a‖² + (n/t)·Σ_light-so-far ‖a‖² estimates ‖A‖_F² from the prefix (heavy rows
 *   are counted once, not extrapolated, so one early heavy row cannot inflate the threshold and
 *   hide the next one); row t is heavy when ‖a_t‖² > F̂_t/(c·d). Until light rows have been seen
 *   F̂ is small, so the first ≈ c·d rows are kept exactly: memory O(c·d²) at most, still
 *   independent of n.
 * - The stream is split into L equal blocks; over block j it accumulates w = Σ_light a (aᵀ v_j)
 *   in O(d) memory (no sampling: in float64 we do not count bits), and at the block's end
 *   v_{j+1} = normalize((n/|block_j|)·w + HᵀH v_j), H the heavy rows seen so far.
 *
 * Known limit of the reconstruction: a power step multiplies v's component along v₁ by the
 * light rows' energy along v₁ until the heavy rows carrying v₁ have arrived; if the light rows
 * have exactly none (v₁ ⟂ every light row) and no heavy row falls in the first block, that
 * component is lost and cannot return. Any light energy along v₁ (noise suffices) avoids it.
 *
 * Memory O((h + 1)·d), time O(d) per light row plus O(h·d) per block. Bad rows throw naming the
 * stream index and change nothing; toJSON/fromJSON resume bit-identically.
 */
export class RandomOrderEigenvector {
  readonly dim: number;
  readonly n: number;
  readonly c: number;
  readonly blocks: number;
  private t = 0;
  private block = 0;
  private heavySumSq = 0;
  private lightSumSq = 0;
  private heavy: Float64Array;
  private h = 0;
  private v: Float64Array;
  private w: Float64Array;

  constructor(opts: RandomOrderOptions) {
    const fn = 'RandomOrderEigenvector';
    if (typeof opts !== 'object' || opts === null) throw new DomainError(`${fn}: options { dim, n } are required`);
    checkInt(fn, 'dim', opts.dim, 1);
    checkInt(fn, 'n', opts.n, 1);
    const c = opts.c ?? 4;
    checkPositive(fn, 'c', c);
    const d = opts.dim;
    const blocks = opts.blocks ?? Math.min(opts.n, Math.max(2, 2 * Math.ceil(Math.log2(d))));
    checkInt(fn, 'blocks', blocks, 1);
    if (blocks > opts.n) throw new DomainError(`${fn}: blocks (${blocks}) must not exceed n (${opts.n})`);
    this.dim = d;
    this.n = opts.n;
    this.c = c;
    this.blocks = blocks;
    this.heavy = new Float64Array(4 * d);
    this.v = randomUnit(d, seededRng(opts.seed ?? 0));
    this.w = new Float64Array(d);
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.t;
  }

  /** Rows stored exactly so far (h). */
  get heavyCount(): number {
    return this.h;
  }

  /** Power steps completed so far (0 … blocks). */
  get blocksDone(): number {
    return this.block;
  }

  /** End (exclusive stream index) of block j: blocks are ⌊j·n/L⌋ … ⌊(j+1)·n/L⌋ − 1. */
  private blockEnd(j: number): number {
    return Math.floor(((j + 1) * this.n) / this.blocks);
  }

  /** Current estimate F̂ of ‖A‖_F² from the prefix seen so far. */
  frobeniusSqEstimate(): number {
    return this.t === 0 ? 0 : this.heavySumSq + (this.n * this.lightSumSq) / this.t;
  }

  /** Consumes one row (length `dim`). */
  update(row: RowLike): this {
    const fn = 'RandomOrderEigenvector.update';
    const d = this.dim;
    checkRow(fn, row, d, this.t);
    if (this.t >= this.n) {
      throw new DomainError(`${fn}: row ${this.t} is past the declared stream length n = ${this.n}`);
    }
    const s = dotN(row, row, d);
    if (s > this.frobeniusSqEstimate() / (this.c * d)) {
      if ((this.h + 1) * d > this.heavy.length) {
        const grown = new Float64Array(2 * this.heavy.length);
        grown.set(this.heavy);
        this.heavy = grown;
      }
      const off = this.h * d;
      for (let i = 0; i < d; i++) this.heavy[off + i] = row[i]!;
      this.h++;
      this.heavySumSq += s;
    } else {
      this.lightSumSq += s;
      const g = dotN(row, this.v, d);
      const w = this.w;
      for (let i = 0; i < d; i++) w[i] = w[i]! + g * row[i]!;
    }
    this.t++;
    if (this.t === this.blockEnd(this.block)) this.powerStep();
    return this;
  }

  /** v ← normalize((n/|block|)·w + HᵀH v); clears w. */
  private powerStep(): void {
    const d = this.dim;
    const start = this.block === 0 ? 0 : this.blockEnd(this.block - 1);
    const scale = this.n / (this.t - start);
    const u = new Float64Array(d);
    for (let i = 0; i < d; i++) u[i] = scale * this.w[i]!;
    const H = this.heavy;
    const v = this.v;
    for (let r = 0; r < this.h; r++) {
      const off = r * d;
      let g = 0;
      for (let i = 0; i < d; i++) g += H[off + i]! * v[i]!;
      for (let i = 0; i < d; i++) u[i] = u[i]! + g * H[off + i]!;
    }
    // A block whose rows were all zero leaves v as it was (u = 0 has no direction).
    if (normalizeInPlace(u) > 0) this.v = u;
    this.w.fill(0);
    this.block++;
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows. */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSync(this, rows, opts);
    return this;
  }

  /** Consumes any row source (iterable, async iterable, ReadableStream, Matrix). */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRows(this, source, opts);
    return this;
  }

  /** The current iterate v_j (unit norm, a copy); final once all n rows are in. */
  vector(): Float64Array {
    return this.v.slice();
  }

  toJSON(): RandomOrderJSON {
    return {
      kind: 'RandomOrderEigenvector',
      version: 1,
      dim: this.dim,
      n: this.n,
      c: this.c,
      blocks: this.blocks,
      rowsSeen: this.t,
      block: this.block,
      heavySumSq: this.heavySumSq,
      lightSumSq: this.lightSumSq,
      heavy: toArray(this.heavy.subarray(0, this.h * this.dim)),
      v: toArray(this.v),
      w: toArray(this.w),
    };
  }

  /** Resumes from {@link RandomOrderEigenvector.toJSON} output (an object or its JSON string). */
  static fromJSON(json: RandomOrderJSON | string): RandomOrderEigenvector {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as RandomOrderJSON;
    const fn = 'RandomOrderEigenvector.fromJSON';
    if (j?.kind !== 'RandomOrderEigenvector' || j.version !== 1) {
      throw new DomainError(`${fn}: not a RandomOrderEigenvector checkpoint (kind/version mismatch)`);
    }
    const e = new RandomOrderEigenvector({ dim: j.dim, n: j.n, c: j.c, blocks: j.blocks });
    const d = j.dim;
    if (j.v.length !== d || j.w.length !== d || j.heavy.length % d !== 0) {
      throw new DomainError(`${fn}: vector lengths do not match dim = ${d}`);
    }
    checkInt(fn, 'rowsSeen', j.rowsSeen, 0);
    e.t = j.rowsSeen;
    e.block = j.block;
    e.heavySumSq = j.heavySumSq;
    e.lightSumSq = j.lightSumSq;
    e.h = j.heavy.length / d;
    e.heavy = new Float64Array(Math.max(4, e.h) * d);
    e.heavy.set(j.heavy);
    e.v = Float64Array.from(j.v);
    e.w = Float64Array.from(j.w);
    return e;
  }
}
