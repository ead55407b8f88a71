import { checkOptions } from '../checks';
import { BackendError } from '../errors';
import { type GpujsDeviceOptions, GpujsDevice } from './gpujs';
import { JsDevice } from './js';
import { wasmKernels } from '../wasm/kernels';
import { loadWasm } from '../wasm/runtime';
import { enableWasm, wasmThreads } from '../wasm/enable';
import { activeWasmRuntime } from '../gemm';
import type { BackendName, Device } from './types';

/** Options of {@link createDevice}: the backend, threads for wasm, and for gpujs the mode, texture cap and module. */
export interface CreateDeviceOptions extends GpujsDeviceOptions {
  /**
   * 'js': @x/gpu's CPU kernels (JS reference). 'wasm': the WebAssembly SIMD kernels. 'gpujs': gpu.js on a GPU context (headless GL, WebGL2, WebGL,
   * or the `mode` you name); a BackendError says why when there is none. 'auto': gpujs when a
   * GPU context exists, else js, with `info.fallbackReason` saying why.
   */
  backend?: BackendName;
  /**
   * wasm backend only: threads for large GEMMs, as in enableWasm({ threads }). Given, it calls
   * enableWasm with it (the pool and the GEMM route are per process, not per device).
   */
  threads?: number | 'auto';
}

/**
 * Creates a compute device. Never falls back silently: `gpujs` either runs on what it says or
 * throws; `auto` reports in `device.info` what it chose and why.
 * @example const dev = await createDevice({ backend: 'auto' }); console.log(dev.info.mode);
 */
export async function createDevice(opts: CreateDeviceOptions = {}): Promise<Device> {
  checkOptions('createDevice', opts, ['backend', 'threads', 'mode', 'maxTextureSize', 'gpujs']);
  const backend = opts.backend ?? 'auto';
  switch (backend) {
    case 'js':
      return new JsDevice({ threads: 1, threadsReason: 'the js kernels are single-threaded' });
    case 'wasm': {
      if (opts.threads !== undefined) await enableWasm({ threads: opts.threads });
      const rt = await loadWasm();
      const t = activeWasmRuntime() ? wasmThreads() : { threads: 1, reason: 'GEMMs run on one thread unless enableWasm({ threads }) or createDevice({ threads }) asks for more' };
      return new JsDevice(
        {
          backend: 'wasm',
          mode: 'wasm',
          requested: 'wasm',
          threads: t.threads,
          ...(t.reason ? { threadsReason: t.reason } : {}),
        },
        wasmKernels(rt),
      );
    }
    case 'gpujs':
      return GpujsDevice.create(opts, 'gpujs');
    case 'auto':
      try {
        return await GpujsDevice.create(opts, 'auto');
      } catch (e) {
        if (!(e instanceof BackendError)) throw e;
        return new JsDevice({ requested: 'auto', fallbackReason: e.message, threads: 1 });
      }
    default:
      throw new BackendError(`createDevice: unknown backend "${String(backend)}"`, "expected 'js', 'wasm', 'gpujs' or 'auto'");
  }
}
