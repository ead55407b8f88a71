import { DomainError, type EncodedArray, encodeArray, type Matrix, ShapeError, type StateJSON, stateJSON } from '@x/gpu';
import { checkOptions, checkSeed } from '@x/gpu/checks';
import { legacyArray, openCheckpoint, readScaleExp } from './checkpoint';
import { IncrementalSVD, type IncrementalSVDJSON } from './incremental-svd';
import { checkBlock, checkInt, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRowsAs, feedRowsSyncAs, type RowSource } from './source';
import { maxAbs, scaleExponent } from './vec';

/** Options of {@link IncrementalPCA}. */
export interface IncrementalPCAOptions {
  /** Number of principal components k kept (>= 1). */
  components: number;
  /** Rows gathered by `update(row)` into one `partialFit` batch (default max(2k, 16)). */
  batchSize?: number;
  /**
   * 'exact' (default) or 'randomized' core SVD; peft's EVA uses the randomized one with
   * niter = 4, q = 2k (oversample = k) and a fixed seed.
   */
  svd?: 'exact' | 'randomized';
  niter?: number;
  oversample?: number;
  seed?: number;
}

/**
 * The checkpoint of an {@link IncrementalPCA}: the `@x` state envelope (the inner SVD's own
 * envelope nested in `state.svd`), typed arrays bit-exact. The `kind`-tagged format of earlier
 * releases is still read by `fromJSON` for one release.
 */
export interface IncrementalPCAJSON
  extends StateJSON<
    'IncrementalPCA',
    { components: number; batchSize: number },
    {
      dim: number;
      n: number;
      mean: EncodedArray;
      totalSS: number;
      svd: IncrementalSVDJSON;
      pending: EncodedArray;
      /** E when the data are tracked as x·2^−E (absent: 0); then σ and totalSS are in those units. */
      scaleExp?: number;
    }
  > {}

/**
 * Mean-centred incremental PCA over batches of rows, in memory O(d·k) whatever the stream
 * length: the scatter Σ (x − μ)(x − μ)ᵀ of all rows so far is tracked as V diag(σ²) Vᵀ without
 * forming a covariance matrix. Each batch X (b x d, batch mean μ_b) is centred and absorbed by
 * {@link IncrementalSVD} together with one correction row √(n·b/(n + b))·(μ − μ_b), which is the
 * exact scatter-merge identity; the running mean and total variance are merged alongside.
 *
 * This is sklearn's `IncrementalPCA.partial_fit` (Ross, Lim, Lin & Yang, "Incremental learning
 * for robust visual tracking", IJCV 2008, Sec. 3.3) as used by EVA in Hugging Face peft
 * (`utils/incremental_pca.py`; Paischer et al., "One initialization to rule them all: fine-tuning
 * via explained variance adaptation", 2024): peft stacks [diag(S)Vᵀ; X − μ_b; correction] and
 * takes `svd_lowrank` of the stack, which in exact arithmetic has the singular values and right
 * vectors of our Brand core; the core SVD is exact by default, randomized like peft's on request.
 * Unlike peft we do not skip batches with fewer than k rows (nothing requires it here).
 *
 * Exact (equal to batch PCA of all rows) while k >= min(d, n − 1). Components are returned with
 * sklearn's `svd_flip` sign convention: the largest-magnitude entry of each is positive.
 *
 * When the first batch's largest |entry| is outside 2^±400, the centred rows are absorbed times
 * a power of two 2^−E (exact) that brings it near 1, so the scatter's σ² and Σ‖x − μ‖² neither
 * overflow nor underflow: `explainedVarianceRatio` stays right at any scale, and
 * `singularValues`, `explainedVariance` and `totalSumSquares` are scaled back (to Infinity where
 * float64 cannot hold them). E is fixed by the first batch and saved in the checkpoint.
 */
export class IncrementalPCA {
  readonly k: number;
  readonly batchSize: number;
  private dim = -1;
  private n = 0;
  private mu = new Float64Array(0);
  private totalSS = 0;
  /** The centred rows are absorbed times 2^−scaleExp (0 unless the first batch is huge or tiny). */
  private scaleExp = 0;
  private svd: IncrementalSVD;
  private pending: number[] = [];
  private pendingRows = 0;

  constructor(opts: IncrementalPCAOptions) {
    if (typeof opts !== 'object' || opts === null) throw new DomainError('IncrementalPCA: options { components } are required');
    checkOptions('IncrementalPCA', opts, ['components', 'batchSize', 'svd', 'niter', 'oversample', 'seed']);
    if (opts.seed !== undefined) checkSeed('IncrementalPCA', 'seed', opts.seed);
    checkInt('IncrementalPCA', 'components', opts.components, 1);
    const bs = opts.batchSize ?? Math.max(2 * opts.components, 16);
    checkInt('IncrementalPCA', 'batchSize', bs, 1);
    this.k = opts.components;
    this.batchSize = bs;
    // The SVD's own row buffer is not used: batches arrive whole.
    this.svd = new IncrementalSVD({
      rank: opts.components,
      svd: opts.svd,
      niter: opts.niter,
      oversample: opts.oversample,
      seed: opts.seed,
    });
  }

  /** Rows seen so far (pending ones included). */
  get rowsSeen(): number {
    return this.n + this.pendingRows;
  }

  /** Absorbs one batch of rows (b x d; the same d every time). */
  partialFit(batch: Matrix): this {
    checkBlock('IncrementalPCA.partialFit', batch, null, this.dim >= 0 ? this.dim : null, 'batch', {
      at: this.rowsSeen,
      unit: 'row',
    });
    this.flush();
    this.absorb(batch);
    return this;
  }

  /** Adds one row; rows are gathered into batches of `batchSize`. Queries flush what is pending. */
  update(row: RowLike): this {
    const dim = this.dim >= 0 ? this.dim : ((row as RowLike | null)?.length ?? -1);
    checkRow('IncrementalPCA.update', row, dim, this.rowsSeen);
    this.dim = dim;
    for (let i = 0; i < dim; i++) this.pending.push(row[i]!);
    this.pendingRows++;
    if (this.pendingRows >= this.batchSize) this.flush();
    return this;
  }

  /** Absorbs the rows gathered by `update`. */
  flush(): this {
    if (this.pendingRows === 0) return this;
    const batch: Matrix = { rows: this.pendingRows, cols: this.dim, data: Float64Array.from(this.pending) };
    this.pending = [];
    this.pendingRows = 0;
    this.absorb(batch);
    return this;
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows. */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSyncAs('IncrementalPCA.updateAll', this, rows, opts);
    return this.flush();
  }

  /** Consumes any row source. */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRowsAs('IncrementalPCA.consume', this, source, opts);
    return this.flush();
  }

  private absorb(batch: Matrix): void {
    const b = batch.rows;
    const d = batch.cols;
    if (b === 0) return;
    this.dim = d;
    if (this.mu.length !== d) this.mu = new Float64Array(d);
    const x = batch.data;
    const mb = new Float64Array(d);
    for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) mb[j] = mb[j]! + x[i * d + j]!;
    for (let j = 0; j < d; j++) mb[j] = mb[j]! / b;
    const n0 = this.n;
    if (n0 === 0) this.scaleExp = scaleExponent(maxAbs(x));
    // 2^−E, a normal number for |E| <= 1000 (exact scaling).
    const f = 2 ** -this.scaleExp;
    const N = n0 + b;
    const rows = n0 > 0 ? b + 1 : b;
    const stack = new Float64Array(rows * d);
    let ssb = 0;
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < d; j++) {
        const v = f === 1 ? x[i * d + j]! - mb[j]! : (x[i * d + j]! - mb[j]!) * f;
        stack[i * d + j] = v;
        ssb += v * v;
      }
    }
    let corr = 0;
    if (n0 > 0) {
      // Scatter merge (Chan, Golub & LeVeque 1979): S = S₀ + S_b + (n₀ b / N)(μ₀ − μ_b)(μ₀ − μ_b)ᵀ.
      const w = Math.sqrt((n0 * b) / N);
      for (let j = 0; j < d; j++) {
        const diff = f === 1 ? this.mu[j]! - mb[j]! : (this.mu[j]! - mb[j]!) * f;
        stack[b * d + j] = w * diff;
        corr += diff * diff;
      }
      corr *= (n0 * b) / N;
    }
    this.svd.addRows({ rows, cols: d, data: stack });
    for (let j = 0; j < d; j++) this.mu[j] = (n0 * this.mu[j]! + b * mb[j]!) / N;
    this.n = N;
    this.totalSS += ssb + corr;
  }

  /** Rows absorbed into the fit. */
  get nSamples(): number {
    this.flush();
    return this.n;
  }

  /** The running mean μ (length d). */
  mean(): Float64Array {
    this.flush();
    return this.mu.slice();
  }

  /** Principal axes as rows (k x d, orthonormal), largest variance first, svd_flip signs. */
  components(): Matrix<Float64Array> {
    this.flush();
    if (this.n === 0) return { rows: 0, cols: Math.max(this.dim, 0), data: new Float64Array(0) };
    const V = this.svd.V();
    const d = V.rows;
    const r = V.cols;
    const out = new Float64Array(r * d);
    for (let c = 0; c < r; c++) {
      let best = 0;
      let sign = 1;
      for (let j = 0; j < d; j++) {
        const v = V.data[j * r + c]!;
        if (Math.abs(v) > best) {
          best = Math.abs(v);
          sign = v < 0 ? -1 : 1;
        }
      }
      for (let j = 0; j < d; j++) out[c * d + j] = sign * V.data[j * r + c]!;
    }
    return { rows: r, cols: d, data: out };
  }

  /** Singular values of the centred data (k, descending). */
  singularValues(): Float64Array {
    this.flush();
    const s = this.svd.singularValues();
    if (this.scaleExp !== 0) for (let i = 0; i < s.length; i++) s[i] = unscale(s[i]!, this.scaleExp);
    return s;
  }

  /** Variance along each component: σ²/(n − 1). */
  explainedVariance(): Float64Array {
    const s = this.singularValues();
    const den = Math.max(this.n - 1, 1);
    return s.map((x) => (x * x) / den);
  }

  /** Fraction of the total variance along each component: σ² / Σ‖x − μ‖² (EVA's rank budget uses it). */
  explainedVarianceRatio(): Float64Array {
    this.flush();
    // Both in the tracked units: the ratio is free of the scale.
    const s = this.svd.singularValues();
    const t = this.totalSS;
    return s.map((x) => (t > 0 ? (x * x) / t : 0));
  }

  /** Total sum of squares about the mean, Σ‖x − μ‖², over all rows. */
  totalSumSquares(): number {
    this.flush();
    return this.scaleExp === 0 ? this.totalSS : unscale(unscale(this.totalSS, this.scaleExp), this.scaleExp);
  }

  /** Projects rows onto the components: (X − μ) Cᵀ (b x k). */
  transform(X: Matrix): Matrix<Float64Array> {
    const C = this.components();
    checkBlock('IncrementalPCA.transform', X, null, C.cols, 'X');
    const d = C.cols;
    const r = C.rows;
    const out = new Float64Array(X.rows * r);
    for (let i = 0; i < X.rows; i++) {
      for (let c = 0; c < r; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (X.data[i * d + j]! - this.mu[j]!) * C.data[c * d + j]!;
        out[i * r + c] = s;
      }
    }
    return { rows: X.rows, cols: r, data: out };
  }

  toJSON(): IncrementalPCAJSON {
    return stateJSON(
      'IncrementalPCA',
      { components: this.k, batchSize: this.batchSize },
      {
        dim: this.dim,
        n: this.n,
        mean: encodeArray(this.mu),
        totalSS: this.totalSS,
        svd: this.svd.toJSON(),
        pending: encodeArray(Float64Array.from(this.pending)),
        ...(this.scaleExp !== 0 ? { scaleExp: this.scaleExp } : {}),
      },
    );
  }

  /**
   * Resumes from {@link IncrementalPCA.toJSON} output bit-identically. Every field is checked
   * (a DomainError or ShapeError names it). Also reads the `kind`-tagged format of earlier
   * releases, and JSON text (deprecated; a parse failure is a DomainError).
   */
  static fromJSON(json: IncrementalPCAJSON): IncrementalPCA {
    const fn = 'IncrementalPCA.fromJSON';
    const { config, state } = openCheckpoint(fn, 'IncrementalPCA', json, (j) => ({
      type: 'IncrementalPCA',
      version: 2,
      config: { components: j.components, batchSize: j.batchSize },
      state: { dim: j.dim, n: j.n, mean: legacyArray(j.mean), totalSS: j.totalSS, svd: j.svd, pending: legacyArray(j.pending) },
    }));
    const p = new IncrementalPCA({ components: config.int('components', 1), batchSize: config.int('batchSize', 1) });
    const dim = state.int('dim', -1);
    const d = Math.max(dim, 0);
    const pending = state.f64('pending', { finite: true });
    if (d === 0 ? pending.length !== 0 : pending.length % d !== 0) throw new ShapeError(`${fn}: state.pending must hold whole rows of dim = ${dim}`);
    p.dim = dim;
    p.n = state.int('n');
    const mean = state.f64('mean', { finite: true });
    if (p.n > 0 && mean.length !== d) throw new ShapeError(`${fn}: state.mean has ${mean.length} entries, expected dim = ${dim}`);
    p.mu = Float64Array.from(mean);
    p.totalSS = state.number('totalSS', { min: 0 });
    p.scaleExp = readScaleExp(fn, state);
    p.svd = IncrementalSVD.fromJSON(state.raw('svd') as IncrementalSVDJSON);
    p.pending = Array.from(pending);
    p.pendingRows = d > 0 ? pending.length / d : 0;
    return p;
  }
}

/** v·2^E (Infinity or 0 where float64 cannot hold it). */
function unscale(v: number, e: number): number {
  return v * 2 ** e;
}

