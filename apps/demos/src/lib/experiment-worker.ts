/**
 * The Web Worker that runs experiments off the page's main thread (module worker, bundled by
 * Vite from `new Worker(new URL(...), { type: 'module' })` in ./runner.ts). It holds the same
 * registry as the page and runs one experiment at a time; an 'abort' message aborts the run's
 * AbortSignal (the page terminates the worker if the experiment does not stop soon).
 */
import { enableWasm, wasmFma, wasmThreads } from '@x/gpu';
import { experiments } from '../registry';
import type { CpuKernels, WorkerReply, WorkerRequest } from './worker-protocol';

interface WorkerScope {
  postMessage(message: WorkerReply): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

/** Progress messages at most this often (an experiment may report every step). */
const PROGRESS_EVERY_MS = 50;
/** Live-plot snapshots at most this often (the page redraws every plot of the card on each). */
const PARTIAL_EVERY_MS = 100;

const running = new Map<number, AbortController>();

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const e = experiments.find((x) => x.id === req.id);
  if (!e) {
    scope.postMessage({ type: 'error', runId: req.runId, name: 'Error', message: `no experiment "${req.id}" in the registry`, aborted: false });
    return;
  }
  const controller = new AbortController();
  running.set(req.runId, controller);
  let last = 0;
  let lastPartial = Number.NEGATIVE_INFINITY;
  try {
    const result = await e.run({
      quick: req.quick,
      seed: req.seed,
      params: req.params,
      signal: controller.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (p.fraction < 1 && now - last < PROGRESS_EVERY_MS) return;
        last = now;
        scope.postMessage({ type: 'progress', runId: req.runId, fraction: p.fraction, message: p.message });
      },
      // Live plots: at most one snapshot per PARTIAL_EVERY_MS crosses to the page (each is a copy).
      onPartial: (partial) => {
        const now = performance.now();
        if (now - lastPartial < PARTIAL_EVERY_MS) return;
        lastPartial = now;
        scope.postMessage({ type: 'partial', runId: req.runId, partial });
      },
    });
    // A run that returns after its abort (an experiment that ignored the signal) reports the
    // abort, not a result the page would show as current.
    if (controller.signal.aborted) throw new Error('aborted');
    scope.postMessage({ type: 'result', runId: req.runId, result });
  } catch (err) {
    const e2 = err instanceof Error ? err : new Error(String(err));
    scope.postMessage({ type: 'error', runId: req.runId, name: e2.name, message: e2.message, aborted: controller.signal.aborted });
  } finally {
    running.delete(req.runId);
  }
}

scope.addEventListener('message', (ev) => {
  const req = ev.data;
  if (req.type === 'abort') running.get(req.runId)?.abort();
  else if (req.type === 'run') void run(req);
});
/**
 * Every experiment's GEMMs (and @x/linalg's factorizations) run on the wasm SIMD kernels, split
 * over a worker pool on every core when the page is cross-origin isolated (a worker may block in
 * Atomics.wait, so the pool works here). Results agree with the js route to rounding.
 */
async function cpuKernels(): Promise<CpuKernels> {
  try {
    await enableWasm({ threads: 'auto' });
    return { backend: 'wasm', fma: wasmFma(), ...wasmThreads() };
  } catch (e) {
    return { backend: 'js', threads: 1, fma: false, reason: (e as Error).message };
  }
}

void cpuKernels().then((cpu) => scope.postMessage({ type: 'ready', ids: experiments.map((e) => e.id), cpu }));
