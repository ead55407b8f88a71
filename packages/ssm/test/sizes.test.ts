import { DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { smoothDelayBatch } from '../src/experiments-entry';
import { s3WordProblem, spectralNorm } from '../src/index';

// Sizes taken from the caller are checked before allocating or looping (2^31 used to hang).
describe('sizes are checked before any allocation or loop', () => {
  it('s3WordProblem: T must be an integer size, r an Rng', () => {
    for (const T of [2 ** 31, Number.POSITIVE_INFINITY, -1, 1.5, Number.NaN]) expect(() => s3WordProblem(T, rng(1))).toThrow(/s3WordProblem: T must be an integer/);
    expect(() => s3WordProblem(4, 'seed' as never)).toThrow(DomainError);
    expect(s3WordProblem(4, rng(1)).tokens).toHaveLength(4);
  });
  it('spectralNorm: a matrix whose dims do not match its data is a ShapeError', () => {
    expect(() => spectralNorm({ rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(4) })).toThrow(ShapeError);
    expect(() => spectralNorm({ rows: 2, cols: 3, data: new Float64Array(5) })).toThrow(/spectralNorm/);
    // diag(3, 2): ||M||_2 = 3 (power iteration stops at a relative change near 1e-12).
    expect(spectralNorm({ rows: 2, cols: 2, data: Float64Array.of(3, 0, 0, 2) })).toBeCloseTo(3, 10);
  });
  it('smoothDelayBatch: terms must be an integer >= 1', () => {
    for (const terms of [2 ** 31, Number.POSITIVE_INFINITY, 0, 1.5]) expect(() => smoothDelayBatch(2, 8, 2, rng(1), { terms })).toThrow(/smoothDelayBatch: terms must be an integer/);
    expect(smoothDelayBatch(2, 8, 2, rng(1), { terms: 3 }).x.rows).toBe(2);
  });
});
