import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The pieces of tfjs-core the benchmarks use. */
export interface Tfjs {
  tensor2d(data: Float32Array, shape: [number, number]): TfTensor;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  getBackend(): string;
}
export interface TfTensor {
  dataSync(): Float32Array;
  dispose(): void;
}

let loaded: Promise<Tfjs | string> | null = null;

/**
 * tfjs-core on its WebAssembly backend (XNNPACK, SIMD; single-threaded in Node), loaded from the
 * .wasm files shipped inside the npm package. Resolves to an explanation when it cannot start.
 */
export function loadTfjsWasm(): Promise<Tfjs | string> {
  loaded ??= (async () => {
    try {
      const tf = await import('@tensorflow/tfjs-core');
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
      if (!(await tf.setBackend('wasm'))) return 'tfjs could not start its wasm backend';
      await tf.ready();
      return tf as unknown as Tfjs;
    } catch (e) {
      return `tfjs-backend-wasm failed to load: ${(e as Error).message}`;
    }
  })();
  return loaded;
}
