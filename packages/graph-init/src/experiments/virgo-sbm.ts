import { checkBoolean } from '@x/gpu/checks';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentPlot, type ExperimentRunOptions, type ExperimentSeries, inconclusiveAtQuickSize, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import type { GcnInitScheme } from '../virgo/virgo';
import { sbmTask, trainGcn } from './sbm-task';

const SCHEMES: GcnInitScheme[] = ['xavier', 'kaiming', 'virgo'];

/** Configuration of the SBM comparison; `quick` shrinks it for tests and the headless runner. */
export function virgoSbmConfig(quick: boolean) {
  checkBoolean('virgoSbmConfig', 'quick', quick);
  return quick
    ? { blocks: 8, size: 50, pIn: 0.1, pOut: 0.01, noise: 1, hidden: 16, steps: 100, lr: 0.005, seeds: 2 }
    : { blocks: 8, size: 100, pIn: 0.05, pOut: 0.005, noise: 1, hidden: 32, steps: 150, lr: 0.003, seeds: 5 };
}

/**
 * Virgo's node-classification claim at depth 8 (Li et al. ICML 2023, Tables 2-4; spec §5d):
 * an 8-layer ReLU GCN on an 8-community stochastic block model (800 nodes, p_in = .05,
 * p_out = .005, noisy one-hot features, 30% of nodes labelled), full-batch Adam, compared
 * across Xavier, Kaiming and Virgo initialisations over several seeds.
 * Quick mode: 400 nodes (p_in = .1, p_out = .01, same expected degrees), width 16, 2 seeds.
 */
export const virgoSbmExperiment: Experiment = {
  id: 'graph-init/virgo-sbm',
  pkg: '@x/graph-init',
  title: 'Virgo: depth-8 GCN node classification on an SBM',
  claim:
    'Virgo ("On the Initialization of Graph Neural Networks", Li et al. 2023) trains deep GCNs at least as well as Kaiming and much better than Xavier (Virgo vs Kaiming is decided at full size only).',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 20, max: 600, step: 10, default: 150, quick: 100 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 3e-4, max: 3e-2, default: 0.003, quick: 0.005 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const cfg = { ...virgoSbmConfig(opts.quick ?? false), ...(experimentParams(virgoSbmExperiment, opts) as { steps: number; lr: number }) };
    const seed0 = opts.seed ?? 0;
    const mean: Record<string, number> = {};
    const series: ExperimentSeries[] = [];
    let done = 0;
    const accPlot = (ss: ExperimentSeries[]): ExperimentPlot => ({ title: 'Test accuracy, 8-layer GCN on an SBM', xLabel: 'Adam step', yLabel: 'test accuracy', series: ss, caption: 'Virgo should end well above Xavier and at least as high as Kaiming (decided at full size; quick runs may differ).' });
    // Live results: the finished mean curves plus the test-accuracy curve of the run in training.
    const report = partialReporter(opts.onPartial);
    for (const scheme of SCHEMES) {
      let acc = 0;
      let curve: number[] = [];
      let steps: number[] = [];
      for (let k = 0; k < cfg.seeds; k++) {
        throwIfAborted(opts.signal);
        const seed = seed0 * 1000 + k;
        const task = sbmTask({ blocks: cfg.blocks, size: cfg.size, pIn: cfg.pIn, pOut: cfg.pOut, noise: cfg.noise, trainFraction: 0.3, seed });
        const r = trainGcn(task, scheme, { depth: 8, hidden: cfg.hidden, steps: cfg.steps, lr: cfg.lr, seed, evalEvery: Math.max(1, Math.floor(cfg.steps / 10)) }, (xsSoFar, accSoFar) =>
          report(() => ({ plots: [accPlot([...series, { name: `${scheme} (seed ${k}, training)`, x: [...xsSoFar], y: [...accSoFar] }])] })),
        );
        acc += r.finalTestAcc / cfg.seeds;
        if (k === 0) curve = r.testAcc.map((a) => a / cfg.seeds);
        else curve = curve.map((c, i) => c + r.testAcc[i]! / cfg.seeds);
        steps = r.steps;
        opts.onProgress?.({ fraction: ++done / (SCHEMES.length * cfg.seeds), message: `${scheme} seed ${k}` });
        await Promise.resolve();
      }
      mean[scheme] = acc;
      series.push({ name: scheme, x: steps, y: curve });
      report(() => ({ plots: [accPlot([...series])] }), scheme === SCHEMES[SCHEMES.length - 1]);
    }
    // Virgo vs Kaiming differs by a few points at most; at quick size (2 seeds, 400 nodes) the
    // order flips with the seed, so quick mode reports it as inconclusive instead of claiming it.
    const f = (v: number) => v.toFixed(3);
    const virgoVsKaiming = `Virgo ${f(mean.virgo!)} vs Kaiming ${f(mean.kaiming!)}`;
    const statement = 'Virgo trains at least as well as Kaiming (mean test accuracy)';
    return experimentResult({
      checks: [
        opts.quick ? inconclusiveAtQuickSize(statement, mean.virgo! >= mean.kaiming!, virgoVsKaiming) : check(statement, mean.virgo! >= mean.kaiming!, virgoVsKaiming),
        check('Virgo is much better than Xavier (by more than 0.05)', mean.virgo! > mean.xavier! + 0.05, `${f(mean.virgo!)} vs ${f(mean.xavier!)}`),
        check('so is Kaiming (by more than 0.05)', mean.kaiming! > mean.xavier! + 0.05, `${f(mean.kaiming!)} vs ${f(mean.xavier!)}`),
      ],
      summary: `Mean test accuracy at depth 8 over ${cfg.seeds} seeds: Virgo ${mean.virgo!.toFixed(3)}, Kaiming ${mean.kaiming!.toFixed(3)}, Xavier ${mean.xavier!.toFixed(3)}.`,
      plots: [accPlot(series)],
      metrics: { virgo: mean.virgo!, kaiming: mean.kaiming!, xavier: mean.xavier! },
    });
  },
};
