import { DomainError, ShapeError } from '@x/gpu';
import { decodeArray, type EncodedArray, encodeArray } from './codec';
import { type ParamLike, type ParamView, viewParams } from './params';
import { checkSchedule, type LrSchedule, scheduleFactor } from './schedule';
import { checkNonNegative } from './validate';

/** Per-parameter state: a flat record of typed arrays and numbers (serialized bit-exactly). */
export type ParamState = Record<string, Float64Array | Int32Array | number>;

/** What every optimizer's `toJSON()` returns: plain JSON, restored by `fromJSON`/{@link optimizerFromJSON}. */
export interface OptimizerJSON {
  readonly type: string;
  readonly version: 1;
  readonly options: Record<string, unknown>;
  readonly t: number;
  readonly state: Record<string, Record<string, EncodedArray | number>>;
}

/**
 * The optimizer interface: `step` applies one update in place to every parameter's `value`
 * using its `grad`. Structurally the same as @x/nn's optimizer interface.
 */
export interface Optimizer {
  step(params: readonly ParamLike[]): void;
  toJSON(): OptimizerJSON;
}

/** Options every optimizer takes. */
export interface BaseOptions {
  /** Peak learning rate (>= 0). */
  lr?: number;
  /** Multiplier of `lr` per step; default constant. */
  schedule?: LrSchedule;
}

/**
 * Shared machinery: validates all parameters before touching any state (a rejected step leaves
 * the optimizer unchanged), counts steps, evaluates the schedule, stores per-parameter state
 * keyed by name, and serializes it bit-exactly.
 */
export abstract class OptimizerBase<O extends BaseOptions> implements Optimizer {
  /** Number of completed steps. */
  protected t = 0;
  protected readonly state = new Map<string, ParamState>();
  /** The options as given, with `lr` filled in (serialized by toJSON). */
  readonly options: Readonly<O>;
  /** Peak learning rate. */
  readonly lr: number;

  protected constructor(
    readonly type: string,
    options: O,
    defaultLr: number,
  ) {
    const lr = options.lr ?? defaultLr;
    checkNonNegative(type, 'lr', lr);
    if (options.schedule !== undefined) checkSchedule(type, options.schedule);
    this.lr = lr;
    this.options = Object.freeze({ ...options, lr });
  }

  /** Completed steps. */
  get stepCount(): number {
    return this.t;
  }

  /** The learning rate the step number `t` (1-based) uses. */
  lrAt(t: number): number {
    return this.lr * this.factorAt(t);
  }

  /** The schedule multiplier at step `t` (1-based). */
  factorAt(t: number): number {
    const s = this.options.schedule;
    return s ? scheduleFactor(s, t) : 1;
  }

  /** Validates a parameter before any state changes (rank limits, ...); default none. */
  protected precheck(_v: ParamView): void {}

  /** Throws when a parameter's stored state does not fit its current shape. */
  protected abstract checkState(v: ParamView, s: ParamState): void;

  /**
   * Updates one parameter in place; `t` is the 1-based step number, `lr` the scheduled learning
   * rate and `factor` the schedule's multiplier (for secondary learning rates).
   */
  protected abstract update(v: ParamView, lr: number, t: number, factor: number): void;

  step(params: readonly ParamLike[]): void {
    const views = viewParams(this.type, params);
    for (const v of views) {
      this.precheck(v);
      const s = this.state.get(v.name);
      if (s) this.checkState(v, s);
    }
    const t = this.t + 1;
    const factor = this.factorAt(t);
    const lr = this.lr * factor;
    for (const v of views) this.update(v, lr, t, factor);
    this.t = t;
  }

  toJSON(): OptimizerJSON {
    const state: Record<string, Record<string, EncodedArray | number>> = {};
    for (const [name, s] of this.state) {
      const o: Record<string, EncodedArray | number> = {};
      for (const [k, v] of Object.entries(s)) o[k] = typeof v === 'number' ? v : encodeArray(v);
      state[name] = o;
    }
    return { type: this.type, version: 1, options: JSON.parse(JSON.stringify(this.options)), t: this.t, state };
  }

  /** Restores the step counter and state from JSON (used by each class's static fromJSON). */
  protected restore(json: OptimizerJSON): this {
    if (!Number.isInteger(json.t) || json.t < 0) throw new DomainError(`${this.type}.fromJSON: t must be a non-negative integer`);
    this.t = json.t;
    for (const [name, o] of Object.entries(json.state ?? {})) {
      const s: ParamState = {};
      for (const [k, v] of Object.entries(o)) s[k] = typeof v === 'number' ? v : decodeArray(`${this.type}.fromJSON`, v);
      this.state.set(name, s);
    }
    return this;
  }
}

/** Checks the `type` tag of an optimizer JSON. */
export function checkJSON(type: string, json: unknown): OptimizerJSON {
  const j = json as OptimizerJSON | null;
  if (!j || typeof j !== 'object' || j.type !== type || j.version !== 1 || typeof j.options !== 'object') {
    throw new DomainError(`${type}.fromJSON: expected { type: '${type}', version: 1, options, t, state }, got type ${JSON.stringify(j?.type)}`);
  }
  return j;
}

/** Reads a Float64Array field of a parameter's state. */
export function f64(s: ParamState, key: string): Float64Array {
  const v = s[key];
  if (!(v instanceof Float64Array)) throw new ShapeError(`optimizer state field "${key}" is missing or not float64`);
  return v;
}

/** Reads an Int32Array field of a parameter's state. */
export function i32(s: ParamState, key: string): Int32Array {
  const v = s[key];
  if (!(v instanceof Int32Array)) throw new ShapeError(`optimizer state field "${key}" is missing or not int32`);
  return v;
}

/** Reads a number field of a parameter's state. */
export function num(s: ParamState, key: string): number {
  const v = s[key];
  if (typeof v !== 'number') throw new ShapeError(`optimizer state field "${key}" is missing or not a number`);
  return v;
}
