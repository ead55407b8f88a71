import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { kpsvd, kron } from '@x/linalg';
import { checkInt, checkNumber, checkVector, describe } from '@x/gpu/checks';
import { checkOpts, checkWeight, optBoolean } from './validate';

/** Options of the SoKA initialization: the number of Kronecker terms k, or an energy threshold, or the elbow rule. */
export interface SokaOptions {
  /** Number of Kronecker terms K. Without it K comes from `energy` or `elbow`. */
  k?: number;
  /** Smallest K whose cumulative σ² fraction reaches this threshold (e.g. 0.9). */
  energy?: number;
  /** Pick K at the elbow of the σ curve (largest distance below the chord from σ_1 to σ_last). */
  elbow?: boolean;
  /** Upper bound on K from the rules (with both `energy` and `elbow`, K = min(maxK, max of the two)). */
  maxK?: number;
}

/** What the SoKA initialization returns: the Kronecker factors A and B with their weights σ, the number of terms K, and the residual weight. */
export interface SokaInit {
  /** Trainable left factors √σ_k A_k (m1 x n1), k < K. */
  A: Matrix<Float64Array>[];
  /** Trainable right factors √σ_k B_k (m2 x n2). */
  B: Matrix<Float64Array>[];
  /** All Kronecker singular values (descending); the adapter took the first K. */
  sigma: Float64Array;
  K: number;
  /** Frozen residual W - Σ_{k<K} A_k ⊗ B_k (= the Kronecker spectrum's tail). */
  Wres: Matrix<Float64Array>;
}

/**
 * Energy-threshold rank: smallest K with Σ_{k<K} σ_k² ≥ τ Σ σ_k² (1 for an all-zero σ). The
 * energies are formed from σ_k/max σ, so the rank is the same at any scale (σ² alone overflows
 * past about 1e154 and underflows below about 1e-154).
 */
export function energyRank(sigma: ArrayLike<number>, tau: number): number {
  checkVector('energyRank', 'sigma', sigma);
  checkNumber('energyRank', 'threshold', tau);
  if (!(tau > 0 && tau <= 1)) throw new DomainError(`energyRank: threshold must be in (0, 1], got ${tau}`);
  let m = 0;
  for (let i = 0; i < sigma.length; i++) m = Math.max(m, Math.abs(sigma[i]!));
  if (m === 0) return Math.min(1, sigma.length);
  let total = 0;
  for (let i = 0; i < sigma.length; i++) total += (sigma[i]! / m) ** 2;
  let acc = 0;
  for (let i = 0; i < sigma.length; i++) {
    acc += (sigma[i]! / m) ** 2;
    if (acc >= tau * total * (1 - 1e-12)) return i + 1;
  }
  return sigma.length;
}

/**
 * Elbow rank of a descending curve: the index (1-based count) of the point farthest below the
 * straight line from the first to the last point. A documented choice: the SoKA paper's exact
 * elbow rule is not available to verify.
 */
export function elbowRank(sigma: ArrayLike<number>): number {
  checkVector('elbowRank', 'sigma', sigma);
  const n = sigma.length;
  if (n <= 2) return n;
  const y0 = sigma[0]!;
  const y1 = sigma[n - 1]!;
  let best = 0;
  let at = 1;
  for (let i = 0; i < n; i++) {
    const line = y0 + ((y1 - y0) * i) / (n - 1);
    const gap = line - sigma[i]!;
    if (gap > best) {
      best = gap;
      at = i + 1;
    }
  }
  return at;
}

/**
 * SoKA init ("SoKA: Sum-of-Kronecker Adaptation", arXiv 2506.15251; the PiSSA analogue with a
 * Kronecker sum): W (m1·m2 x n1·n2) = Σ_k σ_k A_k ⊗ B_k by the Van Loan-Pitsianis KPSVD
 * (@x/linalg `kpsvd`); the adapter takes the first K terms split as √σ_k A_k and √σ_k B_k, and
 * the residual is frozen, so W_res + Σ_{k<K} A'_k ⊗ B'_k = W and ‖W_res‖_F² = Σ_{k≥K} σ_k².
 */
export function sokaInit(W: Matrix, shapeA: [number, number], shapeB: [number, number], opts: SokaOptions = {}): SokaInit {
  const fn = 'sokaInit';
  checkWeight(fn, 'W', W);
  checkShapePair(fn, 'shapeA', shapeA);
  checkShapePair(fn, 'shapeB', shapeB);
  checkOpts(fn, opts, ['k', 'energy', 'elbow', 'maxK']);
  if (opts.k !== undefined) checkInt(fn, 'k', opts.k, 1);
  if (opts.energy !== undefined) {
    checkNumber(fn, 'energy', opts.energy);
    if (!(opts.energy > 0 && opts.energy <= 1)) throw new DomainError(`${fn}: energy must be in (0, 1], got ${opts.energy}`);
  }
  const elbow = optBoolean(fn, 'elbow', opts.elbow, false);
  if (opts.maxK !== undefined) checkInt(fn, 'maxK', opts.maxK, 1);
  if (W.rows !== shapeA[0] * shapeB[0] || W.cols !== shapeA[1] * shapeB[1]) {
    throw new ShapeError(
      `sokaInit: W is ${W.rows}x${W.cols}, expected (${shapeA[0]}*${shapeB[0]})x(${shapeA[1]}*${shapeB[1]}) for A ${shapeA[0]}x${shapeA[1]} and B ${shapeB[0]}x${shapeB[1]}`,
    );
  }
  const full = kpsvd(W, shapeA, shapeB);
  const sigma = full.sigma;
  let K: number;
  if (opts.k !== undefined) {
    if (!Number.isInteger(opts.k) || opts.k < 1 || opts.k > sigma.length) {
      throw new DomainError(`sokaInit: k must be an integer in [1, ${sigma.length}], got ${opts.k}`);
    }
    K = opts.k;
  } else if (opts.energy !== undefined || elbow) {
    // Both rules: the larger K (the documented combination; the paper's is not available).
    K = Math.max(opts.energy !== undefined ? energyRank(sigma, opts.energy) : 1, elbow ? elbowRank(sigma) : 1);
    if (opts.maxK !== undefined) {
      if (!Number.isInteger(opts.maxK) || opts.maxK < 1) throw new DomainError(`sokaInit: maxK must be a positive integer, got ${opts.maxK}`);
      K = Math.min(K, opts.maxK);
    }
  } else throw new DomainError('sokaInit: give k, energy or elbow');
  const A: Matrix<Float64Array>[] = [];
  const B: Matrix<Float64Array>[] = [];
  const Wres = { rows: W.rows, cols: W.cols, data: Float64Array.from(W.data) };
  for (let k = 0; k < K; k++) {
    const s = Math.sqrt(sigma[k]!);
    const a = full.A[k]!;
    const b = full.B[k]!;
    A.push({ rows: a.rows, cols: a.cols, data: Float64Array.from(a.data, (v) => v * s) });
    B.push({ rows: b.rows, cols: b.cols, data: Float64Array.from(b.data, (v) => v * s) });
    const t = kron(A[k]!, B[k]!);
    for (let i = 0; i < t.data.length; i++) Wres.data[i]! -= t.data[i]!;
  }
  return { A, B, sigma, K, Wres };
}

/** A [rows, cols] pair of Kronecker factor sizes: an array of two integers >= 1. */
function checkShapePair(fn: string, name: string, v: unknown): void {
  if (!Array.isArray(v) || v.length !== 2) throw new ShapeError(`${fn}: ${name} must be [rows, cols], got ${describe(v)}`);
  checkInt(fn, `${name}[0]`, v[0], 1);
  checkInt(fn, `${name}[1]`, v[1], 1);
}
