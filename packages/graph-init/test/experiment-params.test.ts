import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';

describe('graph-init experiments: declared parameters (the demo page sliders, the runner flags)', () => {
  it('graph-init/logah-tiny: steps sets the hypernetworks\' training length, and is range-checked', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/logah-tiny')!;
    const r = await e.run({ quick: true, seed: 0, params: { steps: 200 } });
    for (const s of r.plots![0]!.series) expect(Math.max(...s.x)).toBe(200);
    await expect(e.run({ quick: true, params: { steps: 50 } })).rejects.toThrow(/steps must be in \[100, 6000\]/);
  }, 120_000);
});
