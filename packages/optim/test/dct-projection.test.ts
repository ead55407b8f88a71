import { DomainError, matmul, randn } from '@x/gpu';
import { dctMatrix } from '@x/linalg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dctBackProject, dctProject, dctProjection } from '../src/index';
import { type FixtureMatrix, toMatrix } from './helpers';
import { loadFixture, mixedMax } from '@x/test-utils';

interface Case {
  G: FixtureMatrix;
  r: number;
  norm: 1 | 2;
  side: 'left' | 'right' | null;
  resolvedSide: 'left' | 'right';
  indices: number[];
  projected: FixtureMatrix;
}
const fx = loadFixture<{ cases: Case[] }>(import.meta.url, 'dct-projection.json');

describe('dctProject / dctBackProject validate their indices (issue 16)', () => {
  it('an index outside [0, size) is a DomainError, not a zero column', () => {
    const G = randn(6, 6, 1);
    expect(() => dctProject(G, Int32Array.from([0, 99]), 'right')).toThrow(/^dctProject: indices\[1\] = 99 is outside \[0, 6\)/);
    expect(() => dctProject(G, Int32Array.from([-1]), 'left')).toThrow(DomainError);
    expect(() => dctProject(G, Int32Array.from([1]), 'up' as 'left')).toThrow(DomainError);
    expect(() => dctBackProject(randn(6, 2, 1), Int32Array.from([0, 6]), 'right', 6)).toThrow(/^dctBackProject: indices\[1\]/);
    expect(dctProject(G, Int32Array.from([0, 5]), 'right').cols).toBe(2);
  });
});

describe('dctProjection', () => {
  it('matches the numpy reference (indices and projected columns/rows)', () => {
    for (const c of fx.cases) {
      const out = dctProjection(toMatrix(c.G), c.r, { norm: c.norm, ...(c.side ? { side: c.side } : {}) });
      expect(out.side).toBe(c.resolvedSide);
      expect(Array.from(out.indices)).toEqual(c.indices);
      expect([out.projected.rows, out.projected.cols]).toEqual([c.projected.rows, c.projected.cols]);
      // fast DCT vs dense product: rounding differs at the 1e-15 level
      expect(mixedMax(out.projected.data, c.projected.data)).toBeLessThan(1e-13);
    }
  });

  it('right side: projected = G Q[:, I] with Q = dctMatrix(cols)ᵀ', () => {
    const G = randn(12, 7, 3);
    const { indices, projected } = dctProjection(G, 3);
    expect(indices).toBeInstanceOf(Int32Array);
    const S = matmul(G, dctMatrix(7), { transB: true });
    for (let i = 0; i < 12; i++) for (let k = 0; k < 3; k++) expect(projected.data[i * 3 + k]).toBeCloseTo(S.data[i * 7 + indices[k]!]!, 13);
  });

  it('l2 selection is the exact optimum over column subsets (exhaustive, small n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 4 }), (seed, r) => {
        const G = randn(7, 6, seed);
        const { indices, projected } = dctProjection(G, r, { norm: 2 });
        let best = 0;
        const Q = dctMatrix(6);
        // all subsets of size r
        const rec = (start: number, chosen: number[]): void => {
          if (chosen.length === r) {
            const CI = { rows: r, cols: 6, data: new Float64Array(r * 6) };
            chosen.forEach((c, k) => {
              CI.data.set(Q.data.subarray(c * 6, c * 6 + 6), k * 6);
            });
            const P = matmul(G, CI, { transB: true });
            let e = 0;
            for (const x of P.data) e += x * x;
            best = Math.max(best, e);
            return;
          }
          for (let c = start; c < 6; c++) rec(c + 1, [...chosen, c]);
        };
        rec(0, []);
        let got = 0;
        for (const x of projected.data) got += x * x;
        expect(got).toBeGreaterThanOrEqual(best * (1 - 1e-12));
        expect(indices.length).toBe(r);
      }),
      { numRuns: 20 },
    );
  });

  it('project / back-project round trip on the selected subspace; r = n is lossless', () => {
    const G = randn(5, 9, 4);
    const full = dctProjection(G, 5, { side: 'left' });
    const back = dctBackProject(full.projected, full.indices, 'left', 5);
    expect(mixedMax(back.data, G.data)).toBeLessThan(1e-13);
    const part = dctProjection(G, 2);
    expect(part.side).toBe('left');
    const again = dctProject(G, part.indices, 'left');
    expect(mixedMax(again.data, part.projected.data)).toBeLessThan(1e-13);
  });

  it('rejects rank above the matrix size, bad norms and NaN', () => {
    const G = randn(6, 4, 1);
    expect(() => dctProjection(G, 5)).toThrow(DomainError);
    expect(() => dctProjection(G, 0)).toThrow(DomainError);
    expect(() => dctProjection(G, 2, { norm: 3 as 1 })).toThrow(DomainError);
    G.data[3] = Number.NaN;
    expect(() => dctProjection(G, 2)).toThrow(DomainError);
  });
});
