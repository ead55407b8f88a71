/**
 * The Node entry of @x/gpu (export condition "node"): everything the universal entry has, with
 * thread pools made of worker_threads for enableWasm({ threads }). No import-time effect: the
 * worker_threads support is installed by this entry's enableWasm and createDevice when called.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CreateDeviceOptions, createDevice as createDeviceUniversal } from './device/create';
import type { Device } from './device/types';
import { BackendError } from './errors';
import { type EnableWasmOptions, enableWasm as enableWasmUniversal } from './wasm/enable';
import { serveGemm, setThreadSupport, type ThreadSupport, threadSupportIsDefault } from './wasm/threads';

export * from './index';

const nodeThreads: ThreadSupport = {
  unavailable: () => null,
  hardwareConcurrency: () => availableParallelism(),
  canBlock: () => true,
  spawn(init) {
    // The worker is a module from a data: URL holding serveGemm's source, so the package needs
    // no separate worker file that bundlers would have to find.
    const src = `import { parentPort, workerData } from 'node:worker_threads';\nconst serveGemm = ${serveGemm.toString()};\nserveGemm(workerData, () => parentPort.postMessage('ready'));\n`;
    return new Promise((resolve, reject) => {
      const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), { workerData: init });
      // Idle workers must not keep the process alive; a running GEMM is waited for with Atomics.
      w.unref();
      w.once('message', () => resolve({ terminate: () => void w.terminate() }));
      w.once('error', (e) => reject(new BackendError('wasm threads', `a worker failed to start: ${e.message}`)));
    });
  },
};

/** Makes worker_threads the way pools are made, unless a caller installed its own. */
function useNodeThreads(): void {
  if (threadSupportIsDefault()) setThreadSupport(nodeThreads);
}

/** {@link enableWasmUniversal | enableWasm}, with worker_threads pools in Node. */
export function enableWasm(opts?: EnableWasmOptions): Promise<'wasm'> {
  useNodeThreads();
  return enableWasmUniversal(opts);
}

/** {@link createDeviceUniversal | createDevice}, with worker_threads pools in Node. */
export function createDevice(opts?: CreateDeviceOptions): Promise<Device> {
  useNodeThreads();
  return createDeviceUniversal(opts);
}
