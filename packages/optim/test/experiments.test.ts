import { DomainError } from '@x/gpu';
import { type ExperimentPartial, experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';

describe('experiments (quick mode) reproduce the qualitative claims', () => {
  it('exports one experiment per headline claim, with ids, claims and the package name', () => {
    expect(experiments.map((e) => e.id)).toEqual([
      'optim/dct-vs-svd-projection',
      'optim/optimizer-race',
      'optim/subgm-outliers',
      'optim/subgm-init-scale',
      'optim/matrix-sensing',
    ]);
    for (const e of experiments) {
      expect(e.pkg).toBe('@x/optim');
      expect(e.claim.length).toBeGreaterThan(40);
    }
  });

  for (const e of experiments) {
    it(e.id, async () => {
      const fractions: number[] = [];
      const r = await e.run({ quick: true, seed: 0, onProgress: (p) => fractions.push(p.fraction) });
      expect(experimentResultProblems(r)).toEqual([]);
      expect(r.ok, r.summary).toBe(true);
      expect(r.plots?.length).toBeGreaterThan(0);
      for (const p of r.plots ?? []) for (const s of p.series) expect(s.x.length).toBe(s.y.length);
      expect(fractions.at(-1)).toBeCloseTo(1, 12);
    }, 120_000);
  }

  it('stops on abort', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const e of experiments) await expect(e.run({ quick: true, signal: ac.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('every experiment declares its parameters; subgm-init-scale reads its iterations and checks their range', async () => {
    for (const e of experiments) expect(e.params?.length ?? 0, e.id).toBeGreaterThan(0);
    const e = experiments.find((x) => x.id === 'optim/subgm-init-scale')!;
    const base = await e.run({ quick: true, seed: 0 });
    const fewer = await e.run({ quick: true, seed: 0, params: { steps: 100 } });
    expect(fewer.metrics!['error_alpha_0.001']).not.toBe(base.metrics!['error_alpha_0.001']);
    const err = await e.run({ quick: true, params: { steps: 10 } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/^optim\/subgm-init-scale: steps/);
  }, 120_000);

  it('matrix-sensing streams its growing error plot and ends with the result of a run without a listener', async () => {
    const e = experiments.find((x) => x.id === 'optim/matrix-sensing')!;
    const partials: ExperimentPartial[] = [];
    const live = await e.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p) });
    const silent = await e.run({ quick: true, seed: 0 });
    expect(partials.length).toBeGreaterThanOrEqual(2);
    const count = (p: ExperimentPartial) => p.plots?.[0]?.series.length ?? 0;
    expect(count(partials.at(-1)!)).toBeGreaterThan(count(partials[0]!));
    expect(live.metrics).toEqual(silent.metrics);
  }, 120_000);
});
