import { DomainError } from '@x/gpu';
import { readSafetensors, type SafetensorsReader, type SafetensorsSource, type TensorToWrite, writeSafetensors } from '@x/safetensors';
import { checkOptions } from '@x/gpu/checks';
import { type LoadStateDictOptions, loadInto, type StateDict, stateDict } from './container';
import { checkModule, type Module } from './module';

/** Options of {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** Element type written (default `'F32'`, as Hugging Face checkpoints; `'F64'` keeps every bit, `'BF16'`/`'F16'` round to nearest even). */
  dtype?: 'F64' | 'F32' | 'F16' | 'BF16';
  /** String metadata stored in the header (default `{ format: 'pt' }`, what transformers expects). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * The module's state dict ({@link stateDict}: parameter name -> shape and values) as the bytes of
 * a safetensors file. For a `TransformerLM` the names are the Hugging Face llama ones, so the
 * file loads into `LlamaForCausalLM` (with a matching config). Deterministic: the same weights
 * give the same bytes. O(#parameters).
 */
export function saveSafetensors(m: Module, opts: SaveSafetensorsOptions = {}): Uint8Array {
  checkModule('saveSafetensors', 'm', m);
  checkOptions('saveSafetensors', opts, ['dtype', 'metadata']);
  const meta = opts.metadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) {
    throw new DomainError(`saveSafetensors: metadata must be an object of strings, got ${meta === null ? 'null' : typeof meta}`);
  }
  const dtype = opts.dtype ?? 'F32';
  if (!['F64', 'F32', 'F16', 'BF16'].includes(dtype)) throw new DomainError(`saveSafetensors: dtype must be F64, F32, F16 or BF16, got ${String(dtype)}`);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of stateDict(m)) tensors[name] = { dtype, shape: t.shape, data: t.data };
  return writeSafetensors(tensors, opts.metadata ?? { format: 'pt' });
}

/** Reads every tensor of a safetensors file as float64 (exact for every float dtype) into a state dict. */
export async function readStateDict(source: SafetensorsSource | SafetensorsReader): Promise<StateDict> {
  const r = isReader(source) ? source : await readSafetensors(source);
  const out: StateDict = new Map();
  try {
    for (const name of r.names) {
      const t = await r.float64(name);
      out.set(name, { shape: t.shape, data: t.data });
    }
  } finally {
    if (!isReader(source)) await r.close();
  }
  return out;
}

/**
 * Loads a safetensors file (bytes, a Blob, or an open reader; a path through
 * `@x/safetensors/node`'s reader) into the module's parameters by name with
 * {@link loadStateDict}: strict by default (every parameter present, no extra tensor), shapes
 * checked. Returns the missing and unexpected names.
 */
export async function loadSafetensors(
  m: Module,
  source: SafetensorsSource | SafetensorsReader,
  opts: LoadStateDictOptions = {},
): Promise<{ missing: string[]; unexpected: string[] }> {
  checkModule('loadSafetensors', 'm', m);
  checkOptions('loadSafetensors', opts, ['strict']);
  return loadInto('loadSafetensors', m, await readStateDict(source), opts);
}

function isReader(s: unknown): s is SafetensorsReader {
  return typeof s === 'object' && s !== null && typeof (s as SafetensorsReader).float64 === 'function' && Array.isArray((s as SafetensorsReader).names);
}
