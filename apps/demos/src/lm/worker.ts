// The language-model page's compute: @x/lm's runLm in this Web Worker, on @x/gpu's wasm
// kernels, with its progress, finished stages and, after an abort, a checkpoint to resume from.
import { enableWasm, wasmFma, wasmThreads } from '@x/gpu';
import { conclusions, type LmProgress, runLm } from '@x/lm';
import type { CpuKernels } from '../lib/worker-protocol';
import { browserCorpora } from './corpus';
import type { LmReply, LmRequest } from './protocol';
import { runOptions } from './settings';

const post = (m: LmReply) => (self as unknown as Worker).postMessage(m);
const corpora = browserCorpora();
const running = new Map<number, AbortController>();

async function run(req: Extract<LmRequest, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(req.runId, controller);
  let last: LmProgress | null = null;
  const t0 = performance.now();
  try {
    const report = await runLm(corpora, {
      ...runOptions(req.preset),
      seed: req.seed,
      resume: req.resume,
      signal: controller.signal,
      onProgress: (p) => {
        last = p;
        post({ type: 'progress', runId: req.runId, run: p.run, step: p.step, steps: p.steps, loss: p.loss });
      },
      onStage: (stage) => post({ type: 'stage', runId: req.runId, stage }),
    });
    const { pretrained: _pretrained, ...rest } = report;
    post({ type: 'done', runId: req.runId, report: rest, conclusions: conclusions(report), ms: performance.now() - t0 });
  } catch (err) {
    const p = last as LmProgress | null;
    if (controller.signal.aborted) {
      // The checkpoint as of the last completed step (fit stops between steps).
      const checkpoint = p ? p.runCheckpoint() : (req.resume ?? null);
      const at = checkpoint?.current ? `${checkpoint.current.run} step ${checkpoint.current.fit.loop.step}` : 'the start';
      post({ type: 'aborted', runId: req.runId, checkpoint, at });
    }
    else post({ type: 'error', runId: req.runId, message: `${(err as Error).name}: ${(err as Error).message}` });
  } finally {
    running.delete(req.runId);
  }
}

async function cpuKernels(): Promise<CpuKernels> {
  try {
    const n = Number((self as unknown as { name?: string }).name?.match(/threads=(\d+)/)?.[1]);
    await enableWasm({ threads: n >= 1 ? n : 'auto' });
    return { backend: 'wasm', fma: wasmFma(), ...wasmThreads() };
  } catch (e) {
    return { backend: 'js', threads: 1, fma: false, reason: (e as Error).message };
  }
}

self.onmessage = (e: MessageEvent<LmRequest>) => {
  const req = e.data;
  if (req.type === 'abort') running.get(req.runId)?.abort();
  else void run(req);
};

void cpuKernels().then((cpu) =>
  post({ type: 'ready', cpu, corpora: corpora.sources.map((s) => ({ name: s.name, chars: s.chars, files: [...s.files], version: s.version, license: s.license })) }),
);
