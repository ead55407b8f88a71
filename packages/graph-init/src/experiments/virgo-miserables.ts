import { rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentPlot, type ExperimentRunOptions, type ExperimentSeries, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { MISERABLES } from '../data/miserables';
import { edgesToCsr } from '../graph/csr';
import { normalizedAdjacency } from '../graph/normalize';
import type { GcnInitScheme } from '../virgo/virgo';
import { forceLayout } from './layout';
import { trainGcn } from './sbm-task';

const SCHEMES: GcnInitScheme[] = ['xavier', 'kaiming', 'virgo'];

/**
 * Virgo on a real graph (Li et al. ICML 2023; spec §5d): community classification on the Les
 * Misérables co-occurrence network (77 characters, 254 links, 11 groups; Knuth's Stanford
 * GraphBase via vega-datasets) with an 8-layer ReLU GCN, zero-mean Gaussian node features,
 * half of the nodes labelled, full-batch Adam, over several seeds.
 */
export const virgoMiserablesExperiment: Experiment = {
  id: 'graph-init/virgo-miserables',
  pkg: '@x/graph-init',
  title: 'Virgo: depth-8 GCN on the Les Misérables graph',
  claim:
    'Virgo ("On the Initialization of Graph Neural Networks", Li et al. 2023) trains a depth-8 GCN on a real graph at least as well as Kaiming and better than Xavier.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 20, max: 800, step: 10, default: 200, quick: 120 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 5e-4, max: 5e-2, default: 0.005 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seeds = quick ? 3 : 8;
    const { steps, lr } = experimentParams(virgoMiserablesExperiment, opts) as { steps: number; lr: number };
    const seed0 = opts.seed ?? 0;
    const n = MISERABLES.group.length;
    const adj = normalizedAdjacency(
      edgesToCsr({ n, src: Int32Array.from(MISERABLES.links.map((l) => l[0])), dst: Int32Array.from(MISERABLES.links.map((l) => l[1])) }),
    );
    const labels = Int32Array.from(MISERABLES.group);
    const mean: Record<string, number> = {};
    const series: ExperimentSeries[] = [];
    let done = 0;
    const accPlot = (ss: ExperimentSeries[]): ExperimentPlot => ({ title: 'Test accuracy, 8-layer GCN on Les Misérables', xLabel: 'Adam step', yLabel: 'test accuracy', series: ss, caption: 'Virgo should end at least as high as Kaiming and above Xavier.' });
    // Live results: the finished mean curves plus the test-accuracy curve of the run in training.
    const report = partialReporter(opts.onPartial);
    for (const scheme of SCHEMES) {
      let acc = 0;
      let curve: number[] = [];
      let xs: number[] = [];
      for (let k = 0; k < seeds; k++) {
        throwIfAborted(opts.signal);
        const seed = seed0 * 1000 + k;
        const r = rng(seed);
        const x = { rows: n, cols: 16, data: r.fillNormal(new Float64Array(n * 16)) };
        const train = new Uint8Array(n);
        for (let i = 0; i < n; i++) train[i] = r.uniform() < 0.5 ? 1 : 0;
        const res = trainGcn({ adj, x, labels, train, numClasses: 11 }, scheme, { depth: 8, hidden: 32, steps, lr, seed, evalEvery: Math.floor(steps / 10) }, (xsSoFar, accSoFar) =>
          report(() => ({ plots: [accPlot([...series, { name: `${scheme} (seed ${k}, training)`, x: [...xsSoFar], y: [...accSoFar] }])] })),
        );
        acc += res.finalTestAcc / seeds;
        curve = k === 0 ? res.testAcc.map((a) => a / seeds) : curve.map((c, i) => c + res.testAcc[i]! / seeds);
        xs = res.steps;
        opts.onProgress?.({ fraction: ++done / (SCHEMES.length * seeds), message: `${scheme} seed ${k}` });
        await Promise.resolve();
      }
      mean[scheme] = acc;
      series.push({ name: scheme, x: xs, y: curve });
      report(() => ({ plots: [accPlot([...series])] }), scheme === SCHEMES[SCHEMES.length - 1]);
    }
    // The graph itself: its characters at a force-directed layout, coloured by their community (the labels).
    const links = MISERABLES.links.map((l) => [l[0], l[1]] as const);
    const layout = forceLayout(n, links, { seed: seed0 });
    const groups = Math.max(...MISERABLES.group) + 1;
    return experimentResult({
      checks: [
        check('Virgo trains the depth-8 GCN at least as well as Kaiming (mean test accuracy)', mean.virgo! >= mean.kaiming!, `${mean.virgo!.toFixed(3)} vs ${mean.kaiming!.toFixed(3)}`),
        check('and better than Xavier', mean.virgo! > mean.xavier!, `${mean.virgo!.toFixed(3)} vs ${mean.xavier!.toFixed(3)}`),
      ],
      summary: `Les Misérables, depth 8, mean test accuracy over ${seeds} seeds: Virgo ${mean.virgo!.toFixed(3)}, Kaiming ${mean.kaiming!.toFixed(3)}, Xavier ${mean.xavier!.toFixed(3)}.`,
      plots: [
        accPlot(series),
        {
          title: `The Les Misérables graph: ${n} characters, ${links.length} links, ${groups} communities (the classes)`,
          xLabel: 'layout x',
          yLabel: 'layout y',
          series: [],
          scatter: {
            x: layout.x,
            y: layout.y,
            classes: [...MISERABLES.group],
            classNames: Array.from({ length: groups }, (_, k) => `group ${k}`),
            edges: links.flat(),
            extent: [-1.08, 1.08, -1.08, 1.08],
          },
          caption: 'Communities sit together in the drawing (force-directed, seeded): the GCN has to tell them apart from the links alone, as its node features are random noise.',
        },
      ],
      metrics: { virgo: mean.virgo!, kaiming: mean.kaiming!, xavier: mean.xavier! },
    });
  },
};
