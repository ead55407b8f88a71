import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '@x/test-utils';
import { effectiveRank, svdvals } from '../src/dense';

interface Case { name: string; s: number[]; entropy: number; participation: number }
const fx = loadFixture<{ cases: Case[] }>(import.meta.url, 'dense-effective-rank.json');

describe('effectiveRank (references in long double, no rescaling)', () => {
  it('covers spectra whose sum overflows and subnormal ones', () => {
    const huge = fx.cases.filter((c) => c.name.endsWith('huge') && c.s.length > 1);
    expect(huge.length).toBeGreaterThan(4);
    for (const c of huge) expect(c.s.reduce((a, b) => a + b, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(fx.cases.some((c) => c.s.some((v) => v > 0 && v < 2.2250738585072014e-308))).toBe(true);
  });

  for (const c of fx.cases) {
    it(`${c.name}: entropy and participation match`, () => {
      const s = Float64Array.from(c.s);
      const e = effectiveRank(s);
      expect(effectiveRank(s, { kind: 'entropy' })).toBe(e);
      expect(Math.abs(e - c.entropy) / c.entropy, 'entropy').toBeLessThan(1e-13);
      const p = effectiveRank(c.s, { kind: 'participation' });
      expect(Math.abs(p - c.participation) / c.participation, 'participation').toBeLessThan(1e-13);
      expect(e).toBeGreaterThanOrEqual(1 - 1e-15);
      expect(p).toBeGreaterThanOrEqual(1 - 1e-15);
    });
  }

  it('is scale-free and order-free; k equal values give k; empty or zero gives 0', () => {
    const s = [3, 1, 0.5, 0.25];
    for (const kind of ['entropy', 'participation'] as const) {
      const r = effectiveRank(s, { kind });
      for (const scale of [2 ** 1000, 2 ** -1070]) expect(effectiveRank(s.map((v) => v * scale), { kind })).toBeCloseTo(r, 13);
      expect(effectiveRank([0.5, 0.25, 3, 1], { kind })).toBeCloseTo(r, 14);
      expect(effectiveRank([2, 2, 2, 0], { kind })).toBeCloseTo(3, 14);
      expect(effectiveRank([], { kind })).toBe(0);
      expect(effectiveRank(new Float64Array(3), { kind })).toBe(0);
    }
  });

  it('of a matrix: effectiveRank(svdvals(a)) of a rank-2 outer-product sum is in [1, 2]', () => {
    const a = { rows: 3, cols: 3, data: Float64Array.of(1, 2, 3, 2, 4, 6, 1, 0, 1) };
    const r = effectiveRank(svdvals(a));
    expect(r).toBeGreaterThan(1);
    expect(r).toBeLessThanOrEqual(2 + 1e-12);
  });

  it('refuses bad input with typed errors naming effectiveRank', () => {
    expect(() => effectiveRank([1, -1e-300])).toThrow(/^effectiveRank: .*singularValues\[1\]/);
    expect(() => effectiveRank([1, -1])).toThrow(DomainError);
    expect(() => effectiveRank([1, Number.NaN])).toThrow(DomainError);
    expect(() => effectiveRank([Number.POSITIVE_INFINITY])).toThrow(DomainError);
    expect(() => effectiveRank(null as unknown as number[])).toThrow(ShapeError);
    expect(() => effectiveRank([1], { kind: 'stable' as 'entropy' })).toThrow(/effectiveRank: kind/);
    expect(() => effectiveRank([1], { kinds: 'entropy' } as object)).toThrow(DomainError);
  });
});
