import { BackendError, createDevice, type Device, type DeviceInfo, enableWasm, frobeniusNorm, type Matrix, randn, sub, wasmFma, wasmThreads } from '@x/gpu';
import { el, fmt } from '../lib/dom';
import { type ExperimentPlot, yieldToEventLoop } from '../lib/experiment';
import { browserGpujs } from '../lib/gpujs';
import { mountExperimentCards } from '../lib/experiments-page';
import { mountShell } from '../lib/page';
import { linePlot } from '../lib/plot';
import { matmulGflops, timeIt } from '../lib/timing';

/** The GPU (float32) result must match the float64 CPU product to this relative Frobenius error. */
const TOL = 1e-5;
/** The wasm kernels compute in float64: they must agree with the JS kernel to rounding. */
const WASM_TOL = 1e-10;

/** Square sizes (powers of two and not) plus the contract's rectangular 300x200 by 200x100. */
const SQUARE = [64, 96, 128, 200, 256, 300, 384, 512];
const CASES: [number, number, number][] = [...SQUARE.map((n): [number, number, number] => [n, n, n]), [300, 200, 100]];

export interface MatmulTiming {
  m: number;
  k: number;
  n: number;
  /** First call on the GPU: compiles the kernel for this shape. */
  gpuFirstMs: number;
  gpuMs: number;
  gpuGflops: number;
  /** The js device: @x/gpu's blocked float64 GEMM, the reference. */
  cpuMs: number;
  cpuGflops: number;
  /** The wasm SIMD device (float64), when this browser has one. */
  wasmMs?: number;
  wasmGflops?: number;
  wasmRelErr?: number;
  /** The wasm device with its GEMMs split over a worker pool, when the page is cross-origin isolated. */
  wasmThreadsMs?: number;
  wasmThreadsGflops?: number;
  wasmThreadsRelErr?: number;
  /** GPU vs reference. */
  relErr: number;
  ok: boolean;
}

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

function relErr(x: Matrix, ref: Matrix): number {
  return frobeniusNorm(sub(x, ref)) / frobeniusNorm(ref);
}

/** The wasm device, or why there is none (it is optional here: the page is about WebGL2). */
async function wasmDevice(): Promise<Device | string> {
  try {
    return await createDevice({ backend: 'wasm' });
  } catch (e) {
    // BackendError's message already ends with its reason.
    if (e instanceof BackendError) return e.message;
    throw e;
  }
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

  await yieldToEventLoop();
  const gpu: Device = await createDevice({ backend: 'gpujs', gpujs: browserGpujs() });
  const cpu: Device = await createDevice({ backend: 'js' });
  const wasm = await wasmDevice();
  // The wasm GEMM on every logical core: a worker pool sharing the kernels' memory (needs
  // cross-origin isolation; else one thread, and wasmThreads() says why).
  let pool = { threads: 1, reason: 'no wasm device' as string | null };
  let fma = false;
  if (typeof wasm !== 'string') {
    await enableWasm({ threads: 'auto' });
    pool = wasmThreads();
    await enableWasm({ threads: 1 });
    fma = wasmFma();
  }
  const threaded = typeof wasm !== 'string' && pool.threads > 1;
  const renderer = glRenderer();
  // A software rasterizer (SwiftShader, llvmpipe) runs "GPU" kernels on the CPU: say so, since
  // the WebGL2 timings below are then no measure of a graphics card.
  if (/swiftshader|llvmpipe|software|softpipe/i.test(renderer)) {
    deviceGrid.before(
      el('p', { class: 'note', id: 'software-renderer' }, `WebGL2 runs on a software renderer here (${renderer}): the gpu.js kernels execute on the CPU, so their timings say nothing about a graphics card. Results are still checked against the CPU.`),
    );
  }
  deviceGrid.append(
    infoTable('GPU device (gpu.js)', gpu.info, { renderer }),
    infoTable('CPU device (js, reference)', cpu.info),
    infoTable('CPU device (wasm SIMD)', typeof wasm === 'string' ? wasm : wasm.info, {
      'fused multiply-add (relaxed SIMD)': String(fma),
      'pool threads': String(pool.threads),
      ...(pool.reason ? { 'pool note': pool.reason } : {}),
      crossOriginIsolated: String(globalThis.crossOriginIsolated),
    }),
  );
  shell.publish({
    mode: gpu.info.mode,
    info: { gpu: gpu.info, cpu: cpu.info, wasm: typeof wasm === 'string' ? `unavailable: ${wasm}` : wasm.info },
    wasmThreads: pool,
    wasmFma: fma,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    renderer,
  });

  const timings: MatmulTiming[] = [];
  const plots = (): [ExperimentPlot, ExperimentPlot] => {
    const sq = timings.filter((t) => t.m === t.k && t.k === t.n);
    const x = sq.map((t) => t.n);
    const names = { gpu: `gpu.js ${gpu.info.mode} (f32)`, cpu: 'js blocked (f64)', wasm: 'wasm SIMD (f64)', threads: `wasm SIMD, ${pool.threads} threads (f64)` };
    const common = { xLabel: 'n (n x n times n x n)', logX: true, logY: true };
    const line = (name: string, pick: (t: MatmulTiming) => number | undefined) => ({ name, x, y: sq.map((t) => pick(t) ?? Number.NaN) });
    const withWasm = typeof wasm !== 'string';
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
  const [p0, p1] = plots();
  const timePlot = linePlot(timeBox, p0);
  const ratePlot = linePlot(rateBox, p1);

  // Software WebGL (SwiftShader) takes seconds per large product: cap the repetitions by time.
  const budget = { warmup: 0, minTimeMs: 150, minReps: 2, maxReps: 20, maxTimeMs: 2000 };
  for (const [idx, [m, k, n]] of CASES.entries()) {
    shell.setStatus('running', `Multiplying ${m}x${k} by ${k}x${n} (${idx + 1}/${CASES.length})…`);
    // gpu.js calls finish synchronously, so awaiting them never yields: give the browser a task
    // boundary to paint the status and fire its events.
    await yieldToEventLoop();
    const a = randn(m, k, 10 + idx);
    const b = randn(k, n, 50 + idx);
    const t0 = performance.now();
    const g = await gpu.matmul(a, b);
    const gpuFirstMs = performance.now() - t0;
    const ref = await cpu.matmul(a, b);
    const err = relErr(g, ref);
    const tg = await timeIt(() => gpu.matmul(a, b), budget);
    const tc = await timeIt(() => cpu.matmul(a, b), budget);
    const t: MatmulTiming = {
      m,
      k,
      n,
      gpuFirstMs,
      gpuMs: tg.ms,
      gpuGflops: matmulGflops(m, n, k, tg.ms),
      cpuMs: tc.ms,
      cpuGflops: matmulGflops(m, n, k, tc.ms),
      relErr: err,
      ok: err < TOL,
    };
    if (typeof wasm !== 'string') {
      t.wasmRelErr = relErr(await wasm.matmul(a, b), ref);
      const tw = await timeIt(() => wasm.matmul(a, b), { ...budget, warmup: 1 });
      t.wasmMs = tw.ms;
      t.wasmGflops = matmulGflops(m, n, k, tw.ms);
      t.ok &&= t.wasmRelErr < WASM_TOL;
    }
    if (threaded && typeof wasm !== 'string') {
      await enableWasm({ threads: pool.threads });
      t.wasmThreadsRelErr = relErr(await wasm.matmul(a, b), ref);
      const tw = await timeIt(() => wasm.matmul(a, b), { ...budget, warmup: 1 });
      await enableWasm({ threads: 1 });
      t.wasmThreadsMs = tw.ms;
      t.wasmThreadsGflops = matmulGflops(m, n, k, tw.ms);
      t.ok &&= t.wasmThreadsRelErr < WASM_TOL;
    }
    timings.push(t);
    tbody.append(
      el(
        'tr',
        { class: t.ok ? '' : 'bad' },
        el('td', {}, `${m}x${k} · ${k}x${n}`),
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
    if (m === k && k === n) {
      const [u0, u1] = plots();
      timePlot.update(u0);
      ratePlot.update(u1);
    }
    shell.publish({ timings: [...timings] });
  }
  gpu.dispose();
  cpu.dispose();
  if (typeof wasm !== 'string') wasm.dispose();

  const maxRelErr = Math.max(...timings.map((t) => t.relErr));
  const matched = timings.every((t) => t.ok);
  shell.publish({ maxRelErr, matched });
  shell.setStatus('running', 'Running the @x/gpu experiments…');
  // The experiments run as cards in the experiment worker (Run, Abort, progress), like on the
  // package pages; the page's verdict joins the products' and every settled round of runs.
  await mountExperimentCards(shell, '@x/gpu', main, {
    settle: (experiments, aborted) => {
      // The experiments that ran must pass (none may have run: ?autorun=none, or all aborted).
      const ok = matched && experiments.every((e) => e.ok) && gpu.info.mode === 'webgl2';
      shell.publish({ experiments, ok, done: true });
      shell.setStatus(
        ok ? 'done' : 'error',
        `${ok ? 'Done' : 'Finished with problems'}: gpu.js ran in ${gpu.info.mode} mode; max rel. error ${maxRelErr.toExponential(2)} ` +
          `(tolerance ${TOL}) over ${timings.length} products; experiments ${experiments.filter((e) => e.ok).length}/${experiments.length} ok` +
          `${aborted.length > 0 ? `, ${aborted.length} aborted (${aborted.join(', ')})` : ''}.`,
      );
    },
  });
}

main().catch((err: unknown) => {
  const e = err as Error;
  console.error(e);
  shell.publish({ done: true, ok: false, error: `${e.name}: ${e.message}` });
  shell.setStatus('error', `Error: ${e.name}: ${e.message}`);
});
