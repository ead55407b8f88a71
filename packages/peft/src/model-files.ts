import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { effectiveRank, svd } from '@x/linalg';
import { type Dtype, type SafetensorsReader, type TensorToWrite, writeSafetensors } from '@x/safetensors';
import { loraScale } from './lora';
import { checkInt, checkOptions, checkSeed, checkSteps, describe } from '@x/gpu/checks';
import { checkPeftAdapter, configForLayers, type PeftAdapter, type PeftLoraLayer } from './peft-adapter';
import { checkPeftLoraConfig, isTargetModule, type PeftLoraConfig, peftLoraConfig } from './peft-config';
import { pissaInit, pissaToLora } from './pissa';
import { checkPositive, checkRank, checkWeight, optBoolean } from './validate';

/** A tensor of an output file, produced only when the writer reaches it (so big models stream). */
export interface TensorJob {
  dtype: Dtype;
  shape: readonly number[];
  load(): Promise<TensorToWrite>;
}

/** An output safetensors file as jobs; write it with `writeSafetensorsFile` (Node) or {@link materialize}. */
export interface ModelPlan {
  tensors: Record<string, TensorJob>;
  metadata: Record<string, string>;
}

/** Progress of a long model operation: `done` of `total` modules, the one just finished. */
export interface ModelProgress {
  stage: string;
  module: string;
  done: number;
  total: number;
}

const FLOAT: ReadonlySet<Dtype> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** The modules (tensor name minus `.weight`) whose 2-D float weight is targeted. */
export function targetedModules(reader: SafetensorsReader, target: PeftLoraConfig['target_modules']): string[] {
  const out: string[] = [];
  for (const t of reader.tensors) {
    if (!t.name.endsWith('.weight')) continue;
    const module = t.name.slice(0, -'.weight'.length);
    if (isTargetModule(module, target, t.shape.length === 2 && FLOAT.has(t.dtype))) out.push(module);
  }
  return out.sort();
}

/**
 * A module's weight as an out x in Matrix (torch Linear layout; transposed back from [in, out]
 * when `fanInFanOut`), decoded to float64.
 * @throws DomainError for a missing, non-float or non-2-D weight.
 */
export async function readWeight(fn: string, reader: SafetensorsReader, module: string, fanInFanOut = false): Promise<Matrix<Float64Array>> {
  if (typeof module !== 'string') throw new DomainError(`${fn}: module must be a string, got ${describe(module)}`);
  optBoolean(fn, 'fanInFanOut', fanInFanOut, false);
  const name = `${module}.weight`;
  if (!reader.has(name)) throw new DomainError(`${fn}: the model has no tensor ${name}`);
  const info = reader.info(name);
  if (info.shape.length !== 2 || !FLOAT.has(info.dtype)) throw new DomainError(`${fn}: ${name} is ${info.dtype} [${info.shape.join(', ')}], not a 2-D float weight`);
  const { data } = await reader.float64(name);
  const [rows, cols] = info.shape as [number, number];
  return fanInFanOut ? transposeData(data, rows, cols) : { rows, cols, data };
}

function transposeData(data: Float64Array, rows: number, cols: number): Matrix<Float64Array> {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j]!;
  return { rows: cols, cols: rows, data: t };
}

/** W + f · B A (f may be negative), back in the stored layout. */
function addLowRank(W: Matrix<Float64Array>, f: number, B: Matrix, A: Matrix, fanInFanOut: boolean): Float64Array {
  const { rows, cols } = W;
  if (B.rows !== rows || A.cols !== cols || B.cols !== A.rows) {
    throw new ShapeError(`addLowRank: weight ${rows}x${cols} but B ${B.rows}x${B.cols}, A ${A.rows}x${A.cols}`);
  }
  const r = A.rows;
  const out = Float64Array.from(W.data);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < r; k++) {
      const b = f * B.data[i * r + k]!;
      if (b === 0) continue;
      const o = i * cols;
      const a = k * cols;
      for (let j = 0; j < cols; j++) out[o + j]! += b * A.data[a + j]!;
    }
  }
  return fanInFanOut ? transposeData(out, rows, cols).data : out;
}

/** A job that copies a tensor's bytes verbatim (byte-identical output). */
function copyJob(reader: SafetensorsReader, name: string): TensorJob {
  const t = reader.info(name);
  return { dtype: t.dtype, shape: t.shape, load: async () => ({ dtype: t.dtype, shape: t.shape, bytes: await reader.bytes(name) }) };
}

/** Options of building a PiSSA adapter for a model file: target modules, rank, alpha, iterations, rsLoRA, fan_in_fan_out layout, seed, the base model and task type recorded in the config, progress. */
export interface PissaModelOptions {
  /** target_modules as in PEFT: names (suffix match) or one regular expression. */
  target: PeftLoraConfig['target_modules'];
  rank: number;
  /** lora_alpha (default rank, scaling 1). */
  alpha?: number;
  /** Fast SVD with this many subspace iterations: init_lora_weights "pissa_niter_K". */
  niter?: number;
  rslora?: boolean;
  /** Weights stored [in, out] (GPT-2 Conv1D). */
  fanInFanOut?: boolean;
  seed?: number;
  baseModel?: string | null;
  taskType?: string | null;
  onProgress?: (p: ModelProgress) => void;
}

const PISSA_MODEL_KEYS = ['target', 'rank', 'alpha', 'niter', 'rslora', 'fanInFanOut', 'seed', 'baseModel', 'taskType', 'onProgress'];

/**
 * PiSSA on a whole model file, as PEFT's `init_lora_weights="pissa"` (or "pissa_niter_K") does
 * to each targeted Linear: with W = U S Vᵀ (out x in) and s the scaling (lora_alpha / r, or
 * / √r with rsLoRA), A = diag(√(S_r/s)) V_rᵀ, B = U_r diag(√(S_r/s)) and the base weight becomes
 * W − s B A, stored in its original dtype. Returns the adapter (keep it: it is the "initial"
 * adapter of a later PiSSA-to-LoRA conversion) and the residual model as jobs: targeted weights
 * are recomputed from the file when written, everything else is copied byte for byte.
 * @throws DomainError when nothing is targeted, or as pissaInit (rank out of range, non-finite W).
 */
export async function pissaFromModel(reader: SafetensorsReader, opts: PissaModelOptions): Promise<{ adapter: PeftAdapter; residual: ModelPlan }> {
  const fn = 'pissaFromModel';
  checkOptions(fn, opts, PISSA_MODEL_KEYS);
  if (opts === undefined) throw new DomainError(`${fn}: options { target, rank } are required`);
  // The config it will write, checked before any work (target_modules, r, lora_alpha, flags).
  const r = checkInt(fn, 'rank', opts.rank, 1);
  const alpha = opts.alpha === undefined ? r : checkPositive(fn, 'alpha', opts.alpha);
  const rslora = optBoolean(fn, 'rslora', opts.rslora, false);
  const fif = optBoolean(fn, 'fanInFanOut', opts.fanInFanOut, false);
  const niter = opts.niter === undefined ? undefined : checkSteps(fn, 'niter', opts.niter);
  const seed = opts.seed === undefined ? undefined : checkSeed(fn, 'seed', opts.seed);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new DomainError(`${fn}: onProgress must be a function, got ${describe(opts.onProgress)}`);
  for (const k of ['baseModel', 'taskType'] as const) {
    const v = opts[k];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new DomainError(`${fn}: ${k} must be a string or null, got ${describe(v)}`);
  }
  if (opts.target === undefined) throw new DomainError(`${fn}: options.target (target_modules) is required`);
  checkPeftLoraConfig(fn, 'options', { peft_type: 'LORA', r, lora_alpha: alpha, target_modules: opts.target });
  const modules = targetedModules(reader, opts.target);
  if (modules.length === 0) throw new DomainError(`${fn}: no 2-D float weight matches target_modules ${JSON.stringify(opts.target)}`);
  const scale = loraScale(r, alpha, rslora);
  const layers: PeftLoraLayer[] = [];
  for (const [i, module] of modules.entries()) {
    const W = await readWeight(fn, reader, module, fif);
    checkRank(fn, r, W.rows, W.cols);
    // pissaInit's scale is alpha'/r: pass alpha' = s r so rsLoRA's scaling carries over.
    const f = pissaInit(W, r, { alpha: scale * r, niter, seed });
    layers.push({ module, A: f.A, B: f.B, scale });
    opts.onProgress?.({ stage: 'pissa', module, done: i + 1, total: modules.length });
  }
  const config = peftLoraConfig({
    r,
    lora_alpha: alpha,
    target_modules: opts.target,
    init_lora_weights: niter === undefined ? 'pissa' : `pissa_niter_${niter}`,
    use_rslora: rslora,
    fan_in_fan_out: fif,
    base_model_name_or_path: opts.baseModel ?? null,
    task_type: opts.taskType ?? null,
  });
  return { adapter: { config, layers, extra: {} }, residual: applyLayers(fn, reader, layers, -1, fif) };
}

/** The model with W + sign · s B A for every layer's module; other tensors copied verbatim. */
function applyLayers(fn: string, reader: SafetensorsReader, layers: readonly PeftLoraLayer[], sign: 1 | -1, fif: boolean): ModelPlan {
  const tensors: Record<string, TensorJob> = {};
  for (const name of reader.names) tensors[name] = copyJob(reader, name);
  for (const l of layers) {
    const name = `${l.module}.weight`;
    if (!reader.has(name)) throw new DomainError(`${fn}: the adapter targets ${l.module} but the model has no ${name}`);
    const t = reader.info(name);
    tensors[name] = {
      dtype: t.dtype,
      shape: t.shape,
      load: async () => {
        const W = await readWeight(fn, reader, l.module, fif);
        if (W.rows !== l.B.rows || W.cols !== l.A.cols) {
          throw new ShapeError(`${fn}: ${name} is ${W.rows}x${W.cols} (out x in) but the adapter's B A is ${l.B.rows}x${l.A.cols}`);
        }
        return { dtype: t.dtype, shape: t.shape, data: addLowRank(W, sign * l.scale, l.B, l.A, fif) };
      },
    };
  }
  return { tensors, metadata: { ...reader.metadata } };
}

/**
 * PEFT's `merge_and_unload` on files: every adapted module's weight becomes W + s B A in its
 * original dtype (rounded to nearest even for F16/BF16); every other tensor is copied byte for
 * byte. Checked up front: each adapted module exists with a matching shape.
 * @throws DomainError / ShapeError for modules missing from the model or of the wrong size.
 */
export function mergeIntoBase(reader: SafetensorsReader, adapter: PeftAdapter): ModelPlan {
  const fn = 'mergeIntoBase';
  checkPeftAdapter(fn, 'adapter', adapter);
  const fif = adapter.config.fan_in_fan_out ?? false;
  for (const l of adapter.layers) {
    const name = `${l.module}.weight`;
    if (!reader.has(name)) throw new DomainError(`${fn}: the adapter targets ${l.module} but the model has no ${name}`);
    const s = reader.info(name).shape;
    const [out, inn] = fif ? [s[1], s[0]] : [s[0], s[1]];
    if (s.length !== 2 || out !== l.B.rows || inn !== l.A.cols) {
      throw new ShapeError(`${fn}: ${name} is [${s.join(', ')}] but the adapter's update is ${l.B.rows}x${l.A.cols} (out x in)`);
    }
  }
  return applyLayers(fn, reader, adapter.layers, 1, fif);
}

/**
 * PEFT's PiSSA-to-LoRA conversion (`save_pretrained(path_initial_model_for_weight_conversion=…)`):
 * per module A = [A_trained; A_initial], B = [B_trained | −B_initial], so that on the ORIGINAL
 * base W + s B A = W_res + s B_trained A_trained. The config doubles r and lora_alpha (× √2 with
 * rsLoRA, keeping the scaling), doubles rank_pattern and alpha_pattern, and sets
 * init_lora_weights to true.
 * @throws DomainError when the adapters cover different modules; ShapeError on shape mismatch.
 */
export function convertPissaToLora(initial: PeftAdapter, trained: PeftAdapter): PeftAdapter {
  const fn = 'convertPissaToLora';
  checkPeftAdapter(fn, 'initial', initial);
  checkPeftAdapter(fn, 'trained', trained);
  const init = new Map(initial.layers.map((l) => [l.module, l]));
  if (initial.layers.length !== trained.layers.length || trained.layers.some((l) => !init.has(l.module))) {
    throw new DomainError(`${fn}: the initial and trained adapters must adapt the same modules`);
  }
  const c = trained.config;
  if (c.use_rslora && (Object.keys(c.rank_pattern ?? {}).length || Object.keys(c.alpha_pattern ?? {}).length)) {
    throw new DomainError(`${fn}: rsLoRA with rank_pattern/alpha_pattern cannot be converted (PEFT refuses it too)`);
  }
  const layers = trained.layers.map((l) => {
    const l0 = init.get(l.module)!;
    if (Math.abs(l0.scale - l.scale) > 1e-12 * l.scale) throw new DomainError(`${fn}: module ${l.module} has scale ${l0.scale} initially and ${l.scale} trained`);
    const { A, B, scale } = pissaToLora(l, l0);
    return { module: l.module, A, B, scale };
  });
  const double = (p: Record<string, number>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, 2 * v]));
  const config: PeftLoraConfig = {
    ...c,
    init_lora_weights: true,
    r: 2 * c.r,
    lora_alpha: c.use_rslora ? c.lora_alpha * Math.SQRT2 : 2 * c.lora_alpha,
    rank_pattern: double(c.rank_pattern ?? {}),
    alpha_pattern: double(c.alpha_pattern ?? {}),
  };
  return { config: configForLayers(config, layers), layers, extra: { ...trained.extra } };
}

/** Runs every job and serializes the file in memory (browsers, small models). */
export async function materialize(plan: ModelPlan): Promise<Uint8Array> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, job] of Object.entries(plan.tensors)) tensors[name] = await job.load();
  return writeSafetensors(tensors, plan.metadata);
}

/**
 * Singular values (descending) and the entropy effective rank exp(H(σ/Σσ)) (Roy & Vetterli, 2007),
 * from `@x/linalg`'s `effectiveRank`, which forms the probabilities from σ/σ₁, so the rank stays
 * right when Σσ would overflow (entries near 1e308) or the σ are tiny or subnormal; 0 for W = 0.
 * @throws ShapeError W not a Matrix; DomainError a NaN or infinite entry (both naming `spectrum`).
 */
export function spectrum(W: Matrix): { S: Float64Array; effectiveRank: number } {
  checkWeight('spectrum', 'W', W);
  const { S } = svd(W);
  return { S, effectiveRank: effectiveRank(S) };
}
