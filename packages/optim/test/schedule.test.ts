import { describe, expect, it } from 'vitest';
import { AdamW, scheduleFactor, warmupCosine } from '../src/index';

describe('learning-rate schedules', () => {
  it('warmup + cosine: linear ramp, cosine to minFactor, flat after total', () => {
    const s = warmupCosine({ warmup: 4, total: 14, minFactor: 0.1 });
    expect([1, 2, 3, 4].map((t) => scheduleFactor(s, t))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(scheduleFactor(s, 9)).toBeCloseTo(0.1 + 0.9 * 0.5, 15);
    expect(scheduleFactor(s, 14)).toBeCloseTo(0.1, 15);
    expect(scheduleFactor(s, 100)).toBeCloseTo(0.1, 15);
    for (let t = 5; t < 14; t++) expect(scheduleFactor(s, t + 1)).toBeLessThan(scheduleFactor(s, t));
  });

  it('geometric and constant', () => {
    expect(scheduleFactor({ kind: 'geometric', rho: 0.5 }, 1)).toBe(1);
    expect(scheduleFactor({ kind: 'geometric', rho: 0.5 }, 4)).toBe(0.125);
    expect(scheduleFactor({ kind: 'constant' }, 7)).toBe(1);
  });

  it('optimizers use lr * factor at step t and serialize the schedule', () => {
    const opt = new AdamW({ lr: 0.1, schedule: warmupCosine({ warmup: 2, total: 10 }) });
    expect(opt.lrAt(1)).toBeCloseTo(0.05, 15);
    expect(opt.lrAt(10)).toBeCloseTo(0, 15);
    const j = JSON.parse(JSON.stringify(opt.toJSON()));
    expect(AdamW.fromJSON(j).lrAt(1)).toBe(opt.lrAt(1));
  });
});
