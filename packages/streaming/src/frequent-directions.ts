import { DomainError, type EncodedArray, encodeArray, gram, type Matrix, matmul, type StateJSON, stateJSON } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { legacyArray, openCheckpoint } from './checkpoint';
import { eigh } from '@x/linalg';
import { checkInt, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRowsAs, feedRowsSyncAs, type RowSource } from './source';
import { dotN, maxAbs, scaleExponent } from './vec';

/** Options of {@link FrequentDirections}. */
export interface FrequentDirectionsOptions {
  /** Row length d. */
  dim: number;
  /** Sketch size ℓ (>= 1): the sketch keeps at most 2ℓ rows and the guarantee is stated for ℓ. */
  ell: number;
}

/**
 * The checkpoint of a {@link FrequentDirections}: the `@x` state envelope, typed arrays bit-exact.
 * The `kind`-tagged format of earlier releases is still read by `fromJSON` for one release.
 */
export interface FrequentDirectionsJSON
  extends StateJSON<
    'FrequentDirections',
    { dim: number; ell: number },
    { rowsSeen: number; filled: number; B: EncodedArray; shrinkTotal: number; frobeniusSq: number }
  > {}

/**
 * Frequent Directions: a deterministic streaming sketch B (at most 2ℓ x d) of the rows of A with
 * 0 ⪯ AᵀA − BᵀB and, for every k < ℓ,
 *   ‖AᵀA − BᵀB‖₂ ≤ Σ_t δ_t ≤ ‖A − A_k‖_F² / (ℓ − k).
 * Liberty, "Simple and deterministic matrix sketching" (KDD 2013); the 2ℓ-buffer variant with
 * shrinkage δ = σ_ℓ² of Ghashami, Liberty, Phillips & Woodruff, "Frequent Directions: simple
 * and deterministic matrix sketching" (SIAM J. Comput. 45, 2016), Alg. 3.1 / Thm. 1.1.
 *
 * Rows go into empty sketch rows; when all 2ℓ are full, B ← sqrt(max(Σ² − δ, 0)) Vᵀ from the SVD
 * B = U Σ Vᵀ (computed from the eigenpairs of the 2ℓ x 2ℓ matrix BBᵀ), which empties rows ℓ … 2ℓ. Amortized O(d ℓ) per row, memory 2ℓ·d. The shrinkages δ_t
 * are summed in {@link FrequentDirections.shrinkTotal}: an a-posteriori bound on the error.
 */
export class FrequentDirections {
  readonly dim: number;
  readonly ell: number;
  private B: Float64Array;
  private filled = 0;
  private t = 0;
  private shrink = 0;
  private fro = 0;

  constructor(opts: FrequentDirectionsOptions) {
    if (typeof opts !== 'object' || opts === null) throw new DomainError('FrequentDirections: options { dim, ell } are required');
    checkOptions('FrequentDirections', opts, ['dim', 'ell']);
    checkInt('FrequentDirections', 'dim', opts.dim, 1);
    checkInt('FrequentDirections', 'ell', opts.ell, 1);
    this.dim = opts.dim;
    this.ell = opts.ell;
    this.B = new Float64Array(2 * opts.ell * opts.dim);
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.t;
  }

  /** Σ δ_t over all shrinkages: ‖AᵀA − BᵀB‖₂ ≤ this. */
  get shrinkTotal(): number {
    return this.shrink;
  }

  /** ‖A‖_F² of the rows seen. */
  get frobeniusSq(): number {
    return this.fro;
  }

  /** Consumes one row (length `dim`). */
  update(row: RowLike): this {
    const d = this.dim;
    checkRow('FrequentDirections.update', row, d, this.t);
    if (this.filled === 2 * this.ell) this.shrinkSketch();
    const off = this.filled * d;
    for (let j = 0; j < d; j++) this.B[off + j] = row[j]!;
    this.filled++;
    this.t++;
    this.fro += dotN(row, row, d);
    return this;
  }

  private shrinkSketch(): void {
    const d = this.dim;
    const rows = this.filled;
    const B: Matrix = { rows, cols: d, data: this.B.subarray(0, rows * d) };
    // Eigenpairs of BBᵀ (2ℓ x 2ℓ) instead of an SVD of B: new row i is sqrt(1 − δ/λ_i)·u_iᵀB, which is
    // sqrt(σ_i² − δ)·v_iᵀ. Errors are O(eps·σ₁²) in BᵀB, far below the guarantee's ‖A − A_k‖²_F/(ℓ − k).
    // The Gram matrix squares the entries: past 2^±400 it is formed from B times a power of two
    // (exact), which scales every λ_i by s² and leaves the eigenvectors and the ratios δ/λ_i alone.
    const s = 2 ** -scaleExponent(maxAbs(B.data));
    const Bs: Matrix = s === 1 ? B : { rows, cols: d, data: B.data.map((v) => v * s) };
    const { values, vectors } = eigh(gram(Bs, { outer: true }));
    const lam = (i: number): number => Math.max(values[rows - 1 - i]!, 0); // i-th largest, times s²
    // Rank <= min(rows, d) < ℓ: σ_ℓ is exactly 0, do not let roundoff pretend otherwise.
    const delta = this.ell <= Math.min(rows, d) ? lam(this.ell - 1) : 0;
    this.shrink += delta / s / s;
    // Rows i >= ℓ − 1 vanish: λ_i <= λ_ℓ = δ.
    const keep = Math.min(this.ell - 1, rows);
    const Usel = new Float64Array(rows * keep);
    for (let r = 0; r < rows; r++) for (let i = 0; i < keep; i++) Usel[r * keep + i] = vectors.data[r * rows + rows - 1 - i]!;
    const W = matmul({ rows, cols: keep, data: Usel }, B, { transA: true }).data;
    this.B.fill(0);
    for (let i = 0; i < keep; i++) {
      const li = lam(i);
      const f = li > 0 ? Math.sqrt(Math.max(1 - delta / li, 0)) : 0;
      for (let j = 0; j < d; j++) this.B[i * d + j] = f * W[i * d + j]!;
    }
    this.filled = keep;
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows. */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSyncAs('FrequentDirections.updateAll', this, rows, opts);
    return this;
  }

  /** Consumes any row source. */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRowsAs('FrequentDirections.consume', this, source, opts);
    return this;
  }

  /** The sketch B: its occupied rows (at most 2ℓ) x d, a copy. BᵀB ≈ AᵀA. */
  sketch(): Matrix<Float64Array> {
    return { rows: this.filled, cols: this.dim, data: this.B.slice(0, this.filled * this.dim) };
  }

  /**
   * The a-priori guarantee ‖A − A_k‖_F² / (ℓ − k) for a given tail energy ‖A − A_k‖_F² (k < ℓ);
   * with k = 0 the tail is ‖A‖_F² (known to the sketch: {@link FrequentDirections.frobeniusSq}).
   */
  static errorBound(tailEnergy: number, ell: number, k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= ell) throw new DomainError(`FrequentDirections.errorBound: need 0 <= k < ell, got k = ${k}, ell = ${ell}`);
    return tailEnergy / (ell - k);
  }

  toJSON(): FrequentDirectionsJSON {
    return stateJSON(
      'FrequentDirections',
      { dim: this.dim, ell: this.ell },
      {
        rowsSeen: this.t,
        filled: this.filled,
        B: encodeArray(this.B.slice(0, this.filled * this.dim)),
        shrinkTotal: this.shrink,
        frobeniusSq: this.fro,
      },
    );
  }

  /**
   * Resumes from {@link FrequentDirections.toJSON} output bit-identically. Every field is checked
   * (a DomainError or ShapeError names it). Also reads the `kind`-tagged format of earlier
   * releases, and JSON text (deprecated; a parse failure is a DomainError).
   */
  static fromJSON(json: FrequentDirectionsJSON): FrequentDirections {
    const fn = 'FrequentDirections.fromJSON';
    const { config, state } = openCheckpoint(fn, 'FrequentDirections', json, (j) => ({
      type: 'FrequentDirections',
      version: 2,
      config: { dim: j.dim, ell: j.ell },
      state: { rowsSeen: j.rowsSeen, filled: j.filled, B: legacyArray(j.B), shrinkTotal: j.shrinkTotal, frobeniusSq: j.frobeniusSq },
    }));
    const f = new FrequentDirections({ dim: config.int('dim', 1), ell: config.int('ell', 1) });
    const rowsSeen = state.int('rowsSeen');
    const filled = state.int('filled');
    if (filled > 2 * f.ell || filled > rowsSeen) throw new DomainError(`${fn}: state.filled = ${filled} exceeds 2 ell = ${2 * f.ell} or rowsSeen = ${rowsSeen}`);
    f.B.set(state.f64('B', { length: filled * f.dim, finite: true }));
    f.filled = filled;
    f.t = rowsSeen;
    f.shrink = state.number('shrinkTotal', { min: 0 });
    f.fro = state.number('frobeniusSq', { min: 0 });
    return f;
  }
}
