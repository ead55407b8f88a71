import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, type ExperimentSeries, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { type LinearInitKind, linearRichLazyRun } from '../richlazy/aligned';

const INITS: LinearInitKind[] = ['aligned', 'partial', 'random-low-rank', 'full-rank'];
const LABEL: Record<LinearInitKind, string> = {
  aligned: 'aligned rank 1 (β = Fᵀw)',
  partial: 'partially aligned (F truncated to rank d/2)',
  'random-low-rank': 'random rank 1',
  'full-rank': 'random full rank',
};

/**
 * The aligned exception of Liu et al., "How connectivity structure shapes rich and lazy learning
 * in neural circuits" (ICLR 2024, Section 2.3, Proposition 1, Figure 3), in its own two-layer
 * linear student-teacher setting: targets y = wᵀF x with F's top half of singular values κ, a
 * student `aᵀW1 x` whose first layer starts aligned (Proposition 1's rank-one init from
 * β = Fᵀw), partially aligned (F truncated to rank d/2), random rank 1 or random full rank, all
 * at one Frobenius norm, trained by full-batch GD (d = 20, h = 100, n = 100). Sweeps κ.
 * Full: κ ∈ {1, 3, 10, 30}, 4 seeds, 2000 steps; quick: κ ∈ {1, 10, 30}, 2 seeds, 1000 steps.
 */
export const richLazyAlignedExperiment: Experiment = {
  id: 'graph-init/rich-lazy-aligned',
  pkg: '@x/graph-init',
  title: 'A low-rank init aligned with the task learns lazily',
  claim:
    'In "How connectivity structure shapes rich and lazy learning in neural circuits" (Liu et al. 2024), low-rank initial weights usually learn richer, except a low-rank init aligned with the task and data statistics (their Proposition 1), which learns lazily; a partly aligned one approaches it as the feature anisotropy κ grows. Two-layer linear student-teacher networks, swept over κ.',
  params: [
    { name: 'steps', label: 'GD steps', kind: 'int', min: 100, max: 8000, step: 100, default: 2000, quick: 1000 },
    { name: 'seeds', label: 'seeds per κ', kind: 'int', min: 1, max: 8, step: 1, default: 4, quick: 2 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const { steps, seeds } = experimentParams(richLazyAlignedExperiment, opts) as { steps: number; seeds: number };
    const kappas = quick ? [1, 10, 30] : [1, 3, 10, 30];
    const ka: Record<string, number[]> = {};
    const dW: Record<string, number[]> = {};
    const ta: Record<string, number[]> = {};
    for (const init of INITS) {
      ka[init] = [];
      dW[init] = [];
      ta[init] = [];
    }
    const total = kappas.length * INITS.length * seeds;
    let done = 0;
    const seriesOf = (m: Record<string, number[]>, xs: number[]): ExperimentSeries[] => INITS.map((init) => ({ name: LABEL[init], x: xs, y: m[init]!.slice(0, xs.length) }));
    const plotsOf = (xs: number[]) => [
      { caption: 'The aligned init (green in the paper) should keep its tangent kernel: the smallest 1 − KA at every κ; random rank 1 the largest.', title: 'Tangent-kernel change by init', xLabel: 'κ (condition number of F)', yLabel: '1 − KA(K0, KT)', logX: true, logY: true, series: seriesOf(ka, xs) },
      { caption: 'Relative first-layer change: aligned the smallest; partial alignment joins it as κ grows.', title: 'Weight change by init', xLabel: 'κ', yLabel: '‖ΔW1‖/‖W1(0)‖', logX: true, logY: true, series: seriesOf(dW, xs) },
      { caption: 'Why: alignment of the initial tangent kernel with the task kernel y yᵀ. The truncated F loses only the weak half of β when κ is large.', title: 'Initial kernel-task alignment', xLabel: 'κ', yLabel: 'KA(K0, y yᵀ)', logX: true, series: seriesOf(ta, xs) },
    ];
    // Live results: each κ joins the plots as soon as its runs are done.
    const report = partialReporter(opts.onPartial);
    for (let q = 0; q < kappas.length; q++) {
      const kappa = kappas[q]!;
      for (const init of INITS) {
        let k = 0;
        let w = 0;
        let t = 0;
        for (let s = 0; s < seeds; s++) {
          throwIfAborted(opts.signal);
          const r = linearRichLazyRun({ init, kappa, steps, seed: seed * 1000 + 100 + s, taskSeed: seed * 1000 + s });
          k += (1 - r.kernelAlignment) / seeds;
          w += r.relWeightChange / seeds;
          t += r.taskAlignmentInit / seeds;
          opts.onProgress?.({ fraction: ++done / total, message: `κ ${kappa}, ${init}, seed ${s}` });
          await Promise.resolve();
        }
        ka[init]!.push(k);
        dW[init]!.push(w);
        ta[init]!.push(t);
      }
      report(() => ({ plots: plotsOf(kappas.slice(0, q + 1)) }), q === kappas.length - 1);
    }
    const all = (f: (i: number) => boolean) => kappas.every((_, i) => f(i));
    const list = (m: Record<string, number[]>, init: string, d: (v: number) => string) => m[init]!.map(d).join(' / ');
    const e2 = (v: number) => v.toExponential(2);
    const f3 = (v: number) => v.toFixed(3);
    const last = kappas.length - 1;
    const metrics: Record<string, number> = {};
    kappas.forEach((kappa, i) => {
      for (const init of INITS) {
        metrics[`oneMinusKA_${init}_kappa${kappa}`] = ka[init]![i]!;
        metrics[`dW_${init}_kappa${kappa}`] = dW[init]![i]!;
      }
    });
    return experimentResult({
      checks: [
        check('aligned rank 1 changes its tangent kernel less than random rank 1 and random full rank at every κ', all((i) => ka.aligned![i]! < ka['random-low-rank']![i]! && ka.aligned![i]! < ka['full-rank']![i]!), `1 − KA aligned ${list(ka, 'aligned', e2)}; random rank 1 ${list(ka, 'random-low-rank', e2)}; full rank ${list(ka, 'full-rank', e2)}`),
        check('and moves its weights less than both at every κ', all((i) => dW.aligned![i]! < dW['random-low-rank']![i]! && dW.aligned![i]! < dW['full-rank']![i]!), `‖ΔW1‖/‖W1‖ aligned ${list(dW, 'aligned', f3)}; random rank 1 ${list(dW, 'random-low-rank', f3)}; full rank ${list(dW, 'full-rank', f3)}`),
        check('the rule it is the exception to: random rank 1 learns richer than random full rank (1 − KA and ‖ΔW1‖) at every κ', all((i) => ka['random-low-rank']![i]! > ka['full-rank']![i]! && dW['random-low-rank']![i]! > dW['full-rank']![i]!), `1 − KA ${list(ka, 'random-low-rank', e2)} vs ${list(ka, 'full-rank', e2)}`),
        check(
          `partial alignment: lazier than random full rank at the largest κ (${kappas[last]}) by both measures, but not at κ = 1 (‖ΔW1‖)`,
          ka.partial![last]! < ka['full-rank']![last]! && dW.partial![last]! < dW['full-rank']![last]! && dW.partial![0]! > dW['full-rank']![0]!,
          `‖ΔW1‖/‖W1‖ partial ${list(dW, 'partial', f3)} vs full rank ${list(dW, 'full-rank', f3)}; 1 − KA partial ${list(ka, 'partial', e2)}`,
        ),
      ],
      summary: `κ = ${kappas.join(' / ')}, ${seeds} seeds, ${steps} steps. 1 − KA: ${INITS.map((i) => `${i} ${list(ka, i, e2)}`).join('; ')}. ‖ΔW1‖/‖W1‖: ${INITS.map((i) => `${i} ${list(dW, i, f3)}`).join('; ')}.`,
      plots: plotsOf(kappas),
      metrics,
    });
  },
};
