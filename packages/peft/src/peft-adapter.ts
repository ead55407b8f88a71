import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { readSafetensors, type SafetensorsReader, type SafetensorsSource, type TensorToWrite, writeSafetensors } from '@x/safetensors';
import { describe } from '@x/gpu/checks';
import { checkPeftLoraConfig, isTargetModule, type PeftLoraConfig, parsePeftLoraConfig, scalingOf, stringifyPeftLoraConfig } from './peft-config';
import { checkArray, checkNumber, checkPositive, checkRecord, checkWeight } from './validate';

/** PEFT's prefix of every saved adapter key (PeftModel -> LoraModel -> the wrapped model). */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** One adapted module: ΔW = scale · B A in torch Linear layout (W is out x in, y = x Wᵀ). */
export interface PeftLoraLayer {
  /** Dotted module path in the base model, e.g. `model.layers.0.self_attn.q_proj`. */
  module: string;
  /** r x in (`lora_A.weight`). */
  A: Matrix<Float64Array>;
  /** out x r (`lora_B.weight`). */
  B: Matrix<Float64Array>;
  /** lora_alpha / r (or / √r with rsLoRA) for this module. */
  scale: number;
}

/** A LoRA adapter in memory: the config and its layers, sorted by module path. */
export interface PeftAdapter {
  config: PeftLoraConfig;
  layers: PeftLoraLayer[];
  /** Other saved tensors (biases with bias != "none", modules_to_save), kept byte-for-byte. */
  extra: Record<string, TensorToWrite>;
}

/**
 * An adapter directory in memory: `adapter_config.json` (text or parsed) and
 * `adapter_model.safetensors` (bytes, a Blob, or an open reader). File I/O is in `@x/peft/node`.
 */
export interface PeftAdapterFiles {
  config: string | object;
  weights: SafetensorsSource | SafetensorsReader;
}

const LORA_KEY = /^(.*)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

function isReader(w: unknown): w is SafetensorsReader {
  return typeof w === 'object' && w !== null && typeof (w as SafetensorsReader).float64 === 'function' && Array.isArray((w as SafetensorsReader).names);
}

/**
 * Loads a PEFT LoRA adapter: keys `base_model.model.<module>.lora_A.weight` [r, in] and
 * `.lora_B.weight` [out, r] (an adapter-name segment, `lora_A.<name>.weight`, is accepted too),
 * any float dtype, decoded to float64. The scale of each module comes from the config
 * (lora_alpha / r, rank_pattern, alpha_pattern, use_rslora); its r must equal A's rows.
 * @throws DomainError (bad config, unpaired or unsupported keys), ShapeError (A/B shapes that
 * do not chain), SafetensorsError (a malformed weights file).
 */
export async function loadPeftAdapter(files: PeftAdapterFiles): Promise<PeftAdapter> {
  const fn = 'loadPeftAdapter';
  checkRecord(fn, 'files', files);
  const config = parsePeftLoraConfig(fn, files.config);
  const reader = isReader(files.weights) ? files.weights : await readSafetensors(files.weights);
  const pairs = new Map<string, { A?: string; B?: string }>();
  const extra: Record<string, TensorToWrite> = {};
  for (const name of reader.names) {
    const m = LORA_KEY.exec(name);
    if (!m) {
      if (/lora_(embedding|magnitude)/.test(name)) throw new DomainError(`${fn}: tensor "${name}" belongs to an embedding or DoRA adapter, which is not supported`);
      const t = reader.info(name);
      extra[name] = { dtype: t.dtype, shape: t.shape, bytes: await reader.bytes(name) };
      continue;
    }
    let module = m[1]!;
    if (module.startsWith(PEFT_KEY_PREFIX)) module = module.slice(PEFT_KEY_PREFIX.length);
    const p = pairs.get(module) ?? {};
    p[m[2] as 'A' | 'B'] = name;
    pairs.set(module, p);
  }
  const layers: PeftLoraLayer[] = [];
  for (const module of [...pairs.keys()].sort()) {
    const p = pairs.get(module)!;
    if (!p.A || !p.B) throw new DomainError(`${fn}: module ${module} has lora_${p.A ? 'A' : 'B'} but no lora_${p.A ? 'B' : 'A'}`);
    const a = await reader.float64(p.A);
    const b = await reader.float64(p.B);
    if (a.shape.length !== 2 || b.shape.length !== 2 || b.shape[1] !== a.shape[0]) {
      throw new ShapeError(`${fn}: module ${module} has lora_A [${a.shape.join(', ')}] and lora_B [${b.shape.join(', ')}]; expected [r, in] and [out, r]`);
    }
    const { r, scale } = scalingOf(config, module);
    if (a.shape[0] !== r) throw new DomainError(`${fn}: module ${module} has rank ${a.shape[0]} but the config gives r = ${r}`);
    layers.push({
      module,
      A: { rows: a.shape[0]!, cols: a.shape[1]!, data: a.data },
      B: { rows: b.shape[0]!, cols: b.shape[1]!, data: b.data },
      scale,
    });
  }
  if (layers.length === 0) throw new DomainError(`${fn}: no lora_A/lora_B tensors in the weights file`);
  return { config, layers, extra };
}

/**
 * Serializes an adapter as PEFT saves it: `adapter_config.json` text (sorted keys, two-space
 * indent) and `adapter_model.safetensors` bytes (A and B as F32, metadata {"format": "pt"}).
 * Each layer's scale must be the one the config gives its module (a PEFT loader recomputes it).
 * @throws DomainError when a layer's rank or scale disagrees with the config; ShapeError when A and B do not chain.
 */
export function savePeftAdapter(adapter: PeftAdapter): { config: string; weights: Uint8Array } {
  const fn = 'savePeftAdapter';
  checkPeftAdapter(fn, 'adapter', adapter, { targeted: true });
  const tensors: Record<string, TensorToWrite> = { ...adapter.extra };
  for (const l of adapter.layers) {
    const key = `${PEFT_KEY_PREFIX}${l.module}`;
    tensors[`${key}.lora_A.weight`] = { dtype: 'F32', shape: [l.A.rows, l.A.cols], data: l.A.data };
    tensors[`${key}.lora_B.weight`] = { dtype: 'F32', shape: [l.B.rows, l.B.cols], data: l.B.data };
  }
  return { config: stringifyPeftLoraConfig(adapter.config), weights: writeSafetensors(tensors, { format: 'pt' }) };
}

/**
 * Sets `rank_pattern` / `alpha_pattern` entries (by exact module path) for the layers whose rank
 * or scale differ from what `config.r` / `config.lora_alpha` give, so the config describes
 * every layer exactly. Returns a new config.
 */
export function configForLayers(config: PeftLoraConfig, layers: readonly PeftLoraLayer[]): PeftLoraConfig {
  const fn = 'configForLayers';
  checkPeftLoraConfig(fn, 'config', config);
  checkPeftLayers(fn, 'layers', layers, config, true);
  for (const [i, l] of layers.entries()) checkPositive(fn, `layers[${i}].scale`, l.scale);
  const out: PeftLoraConfig = { ...config, rank_pattern: { ...config.rank_pattern }, alpha_pattern: { ...config.alpha_pattern } };
  for (const l of layers) {
    const r = l.A.rows;
    if (scalingOf(out, l.module).r !== r) out.rank_pattern[l.module] = r;
    if (Math.abs(scalingOf(out, l.module).scale - l.scale) > 1e-12 * l.scale) {
      out.alpha_pattern[l.module] = out.use_rslora ? l.scale * Math.sqrt(r) : l.scale * r;
    }
  }
  return out;
}

/**
 * Checks the layers of an adapter: an array of { module (a non-empty string, no repeats),
 * A (r x in) and B (out x r) finite matrices, scale a finite number }. With `targeted`, every
 * module must be targeted by `config.target_modules` (a PEFT loader silently drops the weights
 * of a module its config does not target).
 * @throws DomainError / ShapeError naming `fn` and the bad layer.
 */
export function checkPeftLayers(fn: string, name: string, layers: unknown, config: PeftLoraConfig, targeted: boolean): PeftLoraLayer[] {
  const list = checkArray(fn, name, layers);
  const seen = new Set<string>();
  list.forEach((l, i) => {
    const at = `${name}[${i}]`;
    const layer = checkRecord(fn, at, l);
    const module = layer.module;
    if (typeof module !== 'string' || module === '') throw new DomainError(`${fn}: ${at}.module must be a non-empty string, got ${describe(module)}`);
    if (seen.has(module)) throw new DomainError(`${fn}: ${name} has module ${module} twice`);
    seen.add(module);
    const A = checkWeight(fn, `${at}.A`, layer.A);
    const B = checkWeight(fn, `${at}.B`, layer.B);
    if (B.cols !== A.rows) throw new ShapeError(`${fn}: module ${module} has B ${B.rows}x${B.cols} and A ${A.rows}x${A.cols}; B.cols must equal A.rows (the rank)`);
    checkNumber(fn, `${at}.scale`, layer.scale);
    if (targeted && !isTargetModule(module, config.target_modules ?? null)) {
      throw new DomainError(`${fn}: module ${module} is not targeted by target_modules ${JSON.stringify(config.target_modules ?? null)}, so a PEFT loader would drop its weights`);
    }
  });
  return list as PeftLoraLayer[];
}

/**
 * Checks an in-memory adapter at a public boundary: a config by {@link checkPeftLoraConfig},
 * layers by {@link checkPeftLayers}, each layer's rank and scale the ones its config gives its
 * module (as a PEFT loader recomputes them), and `extra` an object of tensors.
 * @throws DomainError / ShapeError naming `fn` and the bad field.
 */
export function checkPeftAdapter(fn: string, name: string, adapter: unknown, opts: { targeted?: boolean } = {}): PeftAdapter {
  const a = checkRecord(fn, name, adapter);
  const config = checkPeftLoraConfig(fn, `${name}.config`, a.config);
  const layers = checkPeftLayers(fn, `${name}.layers`, a.layers, config, opts.targeted ?? false);
  for (const l of layers) {
    const { r, scale } = scalingOf(config, l.module);
    if (r !== l.A.rows) throw new DomainError(`${fn}: module ${l.module} has rank ${l.A.rows} but the config gives r = ${r} (set rank_pattern)`);
    if (!(Math.abs(scale - l.scale) <= 1e-12 * Math.abs(scale))) {
      throw new DomainError(`${fn}: module ${l.module} has scale ${l.scale} but the config gives ${scale} (set lora_alpha or alpha_pattern)`);
    }
  }
  checkRecord(fn, `${name}.extra`, a.extra);
  return a as unknown as PeftAdapter;
}
