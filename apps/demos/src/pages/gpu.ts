import type { DeviceInfo } from '@x/gpu';
import { el, fmt } from '../lib/dom';
import type { ExperimentPlot } from '../lib/experiment';
import { mountExperimentCards, type PageExperimentSummary } from '../lib/experiments-page';
import { type BenchDevices, BenchAborted, CASES, type MatmulTiming, runMatmulBench, TOL } from '../lib/matmul-bench';
import type { MatmulReply, MatmulRequest } from '../lib/matmul-worker';
import { mountShell } from '../lib/page';
import { linePlot } from '../lib/plot';

export type { MatmulTiming } from '../lib/matmul-bench';

/** How long an aborted benchmark may take to reach its next product before its worker is terminated. */
const ABORT_GRACE_MS = 400;

const shell = mountShell({
  page: 'gpu',
  pkg: '@x/gpu',
  title: 'matrix multiply on WebGL2 and on the CPU',
  intro:
    'The same random products computed by the gpu.js device (float32 kernels on WebGL2), the js device (the blocked float64 CPU GEMM, the reference) ' +
    `and the wasm SIMD device, on one thread and on a worker pool where the page is cross-origin isolated. Each GPU result must match the reference to a relative Frobenius error below ${TOL}. ` +
    'Times are medians and include upload and readback; the first GPU call per shape compiles its kernel.',
});

function glRenderer(): string {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (!gl) return 'no WebGL2 context';
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

function infoTable(title: string, info: DeviceInfo | string, extra: Record<string, string> = {}): HTMLElement {
  const entries = typeof info === 'string' ? [['unavailable', info]] : Object.entries({ ...info, ...extra });
  const rows = entries.map(([k, v]) => el('tr', {}, el('th', {}, String(k)), el('td', {}, el('code', {}, String(v)))));
  const backend = typeof info === 'string' ? 'none' : info.backend;
  return el('div', { class: 'card info', 'data-device': backend }, el('h3', {}, title), el('table', {}, el('tbody', {}, ...rows)));
}

/** One benchmark run: rows as they come, the devices first; `abort` stops it (terminating a stuck worker). */
interface BenchRun {
  result: Promise<MatmulTiming[]>;
  abort(): void;
}

/** The benchmark in a module worker (gpu.js on an OffscreenCanvas there), or on the main thread where no worker starts. */
function startBench(onDevices: (d: BenchDevices) => void, onRow: (t: MatmulTiming, i: number, total: number) => void, mode: { worker: boolean }): BenchRun {
  if (mode.worker) {
    let w: Worker | null = null;
    try {
      w = new Worker(new URL('../lib/matmul-worker.ts', import.meta.url), { type: 'module', name: 'matmul' });
    } catch {
      mode.worker = false;
    }
    if (w) {
      const worker = w;
      const runId = 1;
      let settle: { resolve(t: MatmulTiming[]): void; reject(e: Error): void } | null = null;
      const result = new Promise<MatmulTiming[]>((resolve, reject) => {
        settle = { resolve, reject };
      });
      const finish = () => worker.terminate();
      worker.addEventListener('message', (ev: MessageEvent<MatmulReply>) => {
        const r = ev.data;
        if (r.type === 'devices') onDevices(r.devices);
        else if (r.type === 'row') onRow(r.timing, r.index, r.total);
        else if (r.type === 'done') {
          finish();
          settle?.resolve(r.timings);
        } else {
          finish();
          settle?.reject(r.name === 'AbortError' ? new BenchAborted() : Object.assign(new Error(r.message), { name: r.name }));
        }
      });
      worker.addEventListener('error', (ev) => {
        finish();
        settle?.reject(new Error(`the benchmark worker failed: ${ev.message || 'no message'}`));
      });
      worker.postMessage({ type: 'run', runId } satisfies MatmulRequest);
      return {
        result,
        abort() {
          worker.postMessage({ type: 'abort', runId } satisfies MatmulRequest);
          // A gpu.js product cannot be interrupted: a worker that does not stop soon is terminated.
          setTimeout(() => {
            finish();
            settle?.reject(new BenchAborted());
          }, ABORT_GRACE_MS);
        },
      };
    }
  }
  const controller = new AbortController();
  return { result: runMatmulBench({ onDevices, onRow, signal: controller.signal }), abort: () => controller.abort() };
}

async function main(): Promise<void> {
  const { main } = shell;
  const deviceGrid = el('div', { class: 'grid' });
  const deviceSection = el('section', {}, el('h2', {}, 'Devices'), deviceGrid);

  const tbody = el('tbody', {});
  const heads = [
    'product',
    'WebGL2 1st call (ms)',
    'WebGL2 (ms)',
    'WebGL2 GFLOP/s',
    'js (ms)',
    'js GFLOP/s',
    'wasm (ms)',
    'wasm GFLOP/s',
    'wasm threads (ms)',
    'wasm threads GFLOP/s',
    'WebGL2 rel. error',
    'agree',
  ];
  const table = el('table', { class: 'data', id: 'timings' }, el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', {}, h)))), tbody);
  const timeBox = el('div', { class: 'plot', id: 'plot-time' });
  const rateBox = el('div', { class: 'plot', id: 'plot-gflops' });
  const plotRow = el('div', { class: 'plots two' }, timeBox, rateBox);
  const matmulSection = el('section', {}, el('h2', {}, 'Matrix multiply: WebGL2 vs CPU'), plotRow, table);
  main.append(deviceSection, matmulSection);

  const renderer = glRenderer();
  // A software rasterizer (SwiftShader, llvmpipe) runs "GPU" kernels on the CPU: say so, since
  // the WebGL2 timings below are then no measure of a graphics card.
  if (/swiftshader|llvmpipe|software|softpipe/i.test(renderer)) {
    deviceGrid.before(
      el('p', { class: 'note', id: 'software-renderer' }, `WebGL2 runs on a software renderer here (${renderer}): the gpu.js kernels execute on the CPU, so their timings say nothing about a graphics card. Results are still checked against the CPU.`),
    );
  }
  shell.publish({ renderer, crossOriginIsolated: globalThis.crossOriginIsolated === true, hardwareConcurrency: navigator.hardwareConcurrency });

  // The benchmark's card: Run, Abort, progress (it runs in a worker, so the page stays responsive).
  const runButton = el('button', { type: 'button', class: 'run', 'data-action': 'run', id: 'matmul-run' }, 'Run');
  const abortButton = el('button', { type: 'button', class: 'abort off', 'data-action': 'abort', id: 'matmul-abort', 'aria-disabled': 'true' }, 'Abort');
  const bar = el('progress', { max: '1', value: '0' });
  const message = el('span', { class: 'progress-message muted' }, '');
  const benchCard = el('div', { class: 'card experiment', id: 'matmul', 'data-state': 'idle' }, el('div', { class: 'controls' }, runButton, abortButton, bar, message));
  matmulSection.insertBefore(benchCard, plotRow);
  const setBusy = (busy: boolean) => {
    for (const [b, off] of [
      [runButton, busy],
      [abortButton, !busy],
    ] as const) {
      b.setAttribute('aria-disabled', String(off));
      b.classList.toggle('off', off);
    }
  };

  let names = { gpu: 'gpu.js (f32)', cpu: 'js blocked (f64)', wasm: 'wasm SIMD (f64)', threads: 'wasm SIMD, threads (f64)' };
  let withWasm = false;
  let threaded = false;
  let timings: MatmulTiming[] = [];
  const plots = (): [ExperimentPlot, ExperimentPlot] => {
    const sq = timings.filter((t) => t.m === t.k && t.k === t.n);
    const x = sq.map((t) => t.n);
    const common = { xLabel: 'n (n x n times n x n)', logX: true, logY: true };
    const line = (name: string, pick: (t: MatmulTiming) => number | undefined) => ({ name, x, y: sq.map((t) => pick(t) ?? Number.NaN) });
    return [
      {
        title: 'Time per product (median, incl. transfers)',
        yLabel: 'ms',
        ...common,
        series: [
          line(names.gpu, (t) => t.gpuMs),
          line(names.cpu, (t) => t.cpuMs),
          ...(withWasm ? [line(names.wasm, (t) => t.wasmMs)] : []),
          ...(threaded ? [line(names.threads, (t) => t.wasmThreadsMs)] : []),
        ],
      },
      {
        title: 'Throughput',
        yLabel: 'GFLOP/s',
        ...common,
        series: [
          line(names.gpu, (t) => t.gpuGflops),
          line(names.cpu, (t) => t.cpuGflops),
          ...(withWasm ? [line(names.wasm, (t) => t.wasmGflops)] : []),
          ...(threaded ? [line(names.threads, (t) => t.wasmThreadsGflops)] : []),
        ],
      },
    ];
  };
  let timePlot: ReturnType<typeof linePlot> | null = null;
  let ratePlot: ReturnType<typeof linePlot> | null = null;
  const redraw = () => {
    timePlot?.destroy();
    ratePlot?.destroy();
    const [p0, p1] = plots();
    timePlot = linePlot(timeBox, p0);
    ratePlot = linePlot(rateBox, p1);
  };

  let mode = '';
  let maxRelErr = Number.NaN;
  let matched = false;
  let benchState: 'idle' | 'running' | 'done' | 'aborted' | 'error' = 'idle';
  const mainMode = { worker: new URLSearchParams(location.search).get('worker') !== '0' };
  let current: BenchRun | null = null;
  /** Set by the experiment cards once they are mounted: the page's verdict over both. */
  let settlePage: (() => void) | null = null;

  const onDevices = (d: BenchDevices) => {
    mode = String(d.gpu.mode);
    names = { gpu: `gpu.js ${d.gpu.mode} (f32)`, cpu: 'js blocked (f64)', wasm: 'wasm SIMD (f64)', threads: `wasm SIMD, ${d.pool.threads} threads (f64)` };
    withWasm = typeof d.wasm !== 'string';
    threaded = withWasm && d.pool.threads > 1;
    deviceGrid.replaceChildren(
      infoTable('GPU device (gpu.js)', d.gpu, { renderer, thread: mainMode.worker ? 'Web Worker (OffscreenCanvas)' : 'main thread' }),
      infoTable('CPU device (js, reference)', d.cpu),
      infoTable('CPU device (wasm SIMD)', d.wasm, {
        'fused multiply-add (relaxed SIMD)': String(d.fma),
        'pool threads': String(d.pool.threads),
        ...(d.pool.reason ? { 'pool note': d.pool.reason } : {}),
        crossOriginIsolated: String(globalThis.crossOriginIsolated),
      }),
    );
    shell.publish({ mode: d.gpu.mode, info: { gpu: d.gpu, cpu: d.cpu, wasm: typeof d.wasm === 'string' ? `unavailable: ${d.wasm}` : d.wasm }, wasmThreads: d.pool, wasmFma: d.fma });
  };
  const onRow = (t: MatmulTiming, i: number, total: number) => {
    timings.push(t);
    bar.value = (i + 1) / total;
    message.textContent = `${i + 1}/${total} products · ${t.m}x${t.k} · ${t.k}x${t.n} done`;
    tbody.append(
      el(
        'tr',
        { class: t.ok ? '' : 'bad' },
        el('td', {}, `${t.m}x${t.k} · ${t.k}x${t.n}`),
        el('td', {}, fmt(t.gpuFirstMs, 1)),
        el('td', {}, fmt(t.gpuMs, 2)),
        el('td', {}, fmt(t.gpuGflops, 2)),
        el('td', {}, fmt(t.cpuMs, 2)),
        el('td', {}, fmt(t.cpuGflops, 2)),
        el('td', {}, fmt(t.wasmMs, 2)),
        el('td', {}, fmt(t.wasmGflops, 2)),
        el('td', {}, fmt(t.wasmThreadsMs, 2)),
        el('td', {}, fmt(t.wasmThreadsGflops, 2)),
        el('td', {}, t.relErr.toExponential(2)),
        el('td', {}, t.ok ? '✓' : '✗'),
      ),
    );
    if (t.m === t.k && t.k === t.n) redraw();
    shell.publish({ timings: [...timings] });
  };

  /** Runs the benchmark (Run, and once on open); resolves when it settled. */
  const runBench = async (): Promise<void> => {
    if (current) return;
    timings = [];
    tbody.replaceChildren();
    benchState = 'running';
    benchCard.dataset.state = 'running';
    bar.removeAttribute('value');
    message.textContent = `starting ${mainMode.worker ? 'the benchmark worker' : 'on the main thread'}…`;
    setBusy(true);
    redraw();
    shell.publish({ done: false, matmul: 'running', matmulRunner: mainMode.worker ? 'worker' : 'main' });
    shell.setStatus('running', `Multiplying ${CASES.length} products on WebGL2, js and wasm…`);
    const run = startBench(onDevices, onRow, mainMode);
    current = run;
    try {
      await run.result;
      maxRelErr = Math.max(...timings.map((t) => t.relErr));
      matched = timings.length === CASES.length && timings.every((t) => t.ok);
      benchState = 'done';
      message.textContent = `${timings.length}/${CASES.length} products · max rel. error ${maxRelErr.toExponential(2)}`;
      bar.value = 1;
    } catch (e) {
      const aborted = e instanceof BenchAborted;
      benchState = aborted ? 'aborted' : 'error';
      matched = false;
      bar.value = 0;
      message.textContent = aborted ? `aborted after ${timings.length}/${CASES.length} products` : `failed: ${(e as Error).message}`;
      if (!aborted) console.error(e);
    } finally {
      current = null;
      benchCard.dataset.state = benchState;
      setBusy(false);
      shell.publish({ maxRelErr, matched, matmul: benchState, matmulRunner: mainMode.worker ? 'worker' : 'main', timings: [...timings] });
      settlePage?.();
    }
  };
  runButton.addEventListener('click', () => {
    if (runButton.getAttribute('aria-disabled') !== 'true') void runBench();
  });
  abortButton.addEventListener('click', () => {
    if (abortButton.getAttribute('aria-disabled') !== 'true') current?.abort();
  });

  await runBench();
  // The experiments run as cards in the experiment worker (Run, Abort, progress), like on the
  // package pages; the page's verdict joins the products' and every settled round of runs.
  let last: { experiments: PageExperimentSummary[]; aborted: string[] } | null = null;
  /** The page's verdict: the products (an aborted benchmark is no verdict of "ok") and the experiments that ran. */
  settlePage = () => {
    if (current || !last) return;
    const { experiments, aborted } = last;
    // The experiments that ran must pass (none may have run: ?autorun=none, or all aborted).
    const ok = benchState === 'done' && matched && experiments.every((e) => e.ok) && mode === 'webgl2';
    shell.publish({ experiments, ok, done: true });
    const bench =
      benchState === 'done'
        ? `gpu.js ran in ${mode} mode; max rel. error ${maxRelErr.toExponential(2)} (tolerance ${TOL}) over ${timings.length} products`
        : `the matrix-multiply benchmark ${benchState === 'aborted' ? `was aborted after ${timings.length}/${CASES.length} products` : 'failed'}`;
    shell.setStatus(
      ok ? 'done' : benchState === 'aborted' ? 'done' : 'error',
      `${ok ? 'Done' : benchState === 'aborted' ? 'Stopped' : 'Finished with problems'}: ${bench}; experiments ${experiments.filter((e) => e.ok).length}/${experiments.length} ok` +
        `${aborted.length > 0 ? `, ${aborted.length} aborted (${aborted.join(', ')})` : ''}.`,
    );
  };
  await mountExperimentCards(shell, '@x/gpu', main, {
    settle: (experiments, aborted) => {
      last = { experiments, aborted };
      settlePage?.();
    },
  });
}

main().catch((err: unknown) => {
  const e = err as Error;
  console.error(e);
  shell.publish({ done: true, ok: false, error: `${e.name}: ${e.message}` });
  shell.setStatus('error', `Error: ${e.name}: ${e.message}`);
});
