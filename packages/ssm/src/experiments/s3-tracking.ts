import { type Experiment, type ExperimentResult, type ExperimentRunOptions, rng } from '@x/gpu';
import { s3TrackDeltaProduct, s3WordProblem } from '../s3';
import { trainS3WordProblem } from '../word-problem';
import { checkAborted } from './util';

/** DeltaProduct paper, Sec. 4: the hand-set DeltaProduct_2 (beta = 2) tracks S3 exactly. */
export const s3TrackerExperiment: Experiment = {
  id: 'ssm/deltaproduct-s3-tracker',
  pkg: '@x/ssm',
  title: 'A hand-set DeltaProduct_2 with reflections tracks S3 exactly',
  claim:
    'DeltaProduct (Siems et al., 2025, Sec. 4): with n_h = 2 Householder steps and beta = 2 (eigenvalue -1), one layer represents every permutation of 3 items, so it solves the S3 word problem at any length.',
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    const r = rng(opts.seed ?? 0);
    const lengths = opts.quick ? [10, 100, 400] : [10, 100, 1000, 4000];
    const accs: number[] = [];
    for (const L of lengths) {
      checkAborted(opts.signal);
      const { tokens, labels } = s3WordProblem(L, r);
      const pred = s3TrackDeltaProduct(tokens);
      let ok = 0;
      for (let t = 0; t < L; t++) if (pred[t] === labels[t]) ok++;
      accs.push(ok / L);
    }
    const ok = accs.every((a) => a === 1);
    return {
      ok,
      summary: `Exact prefix-product accuracy ${accs.map((a, i) => `${(100 * a).toFixed(1)}% at T=${lengths[i]}`).join(', ')} (beta = 2 reflections; with beta in [0, 1] every factor has determinant 1 - beta >= 0, so odd permutations are unreachable).`,
      metrics: Object.fromEntries(lengths.map((L, i) => [`acc_T${L}`, accs[i]!])),
      plots: [
        {
          title: 'Constructive DeltaProduct_2 tracker on S3',
          xLabel: 'sequence length',
          yLabel: 'accuracy',
          logX: true,
          series: [{ name: 'DeltaProduct_2, beta = 2', x: lengths, y: accs }],
        },
      ],
    };
  },
};

/** DeltaProduct paper, Sec. 5.1 / Fig. 3: trained state tracking on S3. */
export const s3WordProblemExperiment: Experiment = {
  id: 'ssm/deltaproduct-s3-word-problem',
  pkg: '@x/ssm',
  title: 'Trained DeltaProduct: n_h = 2 with negative eigenvalues learns S3, DeltaNet with beta in [0, 1] cannot',
  claim:
    'DeltaProduct (Siems et al., 2025, Sec. 5.1): a one-layer DeltaProduct_2 with beta in [0, 2] learns the S3 word problem and extrapolates to longer sequences, while n_h = 1 with beta in [0, 1] (DeltaNet) stays near chance.',
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    const seed = opts.seed ?? 0;
    const quick = opts.quick ?? false;
    const configs: { nh: number; betaMax: 1 | 2 }[] = quick
      ? [
          { nh: 1, betaMax: 1 },
          { nh: 2, betaMax: 2 },
        ]
      : [
          { nh: 1, betaMax: 1 },
          { nh: 1, betaMax: 2 },
          { nh: 2, betaMax: 1 },
          { nh: 2, betaMax: 2 },
        ];
    const trainLength = 16;
    const steps = quick ? 300 : 1000;
    const testLengths = [16, 32, 48, 64];
    const series: { name: string; x: number[]; y: number[] }[] = [];
    const metrics: Record<string, number> = {};
    for (let c = 0; c < configs.length; c++) {
      checkAborted(opts.signal);
      const { nh, betaMax } = configs[c]!;
      const { model } = await trainS3WordProblem({
        nh,
        betaMax,
        d: 4,
        seed,
        steps,
        batch: 16,
        trainLength,
        lr: 0.03,
        signal: opts.signal,
        onProgress: (i) => opts.onProgress?.({ fraction: (c + i.fraction) / configs.length, message: `n_h=${nh}, beta in [0, ${betaMax}]: loss ${i.loss.toFixed(3)}` }),
      });
      const r = rng(seed + 77);
      const accs = testLengths.map((L) => model.accuracy(Array.from({ length: quick ? 40 : 100 }, () => s3WordProblem(L, r))));
      const name = `n_h=${nh}, beta in [0,${betaMax}]`;
      series.push({ name, x: testLengths, y: accs });
      testLengths.forEach((L, i) => {
        metrics[`acc_nh${nh}_b${betaMax}_T${L}`] = accs[i]!;
      });
    }
    const good = metrics.acc_nh2_b2_T64!;
    const bad = metrics.acc_nh1_b1_T16!;
    const ok = good > 0.9 && bad < 0.5;
    return {
      ok,
      summary: `Per-position accuracy at 4x the training length (T=64): n_h=2, beta in [0,2] ${(100 * good).toFixed(1)}%; n_h=1, beta in [0,1] ${(100 * metrics.acc_nh1_b1_T64!).toFixed(1)}% (chance 16.7%).`,
      metrics,
      plots: [
        {
          title: `S3 word problem, trained at T = ${trainLength}`,
          xLabel: 'test length',
          yLabel: 'accuracy',
          series,
        },
      ],
    };
  },
};
