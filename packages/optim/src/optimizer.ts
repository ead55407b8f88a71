import { DomainError, decodeArray, type EncodedArray, encodeArray, isStateJSON, readState, ShapeError, type StateJSON, stateJSON } from '@x/gpu';
import { type ParamLike, type ParamView, viewParams } from './params';
import { checkSchedule, factorOf, type LrSchedule } from './schedule';
import { checkOptions } from '@x/gpu/checks';
import { checkNonNegative } from './validate';

/** Per-parameter state: a flat record of typed arrays and numbers (serialized bit-exactly). */
export type ParamState = Record<string, Float64Array | Int32Array | number>;

/** The saved state of one parameter: its typed arrays (bit-exact) and numbers, by field name. */
export type ParamStateJSON = Record<string, EncodedArray | number>;

/** The `state` of an {@link OptimizerJSON}: the step count and each parameter's state by name. */
export interface OptimizerStateJSON {
  /** Completed steps. */
  readonly t: number;
  /** Per-parameter state, keyed by parameter name (empty only before the first step). */
  readonly params: Record<string, ParamStateJSON>;
}

/**
 * What every optimizer's `toJSON()` returns: the `@x` state envelope (see `StateJSON` in @x/gpu)
 * with the options as `config`, restored by each class's `fromJSON`/{@link optimizerFromJSON}.
 * The version-1 format `{ type, version: 1, options, t, state }` is still read for one release.
 */
export interface OptimizerJSON<T extends string = string, C extends object = object> extends StateJSON<T, C, OptimizerStateJSON> {}

/** The pre-envelope format (version 1), read for one release. */
interface LegacyOptimizerJSON {
  readonly type: string;
  readonly version: 1;
  readonly options: Record<string, unknown>;
  readonly t: number;
  readonly state: Record<string, ParamStateJSON>;
}

/** A validated, decoded optimizer checkpoint (either format). */
export interface CheckedOptimizerJSON {
  readonly options: Record<string, unknown>;
  readonly t: number;
  readonly params: Map<string, ParamState>;
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
    keys: readonly string[],
  ) {
    // null, a string or a typo such as `weightDecy` is a DomainError listing the valid keys.
    options = checkOptions(type, options, keys);
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
    return s ? factorOf(s, t) : 1;
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

  /** Whether every step leaves state behind (so `t > 0` with no saved state is corrupt). */
  protected keepsState(): boolean {
    return true;
  }

  toJSON(): OptimizerJSON<string, O> {
    const params: Record<string, ParamStateJSON> = {};
    for (const [name, s] of this.state) {
      const o: ParamStateJSON = {};
      for (const [k, v] of Object.entries(s)) o[k] = typeof v === 'number' ? v : encodeArray(v);
      params[name] = o;
    }
    return stateJSON(this.type, JSON.parse(JSON.stringify(this.options)) as O, { t: this.t, params });
  }

  /** Restores the step counter and state from a checked checkpoint (used by each class's static fromJSON). */
  protected restore(json: CheckedOptimizerJSON): this {
    const fn = `${this.type}.fromJSON`;
    if (json.t > 0 && json.params.size === 0 && this.keepsState()) {
      throw new DomainError(`${fn}: state.params is empty but t = ${json.t}: the saved state is missing (restoring would restart the moments)`);
    }
    this.t = json.t;
    for (const [name, s] of json.params) this.state.set(name, s);
    return this;
  }
}

function decodeParams(fn: string, where: string, raw: unknown): Map<string, ParamState> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DomainError(`${fn}: ${where} must be an object`);
  const out = new Map<string, ParamState>();
  for (const [name, o] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new DomainError(`${fn}: ${where}.${name} must be an object`);
    const s: ParamState = {};
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new DomainError(`${fn}: ${where}.${name}.${k} must be a finite number, got ${v}`);
        s[k] = v;
      } else s[k] = decodeArray(`${fn} (${where}.${name}.${k})`, v);
    }
    out.set(name, s);
  }
  return out;
}

/**
 * Checks and decodes an optimizer checkpoint of class `type`: the envelope
 * `{ type, version: 2, config, state: { t, params } }`, or the version-1 format
 * `{ type, version: 1, options, t, state }` (read for one release).
 */
export function checkJSON(type: string, json: unknown): CheckedOptimizerJSON {
  const fn = `${type}.fromJSON`;
  const j = json as Partial<LegacyOptimizerJSON> | null;
  if (j && typeof j === 'object' && j.version === 1 && j.type === type) {
    if (typeof j.options !== 'object' || j.options === null) throw new DomainError(`${fn}: options must be an object`);
    if (!Number.isSafeInteger(j.t) || (j.t as number) < 0) throw new DomainError(`${fn}: t must be a non-negative integer, got ${String(j.t)}`);
    return { options: j.options, t: j.t as number, params: decodeParams(fn, 'state', j.state ?? {}) };
  }
  if (!isStateJSON(json) && j && typeof j === 'object' && j.type === type && j.version !== 1 && j.version !== 2) {
    throw new DomainError(`${fn}: unknown version ${String(j.version)}`);
  }
  const { config, state } = readState(fn, type, json);
  return { options: config.obj, t: state.int('t'), params: decodeParams(fn, 'state.params', state.raw('params')) };
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
