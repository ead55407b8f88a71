import { experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode): stax NNGP/NTK', () => {
  it('graph-init/stax-convergence: the qualitative claim holds', () => checkExperiment('graph-init/stax-convergence'));
  it('graph-init/stax-digits: finite networks approach the NTK prediction with width, and the kernels classify the digits', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/stax-digits')!;
    const r = await e.run({ quick: true, seed: 0 });
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
    const dist = r.plots![0]!.series[0]!.y;
    expect(dist[dist.length - 1]!).toBeLessThan(dist[0]!);
    expect(r.metrics!.accNtkT).toBeGreaterThan(0.8);
    expect(r.metrics!.accNngp).toBeGreaterThan(0.8);
  });
});
