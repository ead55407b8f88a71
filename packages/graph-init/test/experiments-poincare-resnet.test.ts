import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';
import { checkExperiment } from './run-experiment';

describe('graph-init/poincare-resnet-digits (quick mode)', () => {
  it('its asserted checks hold: identity init trains the deep Poincaré ResNet, and with batch norm so does standard init', () => checkExperiment('graph-init/poincare-resnet-digits'));

  it('sends live partial results with the curves so far, and its metrics are the curves’ last points', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/poincare-resnet-digits')!;
    const partials: number[] = [];
    const r = await e.run({ quick: true, seed: 0, params: { depth: 2, steps: 10 }, onPartial: (p) => partials.push(p.plots[0]!.series.reduce((n, s) => n + s.x.length, 0)) });
    expect(partials.length).toBeGreaterThan(1);
    expect(partials.at(-1)).toBe(2);
    expect(r.plots!.map((p) => p.series.map((s) => s.name))).toEqual([
      ['identity init', 'gaussian init'],
      ['identity init', 'gaussian init'],
      ['identity init', 'gaussian init'],
    ]);
    expect(r.metrics!.lossIdentity).toBe(r.plots![0]!.series[0]!.y.at(-1));
    expect(r.metrics!.testAccGaussian).toBe(r.plots![2]!.series[1]!.y.at(-1));
  });
});
