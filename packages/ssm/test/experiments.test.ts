import { describe, expect, it } from 'vitest';
import { experiments } from '../src';

function byId(id: string) {
  const e = experiments.find((x) => x.id === id);
  if (!e) throw new Error(`no experiment ${id}`);
  return e;
}

describe('experiments (quick mode)', () => {
  it('all have ids, claims and the package name', () => {
    for (const e of experiments) {
      expect(e.pkg).toBe('@x/ssm');
      expect(e.id.startsWith('ssm/')).toBe(true);
      expect(e.claim.length).toBeGreaterThan(20);
    }
  });
  it('S4D-LegS kernel error decreases as N doubles, ~halving (spec: 0.69, 0.49, 0.21, 0.11)', async () => {
    const r = await byId('ssm/s4d-legs-kernel-error').run({ quick: true, seed: 0 });
    expect(r.ok).toBe(true);
    const m = r.metrics!;
    expect(m.relErr_N16).toBeCloseTo(0.688, 2);
    expect(m.relErr_N32).toBeCloseTo(0.4895, 3);
    expect(m.relErr_N64).toBeCloseTo(0.2113, 3);
    expect(m.relErr_N128).toBeCloseTo(0.1086, 3);
    expect(r.plots!.length).toBeGreaterThan(0);
  });
});
