import { ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { monomialExponents, tensorAttention, tensorAttentionPoly } from '../src';
import { loadFixture, relMax } from '@x/test-utils';
import type { Untyped } from './helpers';

const F = loadFixture<Untyped>(import.meta.url, 'tensor-attention-einsum.json');
const mat = (n: number, d: number, a: number[]) => ({ rows: n, cols: d, data: Float64Array.from(a) });

describe('tensor attention', () => {
  for (const c of F.cases) {
    const x = { Q: mat(c.n, c.d, c.Q), K1: mat(c.n, c.d, c.K1), K2: mat(c.n, c.d, c.K2), V1: mat(c.n, c.d, c.V1), V2: mat(c.n, c.d, c.V2) };
    it(`naive matches numpy einsum (n=${c.n}, d=${c.d})`, () => {
      expect(relMax(tensorAttention(x).data, c.out)).toBeLessThan(1e-13);
    });
    it(`polynomial method equals the entrywise Taylor polynomial (n=${c.n}, g=${c.g})`, () => {
      const { out, r } = tensorAttentionPoly(x, { degree: c.g });
      // r = C(d + g, g)
      let binom = 1;
      for (let i = 1; i <= c.g; i++) binom = (binom * (c.d + i)) / i;
      expect(r).toBe(Math.round(binom));
      expect(relMax(out.data, c.poly)).toBeLessThan(1e-11);
    });
  }
  it('spec fact: n=24, d=3, entries in [-0.5, 0.5], g=8: poly vs naive ~1e-10', () => {
    const c = F.cases[2];
    const x = { Q: mat(24, 3, c.Q), K1: mat(24, 3, c.K1), K2: mat(24, 3, c.K2), V1: mat(24, 3, c.V1), V2: mat(24, 3, c.V2) };
    const err = relMax(tensorAttentionPoly(x, { degree: 8 }).out.data, tensorAttention(x).data);
    expect(err).toBeLessThan(1e-9);
  });
  it('monomial exponents: count C(d+g, g), graded', () => {
    expect(monomialExponents(3, 2).length).toBe(10);
    expect(monomialExponents(4, 6).length).toBe(210);
    expect(Array.from(monomialExponents(2, 1)[0]!)).toEqual([0, 0]);
  });
  it('rejects mismatched shapes', () => {
    const a = mat(2, 2, [1, 2, 3, 4]);
    expect(() => tensorAttention({ Q: a, K1: a, K2: a, V1: a, V2: mat(1, 2, [1, 2]) })).toThrow(ShapeError);
  });
});
