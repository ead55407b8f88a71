import { experimentResultProblems } from '@x/gpu/experiments';
import { expect } from 'vitest';
import { experiments } from '../src/experiments-entry';

/** Runs one experiment in quick mode (seed 0) and asserts its qualitative claim and plot shapes. */
export async function checkExperiment(id: string): Promise<void> {
  const e = experiments.find((x) => x.id === id);
  expect(e, id).toBeDefined();
  const r = await e!.run({ quick: true, seed: 0 });
  expect(experimentResultProblems(r)).toEqual([]);
  expect(r.ok, r.summary).toBe(true);
  expect(r.plots?.length).toBeGreaterThan(0);
  for (const p of r.plots!) for (const s of p.series) expect(s.x.length).toBe(s.y.length);
}
