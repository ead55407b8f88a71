import { type MlpRegressionOptions, type MlpRegressionResult, mlpRegressionExperiment } from '@x/nn/experiments';
import {
  type Experiment,
  type ExperimentResult,
  type ExperimentRunOptions,
  type ExperimentSeries,
  check,
  type ExperimentPlot,
  experimentParams,
  experimentResult,
  partialReporter,
  throwIfAborted,
  yieldToEventLoop,
} from '../lib/experiment';

/**
 * @x/nn exports its toy regression as a plain function (`mlpRegressionExperiment(opts)`), not as
 * an Experiment: these wrappers give it the registry's shape (id, claim, quick sizes, progress,
 * abort) and turn its arrays into plots.
 */

/** Every `stride`-th point of a long curve (plus the last), so a plot has a few hundred points. */
export function downsample(ys: ArrayLike<number>, maxPoints = 300): { x: number[]; y: number[] } {
  const n = ys.length;
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i += stride) {
    x.push(i + 1);
    y.push(ys[i]!);
  }
  if (n > 0 && x[x.length - 1] !== n) {
    x.push(n);
    y.push(ys[n - 1]!);
  }
  return { x, y };
}

/** Mean of the last `k` minibatch losses: a less noisy "where training ended" than the last one. */
function tailMean(ys: ArrayLike<number>, k: number): number {
  const n = ys.length;
  const m = Math.min(k, n);
  let s = 0;
  for (let i = n - m; i < n; i++) s += ys[i]!;
  return m > 0 ? s / m : Number.NaN;
}

/**
 * Runs the package function with progress mapped to [lo, hi) of the experiment's bar. `live`,
 * when given, receives the loss curve so far (one point per step) for the page's live plot.
 */
function train(
  opts: ExperimentRunOptions,
  run: MlpRegressionOptions,
  lo: number,
  hi: number,
  label: string,
  live?: (losses: readonly number[], done: boolean) => void,
): Promise<MlpRegressionResult> {
  const losses: number[] = [];
  return mlpRegressionExperiment({
    ...run,
    seed: opts.seed ?? 0,
    signal: opts.signal,
    onProgress: (p) => {
      opts.onProgress?.({
        fraction: lo + ((hi - lo) * p.step) / p.steps,
        message: `${label}: step ${p.step}/${p.steps}, loss ${p.loss.toExponential(2)}`,
      });
      if (live) {
        losses.push(p.loss);
        live(losses, p.step === p.steps);
      }
    },
  });
}

/** The training-loss plot of these experiments (also their live plot while training runs). */
function lossPlot(title: string, yLabel: string, series: ExperimentSeries[], caption: string): ExperimentPlot {
  return { title, xLabel: 'step', yLabel, logY: true, series, caption };
}

const LOSS_CAPTION = 'Look for the loss falling by orders of magnitude (the y axis is logarithmic), noisy because each step sees a minibatch.';
const ACT_CAPTION = 'Look for every curve ending low (the y axis is logarithmic): each activation trains to a good fit; they differ in how fast.';

/** The fit must be this much better than predicting zero (MSE of sin(3x) around 0 is about 0.5). */
const FIT_MSE = 1e-3;

const mlpRegression: Experiment = {
  id: 'nn/mlp-regression',
  pkg: '@x/nn',
  title: 'A two-layer MLP fits sin(3x) with Adam',
  claim:
    'Linear(1, 32) → tanh → Linear(32, 1) with Xavier init (Glorot & Bengio 2010), trained on minibatches of y = sin(3x) with Adam (Kingma & Ba 2015) by @x/nn\'s fit loop: ' +
    `the loss falls by orders of magnitude and the trained net matches the curve (MSE < ${FIT_MSE}).`,
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 10000, step: 50, default: 4000, quick: 2000 },
    { name: 'lr', label: 'learning rate', kind: 'float', min: 1e-4, max: 0.2, log: true, default: 2e-2 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const { steps, lr } = experimentParams(mlpRegression, opts) as { steps: number; lr: number };
    opts.onProgress?.({ fraction: 0, message: 'training' });
    const report = partialReporter(opts.onPartial);
    const name = `tanh MLP, Adam ${lr.toExponential()}`;
    const r = await train(opts, { steps, lr }, 0, 1, 'tanh MLP', (losses, done) =>
      report(() => ({ plots: [lossPlot('Training loss (minibatch MSE)', 'MSE', [{ name, ...downsample(losses) }], LOSS_CAPTION)] }), done),
    );
    opts.onProgress?.({ fraction: 1 });
    const first = r.losses[0]!;
    const ok = r.finalMse < FIT_MSE && r.finalMse < first / 100;
    const curve = downsample(r.losses);
    return experimentResult({
      checks: [
        check('the loss falls by orders of magnitude (final MSE < first minibatch loss / 100)', r.finalMse < first / 100, `${first.toExponential(2)} → ${r.finalMse.toExponential(2)}`),
        check(`the trained net matches the curve (full-batch MSE < ${FIT_MSE})`, r.finalMse < FIT_MSE, r.finalMse.toExponential(2)),
      ],
      summary: `after ${steps} Adam steps: full-batch MSE ${r.finalMse.toExponential(2)} (${ok ? '<' : '>='} ${FIT_MSE}); first minibatch loss ${first.toExponential(2)} (${(first / r.finalMse).toFixed(0)}x higher)`,
      metrics: { finalMse: r.finalMse, firstLoss: first, steps },
      plots: [
        lossPlot('Training loss (minibatch MSE)', 'MSE', [{ name, ...curve }], LOSS_CAPTION),
        {
          title: 'The fit on [-1, 1]',
          xLabel: 'x',
          yLabel: 'y',
          caption: 'Look for the trained curve lying on the target (it is drawn dashed where it covers it).',
          series: [
            { name: 'target sin(3x)', x: Array.from(r.x), y: Array.from(r.target) },
            { name: 'trained MLP', x: Array.from(r.x), y: Array.from(r.prediction) },
          ],
        },
      ],
    });
  },
};

const ACTIVATIONS = ['tanh', 'relu', 'gelu', 'silu'] as const;

const activations: Experiment = {
  id: 'nn/activations',
  pkg: '@x/nn',
  title: 'Same net, four activations: tanh, ReLU, GELU, SiLU',
  claim:
    'The regression above with each of @x/nn\'s activations (ReLU with Kaiming init, He et al. 2015; GELU, Hendrycks & Gimpel 2016; SiLU, Elfwing et al. 2018): ' +
    `every one of them trains to a good fit (MSE < ${FIT_MSE * 10}) with the same seed, optimizer and steps; the curves show how fast each gets there.`,
  params: [{ name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 10000, step: 50, default: 2500, quick: 1000 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const { steps } = experimentParams(activations, opts) as { steps: number };
    const series: ExperimentSeries[] = [];
    const fits: ExperimentSeries[] = [];
    const mse: Record<string, number> = {};
    let x: number[] = [];
    const report = partialReporter(opts.onPartial);
    for (const [i, act] of ACTIVATIONS.entries()) {
      throwIfAborted(opts.signal);
      const r = await train(opts, { steps, activation: act }, i / ACTIVATIONS.length, (i + 1) / ACTIVATIONS.length, act, (losses, done) =>
        report(() => ({ plots: [lossPlot('Training loss by activation', 'minibatch MSE', [...series, { name: act, ...downsample(losses, 200) }], ACT_CAPTION)] }), done),
      );
      mse[act] = r.finalMse;
      series.push({ name: act, ...downsample(r.losses, 200) });
      if (i === 0) {
        x = Array.from(r.x);
        fits.push({ name: 'target sin(3x)', x, y: Array.from(r.target) });
      }
      fits.push({ name: act, x, y: Array.from(r.prediction) });
      await yieldToEventLoop();
    }
    opts.onProgress?.({ fraction: 1 });
    const worst = Math.max(...Object.values(mse));
    const ok = worst < FIT_MSE * 10;
    const tails = Object.fromEntries(series.map((s) => [s.name, tailMean(s.y, 10)]));
    return experimentResult({
      checks: ACTIVATIONS.map((a) => check(`${a} trains to a good fit (MSE < ${FIT_MSE * 10})`, mse[a]! < FIT_MSE * 10, mse[a]!.toExponential(1))),
      summary: `full-batch MSE after ${steps} steps: ${ACTIVATIONS.map((a) => `${a} ${mse[a]!.toExponential(1)}`).join(', ')} (worst ${ok ? '<' : '>='} ${FIT_MSE * 10})`,
      metrics: { ...Object.fromEntries(ACTIVATIONS.map((a) => [`mse_${a}`, mse[a]!])), ...Object.fromEntries(Object.entries(tails).map(([k, v]) => [`tailLoss_${k}`, v])) },
      plots: [
        lossPlot('Training loss by activation', 'minibatch MSE', series, ACT_CAPTION),
        { title: 'Fits after training', xLabel: 'x', yLabel: 'y', series: fits, caption: 'Look for all four fits on the target curve.' },
      ],
    });
  },
};

/** Experiments for @x/nn, in display order. */
export default [mlpRegression, activations] satisfies Experiment[];
