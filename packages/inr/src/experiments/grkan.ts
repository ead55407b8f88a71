import { enableWasm, type Matrix } from '@x/gpu';
import { check, type Experiment, type ExperimentPlot, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { checkNumber, checkSeed, checkSize } from '@x/gpu/checks';
import { GELU, Linear, type Module, parameterCount, Sequential } from '@x/nn';
import { GrKan } from '../gr-kan';
import type { RationalForm } from '../rational';
import { trainMse } from './train';

/** The spec's 1-D regression target: sin(8πx) e^{−x²} plus a unit step at x = 0, on [−1, 1]. */
export function grkanTarget(x: number): number {
  checkNumber('grkanTarget', 'x', x);
  return Math.sin(8 * Math.PI * x) * Math.exp(-x * x) + (x > 0 ? 1 : 0);
}

/** The regression data: n points evenly spaced on [−1, 1] (n x 1) and {@link grkanTarget} at them. */
export function grkanData(n: number): { x: Matrix<Float64Array>; y: Matrix<Float64Array> } {
  checkSize('grkanData', 'n', n, 2);
  const x: Matrix<Float64Array> = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)) };
  return { x, y: { rows: n, cols: 1, data: x.data.map(grkanTarget) } };
}

function firstLayer(width: number, seed: number): Linear {
  // Same first layer for both nets: kaiming-uniform weights, U(-1, 1) biases (fan_in = 1).
  return new Linear(1, width, { init: 'kaiming-uniform', biasInit: 'fan-in-uniform', seed });
}

/** MLP(width, GELU, 2 hidden layers): 1 -> width -> width -> 1. */
export function geluMlp(width: number, seed: number): Sequential {
  checkSize('geluMlp', 'width', width, 1);
  checkSeed('geluMlp', 'seed', seed);
  return new Sequential([
    firstLayer(width, seed),
    new GELU(),
    new Linear(width, width, { init: 'kaiming-uniform', seed: seed + 1 }),
    new GELU(),
    new Linear(width, 1, { seed: seed + 2 }),
  ]);
}

/**
 * GR-KAN net of the same shape: 1 -> width, then GR-KAN(width -> width), GR-KAN(width -> 1), g
 * groups, the gelu init fitted for `form` (default 'B') and its variance-preserving gain.
 */
export function grkanNet(width: number, groups: number, seed: number, form: RationalForm = 'B'): Sequential {
  checkSize('grkanNet', 'width', width, 1);
  checkSeed('grkanNet', 'seed', seed);
  return new Sequential([
    firstLayer(width, seed),
    new GrKan(width, width, { groups, init: 'gelu', form, seed: seed + 1 }),
    new GrKan(width, 1, { groups, init: 'gelu', form, seed: seed + 2 }),
  ]);
}

/**
 * GR-KAN vs a GELU MLP of (almost) equal size on a 1-D regression with an oscillation and a
 * jump (KAT, "Kolmogorov-Arnold Transformer": learnable rational units at MLP cost).
 */
export const grkanVsMlp: Experiment = {
  id: 'inr/grkan-vs-mlp',
  pkg: '@x/inr',
  title: 'GR-KAN vs GELU MLP on a 1-D regression',
  claim: 'A GR-KAN network (KAT, "Kolmogorov-Arnold Transformer": group-rational units, gelu init, variance-preserving gain) fits sin(8πx)e^{-x²} plus a step at least about as well as a GELU MLP of equal size.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 20, max: 10000, step: 20, default: 3000, quick: 1200 },
    { name: 'width', label: 'width', kind: 'int', min: 8, max: 128, step: 8, default: 64, quick: 32 },
  ],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    // Quick: 256 points, width 32, 1200 steps (~2 s unloaded). Full: the spec's 512 points, width 64, 3000 steps.
    const n = quick ? 256 : 512;
    const { steps, width } = experimentParams(grkanVsMlp, opts) as { steps: number; width: number };
    await enableWasm().catch(() => 'js');
    const { x, y } = grkanData(n);
    const nets: [string, Module][] = [
      ['GELU MLP', geluMlp(width, seed)],
      ['GR-KAN (g=8, gelu init)', grkanNet(width, 8, seed)],
    ];
    const curves: number[][] = [];
    const msePlot = (cs: readonly (readonly number[])[]): ExperimentPlot => ({
      title: 'training MSE',
      xLabel: 'Adam step',
      yLabel: 'MSE',
      logY: true,
      series: cs.map((c, i) => ({ name: nets[i]![0], x: c.map((_, t) => t), y: [...c] })),
      caption: 'Look for the GR-KAN curve ending at or below the MLP curve (within 1.5x counts as a pass).',
    });
    // Live results: the curves so far, the one in training growing step by step.
    const report = partialReporter(opts.onPartial);
    for (const [i, [name, net]] of nets.entries()) {
      opts.onProgress?.({ fraction: i / 2, message: name });
      const onStep = (c: readonly number[]) => {
        if (c.length % 20 !== 0) return;
        opts.onProgress?.({ fraction: (i + c.length / steps) / 2, message: `${name}: step ${c.length}/${steps}` });
        report(() => ({ plots: [msePlot([...curves, c])] }));
      };
      curves.push(trainMse(net, x, y, { steps, lr: 1e-3, signal: opts.signal, onStep }));
    }
    const final = curves.map((c) => Math.min(...c.slice(-Math.max(1, Math.floor(steps / 20)))));
    const metrics = {
      mseMlp: final[0]!,
      mseGrKan: final[1]!,
      paramsMlp: parameterCount(nets[0]![1]),
      paramsGrKan: parameterCount(nets[1]![1]),
    };
    // "Comparable or better": within a factor 1.5 of the MLP's MSE, or below it.
    opts.onProgress?.({ fraction: 1 });
    return experimentResult({
      checks: [
        check('GR-KAN fits at least about as well as a GELU MLP of equal size (MSE ≤ 1.5x)', metrics.mseGrKan <= 1.5 * metrics.mseMlp, `GR-KAN ${metrics.mseGrKan.toExponential(1)} vs MLP ${metrics.mseMlp.toExponential(1)}`),
      ],
      summary: `final MSE: GR-KAN ${metrics.mseGrKan.toExponential(2)} (${metrics.paramsGrKan} params) vs GELU MLP ${metrics.mseMlp.toExponential(2)} (${metrics.paramsMlp} params) after ${steps} Adam steps`,
      metrics,
      plots: [
        msePlot(curves),
        {
          title: 'fit',
          caption: 'The GR-KAN fit should follow the target, step included, at least about as well as the GELU MLP.',
          xLabel: 'x',
          yLabel: 'y',
          series: [
            { name: 'target', x: Array.from(x.data), y: Array.from(y.data) },
            ...nets.map(([name, net]) => ({ name, x: Array.from(x.data), y: Array.from(net.forward(x).data) })),
          ],
        },
      ],
    });
  },
};
