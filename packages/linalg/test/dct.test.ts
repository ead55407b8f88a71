import { DomainError, matmul, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dct, dct2d, dctCols, dctMatrix, dctRows, idct } from '../src/structured';
import { EPS } from './helpers';
import { loadFixture, maxAbsDiff, relFro } from '@x/test-utils';

type DctCase = { n: number; x: number[] } & Record<string, number[] | number>;
const fx = loadFixture<{
  cases: DctCase[];
  matrix: { rows: number; cols: number; a: number[]; cols_dct: number[]; rows_dct: number[]; dctn_ortho: number[]; dctn_t3_none: number[] };
  dctMatrix8: number[];
}>(import.meta.url, 'structured-dct.json');

const isPow2 = (n: number) => (n & (n - 1)) === 0;
/** Makhoul's DCT is one length-n FFT plus O(1) ops per entry: the FFT bound plus a few eps. */
function dctTol(n: number): number {
  if (n <= 2) return 8 * EPS;
  if (isPow2(n)) return 4 * EPS * (Math.log2(n) + 2);
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  return 4 * EPS * (3 * Math.log2(m) + 4);
}

describe('dct vs scipy.fft', () => {
  for (const c of fx.cases) {
    it(`dct/idct types 2 and 3, ortho and unnormalized, n = ${c.n}`, () => {
      for (const type of [2, 3] as const) {
        for (const norm of ['ortho', null] as const) {
          const key = `t${type}_${norm ?? 'none'}`;
          expect(relFro(dct(c.x, { type, norm }), c[`dct_${key}`] as number[])).toBeLessThan(dctTol(c.n));
          expect(relFro(idct(c.x, { type, norm }), c[`idct_${key}`] as number[])).toBeLessThan(dctTol(c.n));
        }
      }
    });
  }

  it('dctMatrix(8) equals scipy.fft.dct(eye(8), norm="ortho", axis=0)', () => {
    expect(maxAbsDiff(dctMatrix(8).data, fx.dctMatrix8)).toBeLessThan(2 * EPS);
  });

  it('dctMatrix(n) x = dct(x, ortho) and dctMatrix is orthogonal', () => {
    for (const c of fx.cases) {
      const C = dctMatrix(c.n);
      const y = matmul(C, { rows: c.n, cols: 1, data: Float64Array.from(c.x) }).data;
      // A dense product of unit-norm rows: error <= n eps ||x|| (Higham eq. 3.11).
      expect(relFro(y, c.dct_t2_ortho as number[])).toBeLessThan(c.n * EPS + dctTol(c.n));
      const CtC = matmul(C, C, { transA: true });
      let worst = 0;
      for (let i = 0; i < c.n; i++) for (let j = 0; j < c.n; j++) worst = Math.max(worst, Math.abs(CtC.data[i * c.n + j]! - (i === j ? 1 : 0)));
      expect(worst).toBeLessThan(2 * c.n * EPS);
    }
  });

  it('column-wise and row-wise DCT of a matrix', () => {
    const { rows, cols, a } = fx.matrix;
    const A = { rows, cols, data: Float64Array.from(a) };
    expect(relFro(dctCols(A, { norm: 'ortho' }).data, fx.matrix.cols_dct)).toBeLessThan(dctTol(rows));
    expect(relFro(dctRows(A, { norm: 'ortho' }).data, fx.matrix.rows_dct)).toBeLessThan(dctTol(cols));
    expect(relFro(dctCols(dctCols(A, { norm: 'ortho' }), { norm: 'ortho', inverse: true }).data, a)).toBeLessThan(2 * dctTol(rows));
    expect(relFro(dctRows(dctRows(A), { inverse: true }).data, a)).toBeLessThan(2 * dctTol(cols));
    // scipy.fft.dctn over both axes.
    expect(relFro(dct2d(A, { norm: 'ortho' }).data, fx.matrix.dctn_ortho)).toBeLessThan(dctTol(rows) + dctTol(cols));
    expect(relFro(dct2d(A, { type: 3 }).data, fx.matrix.dctn_t3_none)).toBeLessThan(dctTol(rows) + dctTol(cols));
    const C5 = dctMatrix(rows);
    const C6 = dctMatrix(cols);
    const viaMatrices = matmul(matmul(C5, A), C6, { transB: true });
    expect(relFro(dct2d(A, { norm: 'ortho' }).data, viaMatrices.data)).toBeLessThan(dctTol(rows) + dctTol(cols) + (rows + cols) * EPS);
  });

  it('typed errors', () => {
    expect(() => dct([])).toThrow(ShapeError);
    expect(() => dct([1, Number.POSITIVE_INFINITY])).toThrow(DomainError);
    expect(() => dct([1, 2], { type: 4 as never })).toThrow(DomainError);
    expect(() => idct([1, 2], { norm: 'forward' as never })).toThrow(DomainError);
    expect(() => dctMatrix(0)).toThrow(DomainError);
  });
});

describe('dct properties', () => {
  it('idct(dct(x)) = x and the orthonormal DCT preserves the 2-norm', () => {
    // Magnitudes in [1e-100, 1e3] or 0: squared norms of subnormal inputs underflow, which would test
// the error metric rather than the transform.
const finite = { noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 } as const;
const flush = (a: Float64Array) => a.map((v) => (Math.abs(v) < 1e-100 ? 0 : v));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }).chain((n) => fc.float64Array({ ...finite, minLength: n, maxLength: n }).map(flush)), (x) => {
        if (x.every((v) => v === 0)) return;
        const n = x.length;
        for (const type of [2, 3] as const) {
          for (const norm of ['ortho', null] as const) {
            expect(relFro(idct(dct(x, { type, norm }), { type, norm }), x)).toBeLessThan(2 * dctTol(n));
          }
        }
        const y = dct(x, { norm: 'ortho' });
        let ex = 0;
        let ey = 0;
        for (let i = 0; i < n; i++) {
          ex += x[i]! ** 2;
          ey += y[i]! ** 2;
        }
        expect(Math.abs(ey - ex) / ex).toBeLessThan(4 * dctTol(n));
      }),
      { numRuns: 50, seed: 3 },
    );
  });
});
