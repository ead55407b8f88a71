import { DomainError, leadingCols, matmul, type Matrix, rng, scaleCols, ShapeError, transpose } from '@x/gpu';
import { svd } from '@x/linalg';

import { checkNonNegative, checkVector } from '@x/gpu/checks';
import { checkArray, checkOpts, checkWeight, optBoolean, optSeed } from './validate';

/**
 * FedSVD's server re-orthogonalization (Lee et al., "FedSVD: Adaptive Orthogonalization for
 * Private Federated Learning with LoRA", 2025; `fedmm/fedavg/server.py`): with B A = V S Uᵀ
 * (rank r), A ← the top-r right singular vectors as rows (A Aᵀ = I) and B ← V_r diag(S_r). The
 * product B A is unchanged (to rounding) while A turns to the principal input directions, and
 * noise added to B then maps isometrically into ΔW.
 * B is out x r, A is r x in. O(out in r + out in min(out, in)).
 */
export function fedsvdReorthogonalize(B: Matrix, A: Matrix): { B: Matrix<Float64Array>; A: Matrix<Float64Array> } {
  checkWeight('fedsvdReorthogonalize', 'B', B);
  checkWeight('fedsvdReorthogonalize', 'A', A);
  if (B.cols !== A.rows) {
    throw new ShapeError(`fedsvdReorthogonalize: B is ${B.rows}x${B.cols} and A is ${A.rows}x${A.cols}; B.cols must equal A.rows (the rank)`);
  }
  const r = A.rows;
  if (r > Math.min(B.rows, A.cols)) {
    throw new DomainError(`fedsvdReorthogonalize: rank ${r} exceeds min(out, in) = ${Math.min(B.rows, A.cols)}`);
  }
  const f = svd(matmul(B, A), { k: r });
  return {
    A: transpose(leadingCols(f.V, r)) as Matrix<Float64Array>,
    B: scaleCols(leadingCols(f.U, r), f.S),
  };
}

/** FedAvg: Σ_k w_k X_k / Σ_k w_k (weights default to equal; the reference uses n_k / n). */
export function fedAvg(xs: readonly Matrix[], weights?: readonly number[]): Matrix<Float64Array> {
  return average('fedAvg', xs, weights);
}

function average(fn: string, xs: readonly Matrix[], weights: readonly number[] | undefined): Matrix<Float64Array> {
  checkArray(fn, 'matrices', xs);
  if (xs.length === 0) throw new DomainError(`${fn}: no client matrices`);
  for (const [k, x] of xs.entries()) checkWeight(fn, `matrices[${k}]`, x);
  if (weights !== undefined) checkVector(fn, 'weights', weights);
  const w = weights ?? xs.map(() => 1);
  if (w.length !== xs.length) throw new ShapeError(`fedAvg: ${xs.length} matrices but ${w.length} weights`);
  let total = 0;
  for (const v of w) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new DomainError(`${fn}: weights must be finite and >= 0, got ${v}`);
    total += v;
  }
  if (total === 0) throw new DomainError(`${fn}: weights sum to 0`);
  const { rows, cols } = xs[0]!;
  const out = new Float64Array(rows * cols);
  xs.forEach((x, k) => {
    if (x.rows !== rows || x.cols !== cols) throw new ShapeError(`${fn}: client ${k} is ${x.rows}x${x.cols}, expected ${rows}x${cols}`);
    const c = w[k]! / total;
    for (let i = 0; i < out.length; i++) out[i]! += c * x.data[i]!;
  });
  return { rows, cols, data: out };
}

/** Options of one FedSVD round: client weights, noise standard deviation, re-orthogonalization, seed. */
export interface FedsvdRoundOptions {
  /** Client weights (e.g. sample counts). */
  weights?: number[];
  /** Std of Gaussian noise added to the averaged B (a DP-style perturbation; 0 = none). */
  noiseStd?: number;
  /** Re-orthogonalize this round (FedSVD's `recalculate_svd_period` decides; default true). */
  reorthogonalize?: boolean;
  seed?: number;
}

/**
 * One FedSVD server round: clients trained only B (A frozen, FFA-LoRA style); the server
 * averages their B's, optionally adds Gaussian noise, and re-orthogonalizes (B, A) by an SVD of
 * B A. With `reorthogonalize: false` it is FFA-LoRA with a fixed A.
 */
export function fedsvdRound(A: Matrix, clientBs: readonly Matrix[], opts: FedsvdRoundOptions = {}): { B: Matrix<Float64Array>; A: Matrix<Float64Array> } {
  const fn = 'fedsvdRound';
  checkWeight(fn, 'A', A);
  checkOpts(fn, opts, ['weights', 'noiseStd', 'reorthogonalize', 'seed']);
  const std = checkNonNegative(fn, 'noiseStd', opts.noiseStd ?? 0);
  const reorthogonalize = optBoolean(fn, 'reorthogonalize', opts.reorthogonalize, true);
  const seed = optSeed(fn, 'seed', opts.seed, 0);
  const B = average(fn, clientBs, opts.weights);
  if (std > 0) {
    const g = rng(seed);
    for (let i = 0; i < B.data.length; i++) B.data[i]! += std * g.normal();
  }
  if (!reorthogonalize) return { B, A: { rows: A.rows, cols: A.cols, data: Float64Array.from(A.data) } };
  return fedsvdReorthogonalize(B, A);
}
