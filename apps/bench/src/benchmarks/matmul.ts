import { BackendError, cpuBackend, createDevice, type Device, disableWasm, enableWasm, type Matrix, matmul as xMatmul, randn, wasmThreads } from '@x/gpu';
import { Matrix as MlMatrix } from 'ml-matrix';
import { availableParallelism } from 'node:os';
import { type NumpyOp, numpyUnavailable, timeNumpy } from '../numpy';
import { loadTfjsWasm, type TfTensor } from '../tfjs';
import { BUDGETS, timeIt } from '../timing';
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
  /** Runs before the timing (e.g. enables a thread pool); `after` undoes it. */
  before?: () => Promise<void>;
  after?: () => void;
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
  const before = async () => {
    await enableWasm({ threads: t.threads });
  };
  const after = () => disableWasm();
  return {
    info: `${t.threads} threads (worker pool on shared memory)`,
    impls: [
      { name: `${label} f64`, tol: F64_TOL, before, after, prepare: (x) => () => xMatmul(x.a, x.b), read: readMatrix },
      { name: `${label} f32`, tol: F32_TOL, before, after, prepare: (x) => () => xMatmul(x.a32, x.b32), read: readMatrix },
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

async function run(ctx: BenchContext): Promise<BenchmarkReport> {
  const sizes = ctx.sizes ?? matmul.sizes[ctx.mode];
  const budget = BUDGETS[ctx.mode];
  // Plain `matmul` rows measure the JS kernel, whatever another module enabled before.
  disableWasm();
  const wasm = await tryDevice('wasm');
  const gpujs = await tryDevice('gpujs');
  const tf = await loadTfjsWasm();
  const threaded = await threadedImpls();
  const numpy = numpyImpls();
  const env = {
    numpy: numpy.info,
    wasmThreads: threaded.info,
    tfjs: typeof tf === 'string' ? `unavailable: ${tf}` : `tfjs-core 4.22 on ${tf.getBackend()}`,
    cpuRoute: cpuBackend(),
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
    { name: '@x/gpu matmul js f64', tol: F64_TOL, note: 'blocked, register-tiled', prepare: (x) => () => xMatmul(x.a, x.b), read: readMatrix },
    { name: '@x/gpu matmul js f32', tol: F32_TOL, note: 'float32 storage, float64 accumulation', prepare: (x) => () => xMatmul(x.a32, x.b32), read: readMatrix },
    ...deviceImpls('wasm', wasm),
    ...threaded.impls,
    typeof tf === 'string'
      ? { name: 'tfjs-backend-wasm matMul f32', tol: F32_TOL, unavailable: tf, prepare: () => () => 0, read: () => [] }
      : {
          name: 'tfjs-backend-wasm matMul f32',
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
    const ref = xMatmul(a, b).data;
    let baselineMs: number | undefined;
    for (const impl of impls) {
      if (impl.unavailable) {
        rows.push({ benchmark: 'matmul', impl: impl.name, n, status: 'unavailable', note: impl.unavailable });
        continue;
      }
      ctx.log(`matmul n=${n} ${impl.name}`);
      try {
        if (impl.external) {
          const t = impl.external(x, budget);
          const ok = t.relErr < impl.tol;
          rows.push({
            benchmark: 'matmul',
            impl: impl.name,
            n,
            status: ok ? 'ok' : 'error',
            ms: t.ms,
            minMs: t.minMs,
            reps: t.reps,
            gflops: (2 * n * n * n) / (t.ms * 1e6),
            vsBaseline: baselineMs === undefined ? undefined : baselineMs / t.ms,
            relErr: t.relErr,
            note: ok ? impl.note : `wrong result: relative error ${t.relErr.toExponential(2)} > ${impl.tol}`,
          });
          continue;
        }
        let err = Number.NaN;
        await impl.before?.();
        const t = await timeIt(impl.prepare(x), budget, (r) => {
          err = relErr(impl.read(r), ref);
        }).finally(() => impl.after?.());
        if (impl.name === BASELINE) baselineMs = t.ms;
        const ok = err < impl.tol;
        rows.push({
          benchmark: 'matmul',
          impl: impl.name,
          n,
          status: ok ? 'ok' : 'error',
          ms: t.ms,
          minMs: t.minMs,
          reps: t.reps,
          gflops: (2 * n * n * n) / (t.ms * 1e6),
          vsBaseline: baselineMs === undefined ? undefined : baselineMs / t.ms,
          relErr: err,
          note: ok ? impl.note : `wrong result: relative error ${err.toExponential(2)} > ${impl.tol}`,
        });
      } catch (e) {
        rows.push({ benchmark: 'matmul', impl: impl.name, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
      }
    }
  }
  if (typeof wasm !== 'string') wasm.dispose();
  if (typeof gpujs !== 'string') gpujs.dispose();
  return { id: matmul.id, title: matmul.title, baseline: BASELINE, sizes, env, rows };
}

/** n x n times n x n on every backend, against ml-matrix and a naive loop measured in the same run. */
export const matmul: Benchmark = {
  id: 'matmul',
  title: 'Dense matmul C = A B (n x n, float64 inputs; f32 rows use float32 copies)',
  sizes: { full: [64, 128, 256, 512, 1024], quick: [64, 128, 256, 512], tiny: [8, 17] },
  run,
};
