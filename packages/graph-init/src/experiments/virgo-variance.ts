import { rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, throwIfAborted } from '@x/gpu/experiments';
import { edgesToCsr } from '../graph/csr';
import { erdosRenyi } from '../graph/generators';
import { normalizedAdjacency } from '../graph/normalize';
import { measureGcnVariances } from '../virgo/propagation';
import { type GcnInitScheme, gcnInitVariances } from '../virgo/virgo';

const SCHEMES: GcnInitScheme[] = ['virgo', 'virgofor', 'kaiming', 'xavier'];

/**
 * Virgo variance propagation (Li et al. ICML 2023; spec §5c): an 8-layer ReLU GCN (width 64,
 * 8 classes) on an Erdős–Rényi graph of mean degree 5 with zero-mean Gaussian features. The
 * forward pre-activation variance (last/first) and the backpropagated-signal variance
 * (first/last) are measured for Virgo, virgofor, Kaiming and Xavier.
 */
export const virgoVarianceExperiment: Experiment = {
  id: 'graph-init/virgo-variance',
  pkg: '@x/graph-init',
  title: 'Virgo: variance across depth in a GCN',
  claim:
    'Virgo ("On the Initialization of Graph Neural Networks", Li et al. 2023) keeps the forward and backward signal variances of a deep GCN from decaying, far better than Kaiming and Xavier. Tests that Virgo loses the least signal in both directions and keeps the forward variance from decaying; the paper\'s "keeps the backward variance from decaying" does not reproduce (it drops about 20x over 8 layers), see README.',
  params: [
    { name: 'N', label: 'graph nodes', kind: 'int', min: 200, max: 8000, step: 100, default: 2000, quick: 1000 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const { N } = experimentParams(virgoVarianceExperiment, opts) as { N: number };
    const seeds = opts.quick ? 1 : 3;
    const depth = 8;
    const hidden = 64;
    const C = 8;
    const adj = normalizedAdjacency(edgesToCsr(erdosRenyi(N, 5 / (N - 1), { seed: seed + 1 })));
    const x = { rows: N, cols: hidden, data: rng(seed + 2).fillNormal(new Float64Array(N * hidden)) };
    const fwdSeries = [];
    const bwdSeries = [];
    const metrics: Record<string, number> = {};
    let done = 0;
    for (const s of SCHEMES) {
      throwIfAborted(opts.signal);
      const v = gcnInitVariances(s, adj, x, { depth, hidden, numClasses: C });
      const f = new Float64Array(depth);
      const b = new Float64Array(depth);
      for (let k = 0; k < seeds; k++) {
        const p = measureGcnVariances(adj, x, v, { hidden, numClasses: C, seed: seed * 100 + k });
        for (let l = 0; l < depth; l++) {
          f[l]! += Math.log(p.forward[l]!) / seeds;
          b[l]! += Math.log(p.backward[l]!) / seeds;
        }
      }
      const layers = Array.from({ length: depth }, (_, l) => l + 1);
      fwdSeries.push({ name: s, x: layers, y: Array.from(f, (z) => Math.exp(z - f[0]!)) });
      bwdSeries.push({ name: s, x: layers, y: Array.from(b, (z) => Math.exp(z - b[depth - 1]!)) });
      metrics[`${s}_fwd_ratio`] = Math.exp(f[depth - 1]! - f[0]!);
      metrics[`${s}_bwd_ratio`] = Math.exp(b[0]! - b[depth - 1]!);
      opts.onProgress?.({ fraction: ++done / SCHEMES.length, message: s });
      await Promise.resolve();
    }
    const m = metrics;
    // The claim as the spec measures it (§5c: Virgo 0.136 > Kaiming 0.023 > Xavier 3.2e-4 forward;
    // 6.6e-3 > 9e-4 > 1.3e-5 backward): Virgo loses the least signal in both directions. Our
    // ratios start from layer 1's pre-activation (after one propagation), which makes every
    // forward ratio ~10x the spec's, so Virgo's can exceed 1 (it over-compensates smoothing).
    const fmt = (v: number) => v.toExponential(2);
    const kept = (ratio: number) => ratio > 0.5;
    return experimentResult({
      checks: [
        check('forward: Virgo keeps more variance than Kaiming, Kaiming more than Xavier (last/first)', m.virgo_fwd_ratio! > m.kaiming_fwd_ratio! && m.kaiming_fwd_ratio! > m.xavier_fwd_ratio!, `${fmt(m.virgo_fwd_ratio!)} > ${fmt(m.kaiming_fwd_ratio!)} > ${fmt(m.xavier_fwd_ratio!)}`),
        check('backward: the same order (first/last)', m.virgo_bwd_ratio! > m.kaiming_bwd_ratio! && m.kaiming_bwd_ratio! > m.xavier_bwd_ratio!, `${fmt(m.virgo_bwd_ratio!)} > ${fmt(m.kaiming_bwd_ratio!)} > ${fmt(m.xavier_bwd_ratio!)}`),
        check('Virgo keeps the forward variance from decaying: last/first > 0.5', kept(m.virgo_fwd_ratio!), fmt(m.virgo_fwd_ratio!)),
        check('paper: Virgo keeps the backward variance from decaying too: first/last > 0.5', kept(m.virgo_bwd_ratio!), `${fmt(m.virgo_bwd_ratio!)} (a ${(1 / m.virgo_bwd_ratio!).toFixed(0)}x drop over ${depth} layers)`, false),
      ],
      summary:
        `Forward variance last/first: Virgo ${fmt(m.virgo_fwd_ratio!)}, virgofor ${fmt(m.virgofor_fwd_ratio!)}, Kaiming ${fmt(m.kaiming_fwd_ratio!)}, Xavier ${fmt(m.xavier_fwd_ratio!)}; ` +
        `backward first/last: Virgo ${fmt(m.virgo_bwd_ratio!)}, Kaiming ${fmt(m.kaiming_bwd_ratio!)}, Xavier ${fmt(m.xavier_bwd_ratio!)}.`,
      plots: [
        { caption: 'Virgo should keep the forward variance from decaying with depth and lose the least of the three.', title: 'Forward pre-activation variance / layer 1', xLabel: 'layer', yLabel: 'variance ratio', logY: true, series: fwdSeries },
        { caption: 'Virgo should lose the least backward signal; it still decays (that part of the paper does not reproduce).', title: 'Backward signal variance / last layer', xLabel: 'layer', yLabel: 'variance ratio', logY: true, series: bwdSeries },
      ],
      metrics,
    });
  },
};
