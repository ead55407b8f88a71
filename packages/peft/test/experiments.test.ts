import { describe, expect, it } from 'vitest';
import { experiments } from '../src';

describe('@x/peft experiments (quick mode): the qualitative claims hold', () => {
  for (const e of experiments) {
    it(`${e.id}: ${e.title}`, async () => {
      const r = await e.run({ quick: true, seed: 0 });
      expect(r.ok, r.summary).toBe(true);
      expect(r.plots?.length).toBeGreaterThan(0);
      for (const p of r.plots ?? []) for (const s of p.series) expect(s.x.length).toBe(s.y.length);
    });
  }

  it('pissa-vs-lora: PiSSA ahead in the aligned case, behind in the random case', async () => {
    const r = await experiments[0]!.run({ quick: true, seed: 1 });
    expect(r.metrics!.alignedPissa).toBeLessThan(r.metrics!.alignedLora!);
    expect(r.metrics!.randomPissa).toBeGreaterThan(10 * r.metrics!.randomLora!);
  });
});
