import { describe, expect, it } from 'vitest';
import { FrequentDirections, IncrementalSVD, RandomOrderEigenvector } from '../src';

describe('empty streams and tiny inputs', () => {
  it('nothing seen: empty results, valid checkpoints', () => {
    const s = new IncrementalSVD({ rank: 3 });
    expect(s.singularValues().length).toBe(0);
    expect(s.U().cols).toBe(0);
    expect(IncrementalSVD.fromJSON(JSON.parse(JSON.stringify(s))).toJSON()).toEqual(s.toJSON());
    const f = new FrequentDirections({ dim: 4, ell: 2 });
    expect(f.sketch().rows).toBe(0);
    expect(f.shrinkTotal).toBe(0);
    expect(FrequentDirections.fromJSON(f.toJSON()).toJSON()).toEqual(f.toJSON());
    const e = new RandomOrderEigenvector({ dim: 3, n: 5, seed: 4 });
    const v = e.vector();
    expect(Math.hypot(...v)).toBeCloseTo(1, 14);
    expect(Array.from(RandomOrderEigenvector.fromJSON(e.toJSON()).vector())).toEqual(Array.from(v));
  });

  it('1 x 1: each estimator returns the trivial answer', () => {
    const e = new RandomOrderEigenvector({ dim: 1, n: 1, seed: 0 }).updateAll([[-2]]);
    expect(Math.abs(e.vector()[0]!)).toBe(1);
    const f = new FrequentDirections({ dim: 1, ell: 1 }).updateAll([[-2]]);
    expect(Array.from(f.sketch().data)).toEqual([-2]);
    const s = new IncrementalSVD({ rank: 1 }).addRows({ rows: 1, cols: 1, data: Float64Array.of(-2) });
    expect(Array.from(s.singularValues())).toEqual([2]);
  });

  it('zero rows do not move the random-order iterate off the unit sphere', () => {
    const e = new RandomOrderEigenvector({ dim: 3, n: 6, blocks: 2, seed: 1 });
    const v0 = e.vector();
    for (let i = 0; i < 6; i++) e.update([0, 0, 0]);
    expect(Array.from(e.vector())).toEqual(Array.from(v0));
    expect(e.heavyCount).toBe(0);
  });
});
