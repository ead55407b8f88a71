import { matmul, type Matrix, randn, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { svd } from '@x/linalg';
import { IncrementalPCA } from '@x/streaming';
import { EvaCollector } from '../eva';

/** Rows x = z diag(s) Qᵀ + mean (Q orthogonal): covariance Q diag(s²) Qᵀ, mean `mean` in every coordinate. */
function activations(n: number, Q: Matrix, s: ArrayLike<number>, mean: number, noise: number, seed: number): Matrix<Float64Array> {
  const d = Q.rows;
  const z = randn(n, d, seed);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z.data[i * d + j]! *= s[j] ?? 0;
  const x = matmul(z, Q, { transB: true }) as Matrix<Float64Array>;
  const g = rng(seed + 0x9e37);
  for (let i = 0; i < x.data.length; i++) x.data[i]! += mean + noise * g.normal();
  return x;
}

/** min over the first `r` rows of |⟨a_c, b_c⟩| (both r' x d with unit rows; b given as d x k columns). */
function minAbsCos(a: Matrix, bCols: Matrix, r: number): number {
  const d = a.cols;
  let m = Infinity;
  for (let c = 0; c < r; c++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += a.data[c * d + j]! * bCols.data[j * bCols.cols + c]!;
    m = Math.min(m, Math.abs(dot));
  }
  return m;
}

/**
 * EVA's streaming components vs batch PCA (Paischer et al., "One Initialization to Rule them
 * All: Fine-tuning via Explained Variance Adaptation", 2024, Sec. 3; peft `lora/eva.py`).
 * Part 1: activations with mean 2 and a decaying spectrum stream through {@link EvaCollector};
 * after every batch its top-r components are compared with the batch PCA of all rows (centred),
 * and the uncentred top right-singular vector is shown as the contrast (the mean dominates it).
 * Part 2: three layers whose activations have intrinsic dimensions 6, 4 and 2 (each with rank
 * r = 4, ρ = 2) stream until converged; pooling explained variance moves the rank budget 12 to
 * {v: 6, q: 4, o: 2}.
 */
export const evaVsPca: Experiment = {
  id: 'peft/eva-vs-pca',
  pkg: '@x/peft',
  title: 'EVA: streaming components vs batch PCA, and rank redistribution',
  params: [
    { name: 'batches', label: 'activation batches', kind: 'int', min: 5, max: 160, step: 5, default: 40, quick: 20 },
    { name: 'rows', label: 'rows per batch', kind: 'int', min: 20, max: 400, step: 10, default: 100, quick: 50 },
  ],
  claim: 'EVA (Paischer et al. 2024) initializes A with the principal components of the activations, computed by a streaming mean-centred incremental PCA that matches batch PCA, and redistributes ranks across layers by explained variance.',
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const d = quick ? 48 : 96;
    const { batches, rows } = experimentParams(evaVsPca, opts) as { batches: number; rows: number };
    const r = 4;
    const g = rng(seed);
    const Q = svd(randn(d, d, g)).U;
    const spectrum = Float64Array.from({ length: d }, (_, j) => 3 * 0.85 ** j);
    const data: Matrix<Float64Array>[] = [];
    for (let b = 0; b < batches; b++) data.push(activations(rows, Q, spectrum, 2, 0, seed * 1000 + b + 1));

    // Batch references over all rows: centred PCA and the uncentred SVD.
    const N = batches * rows;
    const X = { rows: N, cols: d, data: new Float64Array(N * d) };
    for (const [b, m] of data.entries()) X.data.set(m.data, b * rows * d);
    const mu = new Float64Array(d);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) mu[j]! += X.data[i * d + j]! / N;
    const Xc = { rows: N, cols: d, data: X.data.map((v, i) => v - mu[i % d]!) };
    const ref = svd(Xc, { k: r }).V;
    const uncentred = svd(X, { k: 1 }).V;

    // The trace is the same incremental PCA EVA runs (k = ρ r = 8 components) fed every batch;
    // the EVA collector (τ = 0.99) records when EVA stops collecting and what it has then.
    const trace = new IncrementalPCA({ components: 2 * r });
    const stop = new EvaCollector([{ name: 'q', inFeatures: d, rank: r }], { rho: 2 });
    const gap: number[] = [];
    let stoppedAt = -1;
    let cosAtStop = Number.NaN;
    // Live results: the gap to batch PCA so far, growing batch by batch.
    const report = partialReporter(opts.onPartial);
    const livePlot = () => ({ title: `1 − min |cos| (top ${r}) between streaming IPCA and batch PCA of all rows`, xLabel: 'batches seen', yLabel: '1 − min |cos|', logY: true, series: [{ name: 'EVA (IPCA, centred)', x: gap.map((_, i) => i + 1), y: [...gap] }] });
    for (let b = 0; b < batches; b++) {
      opts.signal?.throwIfAborted();
      trace.partialFit(data[b]!);
      const cos = minAbsCos(trace.components(), ref, r);
      gap.push(Math.max(1 - cos, 1e-16));
      report(() => ({ plots: [livePlot()] }), b === batches - 1);
      if (stoppedAt < 0 && stop.update('q', data[b]!)) {
        stoppedAt = b + 1;
        cosAtStop = minAbsCos(stop.pca('q').components(), ref, r);
      }
    }
    opts.onProgress?.({ fraction: 0.5, message: 'streaming vs batch PCA done' });
    const A = trace.components();
    const streamCos = minAbsCos(A, ref, r);
    let uncCos = 0;
    for (let j = 0; j < d; j++) uncCos += A.data[j]! * uncentred.data[j]!;
    uncCos = Math.abs(uncCos);

    // Part 2: rank redistribution over three layers with intrinsic dimensions 6, 4, 2.
    const layers = [
      { name: 'v', dim: 6 },
      { name: 'q', dim: 4 },
      { name: 'o', dim: 2 },
    ];
    const dl = 32;
    const eva = new EvaCollector(
      layers.map((l) => ({ name: l.name, inFeatures: dl, rank: r })),
      { rho: 2 },
    );
    const bases = layers.map((_, i) => svd(randn(dl, dl, seed * 7 + 100 + i)).U);
    let b2 = 0;
    const maxBatches = 60;
    for (; b2 < maxBatches && !eva.allConverged(); b2++) {
      layers.forEach((l, i) => {
        const s = Float64Array.from({ length: dl }, (_, j) => (j < l.dim ? 1 - 0.02 * j : 0));
        eva.update(l.name, activations(64, bases[i]!, s, 1, 0.02, seed * 10007 + b2 * 3 + i));
      });
    }
    const ranks = eva.allocate();
    opts.onProgress?.({ fraction: 1 });
    const evrSeries = layers.map((l) => {
      const e = Array.from(eva.pca(l.name).explainedVarianceRatio().slice(0, 2 * r));
      return { name: `${l.name} (intrinsic dim ${l.dim}) → rank ${ranks[l.name]}`, x: e.map((_, i) => i + 1), y: e.map((v) => Math.max(v, 1e-8)) };
    });
    const metrics: Record<string, number> = {
      minAbsCos: streamCos,
      uncentredAbsCos: uncCos,
      convergedAtBatch: stoppedAt,
      minAbsCosAtConvergence: cosAtStop,
      rankV: ranks.v!,
      rankQ: ranks.q!,
      rankO: ranks.o!,
      allocationBatches: b2,
    };
    return experimentResult({
      checks: [
        check('streaming mean-centred incremental PCA matches batch PCA (min |cos| over the top r > 0.9999)', streamCos > 0.9999, streamCos.toFixed(6)),
        check('centring matters: the uncentred top singular vector is far from it (|cos| < 0.5)', uncCos < 0.5, uncCos.toFixed(3)),
        check('ranks are redistributed by explained variance: budget 3 x 4 with intrinsic dims 6/4/2 → v 6, q 4, o 2', ranks.v === 6 && ranks.q === 4 && ranks.o === 2, `v ${ranks.v}, q ${ranks.q}, o ${ranks.o}`),
      ],
      summary:
        `${batches} batches of ${rows} rows (d = ${d}, mean 2): streaming vs batch centred PCA min |cos| over the top ${r} = ${streamCos.toFixed(6)}, ` +
        `uncentred top singular vector |cos| = ${uncCos.toFixed(3)}; EVA's τ = 0.99 test stops after ${stoppedAt} batches (min |cos| ${cosAtStop.toFixed(4)}). ` +
        `Rank budget 3 x 4 with intrinsic dims 6/4/2 → v ${ranks.v}, q ${ranks.q}, o ${ranks.o}.`,
      metrics,
      plots: [
        {
          title: `1 − min |cos| (top ${r}) between streaming IPCA and batch PCA of all rows`,
          caption: 'The gap should fall towards 0 (below 1e-4 at the end) as batches stream in: the incremental PCA converges to batch PCA.',
          xLabel: 'batches seen',
          yLabel: '1 − min |cos|',
          logY: true,
          series: [{ name: 'EVA (IPCA, centred)', x: gap.map((_, i) => i + 1), y: gap }],
        },
        {
          title: 'Explained variance ratio per layer (pooled to allocate the budget 12)',
          caption: 'Each layer\'s curve should drop after its intrinsic dimension (v 6, q 4, o 2): pooling the ratios gives those layers those ranks.',
          xLabel: 'component',
          yLabel: 'explained variance ratio',
          logY: true,
          series: evrSeries,
        },
      ],
    });
  },
};
