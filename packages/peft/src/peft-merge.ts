import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { svdMergeAdapters, taskArithmetic } from './merge';
import { checkInt, checkNumber, checkOneOf, checkOptions, checkVector } from '@x/gpu/checks';
import type { PeftAdapter, PeftLoraLayer } from './peft-adapter';
import { checkPeftAdapter, configForLayers } from './peft-adapter';
import { checkArray, optSeed } from './validate';

/** The combinations of `x-peft merge`, named as in PEFT's `add_weighted_adapter`. */
export type PeftMergeMethod = 'linear' | 'svd' | 'ties' | 'dare_linear' | 'dare_ties' | 'cat';

/** Options of merging PEFT adapters: the method, per-adapter weights, density, majority-sign rule, SVD rank, seed. */
export interface PeftMergeOptions {
  method: PeftMergeMethod;
  /** One weight per adapter. */
  weights: readonly number[];
  /** Fraction kept by ties/dare pruning, in (0, 1]. Required for ties, dare_linear, dare_ties. */
  density?: number;
  /** How the ties sign is elected: by the sum of values ("total", PEFT's default) or by counting signs. */
  majoritySignMethod?: 'total' | 'frequency';
  /** Rank of the svd result (default the largest input rank). */
  svdRank?: number;
  /** Seed of DARE's random drop mask (default 0). */
  seed?: number;
}

/** PEFT `magnitude_based_pruning`: keep the k = ⌊density n⌋ largest magnitudes (density >= 1 keeps all). */
function pruneMagnitude(t: Float64Array, density: number): Float64Array {
  if (density >= 1) return t;
  const k = Math.floor(density * t.length);
  const idx = Array.from({ length: t.length }, (_, i) => i).sort((a, b) => Math.abs(t[b]!) - Math.abs(t[a]!) || a - b);
  const out = new Float64Array(t.length);
  for (let i = 0; i < k; i++) out[idx[i]!] = t[idx[i]!]!;
  return out;
}

/** PEFT `random_pruning` with rescale: keep each entry with probability density, divide by density. */
function pruneRandom(t: Float64Array, density: number, draw: () => number): Float64Array {
  if (density >= 1) return t;
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) if (draw() < density) out[i] = t[i]! / density;
  return out;
}

/**
 * PEFT's TIES core on already pruned tensors: the majority sign per entry (of the unweighted sum,
 * or of the sign count; ties go to +), then the disjoint merge Σ_i w_i t_i [sign t_i = majority] /
 * max(1, #agreeing).
 */
function disjointMerge(ts: readonly Float64Array[], w: readonly number[], method: 'total' | 'frequency'): Float64Array {
  const n = ts[0]!.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (const t of ts) m += method === 'total' ? t[j]! : Math.sign(t[j]!);
    const major = m >= 0 ? 1 : -1;
    let s = 0;
    let c = 0;
    ts.forEach((t, i) => {
      if (Math.sign(t[j]!) === major) {
        s += w[i]! * t[j]!;
        c++;
      }
    });
    out[j] = s / Math.max(c, 1);
  }
  return out;
}

function combine(method: PeftMergeMethod, ms: readonly Matrix[], w: readonly number[], opts: PeftMergeOptions, draw: () => number): Matrix<Float64Array> {
  const { rows, cols } = ms[0]!;
  const data = ms.map((m) => Float64Array.from(m.data));
  const density = opts.density ?? 1;
  const sign = opts.majoritySignMethod ?? 'total';
  if (method === 'linear') return taskArithmetic(ms, w);
  let out: Float64Array;
  if (method === 'ties') out = disjointMerge(data.map((t) => pruneMagnitude(t, density)), w, sign);
  else if (method === 'dare_ties') out = disjointMerge(data.map((t) => pruneRandom(t, density, draw)), w, sign);
  else {
    const pruned = data.map((t) => pruneRandom(t, density, draw));
    out = new Float64Array(rows * cols);
    pruned.forEach((t, i) => {
      for (let j = 0; j < out.length; j++) out[j]! += w[i]! * t[j]!;
    });
  }
  return { rows, cols, data: out };
}

/**
 * Combines LoRA adapters into one, as PEFT's `add_weighted_adapter` does, module by module:
 * - linear / ties / dare_linear / dare_ties (equal ranks): A = f({A_i}, √(w_i s_i)),
 *   B = f({B_i}, √(w_i s_i)) with f the weighted sum, TIES or DARE of PEFT's merge_utils
 *   (so for linear B A is not Σ w_i s_i B_i A_i: cross terms remain, as in PEFT);
 * - cat: A = [w_1 s_1 A_1; ...], B = [B_1 | ...] (rank Σ r_i; B A = Σ w_i s_i B_i A_i exactly);
 * - svd: the best rank-k factorization of Σ w_i s_i ΔW_i with ΔW_i = s_i B_i A_i (B = U_k S_k,
 *   A = V_kᵀ); PEFT applies the scaling twice here (its weight is w_i s_i and its delta already
 *   carries s_i), which this reproduces; the two readings agree when lora_alpha = r.
 * The result has r = lora_alpha = the new rank (scale 1, as PEFT sets), target_modules the union.
 * DARE's masks come from a seeded @x/gpu RNG (not torch's), so they differ from PEFT's draw.
 * @throws DomainError for unequal ranks where they must match, mismatched weights or density.
 */
export function mergePeftAdapters(adapters: readonly PeftAdapter[], opts: PeftMergeOptions): PeftAdapter {
  const fn = 'mergePeftAdapters';
  checkArray(fn, 'adapters', adapters);
  if (adapters.length === 0) throw new DomainError(`${fn}: no adapters`);
  for (const [i, a] of adapters.entries()) checkPeftAdapter(fn, `adapters[${i}]`, a, { targeted: true });
  checkOptions(fn, opts, ['method', 'weights', 'density', 'majoritySignMethod', 'svdRank', 'seed']);
  if (opts === undefined) throw new DomainError(`${fn}: options { method, weights } are required`);
  checkOneOf(fn, 'method', opts.method, ['linear', 'svd', 'ties', 'dare_linear', 'dare_ties', 'cat']);
  checkVector(fn, 'weights', opts.weights);
  if (opts.weights.length !== adapters.length) throw new DomainError(`${fn}: ${adapters.length} adapters but ${opts.weights.length} weights`);
  if (opts.density !== undefined) checkNumber(fn, 'density', opts.density);
  if (opts.majoritySignMethod !== undefined) checkOneOf(fn, 'majoritySignMethod', opts.majoritySignMethod, ['total', 'frequency']);
  if (opts.svdRank !== undefined) checkInt(fn, 'svdRank', opts.svdRank, 1);
  const seed = optSeed(fn, 'seed', opts.seed, 0);
  const method = adapters.length === 1 ? 'linear' : opts.method; // PEFT does the same
  if (['ties', 'dare_linear', 'dare_ties'].includes(method) && !(opts.density !== undefined && opts.density > 0 && opts.density <= 1)) {
    throw new DomainError(`${fn}: ${method} needs a density in (0, 1], got ${opts.density}`);
  }
  if (['linear', 'ties', 'dare_linear', 'dare_ties'].includes(method)) {
    for (const [i, a] of opts.weights.entries()) {
      if (a < 0) throw new DomainError(`${fn}: ${method} takes √(weight·scaling), so weights must be >= 0 (weight ${i} is ${a})`);
    }
  }
  const g = rng(seed);
  const draw = () => g.uniform();
  const modules = [...new Set(adapters.flatMap((a) => a.layers.map((l) => l.module)))].sort();
  const layers: PeftLoraLayer[] = [];
  let configRank = 0;
  for (const module of modules) {
    const present = adapters.flatMap((a, i) => {
      const l = a.layers.find((x) => x.module === module);
      return l ? [{ l, w: opts.weights[i]! }] : [];
    });
    const ranks = present.map((p) => p.l.A.rows);
    const first = present[0]!.l;
    for (const p of present) {
      if (p.l.A.cols !== first.A.cols || p.l.B.rows !== first.B.rows) {
        throw new ShapeError(`${fn}: module ${module} is ${first.B.rows}x${first.A.cols} in one adapter and ${p.l.B.rows}x${p.l.A.cols} in another`);
      }
    }
    let A: Matrix<Float64Array>;
    let B: Matrix<Float64Array>;
    if (method === 'svd') {
      const k = opts.svdRank ?? Math.max(...ranks);
      ({ A, B } = svdMergeAdapters(
        present.map((p) => ({ A: p.l.A, B: p.l.B, scale: p.l.scale })),
        // PEFT weighs each ΔW_i = s_i B_i A_i by w_i s_i: the scaling enters twice.
        { weights: present.map((p) => p.w * p.l.scale), rank: k },
      ));
    } else if (method === 'cat') {
      const r = ranks.reduce((s, v) => s + v, 0);
      const inn = first.A.cols;
      const out = first.B.rows;
      const a = new Float64Array(r * inn);
      const b = new Float64Array(out * r);
      let off = 0;
      for (const { l, w } of present) {
        const f = w * l.scale;
        for (let i = 0; i < l.A.rows * inn; i++) a[off * inn + i] = f * l.A.data[i]!;
        for (let i = 0; i < out; i++) for (let j = 0; j < l.A.rows; j++) b[i * r + off + j] = l.B.data[i * l.A.rows + j]!;
        off += l.A.rows;
      }
      A = { rows: r, cols: inn, data: a };
      B = { rows: out, cols: r, data: b };
    } else {
      if (new Set(ranks).size !== 1) throw new DomainError(`${fn}: ${method} needs equal ranks, module ${module} has ranks ${ranks.join(', ')}`);
      const w = present.map((p) => Math.sqrt(p.w * p.l.scale));
      A = combine(
        method,
        present.map((p) => p.l.A),
        w,
        opts,
        draw,
      );
      B = combine(
        method,
        present.map((p) => p.l.B),
        w,
        opts,
        draw,
      );
    }
    configRank = Math.max(configRank, A.rows);
    layers.push({ module, A, B, scale: 1 });
  }
  const targets = adapters.map((a) => a.config.target_modules);
  // All regular expressions: their alternation; all lists: their union; a mix: the merged
  // modules' exact paths (a union of names would miss the modules a regular expression targets).
  const target_modules = targets.every((t) => typeof t === 'string')
    ? targets.map((t) => `(${t})`).join('|')
    : targets.every((t) => Array.isArray(t))
      ? [...new Set(targets.flatMap((t) => t as string[]))].sort()
      : modules;
  const base = { ...adapters[0]!.config, r: configRank, lora_alpha: configRank, target_modules, rank_pattern: {}, alpha_pattern: {}, use_rslora: false };
  return { config: configForLayers(base, layers), layers, extra: {} };
}
