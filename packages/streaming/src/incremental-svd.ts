import { DomainError, type EncodedArray, encodeArray, frobeniusNorm, type Matrix, ShapeError, type StateJSON, stateJSON, transpose } from '@x/gpu';
import { checkOptions, checkSeed } from '@x/gpu/checks';
import { legacyArray, openCheckpoint, readScaleExp } from './checkpoint';
import { checkBlock, checkInt, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRowsAs, feedRowsSyncAs, type RowSource } from './source';
import { appendColumns, type CoreSvdOptions, EXACT_CORE, type SvdState } from './svd-update';
import { maxAbs, scaleExponent } from './vec';

/** Options of {@link IncrementalSVD}. */
export interface IncrementalSVDOptions {
  /** Number k of singular triplets kept (>= 1). Nothing is truncated while k >= min(rows, cols). */
  rank: number;
  /** Rows gathered by `update(row)` before one `addRows` step (default max(rank, 8)). */
  blockSize?: number;
  /**
   * How each update's small core is decomposed: 'exact' (default; the update is then exact up to
   * what truncation drops) or 'randomized' (Halko et al.; faster when rank is much smaller than
   * the block, as peft's IncrementalPCA uses `svd_lowrank`).
   */
  svd?: 'exact' | 'randomized';
  /** Randomized core only: power iterations (default 4) and extra columns (default rank, so q = 2k). */
  niter?: number;
  oversample?: number;
  /** Randomized core only: seed of its Gaussian test matrix, the same at every update (default 0). */
  seed?: number;
}

/** Which side of the matrix grows: 'columns' (addColumns, tracks U) or 'rows' (addRows, tracks V). */
export type GrowthMode = 'columns' | 'rows';

/**
 * The checkpoint of an {@link IncrementalSVD}: the `@x` state envelope, typed arrays bit-exact.
 * The `kind`-tagged format of earlier releases is still read by `fromJSON` for one release.
 */
export interface IncrementalSVDJSON
  extends StateJSON<
    'IncrementalSVD',
    { rank: number; blockSize: number; core: CoreSvdOptions },
    {
      mode: GrowthMode | null;
      dim: number;
      count: number;
      r: number;
      basis: EncodedArray;
      sigma: EncodedArray;
      energy: number;
      discarded: number;
      spectralBound: number;
      pending: EncodedArray;
      /** E when the data are tracked as M·2^−E (absent: 0); then σ and the energies are in those units. */
      scaleExp?: number;
    }
  > {}

/**
 * Incremental truncated SVD of a matrix that grows by blocks of columns (or of rows), in memory
 * independent of how many arrive: M = [A₁ A₂ …] ≈ U diag(σ) Vᵀ keeping the top `rank` triplets.
 * Brand, "Incremental singular value decomposition of uncertain data with missing values"
 * (ECCV 2002) and "Fast low-rank modifications of the thin singular value decomposition"
 * (Linear Algebra Appl. 415, 2006): each block is split into its part in span(U) and an
 * orthogonal residual (QR), and the SVD of the small (k + b) core gives the new U and σ.
 *
 * Only the fixed-size side is kept: U (rows x k) when columns are added, V (cols x k) when rows
 * are added (the other side grows with the stream). With rank >= min(rows, cols) nothing is
 * dropped and σ, U equal the batch SVD's to roundoff. When truncating, every dropped part is
 * positive semidefinite, so 0 ⪯ MMᵀ − U diag(σ²) Uᵀ and ‖MMᵀ − U diag(σ²) Uᵀ‖₂ ≤
 * {@link IncrementalSVD.spectralErrorBound} = Σ over steps of the largest dropped σ²
 * (and ≤ {@link IncrementalSVD.discardedEnergy}, the sum of all dropped σ²). With the
 * randomized core the kept part is still exactly representable (U has orthonormal columns), but
 * it is only approximately the best one; the bound then uses all dropped energy per step.
 *
 * When the first block's largest |entry| is outside 2^±400, every block is absorbed times a
 * power of two (exact) that brings it near 1, so σ² and the energies neither overflow nor
 * underflow and the checkpoint stays finite; σ and the energies are reported scaled back.
 *
 * Cost per block of b columns: O(rows·(k + b)² + (k + b)³). Blocks with NaN/Infinity or the
 * wrong size throw (naming row and column) and change nothing.
 */
export class IncrementalSVD {
  readonly rank: number;
  readonly blockSize: number;
  private readonly core: CoreSvdOptions;
  private mode: GrowthMode | null = null;
  private state: SvdState = { p: 0, r: 0, P: new Float64Array(0), sigma: new Float64Array(0) };
  private absorbed = 0;
  private energy = 0;
  private discarded = 0;
  private spectral = 0;
  /** Blocks are absorbed times 2^−scaleExp: 0 unless the first block is huge or tiny (see `scaleExponent`). */
  private scaleExp = 0;
  private pending: number[] = [];
  private pendingRows = 0;

  constructor(opts: IncrementalSVDOptions) {
    if (typeof opts !== 'object' || opts === null) throw new DomainError('IncrementalSVD: options { rank } are required');
    checkOptions('IncrementalSVD', opts, ['rank', 'blockSize', 'svd', 'niter', 'oversample', 'seed']);
    checkInt('IncrementalSVD', 'rank', opts.rank, 1);
    const bs = opts.blockSize ?? Math.max(opts.rank, 8);
    checkInt('IncrementalSVD', 'blockSize', bs, 1);
    this.rank = opts.rank;
    this.blockSize = bs;
    const method = opts.svd ?? 'exact';
    if (method !== 'exact' && method !== 'randomized') {
      throw new DomainError(`IncrementalSVD: svd must be 'exact' or 'randomized', got ${String(method)}`);
    }
    const niter = opts.niter ?? 4;
    const oversample = opts.oversample ?? opts.rank;
    const seed = opts.seed ?? 0;
    checkInt('IncrementalSVD', 'niter', niter, 0);
    checkInt('IncrementalSVD', 'oversample', oversample, 0);
    checkSeed('IncrementalSVD', 'seed', seed);
    this.core = method === 'exact' ? EXACT_CORE : { method, niter, oversample, seed };
  }

  /** 'columns', 'rows', or null before the first block. */
  get growth(): GrowthMode | null {
    return this.mode;
  }

  /** Columns (column mode) or rows (row mode) seen so far, pending rows included. */
  get count(): number {
    return this.absorbed + this.pendingRows;
  }

  /** Rows fed so far (row mode; 0 in column mode), for stream progress. */
  get rowsSeen(): number {
    return this.mode === 'columns' ? 0 : this.count;
  }

  /** Throws when this instance already grows along the other side. */
  private requireMode(fn: string, mode: GrowthMode): void {
    if (this.mode !== null && this.mode !== mode) {
      throw new DomainError(
        `IncrementalSVD.${fn}: this instance grows by ${this.mode}; one instance tracks one side (use a new instance, or transpose)`,
      );
    }
  }

  /** Fixes the growth side and the fixed dimension at the first block. */
  private start(mode: GrowthMode, dim: number): void {
    if (this.mode !== null) return;
    this.mode = mode;
    this.state = { p: dim, r: 0, P: new Float64Array(0), sigma: new Float64Array(0) };
  }

  /** Appends a block of columns (rows x b; the same row count every time). */
  addColumns(block: Matrix): this {
    this.requireMode('addColumns', 'columns');
    checkBlock('IncrementalSVD.addColumns', block, this.mode === 'columns' ? this.state.p : null, null, 'block', {
      at: this.count,
      unit: 'column',
    });
    this.start('columns', block.rows);
    this.absorb(block, block.cols);
    return this;
  }

  /** Appends a block of rows (b x cols; the same column count every time). */
  addRows(block: Matrix): this {
    this.requireMode('addRows', 'rows');
    checkBlock('IncrementalSVD.addRows', block, null, this.mode === 'rows' ? this.state.p : null, 'block', {
      at: this.count,
      unit: 'row',
    });
    this.flush();
    this.start('rows', block.cols);
    this.absorb(transpose(block), block.rows);
    return this;
  }

  /**
   * Appends one row (row mode). Rows are gathered into blocks of `blockSize` and absorbed
   * together; queries flush what is pending first.
   */
  update(row: RowLike): this {
    this.requireMode('update', 'rows');
    const dim = this.mode === 'rows' ? this.state.p : ((row as RowLike | null)?.length ?? -1);
    checkRow('IncrementalSVD.update', row, dim, this.count);
    this.start('rows', dim);
    for (let i = 0; i < row.length; i++) this.pending.push(row[i]!);
    this.pendingRows++;
    if (this.pendingRows >= this.blockSize) this.flush();
    return this;
  }

  /** Absorbs the rows gathered by `update`. */
  flush(): this {
    if (this.pendingRows === 0) return this;
    const block: Matrix = { rows: this.pendingRows, cols: this.state.p, data: Float64Array.from(this.pending) };
    this.pending = [];
    this.pendingRows = 0;
    this.absorb(transpose(block), block.rows);
    return this;
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows (row mode). */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSyncAs('IncrementalSVD.updateAll', this, rows, opts);
    return this.flush();
  }

  /** Consumes any row source (row mode). */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRowsAs('IncrementalSVD.consume', this, source, opts);
    return this.flush();
  }

  private absorb(Z: Matrix, added: number): void {
    if (Z.cols === 0) return;
    // A first block past 2^±400 fixes a power-of-two scale: σ² and the energies would over- or
    // underflow (and an infinite energy cannot be checkpointed); U, V do not depend on it.
    if (this.absorbed === 0) this.scaleExp = scaleExponent(maxAbs(Z.data));
    if (this.scaleExp !== 0) {
      const f = 2 ** -this.scaleExp;
      Z = { rows: Z.rows, cols: Z.cols, data: Float64Array.from(Z.data, (v) => v * f) };
    }
    const { state, drop } = appendColumns(this.state, Z, this.rank, this.core);
    const e = frobeniusNorm(Z) ** 2;
    this.state = state;
    this.absorbed += added;
    this.energy += e;
    this.discarded += drop.sum;
    this.spectral += drop.top;
  }

  /** The kept singular values, descending: min(rank, rows, cols seen) of them. */
  singularValues(): Float64Array {
    this.flush();
    const s = this.state.sigma.slice();
    if (this.scaleExp !== 0) for (let i = 0; i < s.length; i++) s[i] = s[i]! * 2 ** this.scaleExp;
    return s;
  }

  /** An energy in the tracked units, back in the data's (Infinity or 0 where float64 cannot hold it). */
  private unscaled(e: number): number {
    return this.scaleExp === 0 ? e : e * 2 ** this.scaleExp * 2 ** this.scaleExp;
  }

  /** Left singular vectors (rows x r) when growing by columns. */
  U(): Matrix<Float64Array> {
    if (this.mode === 'rows') {
      throw new DomainError('IncrementalSVD.U: this instance grows by rows, so U grows with the stream and is not kept; use V()');
    }
    return { rows: this.state.p, cols: this.state.r, data: this.state.P.slice() };
  }

  /** Right singular vectors (cols x r) when growing by rows. */
  V(): Matrix<Float64Array> {
    if (this.mode === 'columns') {
      throw new DomainError('IncrementalSVD.V: this instance grows by columns, so V grows with the stream and is not kept; use U()');
    }
    this.flush();
    return { rows: this.state.p, cols: this.state.r, data: this.state.P.slice() };
  }

  /** ‖M‖_F² of everything absorbed. */
  frobeniusSq(): number {
    this.flush();
    return this.unscaled(this.energy);
  }

  /** Sum of all σ² dropped by truncation: ‖M‖_F² − Σ σ² up to roundoff. */
  discardedEnergy(): number {
    this.flush();
    return this.unscaled(this.discarded);
  }

  /** Σ over updates of the largest dropped σ²: bounds ‖MMᵀ − U diag(σ²) Uᵀ‖₂ (0 when exact). */
  spectralErrorBound(): number {
    this.flush();
    return this.unscaled(this.spectral);
  }

  toJSON(): IncrementalSVDJSON {
    return stateJSON(
      'IncrementalSVD',
      { rank: this.rank, blockSize: this.blockSize, core: { ...this.core } },
      {
        mode: this.mode,
        dim: this.state.p,
        count: this.absorbed,
        r: this.state.r,
        basis: encodeArray(this.state.P),
        sigma: encodeArray(this.state.sigma),
        energy: this.energy,
        discarded: this.discarded,
        spectralBound: this.spectral,
        pending: encodeArray(Float64Array.from(this.pending)),
        ...(this.scaleExp !== 0 ? { scaleExp: this.scaleExp } : {}),
      },
    );
  }

  /**
   * Resumes from {@link IncrementalSVD.toJSON} output bit-identically. Every field is checked
   * (a DomainError or ShapeError names it). Also reads the `kind`-tagged format of earlier
   * releases, and JSON text (deprecated; a parse failure is a DomainError).
   */
  static fromJSON(json: IncrementalSVDJSON): IncrementalSVD {
    const fn = 'IncrementalSVD.fromJSON';
    const { config, state } = openCheckpoint(fn, 'IncrementalSVD', json, (j) => ({
      type: 'IncrementalSVD',
      version: 2,
      config: { rank: j.rank, blockSize: j.blockSize, core: j.core ?? EXACT_CORE },
      state: {
        mode: j.mode,
        dim: j.dim,
        count: j.count,
        r: j.r,
        basis: legacyArray(j.basis),
        sigma: legacyArray(j.sigma),
        energy: j.energy,
        discarded: j.discarded,
        spectralBound: j.spectralBound,
        pending: legacyArray(j.pending),
      },
    }));
    const c = config.object('core');
    const method = c.string('method', ['exact', 'randomized'] as const);
    const s = new IncrementalSVD({
      rank: config.int('rank', 1),
      blockSize: config.int('blockSize', 1),
      svd: method,
      niter: c.int('niter'),
      oversample: c.int('oversample'),
      seed: c.number('seed'),
    });
    const mode = state.raw('mode');
    if (mode !== null && mode !== 'columns' && mode !== 'rows') throw new DomainError(`${fn}: state.mode must be null, 'columns' or 'rows', got ${JSON.stringify(mode)}`);
    const dim = state.int('dim');
    const r = state.int('r');
    const pending = state.f64('pending', { finite: true });
    if (dim === 0 ? pending.length !== 0 : pending.length % dim !== 0) throw new ShapeError(`${fn}: state.pending must hold whole rows of dim = ${dim}`);
    s.mode = mode;
    s.state = { p: dim, r, P: state.f64('basis', { length: dim * r, finite: true }), sigma: state.f64('sigma', { length: r, finite: true }) };
    s.absorbed = state.int('count');
    s.energy = state.number('energy', { min: 0 });
    s.discarded = state.number('discarded', { min: 0 });
    s.spectral = state.number('spectralBound', { min: 0 });
    s.scaleExp = readScaleExp(fn, state);
    s.pending = Array.from(pending);
    s.pendingRows = dim > 0 ? pending.length / dim : 0;
    return s;
  }
}
