import { decodeArray, type EncodedArray, type encodeArray } from './codec';
import { DomainError, ShapeError } from './errors';

/**
 * The one format of saved state in `@x`: every class with state (modules, optimizers, streaming
 * estimators) serializes to `{ type, version, config, state }`. `config` holds what the
 * constructor takes (hyperparameters, sizes); `state` holds what training or streaming changed
 * (weights, moments, counters), with every typed array stored bit-exactly as an
 * {@link EncodedArray}. `version` is the format version of that class (2 for the first release
 * of this envelope; the older per-package formats are read for one release).
 */
export type StateJSON<T extends string = string, C = Record<string, unknown>, S = Record<string, unknown>> = {
  readonly type: T;
  readonly version: number;
  readonly config: C;
  readonly state: S;
};

/** The envelope version every class writes today. */
export const STATE_VERSION = 2;

/** Builds an envelope; `arrays` in `state` must already be encoded (see {@link encodeArray}). */
export function stateJSON<T extends string, C, S>(type: T, config: C, state: S): StateJSON<T, C, S> {
  if (typeof type !== 'string') throw new DomainError(`stateJSON: type must be a string, got ${describe(type)}`);
  if (!isRecord(config)) throw new DomainError(`stateJSON: config must be an object, got ${describe(config)}`);
  if (!isRecord(state)) throw new DomainError(`stateJSON: state must be an object, got ${describe(state)}`);
  return { type, version: STATE_VERSION, config, state };
}

/**
 * Parses JSON text for a `fromJSON` that also accepts text: a SyntaxError (truncated or
 * corrupted text) becomes a {@link DomainError} naming `fn`.
 */
export function parseStateText(fn: string, text: string): unknown {
  if (typeof text !== 'string') throw new DomainError(`${fn}: the saved state must be JSON text or an object, got ${describe(text)}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError(`${fn}: the JSON text does not parse (${(e as Error).message})`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Typed, validating reads of one object of saved state. Each read names the class, the path of
 * the field and what was wrong, with a {@link DomainError} for a wrong type or value and a
 * {@link ShapeError} for a wrong length.
 */
export class StateReader {
  /**
   * @param fn - the caller, e.g. `'FrequentDirections.fromJSON'`.
   * @param obj - the object to read.
   * @param path - where `obj` sits in the JSON, e.g. `'state'`.
   */
  constructor(
    readonly fn: string,
    readonly obj: Record<string, unknown>,
    readonly path: string,
  ) {
    if (!isRecord(obj)) throw new DomainError(`${fn}: ${path || 'the saved state'} must be an object, got ${describe(obj)}`);
  }

  private where(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private fail(key: string, want: string): never {
    throw new DomainError(`${this.fn}: ${this.where(key)} must be ${want}, got ${describe(this.obj[key])}`);
  }

  /** Whether `key` is present (not undefined). */
  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  /** A number; `finite` (default true) rejects NaN and ±Infinity; `min`/`max` are inclusive. */
  number(key: string, opts: { finite?: boolean; min?: number; max?: number } = {}): number {
    const v = this.obj[key];
    const finite = opts.finite ?? true;
    if (typeof v !== 'number' || (finite && !Number.isFinite(v))) this.fail(key, finite ? 'a finite number' : 'a number');
    if (opts.min !== undefined && !(v >= opts.min)) this.fail(key, `a number >= ${opts.min}`);
    if (opts.max !== undefined && !(v <= opts.max)) this.fail(key, `a number <= ${opts.max}`);
    return v;
  }

  /** An integer >= `min` (default 0). */
  int(key: string, min = 0): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(key, `an integer >= ${min}`);
    return v;
  }

  /** A boolean. */
  bool(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== 'boolean') this.fail(key, 'a boolean');
    return v;
  }

  /** A string, optionally one of `choices`. */
  string<S extends string = string>(key: string, choices?: readonly S[]): S {
    const v = this.obj[key];
    if (typeof v !== 'string') this.fail(key, 'a string');
    if (choices && !choices.includes(v as S)) this.fail(key, `one of ${choices.map((c) => `'${c}'`).join(', ')}`);
    return v as S;
  }

  /** A nested object, read with its own reader. */
  object(key: string): StateReader {
    const v = this.obj[key];
    if (!isRecord(v)) this.fail(key, 'an object');
    return new StateReader(this.fn, v, this.where(key));
  }

  /** The raw value (for nested envelopes that another `fromJSON` validates). */
  raw(key: string): unknown {
    return this.obj[key];
  }

  /**
   * A float64 array stored as an {@link EncodedArray}; `length` (when given) must match and
   * `finite` (default false) rejects NaN and ±Infinity entries.
   */
  f64(key: string, opts: { length?: number; finite?: boolean } = {}): Float64Array {
    const a = decodeArray(`${this.fn} (${this.where(key)})`, this.obj[key]);
    if (!(a instanceof Float64Array)) this.fail(key, 'an encoded float64 array');
    this.checkArray(key, a, opts);
    return a;
  }

  /** An int32 array stored as an {@link EncodedArray}, entries in [min, max) when given. */
  i32(key: string, opts: { length?: number; min?: number; max?: number } = {}): Int32Array {
    const a = decodeArray(`${this.fn} (${this.where(key)})`, this.obj[key]);
    if (!(a instanceof Int32Array)) this.fail(key, 'an encoded int32 array');
    this.checkArray(key, a, {});
    if (opts.length !== undefined && a.length !== opts.length) {
      throw new ShapeError(`${this.fn}: ${this.where(key)} has ${a.length} entries, expected ${opts.length}`);
    }
    for (let i = 0; i < a.length; i++) {
      if ((opts.min !== undefined && a[i]! < opts.min) || (opts.max !== undefined && a[i]! >= opts.max)) {
        throw new DomainError(`${this.fn}: ${this.where(key)}[${i}] = ${a[i]} is outside [${opts.min ?? '-inf'}, ${opts.max ?? 'inf'})`);
      }
    }
    return a;
  }

  private checkArray(key: string, a: Float64Array | Int32Array, opts: { length?: number; finite?: boolean }): void {
    if (opts.length !== undefined && a.length !== opts.length) {
      throw new ShapeError(`${this.fn}: ${this.where(key)} has ${a.length} entries, expected ${opts.length}`);
    }
    if (opts.finite) {
      for (let i = 0; i < a.length; i++) {
        if (!Number.isFinite(a[i]!)) throw new DomainError(`${this.fn}: ${this.where(key)}[${i}] is ${a[i]}, expected a finite number`);
      }
    }
  }
}

/**
 * Opens an envelope written by `type`'s `toJSON()` at {@link STATE_VERSION}: checks that `json`
 * is an object (text is refused: parse it first, e.g. with {@link parseStateText}), that `type`
 * and `version` match and that `config` and `state` are objects, and returns a reader for each.
 */
export function readState(fn: string, type: string, json: unknown): { config: StateReader; state: StateReader } {
  if (!isRecord(json)) throw new DomainError(`${fn}: expected the object ${type}.toJSON() returns, got ${describe(json)}`);
  if (json.type !== type) throw new DomainError(`${fn}: type must be '${type}', got ${describe(json.type)}`);
  if (json.version !== STATE_VERSION) throw new DomainError(`${fn}: version must be ${STATE_VERSION}, got ${describe(json.version)}`);
  const top = new StateReader(fn, json, '');
  return { config: top.object('config'), state: top.object('state') };
}

/**
 * Whether `json` is an envelope at {@link STATE_VERSION} (has `config` and `state` objects), as
 * opposed to an older per-package format that a `fromJSON` still reads for one release.
 */
export function isStateJSON(json: unknown): json is StateJSON {
  return isRecord(json) && json.version === STATE_VERSION && isRecord(json.config) && isRecord(json.state);
}
