import type { Matrix, Rng } from '@x/gpu';

/**
 * A batch of finite-network activations in channels-last layout: shape `[N, C]`, `[N, L, C]`
 * (1-D) or `[N, H, W, C]` (2-D), data row-major.
 */
export interface StaxTensor {
  shape: number[];
  data: Float64Array;
}

/** One value or a list of them: what flows between layers (a list after {@link staxFanOut}). */
export type StaxFlow<T> = T | T[];

/**
 * The infinite-width kernels of a batch pair (x1, x2) at one point of a network, with the
 * spatial covariance kept per position pair as neural-tangents does (`diagonal_spatial=False`).
 * With S positions (`spatial` multiplied out; S = 1 for flat features), row `i·S + p` and column
 * `j·S + q` of `nngp` hold `lim (1/n) Σ_c h_c(x1_i, p) h_c(x2_j, q)` and `ntk` the matching tangent
 * kernel. `cov1` (and `cov2`, null when x2 is x1) hold the NNGP of each example with itself,
 * S x S blocks, which the nonlinearities need.
 */
export interface StaxKernel {
  n1: number;
  n2: number;
  /** Spatial shape ([] for flat features, [L] for 1-D, [H, W] for 2-D). */
  spatial: number[];
  /** Declared channel count (only the standard parameterisation's NTK uses it). */
  channels: number;
  nngp: Matrix<Float64Array>;
  ntk: Matrix<Float64Array>;
  /** n1 blocks of S x S: block i is the NNGP of x1_i with itself. */
  cov1: Float64Array;
  /** n2 blocks of S x S for x2, or null when x2 is x1. */
  cov2: Float64Array | null;
}

/** Per-layer shapes without the batch axis: `[C]`, `[L, C]` or `[H, W, C]`. */
export type StaxShape = number[];

/**
 * One layer (or combinator) of the stax-like API: it maps kernels analytically and also builds
 * and runs the finite network it describes. Build layers with the `stax*` constructors and run
 * them with {@link staxKernel}, {@link staxInit}, {@link staxApply} and
 * {@link staxEmpiricalKernels}; the methods are the low-level protocol those use (`fn` names
 * the user-facing function in error messages).
 */
export interface StaxLayer {
  /** Human-readable description, e.g. `dense(64)`. */
  readonly name: string;
  /** Number of parameter arrays `init` returns. */
  readonly paramCount: number;
  /** Maps the kernel(s) of the layer's input to those of its output. */
  kernel(k: StaxFlow<StaxKernel>, fn: string): StaxFlow<StaxKernel>;
  /** Output shape(s) and freshly drawn parameters for an input of shape `inShape`. */
  init(r: Rng, inShape: StaxFlow<StaxShape>, fn: string): { outShape: StaxFlow<StaxShape>; params: Float64Array[] };
  /** Finite-width forward pass; `cache` is what `backward` needs. */
  forward(params: Float64Array[], x: StaxFlow<StaxTensor>, fn: string): { y: StaxFlow<StaxTensor>; cache: unknown };
  /** Vector-Jacobian product: gradients of `⟨dy, y⟩` with respect to the input and parameters. */
  backward(params: Float64Array[], cache: unknown, dy: StaxFlow<StaxTensor>, fn: string): { dx: StaxFlow<StaxTensor>; grads: Float64Array[] };
}

/** How weights enter a `Dense`/`Conv` layer (neural-tangents' `parameterization`). */
export type StaxParameterization = 'ntk' | 'standard';

/** Options of {@link staxDense} and {@link staxConv}. */
export interface StaxAffineOptions {
  /** Weight standard deviation σ_w (default 1). */
  wStd?: number;
  /** Bias standard deviation σ_b; null or absent: no bias. */
  bStd?: number | null;
  /**
   * `'ntk'` (default): W, b ~ N(0, 1), `y = σ_w/√fanIn · W x + σ_b b`. `'standard'`:
   * W ~ N(0, σ_w²/fanIn), b ~ N(0, σ_b²), `y = W x + b` (Sohl-Dickstein et al. 2020 with s = 1).
   * The NNGP is the same; the NTK differs.
   */
  parameterization?: StaxParameterization;
}

/** Padding of {@link staxConv} and {@link staxAvgPool} (XLA's rules). */
export type StaxPadding = 'SAME' | 'VALID';

/** Options of {@link staxConv}. */
export interface StaxConvOptions extends StaxAffineOptions {
  /** Strides, one per spatial axis (default all 1). */
  strides?: number[];
  /** Default `'VALID'`. */
  padding?: StaxPadding;
}

/** Options of {@link staxAvgPool}. */
export interface StaxPoolOptions {
  /** Strides (default: the window). */
  strides?: number[];
  /** Default `'VALID'`. Padded positions count as zeros (the divisor is the window size). */
  padding?: StaxPadding;
}
