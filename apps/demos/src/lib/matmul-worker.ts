/**
 * The gpu page's matrix-multiply benchmark off the main thread (module worker, started by
 * src/pages/gpu.ts): gpu.js draws on an OffscreenCanvas here. One run per worker message; the
 * page aborts by a message (checked between products) and terminates the worker if it does not
 * stop soon (a gpu.js call cannot be interrupted).
 */
import { type BenchDevices, type MatmulTiming, runMatmulBench } from './matmul-bench';

/** Page -> worker. */
export type MatmulRequest = { type: 'run'; runId: number } | { type: 'abort'; runId: number };
/** Worker -> page. */
export type MatmulReply =
  | { type: 'devices'; runId: number; devices: BenchDevices }
  | { type: 'row'; runId: number; timing: MatmulTiming; index: number; total: number }
  | { type: 'done'; runId: number; timings: MatmulTiming[] }
  | { type: 'error'; runId: number; name: string; message: string };

interface Scope {
  postMessage(message: MatmulReply): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<MatmulRequest>) => void): void;
}
const scope = self as unknown as Scope;
const running = new Map<number, AbortController>();

scope.addEventListener('message', (ev) => {
  const req = ev.data;
  if (req.type === 'abort') {
    running.get(req.runId)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(req.runId, controller);
  const { runId } = req;
  runMatmulBench({
    signal: controller.signal,
    onDevices: (devices) => scope.postMessage({ type: 'devices', runId, devices }),
    onRow: (timing, index, total) => scope.postMessage({ type: 'row', runId, timing, index, total }),
  })
    .then((timings) => scope.postMessage({ type: 'done', runId, timings }))
    .catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      scope.postMessage({ type: 'error', runId, name: err.name, message: err.message });
    })
    .finally(() => running.delete(runId));
});
