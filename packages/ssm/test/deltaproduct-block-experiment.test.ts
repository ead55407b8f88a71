import { experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';

describe('ssm/deltaproduct-block-z3 (quick mode)', () => {
  it('n_h = 2 learns the Z3 word problem and extrapolates to 4x length; n_h = 1 stays near chance', async () => {
    const e = experiments.find((x) => x.id === 'ssm/deltaproduct-block-z3')!;
    const partials: number[] = [];
    const r = await e.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p.plots[0]!.series.length) });
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
    const m = r.metrics!;
    expect(m.acc_nh2_T64).toBeGreaterThan(0.9);
    expect(m.acc_nh1_T64).toBeLessThan(0.5);
    expect(m.acc_nh2_T16! - m.acc_nh1_T16!).toBeGreaterThan(0.3);
    expect(m.finalLoss_nh2).toBeLessThan(0.1 * m.finalLoss_nh1!);
    expect(partials.length).toBeGreaterThan(1);
  });
});
