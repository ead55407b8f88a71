import { type Matrix, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, throwIfAborted } from '@x/gpu/experiments';
import { expMap0 } from '../poincare/ball';
import { poincareLinear, poincareLinearInit } from '../poincare/linear';

/** Mean row norm of a batch. */
function meanNorm(data: Float64Array, rows: number, cols: number): number {
  let s = 0;
  for (let i = 0; i < rows; i++) {
    let n2 = 0;
    for (let j = 0; j < cols; j++) n2 += data[i * cols + j]! ** 2;
    s += Math.sqrt(n2);
  }
  return s / rows;
}

/**
 * Poincaré ResNet's initialisation claim (van Spengler et al., ICCV 2023, §4; spec §4c): a
 * stack of width-64 Poincaré FC layers at c = 1 fed points of norm tanh(1) = 0.7616. With the
 * identity init (Z = ½I, r = 0) every layer returns its input, so the norm stays 0.7616; with
 * the Gaussian init N(0, (2 n_in n_out)^{-1/2}) the signal collapses toward the origin.
 */
export const poincareDepthExperiment: Experiment = {
  id: 'graph-init/poincare-depth',
  pkg: '@x/graph-init',
  title: 'Poincaré ResNet: identity init keeps norms through depth',
  claim:
    'In "Poincaré ResNet" (van Spengler et al. 2023) the identity initialisation of Poincaré layers preserves the signal through depth (exactly: a theorem, unit-tested), while Gaussian initialisation collapses it toward the origin; tests the collapse.',
  params: [
    { name: 'depth', label: 'layers', kind: 'int', min: 5, max: 48, default: 12, quick: 6 },
    { name: 'batch', label: 'points', kind: 'int', min: 4, max: 256, step: 4, default: 64, quick: 16 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const m = 64;
    const c = 1;
    const { depth, batch } = experimentParams(poincareDepthExperiment, opts) as { depth: number; batch: number };
    const r = rng(seed);
    const X = new Float64Array(batch * m);
    for (let b = 0; b < batch; b++) {
      const v = r.fillNormal(new Float64Array(m));
      let n = 0;
      for (let j = 0; j < m; j++) n += v[j]! ** 2;
      for (let j = 0; j < m; j++) v[j]! /= Math.sqrt(n);
      X.set(expMap0(v, c), b * m);
    }
    const result: Record<string, number[]> = {};
    for (const scheme of ['identity', 'gaussian'] as const) {
      let h: Matrix<Float64Array> = { rows: batch, cols: m, data: X };
      const norms = [meanNorm(X, batch, m)];
      for (let l = 0; l < depth; l++) {
        const p = poincareLinearInit(m, m, scheme, { seed: seed * 1000 + l + 1 });
        h = poincareLinear(h, p, c);
        norms.push(meanNorm(h.data, batch, m));
      }
      result[scheme] = norms;
      opts.onProgress?.({ fraction: scheme === 'identity' ? 0.5 : 1 });
      await Promise.resolve();
    }
    const id = result.identity!;
    const ga = result.gaussian!;
    // That the identity init returns its input exactly is a theorem (unit-tested in
    // poincare.test.ts); its curve is the reference here. What can fail is the collapse.
    const collapses = ga[5]! < 1e-2 * ga[0]!;
    const layers = id.map((_, i) => i);
    return experimentResult({
      checks: [
        check('the Gaussian init collapses the signal toward the origin: ‖h‖ falls more than 100x within 5 layers', collapses, `${ga[0]!.toFixed(4)} → ${ga[5]!.toExponential(2)} (identity init: ${id[5]!.toFixed(4)})`),
      ],
      summary: `‖h‖ after 5 layers: identity ${id[5]!.toFixed(4)} (input ${id[0]!.toFixed(4)}), Gaussian ${ga[1]!.toExponential(2)} after 1 and ${ga[5]!.toExponential(2)} after 5.`,
      plots: [
        {
          title: 'Mean norm through Poincaré FC layers (m = 64, c = 1)',
          caption: 'Under Gaussian init the mean norm should collapse toward the origin with depth; identity init keeps it (a theorem).',
          xLabel: 'layer',
          yLabel: '‖h‖',
          logY: true,
          series: [
            { name: 'identity init (½I)', x: layers, y: id },
            { name: 'Gaussian init', x: layers, y: ga },
          ],
        },
      ],
      metrics: { identity5: id[5]!, gaussian1: ga[1]!, gaussian5: ga[5]! },
    });
  },
};
