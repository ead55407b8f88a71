import { describe, expect, it } from 'vitest';
import { experiments } from '../src/index';

describe('experiments (quick mode)', () => {
  it('ids are unique and every experiment names its package and paper', () => {
    const ids = experiments.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of experiments) {
      expect(e.pkg).toBe('@x/graph-init');
      expect(e.claim.length).toBeGreaterThan(40);
    }
  });
  for (const e of experiments) {
    it(`${e.id}: the qualitative claim holds`, async () => {
      const r = await e.run({ quick: true, seed: 0 });
      expect(r.ok, r.summary).toBe(true);
      expect(r.plots?.length).toBeGreaterThan(0);
      for (const p of r.plots!) for (const s of p.series) expect(s.x.length).toBe(s.y.length);
    });
  }
  it('aborts when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(experiments[2]!.run({ quick: true, signal: ac.signal })).rejects.toThrow();
  });
});
