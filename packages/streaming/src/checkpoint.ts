import { DomainError, encodeArray, parseStateText, readState, type StateReader } from '@x/gpu';

/**
 * Opens a streaming checkpoint: the `@x` state envelope `{ type, version: 2, config, state }`, or
 * (for one release) the `kind`-tagged format of earlier releases, which `upgrade` turns into
 * the envelope first so that both go through the same validation. JSON text is parsed with a
 * typed error (deprecated: pass the parsed object).
 */
export function openCheckpoint(
  fn: string,
  type: string,
  json: unknown,
  upgrade: (legacy: Record<string, unknown>) => unknown,
): { config: StateReader; state: StateReader } {
  let j = typeof json === 'string' ? parseStateText(fn, json) : json;
  if (typeof j === 'object' && j !== null && 'kind' in j) {
    const legacy = j as Record<string, unknown>;
    if (legacy.kind !== type) throw new DomainError(`${fn}: not a ${type} checkpoint (kind ${JSON.stringify(legacy.kind)})`);
    j = upgrade(legacy);
  }
  return readState(fn, type, j);
}

/**
 * A number array of a legacy checkpoint as an encoded float64 array (JSON numbers are exact
 * doubles); anything else is passed through for the reader to reject with a typed error.
 */
export function legacyArray(v: unknown): unknown {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? encodeArray(Float64Array.from(v)) : v;
}

/**
 * `state.scaleExp` of a checkpoint (the power of two E whose 2^−E the estimator applied to its
 * data; absent in checkpoints of ordinary data and of earlier releases: 0).
 */
export function readScaleExp(fn: string, state: StateReader): number {
  if (!state.has('scaleExp')) return 0;
  const e = state.number('scaleExp', { min: -1000, max: 1000 });
  if (!Number.isInteger(e)) throw new DomainError(`${fn}: state.scaleExp must be an integer in [-1000, 1000], got ${e}`);
  return e;
}

