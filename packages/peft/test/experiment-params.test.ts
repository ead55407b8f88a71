import { describe, expect, it } from 'vitest';
import { crossInitToy } from '../src/experiments-entry';

describe('@x/peft experiments: declared parameters (the demo page sliders, the runner flags)', () => {
  it('cross-init-toy: steps sets the length of the loss curves, and is range-checked', async () => {
    const r = await crossInitToy.run({ quick: true, seed: 0, params: { steps: 100 } });
    for (const s of r.plots![0]!.series) expect(s.x).toHaveLength(101);
    await expect(crossInitToy.run({ quick: true, params: { steps: 10 } })).rejects.toThrow(/steps must be in \[50, 3000\]/);
  });
});
