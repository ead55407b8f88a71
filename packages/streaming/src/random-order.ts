import { DomainError, type EncodedArray, encodeArray, type Matrix, ShapeError, type StateJSON, stateJSON } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { legacyArray, openCheckpoint, readScaleExp } from './checkpoint';
import { eigh } from '@x/linalg';
import { checkInt, checkPositive, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRowsAs, feedRowsSyncAs, type RowSource } from './source';
import { dotN, maxAbs, normalizeInPlace, randomUnit, scaleExponent, seededRng } from './vec';

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
  /** Rows buffered to estimate ‖A‖_F² before the first classification. Default min(2d, first block). */
  warmup?: number;
  /** Seed of the random starting vector. Default 0. */
  seed?: number;
}

/**
 * The checkpoint of a {@link RandomOrderEigenvector}: the `@x` state envelope, typed arrays
 * bit-exact. The `kind`-tagged format of earlier releases is still read by `fromJSON` for one release.
 */
export interface RandomOrderJSON
  extends StateJSON<
    'RandomOrderEigenvector',
    { dim: number; n: number; c: number; blocks: number; warmup: number },
    {
      rowsSeen: number;
      block: number;
      heavySumSq: number;
      lightSumSq: number;
      lightRows: number;
      buffer: EncodedArray;
      heavy: EncodedArray;
      v: EncodedArray;
      basis: EncodedArray;
      acc: EncodedArray;
      accRows: EncodedArray;
      /** E when the rows are tracked as a·2^−E (absent: 0). */
      scaleExp?: number;
    }
  > {}

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
 * not be read here (only its abstract and summaries, which also mention row-norm sampling and a
 * Gaussian sketch to save bits), so the steps below are a documented reconstruction:
 * - Warm-up: the first `warmup` rows are buffered; F̂ = Σ_heavy ‖a‖² + (n − h)/(t − h)·Σ_light ‖a‖²
 *   (heavy rows counted once, not extrapolated) is iterated with the classification to a fixed
 *   point on the buffer. Afterwards row t is heavy when ‖a_t‖² > F̂_t/(c·d), F̂_t from the prefix.
 * - The stream is split into L equal blocks. During block j the light rows are accumulated
 *   against an orthonormal basis Q = orth[v_j, heavy rows] (a block of 1 + rank(H) vectors; a
 *   heavy row arriving mid-block joins the basis with its own accumulator):
 *   W_q = Σ_light a (aᵀq), an unbiased estimate of the light part's action after scaling by
 *   (#light rows overall)/(#light rows accumulated) in random order.
 * - At the block's end, Y = M̂Q with M̂ = HᵀH + scaled light estimate; the Ritz vector y of the
 *   small matrix QᵀY and one power step give v_{j+1} = normalize(Y y).
 * The basis is our addition to a plain power step v ← normalize(M̂v): it makes a heavy row that
 * arrives late (last blocks, probability about 1/L each) count at once, and keeps the top
 * direction even when no light row has energy along it.
 *
 * When the first row's largest |entry| is outside 2^±400, every row is used times a power of two
 * (exact) that brings that entry near 1, so ‖a‖², F̂ and the accumulators neither overflow nor
 * underflow; v is unaffected and `frobeniusSqEstimate` is scaled back.
 *
 * Memory O((warmup + h)·d + k·d), k = 1 + rank(H); time O(k·d) per light row. Bad rows throw
 * naming the stream index and change nothing; toJSON/fromJSON resume bit-identically.
 */
export class RandomOrderEigenvector {
  readonly dim: number;
  readonly n: number;
  readonly c: number;
  readonly blocks: number;
  readonly warmup: number;
  private t = 0;
  private block = 0;
  private heavySumSq = 0;
  private lightSumSq = 0;
  private lightRows = 0;
  /** Rows are used times 2^−scaleExp: 0 unless the first row is huge or tiny (see `scaleExponent`). */
  private scaleExp = 0;
  private buffer: number[] = [];
  private heavy: number[] = [];
  private v: Float64Array;
  /** Basis rows q_k (k x d, orthonormal), their accumulators W_k and light-row counts. */
  private basis: Float64Array[] = [];
  private acc: Float64Array[] = [];
  private accRows: number[] = [];

  constructor(opts: RandomOrderOptions) {
    const fn = 'RandomOrderEigenvector';
    if (typeof opts !== 'object' || opts === null) throw new DomainError(`${fn}: options { dim, n } are required`);
    checkOptions(fn, opts, ['dim', 'n', 'c', 'blocks', 'warmup', 'seed']);
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
    const firstBlock = this.blockEnd(0);
    const warmup = opts.warmup ?? Math.min(2 * d, firstBlock);
    checkInt(fn, 'warmup', warmup, 0);
    if (warmup > firstBlock) throw new DomainError(`${fn}: warmup (${warmup}) must fit in the first block (${firstBlock} rows)`);
    this.warmup = warmup;
    this.v = randomUnit(d, seededRng(opts.seed ?? 0));
    this.resetBasis();
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.t;
  }

  /** Rows stored exactly so far (h). */
  get heavyCount(): number {
    return this.heavy.length / this.dim;
  }

  /** Power steps completed so far (0 … blocks). */
  get blocksDone(): number {
    return this.block;
  }

  /** End (exclusive stream index) of block j: blocks are ⌊j·n/L⌋ … ⌊(j+1)·n/L⌋ − 1. */
  private blockEnd(j: number): number {
    return Math.floor(((j + 1) * this.n) / this.blocks);
  }

  /** Current estimate F̂ of ‖A‖_F² from the prefix seen so far (heavy rows counted once). */
  frobeniusSqEstimate(): number {
    const f = this.fHat();
    return this.scaleExp === 0 ? f : f * 2 ** this.scaleExp * 2 ** this.scaleExp;
  }

  /** F̂ in the units the rows are tracked in. */
  private fHat(): number {
    const h = this.heavyCount;
    if (this.lightRows === 0) return this.heavySumSq;
    return this.heavySumSq + ((this.n - h) / this.lightRows) * this.lightSumSq;
  }

  /** Consumes one row (length `dim`). */
  update(row: RowLike): this {
    const fn = 'RandomOrderEigenvector.update';
    const d = this.dim;
    checkRow(fn, row, d, this.t);
    if (this.t >= this.n) {
      throw new DomainError(`${fn}: row ${this.t} is past the declared stream length n = ${this.n}`);
    }
    // A first row past 2^±400 fixes a power-of-two scale for the stream: ‖a‖², F̂ and the power
    // step's accumulators Σ a (aᵀq) would over- or underflow, while v depends on directions only.
    if (this.t === 0) this.scaleExp = scaleExponent(maxAbs(row));
    const f = 2 ** -this.scaleExp;
    const a: RowLike = f === 1 ? row : Float64Array.from({ length: d }, (_, i) => row[i]! * f);
    if (this.t < this.warmup) {
      for (let i = 0; i < d; i++) this.buffer.push(a[i]!);
      this.t++;
      if (this.t === this.warmup) this.endWarmup();
    } else {
      const s = dotN(a, a, d);
      if (s > this.fHat() / (this.c * d)) this.addHeavy(a, s);
      else this.addLight(a, s);
      this.t++;
    }
    if (this.t === this.blockEnd(this.block)) this.powerStep();
    return this;
  }

  /** Classifies the buffered rows against the fixed point of F̂ and the threshold. */
  private endWarmup(): void {
    const d = this.dim;
    const w = this.buffer.length / d;
    const norms = new Float64Array(w);
    for (let r = 0; r < w; r++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += this.buffer[r * d + i]! ** 2;
      norms[r] = s;
    }
    // Heavy set grows monotonically as F̂ (with heavy rows counted once) falls: a fixed point in <= w rounds.
    const heavy = new Uint8Array(w);
    for (let round = 0; round <= w; round++) {
      let hs = 0;
      let ls = 0;
      let h = 0;
      for (let r = 0; r < w; r++) {
        if (heavy[r]) {
          hs += norms[r]!;
          h++;
        } else ls += norms[r]!;
      }
      const F = w - h > 0 ? hs + ((this.n - h) / (w - h)) * ls : hs;
      let changed = false;
      for (let r = 0; r < w; r++) {
        if (!heavy[r] && norms[r]! > F / (this.c * d)) {
          heavy[r] = 1;
          changed = true;
        }
      }
      if (!changed) break;
    }
    const buf = Float64Array.from(this.buffer);
    this.buffer = [];
    for (let r = 0; r < w; r++) if (heavy[r]) this.addHeavy(buf.subarray(r * d, (r + 1) * d), norms[r]!);
    for (let r = 0; r < w; r++) if (!heavy[r]) this.addLight(buf.subarray(r * d, (r + 1) * d), norms[r]!);
  }

  private addHeavy(row: RowLike, s: number): void {
    const d = this.dim;
    for (let i = 0; i < d; i++) this.heavy.push(row[i]!);
    this.heavySumSq += s;
    this.extendBasis(row);
  }

  private addLight(row: RowLike, s: number): void {
    const d = this.dim;
    this.lightSumSq += s;
    this.lightRows++;
    for (let k = 0; k < this.basis.length; k++) {
      const q = this.basis[k]!;
      const g = dotN(row, q, d);
      const W = this.acc[k]!;
      for (let i = 0; i < d; i++) W[i] = W[i]! + g * row[i]!;
      this.accRows[k]!++;
    }
  }

  /** Adds the part of x orthogonal to the basis as a new basis vector (when it is not negligible). */
  private extendBasis(x: RowLike): void {
    const d = this.dim;
    if (this.basis.length >= d) return;
    const z = Float64Array.from(x as ArrayLike<number>);
    const n0 = Math.sqrt(dotN(z, z, d));
    if (n0 === 0) return;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of this.basis) {
        const g = dotN(z, q, d);
        for (let i = 0; i < d; i++) z[i] = z[i]! - g * q[i]!;
      }
    }
    if (normalizeInPlace(z) <= 1e-10 * n0) return;
    this.basis.push(z);
    this.acc.push(new Float64Array(d));
    this.accRows.push(0);
  }

  /** Basis for a new block: orth[v, heavy rows], zero accumulators. */
  private resetBasis(): void {
    this.basis = [this.v.slice()];
    this.acc = [new Float64Array(this.dim)];
    this.accRows = [0];
    const d = this.dim;
    const h = this.heavyCount;
    for (let r = 0; r < h; r++) this.extendBasis(this.heavy.slice(r * d, (r + 1) * d));
  }

  /** Y = M̂Q, Ritz vector y of QᵀY, v ← normalize(Y y); then a fresh basis. */
  private powerStep(): void {
    const d = this.dim;
    const k = this.basis.length;
    const h = this.heavyCount;
    const lightTotal = this.n - h;
    const Y: Float64Array[] = [];
    for (let j = 0; j < k; j++) {
      const q = this.basis[j]!;
      const y = new Float64Array(d);
      const cnt = this.accRows[j]!;
      if (cnt > 0) {
        const scale = lightTotal / cnt;
        const W = this.acc[j]!;
        for (let i = 0; i < d; i++) y[i] = scale * W[i]!;
      }
      for (let r = 0; r < h; r++) {
        const off = r * d;
        let g = 0;
        for (let i = 0; i < d; i++) g += this.heavy[off + i]! * q[i]!;
        for (let i = 0; i < d; i++) y[i] = y[i]! + g * this.heavy[off + i]!;
      }
      Y.push(y);
    }
    let coef: Float64Array;
    if (k === 1) {
      coef = Float64Array.of(1);
    } else {
      const T = new Float64Array(k * k);
      for (let a = 0; a < k; a++) {
        for (let b = a; b < k; b++) {
          const s = 0.5 * (dotN(this.basis[a]!, Y[b]!, d) + dotN(this.basis[b]!, Y[a]!, d));
          T[a * k + b] = s;
          T[b * k + a] = s;
        }
      }
      const { vectors } = eigh({ rows: k, cols: k, data: T });
      coef = new Float64Array(k);
      for (let a = 0; a < k; a++) coef[a] = vectors.data[a * k + k - 1]!;
    }
    const u = new Float64Array(d);
    for (let j = 0; j < k; j++) {
      const cj = coef[j]!;
      const y = Y[j]!;
      for (let i = 0; i < d; i++) u[i] = u[i]! + cj * y[i]!;
    }
    // A block whose rows were all zero leaves v as it was (u = 0 has no direction).
    if (normalizeInPlace(u) > 0) this.v = u;
    this.block++;
    this.resetBasis();
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows. */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSyncAs('RandomOrderEigenvector.updateAll', this, rows, opts);
    return this;
  }

  /** Consumes any row source (iterable, async iterable, ReadableStream, Matrix). */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRowsAs('RandomOrderEigenvector.consume', this, source, opts);
    return this;
  }

  /** The current iterate v_j (unit norm, a copy); final once all n rows are in. */
  vector(): Float64Array {
    return this.v.slice();
  }

  toJSON(): RandomOrderJSON {
    const flat = (xs: Float64Array[]) => {
      const out = new Float64Array(xs.length * this.dim);
      for (let i = 0; i < xs.length; i++) out.set(xs[i]!, i * this.dim);
      return encodeArray(out);
    };
    return stateJSON(
      'RandomOrderEigenvector',
      { dim: this.dim, n: this.n, c: this.c, blocks: this.blocks, warmup: this.warmup },
      {
        rowsSeen: this.t,
        block: this.block,
        heavySumSq: this.heavySumSq,
        lightSumSq: this.lightSumSq,
        lightRows: this.lightRows,
        buffer: encodeArray(Float64Array.from(this.buffer)),
        heavy: encodeArray(Float64Array.from(this.heavy)),
        v: encodeArray(this.v),
        basis: flat(this.basis),
        acc: flat(this.acc),
        accRows: encodeArray(Float64Array.from(this.accRows)),
        ...(this.scaleExp !== 0 ? { scaleExp: this.scaleExp } : {}),
      },
    );
  }

  /**
   * Resumes from {@link RandomOrderEigenvector.toJSON} output bit-identically. Every field is
   * checked (a DomainError or ShapeError names it). Also reads the `kind`-tagged format of
   * earlier releases, and JSON text (deprecated; a parse failure is a DomainError).
   */
  static fromJSON(json: RandomOrderJSON): RandomOrderEigenvector {
    const fn = 'RandomOrderEigenvector.fromJSON';
    const { config, state } = openCheckpoint(fn, 'RandomOrderEigenvector', json, (j) => ({
      type: 'RandomOrderEigenvector',
      version: 2,
      config: { dim: j.dim, n: j.n, c: j.c, blocks: j.blocks, warmup: j.warmup },
      state: {
        rowsSeen: j.rowsSeen,
        block: j.block,
        heavySumSq: j.heavySumSq,
        lightSumSq: j.lightSumSq,
        lightRows: j.lightRows,
        buffer: legacyArray(j.buffer),
        heavy: legacyArray(j.heavy),
        v: legacyArray(j.v),
        basis: legacyArray(j.basis),
        acc: legacyArray(j.acc),
        accRows: legacyArray(j.accRows),
      },
    }));
    const e = new RandomOrderEigenvector({
      dim: config.int('dim', 1),
      n: config.int('n', 1),
      c: config.number('c'),
      blocks: config.int('blocks', 1),
      warmup: config.int('warmup', 0),
    });
    const d = e.dim;
    const accRows = Array.from(state.f64('accRows'));
    const k = accRows.length;
    if (accRows.some((r) => !Number.isInteger(r) || r < 0)) throw new DomainError(`${fn}: state.accRows must hold non-negative integers`);
    const buffer = state.f64('buffer', { finite: true });
    const heavy = state.f64('heavy', { finite: true });
    if (buffer.length % d !== 0 || heavy.length % d !== 0) throw new ShapeError(`${fn}: state.buffer and state.heavy must hold whole rows of dim = ${d}`);
    const basis = state.f64('basis', { length: k * d, finite: true });
    const acc = state.f64('acc', { length: k * d, finite: true });
    e.v = state.f64('v', { length: d, finite: true });
    e.t = state.int('rowsSeen');
    e.block = state.int('block');
    e.heavySumSq = state.number('heavySumSq', { min: 0 });
    e.lightSumSq = state.number('lightSumSq', { min: 0 });
    e.lightRows = state.int('lightRows');
    e.buffer = Array.from(buffer);
    e.heavy = Array.from(heavy);
    e.basis = Array.from({ length: k }, (_, i) => basis.slice(i * d, (i + 1) * d));
    e.acc = Array.from({ length: k }, (_, i) => acc.slice(i * d, (i + 1) * d));
    e.accRows = accRows;
    e.scaleExp = readScaleExp(fn, state);
    return e;
  }
}
