import { DomainError } from '@x/gpu';
import { type ExperimentPartial, experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';

describe('experiments (quick mode): each paper claim holds qualitatively', () => {
  it('exports four experiments with unique ids under @x/streaming', () => {
    expect(experiments.map((e) => e.id)).toEqual([
      'streaming/random-order-vs-oja',
      'streaming/frequent-directions-bound',
      'streaming/concat-svd-bounds',
      'streaming/incremental-pca-eva',
    ]);
    for (const e of experiments) expect(e.pkg).toBe('@x/streaming');
  });

  for (const e of experiments) {
    it(`${e.id}: ok, with plots and progress`, async () => {
      const fractions: number[] = [];
      const res = await e.run({ quick: true, seed: 0, onProgress: (p) => fractions.push(p.fraction) });
      expect(experimentResultProblems(res)).toEqual([]);
      expect(res.ok, res.summary).toBe(true);
      expect(res.plots!.length).toBeGreaterThan(0);
      for (const p of res.plots!) for (const s of p.series) expect(s.x.length).toBe(s.y.length);
      expect(fractions.at(-1)).toBeCloseTo(1, 12);
      if (e.id === 'streaming/random-order-vs-oja') {
        // The hard instance: the random-order estimator beats Oja with every fixed step of the grid.
        expect(res.metrics!.kwAtHard!).toBeGreaterThan(0.95);
        expect(res.metrics!.ojaBestAtHard!).toBeLessThan(res.metrics!.kwAtHard! - 0.05);
      }
    });
  }
});

describe('experiments: abort', () => {
  it('every experiment throws AbortError when the signal has fired', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const e of experiments) await expect(e.run({ quick: true, signal: ac.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('every experiment declares its parameters; incremental-pca-eva reads its batch count and checks its range', async () => {
    for (const e of experiments) expect(e.params?.length ?? 0, e.id).toBeGreaterThan(0);
    const e = experiments.find((x) => x.id === 'streaming/incremental-pca-eva')!;
    const base = await e.run({ quick: true, seed: 0 });
    const fewer = await e.run({ quick: true, seed: 0, params: { batches: 4 } });
    expect(fewer.summary).not.toBe(base.summary);
    expect(fewer.metrics).not.toEqual(base.metrics);
    const err = await e.run({ quick: true, params: { batches: 2 } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/^streaming\/incremental-pca-eva: batches/);
  });

  it('incremental-pca-eva streams its growing |cos| curves and ends with the result of a run without a listener', async () => {
    const e = experiments.find((x) => x.id === 'streaming/incremental-pca-eva')!;
    const partials: ExperimentPartial[] = [];
    const live = await e.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p) });
    const silent = await e.run({ quick: true, seed: 0 });
    expect(partials.length).toBeGreaterThanOrEqual(2);
    const points = (p: ExperimentPartial) => p.plots?.[0]?.series[0]?.y.length ?? 0;
    expect(points(partials.at(-1)!)).toBeGreaterThan(points(partials[0]!));
    expect(live.metrics).toEqual(silent.metrics);
  });
});
