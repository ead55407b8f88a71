import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkMatrix, checkNumber, checkSize, checkVector, describe } from '@x/gpu/checks';
import { IncrementalPCA } from '@x/streaming';
import { checkArray, checkOpts, checkRecord } from './validate';

/** One layer for EVA: its name, input dimension and initial rank. */
export interface EvaLayerSpec {
  /** Layer name (unique). */
  name: string;
  /** Input features of the layer (columns of its activations). */
  inFeatures: number;
  /** The layer's configured LoRA rank r_l (its share of the budget Σ r_l). */
  rank: number;
}

/** Options of EVA: the redistribution factor ρ and the convergence tolerance τ. */
export interface EvaOptions {
  /** ρ >= 1: each layer keeps k_l = round(ρ r_l) components so ranks can move (default 2). */
  rho?: number;
  /** Convergence threshold τ on |cos| between successive components (default 0.99). */
  tau?: number;
}

interface LayerState {
  spec: EvaLayerSpec;
  k: number;
  pca: IncrementalPCA;
  prev: Matrix<Float64Array> | null;
  converged: boolean;
  batches: number;
}

/**
 * EVA — Explained Variance Adaptation (Paischer et al., "One Initialization to Rule them All:
 * Fine-tuning via Explained Variance Adaptation", 2024; peft `lora/eva.py`). Streams each target
 * layer's input activations through a mean-centred incremental PCA (@x/streaming), stops a
 * layer once its first r_l components stop moving (|cos(v_t, v_{t-1})| >= τ), redistributes
 * the rank budget Σ r_l across layers by explained variance ratio, and initializes A with the
 * top components (B = 0).
 */
export class EvaCollector {
  readonly rho: number;
  readonly tau: number;
  private readonly layers = new Map<string, LayerState>();

  constructor(layers: readonly EvaLayerSpec[], opts: EvaOptions = {}) {
    const fn = 'EvaCollector';
    checkArray(fn, 'layers', layers);
    checkOpts(fn, opts, ['rho', 'tau']);
    this.rho = checkNumber(fn, 'rho', opts.rho ?? 2);
    this.tau = checkNumber(fn, 'tau', opts.tau ?? 0.99);
    if (!(this.rho >= 1) || !Number.isFinite(this.rho)) throw new DomainError(`EvaCollector: rho must be >= 1, got ${this.rho}`);
    if (!(this.tau > 0 && this.tau <= 1)) throw new DomainError(`EvaCollector: tau must be in (0, 1], got ${this.tau}`);
    if (layers.length === 0) throw new DomainError('EvaCollector: no layers');
    for (const [i, spec] of layers.entries()) {
      checkRecord(fn, `layers[${i}]`, spec);
      if (typeof spec.name !== 'string') throw new DomainError(`${fn}: layers[${i}].name must be a string, got ${describe(spec.name)}`);
      checkSize(fn, `layers[${i}].inFeatures`, spec.inFeatures, 1);
      if (this.layers.has(spec.name)) throw new DomainError(`EvaCollector: duplicate layer name ${spec.name}`);
      if (!Number.isInteger(spec.rank) || spec.rank < 1 || spec.rank > spec.inFeatures) {
        throw new DomainError(`EvaCollector: layer ${spec.name} rank must be in [1, ${spec.inFeatures}], got ${spec.rank}`);
      }
      const k = Math.min(Math.round(this.rho * spec.rank), spec.inFeatures);
      this.layers.set(spec.name, { spec, k, pca: new IncrementalPCA({ components: k }), prev: null, converged: false, batches: 0 });
    }
  }

  private state(name: string): LayerState {
    const s = this.layers.get(name);
    if (!s) throw new DomainError(`EvaCollector: unknown layer ${name}`);
    return s;
  }

  /**
   * Feeds one batch of a layer's input activations (tokens x inFeatures). Ignored once the layer
   * has converged (peft removes its hook). Returns whether the layer is converged now.
   */
  update(name: string, X: Matrix): boolean {
    const s = this.state(name);
    checkMatrix(`EvaCollector.update(${name})`, 'X', X);
    if (X.cols !== s.spec.inFeatures) throw new ShapeError(`EvaCollector.update(${name}): X is ${X.rows}x${X.cols}, expected tokens x ${s.spec.inFeatures}`);
    if (s.converged) return true;
    s.pca.partialFit(X);
    s.batches++;
    const comps = s.pca.components();
    if (s.prev && comps.rows >= s.spec.rank) {
      const d = comps.cols;
      let ok = true;
      for (let c = 0; c < s.spec.rank && ok; c++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += comps.data[c * d + j]! * s.prev.data[c * d + j]!;
        if (Math.abs(dot) < this.tau) ok = false;
      }
      s.converged = ok;
    }
    s.prev = comps;
    return s.converged;
  }

  converged(name: string): boolean {
    return this.state(name).converged;
  }

  allConverged(): boolean {
    for (const s of this.layers.values()) if (!s.converged) return false;
    return true;
  }

  /** The layer's incremental PCA (components, explained variance ratios). */
  pca(name: string): IncrementalPCA {
    return this.state(name).pca;
  }

  /** Ranks after redistribution; see {@link evaAllocateRanks}. */
  allocate(): Record<string, number> {
    const evr: Record<string, ArrayLike<number>> = {};
    const budget: Record<string, number> = {};
    for (const [name, s] of this.layers) {
      evr[name] = s.pca.explainedVarianceRatio().slice(0, s.k);
      budget[name] = s.spec.rank;
    }
    return evaAllocateRanks(evr, budget);
  }

  /**
   * The EVA init for a layer with out features `outFeatures`: A = the top `rank` components
   * (rank x in; divided by √S with `whiten`), B = 0, and scale α_l / rank with
   * α_l = α · rank / r_l when `adjustScaling` (keeps α/r constant; peft's default).
   */
  init(
    name: string,
    outFeatures: number,
    opts: { rank?: number; alpha?: number; whiten?: boolean; adjustScaling?: boolean } = {},
  ): { A: Matrix<Float64Array>; B: Matrix<Float64Array>; scale: number } | null {
    const s = this.state(name);
    const rank = opts.rank ?? s.spec.rank;
    if (rank === 0) return null;
    const comps = s.pca.components();
    if (rank > comps.rows) throw new DomainError(`EvaCollector.init(${name}): rank ${rank} exceeds the ${comps.rows} components collected`);
    const d = comps.cols;
    const A = new Float64Array(rank * d);
    const S = s.pca.singularValues();
    for (let c = 0; c < rank; c++) {
      const w = opts.whiten ? 1 / Math.sqrt(S[c]!) : 1;
      for (let j = 0; j < d; j++) A[c * d + j] = w * comps.data[c * d + j]!;
    }
    const alpha0 = opts.alpha ?? s.spec.rank;
    const alpha = (opts.adjustScaling ?? true) ? (alpha0 * rank) / s.spec.rank : alpha0;
    return { A: { rows: rank, cols: d, data: A }, B: { rows: outFeatures, cols: rank, data: new Float64Array(outFeatures * rank) }, scale: alpha / rank };
  }
}

/**
 * EVA's rank redistribution: pool every layer's explained variance ratios evr_l[:k_l], sort
 * them descending, take the top Σ_l r_l; a layer's new rank is how many of its values were
 * taken (possibly 0: no adapter). Ties break by layer order, then component order.
 */
export function evaAllocateRanks(evr: Record<string, ArrayLike<number>>, ranks: Record<string, number>): Record<string, number> {
  const fn = 'evaAllocateRanks';
  checkRecord(fn, 'evr', evr);
  checkRecord(fn, 'ranks', ranks);
  const names = Object.keys(ranks);
  let budget = 0;
  const pool: { name: string; v: number; li: number; c: number }[] = [];
  names.forEach((name, li) => {
    const r = checkSize(fn, `ranks["${name}"]`, ranks[name]);
    budget += r;
    const e = Object.hasOwn(evr, name) ? evr[name] : undefined;
    if (!e) throw new DomainError(`evaAllocateRanks: no explained variance for ${name}`);
    checkVector(fn, `evr["${name}"]`, e);
    for (let c = 0; c < e.length; c++) pool.push({ name, v: e[c]!, li, c });
  });
  pool.sort((a, b) => b.v - a.v || a.li - b.li || a.c - b.c);
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < Math.min(budget, pool.length); i++) out[pool[i]!.name]!++;
  return out;
}
