import { DomainError, frobeniusNorm, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkOptions, describe } from '@x/gpu/checks';
import { svd } from '@x/linalg';
import { checkBlock, checkInt } from './rows';
import { appendColumns, type SvdState } from './svd-update';
import { maxAbs, scaleExponent } from './vec';

/**
 * The three estimators of Shamrai, "Concatenated Matrix SVD: Compression Bounds, Incremental
 * Approximation, and Error-Constrained Clustering" (arXiv 2601.11626; code
 * mshamrai/concatenated-matrix-svd, src/clustering/{max_norm,residuals,approximate}.py):
 * - 'maxNorm' (Weyl): the largest blocks whose columns total at most r are captured fully (when
 *   the largest block alone is wider than r, its top r singular values: the paper's code counts it
 *   whole, which is not a bound);
 * - 'residual': each further block contributes the singular values of its residual against the
 *   basis built so far (two projection passes); the top r of all of them are summed;
 * - 'approximate': an incremental truncated SVD of M keeping r + oversample directions (the
 *   paper's recommended estimator), here Brand's update shared with {@link IncrementalSVD}.
 * Each gives a lower bound on the captured energy Σ_{i<=r} σ_i(M)² and so an upper bound on
 * err_r(M) = sqrt(Σ_{i>r} σ_i² / ‖M‖_F²). Why they are bounds: a <= r column submatrix has rank <= r
 * (max-norm); residual pieces live in mutually orthogonal subspaces, so their singular vectors
 * are jointly orthonormal and Ky Fan's maximum principle applies (residual); truncation only
 * removes positive semidefinite parts, so the sketch is ⪯ MMᵀ (approximate; derived, not stated
 * in the paper, and checked by the property tests).
 */
export type ConcatEstimator = 'maxNorm' | 'residual' | 'approximate';

/** Options of {@link concatErrorBound} and {@link clusterBlocks}. */
export interface ConcatOptions {
  /** Estimator (default 'approximate'). */
  estimator?: ConcatEstimator;
  /** Extra directions the approximate estimator keeps beyond r (default 5, the paper's p). */
  oversample?: number;
}

function energyOf(a: Matrix): number {
  return frobeniusNorm(a) ** 2;
}

function hstack(blocks: Matrix[]): Matrix<Float64Array> {
  const m = blocks[0]!.rows;
  let n = 0;
  for (const b of blocks) n += b.cols;
  const out = new Float64Array(m * n);
  let c0 = 0;
  for (const b of blocks) {
    for (let i = 0; i < m; i++) for (let j = 0; j < b.cols; j++) out[i * n + c0 + j] = b.data[i * b.cols + j]!;
    c0 += b.cols;
  }
  return { rows: m, cols: n, data: out };
}

function checkBlocks(fn: string, blocks: Matrix[]): number {
  if (!Array.isArray(blocks) || blocks.length === 0) throw new ShapeError(`${fn}: blocks must be a non-empty array of matrices`);
  let m: number | null = null;
  blocks.forEach((b, i) => {
    checkBlock(fn, b, m, null, `blocks[${i}]`);
    m = b.rows;
  });
  return m!;
}

/**
 * The blocks times one power of two that brings the largest |entry| into [1/2, 1) when it lies
 * outside [2^-400, 2^400] (see `scaleExponent`): err_r is scale-invariant, and every estimator sums squared norms and
 * singular values, which overflow from about 1e154 and underflow below 1e-154. Powers of two
 * scale exactly; within the safe range the blocks are returned as they are (no copy).
 */
function safeScale(blocks: Matrix[]): Matrix[] {
  let mx = 0;
  for (const b of blocks) mx = Math.max(mx, maxAbs(b.data));
  const e = scaleExponent(mx);
  if (e === 0) return blocks;
  const f = 2 ** -e;
  return blocks.map((b) => ({ rows: b.rows, cols: b.cols, data: Float64Array.from(b.data, (v) => v * f) }));
}

/** err from captured energy: sqrt(max(total − captured, 0) / total), 0 for a zero matrix. */
function errFrom(total: number, captured: number): number {
  return total > 0 ? Math.sqrt(Math.max(total - captured, 0) / total) : 0;
}

/**
 * The true relative rank-r error err_r(M) = sqrt(Σ_{i>r} σ_i² / ‖M‖_F²) of M = [A₁ … A_K]
 * (blocks with the same row count), from an exact SVD of M. O(m n min(m, n)).
 */
export function concatError(blocks: Matrix[], r: number): number {
  checkBlocks('concatError', blocks);
  checkInt('concatError', 'r', r, 0);
  const M = hstack(safeScale(blocks));
  const { S } = svd(M);
  let tot = 0;
  let tail = 0;
  for (let i = 0; i < S.length; i++) {
    const e = S[i]! * S[i]!;
    tot += e;
    if (i >= r) tail += e;
  }
  // Σσ² rather than ‖M‖_F² keeps numerator and denominator consistent to roundoff.
  return tot > 0 ? Math.sqrt(tail / tot) : 0;
}

/** A lower bound on the captured energy Σ_{i<=r} σ_i(M)², fed one block at a time. */
interface CaptureTracker {
  add(block: Matrix): void;
  captured(): number;
}

function maxNormTracker(seed: Matrix, r: number): CaptureTracker {
  let cap = energyOf(seed);
  if (seed.cols > r) {
    // A single seed block wider than r: only its top r singular values are certainly captured.
    // (The paper's code counts the whole block here, which can overstate the captured energy.)
    const { S } = svd(seed);
    cap = 0;
    for (let i = 0; i < Math.min(r, S.length); i++) cap += S[i]! * S[i]!;
  }
  return { add() {}, captured: () => cap };
}

function residualTracker(seed: Matrix, r: number): CaptureTracker {
  const m = seed.rows;
  let q = 0;
  let Q = new Float64Array(0);
  let vals: number[] = [];
  const absorb = (R: Matrix, scale: number): void => {
    const { U, S } = svd(R);
    for (let i = 0; i < S.length; i++) vals.push(S[i]!);
    vals.sort((a, b) => b - a);
    if (vals.length > r) vals = vals.slice(0, r);
    // Extend the basis with the residual's numerically nonzero left singular directions.
    const tol = 1e-12 * Math.max(scale, S.length > 0 ? S[0]! : 0) * Math.max(m, R.cols);
    let rk = 0;
    while (rk < S.length && S[rk]! > tol && q + rk < m) rk++;
    if (rk === 0) return;
    const next = new Float64Array(m * (q + rk));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < q; j++) next[i * (q + rk) + j] = Q[i * q + j]!;
      for (let j = 0; j < rk; j++) next[i * (q + rk) + q + j] = U.data[i * U.cols + j]!;
    }
    Q = next;
    q += rk;
  };
  absorb(seed, Math.sqrt(energyOf(seed)));
  const captured = (): number => {
    let s = 0;
    for (const v of vals) s += v * v;
    return s;
  };
  return {
    add(A: Matrix) {
      if (q === 0) {
        absorb(A, Math.sqrt(energyOf(A)));
        return;
      }
      const Qm: Matrix = { rows: m, cols: q, data: Q };
      let R = A.data.slice() as Float64Array;
      for (let pass = 0; pass < 2; pass++) {
        const C = matmul(Qm, { rows: m, cols: A.cols, data: R }, { transA: true });
        const P = matmul(Qm, C).data;
        const next = new Float64Array(R.length);
        for (let i = 0; i < R.length; i++) next[i] = R[i]! - P[i]!;
        R = next;
      }
      absorb({ rows: m, cols: A.cols, data: R }, Math.sqrt(energyOf(A)));
    },
    captured,
  };
}

function approximateTracker(seed: Matrix, r: number, oversample: number): CaptureTracker {
  let state: SvdState = { p: seed.rows, r: 0, P: new Float64Array(0), sigma: new Float64Array(0) };
  const keep = r + oversample;
  const add = (A: Matrix): void => {
    state = appendColumns(state, A, keep).state;
  };
  add(seed);
  return {
    add,
    captured() {
      let s = 0;
      for (let i = 0; i < Math.min(r, state.r); i++) s += state.sigma[i]! * state.sigma[i]!;
      return s;
    },
  };
}

function makeTracker(estimator: ConcatEstimator, seed: Matrix, r: number, oversample: number): CaptureTracker {
  switch (estimator) {
    case 'maxNorm':
      return maxNormTracker(seed, r);
    case 'residual':
      return residualTracker(seed, r);
    case 'approximate':
      return approximateTracker(seed, r, oversample);
  }
}

function checkEstimator(fn: string, opts: ConcatOptions): { estimator: ConcatEstimator; oversample: number } {
  const estimator = opts.estimator ?? 'approximate';
  if (estimator !== 'maxNorm' && estimator !== 'residual' && estimator !== 'approximate') {
    throw new DomainError(`${fn}: estimator must be 'maxNorm', 'residual' or 'approximate', got ${String(estimator)}`);
  }
  const oversample = opts.oversample ?? 5;
  checkInt(fn, 'oversample', oversample, 0);
  return { estimator, oversample };
}

/**
 * Seed of a cluster: the available blocks in descending Frobenius norm, taken while their columns
 * total at most r (at least one block). Returns the seed indices and the rest (still descending).
 */
function splitSeed(idx: number[], blocks: Matrix[], r: number): { seed: number[]; rest: number[] } {
  const seed = [idx[0]!];
  let cols = blocks[idx[0]!]!.cols;
  let i = 1;
  while (i < idx.length && cols + blocks[idx[i]!]!.cols <= r) {
    cols += blocks[idx[i]!]!.cols;
    seed.push(idx[i]!);
    i++;
  }
  return { seed, rest: idx.slice(i) };
}

function byNormDesc(idx: number[], norms: number[]): number[] {
  // Stable: ties keep their input order, so results do not depend on the sort implementation.
  return idx
    .map((i, pos) => ({ i, pos }))
    .sort((a, b) => norms[b.i]! - norms[a.i]! || a.pos - b.pos)
    .map((x) => x.i);
}

/**
 * An upper bound on err_r(M) of M = [A₁ … A_K] from one of the paper's three estimators; the
 * blocks are visited as the paper's clustering visits a cluster: seed of the largest blocks, then
 * the others from the smallest norm up. Never below {@link concatError} (up to roundoff).
 */
export function concatErrorBound(blocks: Matrix[], r: number, opts: ConcatOptions = {}): number {
  const fn = 'concatErrorBound';
  checkBlocks(fn, blocks);
  checkInt(fn, 'r', r, 1);
  opts = checkOptions(fn, opts, ['estimator', 'oversample']);
  const { estimator, oversample } = checkEstimator(fn, opts);
  blocks = safeScale(blocks);
  const norms = blocks.map(energyOf);
  const order = byNormDesc(
    blocks.map((_, i) => i),
    norms,
  );
  const { seed, rest } = splitSeed(order, blocks, r);
  const tracker = makeTracker(
    estimator,
    hstack(seed.map((i) => blocks[i]!)),
    r,
    oversample,
  );
  for (let k = rest.length - 1; k >= 0; k--) tracker.add(blocks[rest[k]!]!);
  let total = 0;
  for (const e of norms) total += e;
  return errFrom(total, tracker.captured());
}

/** Options of {@link clusterBlocks}. */
export interface ClusterOptions extends ConcatOptions {
  /** Target rank r shared by every cluster's factorization (>= 1). */
  rank: number;
  /** Largest allowed estimated error per cluster, in (0, 1). */
  eps: number;
  /**
   * Candidate order after the seed: 'norm' (smallest Frobenius norm first, the paper's default)
   * or 'residual' (smallest residual against the seed's column space first).
   */
  ordering?: 'norm' | 'residual';
  /** After this many singleton clusters in a row, the remaining blocks become singletons (default 10). */
  patience?: number;
}

/** Result of {@link clusterBlocks}. */
export interface ClusterResult {
  /** Block indices of each cluster, seed first. */
  clusters: number[][];
  /** Cluster index of each block. */
  labels: Int32Array;
  /** The estimator's error bound of each cluster (<= eps for clusters of two or more blocks). */
  estimatedErrors: number[];
}

/**
 * Greedy error-constrained clustering of blocks (the paper's Sec. on clustering, as in its code):
 * repeatedly seed a cluster with the largest remaining blocks (columns <= r), then add candidates
 * in the chosen order while the estimator's bound on the cluster's err_r stays <= eps; stop at the
 * first candidate that would exceed it. Since every estimator is an upper bound, every cluster's
 * true err_r is <= eps. Each cluster can then be stored as one rank-r factorization.
 */
export function clusterBlocks(blocks: Matrix[], opts: ClusterOptions): ClusterResult {
  const fn = 'clusterBlocks';
  checkBlocks(fn, blocks);
  if (typeof opts !== 'object' || opts === null) throw new DomainError(`${fn}: options { rank, eps } are required`);
  checkOptions(fn, opts, ['estimator', 'oversample', 'rank', 'eps', 'ordering', 'patience']);
  checkInt(fn, 'rank', opts.rank, 1);
  if (typeof opts.eps !== 'number' || !(opts.eps > 0 && opts.eps < 1)) {
    throw new DomainError(`${fn}: eps must be in (0, 1), got ${String(opts.eps)}`);
  }
  const ordering = opts.ordering ?? 'norm';
  if (ordering !== 'norm' && ordering !== 'residual') {
    throw new DomainError(`${fn}: ordering must be 'norm' or 'residual', got ${String(ordering)}`);
  }
  const patience = opts.patience ?? 10;
  checkInt(fn, 'patience', patience, 1);
  const { estimator, oversample } = checkEstimator(fn, opts);
  const r = opts.rank;
  blocks = safeScale(blocks);
  const norms = blocks.map(energyOf);
  let available = byNormDesc(
    blocks.map((_, i) => i),
    norms,
  );
  const clusters: number[][] = [];
  const estimatedErrors: number[] = [];
  let singles = 0;
  while (available.length > 0) {
    const { seed, rest } = splitSeed(available, blocks, r);
    const seedM = hstack(seed.map((i) => blocks[i]!));
    const tracker = makeTracker(estimator, seedM, r, oversample);
    let energy = 0;
    for (const i of seed) energy += norms[i]!;
    const candidates = ordering === 'norm' ? rest.slice().reverse() : byResidual(rest, blocks, seedM);
    const members = seed.slice();
    let err = errFrom(energy, tracker.captured());
    for (const c of candidates) {
      const test = energy + norms[c]!;
      tracker.add(blocks[c]!);
      const e = errFrom(test, tracker.captured());
      if (e > opts.eps) break;
      energy = test;
      err = e;
      members.push(c);
    }
    if (members.length === seed.length) {
      singles++;
      if (singles >= patience) {
        // The rest are stored uncompressed: no error.
        for (const i of available) {
          clusters.push([i]);
          estimatedErrors.push(0);
        }
        break;
      }
    } else {
      singles = 0;
    }
    clusters.push(members);
    estimatedErrors.push(err);
    const taken = new Set(members);
    available = available.filter((i) => !taken.has(i));
  }
  const labels = new Int32Array(blocks.length);
  clusters.forEach((c, k) => {
    for (const i of c) labels[i] = k;
  });
  return { clusters, labels, estimatedErrors };
}

/** Candidates sorted by ascending ‖(I − QQᵀ)A‖_F, Q an orthonormal basis of the seed's columns. */
function byResidual(rest: number[], blocks: Matrix[], seed: Matrix): number[] {
  const { U, S } = svd(seed);
  const tol = 1e-12 * (S.length > 0 ? S[0]! : 0) * Math.max(seed.rows, seed.cols);
  let q = 0;
  while (q < S.length && S[q]! > tol) q++;
  const m = seed.rows;
  const Q = new Float64Array(m * q);
  for (let i = 0; i < m; i++) for (let j = 0; j < q; j++) Q[i * q + j] = U.data[i * U.cols + j]!;
  const Qm: Matrix = { rows: m, cols: q, data: Q };
  const res = rest.map((i, pos) => {
    const A = blocks[i]!;
    // ‖(I − QQᵀ)A‖² = ‖A‖² − ‖QᵀA‖² (Q orthonormal).
    const C = q > 0 ? matmul(Qm, A, { transA: true }) : null;
    const v = energyOf(A) - (C ? energyOf(C) : 0);
    return { i, pos, v: Math.max(v, 0) };
  });
  res.sort((a, b) => a.v - b.v || a.pos - b.pos);
  return res.map((x) => x.i);
}

/**
 * Compression ratio of a clustering: m·Σn_i over the stored parameters, Σ_c min(r(m + K_c), K_c·m)
 * for clusters of two or more blocks (K_c their total columns) and K_c·m for singletons, which
 * are stored as they are (the paper's `compute_effective_compression_ratio`).
 */
export function compressionRatio(blocks: Matrix[], clusters: number[][], rank: number): number {
  const m = checkBlocks('compressionRatio', blocks);
  checkInt('compressionRatio', 'rank', rank, 1);
  let total = 0;
  for (const b of blocks) total += b.cols;
  let params = 0;
  if (!Array.isArray(clusters)) throw new DomainError(`compressionRatio: clusters must be an array of arrays of block indices, got ${describe(clusters)}`);
  for (const c of clusters) {
    if (!Array.isArray(c)) throw new DomainError(`compressionRatio: each cluster must be an array of block indices, got ${describe(c)}`);
    let K = 0;
    for (const i of c) {
      if (!Number.isInteger(i) || i < 0 || i >= blocks.length) {
        throw new DomainError(`compressionRatio: cluster member ${i} is not a block index`);
      }
      K += blocks[i]!.cols;
    }
    params += c.length === 1 ? K * m : Math.min(rank * (m + K), K * m);
  }
  return params > 0 ? (m * total) / params : 1;
}
