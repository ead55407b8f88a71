import { DomainError, rng } from '@x/gpu';
import { svdvals } from '@x/linalg';
import { describe, expect, it } from 'vitest';
import { entropyEffectiveRank, kernelAlignment, lowRankAtEqualNorm, lowRankGaussian, participationRatio } from '../src/index';

describe('effective rank measures', () => {
  it('flat spectra give the count, a single value gives 1', () => {
    expect(entropyEffectiveRank([2, 2, 2, 2])).toBeCloseTo(4, 14);
    expect(participationRatio([3, 3, 3])).toBeCloseTo(3, 14);
    expect(entropyEffectiveRank([5, 0, 0])).toBe(1);
    expect(participationRatio([5, 0, 0])).toBe(1);
  });
  it('closed form for two values', () => {
    // p = (3/4, 1/4): exp(-(3/4 ln 3/4 + 1/4 ln 1/4)); PR = (9 + 1)^2 / (81 + 1).
    expect(entropyEffectiveRank([3, 1])).toBeCloseTo(Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))), 14);
    expect(participationRatio([3, 1])).toBeCloseTo(100 / 82, 14);
  });
  it('the measures are scale-free: spectra and kernels times 2^±600 (sums of σ, σ², σ⁴ over- or underflow)', () => {
    const sigma = [3, 1, 0.5, 0.25];
    const er = entropyEffectiveRank(sigma);
    const pr = participationRatio(sigma);
    const a = { rows: 2, cols: 2, data: Float64Array.from([2, 1, 1, 3]) };
    const c = { rows: 2, cols: 2, data: Float64Array.from([1, 0, 0, 1]) };
    for (const s of [2 ** 600, 2 ** 1020, 2 ** -600, 2 ** -1000]) {
      const S = sigma.map((v) => v * s);
      expect(entropyEffectiveRank(S), `× ${s}`).toBeCloseTo(er, 14);
      expect(participationRatio(S), `× ${s}`).toBeCloseTo(pr, 14);
      const as = { ...a, data: a.data.map((v) => v * s) };
      expect(kernelAlignment(as, c), `× ${s}`).toBeCloseTo(5 / Math.sqrt(15 * 2), 15);
      expect(kernelAlignment(as, as), `× ${s}`).toBeCloseTo(1, 15);
    }
  });
  it('rejects negative or all-zero spectra', () => {
    expect(() => entropyEffectiveRank([1, -1])).toThrow(DomainError);
    expect(() => participationRatio([0, 0])).toThrow(DomainError);
  });
  it('kernel alignment is 1 for proportional kernels and symmetric', () => {
    const a = { rows: 2, cols: 2, data: Float64Array.from([2, 1, 1, 3]) };
    const b = { rows: 2, cols: 2, data: Float64Array.from([4, 2, 2, 6]) };
    const c = { rows: 2, cols: 2, data: Float64Array.from([1, 0, 0, 1]) };
    expect(kernelAlignment(a, b)).toBeCloseTo(1, 15);
    expect(kernelAlignment(a, c)).toBeCloseTo(kernelAlignment(c, a), 15);
    expect(kernelAlignment(a, c)).toBeCloseTo(5 / Math.sqrt(15 * 2), 15);
  });
});

describe('low-rank connectivity at equal Frobenius norm', () => {
  const fro = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  for (const r of [1, 4, 10]) {
    it(`rank ${r}: rank(W) = r, ‖W‖_F = ‖W0‖_F, same leading singular directions`, () => {
      const W0 = { rows: 30, cols: 20, data: rng(1).fillNormal(new Float64Array(600), 1.25 / Math.sqrt(20)) };
      const W = lowRankAtEqualNorm(W0, r);
      expect(Math.abs(fro(W.data) - fro(W0.data)) / fro(W0.data)).toBeLessThan(1e-13);
      const s = svdvals(W);
      const s0 = svdvals(W0);
      // Singular values r+1.. vanish to rounding; the first r are s0 scaled by one common factor.
      for (let i = r; i < s.length; i++) expect(s[i]! / s[0]!).toBeLessThan(1e-13);
      for (let i = 1; i < r; i++) expect(Math.abs(s[i]! / s[0]! - s0[i]! / s0[0]!)).toBeLessThan(1e-12);
      expect(entropyEffectiveRank(s.subarray(0, r))).toBeLessThanOrEqual(r + 1e-12);
    });
  }
  it('full rank returns a copy; lowRankGaussian is seeded', () => {
    const W0 = { rows: 3, cols: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(lowRankAtEqualNorm(W0, 5).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(lowRankGaussian(8, 6, 2, { seed: 3 }).data)).toEqual(Array.from(lowRankGaussian(8, 6, 2, { seed: 3 }).data));
    expect(() => lowRankAtEqualNorm(W0, 0)).toThrow(DomainError);
  });
});
