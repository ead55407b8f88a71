import { DomainError, type EncodedArray, encodeArray, type StateJSON, stateJSON } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { legacyArray, openCheckpoint } from './checkpoint';
import { checkInt, checkPositive, checkRow, type RowLike } from './rows';
import { type ConsumeOptions, feedRowsAs, feedRowsSyncAs, type RowSource } from './source';
import { dotN, normalizeInPlace, randomUnit, seededRng } from './vec';
import type { Matrix } from '@x/gpu';

/**
 * Step-size schedules of {@link OjaEstimator}, with t the number of rows seen before the step:
 * - 'constant': η_t = eta (the fixed-rate rule analysed by Price & Xun, FOCS 2024);
 * - 'inverse':  η_t = eta · t0 / (t0 + t) (the classical 1/t rate of Oja & Karhunen, 1985);
 * - 'invsqrt':  η_t = eta · sqrt(t0 / (t0 + t)).
 */
export type OjaSchedule = 'constant' | 'inverse' | 'invsqrt';

/** Options of {@link OjaEstimator}. */
export interface OjaOptions {
  /** Row length d. */
  dim: number;
  /** Seed of the random unit starting vector (ignored when `init` is given). Default 0. */
  seed?: number;
  /** Base step size (> 0). It should scale like 1/‖a‖² of a typical row. Default 0.1. */
  eta?: number;
  /** Step-size schedule. Default 'inverse'. */
  schedule?: OjaSchedule;
  /** Time scale of the decaying schedules (> 0). Default 100. */
  t0?: number;
  /** Starting vector (normalized on entry) instead of a random one. */
  init?: ArrayLike<number>;
}

/**
 * The checkpoint of an {@link OjaEstimator}: the `@x` state envelope, typed arrays bit-exact.
 * The `kind`-tagged format of earlier releases is still read by `fromJSON` for one release.
 */
export interface OjaJSON extends StateJSON<'OjaEstimator', { dim: number; eta: number; schedule: OjaSchedule; t0: number }, { rowsSeen: number; v: EncodedArray }> {}

const SCHEDULES: readonly OjaSchedule[] = ['constant', 'inverse', 'invsqrt'];

/**
 * Oja's rule for the top eigenvector of AᵀA from a stream of rows a_t:
 * v ← normalize(v + η_t a_t (a_tᵀ v))  (Oja, "Simplified neuron model as a principal component
 * analyzer", J. Math. Biol. 1982; normalized form as in Price & Xun, "Spectral guarantees for
 * adversarial streaming PCA", FOCS 2024, and the baseline of Kacham & Woodruff, NeurIPS 2024).
 *
 * Memory O(d), time O(d) per row, independent of the stream length. Rows of the wrong length or
 * with NaN/Infinity throw (ShapeError / DomainError naming the row's stream index) and leave the
 * state untouched. `toJSON()` / `OjaEstimator.fromJSON()` resume bit-identically.
 *
 * Caveat (Kacham & Woodruff, Sec. on the hard instance): with any fixed η the rule can fail
 * when a few heavy rows carry the top direction and the gap R = σ₁²/σ₂² is O(log d / log log d);
 * see {@link RandomOrderEigenvector} and the 'streaming/random-order-vs-oja' experiment.
 */
export class OjaEstimator {
  readonly dim: number;
  readonly eta: number;
  readonly schedule: OjaSchedule;
  readonly t0: number;
  private v: Float64Array;
  private t = 0;

  constructor(opts: OjaOptions) {
    const fn = 'OjaEstimator';
    if (typeof opts !== 'object' || opts === null) throw new DomainError(`${fn}: options { dim } are required`);
    checkOptions(fn, opts, ['dim', 'seed', 'eta', 'schedule', 't0', 'init']);
    checkInt(fn, 'dim', opts.dim, 1);
    const eta = opts.eta ?? 0.1;
    checkPositive(fn, 'eta', eta);
    const t0 = opts.t0 ?? 100;
    checkPositive(fn, 't0', t0);
    const schedule = opts.schedule ?? 'inverse';
    if (!SCHEDULES.includes(schedule)) {
      throw new DomainError(`${fn}: schedule must be one of ${SCHEDULES.join(', ')}, got ${String(schedule)}`);
    }
    this.dim = opts.dim;
    this.eta = eta;
    this.t0 = t0;
    this.schedule = schedule;
    if (opts.init !== undefined) {
      checkRow(`${fn}: init`, opts.init, opts.dim, 0);
      this.v = Float64Array.from(opts.init);
      if (normalizeInPlace(this.v) === 0) throw new DomainError(`${fn}: init must be non-zero`);
    } else {
      this.v = randomUnit(opts.dim, seededRng(opts.seed ?? 0));
    }
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.t;
  }

  /** The step size the next row will use. */
  stepSize(): number {
    const t = this.t;
    switch (this.schedule) {
      case 'constant':
        return this.eta;
      case 'inverse':
        return (this.eta * this.t0) / (this.t0 + t);
      case 'invsqrt':
        return this.eta * Math.sqrt(this.t0 / (this.t0 + t));
    }
  }

  /** Consumes one row (length `dim`): one Oja step. O(d). */
  update(row: RowLike): this {
    const d = this.dim;
    checkRow('OjaEstimator.update', row, d, this.t);
    const v = this.v;
    const eta = this.stepSize();
    const g = eta * dotN(row, v, d);
    let m = 0;
    for (let i = 0; i < d; i++) m = Math.max(m, Math.abs(row[i]!));
    if (Math.abs(g) * m < 1e300) {
      for (let i = 0; i < d; i++) v[i] = v[i]! + g * row[i]!;
    } else {
      // g a overflows (huge rows or η): v + g a = |G| (v/|G| ± a/m) with G = η m² ⟨a/m, v⟩,
      // formed in logs; v/|G| underflows to what it is worth next to a/m.
      let t = 0;
      for (let i = 0; i < d; i++) t += (row[i]! / m) * v[i]!;
      const sg = Math.sign(t);
      const inv = sg === 0 ? 1 : Math.exp(-(Math.log(eta) + 2 * Math.log(m) + Math.log(Math.abs(t))));
      for (let i = 0; i < d; i++) v[i] = v[i]! * inv + (sg * row[i]!) / m;
    }
    // Normalizing every step is what keeps v finite for any η; a zero result (v ⟂ every
    // direction it could move in) cannot arise from a unit v since v + g a = 0 needs a ∥ v.
    if (normalizeInPlace(v) === 0) v[0] = 1;
    this.t++;
    return this;
  }

  /** Consumes the rows of a Matrix or a synchronous iterable of rows. */
  updateAll(rows: Matrix | Iterable<RowLike | Matrix>, opts?: ConsumeOptions): this {
    feedRowsSyncAs('OjaEstimator.updateAll', this, rows, opts);
    return this;
  }

  /** Consumes any row source (iterable, async iterable, ReadableStream, Matrix). */
  async consume(source: RowSource, opts?: ConsumeOptions): Promise<this> {
    await feedRowsAs('OjaEstimator.consume', this, source, opts);
    return this;
  }

  /** The current estimate of the top eigenvector of AᵀA: a unit vector (a copy). */
  vector(): Float64Array {
    return this.v.slice();
  }

  toJSON(): OjaJSON {
    return stateJSON('OjaEstimator', { dim: this.dim, eta: this.eta, schedule: this.schedule, t0: this.t0 }, { rowsSeen: this.t, v: encodeArray(this.v) });
  }

  /**
   * Resumes from {@link OjaEstimator.toJSON} output bit-identically. Every field is checked
   * (a DomainError or ShapeError names it). Also reads the `kind`-tagged format of earlier
   * releases, and JSON text (deprecated; a parse failure is a DomainError).
   */
  static fromJSON(json: OjaJSON): OjaEstimator {
    const { config, state } = openCheckpoint('OjaEstimator.fromJSON', 'OjaEstimator', json, (j) => ({
      type: 'OjaEstimator',
      version: 2,
      config: { dim: j.dim, eta: j.eta, schedule: j.schedule, t0: j.t0 },
      state: { rowsSeen: j.rowsSeen, v: legacyArray(j.v) },
    }));
    const dim = config.int('dim', 1);
    const o = new OjaEstimator({ dim, eta: config.number('eta'), schedule: config.string('schedule') as OjaSchedule, t0: config.number('t0') });
    o.v = state.f64('v', { length: dim, finite: true });
    o.t = state.int('rowsSeen');
    return o;
  }
}
