import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';

describe('graph-init experiments: declared parameters (the demo page sliders, the runner flags)', () => {
  it('graph-init/logah-tiny: steps sets the hypernetworks\' training length, and is range-checked', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/logah-tiny')!;
    const r = await e.run({ quick: true, seed: 0, params: { steps: 200 } });
    for (const s of r.plots![0]!.series) expect(Math.max(...s.x)).toBe(200);
    await expect(e.run({ quick: true, params: { steps: 50 } })).rejects.toThrow(/steps must be in \[100, 6000\]/);
  }, 120_000);

  it('every experiment declares at least one parameter', () => {
    for (const e of experiments) expect(e.params?.length ?? 0, e.id).toBeGreaterThan(0);
  });

  it('graph-init/poincare-depth: a different batch changes the norms, depth sets the curve length; out of range is a DomainError naming the experiment', async () => {
    const e = experiments.find((x) => x.id === 'graph-init/poincare-depth')!;
    const base = await e.run({ quick: true, seed: 0 });
    const other = await e.run({ quick: true, seed: 0, params: { batch: 8, depth: 8 } });
    expect(other.metrics!.gaussian5).not.toBe(base.metrics!.gaussian5);
    expect(base.plots![0]!.series[0]!.x).toHaveLength(7);
    expect(other.plots![0]!.series[0]!.x).toHaveLength(9);
    const err = await e.run({ quick: true, params: { depth: 4 } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/graph-init\/poincare-depth: depth must be in \[5, 48\]/);
  });
});
