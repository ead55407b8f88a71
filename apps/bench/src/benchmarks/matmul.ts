import { BackendError, cpuBackend, createDevice, type Device, disableWasm, enableWasm, type Matrix, matmul as xMatmul, randn, wasmFma, wasmThreads } from '@x/gpu';
import { Matrix as MlMatrix } from 'ml-matrix';
import { availableParallelism } from 'node:os';
import { type NumpyOp, numpyUnavailable, timeNumpy } from '../numpy';
import { loadTfjsWasm, type TfTensor } from '../tfjs';
import { BUDGETS, timeInterleaved } from '../timing';
import type { Benchmark, BenchContext, BenchmarkReport, BenchRow } from '../types';

const BASELINE = 'ml-matrix mmul f64';

/** The textbook i-j-k triple loop over row-major float64 storage. */
export function naiveMatmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

function relErr(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = x[i]! - ref[i]!;
    num += d * d;
    den += ref[i]! * ref[i]!;
  }
  return Math.sqrt(num / den);
}

/** One implementation: builds its call for given inputs; `read` turns its result into numbers. */
interface Impl {
  name: string;
  /** Largest relative error that still counts as the right answer (float32 vs float64 math). */
  tol: number;
  /** Set when the implementation cannot run here: why. */
  unavailable?: string;
  note?: string;
  prepare(x: Inputs): () => unknown;
  read(result: unknown): ArrayLike<number>;
  /** Puts the process in the route state the row runs in (called before each of its calls). */
  setup?: () => Promise<void>;
  /** Largest n the row runs at (slow reference rows). */
  maxN?: number;
  /** Measured outside this process (numpy): timing and the relative error it found itself. */
  external?: (x: Inputs, budget: (typeof BUDGETS)[keyof typeof BUDGETS]) => { ms: number; minMs: number; reps: number; relErr: number };
}

/** numpy (OpenBLAS) on one thread and on every core, f64 and f32, or why not. */
function numpyImpls(): { impls: Impl[]; info: string } {
  const none = numpyUnavailable();
  const cores = availableParallelism();
  const threadCounts = cores > 1 ? [1, cores] : [1];
  if (none) {
    return { info: `unavailable: ${none}`, impls: [{ name: 'numpy matmul', tol: F64_TOL, unavailable: none, prepare: () => () => 0, read: () => [] }] };
  }
  const impls: Impl[] = [];
  for (const [op, tag, tol] of [
    ['matmul', 'f64', F64_TOL],
    ['matmul32', 'f32', F32_TOL],
  ] as [NumpyOp, string, number][]) {
    for (const t of threadCounts) {
      impls.push({
        name: `numpy ${tag} (OpenBLAS, ${t} thread${t > 1 ? 's' : ''})`,
        tol,
        note: 'separate python3 process, same inputs',
        prepare: () => () => 0,
        read: () => [],
        external: (x, budget) => timeNumpy(op, x.n, [x.a.data as Float64Array, x.b.data as Float64Array], budget, t),
      });
    }
  }
  return { info: 'numpy via python3 (OpenBLAS threads set per row)', impls };
}

/** Threads for the threaded wasm rows: every logical core (two on the reference machine). */
const THREADS = 'auto' as const;

/** wasm GEMM on a worker pool sharing its memory, or why not. */
async function threadedImpls(): Promise<{ impls: Impl[]; info: string }> {
  await enableWasm({ threads: THREADS });
  const t = wasmThreads();
  disableWasm();
  const label = `@x/gpu wasm ${t.threads} threads`;
  if (t.threads < 2) {
    const why = `one thread only: ${t.reason}`;
    return { impls: [{ name: label, tol: F64_TOL, unavailable: why, prepare: () => () => 0, read: () => [] }], info: why };
  }
  // An idle pool is kept between rounds (enableWasm({ threads: 1 }) leaves it waiting), so
  // switching to it per call costs a few promise turns, outside the timed call.
  const setup = async () => {
    await enableWasm({ threads: t.threads });
  };
  return {
    info: `${t.threads} threads (worker pool on shared memory)`,
    impls: [
      { name: `${label} f64`, tol: F64_TOL, setup, prepare: (x) => () => xMatmul(x.a, x.b), read: readMatrix },
      { name: `${label} f32`, tol: F32_TOL, setup, prepare: (x) => () => xMatmul(x.a32, x.b32), read: readMatrix },
    ],
  };
}

interface Inputs {
  n: number;
  a: Matrix;
  b: Matrix;
  a32: Matrix;
  b32: Matrix;
  mlA: MlMatrix;
  mlB: MlMatrix;
}

async function tryDevice(backend: 'wasm' | 'gpujs'): Promise<Device | string> {
  try {
    return await createDevice({ backend });
  } catch (e) {
    // BackendError's message already ends with its reason.
    if (e instanceof BackendError) return e.message;
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

const F64_TOL = 1e-10;
const F32_TOL = 1e-5;
const readMatrix = (r: unknown) => (r as Matrix).data;

function deviceImpls(label: string, dev: Device | string): Impl[] {
  if (typeof dev === 'string') {
    return [{ name: `@x/gpu ${label} device`, tol: F32_TOL, unavailable: dev, prepare: () => () => 0, read: () => [] }];
  }
  const mode = dev.info.mode;
  const precision = dev.info.precision;
  const name = mode === label ? `@x/gpu ${label} device` : `@x/gpu ${label} device (${mode})`;
  if (precision === 'float32') {
    // A float32 device: hand it float32 operands so the timing is transfer + compute, not conversion.
    return [
      {
        name: `${name} f32`,
        tol: F32_TOL,
        note: 'float32 kernels; incl. upload + readback',
        prepare: (x) => () => dev.matmul(x.a32, x.b32),
        read: readMatrix,
      },
    ];
  }
  return [
    { name: `${name} f64`, tol: F64_TOL, prepare: (x) => () => dev.matmul(x.a, x.b), read: readMatrix },
    { name: `${name} f32`, tol: F32_TOL, prepare: (x) => () => dev.matmul(x.a32, x.b32), read: readMatrix },
  ];
}

/** The state the default route is in: the plain SIMD build on one thread (what matmul() loads). */
async function defaultRoute(): Promise<void> {
  await enableWasm({ fma: false });
}

async function run(ctx: BenchContext): Promise<BenchmarkReport> {
  const sizes = ctx.sizes ?? matmul.sizes[ctx.mode];
  const budget = BUDGETS[ctx.mode];
  // What a fresh process gets with no set-up call (asked before anything else changes the route).
  const defaultState = { route: cpuBackend(), fma: wasmFma(), threads: wasmThreads().threads };
  const wasm = await tryDevice('wasm');
  const gpujs = await tryDevice('gpujs');
  const tf = await loadTfjsWasm();
  const threaded = await threadedImpls();
  const numpy = numpyImpls();
  const env = {
    defaultRoute: `${defaultState.route}${defaultState.route === 'wasm' ? `, ${defaultState.threads} thread, fma ${defaultState.fma}` : ''} (no set-up call)`,
    timing: 'in-process rows interleaved round-robin (one call each per round); numpy in its own process right after',
    numpy: numpy.info,
    wasmThreads: threaded.info,
    tfjs: typeof tf === 'string' ? `unavailable: ${tf}` : `tfjs-core 4.22 on ${tf.getBackend()}`,
    wasm: typeof wasm === 'string' ? `unavailable: ${wasm}` : wasm.info,
    gpujs: typeof gpujs === 'string' ? `unavailable: ${gpujs}` : gpujs.info,
  };

  const impls: Impl[] = [
    {
      name: BASELINE,
      tol: F64_TOL,
      prepare: (x) => () => x.mlA.mmul(x.mlB),
      read: (r) => Float64Array.from((r as MlMatrix).to1DArray()),
    },
    { name: '@x/gpu matmul default route f64', tol: F64_TOL, note: 'matmul(a, b), no set-up call', prepare: (x) => () => xMatmul(x.a, x.b), read: readMatrix },
    { name: '@x/gpu matmul default route f32', tol: F32_TOL, note: 'matmul(a, b), no set-up call', prepare: (x) => () => xMatmul(x.a32, x.b32), read: readMatrix },
    { name: '@x/gpu matmul js f64', tol: F64_TOL, note: "backend: 'js' (blocked, register-tiled)", prepare: (x) => () => xMatmul(x.a, x.b, { backend: 'js' }), read: readMatrix },
    { name: '@x/gpu matmul js f32', tol: F32_TOL, note: "backend: 'js' (float64 accumulation)", prepare: (x) => () => xMatmul(x.a32, x.b32, { backend: 'js' }), read: readMatrix },
    ...deviceImpls('wasm', wasm),
    ...threaded.impls,
    typeof tf === 'string'
      ? { name: TFJS, tol: F32_TOL, unavailable: tf, prepare: () => () => 0, read: () => [] }
      : {
          name: TFJS,
          tol: F32_TOL,
          note: 'XNNPACK SIMD; incl. upload + readback',
          prepare: (x) => () => {
            const ta = tf.tensor2d(x.a32.data as Float32Array, [x.n, x.n]);
            const tb = tf.tensor2d(x.b32.data as Float32Array, [x.n, x.n]);
            const tc: TfTensor = tf.matMul(ta, tb);
            const out = tc.dataSync();
            ta.dispose();
            tb.dispose();
            tc.dispose();
            return out;
          },
          read: (r) => r as Float32Array,
        },
    ...numpy.impls,
    ...deviceImpls('gpujs', gpujs),
    {
      name: 'naive i-j-k loop f64',
      tol: F64_TOL,
      maxN: 256,
      prepare: (x) => () => naiveMatmul(x.a.data as Float64Array, x.b.data as Float64Array, x.n),
      read: (r) => r as Float64Array,
    },
  ];

  const rows: BenchRow[] = [];
  for (const [si, n] of sizes.entries()) {
    const a = randn(n, n, 1000 + 2 * si);
    const b = randn(n, n, 1001 + 2 * si);
    const x: Inputs = {
      n,
      a,
      b,
      a32: { rows: n, cols: n, data: Float32Array.from(a.data) },
      b32: { rows: n, cols: n, data: Float32Array.from(b.data) },
      mlA: MlMatrix.from1DArray(n, n, a.data),
      mlB: MlMatrix.from1DArray(n, n, b.data),
    };
    const ref = xMatmul(a, b, { backend: 'js' }).data;
    const here = impls.filter((i) => !i.unavailable && (i.maxN === undefined || n <= i.maxN));
    const local = here.filter((i) => !i.external);
    const timed = new Map<Impl, { ms: number; minMs: number; reps: number; relErr: number }>();
    ctx.log(`matmul n=${n}: ${local.length} rows interleaved`);
    try {
      const errs: number[] = [];
      const t = await timeInterleaved(
        local.map((i) => ({ fn: i.prepare(x), setup: i.setup ?? defaultRoute })),
        budget,
        (k, r) => {
          errs[k] = relErr(local[k]!.read(r), ref);
        },
      );
      local.forEach((i, k) => {
        timed.set(i, { ...t[k]!, relErr: errs[k]! });
      });
    } catch (e) {
      for (const i of local) rows.push({ benchmark: 'matmul', impl: i.name, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
    }
    for (const i of here.filter((i) => i.external)) {
      ctx.log(`matmul n=${n} ${i.name}`);
      try {
        timed.set(i, i.external!(x, budget));
      } catch (e) {
        rows.push({ benchmark: 'matmul', impl: i.name, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
      }
    }
    const baseMs = [...timed].find(([i]) => i.name === BASELINE)?.[1].ms;
    const tfMs = [...timed].find(([i]) => i.name === TFJS)?.[1].ms;
    const npMs = [...timed].find(([i]) => i.name.startsWith('numpy f64') && i.name.includes('1 thread'))?.[1].ms;
    for (const impl of impls) {
      if (impl.unavailable) {
        rows.push({ benchmark: 'matmul', impl: impl.name, n, status: 'unavailable', note: impl.unavailable });
        continue;
      }
      const t = timed.get(impl);
      if (!t) continue;
      const ok = t.relErr < impl.tol;
      // Same-run ratios against the peers that matter for each precision.
      const f32 = impl.name.endsWith('f32');
      const peer = f32 ? (tfMs === undefined || impl.name === TFJS ? '' : `${(tfMs / t.ms).toFixed(2)}x tfjs`) : npMs === undefined || impl.name.startsWith('numpy') ? '' : `${(npMs / t.ms).toFixed(2)}x numpy 1 thread`;
      rows.push({
        benchmark: 'matmul',
        impl: impl.name,
        n,
        status: ok ? 'ok' : 'error',
        ms: t.ms,
        minMs: t.minMs,
        reps: t.reps,
        gflops: (2 * n * n * n) / (t.ms * 1e6),
        vsBaseline: baseMs === undefined ? undefined : baseMs / t.ms,
        relErr: t.relErr,
        note: ok ? [peer, impl.note].filter(Boolean).join('; ') : `wrong result: relative error ${t.relErr.toExponential(2)} > ${impl.tol}`,
      });
    }
  }
  disableWasm();
  if (typeof wasm !== 'string') wasm.dispose();
  if (typeof gpujs !== 'string') gpujs.dispose();
  return { id: matmul.id, title: matmul.title, baseline: BASELINE, sizes, env, rows };
}

const TFJS = 'tfjs-backend-wasm matMul f32';

/** n x n times n x n on every backend, against ml-matrix and a naive loop measured in the same run. */
export const matmul: Benchmark = {
  id: 'matmul',
  title: 'Dense matmul C = A B (n x n, float64 inputs; f32 rows use float32 copies)',
  sizes: { full: [64, 256, 512, 1024], quick: [64, 256, 512], tiny: [8, 17] },
  run,
};
