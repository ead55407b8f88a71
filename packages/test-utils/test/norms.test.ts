import { describe, expect, it } from 'vitest';
import { bitEqual, entryRel, maxAbsDiff, mixedMax, relFro, relFroComplex, relMax } from '../src';

describe('norms', () => {
  const b = [3, -4, 0];
  const a = [3, -4, 1];
  it('relFro is ‖a − b‖₂ / ‖b‖₂ and absolute for a zero reference', () => {
    expect(relFro(a, b)).toBeCloseTo(1 / 5, 15);
    expect(relFro([1, 2], [0, 0])).toBeCloseTo(Math.sqrt(5), 15);
    expect(relFro({ rows: 1, cols: 3, data: a }, { rows: 1, cols: 3, data: b })).toBeCloseTo(1 / 5, 15);
  });
  it('relFro does not overflow on huge entries', () => {
    expect(relFro([1e200, 2e200], [1e200, 1e200])).toBeCloseTo(1 / Math.SQRT2, 14);
  });
  it('relFroComplex pools real and imaginary parts', () => {
    expect(relFroComplex([3], [4], [3], [0])).toBeCloseTo(4 / 3, 15);
  });
  it('relMax divides by max |b|, mixedMax by max(1, max |b|), entryRel per entry', () => {
    expect(relMax([1, 10.5], [2, 10])).toBeCloseTo(0.1, 15);
    expect(relMax([0.5], [0])).toBe(0.5);
    expect(mixedMax([0.1], [0.2])).toBeCloseTo(0.1, 15);
    expect(mixedMax([1, 10.5], [2, 10])).toBeCloseTo(0.1, 15);
    expect(entryRel([1, 10.5], [2, 10])).toBeCloseTo(0.5, 15);
    expect(maxAbsDiff([1, 10.5], [2, 10])).toBe(1);
  });
  it('every measure throws on differing lengths or shapes and propagates NaN', () => {
    for (const f of [relFro, relMax, mixedMax, entryRel, maxAbsDiff]) {
      expect(() => f([1, 2], [1])).toThrow(/lengths 2 and 1/);
      expect(() => f({ rows: 2, cols: 1, data: [1, 2] }, { rows: 1, cols: 2, data: [1, 2] })).toThrow(/shapes/);
      expect(f([Number.NaN, 1], [1, 1])).toBeNaN();
    }
  });
  it('bitEqual tells −0 from +0 and matches NaN', () => {
    expect(bitEqual([0], [-0])).toBe(false);
    expect(bitEqual([Number.NaN], [Number.NaN])).toBe(true);
    expect(bitEqual([1, 2], [1, 2])).toBe(true);
    expect(bitEqual([1], [1, 2])).toBe(false);
  });
});
