import { describe, expect, it } from 'vitest';
import { DomainError } from '@x/gpu';
import { type ExperimentPartial, experimentResultProblems } from '@x/gpu/experiments';
import { experiments } from '../src/experiments-entry';

describe('@x/linalg experiments (quick mode)', () => {
  for (const e of experiments) {
    it(`${e.id}: the claim holds`, async () => {
      const r = await e.run({ quick: true, seed: 0 });
      expect(experimentResultProblems(r)).toEqual([]);
      expect(r.ok, r.summary).toBe(true);
      expect(r.plots?.length).toBeGreaterThan(0);
    });
  }

  it('every experiment throws AbortError when the signal has fired', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const e of experiments) await expect(e.run({ quick: true, signal: ac.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('svd-vs-gram-eigh: the SVD keeps the smallest singular value, AᵀA loses it', async () => {
    const r = await experiments.find((e) => e.id === 'linalg/svd-vs-gram-eigh')!.run({ quick: true, seed: 3 });
    expect(r.metrics!.smallestRelErrSvd).toBeLessThan(1e-2);
    expect(r.metrics!.smallestRelErrGram).toBeGreaterThan(0.5);
  });

  it('every experiment declares its parameters; frame-views reads its pair count and checks its range', async () => {
    for (const e of experiments) expect(e.params?.length ?? 0, e.id).toBeGreaterThan(0);
    const e = experiments.find((x) => x.id === 'linalg/frame-views')!;
    const base = await e.run({ quick: true, seed: 0 });
    const fewer = await e.run({ quick: true, seed: 0, params: { pairs: 10 } });
    expect(fewer.metrics!['Morlet cmor1-1 (12 scales in [1, 16]) spread']).not.toBe(base.metrics!['Morlet cmor1-1 (12 scales in [1, 16]) spread']);
    const err = await e.run({ quick: true, params: { pairs: 5 } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/^linalg\/frame-views: pairs/);
  });

  it('butterfly-learns-dft streams its growing loss curves and ends with the result of a run without a listener', async () => {
    const e = experiments.find((x) => x.id === 'linalg/butterfly-learns-dft')!;
    const partials: ExperimentPartial[] = [];
    const live = await e.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p) });
    const silent = await e.run({ quick: true, seed: 0 });
    expect(partials.length).toBeGreaterThanOrEqual(2);
    const points = (p: ExperimentPartial) => (p.plots?.[0]?.series ?? []).reduce((a, s) => a + s.y.length, 0);
    expect(points(partials.at(-1)!)).toBeGreaterThan(points(partials[0]!));
    expect(live.metrics).toEqual(silent.metrics);
  }, 120_000);
});
