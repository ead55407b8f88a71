import { DomainError } from '@x/gpu';
import type { ModuleJSON } from './module';

/**
 * The serialized form shared by the sequence layers: `{ type, version, config, state }`, with
 * `config` the constructor options and `state` the tensors as plain number arrays (JSON keeps
 * every finite float64 exactly) or, for containers, the children's own JSON.
 */
export interface ModuleEnvelope extends ModuleJSON {
  readonly type: string;
  readonly version: 1;
  readonly config: Record<string, unknown>;
  readonly state: Record<string, unknown>;
}

/** Builds a {@link ModuleEnvelope}; typed arrays in `state` are copied to number arrays. */
export function envelope(type: string, config: Record<string, unknown>, state: Record<string, unknown>): ModuleEnvelope {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) s[k] = v instanceof Float64Array || v instanceof Float32Array ? Array.from(v) : v;
  return { type, version: 1, config, state: s };
}

/** Checks the envelope's `type` and `version`, returning its config and state. */
export function readEnvelope(fn: string, type: string, json: unknown): { config: Record<string, unknown>; state: Record<string, unknown> } {
  const j = json as Partial<ModuleEnvelope> | null;
  if (!j || typeof j !== 'object' || j.type !== type) throw new DomainError(`${fn}: type is ${String(j?.type)}, expected ${type}`);
  if (j.version !== 1) throw new DomainError(`${fn}: unsupported version ${String(j.version)} (expected 1)`);
  if (!j.config || typeof j.config !== 'object' || !j.state || typeof j.state !== 'object') {
    throw new DomainError(`${fn}: expected { type, version, config, state }`);
  }
  return { config: j.config, state: j.state };
}
