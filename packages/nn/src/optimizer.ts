import { DomainError, type EncodedArray, encodeArray, isStateJSON, readState, ShapeError, type StateJSON, stateJSON } from '@x/gpu';
import { checkFinite, checkNonNegative, checkUnit } from '@x/gpu/checks';
import { checkParamList, type Parameter } from './module';

/**
 * What `fit` needs from an optimizer. @x/optim's optimizers implement it structurally (no
 * import of @x/nn needed), and so does anything else with these two methods.
 *
 * `step(params)` updates every `params[i].value` in place from `params[i].grad` (it must not
 * zero the gradients; `fit` does that). Per-parameter state (moments, preconditioners) should be
 * keyed by `Parameter.name`, so it survives a model being rebuilt from JSON.
 *
 * `toJSON()` returns a JSON-safe snapshot of the hyperparameters AND all state; restoring it
 * (e.g. a static `fromJSON`) must continue with bit-identical updates, which is what makes `fit`
 * checkpoints resume exactly.
 */
export interface Optimizer {
  step(params: Parameter[]): void;
  toJSON(): unknown;
}

export function checkRate(fn: string, name: string, v: unknown, lo = 0, hiExclusive = Infinity): number {
  return hiExclusive === Infinity ? checkNonNegative(fn, name, v) : checkUnit(fn, name, v, lo, hiExclusive, '[)');
}

/**
 * Checks a parameter list before an optimizer step touches it: an array of `{ name, value,
 * grad }` with Float64Array value and grad of equal length, every value and gradient finite
 * (DomainError naming the parameter and index). One pass over the data the step reads next;
 * nothing is updated when it throws.
 */
export function checkParams(fn: string, params: unknown): Parameter[] {
  checkParamList(fn, params);
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    const w = p.value;
    const g = p.grad;
    let bad = 0;
    for (let i = 0; i < w.length; i++) bad += w[i]! - w[i]! + (g[i]! - g[i]!);
    if (bad !== 0) {
      checkFinite(fn, `parameter "${p.name}" value`, w, 'weights must be finite');
      checkFinite(fn, `parameter "${p.name}" grad`, g, 'gradients must be finite');
    }
  }
  return params as Parameter[];
}


/** Gets (or creates zero-filled) per-parameter state buffers, checking sizes. */
export function stateFor(fn: string, store: Map<string, Float64Array[]>, p: Parameter, count: number): Float64Array[] {
  let s = store.get(p.name);
  if (!s) {
    s = [];
    for (let i = 0; i < count; i++) s.push(new Float64Array(p.value.length));
    store.set(p.name, s);
  } else if (s[0]!.length !== p.value.length) {
    throw new ShapeError(`${fn}: parameter "${p.name}" has ${p.value.length} entries, but the optimizer state has ${s[0]!.length}`);
  }
  if (p.grad.length !== p.value.length) {
    throw new ShapeError(`${fn}: parameter "${p.name}" has ${p.value.length} values but ${p.grad.length} gradient entries`);
  }
  return s;
}

/**
 * The saved form of @x/nn's optimizers: the `@x` state envelope, laid out exactly as @x/optim's
 * (`config` = the options, `state` = `{ t, params: { [name]: { [slot]: EncodedArray } } }`), so an
 * `SGD` checkpoint means the same thing to both packages.
 */
export interface OptimizerStateJSON<T extends string, C extends object> extends StateJSON<T, C, { readonly t: number; readonly params: Record<string, Record<string, EncodedArray>> }> {}

/** Writes the envelope; `slots` names the per-parameter buffers in order (e.g. `['m', 'v']`). */
export function optimizerToJSON<T extends string, C extends object>(
  type: T,
  config: C,
  t: number,
  store: Map<string, Float64Array[]>,
  slots: readonly string[],
): OptimizerStateJSON<T, C> {
  const params: Record<string, Record<string, EncodedArray>> = {};
  for (const [name, bufs] of store) params[name] = Object.fromEntries(slots.map((k, i) => [k, encodeArray(bufs[i]!)]));
  return stateJSON(type, config, { t, params });
}

/**
 * Reads an optimizer checkpoint of class `type`: the envelope, or the unversioned format of
 * @x/nn before it (`{ type, ...options, t, state: { [name]: number[][] } }`, read for one
 * release). Checks the step count, every buffer (count, equal lengths, numbers) and that a
 * step count > 0 comes with state when the optimizer keeps any (`keepsState(config)`).
 */
export function optimizerFromJSONOf(
  type: string,
  json: unknown,
  slots: readonly string[],
  keepsState: (config: Record<string, unknown>) => boolean,
): { config: Record<string, unknown>; t: number; store: Map<string, Float64Array[]> } {
  const fn = `${type}.fromJSON`;
  const store = new Map<string, Float64Array[]>();
  let config: Record<string, unknown>;
  let t: number;
  const j = json as Record<string, unknown> | null;
  if (j && typeof j === 'object' && j.type === type && j.version === undefined && !isStateJSON(j)) {
    config = j;
    t = j.t as number;
    if (!Number.isSafeInteger(t) || t < 0) throw new DomainError(`${fn}: t must be a non-negative integer, got ${String(j.t)}`);
    const st = j.state ?? {};
    if (typeof st !== 'object' || st === null || Array.isArray(st)) throw new DomainError(`${fn}: state must be an object`);
    for (const [k, v] of Object.entries(st as Record<string, unknown>)) {
      if (!Array.isArray(v) || v.length !== slots.length || !v.every((a) => Array.isArray(a) && a.every((x) => typeof x === 'number'))) {
        throw new DomainError(`${fn}: state of "${k}" must be ${slots.length} arrays of numbers`);
      }
      store.set(
        k,
        v.map((a: number[]) => Float64Array.from(a)),
      );
    }
  } else {
    const { config: c, state } = readState(fn, type, json);
    config = c.obj;
    t = state.int('t');
    const params = state.object('params');
    for (const name of Object.keys(params.obj)) {
      const p = params.object(name);
      store.set(
        name,
        slots.map((k) => p.f64(k)),
      );
    }
  }
  for (const [name, bufs] of store) {
    if (bufs.some((b) => b.length !== bufs[0]!.length)) throw new ShapeError(`${fn}: the state buffers of "${name}" differ in length`);
  }
  if (t > 0 && store.size === 0 && keepsState(config)) {
    throw new DomainError(`${fn}: the state is empty but t = ${t}: the saved state is missing (restoring would restart the moments)`);
  }
  return { config, t, store };
}
