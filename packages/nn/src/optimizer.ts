import { DomainError, ShapeError } from '@x/gpu';
import { checkFinite, checkNonNegative, checkUnit, describe } from '@x/gpu/checks';
import type { Parameter } from './module';

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
  if (!Array.isArray(params)) throw new DomainError(`${fn}: params must be an array of parameters, got ${describe(params)}`);
  for (let k = 0; k < params.length; k++) {
    const p = params[k] as Partial<Parameter> | null;
    if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || !(p.value instanceof Float64Array) || !(p.grad instanceof Float64Array)) {
      throw new DomainError(`${fn}: params[${k}] must be { name: string, value: Float64Array, grad: Float64Array }, got ${describe(p)}`);
    }
    if (p.grad.length !== p.value.length) {
      throw new ShapeError(`${fn}: parameter "${p.name}" has ${p.value.length} values but ${p.grad.length} gradient entries`);
    }
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

export function stateToJSON(store: Map<string, Float64Array[]>): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const [k, v] of store) out[k] = v.map((a) => Array.from(a));
  return out;
}

export function stateFromJSON(fn: string, json: unknown, count: number): Map<string, Float64Array[]> {
  const store = new Map<string, Float64Array[]>();
  if (json === undefined || json === null) return store;
  if (typeof json !== 'object') throw new DomainError(`${fn}: state must be an object`);
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.length !== count || !v.every((a) => Array.isArray(a))) {
      throw new DomainError(`${fn}: state of "${k}" must be ${count} arrays of numbers`);
    }
    store.set(
      k,
      v.map((a: number[]) => Float64Array.from(a)),
    );
  }
  return store;
}
