import { rng } from '@x/gpu';
import { check, type Experiment, type ExperimentPlot, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter } from '@x/gpu/experiments';
import { hippoLegS } from '../hippo';
import { hippoNormalEig } from '../normal-eig';
import { ptdInit, ptdOutput, spectralNorm } from '../ptd';
import { ptdOptimize } from '../ptd-optimize';
import { transferDense, transferDiag } from '../transfer';
import { checkAborted } from './util';

/** PTD paper (Yu et al., ICLR 2024), Sec. 3-5 and Fig. 1: frequency sweep of the transfer functions. */
export const ptdSweepExperiment: Experiment = {
  id: 'ssm/ptd-frequency-sweep',
  pkg: '@x/ssm',
  title: 'PTD stays close to HiPPO-LegS across frequencies; S4D-LegS deviates in spikes',
  claim:
    'PTD (Yu et al., ICLR 2024, Thm. 2-3): S4D-LegS converges to the HiPPO-LegS (S4) system only weakly and its transfer function deviates in persistent spikes, while perturb-then-diagonalize keeps sup_w |G_PTD(iw) - G(iw)| = O(eps log N).',
  params: [
    { name: 'steps', label: 'projected Adam steps', kind: 'int', min: 50, max: 1200, step: 50, default: 300, quick: 150 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 3e-4, max: 3e-2, default: 0.003 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const quick = opts.quick ?? false;
    const { steps, lr } = experimentParams(ptdSweepExperiment, opts) as { steps: number; lr: number };
    const N = quick ? 16 : 32;
    const eps = 0.1;
    const r = rng(opts.seed ?? 0);
    const C = new Float64Array(N);
    for (let i = 0; i < N; i++) C[i] = r.normal() / Math.sqrt(N);
    const M = quick ? 200 : 600;
    const w = Array.from({ length: M }, (_, i) => 0.05 + (i * (3 * N - 0.05)) / (M - 1));
    const s = { re: new Float64Array(M), im: Float64Array.from(w) };
    const { A, B } = hippoLegS(N);
    const G = transferDense(A, B, C, s);
    checkAborted(opts.signal);
    // S4D-LegS: the normal part, N/2 stored conjugate pairs, B/2.
    const { lambda, V } = hippoNormalEig(N);
    const h = N / 2;
    const mk = () => ({ re: new Float64Array(h), im: new Float64Array(h) });
    const Ad = mk();
    const Bd = mk();
    const Cd = mk();
    for (let j = 0; j < h; j++) {
      Ad.re[j] = lambda.re[j]!;
      Ad.im[j] = lambda.im[j]!;
      for (let i = 0; i < N; i++) {
        Bd.re[j] = Bd.re[j]! + 0.5 * V.re.data[i * N + j]! * B[i]!;
        Bd.im[j] = Bd.im[j]! - 0.5 * V.im.data[i * N + j]! * B[i]!;
        Cd.re[j] = Cd.re[j]! + C[i]! * V.re.data[i * N + j]!;
        Cd.im[j] = Cd.im[j]! + C[i]! * V.im.data[i * N + j]!;
      }
    }
    const Gs4d = transferDiag({ A: Ad, B: Bd, C: Cd }, s, { conjPairs: true });
    checkAborted(opts.signal);
    const p = ptdInit(N, { eps, seed: r });
    const Gptd = transferDiag({ A: p.Lambda, B: p.B, C: ptdOutput(p, C) }, s);
    checkAborted(opts.signal);
    const dev = (X: { re: Float64Array; im: Float64Array }) => w.map((_, i) => Math.hypot(X.re[i]! - G.re[i]!, X.im[i]! - G.im[i]!));
    const d4 = dev(Gs4d);
    const dp = dev(Gptd);
    // Live results: the S4D-LegS and random-E deviations at once, then the optimizer's objective as it runs.
    const report = partialReporter(opts.onPartial);
    const objective: { x: number[]; y: number[] } = { x: [], y: [] };
    const livePlots = (): ExperimentPlot[] => [
      {
        title: `Deviation from HiPPO-LegS, |G(iw) - G_HiPPO(iw)| (N = ${N}; live: the optimized E is still running)`,
        xLabel: 'frequency w',
        yLabel: 'deviation',
        logY: true,
        series: [
          { name: 'S4D-LegS', x: w, y: d4 },
          { name: `PTD, random E (eps = ${eps})`, x: w, y: dp },
        ],
      },
      { title: 'Optimizing the direction of E: sum of squared eigenvalue condition numbers (live)', xLabel: 'projected Adam step', yLabel: 'sum_j kappa_j^2', logY: true, series: [{ name: 'objective', x: objective.x.slice(), y: objective.y.slice() }] },
    ];
    report(() => ({ plots: livePlots() }), true);
    // optimized direction at the same norm (projected Adam on the eigenvalue condition numbers)
    const { E, history } = await ptdOptimize(N, {
      norm: eps,
      gamma: 0,
      lr,
      steps,
      seed: opts.seed ?? 0,
      signal: opts.signal,
      onProgress: opts.onPartial
        ? (p) => {
            objective.x.push(p.step);
            objective.y.push(p.loss);
            report(() => ({ plots: livePlots() }), p.fraction === 1);
          }
        : undefined,
    });
    const po = ptdInit(N, { E });
    const Gopt = transferDiag({ A: po.Lambda, B: po.B, C: ptdOutput(po, C) }, s);
    const normA = spectralNorm(A);
    const dpo = dev(Gopt);
    const supO = Math.max(...dpo);
    const sup4 = Math.max(...d4);
    const supP = Math.max(...dp);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    return experimentResult({
      checks: [
        check('PTD with a random E of norm eps stays within 1/5 of S4D-LegS’s sup deviation from the HiPPO transfer function', supP < sup4 / 5, `${supP.toExponential(2)} vs S4D-LegS ${sup4.toExponential(2)}`),
        check('PTD with an optimized E of the same norm does too', supO < sup4 / 5, `${supO.toExponential(2)} vs ${sup4.toExponential(2)}`),
        check('optimizing E lowers the eigenvector condition number κ(V)', po.kappa < p.kappa, `κ ${po.kappa.toExponential(1)} vs ${p.kappa.toExponential(1)} (random E)`),
      ],
      summary: `N = ${N}, w in (0, ${3 * N}]: sup |G - G_HiPPO| = ${sup4.toExponential(2)} for S4D-LegS vs ${supP.toExponential(2)} for PTD with a random E (||E||_2 = ${eps}, kappa(V) = ${p.kappa.toExponential(1)}) and ${supO.toExponential(2)} with an optimized E of the same norm (kappa(V) = ${po.kappa.toExponential(1)}).`,
      metrics: { supS4dLegs: sup4, supPtd: supP, meanS4dLegs: mean(d4), meanPtd: mean(dp), kappaPtd: p.kappa, normE: p.normE, supPtdOpt: supO, kappaPtdOpt: po.kappa, normEOpt: po.normE, normA },
      plots: [
        {
          title: `Deviation from HiPPO-LegS, |G(iw) - G_HiPPO(iw)| (N = ${N})`,
          caption: 'S4D-LegS should spike far above both PTD curves, which stay below a fifth of its worst deviation at every frequency.',
          xLabel: 'frequency w',
          yLabel: 'deviation',
          logY: true,
          series: [
            { name: 'S4D-LegS', x: w, y: d4 },
            { name: `PTD, random E (eps = ${eps})`, x: w, y: dp },
            { name: `PTD, optimized E (eps = ${eps})`, x: w, y: dpo },
          ],
        },
        {
          title: '|G(iw)|',
          caption: 'The three gains should nearly coincide: the deviations in the other plot are small next to the gain itself.',
          xLabel: 'frequency w',
          yLabel: 'gain',
          series: [
            { name: 'HiPPO-LegS (dense)', x: w, y: w.map((_, i) => Math.hypot(G.re[i]!, G.im[i]!)) },
            { name: 'S4D-LegS', x: w, y: w.map((_, i) => Math.hypot(Gs4d.re[i]!, Gs4d.im[i]!)) },
            { name: 'PTD', x: w, y: w.map((_, i) => Math.hypot(Gptd.re[i]!, Gptd.im[i]!)) },
          ],
        },
        {
          title: 'Optimizing the direction of E at ||E||_2 = eps: sum of squared eigenvalue condition numbers',
          caption: 'The objective of ptdOptimize per projected Adam step; it should fall (the optimized E is better conditioned than the random start).',
          xLabel: 'projected Adam step',
          yLabel: 'sum_j kappa_j^2',
          logY: true,
          series: [{ name: 'objective', x: history.map((_, i) => i + 1), y: history }],
        },
      ],
    });
  },
};
