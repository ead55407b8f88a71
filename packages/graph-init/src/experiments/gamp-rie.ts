import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { gampRie, quadraticTeacher } from '../rmt/gamp';
import { bayesOptimalMmse } from '../rmt/spectrum';

/** Seed-to-seed spread of GAMP-RIE at D = 40 measured in the spec (§9c), per α. */
const SPREAD: Record<string, number> = { '0.1': 0.12, '0.2': 0.05, '0.3': 0.015 };

/**
 * GAMP-RIE reaches the Bayes-optimal error (Maillard, Troiani, Martin, Krzakala & Zdeborová,
 * "Bayes-optimal learning of an extensive-width neural network from quadratically many
 * samples", 2024; spec §9c-d): noiseless data, κ = 0.5, D = 40, n = αD² samples. The error of
 * GAMP-RIE is compared with the closed-form MMSE curve (.724/.392/.128 at α = .1/.2/.3).
 */
export const gampRieExperiment: Experiment = {
  id: 'graph-init/gamp-rie',
  pkg: '@x/graph-init',
  title: 'GAMP-RIE vs the Bayes-optimal error of a quadratic network',
  claim:
    'In "Bayes-optimal learning of an extensive-width neural network from quadratically many samples" (Maillard et al. 2024), GAMP-RIE attains the closed-form Bayes-optimal error, already at small D.',
  params: [
    { name: 'maxIter', label: 'GAMP-RIE iterations', kind: 'int', min: 20, max: 1200, step: 10, default: 300, quick: 80 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const seed0 = opts.seed ?? 0;
    const D = 40;
    const kappa = 0.5;
    const alphas = opts.quick ? [0.1, 0.3] : [0.1, 0.2, 0.3];
    const seeds = opts.quick ? 1 : 3;
    const { maxIter } = experimentParams(gampRieExperiment, opts) as { maxIter: number };
    const measured: number[] = [];
    const theory: number[] = [];
    const misses: string[] = [];
    let done = 0;
    // Live results: the measured error (and the theory) at each α joins the plot as soon as its seeds are done.
    const report = partialReporter(opts.onPartial);
    for (const alpha of alphas) {
      let mean = 0;
      for (let k = 0; k < seeds; k++) {
        throwIfAborted(opts.signal);
        const data = quadraticTeacher(D, kappa, alpha, 0, { seed: seed0 * 1000 + 100 + k });
        const r = gampRie(data, { seed: seed0 * 1000 + k, maxIter, signal: opts.signal });
        mean += r.errors[r.errors.length - 1]! / seeds;
        opts.onProgress?.({ fraction: ++done / (alphas.length * seeds), message: `α = ${alpha}, seed ${k}` });
        await Promise.resolve();
      }
      const th = bayesOptimalMmse(alpha, kappa, 0).mmse;
      measured.push(mean);
      theory.push(th);
      // Within two standard errors of the D = 40 spread, plus a small finite-size allowance.
      if (Math.abs(mean - th) > (2 * SPREAD[String(alpha)]!) / Math.sqrt(seeds) + 0.03) misses.push(`α=${alpha}`);
      report(
        () => ({
          plots: [
            {
              title: 'Error vs sample ratio α = n/D² (κ = 0.5, noiseless)',
              xLabel: 'α',
              yLabel: 'MSE',
              series: [
                { name: 'GAMP-RIE, D = 40', x: alphas.slice(0, measured.length), y: [...measured] },
                { name: 'Bayes-optimal (theory)', x: alphas.slice(0, theory.length), y: [...theory] },
              ],
            },
          ],
        }),
        measured.length === alphas.length,
      );
    }
    const decreasing = measured.every((v, i) => i === 0 || v < measured[i - 1]!);
    const curveA: number[] = [];
    const curveM: number[] = [];
    const step = opts.quick ? 0.07 : 0.035;
    for (let a = 0.02; a <= 0.37; a += step) {
      curveA.push(a);
      curveM.push(bayesOptimalMmse(a, kappa, 0, { points: opts.quick ? 800 : 3000 }).mmse);
    }
    return experimentResult({
      checks: [
        check('GAMP-RIE reaches the Bayes-optimal error at every α (within two seed standard errors + 0.03)', misses.length === 0, `${alphas.map((a, i) => `α=${a}: ${measured[i]!.toFixed(3)} vs ${theory[i]!.toFixed(3)}`).join('; ')}${misses.length ? `; off at ${misses.join(', ')}` : ''}`),
        check('its error falls as α grows', decreasing, measured.map((v) => v.toFixed(3)).join(' > ')),
      ],
      summary: `GAMP-RIE at D = ${D} (mean of ${seeds} seeds) vs theory: ${alphas.map((a, i) => `α=${a}: ${measured[i]!.toFixed(3)} vs ${theory[i]!.toFixed(3)}`).join('; ')}.`,
      plots: [
        {
          title: 'Error vs sample ratio α = n/D² (κ = 0.5, noiseless)',
          caption: 'The GAMP-RIE points should sit on the dashed Bayes-optimal curve at every α and fall as α grows.',
          xLabel: 'α',
          yLabel: 'MSE',
          series: [{ name: 'GAMP-RIE, D = 40', x: alphas, y: measured }],
          references: [{ kind: 'curve', label: 'Bayes-optimal (theory)', x: curveA, y: curveM }],
        },
      ],
      metrics: Object.fromEntries(alphas.map((a, i) => [`gamp_${a}`, measured[i]!])),
    });
  },
};
