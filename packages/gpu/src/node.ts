/**
 * The Node entry of @x/gpu (export condition "node"): everything the universal entry has, with
 * thread pools made of worker_threads for enableWasm({ threads }).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BackendError } from './errors';
import { serveGemm, setThreadSupport } from './wasm/threads';

export * from './index';

setThreadSupport({
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
});
