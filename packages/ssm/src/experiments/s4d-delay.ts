import { check, type Experiment, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter } from '@x/gpu/experiments';
import { trainS4DDelay } from '../delay-task';
import { checkAborted } from './util';

/** S4D paper (Gu et al. 2022), Sec. 4-5: complex (oscillating) diagonal inits beat real ones on memory. */
export const s4dDelayExperiment: Experiment = {
  id: 'ssm/s4d-delay-task',
  pkg: '@x/ssm',
  title: 'Trainable S4D layer on a long-range delay task: S4D-Lin vs S4D-Real',
  claim:
    'S4D (Gu et al., 2022, Sec. 4.2 and the initialization ablations): a diagonal SSM with complex S4D-Lin eigenvalues learns long-range dependencies (here: output the input from L/2 steps ago), while the real-valued S4D-Real initialization does not.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 2400, step: 50, default: 600, quick: 250 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 3e-3, max: 0.3, default: 0.03 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const L = 128;
    const delay = L / 2;
    const { steps, lr } = experimentParams(s4dDelayExperiment, opts) as { steps: number; lr: number };
    const curves: { name: string; x: number[]; y: number[] }[] = [];
    const mse: Record<string, number> = {};
    const inits = ['lin', 'real'] as const;
    const name = (init: string) => `S4D-${init[0]!.toUpperCase()}${init.slice(1)}`;
    const plot = (series: { name: string; x: number[]; y: number[] }[]) => ({ title: `Training MSE, delay task (L = ${L}, delay = ${delay})`, xLabel: 'step', yLabel: 'MSE', logY: true, series, caption: 'S4D-Lin should end well below S4D-Real (under 0.6x its held-out MSE) and below predicting zero.' });
    // Live results: the finished curves plus the minibatch loss of the run in training, every 20 steps.
    const report = partialReporter(opts.onPartial);
    for (let i = 0; i < inits.length; i++) {
      checkAborted(opts.signal);
      const init = inits[i]!;
      const live = { name: `${name(init)} (training)`, x: [] as number[], y: [] as number[] };
      const r = await trainS4DDelay({
        init,
        L,
        delay,
        steps,
        batch: 8,
        lr,
        dtMin: 0.64 / L,
        dtMax: 6.4 / L,
        stateSize: 64,
        seed,
        signal: opts.signal,
        onProgress: (p) => {
          opts.onProgress?.({ fraction: (i + p.fraction) / inits.length, message: `S4D-${init}: loss ${p.loss.toFixed(3)}` });
          live.x.push(p.step);
          live.y.push(p.loss);
          report(() => ({ plots: [plot([...curves, { ...live, x: [...live.x], y: [...live.y] }])] }));
        },
      });
      mse[init] = r.testMse;
      // smoothed loss curve (window 10)
      const xs: number[] = [];
      const ys: number[] = [];
      for (let s = 9; s < r.losses.length; s += 5) {
        let m = 0;
        for (let k = s - 9; k <= s; k++) m += r.losses[k]!;
        xs.push(s + 1);
        ys.push(m / 10);
      }
      curves.push({ name: name(init), x: xs, y: ys });
      report(() => ({ plots: [plot([...curves])] }), i === inits.length - 1);
    }
    const chance = (L - delay) / L;
    return experimentResult({
      checks: [
        check('S4D-Lin learns the long delay: held-out MSE < 0.6 x S4D-Real’s', mse.lin! < 0.6 * mse.real!, `${mse.lin!.toFixed(3)} vs ${mse.real!.toFixed(3)}`),
        check('S4D-Lin beats predicting zero: MSE < 0.6 x the zero predictor’s', mse.lin! < 0.6 * chance, `${mse.lin!.toFixed(3)} vs ${chance.toFixed(3)}`),
      ],
      summary: `Delay ${delay} at L = ${L}: held-out MSE S4D-Lin ${mse.lin!.toFixed(3)} vs S4D-Real ${mse.real!.toFixed(3)} (predicting zero: ${chance.toFixed(3)}).`,
      metrics: { mseLin: mse.lin!, mseReal: mse.real!, mseZero: chance },
      plots: [plot(curves)],
    });
  },
};
