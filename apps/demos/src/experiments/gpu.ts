import { type Matrix, matmul, randn } from '@x/gpu';
import {
  type Experiment,
  type ExperimentResult,
  type ExperimentRunOptions,
  check,
  experimentParams,
  experimentResult,
  throwIfAborted,
  yieldToEventLoop,
} from '../lib/experiment';
import { matmulGflops, timeIt } from '../lib/timing';

/** The textbook i-j-k triple loop: the baseline the blocked GEMM must agree with and beat. */
function naiveMatmul(a: Matrix, b: Matrix): Float64Array {
  const { rows: m, cols: k } = a;
  const n = b.cols;
  const A = a.data;
  const B = b.data;
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p]! * B[p * n + j]!;
      C[i * n + j] = s;
    }
  }
  return C;
}

function relFrobenius(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = x[i]! - ref[i]!;
    num += d * d;
    den += ref[i]! * ref[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Agreement bound for two float64 summation orders over k terms: a few k·eps, generously. */
const F64_TOL = 1e-12;

const blockedVsNaive: Experiment = {
  id: 'gpu/matmul-blocked-vs-naive',
  pkg: '@x/gpu',
  title: 'Blocked CPU matmul vs a naive triple loop',
  claim:
    "@x/gpu's cache-blocked, register-tiled float64 GEMM against the textbook i-j-k loop on the same random matrices (square and non-power-of-two sizes): the two must agree to float64 rounding, and the table shows what blocking buys in GFLOP/s.",
  params: [
    { name: 'maxSize', label: 'largest n', kind: 'int', min: 32, max: 384, step: 1, default: 384, quick: 160 },
    { name: 'budgetMs', label: 'timing budget per size (ms)', kind: 'int', min: 10, max: 1000, step: 10, default: 150, quick: 30 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const { maxSize, budgetMs } = experimentParams(blockedVsNaive, opts) as { maxSize: number; budgetMs: number };
    // The sizes of the quick or full list up to the largest n asked for (at least the smallest one).
    const all = opts.quick ? [32, 64, 100, 160] : [64, 100, 128, 200, 256, 300, 384];
    const sizes = all.filter((n, i) => i === 0 || n <= maxSize);
    const seed = opts.seed ?? 1;
    const blocked: number[] = [];
    const naive: number[] = [];
    let maxErr = 0;
    for (const [idx, n] of sizes.entries()) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ fraction: idx / sizes.length, message: `n = ${n}` });
      const a = randn(n, n, seed + 2 * idx);
      const b = randn(n, n, seed + 2 * idx + 1);
      const cb = matmul(a, b);
      const cn = naiveMatmul(a, b);
      maxErr = Math.max(maxErr, relFrobenius(cb.data, cn));
      const tb = await timeIt(() => matmul(a, b), { minTimeMs: budgetMs, minReps: 2 });
      const tn = await timeIt(() => naiveMatmul(a, b), { minTimeMs: budgetMs, minReps: 2 });
      blocked.push(matmulGflops(n, n, n, tb.ms));
      naive.push(matmulGflops(n, n, n, tn.ms));
      await yieldToEventLoop();
    }
    opts.onProgress?.({ fraction: 1 });
    const last = sizes.length - 1;
    const speedup = blocked[last]! / naive[last]!;
    const ok = maxErr < F64_TOL;
    return experimentResult({
      checks: [
        check(`the blocked GEMM agrees with the naive loop to float64 rounding (max rel. error < ${F64_TOL})`, ok, maxErr.toExponential(1)),
        check(`blocking buys throughput: faster than the naive loop at n = ${sizes[last]} (wall clock, reported, not asserted)`, speedup > 1, `${speedup.toFixed(1)}x`, false),
      ],
      summary:
        `max rel. error ${maxErr.toExponential(1)} (${ok ? '<' : '>='} ${F64_TOL}); at n=${sizes[last]}: ` +
        `blocked ${blocked[last]!.toFixed(2)} GFLOP/s, naive ${naive[last]!.toFixed(2)} GFLOP/s (${speedup.toFixed(1)}x)`,
      metrics: { maxRelErr: maxErr, blockedGflops: blocked[last]!, naiveGflops: naive[last]!, speedup },
      plots: [
        {
          title: 'CPU matmul throughput (float64)',
          caption: 'The blocked GEMM should run well above the naive loop at every size (a timing: shown, not asserted).',
          xLabel: 'n (n x n times n x n)',
          yLabel: 'GFLOP/s',
          logX: true,
          series: [
            { name: '@x/gpu blocked', x: sizes, y: blocked },
            { name: 'naive i-j-k loop', x: sizes, y: naive },
          ],
        },
      ],
    });
  },
};

const float32Accuracy: Experiment = {
  id: 'gpu/matmul-f32-accuracy',
  pkg: '@x/gpu',
  title: 'float32 storage vs float64: matmul accuracy',
  claim:
    'The same product with float32 operands (as a GPU sees them) and float64 operands. Storage rounding alone costs about 1e-7 relative error, far inside the 1e-5 tolerance the GPU backends are held to.',
  params: [{ name: 'n', label: 'square product size n', kind: 'int', min: 8, max: 1024, step: 8, default: 128 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const { n: sq } = experimentParams(float32Accuracy, opts) as { n: number };
    const shapes: [number, number, number][] = opts.quick
      ? [[37, 53, 29], [sq, sq, sq]]
      : [[37, 53, 29], [sq, sq, sq], [300, 200, 100], [257, 513, 129]];
    const errs: number[] = [];
    for (const [idx, [m, k, n]] of shapes.entries()) {
      throwIfAborted(opts.signal);
      opts.onProgress?.({ fraction: idx / shapes.length, message: `${m}x${k} by ${k}x${n}` });
      const a = randn(m, k, 100 + idx);
      const b = randn(k, n, 200 + idx);
      const ref = matmul(a, b);
      const f32 = matmul(
        { rows: m, cols: k, data: Float32Array.from(a.data) },
        { rows: k, cols: n, data: Float32Array.from(b.data) },
      );
      errs.push(relFrobenius(f32.data, ref.data));
      await yieldToEventLoop();
    }
    const maxErr = Math.max(...errs);
    return experimentResult({
      checks: [
        check('float32 storage costs far less than the 1e-5 tolerance the GPU backends are held to', maxErr < 1e-5, maxErr.toExponential(2)),
        check('but it does cost something: the error is not zero (the float32 path really ran)', maxErr > 0, maxErr.toExponential(2)),
      ],
      summary: `float32 vs float64 max rel. Frobenius error ${maxErr.toExponential(2)} over ${shapes.length} shapes (${shapes
        .map((s) => s.join('x'))
        .join(', ')})`,
      metrics: { maxRelErr: maxErr },
    });
  },
};

/** Experiments for @x/gpu, in display order. */
export default [blockedVsNaive, float32Accuracy] satisfies Experiment[];
