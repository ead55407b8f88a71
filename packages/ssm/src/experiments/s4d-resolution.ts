import { rng } from '@x/gpu';
import { check, type Experiment, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter } from '@x/gpu/experiments';
import { mseLoss } from '@x/nn';
import { smoothDelayBatch, trainS4DDelay } from '../delay-task';
import { S4DLayer } from '../s4d-layer';
import { checkAborted } from './util';

/** S4D paper Sec. 5 (and S4 Sec. 4.3): a continuous-time SSM adapts to a new sampling rate by scaling Δ. */
export const s4dResolutionExperiment: Experiment = {
  id: 'ssm/s4d-resolution-change',
  pkg: '@x/ssm',
  title: 'Changing the sampling rate without retraining: scale Δ',
  claim:
    'S4/S4D (Gu et al., 2022): because the layer discretizes a continuous-time system, a model trained at one sampling rate works at another one by scaling its step Δ (zero-shot resolution change), while keeping Δ fails.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 2400, step: 50, default: 600, quick: 250 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 3e-3, max: 0.3, default: 0.03 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const { steps, lr } = experimentParams(s4dResolutionExperiment, opts) as { steps: number; lr: number };
    const seed = opts.seed ?? 0;
    const L = 128;
    // Live results: the training loss at rate 1 (every 20 Adam steps), which only the live view shows.
    const report = partialReporter(opts.onPartial);
    const lossX: number[] = [];
    const lossY: number[] = [];
    const lossPlot = () => ({ plots: [{ title: 'Training MSE at rate 1 (live)', xLabel: 'Adam step', yLabel: 'MSE', logY: true, series: [{ name: 'S4D-Lin, rate 1', x: [...lossX], y: [...lossY] }] }] });
    const { layer } = await trainS4DDelay({
      init: 'lin',
      input: 'smooth',
      L,
      delay: L / 2,
      steps,
      batch: 8,
      lr,
      dtMin: 0.64 / L,
      dtMax: 6.4 / L,
      stateSize: 64,
      seed,
      signal: opts.signal,
      onProgress: (p) => {
        opts.onProgress?.({ fraction: 0.9 * p.fraction, message: `training at rate 1: loss ${p.loss.toFixed(3)}` });
        lossX.push(p.step);
        lossY.push(p.loss);
        report(lossPlot);
      },
    });
    report(lossPlot, true);
    checkAborted(opts.signal);
    const test = smoothDelayBatch(32, L, L / 2, rng(seed + 4242));
    const base = mseLoss(layer.forward(test.x), test.y).value;
    const rates = [2, 4];
    const scaled: number[] = [];
    const kept: number[] = [];
    for (const r of rates) {
      // the same continuous test signals, sampled r times faster
      const { x: xu, y: yu } = smoothDelayBatch(32, L, L / 2, rng(seed + 4242), { rate: r });
      const same = S4DLayer.fromJSON(layer.toJSON());
      kept.push(mseLoss(same.forward(xu), yu).value);
      const moved = S4DLayer.fromJSON(layer.toJSON());
      const logDt = moved.parameters().find((p) => p.name === 'logDt')!.value;
      for (let h = 0; h < logDt.length; h++) logDt[h] = logDt[h]! - Math.log(r);
      scaled.push(mseLoss(moved.forward(xu), yu).value);
    }
    return experimentResult({
      checks: [
        check('with Δ/rate the MSE at the new rates stays within 2x (+0.02) of the rate-1 MSE', scaled.every((m) => m < 2 * base + 0.02), `${scaled.map((m) => m.toFixed(3)).join(', ')} vs ${base.toFixed(3)}`),
        check('keeping Δ (control) is more than 3x worse', kept.every((m) => m > 3 * Math.max(...scaled)), `${kept.map((m) => m.toFixed(3)).join(', ')}`),
      ],
      summary: `Band-limited delay task trained at rate 1 (MSE ${base.toFixed(3)}): at rates ${rates.join(', ')} with Δ/rate the MSE is ${scaled.map((m) => m.toFixed(3)).join(', ')}; keeping Δ gives ${kept.map((m) => m.toFixed(3)).join(', ')}.`,
      metrics: { mseRate1: base, ...Object.fromEntries(rates.flatMap((r, i) => [[`mseScaled_x${r}`, scaled[i]!], [`mseKept_x${r}`, kept[i]!]])) },
      plots: [
        {
          title: 'Held-out MSE after a sampling-rate change (no retraining)',
          caption: 'Scaling Δ by 1/rate should keep the MSE near its rate-1 value; keeping Δ should be more than 3x worse at every new rate.',
          xLabel: 'sampling rate (x training rate)',
          yLabel: 'MSE',
          series: [
            { name: 'Δ scaled by 1/rate', x: [1, ...rates], y: [base, ...scaled] },
            { name: 'Δ kept', x: [1, ...rates], y: [base, ...kept] },
          ],
        },
      ],
    });
  },
};
