import { describe, expect, it } from 'vitest';
import { experiments } from '../src/experiments-entry';
import { checkExperiment } from './run-experiment';

describe('experiments (registry)', () => {
  it('ids are unique and every experiment names its package and paper', () => {
    const ids = experiments.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of experiments) {
      expect(e.pkg).toBe('@x/graph-init');
      expect(e.claim.length).toBeGreaterThan(40);
    }
  });
  it('every experiment throws AbortError when the signal has fired', async () => {
    const ac = new AbortController();
    ac.abort();
    for (const e of experiments) await expect(e.run({ quick: true, signal: ac.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });
});

// Split across files so vitest's forks run them on both cores.
describe('experiments (quick mode), part 1', () => {
  for (const id of ['graph-init/virgo-variance', 'graph-init/virgo-sbm', 'graph-init/ntk-convergence', 'graph-init/poincare-depth']) {
    it(`${id}: the qualitative claim holds`, () => checkExperiment(id));
  }
});
