/**
 * Runs one experiment at a time for a page, in a Web Worker when the browser can start one
 * (the page stays responsive however long an experiment computes), else on the main thread
 * with a task boundary before each run. Both honour abort: the worker's run gets an AbortSignal
 * and, if the experiment does not stop within ABORT_GRACE_MS, the worker is terminated.
 */
import { experiments } from '../registry';
import type { ExperimentParamValue, ExperimentPartial, ExperimentResult } from './experiment';
import { yieldToEventLoop } from './experiment';
import type { CpuKernels, WorkerReply, WorkerRequest } from './worker-protocol';

/** How long an aborted experiment may take to notice its signal before the worker is killed. */
const ABORT_GRACE_MS = 400;

export interface RunRequest {
  id: string;
  quick: boolean;
  seed?: number;
  /** Values of the experiment's declared parameters (the card's controls). */
  params?: Record<string, ExperimentParamValue>;
  onProgress?: (info: { fraction: number; message?: string }) => void;
  /** Live results: the run's plots so far. */
  onPartial?: (partial: ExperimentPartial) => void;
}

/** Thrown (rejected) when a run was aborted. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export interface RunHandle {
  result: Promise<ExperimentResult>;
  abort(): void;
}

export interface ExperimentRunner {
  /** Where experiments run: 'worker' or 'main' (the main thread). */
  readonly mode: 'worker' | 'main';
  /** Why the runner is on the main thread, when it is. */
  readonly reason?: string;
  /** The CPU kernels the worker's experiments use (absent on the main thread: js). */
  readonly cpu?: CpuKernels;
  run(req: RunRequest): RunHandle;
}

/** Runs in the page's own thread (no worker, or `?worker=0`). */
export function mainThreadRunner(reason?: string): ExperimentRunner {
  return {
    mode: 'main',
    reason,
    run(req) {
      const controller = new AbortController();
      const result = (async () => {
        const e = experiments.find((x) => x.id === req.id);
        if (!e) throw new Error(`no experiment "${req.id}" in the registry`);
        await yieldToEventLoop();
        if (controller.signal.aborted) throw new AbortedError();
        try {
          const r = await e.run({ quick: req.quick, seed: req.seed, params: req.params, signal: controller.signal, onProgress: req.onProgress, onPartial: req.onPartial });
          // A run that returns after its abort is not shown as this run's result.
          if (controller.signal.aborted) throw new AbortedError();
          return r;
        } catch (err) {
          if (controller.signal.aborted) throw new AbortedError();
          throw err;
        }
      })();
      return { result, abort: () => controller.abort() };
    },
  };
}

interface Pending {
  runId: number;
  req: RunRequest;
  /** Abort was pressed: a result that still arrives is not shown as this run's. */
  abortRequested?: boolean;
  resolve(r: ExperimentResult): void;
  reject(e: Error): void;
}

/**
 * A runner backed by one module worker, started on the first run and restarted after an abort
 * that had to terminate it. Resolves to the reason, a string, when no worker starts (then use the
 * main thread).
 */
export async function workerRunner(timeoutMs = 20_000): Promise<ExperimentRunner | string> {
  if (typeof Worker === 'undefined') return 'this browser has no Web Workers';
  let nextRunId = 1;
  let worker: Worker | null = null;
  let current: Pending | null = null;
  let cpu: CpuKernels | undefined;

  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL('./experiment-worker.ts', import.meta.url), { type: 'module', name: 'experiments' });
      const timer = setTimeout(() => {
        w.terminate();
        reject(new Error(`the experiment worker did not start within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      w.addEventListener('message', (ev: MessageEvent<WorkerReply>) => {
        const msg = ev.data;
        if (msg.type === 'ready') {
          clearTimeout(timer);
          cpu = msg.cpu;
          resolve(w);
          return;
        }
        const p = current;
        if (!p || msg.runId !== p.runId) return;
        if (msg.type === 'progress') p.req.onProgress?.({ fraction: msg.fraction, message: msg.message });
        else if (msg.type === 'partial') {
          if (!p.abortRequested) p.req.onPartial?.(msg.partial);
        }
        else if (msg.type === 'result') {
          current = null;
          if (p.abortRequested) p.reject(new AbortedError());
          else p.resolve(msg.result);
        } else if (msg.type === 'error') {
          current = null;
          if (msg.aborted) p.reject(new AbortedError());
          else {
            const e = new Error(msg.message);
            e.name = msg.name;
            p.reject(e);
          }
        }
      });
      // A worker that fails to load or throws outside a run: fail the pending run, start afresh next time.
      w.addEventListener('error', (ev) => {
        ev.preventDefault();
        clearTimeout(timer);
        const err = new Error(`experiment worker error: ${ev.message || 'failed to load'}`);
        if (worker === w) worker = null;
        w.terminate();
        reject(err);
        const p = current;
        current = null;
        p?.reject(err);
      });
    });

  try {
    worker = await start();
  } catch (e) {
    return (e as Error).message;
  }

  return {
    mode: 'worker',
    get cpu() {
      return cpu;
    },
    run(req) {
      const runId = nextRunId++;
      let settled = false;
      const result = new Promise<ExperimentResult>((resolve, reject) => {
        const pending: Pending = {
          runId,
          req,
          resolve: (r) => {
            settled = true;
            resolve(r);
          },
          reject: (e) => {
            settled = true;
            reject(e);
          },
        };
        (async () => {
          if (current) throw new Error('the experiment worker is busy (one run at a time)');
          current = pending;
          if (!worker) worker = await start();
          if (settled) return; // aborted while the worker was starting
          const msg: WorkerRequest = { type: 'run', runId, id: req.id, quick: req.quick, seed: req.seed, params: req.params };
          worker.postMessage(msg);
        })().catch((e: Error) => {
          if (current === pending) current = null;
          pending.reject(e);
        });
      });
      const abort = () => {
        if (settled) return;
        const w = worker;
        const p = current;
        if (!p || p.runId !== runId) return;
        if (!w) {
          // Still starting the worker: the run was never sent.
          current = null;
          p.reject(new AbortedError());
          return;
        }
        p.abortRequested = true;
        const msg: WorkerRequest = { type: 'abort', runId };
        w.postMessage(msg);
        // An experiment busy in a long synchronous loop never sees the message: stop the thread.
        setTimeout(() => {
          if (settled || current !== p) return;
          w.terminate();
          if (worker === w) worker = null;
          current = null;
          p.reject(new AbortedError());
        }, ABORT_GRACE_MS);
      };
      return { result, abort };
    },
  };
}
