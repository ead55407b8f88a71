import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkFinite, checkFunction, checkOneOf, checkOptions, checkPositive, checkSeed, checkShape, checkSize, checkSteps, describe } from '@x/gpu/checks';
import { Linear, type Module, type ModuleJSON, mseLoss, namedModules, type Parameter, prefixParameters, registerModule, setModule } from '@x/nn';
import { type Adapter, AdaptedLinear, type AdaptedLinearJSON } from './adapted-linear';
import { EvaCollector } from './eva';
import { lolduInit } from './loldu';
import { loraInit } from './lora';
import { loraSbInit, loraXsInit } from './lora-xs';
import { configForLayers, type PeftAdapter, type PeftLoraLayer } from './peft-adapter';
import { isTargetModule, peftLoraConfig } from './peft-config';
import { pissaInit, pissaToLora } from './pissa';
import { sorsaInit } from './sorsa';
import { svfitInit } from './svfit';
import { checkRecord } from './validate';

/** Every adapter kind {@link applyAdapters} can install. */
export type AdapterKindName = 'lora' | 'pissa' | 'svfit' | 'sorsa' | 'lora-xs' | 'lora-sb' | 'loldu' | 'eva';

const APPLY_KEYS = ['targetModules', 'kind', 'rank', 'alpha', 'rslora', 'seed', 'pissaNiter', 'gradients', 'eta', 'evaBatches', 'evaRho', 'evaTau'];

/** Options of {@link applyAdapters}. */
export interface ApplyAdaptersOptions {
  /**
   * Which Linear sub-modules to wrap, by their dotted path (see @x/nn `namedModules`), with
   * PEFT's `target_modules` rules ({@link isTargetModule}): a list of names (the full path, or a
   * suffix after a dot: `'q_proj'` matches `model.layers.0.self_attn.q_proj`), a string taken as
   * a regular expression that must match the whole path (or `'all-linear'`), or a RegExp
   * tested against the full path.
   */
  targetModules: readonly string[] | string | RegExp;
  kind: AdapterKindName;
  /** Rank r of every adapter (EVA: the per-layer budget before redistribution). */
  rank: number;
  /** LoRA alpha (default r: scale 1); used by lora, pissa, sorsa, lora-xs, loldu and eva. */
  alpha?: number;
  /** rsLoRA scaling α/√r (lora only). */
  rslora?: boolean;
  /** Seed of the random inits (lora's A, LoRA-XS's R); layer i uses seed + i. Default 0. */
  seed?: number;
  /** PiSSA fast init: randomized SVD with this many power iterations (default: exact SVD). */
  pissaNiter?: number;
  /** LoRA-SB: the accumulated full fine-tuning gradient of each target, by module path (out x in); {@link loraSbGradients} computes it on real batches. */
  gradients?: ReadonlyMap<string, Matrix>;
  /** LoRA-SB: effective first-step size η (default 1e-3). */
  eta?: number;
  /** EVA: batches of model inputs whose activations at the targets feed the incremental PCA. */
  evaBatches?: readonly Matrix[];
  /** EVA: ρ and τ of {@link EvaCollector} (defaults 2 and 0.99). */
  evaRho?: number;
  evaTau?: number;
}

function matches(path: string, t: readonly string[] | string | RegExp): boolean {
  if (t instanceof RegExp) return t.test(path);
  return isTargetModule(path, typeof t === 'string' ? t : [...t]);
}

/** Replaces the module at `path` by a recorder that passes inputs through and reports them. */
class InputTap implements Module {
  constructor(
    readonly inner: Module,
    readonly onInput: (x: Matrix) => void,
  ) {}
  forward(x: Matrix): Matrix {
    this.onInput(x);
    return this.inner.forward(x);
  }
  backward(dy: Matrix): Matrix {
    return this.inner.backward(dy);
  }
  parameters(): Parameter[] {
    return this.inner.parameters();
  }
  zeroGrad(): void {
    this.inner.zeroGrad();
  }
  toJSON(): ModuleJSON {
    return this.inner.toJSON();
  }
}

function adapterFor(
  kind: AdapterKindName,
  path: string,
  W: Matrix,
  r: number,
  i: number,
  opts: ApplyAdaptersOptions,
  eva: EvaCollector | null,
): { base: Matrix; adapter: Adapter } | null {
  const alpha = opts.alpha;
  const seed = (opts.seed ?? 0) + i;
  switch (kind) {
    case 'lora': {
      const a = loraInit(W, r, { alpha, rslora: opts.rslora, seed });
      return { base: W, adapter: { kind: 'lora', A: a.A, B: a.B, scale: a.scale } };
    }
    case 'pissa': {
      const p = pissaInit(W, r, { alpha, niter: opts.pissaNiter, seed });
      return { base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: p.scale } };
    }
    case 'svfit': {
      const s = svfitInit(W, r);
      return { base: s.Wres, adapter: { kind: 'svfit', U: s.U, V: s.V, sigma: s.sigma } };
    }
    case 'sorsa': {
      const s = sorsaInit(W, r, { alpha });
      return { base: s.Wres, adapter: { kind: 'sorsa', A: s.A, S: s.S, B: s.B, scale: s.scale } };
    }
    case 'lora-xs': {
      const c = loraXsInit(W, r, { alpha, seed });
      return { base: W, adapter: { kind: 'core', A: c.A, B: c.B, R: c.R, scale: c.scale } };
    }
    case 'lora-sb': {
      const G = opts.gradients?.get(path);
      if (!G) throw new DomainError(`applyAdapters (lora-sb): no gradient for ${path}; pass gradients: Map(path -> dL/dW)`);
      if (G.rows !== W.rows || G.cols !== W.cols) throw new ShapeError(`applyAdapters (lora-sb): gradient of ${path} is ${G.rows}x${G.cols}, the weight is ${W.rows}x${W.cols}`);
      const c = loraSbInit(G, r, { eta: opts.eta ?? 1e-3, exact: true });
      return { base: W, adapter: { kind: 'core', A: c.A, B: c.B, R: c.R, scale: c.scale } };
    }
    case 'loldu': {
      const l = lolduInit(W, r, { alpha });
      return { base: l.Wres, adapter: { kind: 'loldu', PL: matmul(l.P, l.L), U: l.U, z: l.z, scale: l.scale } };
    }
    case 'eva': {
      const e = eva!.init(path, W.rows, { rank: r, alpha });
      return e ? { base: W, adapter: { kind: 'lora', A: e.A, B: e.B, scale: e.scale } } : null;
    }
  }
}

/**
 * A model with adapters installed (PEFT's `PeftModel`): forward/backward run the whole wrapped
 * model, but {@link parameters} lists only the adapters' trainable tensors, so an optimizer or
 * @x/nn `fit` given this object trains the adapters and leaves every other weight untouched.
 */
export class PeftModel implements Module {
  readonly model: Module;
  /** The wrapped layers by module path. */
  readonly adapted: ReadonlyMap<string, AdaptedLinear>;
  /** Rank of each adapted layer (EVA may redistribute it). */
  readonly ranks: ReadonlyMap<string, number>;
  /** The kind the adapters were installed with. */
  readonly kind: AdapterKindName;
  private saved = new Map<string, Float64Array>();
  private readonly initial: ReadonlyMap<string, { A: Matrix; B: Matrix; scale: number }>;

  constructor(
    model: Module,
    adapted: Map<string, AdaptedLinear>,
    ranks: Map<string, number>,
    kind: AdapterKindName,
    initial: Map<string, { A: Matrix; B: Matrix; scale: number }> = new Map(),
  ) {
    this.model = model;
    this.adapted = adapted;
    this.ranks = ranks;
    this.kind = kind;
    this.initial = initial;
  }

  /**
   * The trained adapters as a PEFT LoRA adapter on the ORIGINAL base weights (for
   * `savePeftAdapter`: `adapter_config.json` + `adapter_model.safetensors`): LoRA and EVA
   * layers as they are; PiSSA layers converted with {@link pissaToLora} (rank 2r, since the
   * frozen base is the residual, PEFT's `path_initial_model_for_weight_conversion`). Ranks or
   * scales that differ between layers go to `rank_pattern` / `alpha_pattern`.
   * @throws DomainError for adapter kinds that are not a B·A product (SVFit, SORSA, LoRA-XS/SB,
   * LoLDU: use {@link mergeAndUnload}) or while merged.
   */
  toPeftAdapter(): PeftAdapter {
    const fn = 'PeftModel.toPeftAdapter';
    const layers: PeftLoraLayer[] = [];
    for (const [n, l] of this.adapted) {
      if (l.kind !== 'lora') throw new DomainError(`${fn}: ${this.kind} adapters are not a LoRA B·A product; use mergeAndUnload()`);
      if (l.merged) throw new DomainError(`${fn}: ${n} is merged; call unmerge() first`);
      const A = l.tensor('A');
      const B = l.tensor('B');
      const init = this.initial.get(n);
      const lora = init ? pissaToLora({ A, B }, init) : { A, B, scale: l.scale };
      layers.push({ module: n, A: copyOf(lora.A), B: copyOf(lora.B), scale: lora.scale });
    }
    if (layers.length === 0) throw new DomainError(`${fn}: no adapted layers`);
    layers.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
    const r = layers[0]!.A.rows;
    const targets = [...new Set(layers.map((l) => l.module.split('.').at(-1)!))].sort();
    const config = configForLayers(peftLoraConfig({ r, lora_alpha: layers[0]!.scale * r, target_modules: targets }), layers);
    return { config, layers, extra: {} };
  }

  forward(x: Matrix): Matrix {
    return this.model.forward(x);
  }

  backward(dy: Matrix): Matrix {
    return this.model.backward(dy);
  }

  /** Only the adapters' trainable tensors, named `<module path>.<A|B|R|sigma|S|z>`. */
  parameters(): Parameter[] {
    return [...this.adapted].flatMap(([n, l]) => prefixParameters(n, l.parameters()));
  }

  zeroGrad(): void {
    this.model.zeroGrad();
  }

  /** Trainable scalars (PEFT's `print_trainable_parameters` numerator). */
  trainableCount(): number {
    let n = 0;
    for (const l of this.adapted.values()) n += l.trainableCount();
    return n;
  }

  /** Folds every ΔW into its base; keeps a copy of each base so {@link unmerge} restores it bit for bit. */
  merge(): void {
    for (const [n, l] of this.adapted) {
      if (l.merged) continue;
      this.saved.set(n, Float64Array.from(l.base.data));
      l.merge();
    }
  }

  /** Undoes {@link merge} exactly (the pre-merge bases are restored). */
  unmerge(): void {
    for (const [n, l] of this.adapted) {
      if (!l.merged) continue;
      l.unmerge();
      const s = this.saved.get(n);
      if (s) l.base.data.set(s);
      this.saved.delete(n);
    }
  }

  /**
   * PEFT's `merge_and_unload`: replaces every adapted layer in the model by a plain @x/nn Linear
   * holding W_base + ΔW (and the frozen bias) and returns the bare model. This PeftModel must not
   * be used afterwards.
   */
  mergeAndUnload(): Module {
    for (const [n, l] of this.adapted) {
      const W = l.effectiveWeight();
      setModule(this.model, n, new Linear(l.inFeatures, l.outFeatures, { weight: W, bias: l.bias ?? false, name: n }));
    }
    return this.model;
  }

  /** The wrapped model's JSON (AdaptedLinear children included; rebuild with `moduleFromJSON`). */
  toJSON(): ModuleJSON {
    return this.model.toJSON();
  }
}

/**
 * Installs adapters on every Linear sub-module of `model` whose path matches `targetModules`
 * (PEFT's `get_peft_model`), in place: each target W (out x in) becomes an {@link AdaptedLinear}
 * with the chosen init — LoRA (Hu et al. 2021), PiSSA (Meng et al. 2024), SVFit, SORSA,
 * LoRA-XS (Bałazy et al. 2024), LoRA-SB (from given full fine-tuning gradients), LoLDU (Shi et
 * al. 2024), or EVA (Paischer et al. 2024; the PCA of the targets' inputs over `evaBatches`,
 * with the rank budget redistributed across layers, layers left at rank 0 stay plain Linear).
 * The model's function is unchanged at init up to rounding for every kind except LoRA-XS (tiny
 * random R) and LoRA-SB (which starts one approximate Adam step ahead).
 *
 * Returns a {@link PeftModel} whose `parameters()` are the adapters' only.
 * Cost: one SVD/LU of each target for the SVD/LU-based kinds, O(out · in · min(out, in)).
 * @throws DomainError when nothing matches, for a bad rank, or for missing LoRA-SB/EVA inputs.
 */
export function applyAdapters(model: Module, opts: ApplyAdaptersOptions): PeftModel {
  const fn = 'applyAdapters';
  if (!model || typeof model.forward !== 'function') throw new DomainError(`${fn}: model must implement the module interface`);
  checkOptions(fn, opts, APPLY_KEYS);
  if (opts === undefined) throw new DomainError(`${fn}: options { targetModules, kind, rank } are required`);
  const t = opts.targetModules;
  if (!(t instanceof RegExp) && typeof t !== 'string' && (!Array.isArray(t) || t.length === 0 || !t.every((s) => typeof s === 'string'))) {
    throw new DomainError(`${fn}: targetModules must be a non-empty list of names, a pattern string or a RegExp`);
  }
  checkOneOf(fn, 'kind', opts.kind, ['lora', 'pissa', 'svfit', 'sorsa', 'lora-xs', 'lora-sb', 'loldu', 'eva'] as const);
  checkSize(fn, 'rank', opts.rank, 1);
  if (opts.alpha !== undefined) checkPositive(fn, 'alpha', opts.alpha);
  if (opts.rslora !== undefined && typeof opts.rslora !== 'boolean') throw new DomainError(`${fn}: rslora must be true or false, got ${describe(opts.rslora)}`);
  if (opts.seed !== undefined) checkSeed(fn, 'seed', opts.seed);
  if (opts.pissaNiter !== undefined) checkSteps(fn, 'pissaNiter', opts.pissaNiter);
  if (opts.eta !== undefined) checkPositive(fn, 'eta', opts.eta);
  const all = namedModules(model);
  const targets = all.filter(([n, m]) => matches(n, t) && m instanceof Linear) as Array<[string, Linear]>;
  if (targets.length === 0) {
    const wrapped = all.filter(([n, m]) => matches(n, t) && m instanceof AdaptedLinear);
    throw new DomainError(
      wrapped.length > 0
        ? `${fn}: the matching modules (${wrapped[0]![0]}, ...) already carry adapters`
        : `${fn}: no Linear module matches ${t instanceof RegExp ? String(t) : JSON.stringify(t)} (modules: ${all
            .slice(0, 8)
            .map(([n]) => n)
            .join(', ')}${all.length > 8 ? ', ...' : ''})`,
    );
  }
  for (const [n, l] of targets) {
    if (opts.rank > Math.min(l.inFeatures, l.outFeatures)) {
      throw new DomainError(`${fn}: rank ${opts.rank} exceeds min(out, in) = ${Math.min(l.inFeatures, l.outFeatures)} of ${n}`);
    }
  }

  let eva: EvaCollector | null = null;
  const ranks = new Map<string, number>(targets.map(([n]) => [n, opts.rank]));
  if (opts.kind === 'eva') {
    const batches = opts.evaBatches;
    if (!batches || batches.length === 0) throw new DomainError(`${fn} (eva): pass evaBatches, model inputs whose target activations feed the PCA`);
    eva = new EvaCollector(
      targets.map(([n, l]) => ({ name: n, inFeatures: l.inFeatures, rank: opts.rank })),
      { rho: opts.evaRho, tau: opts.evaTau },
    );
    const c = eva;
    for (const [n, l] of targets) setModule(model, n, new InputTap(l, (x) => c.update(n, x)));
    try {
      for (const b of batches) {
        model.forward(b);
        if (c.allConverged()) break;
      }
    } finally {
      for (const [n, l] of targets) setModule(model, n, l);
    }
    for (const [n, r] of Object.entries(eva.allocate())) ranks.set(n, r);
  }

  const adapted = new Map<string, AdaptedLinear>();
  const initial = new Map<string, { A: Matrix; B: Matrix; scale: number }>();
  targets.forEach(([n, l], i) => {
    const r = ranks.get(n)!;
    if (r === 0) return;
    const a = adapterFor(opts.kind, n, l.weight, r, i, opts, eva);
    if (!a) return;
    const layer = new AdaptedLinear({ base: a.base, bias: l.useBias ? l.bias : undefined, adapter: a.adapter });
    if (opts.kind === 'pissa' && a.adapter.kind === 'lora') initial.set(n, { A: copyOf(a.adapter.A), B: copyOf(a.adapter.B), scale: a.adapter.scale });
    setModule(model, n, layer);
    adapted.set(n, layer);
  });
  return new PeftModel(model, adapted, ranks, opts.kind, initial);
}

/** Makes @x/nn's `moduleFromJSON` (and so `TransformerLM.fromJSON`) rebuild adapted layers. */
export function registerAdaptedLinear(): void {
  registerModule('AdaptedLinear', (j) => AdaptedLinear.fromJSON(j as AdaptedLinearJSON));
}

function copyOf(m: Matrix): Matrix<Float64Array> {
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/**
 * The accumulated full fine-tuning gradients that `applyAdapters({ kind: 'lora-sb', gradients })`
 * initializes from, computed on real batches (LoRA-SB's `find_and_initialize_grad` sums them over
 * 50 samples): for every Linear module whose path matches `targetModules`,
 * G = Σ_batches dL/dW, with L = loss(model.forward(x), y) (default mean-squared error) and the
 * whole model backpropagated. The model's gradient buffers are restored afterwards.
 */
export function loraSbGradients<T = Matrix>(
  model: Module,
  targetModules: readonly string[] | string | RegExp,
  batches: readonly { x: Matrix; y: T }[],
  loss: (pred: Matrix, target: T) => { grad: Matrix } = mseLoss as unknown as (pred: Matrix, target: T) => { grad: Matrix },
): Map<string, Matrix<Float64Array>> {
  const fn = 'loraSbGradients';
  if (typeof model !== 'object' || model === null || typeof model.forward !== 'function' || typeof model.backward !== 'function') {
    throw new DomainError(`${fn}: model must be a Module`);
  }
  const t = targetModules;
  if (!(t instanceof RegExp) && typeof t !== 'string' && (!Array.isArray(t) || t.length === 0 || !t.every((s) => typeof s === 'string'))) {
    throw new DomainError(`${fn}: targetModules must be a non-empty list of names, a pattern string or a RegExp`);
  }
  if (!Array.isArray(batches) || batches.length === 0) throw new DomainError(`${fn}: batches must be a non-empty array of { x, y }`);
  checkFunction(fn, 'loss', loss);
  const targets = namedModules(model).filter(([n, m]) => matches(n, t) && m instanceof Linear) as Array<[string, Linear]>;
  if (targets.length === 0) throw new DomainError(`${fn}: no Linear module matches ${t instanceof RegExp ? String(t) : JSON.stringify(t)}`);
  const params = model.parameters();
  const saved = params.map((p) => Float64Array.from(p.grad));
  const out = new Map<string, Matrix<Float64Array>>();
  try {
    model.zeroGrad();
    batches.forEach((b, i) => {
      checkRecord(fn, `batches[${i}]`, b);
      checkShape(fn, `batches[${i}].x`, b.x);
      checkFinite(fn, `batches[${i}].x`, b.x);
      model.backward(loss(model.forward(b.x), b.y).grad);
    });
    for (const [n, l] of targets) {
      const g = l.parameters().find((p) => p.name === 'weight')!.grad;
      out.set(n, { rows: l.outFeatures, cols: l.inFeatures, data: Float64Array.from(g) });
    }
  } finally {
    params.forEach((p, i) => {
      p.grad.set(saved[i]!);
    });
  }
  return out;
}
