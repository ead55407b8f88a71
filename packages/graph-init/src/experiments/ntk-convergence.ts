import { rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, throwIfAborted } from '@x/gpu/experiments';
import { empiricalKernels } from '../kernels/empirical';
import { wideKernels } from '../kernels/nngp';
import { logLogSlope as slope, relFro } from './log-log';

/**
 * Tensor Programs I (Yang 2019; spec §7c-d): the NNGP and NTK of finite random ReLU MLPs
 * (6 inputs, d = 8, σ_w² = 2, σ_b² = 0.1, two hidden layers) approach the analytic
 * arc-cosine recursions with relative Frobenius error ∝ 1/√width: slope ≈ −½ on log-log axes.
 */
export const ntkConvergenceExperiment: Experiment = {
  id: 'graph-init/ntk-convergence',
  pkg: '@x/graph-init',
  title: 'Tensor Programs I: empirical NNGP/NTK → analytic kernels at rate 1/√n',
  claim:
    'By "Scaling Limits of Wide Neural Networks with Weight Sharing" (Tensor Programs I, Yang 2019), the NNGP and NTK of a random MLP converge to their infinite-width recursions, with fluctuations shrinking like 1/√width.',
  params: [
    { name: 'seeds', label: 'networks per width', kind: 'int', min: 2, max: 48, default: 12, quick: 8 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const widths = opts.quick ? [128, 256, 512, 1024] : [64, 128, 256, 512, 1024, 2048, 4096];
    const { seeds } = experimentParams(ntkConvergenceExperiment, opts) as { seeds: number };
    const X = { rows: 6, cols: 8, data: rng(seed).fillNormal(new Float64Array(48)) };
    const o = { depth: 2, activation: 'relu' as const, sigmaW2: 2, sigmaB2: 0.1 };
    const exact = wideKernels(X, o);
    const errK: number[] = [];
    const errT: number[] = [];
    let done = 0;
    for (const n of widths) {
      let ek = 0;
      let et = 0;
      for (let s = 0; s < seeds; s++) {
        throwIfAborted(opts.signal);
        const e = empiricalKernels(X, { ...o, width: n, seed: seed * 7919 + s + 1 });
        ek += relFro(e.K.data, exact.K.data) / seeds;
        et += relFro(e.Theta.data, exact.Theta.data) / seeds;
      }
      errK.push(ek);
      errT.push(et);
      opts.onProgress?.({ fraction: ++done / widths.length, message: `width ${n}` });
      await Promise.resolve();
    }
    const sK = slope(widths, errK);
    const sT = slope(widths, errT);
    const within = widths.every((n, i) => errK[i]! < 5 / Math.sqrt(n) && errT[i]! < 5 / Math.sqrt(n));
    const last = widths.length - 1;
    return experimentResult({
      checks: [
        check('empirical NNGP and NTK errors stay below 5/√width at every width', within, `at width ${widths[widths.length - 1]}: ${errK[widths.length - 1]!.toFixed(3)} / ${errT[widths.length - 1]!.toFixed(3)} vs ${(5 / Math.sqrt(widths[widths.length - 1]!)).toFixed(3)}`),
        check('the NNGP error falls like 1/√width (log-log slope in [−0.75, −0.3])', sK < -0.3 && sK > -0.75, `slope ${sK.toFixed(2)}`),
        check('so does the NTK error', sT < -0.3 && sT > -0.75, `slope ${sT.toFixed(2)}`),
      ],
      summary: `Log-log slope of the error: NNGP ${sK.toFixed(2)}, NTK ${sT.toFixed(2)} (theory −0.5); at width ${widths[last]} the errors are ${errK[last]!.toFixed(3)} / ${errT[last]!.toFixed(3)}.`,
      plots: [
        {
          title: 'Relative Frobenius error of empirical kernels (ReLU, L = 2)',
          caption: 'Both errors should fall parallel to the dashed 2/√n guide (slope −½) and stay under the dashed 5/√n bound.',
          xLabel: 'width n',
          yLabel: 'relative error',
          logX: true,
          logY: true,
          series: [
            { name: 'NNGP', x: widths, y: errK },
            { name: 'NTK', x: widths, y: errT },
          ],
          references: [
            { kind: 'curve', label: '5/√n (the checked bound)', x: widths, y: widths.map((n) => 5 / Math.sqrt(n)) },
            { kind: 'curve', label: '2/√n (slope −½)', x: widths, y: widths.map((n) => 2 / Math.sqrt(n)) },
          ],
        },
      ],
      metrics: { slopeNngp: sK, slopeNtk: sT, errNngpLast: errK[last]!, errNtkLast: errT[last]! },
    });
  },
};
