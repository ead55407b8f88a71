import { setGemmRuntime } from '../gemm';
import { loadWasm } from './runtime';

/**
 * Loads the WebAssembly SIMD kernels (once, asynchronously) and routes every CPU GEMM in @x
 * through them from then on: `matmul`, `gram` and everything @x/linalg builds on them stay
 * synchronous. Resolves to 'wasm', or rejects with a BackendError (no SIMD) leaving `js` active.
 */
export async function enableWasm(): Promise<'wasm'> {
  setGemmRuntime(await loadWasm());
  return 'wasm';
}

/** Routes CPU GEMMs back to the JS reference kernel. */
export function disableWasm(): void {
  setGemmRuntime(null);
}
