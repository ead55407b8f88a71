import { disableWasm, enableWasm, gram, type Matrix, matmul, randn, wasmThreads } from '@x/gpu';
import { eigh, qr, svd } from '@x/linalg';
import { EigenvalueDecomposition, Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { availableParallelism } from 'node:os';
import { numpyUnavailable, timeNumpy } from '../numpy';
import { BUDGETS, type TimingBudget, timeIt } from '../timing';
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
  route?: 'js' | 'wasm' | 'threads';
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

/** Threads for the threaded rows ('auto': every logical core), found once per run. */
let threads = 1;
const label = (route: 'js' | 'wasm' | 'threads') => (route === 'threads' ? `wasm, ${threads} threads` : route);

function cases(): Case[] {
  const ml = (a: Matrix) => MlMatrix.from1DArray(a.rows, a.cols, a.data);
  const out: Case[] = [
    {
      op: 'svd',
      impl: 'ml-matrix SVD',
      baseline: true,
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
  for (const route of ['js', 'wasm', 'threads'] as const) {
    out.push(
      {
        op: 'svd',
        impl: `@x/linalg svd exact (${label(route)})`,
        baseline: false,
        route,
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
    let baseMs: number | undefined;
    for (const c of mine) {
      if (c.route === 'wasm') await enableWasm();
      else if (c.route === 'threads') await enableWasm({ threads });
      else disableWasm();
      if (c.unavailable) {
        rows.push({ benchmark: self.id, impl: c.impl, n, status: 'unavailable', note: c.unavailable });
        continue;
      }
      ctx.log(`${op} n=${n} ${c.impl}`);
      try {
        let err = Number.NaN;
        let t: { ms: number; minMs: number; reps: number };
        if (c.external) {
          const x = c.external(a, s, budget);
          t = x;
          err = x.relErr;
        } else {
          t = await timeIt(c.run(a, s), budget, (r) => {
            err = c.check(a, s, r);
          });
        }
        if (c.baseline) baseMs = t.ms;
        const exact = !c.impl.includes('randomized') || n <= 16;
        const ok = !exact || err < 1e-8;
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
          relErr: err,
          note: exact ? 'relative reconstruction error' : 'rank-16 residual of a flat spectrum (not a full factorization; GFLOP/s nominal)',
        });
      } catch (e) {
        rows.push({ benchmark: self.id, impl: c.impl, n, status: 'error', note: `${(e as Error).name}: ${(e as Error).message}` });
      }
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
    sizes: { full: [128, 256, 512], quick: [128, 256], tiny: [6, 9] },
    run: (ctx) => runOp(op, b, ctx),
  };
  return b;
}

/** Decompositions of n x n Gaussian matrices on the js and wasm GEMM routes, against ml-matrix in the same run. */
export const linalgSvd = linalgBenchmark('svd', 'SVD of an n x n Gaussian matrix: @x/linalg exact and randomized (js and wasm GEMM routes) vs ml-matrix');
export const linalgEigh = linalgBenchmark('eigh', 'Symmetric eigendecomposition of AᵀA: @x/linalg eigh (js and wasm routes) vs ml-matrix EVD');
export const linalgQr = linalgBenchmark('qr', 'Householder QR of an n x n Gaussian matrix: @x/linalg (js and wasm routes) vs ml-matrix');
