import { DomainError, leadingCols, matmul, type Matrix, rng, scaleCols, ShapeError, transpose } from '@x/gpu';
import { svd } from '@x/linalg';

import { checkNumber, checkOneOf, checkVector } from '@x/gpu/checks';
import { checkArray, checkOpts, checkRecord, checkWeight, optBoolean, optSeed } from './validate';

function checkVectors(fn: string, taus: readonly Matrix[], weights?: readonly number[]): number[] {
  checkArray(fn, 'taskVectors', taus);
  if (weights !== undefined) checkVector(fn, 'weights', weights);
  if (taus.length === 0) throw new DomainError(`${fn}: no task vectors`);
  for (const [i, t] of taus.entries()) checkWeight(fn, `taskVectors[${i}]`, t);
  const { rows, cols } = taus[0]!;
  taus.forEach((t, i) => {
    if (t.rows !== rows || t.cols !== cols) throw new ShapeError(`${fn}: taskVectors[${i}] is ${t.rows}x${t.cols}, expected ${rows}x${cols}`);
  });
  const w = weights ? [...weights] : taus.map(() => 1);
  if (w.length !== taus.length) throw new ShapeError(`${fn}: ${taus.length} task vectors but ${w.length} weights`);
  for (const v of w) if (!Number.isFinite(v)) throw new DomainError(`${fn}: weights must be finite, got ${v}`);
  return w;
}

function checkDensity(fn: string, d: number): number {
  checkNumber(fn, 'density', d);
  if (!(d > 0 && d <= 1)) throw new DomainError(`${fn}: density must be in (0, 1], got ${d}`);
  return d;
}

/** Task arithmetic (Ilharco et al., 2023; peft `task_arithmetic`): Σ_i w_i τ_i. */
export function taskArithmetic(taskVectors: readonly Matrix[], weights?: readonly number[]): Matrix<Float64Array> {
  const w = checkVectors('taskArithmetic', taskVectors, weights);
  const { rows, cols } = taskVectors[0]!;
  const out = new Float64Array(rows * cols);
  taskVectors.forEach((t, i) => {
    for (let j = 0; j < out.length; j++) out[j]! += w[i]! * t.data[j]!;
  });
  return { rows, cols, data: out };
}

/** Keeps the `density` fraction of entries with the largest magnitude, zeroing the rest. */
export function magnitudePrune(tau: Matrix, density: number): Matrix<Float64Array> {
  checkWeight('magnitudePrune', 'tau', tau);
  checkDensity('magnitudePrune', density);
  const n = tau.data.length;
  const keep = Math.round(density * n);
  const out = new Float64Array(n);
  if (keep === 0) return { rows: tau.rows, cols: tau.cols, data: out };
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(tau.data[b]!) - Math.abs(tau.data[a]!) || a - b);
  for (let i = 0; i < keep; i++) out[idx[i]!] = tau.data[idx[i]!]!;
  return { rows: tau.rows, cols: tau.cols, data: out };
}

/**
 * TIES merging (Yadav et al., "TIES-Merging: Resolving Interference When Merging Models",
 * 2023; peft `ties`): trim each weighted τ_i to its top-`density` magnitudes, elect each entry's
 * sign as the sign of the sum of the trimmed values, and average only the entries that agree
 * with it (disjoint mean).
 */
export function tiesMerge(taskVectors: readonly Matrix[], opts: { density: number; weights?: readonly number[] }): Matrix<Float64Array> {
  checkOpts('tiesMerge', opts, ['density', 'weights']);
  if (opts === undefined) throw new DomainError('tiesMerge: options { density } are required');
  const w = checkVectors('tiesMerge', taskVectors, opts.weights);
  checkDensity('tiesMerge', opts.density);
  const trimmed = taskVectors.map((t, i) => {
    const p = magnitudePrune(t, opts.density);
    for (let j = 0; j < p.data.length; j++) p.data[j]! *= w[i]!;
    return p;
  });
  const { rows, cols } = taskVectors[0]!;
  const n = rows * cols;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let total = 0;
    for (const t of trimmed) total += t.data[j]!;
    const sign = Math.sign(total);
    if (sign === 0) continue;
    let s = 0;
    let count = 0;
    for (const t of trimmed) {
      const v = t.data[j]!;
      if (v !== 0 && Math.sign(v) === sign) {
        s += v;
        count++;
      }
    }
    out[j] = count ? s / count : 0;
  }
  return { rows, cols, data: out };
}

/**
 * DARE (Yu et al., "Language Models are Super Mario", 2024; peft `dare_linear`/`dare_ties`):
 * drop each entry with probability 1 - density and rescale survivors by 1/density (unbiased),
 * seeded; then merge linearly (`mode: 'linear'`) or with TIES (`mode: 'ties'`).
 */
export function dareMerge(
  taskVectors: readonly Matrix[],
  opts: { density: number; seed: number; weights?: readonly number[]; mode?: 'linear' | 'ties'; rescale?: boolean },
): Matrix<Float64Array> {
  const fn = 'dareMerge';
  checkOpts(fn, opts, ['density', 'seed', 'weights', 'mode', 'rescale']);
  if (opts === undefined) throw new DomainError(`${fn}: options { density, seed } are required`);
  const w = checkVectors(fn, taskVectors, opts.weights);
  const d = checkDensity(fn, opts.density);
  const g = rng(optSeed(fn, 'seed', opts.seed, 0));
  const rescale = optBoolean(fn, 'rescale', opts.rescale, true);
  const mode = checkOneOf(fn, 'mode', opts.mode ?? 'linear', ['linear', 'ties'] as const);
  const dropped = taskVectors.map((t) => {
    const out = new Float64Array(t.data.length);
    for (let j = 0; j < out.length; j++) if (g.uniform() < d) out[j] = rescale ? t.data[j]! / d : t.data[j]!;
    return { rows: t.rows, cols: t.cols, data: out };
  });
  return mode === 'ties' ? tiesMerge(dropped, { density: 1, weights: w }) : taskArithmetic(dropped, w);
}

/**
 * Re-factors a weighted sum of LoRA adapters Σ_i w_i s_i B_i A_i into one adapter of rank
 * `rank` (default max r_i) by a truncated SVD (peft `add_weighted_adapter(combination_type='svd')`):
 * B = U_k diag(S_k), A = V_kᵀ, scale 1. The best rank-k approximation of the sum.
 */
export function svdMergeAdapters(
  adapters: readonly { A: Matrix; B: Matrix; scale?: number }[],
  opts: { weights?: readonly number[]; rank?: number } = {},
): { A: Matrix<Float64Array>; B: Matrix<Float64Array>; scale: number } {
  const fn = 'svdMergeAdapters';
  checkArray(fn, 'adapters', adapters);
  checkOpts(fn, opts, ['weights', 'rank']);
  if (adapters.length === 0) throw new DomainError('svdMergeAdapters: no adapters');
  const deltas = adapters.map((a, i) => {
    checkRecord(fn, `adapters[${i}]`, a);
    checkWeight(fn, `adapters[${i}].A`, a.A);
    checkWeight(fn, `adapters[${i}].B`, a.B);
    if (a.B.cols !== a.A.rows) throw new ShapeError(`svdMergeAdapters: adapter ${i} has B ${a.B.rows}x${a.B.cols} and A ${a.A.rows}x${a.A.cols}`);
    const s = a.scale === undefined ? 1 : checkNumber(fn, `adapters[${i}].scale`, a.scale);
    const d = matmul(a.B, a.A);
    for (let j = 0; j < d.data.length; j++) d.data[j]! *= s;
    return d;
  });
  const sum = taskArithmetic(deltas, opts.weights);
  const rank = opts.rank ?? Math.max(...adapters.map((a) => a.A.rows));
  const kmax = Math.min(sum.rows, sum.cols);
  if (!Number.isInteger(rank) || rank < 1 || rank > kmax) throw new DomainError(`svdMergeAdapters: rank must be in [1, ${kmax}], got ${rank}`);
  const f = svd(sum, { k: rank });
  return { B: scaleCols(leadingCols(f.U, rank), f.S), A: transpose(leadingCols(f.V, rank)) as Matrix<Float64Array>, scale: 1 };
}
