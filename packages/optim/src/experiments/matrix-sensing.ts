import { check, type Experiment, type ExperimentPlot, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter } from '@x/gpu/experiments';
import { matrixSensing } from '../matrix-sensing';
import { lowRankPsd } from './problems';
import { checkAborted, fmt, tick } from './util';

/**
 * Xiong, Ding & Du (ICLR 2024): over-parameterization slows GD in matrix sensing. Population loss,
 * n = 50, M* rank 3 with sigma = (1, 0.8, 0.6), eta = 0.2 (the spec's checked setting).
 */
export const matrixSensingExperiment: Experiment = {
  id: 'optim/matrix-sensing',
  pkg: '@x/optim',
  title: 'Over-parameterized matrix sensing: k = r vs k > r, imbalanced asymmetric init, one-step fix',
  claim:
    'Xiong, Ding & Du 2024: symmetric GD converges linearly for k = r but only sublinearly for k > r; asymmetric GD with imbalanced init converges linearly at an alpha-dependent rate, and modifying one step near the optimum removes the alpha dependence.',
  // The checks read the errors at t = 2000 and T/2, so T starts at 2000.
  params: [{ name: 'steps', label: 'GD steps T', kind: 'int', min: 2000, max: 24000, step: 500, default: 6000, quick: 2000 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const { steps: T } = experimentParams(matrixSensingExperiment, opts) as { steps: number };
    const half = Math.floor(T / 2);
    const fixAt = 1500;
    const M = lowRankPsd(50, [1, 0.8, 0.6], seed + 1);
    const runs: { name: string; run: () => Float64Array }[] = [
      { name: 'symmetric k=3 (= r)', run: () => matrixSensing(M, { k: 3, alpha: 0.1, eta: 0.2, steps: T, seed: seed + 2 }).error },
      { name: 'symmetric k=4 (> r)', run: () => matrixSensing(M, { k: 4, alpha: 0.1, eta: 0.2, steps: T, seed: seed + 2 }).error },
      { name: 'asymmetric k=5, alpha=0.5', run: () => matrixSensing(M, { mode: 'asymmetric', k: 5, alpha: 0.5, eta: 0.2, steps: T, seed: seed + 3 }).error },
      { name: 'asymmetric k=5, alpha=0.1', run: () => matrixSensing(M, { mode: 'asymmetric', k: 5, alpha: 0.1, eta: 0.2, steps: T, seed: seed + 3 }).error },
      {
        name: `asymmetric k=5, alpha=0.1, one-step fix at t=${fixAt}`,
        run: () => matrixSensing(M, { mode: 'asymmetric', k: 5, alpha: 0.1, eta: 0.2, steps: T, seed: seed + 3, oneStep: { at: fixAt, c: 0.5 } }).error,
      },
    ];
    const errs: Float64Array[] = [];
    const at = (i: number, t: number) => errs[i]![t]!;
    // thin the curves for plotting: every 10th point, floored at 1e-16 for the log axis
    const xs: number[] = [];
    for (let t = 0; t <= T; t += 10) xs.push(t);
    const errorPlot = (): ExperimentPlot => ({
      title: 'Matrix sensing (population loss, n = 50, rank 3)',
      caption: 'Straight lines on this log axis are linear convergence: symmetric k = r and the asymmetric runs (rate set by alpha), not symmetric k > r; the one-step fix speeds up alpha = 0.1.',
      xLabel: 'iteration',
      yLabel: 'error',
      logY: true,
      series: errs.map((_, i) => ({ name: runs[i]!.name, x: xs, y: xs.map((t) => Math.max(1e-16, at(i, t))) })),
    });
    // Live results: each run's error curve joins the plot as soon as it is computed.
    const report = partialReporter(opts.onPartial);
    for (let i = 0; i < runs.length; i++) {
      checkAborted(opts.signal);
      errs.push(runs[i]!.run());
      opts.onProgress?.({ fraction: (i + 1) / runs.length, message: `${runs[i]!.name}: ${fmt(errs[i]![T]!)}` });
      report(() => ({ plots: [errorPlot()] }), true);
      await tick();
    }
    const lin = 1e-10;
    // the asymmetric runs are compared at a common checkpoint (alpha = 0.1 does converge, later)
    const c = 2000;
    return experimentResult({
      checks: [
        check('symmetric GD with k = r converges linearly (error < 1e-10 at T)', at(0, T) < lin, fmt(at(0, T))),
        check('with k > r it converges only sublinearly (error > 1e-6 at T, less than 10x drop from T/2 to T)', at(1, T) > 1e-6 && at(1, half) / at(1, T) < 10, `${fmt(at(1, T))}; drop ${fmt(at(1, half) / at(1, T))}x`),
        check(`asymmetric GD converges linearly at an alpha-dependent rate: alpha = 0.5 < 1e-10 at t = ${c}, alpha = 0.1 still > 1e-6 but falling`, at(2, c) < lin && at(3, c) > 1e-6 && at(3, T) < at(3, half), `${fmt(at(2, c))} vs ${fmt(at(3, c))}`),
        check(`one modified step removes the alpha dependence: alpha = 0.1 with the fix < 1e-10 at t = ${c}`, at(4, c) < lin, fmt(at(4, c))),
      ],
      summary: `||XXᵀ - M*||_F at T=${T}: ${runs.map((r, i) => `${r.name}: ${fmt(at(i, T))}`).join('; ')}. At t=${c}: alpha=0.1 ${fmt(at(3, c))} vs with the fix ${fmt(at(4, c))}.`,
      metrics: Object.fromEntries(runs.map((r, i) => [r.name, at(i, T)])),
      plots: [errorPlot()],
    });
  },
};
