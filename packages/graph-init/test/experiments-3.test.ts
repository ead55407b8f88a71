import type { ExperimentPartial } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode), part 3', () => {
  for (const id of ['graph-init/poincare-spirals']) {
    it(`${id}: the qualitative claim holds`, () => checkExperiment(id));
  }

  it('graph-init/poincare-spirals: its decision-boundary pictures are probabilities over the grid, and the trained one separates the classes', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/poincare-spirals')!;
    const r = await e.run({ quick: true, seed: 0 });
    const maps = r.plots![1]!.heatmaps!;
    expect(maps.map((h) => h.name)).toEqual(['identity init: P(class 1)', 'gaussian init: P(class 1)']);
    for (const h of maps) {
      expect(h.values.length).toBe(h.rows * h.cols);
      expect(h.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    // Identity init reaches >= 0.9 training accuracy, so its map must hold confident cells of both classes.
    const id = maps[0]!.values;
    expect(id.some((v) => v < 0.1)).toBe(true);
    expect(id.some((v) => v > 0.9)).toBe(true);
  });

  it('graph-init/poincare-spirals: streams growing accuracy curves while training, with the same result as without a listener', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/poincare-spirals')!;
    const partials: ExperimentPartial[] = [];
    const live = await e.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p) });
    const quiet = await e.run({ quick: true, seed: 0 });
    expect(partials.length).toBeGreaterThanOrEqual(2);
    const points = (p: ExperimentPartial) => (p.plots ?? []).flatMap((pl) => pl.series).reduce((n, s) => n + s.y.length, 0);
    expect(points(partials.at(-1)!)).toBeGreaterThan(points(partials[0]!));
    expect(live.metrics).toEqual(quiet.metrics);
  });
});
