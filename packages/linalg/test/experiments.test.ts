import { describe, expect, it } from 'vitest';
import { experiments } from '../src';

describe('@x/linalg experiments (quick mode)', () => {
  for (const e of experiments) {
    it(`${e.id}: the claim holds`, async () => {
      const r = await e.run({ quick: true, seed: 0 });
      expect(r.ok, r.summary).toBe(true);
      expect(r.plots?.length).toBeGreaterThan(0);
    });
  }

  it('svd-vs-gram-eigh: the SVD keeps the smallest singular value, AᵀA loses it', async () => {
    const r = await experiments.find((e) => e.id === 'linalg/svd-vs-gram-eigh')!.run({ quick: true, seed: 3 });
    expect(r.metrics!.smallestRelErrSvd).toBeLessThan(1e-2);
    expect(r.metrics!.smallestRelErrGram).toBeGreaterThan(0.5);
  });
});
