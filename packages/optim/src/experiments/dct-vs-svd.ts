import { type Matrix } from '@x/gpu';
import { check, type Experiment, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions } from '@x/gpu/experiments';
import { matmul, rng } from '@x/gpu';
import { svd } from '@x/linalg';
import { dctProjection } from '../dct-projection';
import { checkAborted, fmt, now, randomOrthogonal, tick } from './util';

/** Rows that are smooth functions of the column index: low-frequency cosines with decaying weights plus 5% noise. */
function smoothGradient(m: number, n: number, seed: number): Matrix<Float64Array> {
  const r = rng(seed);
  const F = Math.max(4, n >> 3);
  const basis = new Float64Array(F * n);
  for (let f = 0; f < F; f++) {
    const ph = r.uniformIn(0, Math.PI);
    const freq = f + r.uniform();
    for (let j = 0; j < n; j++) basis[f * n + j] = Math.cos((Math.PI * freq * (j + 0.5)) / n + ph) / (1 + f) ** 1.5;
  }
  const G = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let f = 0; f < F; f++) {
      const a = r.normal();
      for (let j = 0; j < n; j++) G[i * n + j] += a * basis[f * n + j]!;
    }
    for (let j = 0; j < n; j++) G[i * n + j] += 0.05 * r.normal();
  }
  return { rows: m, cols: n, data: G };
}

/** A Gaussian low-rank matrix (rank r0, i.i.d. factors) plus 1% noise: no structure a fixed basis can see. */
function iidLowRank(m: number, n: number, r0: number, seed: number): Matrix<Float64Array> {
  const r = rng(seed);
  const U = { rows: m, cols: r0, data: r.fillNormal(new Float64Array(m * r0)) };
  const V = { rows: n, cols: r0, data: r.fillNormal(new Float64Array(n * r0)) };
  const G = matmul(U, V, { transB: true }).data as Float64Array;
  const s = Math.sqrt(r0);
  for (let i = 0; i < G.length; i++) G[i] = G[i]! / s + 0.01 * r.normal();
  return { rows: m, cols: n, data: G };
}

function sq(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

interface Row {
  svd: number;
  dctL1: number;
  dctL2: number;
  random: number;
  tSvd: number;
  tDct: number;
}

/** Relative projection errors ||G - G P Pᵀ|| / ||G|| (all bases orthonormal, so 1 - kept energy) and times. */
function measureOne(G: Matrix<Float64Array>, r: number, seed: number): Row {
  const total = sq(G.data);
  const err = (kept: number) => Math.sqrt(Math.max(0, 1 - kept / total));
  let t0 = now();
  const { S } = svd(G, { k: r });
  const tSvd = now() - t0;
  t0 = now();
  const l1 = dctProjection(G, r, { norm: 1 });
  const tDct = now() - t0;
  const l2 = dctProjection(G, r, { norm: 2 });
  const Q = randomOrthogonal(G.cols, rng(seed));
  const Sr = matmul(G, Q).data;
  const n = G.cols;
  const scores = new Float64Array(n);
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < n; j++) scores[j] += Sr[i * n + j]! ** 2;
  const best = Array.from(scores).sort((a, b) => b - a);
  let kr = 0;
  for (let k = 0; k < r; k++) kr += best[k]!;
  return { svd: err(sq(S)), dctL1: err(sq(l1.projected.data)), dctL2: err(sq(l2.projected.data)), random: err(kr), tSvd, tDct };
}

/**
 * Modoranu et al. (arXiv 2505.17967): a fixed DCT basis with column selection approximates the
 * SVD projection of gradients whose rows are spectrally concentrated, at a fraction of the cost,
 * and fails on unstructured (i.i.d. low-rank) gradients. Both cases are shown.
 */
export const dctVsSvdExperiment: Experiment = {
  id: 'optim/dct-vs-svd-projection',
  pkg: '@x/optim',
  title: 'DCT column selection vs SVD: projection error and time, smooth vs i.i.d. gradients',
  claim:
    'Modoranu et al. 2025 (SVD-free low-rank adaptive gradient optimization): selecting r columns of a fixed DCT basis nearly matches the rank-r SVD projection error on gradients with smooth (spectrally concentrated) rows at a fraction of the SVD time; on i.i.d. low-rank gradients it does not.',
  params: [{ name: 'n', label: 'largest gradient width n (also run at n/2, and n/4 in full mode)', kind: 'int', min: 64, max: 1024, step: 64, default: 512, quick: 128 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const { n: largest } = experimentParams(dctVsSvdExperiment, opts) as { n: number };
    const sizes = opts.quick ? [largest / 2, largest] : [largest / 4, largest / 2, largest];
    const rows: { n: number; smooth: Row; iid: Row }[] = [];
    for (let i = 0; i < sizes.length; i++) {
      checkAborted(opts.signal);
      const n = sizes[i]!;
      const m = 2 * n;
      const r = Math.max(4, n >> 4);
      const smooth = measureOne(smoothGradient(m, n, seed + i), r, seed + 100 + i);
      const iid = measureOne(iidLowRank(m, n, r >> 1, seed + 200 + i), r, seed + 300 + i);
      rows.push({ n, smooth, iid });
      opts.onProgress?.({ fraction: (i + 1) / sizes.length, message: `n = ${n}: smooth DCT ${fmt(smooth.dctL1)} vs SVD ${fmt(smooth.svd)}` });
      await tick();
    }
    const last = rows[rows.length - 1]!;
    const per = (f: (x: (typeof rows)[number]) => number) => rows.map((x) => `n=${x.n}: ${fmt(f(x))}`).join(', ');
    const ns = rows.map((x) => x.n);
    const series = (k: 'smooth' | 'iid', f: keyof Row, name: string) => ({ name, x: ns, y: rows.map((x) => x[k][f]) });
    return experimentResult({
      checks: [
        check('on smooth rows DCT-l1 selection nearly matches the SVD (error < 1.5 x SVD + 0.05) at every n', rows.every(({ smooth }) => smooth.dctL1 < 1.5 * smooth.svd + 0.05), per((x) => x.smooth.dctL1 / x.smooth.svd) + ' (DCT/SVD error)'),
        check('on smooth rows it beats a random basis by more than 2x (control)', rows.every(({ smooth }) => smooth.dctL1 < 0.5 * smooth.random), per((x) => x.smooth.random / x.smooth.dctL1) + ' (random/DCT)'),
        check('on i.i.d. low-rank gradients it does not: error > 5 x SVD + 0.1', rows.every(({ iid }) => iid.dctL1 > 5 * iid.svd + 0.1), per((x) => x.iid.dctL1) + ` vs SVD ${fmt(last.iid.svd)} at n=${last.n}`),
        check(`at a fraction of the SVD time: DCT < SVD / 5 at n=${last.n} (wall clock, reported, not asserted)`, last.smooth.tDct < last.smooth.tSvd / 5, `${fmt(last.smooth.tDct, 1)} ms vs ${fmt(last.smooth.tSvd, 1)} ms`, false),
      ],
      summary: `n=${last.n}, r=${Math.max(4, last.n >> 4)}: smooth rows SVD ${fmt(last.smooth.svd)} vs DCT-l1 ${fmt(last.smooth.dctL1)} / DCT-l2 ${fmt(last.smooth.dctL2)} (random basis ${fmt(last.smooth.random)}); i.i.d. low-rank SVD ${fmt(last.iid.svd)} vs DCT ${fmt(last.iid.dctL1)}. Time: SVD ${fmt(last.smooth.tSvd, 1)} ms vs DCT ${fmt(last.smooth.tDct, 1)} ms.`,
      metrics: Object.fromEntries(
        rows.flatMap((x) => [
          [`smooth_svd_n${x.n}`, x.smooth.svd],
          [`smooth_dctL1_n${x.n}`, x.smooth.dctL1],
          [`smooth_dctL2_n${x.n}`, x.smooth.dctL2],
          [`iid_svd_n${x.n}`, x.iid.svd],
          [`iid_dctL1_n${x.n}`, x.iid.dctL1],
          [`ms_svd_n${x.n}`, x.smooth.tSvd],
          [`ms_dct_n${x.n}`, x.smooth.tDct],
        ]),
      ),
      plots: [
        {
          title: 'Smooth-row gradients: relative projection error',
          caption: 'On smooth-row gradients the DCT selections should nearly match the SVD\'s error, well below a random basis.',
          xLabel: 'n (matrix is 2n x n, r = n/16)',
          yLabel: '||G - G P Pᵀ|| / ||G||',
          logX: true,
          series: [series('smooth', 'svd', 'SVD'), series('smooth', 'dctL1', 'DCT l1'), series('smooth', 'dctL2', 'DCT l2'), series('smooth', 'random', 'random orthogonal l2')],
        },
        {
          title: 'i.i.d. low-rank gradients: relative projection error',
          caption: 'On i.i.d. low-rank gradients the DCT selections should fall clearly short of the SVD.',
          xLabel: 'n (matrix is 2n x n, r = n/16)',
          yLabel: '||G - G P Pᵀ|| / ||G||',
          logX: true,
          series: [series('iid', 'svd', 'SVD'), series('iid', 'dctL1', 'DCT l1'), series('iid', 'dctL2', 'DCT l2'), series('iid', 'random', 'random orthogonal l2')],
        },
        {
          title: 'Time to build the projection',
          caption: 'The DCT selection should take a fraction of the SVD\'s time (a timing: reported, not asserted).',
          xLabel: 'n',
          yLabel: 'ms',
          logX: true,
          logY: true,
          series: [series('smooth', 'tSvd', 'rank-r SVD (@x/linalg)'), series('smooth', 'tDct', 'DCT selection')],
        },
      ],
    });
  },
};
