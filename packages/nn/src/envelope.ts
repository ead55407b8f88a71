import { DomainError, decodeArray, encodeArray, STATE_VERSION } from '@x/gpu';
import type { ModuleJSON } from './module';

/**
 * The serialized form of the sequence layers: the `@x` state envelope `{ type, version, config,
 * state }` (the same as `moduleJSON` writes), with `config` the constructor options and `state`
 * the tensors stored bit-exactly (`EncodedArray` from @x/gpu) or, for containers, the
 * children's own JSON.
 */
export interface ModuleEnvelope extends ModuleJSON {
  readonly type: string;
  readonly version: number;
  readonly config: Record<string, unknown>;
  readonly state: Record<string, unknown>;
}

/** Builds a {@link ModuleEnvelope}; typed arrays in `state` are encoded bit-exactly (float32 widened to float64, exactly). */
export function envelope(type: string, config: Record<string, unknown>, state: Record<string, unknown>): ModuleEnvelope {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) {
    s[k] = v instanceof Float64Array ? encodeArray(v) : v instanceof Float32Array ? encodeArray(Float64Array.from(v)) : v;
  }
  return { type, version: STATE_VERSION, config, state: s };
}

const isEncoded = (v: unknown): boolean => typeof v === 'object' && v !== null && 'b64' in v && 'dtype' in v;

/**
 * Checks the envelope's `type` and `version` and returns its config and state, with encoded
 * arrays decoded (a corrupt one is a DomainError naming `fn`). Also reads version 1 (number arrays).
 */
export function readEnvelope(fn: string, type: string, json: unknown): { config: Record<string, unknown>; state: Record<string, unknown> } {
  const j = json as Partial<ModuleEnvelope> | null;
  if (!j || typeof j !== 'object' || j.type !== type) throw new DomainError(`${fn}: type is ${String(j?.type)}, expected ${type}`);
  if (j.version !== 1 && j.version !== STATE_VERSION) throw new DomainError(`${fn}: unsupported version ${String(j.version)} (expected ${STATE_VERSION})`);
  if (!j.config || typeof j.config !== 'object' || !j.state || typeof j.state !== 'object') {
    throw new DomainError(`${fn}: expected { type, version, config, state }`);
  }
  const state: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j.state)) state[k] = isEncoded(v) ? decodeArray(`${fn} (state.${k})`, v) : v;
  return { config: j.config, state };
}
