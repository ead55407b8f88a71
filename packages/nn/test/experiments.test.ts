import { describe, expect, it } from 'vitest';
import { mlpRegressionExperiment } from '../src/experiments-entry';

describe('mlpRegressionExperiment (demo page)', () => {
  it('returns a falling loss curve and a close fit of sin(3x)', async () => {
    const steps: number[] = [];
    const r = await mlpRegressionExperiment({ seed: 0, steps: 600, onProgress: (p) => steps.push(p.step) });
    expect(r.losses.length).toBe(600);
    expect(steps.length).toBe(600);
    const head = r.losses.slice(0, 20).reduce((a, b) => a + b) / 20;
    const tail = r.losses.slice(-20).reduce((a, b) => a + b) / 20;
    expect(tail).toBeLessThan(head / 20);
    expect(r.finalMse).toBeLessThan(1e-2);
    expect(r.x.length).toBe(128);
    expect(r.prediction.length).toBe(128);
    // Same seed, same curve.
    const again = await mlpRegressionExperiment({ seed: 0, steps: 50 });
    expect(Array.from(again.losses)).toEqual(Array.from(r.losses.slice(0, 50)));
  });
});
