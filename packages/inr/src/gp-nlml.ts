import { DomainError } from '@x/gpu';
import { checkAlloc, checkInt, checkNonNegative, checkOptions, checkVector, describe } from '@x/gpu/checks';
import { cholesky, choleskySolve } from '@x/linalg';
import { checkSmBase, checkTheta, type SmBase, smKernelGradContract, smKernelMatrix } from './sm-kernel';

/** Options of {@link gpNlml}. */
export interface GpNlmlOptions {
  /** Observation noise variance σ² added to the diagonal (default 1e-4). */
  noise?: number;
  /** Indices of θ held fixed (their gradient is reported as 0), e.g. the μ's for an SE kernel. */
  frozen?: readonly number[];
  /** Envelope of each component: 'gaussian' (default, GP-HM) or 'matern52' (GP-HM-StM). */
  base?: SmBase;
}

/** Value and gradient returned by {@link gpNlml}. */
export interface GpNlmlResult {
  /** ½ yᵀK⁻¹y + ½ log|K| + (n/2) log 2π. */
  value: number;
  /** ∂NLML/∂θ, length 3Q. */
  grad: Float64Array;
}

/**
 * Negative log marginal likelihood of a zero-mean GP with the spectral-mixture kernel (Rasmussen
 * & Williams 2006, eq. 5.8; kernel of Fang et al. 2024, GP-HM) and its analytic gradient
 * ∂NLML/∂θ_j = ½ tr((K⁻¹ − ααᵀ) ∂K/∂θ_j), α = K⁻¹y (R&W eq. 5.9 with the sign for the negative).
 * K = k(x, x) + noise I. Cholesky O(n³/3), K⁻¹ O(n³), contraction O(n² Q).
 * @throws ShapeError when x and y differ in length; DomainError when K is not positive definite.
 */
export function gpNlml(x: ArrayLike<number>, y: ArrayLike<number>, theta: ArrayLike<number>, opts: GpNlmlOptions = {}): GpNlmlResult {
  const { noise, base } = checkGp('gpNlml', x, y, theta, opts, ['noise', 'frozen', 'base']);
  const n = x.length;
  const frozen = opts.frozen ?? [];
  if (!Array.isArray(frozen)) throw new DomainError(`gpNlml: frozen must be an array of indices, got ${describe(frozen)}`);
  for (let i = 0; i < frozen.length; i++) checkInt('gpNlml', `frozen[${i}]`, frozen[i], 0, theta.length - 1);
  const K = smKernelMatrix(x, x, theta, base);
  for (let i = 0; i < n; i++) K.data[i * n + i]! += noise;
  const L = cholesky(K);
  const alpha = choleskySolve(L, y);
  let value = 0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) value += 0.5 * y[i]! * alpha[i]! + Math.log(L.data[i * n + i]!);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const Kinv = choleskySolve(L, { rows: n, cols: n, data: eye }).data;
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = 0.5 * (Kinv[i * n + j]! - alpha[i]! * alpha[j]!);
  const grad = new Float64Array(theta.length);
  smKernelGradContract(x, theta, M, grad, base);
  for (const j of opts.frozen ?? []) grad[j] = 0;
  return { value, grad };
}

/**
 * Posterior mean at `xs` of the GP fitted to (x, y): k(xs, x) (K + noise I)⁻¹ y (Rasmussen &
 * Williams 2006, eq. 2.25). O(n³/3 + n m Q).
 */
export function gpPredict(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  theta: ArrayLike<number>,
  xs: ArrayLike<number>,
  opts: { noise?: number; base?: SmBase } = {},
): Float64Array {
  const { noise, base } = checkGp('gpPredict', x, y, theta, opts, ['noise', 'base']);
  checkVector('gpPredict', 'xs', xs);
  const n = x.length;
  const K = smKernelMatrix(x, x, theta, base);
  for (let i = 0; i < n; i++) K.data[i * n + i]! += noise;
  const alpha = choleskySolve(cholesky(K), y);
  const Ks = smKernelMatrix(xs, x, theta, base);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Ks.data[i * n + j]! * alpha[j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Throws unless x and y are finite vectors of one length, theta a valid SM parameter vector and
 * `opts` has only `keys`, with noise >= 0 and a known base; returns noise and base defaulted.
 */
function checkGp(fn: string, x: ArrayLike<number>, y: ArrayLike<number>, theta: ArrayLike<number>, opts: GpNlmlOptions, keys: readonly string[]): { noise: number; base: SmBase } {
  checkVector(fn, 'x', x);
  checkVector(fn, 'y', y, x.length);
  checkTheta(fn, theta);
  checkAlloc(fn, 'the kernel matrix', x.length, x.length);
  checkOptions(fn, opts, keys);
  return { noise: checkNonNegative(fn, 'noise', opts.noise ?? 1e-4), base: checkSmBase(fn, opts.base ?? 'gaussian') };
}
