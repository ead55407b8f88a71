import { describe, expect, it } from 'vitest';
import { loadFixture } from '@x/test-utils';
import { spectrum } from '../src';

interface Case { name: string; rows: number; cols: number; data: number[]; S: number[]; effectiveRank: number }
const fx = loadFixture<{ cases: Case[] }>(import.meta.url, 'spectrum-scales.json');

describe('spectrum at extreme scales (numpy svd; effective rank in long double)', () => {
  it('covers σ₁ near the float64 maximum (Σσ overflows), tiny and subnormal entries', () => {
    const names = fx.cases.map((c) => c.name);
    for (const s of ['huge', 'tiny', 'subnormal']) expect(names.some((n) => n.endsWith(s))).toBe(true);
    // The huge cases are the adversarial ones: their singular values sum past Number.MAX_VALUE.
    for (const c of fx.cases.filter((c) => c.name.endsWith('huge') && c.S.length > 1)) expect(c.S.reduce((a, b) => a + b, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  for (const c of fx.cases) {
    it(`${c.name}: singular values and effective rank match`, () => {
      const r = spectrum({ rows: c.rows, cols: c.cols, data: Float64Array.from(c.data) });
      expect(r.S.length).toBe(c.S.length);
      const s1 = c.S[0]!;
      // Backward-stable SVDs agree to a few eps of σ₁ (the subnormal inputs are the same bits on both sides).
      for (let i = 0; i < c.S.length; i++) expect(Math.abs(r.S[i]! - c.S[i]!) / s1, `σ${i}`).toBeLessThan(1e-13);
      expect(Math.abs(r.effectiveRank - c.effectiveRank) / c.effectiveRank).toBeLessThan(1e-12);
    });
  }

  it('the zero matrix has effective rank 0; a 1x1 matrix has 1 at any scale', () => {
    expect(spectrum({ rows: 2, cols: 3, data: new Float64Array(6) }).effectiveRank).toBe(0);
    for (const v of [Number.MAX_VALUE, -1e-320, 5e-324]) expect(spectrum({ rows: 1, cols: 1, data: Float64Array.of(v) }).effectiveRank).toBe(1);
  });
});
