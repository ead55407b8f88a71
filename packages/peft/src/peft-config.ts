import { DomainError } from '@x/gpu';
import { checkInt, checkOneOf, checkUnit, describe } from '@x/gpu/checks';
import { checkBoolean, checkPositive, checkRecord, isRecord } from './validate';

/**
 * adapter_config.json of a Hugging Face PEFT LoRA adapter (the fields `@x` reads and writes;
 * anything else found in a loaded file is kept and written back unchanged).
 */
export interface PeftLoraConfig {
  peft_type: 'LORA';
  /** Default rank (per-module overrides in `rank_pattern`). */
  r: number;
  /** Default alpha; scaling = lora_alpha / r, or lora_alpha / √r with `use_rslora`. */
  lora_alpha: number;
  /** Module names (exact or suffix after a dot), or one regular expression matched in full. */
  target_modules: string[] | string | null;
  /** true (Kaiming A, zero B), false, "gaussian", "pissa", "pissa_niter_K", "olora", "eva", "loftq", ... */
  init_lora_weights: boolean | string;
  use_rslora: boolean;
  /** True when the base layer stores its weight as [in, out] (GPT-2 Conv1D). */
  fan_in_fan_out: boolean;
  bias: 'none' | 'all' | 'lora_only';
  task_type: string | null;
  base_model_name_or_path: string | null;
  /** Module-name pattern -> rank. */
  rank_pattern: Record<string, number>;
  /** Module-name pattern -> alpha. */
  alpha_pattern: Record<string, number>;
  [other: string]: unknown;
}

/** PEFT's LoraConfig defaults overridden by `fields` (no checks: the callers check the result). */
function withDefaults(fields: object): PeftLoraConfig {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: null,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: 8,
    lora_dropout: 0,
    modules_to_save: null,
    peft_type: 'LORA',
    r: 8,
    rank_pattern: {},
    revision: null,
    target_modules: null,
    task_type: null,
    use_dora: false,
    use_rslora: false,
    ...fields,
  };
}

/**
 * A complete config with PEFT's defaults (LoraConfig's dataclass defaults: r 8, alpha 8,
 * dropout 0, bias "none", inference_mode true after saving) overridden by `fields`.
 * @throws DomainError when `fields` is not an object or the result breaks a rule of
 * {@link checkPeftLoraConfig} (e.g. a fractional `r`, a NaN `lora_alpha`).
 */
export function peftLoraConfig(fields: Partial<PeftLoraConfig> = {}): PeftLoraConfig {
  const fn = 'peftLoraConfig';
  return checkPeftLoraConfig(fn, 'fields', withDefaults(checkRecord(fn, 'fields', fields)));
}

/**
 * Checks an in-memory LoRA config field by field, as a PEFT loader reads it: `peft_type`
 * "LORA", no DoRA, `r` an integer >= 1, `lora_alpha` a finite number > 0, `lora_dropout` in
 * [0, 1], `bias` one of "none", "all", "lora_only", the flags booleans, `init_lora_weights` a
 * boolean or a string, `target_modules` null, a string or a list of strings, `rank_pattern`
 * integers >= 1 and `alpha_pattern` numbers > 0. Fields PEFT has and `@x` does not read are kept
 * unchecked. Returns the config typed.
 * @throws DomainError naming `fn` and the bad field.
 */
export function checkPeftLoraConfig(fn: string, name: string, c: unknown): PeftLoraConfig {
  const cfg = checkRecord(fn, name, c);
  if (cfg.peft_type !== 'LORA') throw new DomainError(`${fn}: peft_type is ${describe(cfg.peft_type)}; only "LORA" adapters are supported`);
  if (cfg.use_dora === true) throw new DomainError(`${fn}: DoRA adapters (use_dora: true) are not plain scaling·B·A updates and are not supported`);
  checkInt(fn, `${name}.r`, cfg.r, 1);
  checkPositive(fn, `${name}.lora_alpha`, cfg.lora_alpha);
  if (cfg.lora_dropout !== undefined) checkUnit(fn, `${name}.lora_dropout`, cfg.lora_dropout);
  if (cfg.bias !== undefined) checkOneOf(fn, `${name}.bias`, cfg.bias, ['none', 'all', 'lora_only']);
  for (const flag of ['use_dora', 'use_rslora', 'fan_in_fan_out', 'inference_mode']) {
    if (cfg[flag] !== undefined) checkBoolean(fn, `${name}.${flag}`, cfg[flag]);
  }
  const init = cfg.init_lora_weights;
  if (init !== undefined && typeof init !== 'boolean' && typeof init !== 'string') {
    throw new DomainError(`${fn}: ${name}.init_lora_weights must be a boolean or a string, got ${describe(init)}`);
  }
  const t = cfg.target_modules;
  if (!(t === undefined || t === null || typeof t === 'string' || (Array.isArray(t) && t.every((s) => typeof s === 'string')))) {
    throw new DomainError(`${fn}: ${name}.target_modules must be a list of names, a regular expression or null, got ${describe(t)}`);
  }
  for (const field of ['task_type', 'base_model_name_or_path']) {
    const v = cfg[field];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new DomainError(`${fn}: ${name}.${field} must be a string or null, got ${describe(v)}`);
  }
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    const pattern = cfg[field];
    if (pattern === undefined) continue;
    if (!isRecord(pattern)) throw new DomainError(`${fn}: ${name}.${field} must be an object, got ${describe(pattern)}`);
    for (const [k, v] of Object.entries(pattern)) {
      if (field === 'rank_pattern') checkInt(fn, `${name}.rank_pattern["${k}"]`, v, 1);
      else checkPositive(fn, `${name}.alpha_pattern["${k}"]`, v);
    }
  }
  return cfg as PeftLoraConfig;
}

/**
 * Parses and checks adapter_config.json (text or an object). Only LoRA adapters without DoRA are
 * accepted: their update is exactly scaling·B·A. Missing fields take PEFT's defaults.
 * @throws DomainError naming the bad field.
 */
export function parsePeftLoraConfig(fn: string, json: string | object): PeftLoraConfig {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      throw new DomainError(`${fn}: adapter_config.json is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isRecord(raw)) throw new DomainError(`${fn}: adapter_config.json is not a JSON object`);
  if (raw.peft_type !== 'LORA') throw new DomainError(`${fn}: peft_type is ${JSON.stringify(raw.peft_type)}; only "LORA" adapters are supported`);
  return checkPeftLoraConfig(fn, 'adapter_config.json', withDefaults(raw));
}

function fullMatch(pattern: string, s: string): boolean {
  return new RegExp(`^(?:${pattern})$`, 'u').test(s);
}

/**
 * Whether a module (its dotted path, e.g. `model.layers.0.self_attn.q_proj`) is targeted, as
 * PEFT decides: a string `target_modules` is a regular expression that must match the whole
 * path; a list matches a name equal to the path or to its last dotted components
 * (`q_proj` matches `...self_attn.q_proj`, `self_attn.q_proj` too). `"all-linear"` is taken
 * as every 2-D weight except the output head and embeddings (decided by the caller's `is2d`
 * and the names `lm_head` / `embed`).
 */
export function isTargetModule(module: string, target: PeftLoraConfig['target_modules'], is2d = true): boolean {
  if (target === null) return false;
  if (target === 'all-linear' || (Array.isArray(target) && target.length === 1 && target[0] === 'all-linear')) {
    const last = module.split('.').at(-1) ?? '';
    return is2d && last !== 'lm_head' && !/embed/.test(last);
  }
  if (typeof target === 'string') return fullMatch(target, module);
  return target.some((t) => module === t || module.endsWith(`.${t}`));
}

/** PEFT's pattern lookup for rank_pattern / alpha_pattern: an exact key, else the first key matching the path's tail. */
export function patternKey(keys: readonly string[], module: string): string | undefined {
  if (keys.includes(module)) return module;
  return keys.find((k) => new RegExp(`^(?:.*\\.)?(?:${k})$`, 'u').test(module));
}

/** A module's rank, alpha and scaling under a config (rank_pattern/alpha_pattern applied). */
export function moduleScaling(config: PeftLoraConfig, module: string): { r: number; alpha: number; scale: number } {
  const fn = 'moduleScaling';
  checkPeftLoraConfig(fn, 'config', config);
  if (typeof module !== 'string') throw new DomainError(`${fn}: module must be a string, got ${describe(module)}`);
  return scalingOf(config, module);
}

/** {@link moduleScaling} on a config already checked. */
export function scalingOf(config: PeftLoraConfig, module: string): { r: number; alpha: number; scale: number } {
  const rp = config.rank_pattern ?? {};
  const ap = config.alpha_pattern ?? {};
  const rk = patternKey(Object.keys(rp), module);
  const ak = patternKey(Object.keys(ap), module);
  const r = rk === undefined ? config.r : rp[rk]!;
  const alpha = ak === undefined ? config.lora_alpha : ap[ak]!;
  return { r, alpha, scale: rslScale(r, alpha, config.use_rslora ?? false) };
}

const rslScale = (r: number, alpha: number, rslora: boolean): number => (rslora ? alpha / Math.sqrt(r) : alpha / r);

/**
 * adapter_config.json text as PEFT writes it: keys sorted, two-space indent, `target_modules`
 * as a list without repeats (PEFT keeps a set; the given order is kept) or the regular expression.
 */
export function stringifyPeftLoraConfig(config: PeftLoraConfig): string {
  checkPeftLoraConfig('stringifyPeftLoraConfig', 'config', config);
  const c: Record<string, unknown> = { ...config };
  if (Array.isArray(c.target_modules)) c.target_modules = [...new Set(c.target_modules as string[])];
  const sorted = Object.fromEntries(Object.keys(c).sort().map((k) => [k, c[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
