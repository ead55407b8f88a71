import { assertMatrix, DomainError, type Matrix } from '@x/gpu';
import { checkAlloc, checkInt, checkOptions as checkKeys, describe, MAX_DEPTH } from '@x/gpu/checks';
import { dualActivationRaw, type KernelActivation } from './dual';

/** Options of {@link nngpKernel} and {@link ntkKernel}. */
export interface WideKernelOptions {
  /** Number of hidden layers L (>= 0). depth 0 gives the base case K¹. */
  depth: number;
  activation: KernelActivation;
  /** Weight variance σ_w² (> 0). */
  sigmaW2: number;
  /** Bias variance σ_b² (>= 0). */
  sigmaB2: number;
}

/** Throws unless `X` is a finite matrix and `o` valid {@link WideKernelOptions} (plus `extra` keys). */
export function checkWideOptions(fn: string, x: Matrix, o: WideKernelOptions, extra: readonly string[] = []): void {
  assertMatrix(fn, 'X', x);
  if (o === null || typeof o !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(o)}`);
  checkKeys(fn, o, ['depth', 'activation', 'sigmaW2', 'sigmaB2', ...extra]);
  checkInt(fn, 'depth', o.depth, 0, MAX_DEPTH);
  checkAlloc(fn, 'the kernel', x.rows, x.rows);
  if (o.activation !== 'relu' && o.activation !== 'erf' && o.activation !== 'gelu') {
    throw new DomainError(`${fn}: activation must be 'relu', 'erf' or 'gelu', got ${String(o.activation)}`);
  }
  if (!(o.sigmaW2 > 0) || !Number.isFinite(o.sigmaW2)) throw new DomainError(`${fn}: sigmaW2 must be finite and > 0, got ${o.sigmaW2}`);
  if (!(o.sigmaB2 >= 0) || !Number.isFinite(o.sigmaB2)) throw new DomainError(`${fn}: sigmaB2 must be finite and >= 0, got ${o.sigmaB2}`);
  if (x.cols < 1) throw new DomainError(`${fn}: X needs at least one column (d >= 1)`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) throw new DomainError(`${fn}: X contains NaN or Infinity`);
  }
}

/** Both kernels at once: `K` (NNGP) and `Theta` (NTK), n x n, of the output layer. */
export interface WideKernels {
  K: Matrix<Float64Array>;
  Theta: Matrix<Float64Array>;
}

/**
 * NNGP and NTK of an MLP in NTK parameterisation `h^{l+1} = σ_w/√n W φ(h^l) + σ_b b`
 * (Yang, "Scaling Limits of Wide Neural Networks with Weight Sharing" (Tensor Programs I),
 * 2019, with the NTK recursion of Jacot et al. 2018, Thm. 1; restated in spec §7a):
 * `K¹ = σ_w² XXᵀ/d + σ_b²`, `Θ¹ = K¹`, then for each of the `depth` hidden layers
 * `K^{l+1} = σ_w² E[φ(u)φ(v)] + σ_b²`, `Θ^{l+1} = K^{l+1} + σ_w² E[φ'(u)φ'(v)] Θ^l`,
 * (u, v) ~ N(0, K^l). Returns the output-layer kernels K^{L+1}, Θ^{L+1}. O(n² (d + L)).
 */
export function wideKernels(X: Matrix, opts: WideKernelOptions): WideKernels {
  checkWideOptions('wideKernels', X, opts);
  const { rows: n, cols: d } = X;
  const { sigmaW2, sigmaB2, depth, activation } = opts;
  let K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += X.data[i * d + t]! * X.data[j * d + t]!;
      K[i * n + j] = K[j * n + i] = (sigmaW2 * s) / d + sigmaB2;
    }
  }
  let Th = K.slice();
  for (let l = 0; l < depth; l++) {
    const K2 = new Float64Array(n * n);
    const T2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const { ephi, edphi } = dualActivationRaw(activation, K[i * n + i]!, K[j * n + j]!, K[i * n + j]!);
        const k = sigmaW2 * ephi + sigmaB2;
        const t = k + sigmaW2 * edphi * Th[i * n + j]!;
        K2[i * n + j] = K2[j * n + i] = k;
        T2[i * n + j] = T2[j * n + i] = t;
      }
    }
    K = K2;
    Th = T2;
  }
  return { K: { rows: n, cols: n, data: K }, Theta: { rows: n, cols: n, data: Th } };
}

/**
 * The NNGP kernel of the output layer of an infinitely wide MLP with `depth` hidden layers
 * (Tensor Programs I / Lee et al. 2018; base case `K¹ = σ_w² x·x'/d + σ_b²`). See
 * {@link wideKernels} for the recursion. X is n x d (inputs as rows); returns n x n.
 * @throws DomainError for bad options or non-finite inputs.
 */
export function nngpKernel(X: Matrix, opts: WideKernelOptions): Matrix<Float64Array> {
  checkWideOptions('nngpKernel', X, opts);
  return wideKernels(X, opts).K;
}

/**
 * The neural tangent kernel of the same network (Jacot et al. 2018, Thm. 1; Tensor Programs I
 * for its derivation by the gradient-independence assumption). X is n x d; returns n x n.
 * @throws DomainError for bad options or non-finite inputs.
 */
export function ntkKernel(X: Matrix, opts: WideKernelOptions): Matrix<Float64Array> {
  checkWideOptions('ntkKernel', X, opts);
  return wideKernels(X, opts).Theta;
}
