import {
  check,
  type Experiment,
  type ExperimentParam,
  experimentParams,
  type ExperimentPlot,
  type ExperimentResult,
  type ExperimentRunOptions,
  experimentResult,
  partialReporter,
} from '@x/gpu/experiments';
import { trainS4DDigits } from '../digits-task';
import { checkAborted } from './util';

const PARAMS: ExperimentParam[] = [
  { name: 'steps', label: 'AdamW steps', kind: 'int', min: 10, max: 5000, default: 800, quick: 200 },
  { name: 'dModel', label: 'model width H', kind: 'int', min: 4, max: 128, default: 24, quick: 12 },
  { name: 'depth', label: 'S4D blocks', kind: 'int', min: 1, max: 8, default: 3, quick: 2 },
];

/** The two optimizer settings compared: s4's parameter groups, and one AdamW group for everything. */
const RUNS = [
  { key: 'groups', name: 'Δ, A, B: lr/10, no weight decay (s4)', paramGroups: true },
  { key: 'single', name: 'one AdamW group (lr, weight decay on all)', paramGroups: false },
] as const;

/**
 * S4D paper (Gu et al. 2022) and state-spaces/s4 `example.py`: a deep S4D classifier on images
 * read as pixel sequences (sequential MNIST/CIFAR there; the UCI 8x8 digits here, 64 steps), and
 * s4's training recipe for the SSM parameters (their own smaller learning rate, no weight decay).
 */
export const s4dDigitsExperiment: Experiment = {
  id: 'ssm/s4d-sequential-digits',
  pkg: '@x/ssm',
  title: 'A deep S4D classifier on sequential 8x8 digits (64 pixel steps), with and without s4’s parameter groups',
  claim:
    'S4D (Gu et al., 2022; the state-spaces/s4 example): a stack of S4D blocks (bidirectional S4D-Lin kernels, GELU + GLU output, residual and LayerNorm, mean pooling) classifies images read one pixel per step; here the UCI handwritten digits (8x8, 64 steps, 1,438 train / 359 test). Also compares s4’s recipe of training Δ, A and B with a 10x smaller learning rate and no weight decay against one AdamW group for every parameter; which is better is reported, not asserted.',
  params: PARAMS,
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const p = experimentParams(s4dDigitsExperiment, opts);
    const steps = p.steps as number;
    const evalEvery = Math.max(1, Math.round(steps / (quick ? 4 : 15)));
    // Quick mode trains the s4 recipe only; the comparison with one group needs the full size.
    const runs = quick ? RUNS.slice(0, 1) : RUNS;
    const acc: Record<string, { x: number[]; y: number[] }> = {};
    const loss: Record<string, { x: number[]; y: number[] }> = {};
    for (const r of runs) {
      acc[r.key] = { x: [], y: [] };
      loss[r.key] = { x: [], y: [] };
    }
    const plots = (): ExperimentPlot[] => [
      {
        title: 'Test accuracy on sequential digits',
        xLabel: 'AdamW step',
        yLabel: 'test accuracy',
        series: runs.map((r) => ({ name: r.name, ...acc[r.key]! })),
        references: [{ kind: 'line', label: 'chance (10 classes)', y: 0.1 }],
        caption: quick ? 'Quick size trains s4’s recipe only; the full size adds one AdamW group for every parameter (same seed, same minibatches). The grey line is chance.' : 'Both settings train the same model from the same seed on the same minibatches; the grey line is chance.',
      },
      {
        title: 'Training loss (minibatch cross-entropy)',
        xLabel: 'AdamW step',
        yLabel: 'cross-entropy',
        logY: true,
        series: runs.map((r) => ({ name: r.name, ...loss[r.key]! })),
        references: [{ kind: 'line', label: 'ln 10 (uniform prediction)', y: Math.log(10) }],
        caption: 'Minibatch losses at the evaluation steps; the plateau at ln 10 is the model predicting every class alike.',
      },
    ];
    const report = partialReporter(opts.onPartial);
    const final: Record<string, { test: number; train: number }> = {};
    for (let i = 0; i < runs.length; i++) {
      checkAborted(opts.signal);
      const r = runs[i]!;
      const res = await trainS4DDigits({
        dModel: p.dModel as number,
        depth: p.depth as number,
        stateSize: quick ? 8 : 16,
        bidirectional: true,
        prenorm: true,
        dropout: quick ? 0 : 0.1,
        steps,
        batch: quick ? 16 : 32,
        lr: 0.01,
        ssmLr: 0.001,
        weightDecay: 0.01,
        paramGroups: r.paramGroups,
        evalEvery,
        seed,
        signal: opts.signal,
        onProgress: (info) => {
          acc[r.key]!.x.push(info.step);
          acc[r.key]!.y.push(info.testAccuracy);
          loss[r.key]!.x.push(info.step);
          loss[r.key]!.y.push(info.loss);
          opts.onProgress?.({ fraction: (i + info.fraction) / runs.length, message: `${r.name}: step ${info.step}, test accuracy ${(100 * info.testAccuracy).toFixed(1)}%` });
          report(() => ({ plots: plots() }));
        },
      });
      final[r.key] = { test: res.testAccuracy, train: res.trainAccuracy };
    }
    report(() => ({ plots: plots() }), true);
    const g = final.groups!;
    const s = final.single;
    const pct = (a: number) => `${(100 * a).toFixed(1)}%`;
    const target = quick ? 0.3 : 0.9;
    const checks = [check(`the deep S4D classifier (s4's parameter groups) reaches > ${pct(target)} test accuracy (chance 10%)`, g.test > target, `${pct(g.test)} test, ${pct(g.train)} train`)];
    if (s) checks.push(check('s4’s parameter groups give a higher test accuracy than one AdamW group (reported, not asserted)', g.test > s.test, `${pct(g.test)} with groups vs ${pct(s.test)} with one group`, false));
    const head = `Sequential 8x8 digits (64 steps), ${p.depth} bidirectional S4D blocks of width ${p.dModel}, ${steps} AdamW steps: test accuracy ${pct(g.test)} (train ${pct(g.train)}) with s4's parameter groups (Δ, A, B at lr/10 without weight decay)`;
    return experimentResult({
      checks,
      summary: s ? `${head}, ${pct(s.test)} (train ${pct(s.train)}) with one group.` : `${head}; the comparison with one AdamW group runs at full size.`,
      metrics: s ? { testAccGroups: g.test, trainAccGroups: g.train, testAccSingle: s.test, trainAccSingle: s.train } : { testAccGroups: g.test, trainAccGroups: g.train },
      plots: plots(),
    });
  },
};
