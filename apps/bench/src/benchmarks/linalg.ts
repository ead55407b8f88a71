import { disableWasm, enableWasm, gram, type Matrix, matmul, randn, wasmThreads } from '@x/gpu';
import { eigh, qr, svd } from '@x/linalg';
import { EigenvalueDecomposition, Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { availableParallelism } from 'node:os';
import { numpyUnavailable, timeNumpy } from '../numpy';
import { BUDGETS, timeInterleaved, type TimingBudget, timeIt } from '../timing';
import type { Benchmark, BenchContext, BenchmarkReport, BenchRow } from '../types';

/** ‖A - U diag(S) Vᵀ‖_F / ‖A‖_F for factors held as row-major arrays. */
function svdResidual(a: Matrix, U: ArrayLike<number>, S: ArrayLike<number>, V: ArrayLike<number>, k: number): number {
  const n = a.rows;
  const m = a.cols;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += U[i * k + p]! * S[p]! * V[j * k + p]!;
      const d = a.data[i * m + j]! - s;
      num += d * d;
      den += a.data[i * m + j]! ** 2;
    }
  }
  return Math.sqrt(num / den);
}

interface Case {
  op: 'svd' | 'eigh' | 'qr';
  impl: string;
  baseline: boolean;
  route?: Route;
  /** Largest n the case runs at (the slow ml-matrix rows). */
  maxN?: number;
  run(a: Matrix, s: Matrix): () => unknown;
  /** Relative reconstruction error of the result. */
  check(a: Matrix, s: Matrix, r: unknown): number;
  /** Measured outside this process (numpy): timing and the reconstruction error it found. */
  external?: (a: Matrix, s: Matrix, budget: TimingBudget) => { ms: number; minMs: number; reps: number; relErr: number };
  /** Set when the case cannot run here: why. */
  unavailable?: string;
}

/** numpy.linalg (LAPACK via OpenBLAS) on one thread and on every core, or why not. */
function numpyCases(): Case[] {
  const none = numpyUnavailable();
  const cores = availableParallelism();
  const out: Case[] = [];
  for (const op of ['svd', 'eigh', 'qr'] as const) {
    const name = { svd: 'numpy.linalg.svd', eigh: 'numpy.linalg.eigh', qr: 'numpy.linalg.qr' }[op];
    if (none) {
      out.push({ op, impl: name, baseline: false, unavailable: none, run: () => () => 0, check: () => Number.NaN });
      continue;
    }
    for (const t of cores > 1 ? [1, cores] : [1]) {
      out.push({
        op,
        impl: `${name} (OpenBLAS, ${t} thread${t > 1 ? 's' : ''})`,
        baseline: false,
        run: () => () => 0,
        check: () => Number.NaN,
        external: (a, s, budget) => timeNumpy(op, a.rows, op === 'eigh' ? [a.data as Float64Array, s.data as Float64Array] : [a.data as Float64Array], budget, t),
      });
    }
  }
  return out;
}

/**
 * Nominal flop counts (Golub & Van Loan): full SVD with vectors ~21n³ (R-SVD), symmetric eig with
 * vectors ~9n³, Householder QR with Q formed ~8/3 n³. GFLOP/s below is that count over the time.
 */
const FLOPS = { svd: 21, eigh: 9, qr: 8 / 3 } as const;

const flat = (m: MlMatrix) => Float64Array.from(m.to1DArray());

/**
 * GEMM routes: 'default' is what a fresh process gets with no set-up call (the wasm SIMD kernels
 * on one thread, plain build), 'js' the JS kernels (disableWasm()), 'threads' enableWasm({ threads }).
 */
type Route = 'default' | 'js' | 'threads';

/** Threads for the threaded rows ('auto': every logical core), found once per run. */
let threads = 1;
const label = (route: Route) => (route === 'threads' ? `wasm, ${threads} threads` : route === 'default' ? 'default route' : 'js route');

async function useRoute(route: Route | undefined): Promise<void> {
  if (route === 'js') disableWasm();
  else if (route === 'threads') await enableWasm({ threads });
  // The default route's state: the plain build on one thread (what the first GEMM loads).
  else await enableWasm({ fma: false });
}

/** ml-matrix's decompositions take seconds past this size. */
const ML_MAX_N = 512;

function cases(): Case[] {
  const ml = (a: Matrix) => MlMatrix.from1DArray(a.rows, a.cols, a.data);
  const out: Case[] = [
    {
      op: 'svd',
      impl: 'ml-matrix SVD',
      baseline: true,
      maxN: ML_MAX_N,
      run: (a) => () => new SingularValueDecomposition(ml(a), { autoTranspose: true }),
      check: (a, _s, r) => {
        const d = r as SingularValueDecomposition;
        return svdResidual(a, flat(d.leftSingularVectors), d.diagonal, flat(d.rightSingularVectors), a.cols);
      },
    },
    {
      op: 'eigh',
      impl: 'ml-matrix EVD (symmetric)',
      baseline: true,
      maxN: ML_MAX_N,
      run: (_a, s) => () => new EigenvalueDecomposition(ml(s), { assumeSymmetric: true }),
      check: (_a, s, r) => {
        const d = r as EigenvalueDecomposition;
        return svdResidual(s, flat(d.eigenvectorMatrix), d.realEigenvalues, flat(d.eigenvectorMatrix), s.cols);
      },
    },
    {
      op: 'qr',
      impl: 'ml-matrix QR',
      baseline: true,
      maxN: ML_MAX_N,
      run: (a) => () => new QrDecomposition(ml(a)),
      check: (a, _s, r) => {
        const d = r as QrDecomposition;
        const q = d.orthogonalMatrix;
        const rr = d.upperTriangularMatrix;
        const prod = matmul({ rows: a.rows, cols: a.cols, data: flat(q) }, { rows: a.cols, cols: a.cols, data: flat(rr) });
        return relDiff(prod, a);
      },
    },
  ];
  for (const route of ['default', 'js', 'threads'] as const) {
    // The js route is the slow reference: up to 512.
    const maxN = route === 'js' ? 512 : undefined;
    out.push(
      {
        op: 'svd',
        impl: `@x/linalg svd exact (${label(route)})`,
        baseline: false,
        route,
        maxN,
        run: (a) => () => svd(a),
        check: (a, _s, r) => {
          const f = r as ReturnType<typeof svd>;
          return svdResidual(a, f.U.data, f.S, f.V.data, f.S.length);
        },
      },
      {
        op: 'svd',
        impl: `@x/linalg svd randomized k=16 (${label(route)})`,
        baseline: false,
        route,
        maxN: route === 'default' ? undefined : 0,
        run: (a) => () => svd(a, { k: Math.min(16, a.cols), method: 'randomized', niter: 4, seed: 1 }),
        // Not a full decomposition: report the rank-16 residual (the spectrum is flat, so it is large).
        check: (a, _s, r) => {
          const f = r as ReturnType<typeof svd>;
          return svdResidual(a, f.U.data, f.S, f.V.data, f.S.length);
        },
      },
      {
        op: 'eigh',
        impl: `@x/linalg eigh (${label(route)})`,
        baseline: false,
        route,
        maxN,
        run: (_a, s) => () => eigh(s),
        check: (_a, s, r) => {
          const f = r as ReturnType<typeof eigh>;
          return svdResidual(s, f.vectors.data, f.values, f.vectors.data, s.cols);
        },
      },
      {
        op: 'qr',
        impl: `@x/linalg qr (${label(route)})`,
        baseline: false,
        route,
        maxN,
        run: (a) => () => qr(a),
        check: (a, _s, r) => {
          const f = r as ReturnType<typeof qr>;
          return relDiff(matmul(f.Q, f.R), a);
        },
      },
    );
  }
  return out;
}

function relDiff(x: Matrix, y: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.data.length; i++) {
    num += (x.data[i]! - y.data[i]!) ** 2;
    den += y.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

const BASELINES = { svd: 'ml-matrix SVD', eigh: 'ml-matrix EVD (symmetric)', qr: 'ml-matrix QR' } as const;

async function runOp(op: 'svd' | 'eigh' | 'qr', self: Benchmark, ctx: BenchContext): Promise<BenchmarkReport> {
  const sizes = ctx.sizes ?? self.sizes[ctx.mode];
  const budget = BUDGETS[ctx.mode];
  const rows: BenchRow[] = [];
  await enableWasm({ threads: 'auto' });
  threads = wasmThreads().threads;
  const threadNote = wasmThreads().reason;
  disableWasm();
  // With one thread only the threaded rows would repeat the wasm ones.
  const mine = [...cases(), ...numpyCases()].filter((x) => x.op === op && (x.route !== 'threads' || threads > 1));
  for (const [si, n] of sizes.entries()) {
    const a = randn(n, n, 500 + si);
    const s = gram(a);
    const here = mine.filter((c) => !c.unavailable && (c.maxN === undefined || n <= c.maxN));
    const local = here.filter((c) => !c.external);
    const timed = new Map<Case, { ms: number; minMs: number; reps: number; relErr: number }>();
    ctx.log(`${op} n=${n}: ${local.length} rows interleaved`);
    try {
      const errs: number[] = [];
      const t = await timeInterleaved(
        local.map((c) => ({ fn: c.run(a, s), setup: () => useRoute(c.route) })),
        budget,
        (k, r) => {
          errs[k] = local[k]!.check(a, s, r);
        },
      );
      local.forEach((c, k) => {
        timed.set(c, { ...t[k]!, relErr: errs[k]! });
      });
    } catch (e) {
      for (const c of local) rows.push({ benchmark: self.id, impl: c.impl, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
    }
    for (const c of here.filter((c) => c.external)) {
      ctx.log(`${op} n=${n} ${c.impl}`);
      try {
        timed.set(c, c.external!(a, s, budget));
      } catch (e) {
        rows.push({ benchmark: self.id, impl: c.impl, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
      }
    }
    const baseMs = [...timed].find(([c]) => c.baseline)?.[1].ms;
    const npMs = [...timed].find(([c]) => c.external && c.impl.includes('1 thread'))?.[1].minMs;
    for (const c of mine) {
      if (c.unavailable) {
        rows.push({ benchmark: self.id, impl: c.impl, n, status: 'unavailable', note: c.unavailable });
        continue;
      }
      const t = timed.get(c);
      if (!t) continue;
      const exact = !c.impl.includes('randomized') || n <= 16;
      const ok = !exact || t.relErr < 1e-8;
      // Same-run ratio to LAPACK on one thread (best-of-round times: robust to bursts of load).
      const vsNumpy = npMs === undefined || c.external ? '' : `${(t.minMs / npMs).toFixed(2)}x numpy 1-thread time`;
      rows.push({
        benchmark: self.id,
        impl: c.impl,
        n,
        status: ok ? 'ok' : 'error',
        ms: t.ms,
        minMs: t.minMs,
        reps: t.reps,
        gflops: (FLOPS[op] * n ** 3) / (t.ms * 1e6),
        vsBaseline: baseMs === undefined ? undefined : baseMs / t.ms,
        relErr: t.relErr,
        note: [vsNumpy, exact ? 'relative reconstruction error' : 'rank-16 residual of a flat spectrum (not a full factorization; GFLOP/s nominal)'].filter(Boolean).join('; '),
      });
    }
  }
  disableWasm();
  return {
    id: self.id,
    title: self.title,
    baseline: BASELINES[op],
    sizes,
    env: { flops: `nominal ${FLOPS[op].toFixed(2)} n^3`, wasmThreads: threads > 1 ? `${threads}` : `1 (${threadNote})` },
    rows,
  };
}

function linalgBenchmark(op: 'svd' | 'eigh' | 'qr', title: string): Benchmark {
  const b: Benchmark = {
    id: `linalg-${op}`,
    title,
    sizes: { full: [256, 512, 1024], quick: [256, 512], tiny: [6, 9] },
    run: (ctx) => runOp(op, b, ctx),
  };
  return b;
}

/** Decompositions of n x n Gaussian matrices on the default, js and threaded GEMM routes, against ml-matrix and numpy in the same run. */
export const linalgSvd = linalgBenchmark('svd', 'SVD of an n x n Gaussian matrix: @x/linalg exact and randomized (default, js, threaded routes) vs ml-matrix and numpy');
export const linalgEigh = linalgBenchmark('eigh', 'Symmetric eigendecomposition of AᵀA: @x/linalg eigh (default, js, threaded routes) vs ml-matrix EVD and numpy');
export const linalgQr = linalgBenchmark('qr', 'Householder QR of an n x n Gaussian matrix: @x/linalg (default, js, threaded routes) vs ml-matrix and numpy');

/** Least-squares slope of log(ms) against log(n): the empirical exponent of the cost. */
export function fittedExponent(points: readonly { n: number; ms: number }[]): number {
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.ms));
  const mx = xs.reduce((u, v) => u + v, 0) / xs.length;
  const my = ys.reduce((u, v) => u + v, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/** Exact SVD time against n on the default route: one row per size and the fitted exponent. */
export const linalgScaling: Benchmark = {
  id: 'linalg-scaling',
  title: 'Scaling of @x/linalg svd (exact, default route): time vs n and the fitted exponent (3 = cubic)',
  sizes: { full: [128, 256, 512, 1024, 2048], quick: [128, 256, 512, 1024], tiny: [6, 9, 12] },
  async run(ctx) {
    const sizes = ctx.sizes ?? linalgScaling.sizes[ctx.mode];
    // Big sizes take seconds per call: few repetitions.
    const budget: TimingBudget = ctx.mode === 'tiny' ? BUDGETS.tiny : { warmup: 1, minTimeMs: 300, minReps: 2, maxReps: 5, maxTimeMs: 2000, floorReps: 1 };
    await useRoute('default');
    const points: { n: number; ms: number }[] = [];
    const rows: BenchRow[] = [];
    for (const [si, n] of sizes.entries()) {
      const a = randn(n, n, 700 + si);
      ctx.log(`svd scaling n=${n}`);
      let err = Number.NaN;
      const t = await timeIt(() => svd(a), n >= 1024 ? { ...budget, warmup: 0, minReps: 1 } : budget, (r) => {
        err = n <= 512 ? svdResidual(a, r.U.data, r.S, r.V.data, r.S.length) : Number.NaN;
      });
      points.push({ n, ms: t.minMs });
      const prev = points.at(-2);
      rows.push({
        benchmark: 'linalg-scaling',
        impl: '@x/linalg svd exact (default route)',
        n,
        status: Number.isNaN(err) || err < 1e-8 ? 'ok' : 'error',
        ms: t.ms,
        minMs: t.minMs,
        reps: t.reps,
        gflops: (FLOPS.svd * n ** 3) / (t.ms * 1e6),
        // Every row is the baseline implementation (the table is about n, not peers).
        vsBaseline: 1,
        relErr: Number.isNaN(err) ? undefined : err,
        note: prev ? `local exponent ${(Math.log(t.minMs / prev.ms) / Math.log(n / prev.n)).toFixed(2)} from n=${prev.n}` : undefined,
      });
    }
    const big = points.filter((p) => p.n >= 256);
    const exponent = big.length >= 2 ? fittedExponent(big) : Number.NaN;
    return {
      id: 'linalg-scaling',
      title: linalgScaling.title,
      baseline: '@x/linalg svd exact (default route)',
      sizes,
      env: { fittedExponent: `${exponent.toFixed(2)} (least squares of log time on log n over n >= 256, best-of-run times)` },
      rows,
    };
  },
};
