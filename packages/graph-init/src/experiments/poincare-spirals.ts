import { checkAlloc, checkInt, checkOneOf, checkPositive, checkSeed, checkSize, MAX_DEPTH } from '@x/gpu/checks';
import { check, type Experiment, type ExperimentPlot, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { accuracy, Linear, type Module, Sequential, softmaxCrossEntropyLoss } from '@x/nn';
import { AdamW } from '@x/optim';
import { spirals } from '../logah/target-mlp';
import { PoincareLinear } from '../poincare/linear-layer';
import { ExpMap0, LogMap0 } from '../poincare/maps-layer';

/** A deep Poincaré MLP: Linear lift → exp_0 → `depth` Poincaré FC layers → log_0 → Linear readout. */
export function deepPoincareMlp(depth: number, width: number, c: number, init: 'identity' | 'gaussian', seed: number): Sequential {
  const fn = 'deepPoincareMlp';
  checkInt(fn, 'depth', depth, 0, MAX_DEPTH);
  checkSize(fn, 'width', width, 1);
  checkAlloc(fn, 'the Poincaré layers', depth, width, width);
  checkPositive(fn, 'c', c);
  checkOneOf(fn, 'init', init, ['identity', 'gaussian'] as const);
  checkSeed(fn, 'seed', seed);
  const layers: Module[] = [new Linear(2, width, { seed, init: 'xavier-uniform' }), new ExpMap0(c)];
  for (let l = 0; l < depth; l++) layers.push(new PoincareLinear(width, width, { c, init, seed: seed * 100 + l + 1 }));
  layers.push(new LogMap0(c), new Linear(width, 2, { seed: seed + 1, init: 'xavier-uniform' }));
  return new Sequential(layers);
}

/**
 * Poincaré ResNet's trainability claim (van Spengler et al., ICCV 2023; spec §4d), on a plain
 * (non-residual) stack so that depth alone decides: 10 Poincaré FC layers of width 16 at
 * c = 0.1 between a Euclidean lift and readout, trained with Adam (lr 1e-3, full batch) on 2-D
 * spirals (full mode 500 points and 1500 steps instead of the spec's 1000 and 2000, for time). With the identity init (Z = ½I) the deep stack starts as the identity and trains;
 * with the Gaussian init the signal collapses to the origin and training lags far behind (the
 * spec expected it to stay near chance; with Adam it creeps up: 0.79 vs 1.00 after 300 steps).
 * Outputs are projected to ‖y‖ <= (1 − 1e-5)/√c, without which training diverges to NaN.
 */
export const poincareSpiralsExperiment: Experiment = {
  id: 'graph-init/poincare-spirals',
  pkg: '@x/graph-init',
  title: 'Poincaré MLP: identity init trains at depth 10, Gaussian init lags',
  claim:
    'In "Poincaré ResNet" (van Spengler et al. 2023) identity initialisation makes deep Poincaré networks trainable, while Gaussian initialisation collapses the signal and stalls training. Tests that identity init trains a depth-10 Poincaré MLP and Gaussian init lags by at least 0.1 accuracy; the paper\'s "Gaussian stalls" (near chance) does not reproduce with Adam, see README.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 100, max: 3000, step: 100, default: 1500, quick: 200 },
    { name: 'n', label: 'spiral points', kind: 'int', min: 50, max: 1000, step: 50, default: 500, quick: 100 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 1e-4, max: 1e-2, default: 1e-3 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const { steps, n, lr } = experimentParams(poincareSpiralsExperiment, opts) as { steps: number; n: number; lr: number };
    const data = spirals(n, { seed: seed + 3, noise: 0.03 });
    const acc: Record<string, number> = {};
    const series: { name: string; x: number[]; y: number[] }[] = [];
    const accPlot = (ss: { name: string; x: number[]; y: number[] }[]): ExperimentPlot => ({ title: 'Spirals: training accuracy of a depth-10 Poincaré MLP', xLabel: 'Adam step', yLabel: 'accuracy', series: ss, caption: 'Identity init should train (accuracy rises) and end at least 0.1 above Gaussian init; Gaussian init does not stall at chance here.' });
    // Live results: the finished accuracy curves plus the one in training, growing step by step.
    const report = partialReporter(opts.onPartial);
    // The decision boundary: P(class 1) on a G x G grid over the data's square (row 0 at the top).
    const G = quick ? 32 : 48;
    const R = 2.2;
    const grid = new Float64Array(G * G * 2);
    for (let i = 0; i < G; i++) {
      for (let j = 0; j < G; j++) {
        grid[2 * (i * G + j)] = -R + (2 * R * j) / (G - 1);
        grid[2 * (i * G + j) + 1] = R - (2 * R * i) / (G - 1);
      }
    }
    const pictures: { name: string; rows: number; cols: number; values: number[] }[] = [];
    for (const init of ['identity', 'gaussian'] as const) {
      const model = deepPoincareMlp(10, 16, 0.1, init, seed);
      const opt = new AdamW({ lr, weightDecay: 0 });
      const xs: number[] = [];
      const ys: number[] = [];
      for (let s = 0; s <= steps; s++) {
        if (s % 50 === 0) throwIfAborted(opts.signal);
        const logits = model.forward(data.X);
        if (s % Math.max(1, Math.floor(steps / 20)) === 0 || s === steps) {
          xs.push(s);
          ys.push(accuracy(logits, data.y));
          report(() => ({ plots: [accPlot([...series, { name: `${init} init`, x: [...xs], y: [...ys] }])] }));
        }
        if (s === steps) break;
        const { grad } = softmaxCrossEntropyLoss(logits, data.y);
        model.zeroGrad();
        model.backward(grad);
        opt.step(model.parameters());
      }
      acc[init] = ys[ys.length - 1]!;
      const gl = model.forward({ rows: G * G, cols: 2, data: grid });
      pictures.push({ name: `${init} init: P(class 1)`, rows: G, cols: G, values: Array.from({ length: G * G }, (_, k) => 1 / (1 + Math.exp(gl.data[2 * k]! - gl.data[2 * k + 1]!))) });
      series.push({ name: `${init} init`, x: xs, y: ys });
      report(() => ({ plots: [accPlot([...series])] }), init === 'gaussian');
      opts.onProgress?.({ fraction: init === 'identity' ? 0.5 : 1 });
      await Promise.resolve();
    }
    // The spec expects Gaussian init to stall near chance; with Adam it still creeps up (0.79
    // after 300 quick steps), so the claim checked is the gap: identity trains, Gaussian lags.
    const target = quick ? 0.9 : 0.95;
    const f = (v: number) => v.toFixed(3);
    return experimentResult({
      checks: [
        check(`identity init trains the depth-10 stack (training accuracy ≥ ${target})`, acc.identity! >= target, f(acc.identity!)),
        check('Gaussian init lags behind by at least 0.1', acc.identity! - acc.gaussian! >= 0.1, `${f(acc.gaussian!)} vs ${f(acc.identity!)}`),
        check('paper: Gaussian init stalls near chance (accuracy < 0.6; chance 0.5)', acc.gaussian! < 0.6, f(acc.gaussian!), false),
      ],
      summary: `Training accuracy after ${steps} Adam steps (10 Poincaré layers, width 16, c = 0.1): identity init ${acc.identity!.toFixed(3)}, Gaussian init ${acc.gaussian!.toFixed(3)}.`,
      plots: [
        accPlot(series),
        {
          title: `Decision boundary after training: P(class 1) on [−${R}, ${R}]², the training points on top`,
          xLabel: 'x₁',
          yLabel: 'x₂',
          series: [],
          heatmaps: pictures,
          scatter: {
            x: Array.from({ length: n }, (_, i) => data.X.data[2 * i]!),
            y: Array.from({ length: n }, (_, i) => data.X.data[2 * i + 1]!),
            classes: Array.from(data.y),
            classNames: ['class 0', 'class 1'],
            extent: [-R, R, -R, R],
          },
          caption: 'Under identity init the boundary should wind with the two spiral arms, each arm on its own colour; Gaussian init, behind in accuracy, leaves points on the wrong side.',
        },
      ],
      metrics: { identity: acc.identity!, gaussian: acc.gaussian! },
    });
  },
};
