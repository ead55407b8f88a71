import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kpsvd, kron, kronRearrange } from '../src/structured';
import { EPS } from './helpers';
import { loadFixture } from '@x/test-utils';

interface KpCase {
  m1: number;
  n1: number;
  m2: number;
  n2: number;
  a: number[];
  sigma: number[];
  tail: number[];
  A0: number[];
  B0: number[];
}
const { cases } = loadFixture<{ cases: KpCase[] }>(import.meta.url, 'structured-kpsvd.json');

function frob(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! ** 2;
  return Math.sqrt(s);
}

/** a - sum_{t<r} sigma_t kron(A_t, B_t). */
function residual(a: Matrix, res: ReturnType<typeof kpsvd>, r: number): Float64Array {
  const out = Float64Array.from(a.data);
  for (let t = 0; t < r; t++) {
    const k = kron(res.A[t]!, res.B[t]!);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! - res.sigma[t]! * k.data[i]!;
  }
  return out;
}

describe('kpsvd vs numpy (SVD of the rearrangement)', () => {
  for (const c of cases) {
    it(`${c.m1}x${c.n1} (x) ${c.m2}x${c.n2}`, () => {
      const a = { rows: c.m1 * c.m2, cols: c.n1 * c.n2, data: Float64Array.from(c.a) };
      const res = kpsvd(a, [c.m1, c.n1], [c.m2, c.n2]);
      const K = Math.min(c.m1 * c.n1, c.m2 * c.n2);
      expect(res.sigma.length).toBe(K);
      const s0 = c.sigma[0]!;
      // Singular values are perturbed by O(eps ||R||) (Weyl), ||R|| = sigma_0.
      const tol = 8 * K * EPS * s0;
      for (let t = 0; t < K; t++) expect(Math.abs(res.sigma[t]! - c.sigma[t]!)).toBeLessThan(tol);
      for (let t = 1; t < K; t++) expect(res.sigma[t]!).toBeLessThanOrEqual(res.sigma[t - 1]!);
      // Unit factors, and the r-term error is the Eckart-Young tail sqrt(sum_{k>=r} sigma_k^2).
      for (let t = 0; t < K; t++) {
        expect(Math.abs(frob(res.A[t]!.data) - 1)).toBeLessThan(16 * K * EPS);
        expect(Math.abs(frob(res.B[t]!.data) - 1)).toBeLessThan(16 * K * EPS);
      }
      for (let r = 1; r <= K; r++) {
        expect(Math.abs(frob(residual(a, res, r)) - c.tail[r - 1]!)).toBeLessThan(16 * K * EPS * s0);
      }
      // Leading factor pair up to a common sign, where sigma_0 is separated from sigma_1
      // (sin-theta bound: angle error <= eps ||R|| / gap).
      const gap = c.sigma[0]! - (c.sigma[1] ?? 0);
      const sign = Math.sign(res.A[0]!.data.reduce((s, v, i) => s + v * c.A0[i]!, 0));
      const angTol = (64 * K * EPS * s0) / gap;
      for (let i = 0; i < c.A0.length; i++) expect(Math.abs(sign * res.A[0]!.data[i]! - c.A0[i]!)).toBeLessThan(angTol);
      for (let i = 0; i < c.B0.length; i++) expect(Math.abs(sign * res.B[0]!.data[i]! - c.B0[i]!)).toBeLessThan(angTol);
    });
  }

  it('k = 1 on the spec\'s shape (two terms + 1e-3 noise): error is sqrt(sum_{k>1} sigma_k^2)', () => {
    const c = cases[0]!;
    const a = { rows: 15, cols: 8, data: Float64Array.from(c.a) };
    const res = kpsvd(a, [3, 4], [5, 2], { k: 1 });
    expect(res.A.length).toBe(1);
    expect(Math.abs(frob(residual(a, res, 1)) - c.tail[0]!)).toBeLessThan(16 * 10 * EPS * c.sigma[0]!);
  });
});

describe('kpsvd properties', () => {
  it('a single Kronecker product is recovered exactly (property)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 })), ([m1, n1, m2, n2, seed]) => {
        const r = rng(seed);
        const A = { rows: m1, cols: n1, data: r.fillNormal(new Float64Array(m1 * n1)) };
        const B = { rows: m2, cols: n2, data: r.fillNormal(new Float64Array(m2 * n2)) };
        const a = kron(A, B);
        const R = kronRearrange(a, [m1, n1], [m2, n2]);
        // R(kron(A, B)) = vec(A) vec(B)^T exactly (a permutation of products).
        for (let i = 0; i < m1 * n1; i++) for (let j = 0; j < m2 * n2; j++) expect(R.data[i * m2 * n2 + j]).toBe(A.data[i]! * B.data[j]!);
        const res = kpsvd(a, [m1, n1], [m2, n2], { k: 1 });
        const s = frob(A.data) * frob(B.data);
        expect(Math.abs(res.sigma[0]! - s)).toBeLessThan(16 * EPS * s * (m1 * n1 + m2 * n2));
        expect(frob(residual(a, res, 1))).toBeLessThan(32 * EPS * s * (m1 * n1 + m2 * n2));
      }),
      { numRuns: 40, seed: 23 },
    );
  });

  it('edge cases: zero matrix, 1x1 factors, and typed errors', () => {
    const z = kpsvd({ rows: 4, cols: 6, data: new Float64Array(24) }, [2, 3], [2, 2]);
    expect(Array.from(z.sigma)).toEqual([0, 0, 0, 0]);
    const one = kpsvd({ rows: 1, cols: 1, data: Float64Array.from([-3]) }, [1, 1], [1, 1]);
    expect(one.sigma[0]).toBe(3);
    expect(one.A[0]!.data[0]! * one.B[0]!.data[0]!).toBe(-1);
    const a = { rows: 4, cols: 6, data: new Float64Array(24) };
    expect(() => kpsvd(a, [2, 2], [2, 2])).toThrow(ShapeError);
    expect(() => kpsvd(a, [2, 3], [2, 2], { k: 5 })).toThrow(DomainError);
    expect(() => kpsvd(a, [2, 0] as never, [2, 2])).toThrow(DomainError);
    expect(() => kpsvd({ ...a, data: a.data.map((_, i) => (i === 3 ? Number.NaN : 0)) }, [2, 3], [2, 2])).toThrow(DomainError);
  });
});
