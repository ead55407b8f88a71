import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { bayesOptimalMmse, denoisingMmse, spectralGrid } from '../src/index';

// Grid sizes and depths are checked before allocating or looping (2^31 used to hang).
describe('grid sizes are checked up front', () => {
  it('spectralGrid, denoisingMmse and bayesOptimalMmse refuse non-integer or huge point counts', () => {
    for (const bad of [2 ** 31, Number.POSITIVE_INFINITY, 1, 1.5, Number.NaN]) {
      expect(() => spectralGrid(0.5, 0.5, bad)).toThrow(/spectralGrid: points must be an integer/);
      expect(() => denoisingMmse(0.5, 0.5, bad)).toThrow(/denoisingMmse: points must be an integer/);
      expect(() => bayesOptimalMmse(0.5, 0.5, 0.5, { points: bad })).toThrow(DomainError);
    }
    expect(spectralGrid(0.5, 0.5, 50).x).toHaveLength(50);
  });
});
