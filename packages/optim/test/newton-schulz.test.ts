import { DomainError, randn, ShapeError } from '@x/gpu';
import { svd } from '@x/linalg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NS5_COEFFICIENTS, newtonSchulz5 } from '../src/index';
import { type FixtureMatrix, toMatrix } from './helpers';
import { loadFixture, mixedMax } from '@x/test-utils';

const fx = loadFixture<{ cases: { G: FixtureMatrix; steps: number; out: FixtureMatrix }[] }>(import.meta.url, 'newton-schulz-ns5.json');

describe('newtonSchulz5', () => {
  it('uses the published coefficients', () => {
    expect([...NS5_COEFFICIENTS]).toEqual([3.4445, -4.775, 2.0315]);
  });

  it('matches the numpy reference (tall, wide, square, 1 x n)', () => {
    for (const c of fx.cases) {
      const out = newtonSchulz5(toMatrix(c.G), { steps: c.steps });
      expect([out.rows, out.cols]).toEqual([c.G.rows, c.G.cols]);
      // five quintic steps of O(1) entries: float64 rounding stays near 1e-15 per step
      expect(mixedMax(out.data, c.out.data)).toBeLessThan(1e-12);
    }
  });

  it('singular values land in the published band [0.68, 1.14] (Gaussian 256x128 and 128x512)', () => {
    for (const [m, n, seed] of [
      [256, 128, 1],
      [128, 512, 2],
    ] as const) {
      const S = svd(newtonSchulz5(randn(m, n, seed))).S;
      // spec (fp64, checked): [0.682, 1.134]
      expect(Math.min(...S)).toBeGreaterThan(0.68);
      expect(Math.max(...S)).toBeLessThan(1.14);
    }
  });

  it('is scale invariant and keeps singular vectors (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1, max: 100, noNaN: true }), (m, n, seed, s) => {
        const G = randn(m, n, seed);
        const a = newtonSchulz5(G);
        const Gs = { rows: m, cols: n, data: G.data.map((x) => x * s) };
        const b = newtonSchulz5(Gs);
        // the 1e-7 in ||G||_F + 1e-7 perturbs the normalized input by a relative 1e-7/||G||_F;
        // five steps amplify it by at most a^5 ≈ 485 (the slope of the quintic at 0)
        let fro = 0;
        for (const x of G.data) fro += x * x;
        expect(mixedMax(a.data, b.data)).toBeLessThan((500 * 1e-7) / Math.sqrt(fro) + 1e-13);
        // NS5(G) = U p(S) Vᵀ: Uᵀ NS5(G) V is diagonal
        const { U, V } = svd(G);
        const k = Math.min(m, n);
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            if (i === j) continue;
            let v = 0;
            for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) v += U.data[r * k + i]! * a.data[r * n + c]! * V.data[c * k + j]!;
            expect(Math.abs(v)).toBeLessThan(1e-10);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('maps the zero matrix to zero and rejects bad input', () => {
    const z = newtonSchulz5({ rows: 3, cols: 2, data: new Float64Array(6) });
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => newtonSchulz5({ rows: 2, cols: 2, data: Float64Array.from([1, Number.NaN, 0, 1]) })).toThrow(DomainError);
    expect(() => newtonSchulz5({ rows: 2, cols: 3, data: new Float64Array(4) })).toThrow(ShapeError);
    expect(() => newtonSchulz5(randn(2, 2, 0), { steps: -1 })).toThrow(DomainError);
  });
});
