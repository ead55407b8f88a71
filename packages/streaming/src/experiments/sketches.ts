import { gram, type Matrix, randn, rng, sub } from '@x/gpu';
import { check, type Experiment, type ExperimentPlot, type ExperimentResult, type ExperimentRunOptions, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { eigh, qr, svdvals } from '@x/linalg';
import { clusterBlocks, compressionRatio, concatError, concatErrorBound, type ConcatEstimator } from '../concat-svd';
import { FrequentDirections } from '../frequent-directions';
import { IncrementalPCA } from '../incremental-pca';
import { IncrementalSVD } from '../incremental-svd';

/** A = G diag(decay^j) Qᵀ: n x d with a geometrically decaying spectrum. */
function decayingMatrix(seed: number, n: number, d: number, decay: number): Matrix<Float64Array> {
  const G = randn(n, d, seed);
  const { Q } = qr(randn(d, d, seed + 1));
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += G.data[i * d + k]! * decay ** k * Q.data[j * d + k]!;
      out[i * d + j] = s;
    }
  }
  return { rows: n, cols: d, data: out };
}

function spectralNormSym(a: Matrix): { norm: number; min: number } {
  const { values } = eigh(a);
  return { norm: Math.max(Math.abs(values[0]!), Math.abs(values[values.length - 1]!)), min: values[0]! };
}

/**
 * Liberty (KDD 2013) / Ghashami et al. (SICOMP 2016): Frequent Directions with ℓ rows has
 * ‖AᵀA − BᵀB‖₂ <= ‖A − A_k‖_F²/(ℓ − k). The bound is a theorem (unit-tested in
 * frequent-directions.test.ts), so it is plotted as a reference, not checked here; the checks are
 * the empirical parts: how fast the error falls with ℓ, and how tight the tracked shrinkage Σδ
 * (an upper bound by the theorem) is. A truncated incremental SVD of the same memory (no
 * guarantee) is plotted for comparison.
 */
export const frequentDirectionsExperiment: Experiment = {
  id: 'streaming/frequent-directions-bound',
  pkg: '@x/streaming',
  title: 'Frequent Directions error vs sketch size, against its bound',
  claim:
    'Frequent Directions (Liberty 2013; Ghashami, Liberty, Phillips & Woodruff 2016) keeps ‖AᵀA − BᵀB‖₂ <= min_k ‖A − A_k‖_F²/(ℓ − k) for every stream (a theorem, unit-tested); tests the empirical part: on a decaying spectrum the error falls at least like 1/ℓ, and at the largest ℓ the tracked shrinkage Σδ certifies it within 5%.',
  params: [
    { name: 'n', label: 'stream length n (rows)', kind: 'int', min: 200, max: 12000, step: 100, default: 3000, quick: 600 },
    { name: 'd', label: 'dimension d (sketch sizes ℓ above d are skipped)', kind: 'int', min: 16, max: 128, step: 8, default: 64, quick: 24 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const { n, d } = experimentParams(frequentDirectionsExperiment, opts) as { n: number; d: number };
    const A = decayingMatrix(seed + 11, n, d, 0.9);
    const AtA = gram(A);
    const sv = svdvals(A);
    const tails = Array.from(sv, (_, k) => {
      let s = 0;
      for (let i = k; i < sv.length; i++) s += sv[i]! ** 2;
      return s;
    });
    const ells = (opts.quick ? [2, 4, 8, 12] : [2, 4, 8, 16, 24, 32]).filter((l) => l <= d);
    const err: number[] = [];
    const shrink: number[] = [];
    const bound: number[] = [];
    const loose: number[] = [];
    const isvdErr: number[] = [];
    const errorPlot = (): ExperimentPlot => {
      const xs = ells.slice(0, err.length);
      return {
        title: `‖AᵀA − BᵀB‖₂ vs sketch size ℓ (n = ${n}, d = ${d})`,
        caption: 'The Frequent Directions error should fall at least like 1/ℓ, stay under both dashed bounds, and meet Σδ at the largest ℓ.',
        xLabel: 'ℓ',
        yLabel: 'spectral error',
        logY: true,
        series: [
          { name: 'Frequent Directions', x: xs, y: [...err] },
          { name: 'Σδ (tracked a-posteriori bound)', x: xs, y: [...shrink] },
          { name: 'truncated incremental SVD, rank ℓ', x: xs, y: [...isvdErr] },
        ],
        // The theorem's a-priori bounds on the Frequent Directions error.
        references: [
          { kind: 'curve', label: 'bound min_k ‖A − A_k‖²_F/(ℓ − k)', x: xs, y: [...bound] },
          { kind: 'curve', label: 'bound ‖A‖²_F/ℓ', x: xs, y: [...loose] },
        ],
      };
    };
    // Live results: each sketch size (one streaming pass of A) joins the curves as soon as it is measured.
    const report = partialReporter(opts.onPartial);
    for (let li = 0; li < ells.length; li++) {
      throwIfAborted(opts.signal);
      const ell = ells[li]!;
      const fd = new FrequentDirections({ dim: d, ell }).updateAll(A);
      const B = fd.sketch();
      const diff = spectralNormSym(sub(AtA, gram(B)));
      let b = Number.POSITIVE_INFINITY;
      for (let k = 0; k < ell; k++) b = Math.min(b, tails[k]! / (ell - k));
      err.push(diff.norm);
      shrink.push(fd.shrinkTotal);
      bound.push(b);
      loose.push(tails[0]! / ell);
      // Truncated incremental SVD with the same 2ℓ·d memory, for comparison.
      const s = new IncrementalSVD({ rank: ell, blockSize: ell }).updateAll(A);
      const V = s.V();
      const S = s.singularValues();
      const VS = new Float64Array(V.rows * V.cols);
      for (let i = 0; i < V.rows; i++) for (let j = 0; j < V.cols; j++) VS[i * V.cols + j] = V.data[i * V.cols + j]! * S[j]!;
      isvdErr.push(spectralNormSym(sub(AtA, gram({ rows: V.rows, cols: V.cols, data: VS }, { outer: true }))).norm);
      opts.onProgress?.({ fraction: (li + 1) / ells.length, message: `ℓ = ${ell}` });
      report(() => ({ plots: [errorPlot()] }), true);
      await Promise.resolve();
    }
    const last = ells.length - 1;
    const fall = err[last]! / err[0]!;
    const slack = shrink[last]! / err[last]!;
    return experimentResult({
      checks: [
        check(`the error falls at least like 1/ℓ from ℓ = ${ells[0]} to ${ells[last]}`, fall <= ells[0]! / ells[last]!, `error ratio ${fall.toExponential(2)} vs 1/ℓ ratio ${(ells[0]! / ells[last]!).toFixed(3)}`),
        check(`at ℓ = ${ells[last]} the tracked Σδ certifies the error within 5%`, slack <= 1.05, `Σδ/error ${slack.toFixed(4)} (a-priori bound/error ${(bound[last]! / err[last]!).toFixed(2)})`),
      ],
      summary: `n = ${n}, d = ${d}, spectrum 0.9^k: at ℓ = ${ells[last]} FD error ${err[last]!.toExponential(2)}, Σδ ${shrink[last]!.toExponential(2)}, bound ${bound[last]!.toExponential(2)} (‖A‖_F²/ℓ = ${loose[last]!.toExponential(2)}), truncated incremental SVD ${isvdErr[last]!.toExponential(2)}.`,
      metrics: { n, d, errAtMaxEll: err[last]!, boundAtMaxEll: bound[last]!, isvdAtMaxEll: isvdErr[last]! },
      plots: [errorPlot()],
    });
  },
};

/** Random block sets of three kinds: shared subspace (varying noise), independent, adversarial. */
function blockSet(kind: 'shared' | 'independent' | 'crowding', seed: number, m: number, K: number, noise: number): Matrix[] {
  const r = rng(seed);
  if (kind === 'independent') return Array.from({ length: K }, () => randn(m, 5, r));
  if (kind === 'shared') {
    const { Q: basis } = qr(randn(m, 6, r));
    return Array.from({ length: K }, () => {
      const coef = randn(6, 5, r);
      const b = randn(m, 5, r, noise);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let k = 0; k < 6; k++) s += basis.data[i * 6 + k]! * coef.data[k * 5 + j]!;
          b.data[i * 5 + j]! += s;
        }
      return b;
    });
  }
  // Crowding: strong block-private directions push a weak shared one out of the kept rank.
  const common = randn(m, 1, r);
  return Array.from({ length: K }, (_, t) => {
    const b = randn(m, 3, r, 10 + t);
    const c = randn(1, 1, r).data[0]!;
    for (let i = 0; i < m; i++) b.data[i * 3 + 2] = 0.5 * c * common.data[i]!;
    return b;
  });
}

const ESTIMATORS: ConcatEstimator[] = ['maxNorm', 'residual', 'approximate'];
/** One name per estimator in every plot (the demo page gives each name one colour). */
const LABEL: Record<ConcatEstimator, string> = { maxNorm: 'max-norm (Weyl)', residual: 'residual', approximate: 'approximate (incremental)' };

/**
 * Shamrai (arXiv 2601.11626): the three estimators bound the rank-r error of a concatenation from
 * above, the incremental one tightly; used as the constraint of greedy clustering they give
 * compression with a guaranteed error. Audits every estimate against the exact SVD.
 */
export const concatSvdExperiment: Experiment = {
  id: 'streaming/concat-svd-bounds',
  pkg: '@x/streaming',
  title: 'Concatenated-SVD error estimators: tightness and clustering compression',
  claim:
    'Shamrai (Concatenated Matrix SVD, 2026): max-norm, residual and incremental estimates all upper-bound the rank-r error of [A₁ … A_K]; the incremental one is nearly tight and yields the best compression under an error constraint eps.',
  params: [
    { name: 'm', label: 'rows m of every block', kind: 'int', min: 12, max: 160, step: 4, default: 40, quick: 24 },
    { name: 'blocks', label: 'blocks K per audited set', kind: 'int', min: 2, max: 48, default: 12, quick: 8 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const quick = opts.quick ?? false;
    const { m, blocks: K } = experimentParams(concatSvdExperiment, opts) as { m: number; blocks: number };
    const r = 10;
    const noises = quick ? [0.01, 0.1, 0.3] : [0.003, 0.01, 0.03, 0.1, 0.3, 1];
    const sets: { label: string; blocks: Matrix[] }[] = noises.map((nz, i) => ({
      label: `shared, noise ${nz}`,
      blocks: blockSet('shared', seed + i, m, K, nz),
    }));
    sets.push({ label: 'independent', blocks: blockSet('independent', seed + 50, m, K, 0) });
    sets.push({ label: 'crowding', blocks: blockSet('crowding', seed + 60, m, K, 0) });
    const truth: number[] = [];
    const est: Record<ConcatEstimator, number[]> = { maxNorm: [], residual: [], approximate: [] };
    let violations = 0;
    for (const s of sets) {
      const t = concatError(s.blocks, r);
      truth.push(t);
      for (const e of ESTIMATORS) {
        const v = concatErrorBound(s.blocks, r, { estimator: e });
        est[e].push(v);
        if (v * v < t * t - 1e-12) violations++;
      }
    }
    opts.onProgress?.({ fraction: 0.4, message: 'estimates audited' });
    // Clustering: blocks drawn from 4 subspaces, compression ratio vs eps per estimator.
    const groups = 4;
    const per = quick ? 6 : 10;
    const cm = m;
    const allBlocks: Matrix[] = [];
    for (let g = 0; g < groups; g++) allBlocks.push(...blockSet('shared', seed + 100 + g, cm, per, 0.02));
    const order = Array.from({ length: allBlocks.length }, (_, i) => i);
    rng(seed + 7).shuffle(order);
    const shuffled = order.map((i) => allBlocks[i]!);
    const epss = quick ? [0.02, 0.05, 0.1, 0.2] : [0.01, 0.02, 0.05, 0.1, 0.2, 0.3];
    const ratios: Record<ConcatEstimator, number[]> = { maxNorm: [], residual: [], approximate: [] };
    let clusterViolations = 0;
    for (let ei = 0; ei < epss.length; ei++) {
      throwIfAborted(opts.signal);
      const eps = epss[ei]!;
      for (const e of ESTIMATORS) {
        const res = clusterBlocks(shuffled, { rank: 6, eps, estimator: e, ordering: 'residual' });
        ratios[e].push(compressionRatio(shuffled, res.clusters, 6));
        for (const c of res.clusters) {
          if (c.length > 1 && concatError(c.map((i) => shuffled[i]!), 6) > eps + 1e-12) clusterViolations++;
        }
      }
      opts.onProgress?.({ fraction: 0.4 + (0.6 * (ei + 1)) / epss.length, message: `eps = ${eps}` });
      await Promise.resolve();
    }
    const gapOf = (e: ConcatEstimator) => est[e].reduce((s, v, i) => s + (v - truth[i]!), 0) / truth.length;
    const tightest = gapOf('approximate') <= gapOf('residual') && gapOf('approximate') <= gapOf('maxNorm');
    const bestRatio = ratios.approximate.every((v, i) => v >= ratios.residual[i]! - 1e-12 && v >= ratios.maxNorm[i]! - 1e-12);
    const x = sets.map((_, i) => i);
    const estimates = sets.length * ESTIMATORS.length;
    const ratioAt = (e: ConcatEstimator) => ratios[e].map((v) => v.toFixed(2)).join('/');
    return experimentResult({
      checks: [
        check('every estimate upper-bounds the true rank-r error (exact SVD)', violations === 0, `${violations} of ${estimates} below the truth`),
        check('the incremental (approximate) estimate is the tightest on average', tightest, `mean excess approximate ${gapOf('approximate').toFixed(4)}, residual ${gapOf('residual').toFixed(3)}, max-norm ${gapOf('maxNorm').toFixed(3)}`),
        check('clustering under it gives the best compression at every eps', bestRatio, `eps ${epss.join('/')}: approximate ${ratioAt('approximate')}, residual ${ratioAt('residual')}, max-norm ${ratioAt('maxNorm')}`),
        check('no cluster exceeds eps by the exact SVD', clusterViolations === 0, `${clusterViolations} clusters over eps`),
      ],
      summary: `${sets.length} block sets (m = ${m}, K = ${K}, r = ${r}): ${violations} estimates below the true error; mean excess approximate ${gapOf('approximate').toFixed(4)}, residual ${gapOf('residual').toFixed(3)}, max-norm ${gapOf('maxNorm').toFixed(3)}. Clustering ${shuffled.length} blocks from ${groups} subspaces at eps = 0.05: compression ${ratios.approximate[epss.indexOf(0.05)]!.toFixed(2)}x (approximate) vs ${ratios.residual[epss.indexOf(0.05)]!.toFixed(2)}x (residual) vs ${ratios.maxNorm[epss.indexOf(0.05)]!.toFixed(2)}x (max-norm); clusters over eps by the exact SVD: ${clusterViolations}.`,
      metrics: { violations, clusterViolations, excessApproximate: gapOf('approximate'), excessResidual: gapOf('residual'), excessMaxNorm: gapOf('maxNorm') },
      plots: [
        {
          title: `Estimated vs true rank-${r} error per block set`,
          caption: 'Every estimate\'s bar should be at least as tall as the true error\'s; the incremental (approximate) one the closest.',
          xLabel: 'block set',
          yLabel: 'err_r',
          categories: sets.map((s) => s.label),
          series: [
            { name: 'true (exact SVD)', x, y: truth },
            { name: LABEL.approximate, x, y: est.approximate },
            { name: LABEL.residual, x, y: est.residual },
            { name: LABEL.maxNorm, x, y: est.maxNorm },
          ],
        },
        {
          title: 'Compression ratio vs error budget eps (greedy clustering, rank 6)',
          caption: 'The incremental (approximate) estimate should give the highest compression at each error budget eps.',
          xLabel: 'eps',
          yLabel: 'compression ratio',
          logX: true,
          series: ESTIMATORS.map((e) => ({ name: LABEL[e], x: epss, y: ratios[e] })),
        },
      ],
    });
  },
};

/**
 * EVA (Paischer et al. 2024, via peft's IncrementalPCA): streaming mean-centred incremental PCA
 * over batches matches batch PCA of all rows; the uncentred top direction does not.
 */
export const incrementalPcaExperiment: Experiment = {
  id: 'streaming/incremental-pca-eva',
  pkg: '@x/streaming',
  title: 'Incremental PCA (EVA) vs batch PCA',
  claim:
    'EVA (Paischer et al., 2024) initializes LoRA from the top right-singular vectors of centred activations computed by incremental PCA over batches; streaming IPCA matches batch PCA, and centring matters.',
  params: [
    { name: 'batches', label: 'batches', kind: 'int', min: 4, max: 160, default: 40, quick: 16 },
    { name: 'batch', label: 'rows per batch', kind: 'int', min: 10, max: 400, step: 10, default: 100, quick: 50 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const d = opts.quick ? 48 : 96;
    const k = 8;
    const { batch, batches } = experimentParams(incrementalPcaExperiment, opts) as { batch: number; batches: number };
    const n = batch * batches;
    // k strong directions, a weak floor, and a mean of norm 2·sqrt(d) off the principal axes.
    const { Q } = qr(randn(d, d, seed + 1));
    const scales = Array.from({ length: d }, (_, j) => (j < k ? 8 - 0.5 * j : 0.5));
    const G = randn(n, d, seed + 2);
    const X = new Float64Array(n * d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        let s = 2;
        for (let c = 0; c < d; c++) s += G.data[i * d + c]! * scales[c]! * Q.data[j * d + c]!;
        X[i * d + j] = s;
      }
    const Xm: Matrix = { rows: n, cols: d, data: X };
    // Batch references: eigenvectors of the centred and the uncentred scatter.
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += X[i * d + j]! / n;
    const Xc = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j]! - mu[j]!;
    const ref = eigh(gram({ rows: n, cols: d, data: Xc })).vectors;
    const unc = eigh(gram(Xm)).vectors;
    const ipca = new IncrementalPCA({ components: k });
    const minCos: number[] = [];
    const topUncentred: number[] = [];
    const xs: number[] = [];
    const cosPlot = (): ExperimentPlot => ({
      title: 'Streaming IPCA vs batch PCA of the rows seen at the end',
      caption: 'The minimum |cos| should reach 1 (IPCA matches batch PCA); the uncentred top direction stays well below 1 (centring matters).',
      xLabel: 'rows seen',
      yLabel: '|cos|',
      series: [
        { name: 'min over the k components', x: [...xs], y: [...minCos] },
        { name: 'uncentred top direction vs component 1', x: [...xs], y: [...topUncentred] },
      ],
    });
    // Live results: the |cos| curves grow batch by batch as the stream is read.
    const report = partialReporter(opts.onPartial);
    for (let b = 0; b < batches; b++) {
      throwIfAborted(opts.signal);
      ipca.partialFit({ rows: batch, cols: d, data: X.subarray(b * batch * d, (b + 1) * batch * d) });
      const C = ipca.components();
      let mc = 1;
      for (let c = 0; c < C.rows; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += C.data[c * d + j]! * ref.data[j * d + d - 1 - c]!;
        mc = Math.min(mc, Math.abs(s));
      }
      let su = 0;
      for (let j = 0; j < d; j++) su += C.data[j]! * unc.data[j * d + d - 1]!;
      xs.push((b + 1) * batch);
      minCos.push(mc);
      topUncentred.push(Math.abs(su));
      opts.onProgress?.({ fraction: (b + 1) / batches, message: `batch ${b + 1}` });
      report(() => ({ plots: [cosPlot()] }), b === batches - 1);
    }
    const final = minCos[minCos.length - 1]!;
    const uncFinal = topUncentred[topUncentred.length - 1]!;
    return experimentResult({
      checks: [
        check('streaming IPCA matches batch PCA of the centred rows (min |cos| over the k components > 0.999)', final > 0.999, final.toFixed(5)),
        check('centring matters: the uncentred top direction is far from the first component (|cos| < 0.5)', uncFinal < 0.5, uncFinal.toFixed(3)),
      ],
      summary: `${batches} batches of ${batch} rows, d = ${d}, k = ${k}, mean 2: min |cos| between IPCA and batch PCA components ${final.toFixed(5)}; |cos| of the uncentred top direction with the first component ${topUncentred[topUncentred.length - 1]!.toFixed(3)}.`,
      metrics: { minCos: final, uncentredCos: topUncentred[topUncentred.length - 1]! },
      plots: [cosPlot()],
    });
  },
};
