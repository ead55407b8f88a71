import type { CpuRoute } from './gemm';
import type { Matrix } from './matrix';

/** Options of {@link matmul}: transposes of either operand, an output buffer (optionally accumulated into), the CPU route. */
export interface MatmulOptions {
  /** Use Aᵀ in place of A (no copy is made). */
  transA?: boolean;
  /** Use Bᵀ in place of B (no copy is made). */
  transB?: boolean;
  /**
   * Write the product here instead of allocating. Must have the result's shape, and must not
   * share storage with `a` or `b`. Its previous contents are overwritten.
   */
  out?: Matrix;
  /** With `out`: add the product into out's contents (C += op(A) op(B)) instead of overwriting. */
  accumulate?: boolean;
  /**
   * CPU kernel: 'auto' (default: the wasm SIMD kernels where they load, see ready(); the JS
   * kernel for tiny products, after disableWasm() or with X_WASM=0), 'js' or 'wasm'.
   */
  backend?: CpuRoute;
}

/** Options of {@link gram}: AᵀA (default) or AAᵀ (`outer`), and the CPU route. */
export interface GramOptions {
  /** false (default): AᵀA (cols x cols). true: AAᵀ (rows x rows). */
  outer?: boolean;
  /** CPU kernel: 'auto' (default), 'js' or 'wasm'; see {@link MatmulOptions.backend}. */
  backend?: CpuRoute;
}
