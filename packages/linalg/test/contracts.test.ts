// Error and accuracy contracts of issue 15 and the @x/linalg items of issue 16: errors name the
// function the user called, documented bounds are checked before anything is allocated, and
// random rank-deficient, badly scaled products keep orthonormal factors (fast-check).
import { ConvergenceError, DomainError, type Matrix, matmul, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitReversal,
  butterflyDct,
  butterflyDft,
  butterflyHadamard,
  cholesky,
  complexZeros,
  det,
  dctMatrix,
  eig,
  eigh,
  inv,
  kpsvd,
  logdet,
  lstsq,
  luFactor,
  luSolve,
  pinv,
  qr,
  solve,
  svd,
  svdLowrank,
  unitaryDftMatrix,
} from '../src/index';
import { EPS, fro, froDiff, m64, orthError, usvt } from './helpers';

const nan2 = m64(2, 2, [1, Number.NaN, 3, 4]);

describe('errors name the function the user called', () => {
  it('solve, det, logdet, inv (not luFactor)', () => {
    expect(() => solve(nan2, [1, 1])).toThrow(/^solve: a\[0, 1\] is NaN/);
    expect(() => det(nan2)).toThrow(/^det: a\[0, 1\] is NaN/);
    expect(() => logdet(nan2)).toThrow(/^logdet: a\[0, 1\] is NaN/);
    expect(() => inv(nan2)).toThrow(/^inv: a\[0, 1\] is NaN/);
    expect(() => solve(m64(2, 2, [1, 2, 2, 4]), [1, 1])).toThrow(/^solve: .*singular/);
  });
  it('kpsvd (not kronRearrange)', () => {
    expect(() => kpsvd(m64(6, 6, new Float64Array(36)), [2, 2], [2, 2])).toThrow(/^kpsvd: a is 6x6, expected 4x4/);
    expect(() => kpsvd(m64(4, 4, new Float64Array(16)), [2, 0] as [number, number], [2, 2])).toThrow(/^kpsvd: shapeA/);
    expect(() => kpsvd(m64(4, 4, new Float64Array(16)), [2, 2], [2, 2], { k: 5 })).toThrow(/^kpsvd: k/);
  });
});

describe('1 <= k for svd and svdLowrank (as the TSDoc says)', () => {
  const a = randn(6, 5, 1);
  it('k = 0 and q = 0 are DomainErrors', () => {
    expect(() => svd(a, { k: 0 })).toThrow(DomainError);
    expect(() => svd(a, { k: 0, method: 'randomized' })).toThrow(DomainError);
    expect(() => svdLowrank(a, 0)).toThrow(/^svdLowrank: q must be an integer in \[1, 5\], got 0/);
  });
  it('seeds, niter and option keys are checked', () => {
    expect(() => svdLowrank(a, 2, { seed: '7' as unknown as number })).toThrow(/^svdLowrank: seed must be a non-negative safe integer, got .*7/);
    expect(() => svdLowrank(a, 2, { seed: 1.5 })).toThrow(DomainError);
    expect(() => svdLowrank(a, 2, { niter: Number.POSITIVE_INFINITY })).toThrow(DomainError);
    expect(() => svd(a, { niters: 2 } as unknown as { niter: number })).toThrow(/^svd: unknown option "niters"; valid options are k, method, niter, oversample, seed/);
    expect(() => eig(randn(3, 3, 1), { maxIterations: Number.POSITIVE_INFINITY })).toThrow(DomainError);
    expect(() => qr(a, { modes: 'complete' } as unknown as { mode: 'complete' })).toThrow(/^qr: unknown option "modes"/);
  });
});

describe('symmetric-input contract of eigh and cholesky', () => {
  it('a random 4x4 is rejected, naming the largest asymmetry and its position', () => {
    const a = randn(4, 4, 3);
    expect(() => eigh(a)).toThrow(/^eigh: a must be symmetric: \|a\[\d, \d\] - a\[\d, \d\]\| = /);
    expect(() => cholesky(a)).toThrow(/^cholesky: a must be symmetric/);
  });
  it('NaN anywhere (also in the upper triangle) is a DomainError', () => {
    const a = m64(2, 2, [2, Number.NaN, 1, 2]);
    expect(() => eigh(a)).toThrow(/^eigh: a\[0, 1\] is NaN/);
    expect(() => cholesky(a)).toThrow(/^cholesky: a\[0, 1\] is NaN/);
  });
  it('rounding-level asymmetry of a computed Gram matrix is accepted, both triangles count', () => {
    const x = randn(30, 20, 4);
    const g = matmul(x, x, { transA: true });
    const d = g.data.slice();
    d[1] = d[1]! * (1 + 4 * EPS); // a few ulps of asymmetry
    const a = m64(20, 20, d);
    const l = cholesky(a);
    expect(froDiff(matmul(l, l, { transB: true }).data, g.data)).toBeLessThanOrEqual(100 * 20 * EPS * fro(g.data));
    expect(eigh(a).values[0]!).toBeGreaterThan(0);
  });
  it('float32 input gets float32 eps', () => {
    const a = { rows: 2, cols: 2, data: Float32Array.from([2, 1, 1 + 2 ** -22, 2]) };
    expect(eigh(a).values.length).toBe(2);
  });
  it('cholesky scales extreme magnitudes exactly: 2^1000 I and 2^-1070 I', () => {
    for (const s of [2 ** 1000, 2 ** -1070]) {
      const l = cholesky(m64(2, 2, [s, 0, 0, s]));
      expect(l.data[0]).toBe(Math.sqrt(s));
      expect(l.data[3]).toBe(Math.sqrt(s));
    }
  });
});

describe('bad structured input: typed errors, bounded time and memory (issue 16)', () => {
  it('luSolve validates the factorization (perm, dims, sign) before solving', () => {
    const f = luFactor(randn(3, 3, 1));
    expect(() => luSolve({ ...f, perm: Int32Array.from([99, 1, 2]) }, [1, 2, 3])).toThrow(/^luSolve: f.perm is not a permutation/);
    expect(() => luSolve({ ...f, perm: Int32Array.from([0, 0, 2]) }, [1, 2, 3])).toThrow(DomainError);
    expect(() => luSolve({ ...f, lu: { rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(12) } }, [1, 2, 3])).toThrow(ShapeError);
    expect(() => luSolve({ ...f, lu: { rows: -3, cols: -4, data: new Float64Array(12) } }, [1, 2, 3])).toThrow(ShapeError);
    expect(() => luSolve({ ...f, sign: 0 }, [1, 2, 3])).toThrow(DomainError);
    expect(() => luSolve(null as unknown as typeof f, [1])).toThrow(ShapeError);
    expect(() => luSolve(f, null as unknown as number[])).toThrow(ShapeError);
  });
  it('sizes are checked as finite integers within documented bounds before allocating', () => {
    for (const n of [2 ** 31, 2 ** 30, Number.POSITIVE_INFINITY, Number.NaN, -1, 1.5]) {
      expect(() => bitReversal(n)).toThrow(/^bitReversal: n must be a power of two/);
      expect(() => butterflyDft(n)).toThrow(DomainError);
      expect(() => butterflyHadamard(n)).toThrow(DomainError);
      expect(() => butterflyDct(n)).toThrow(DomainError);
      expect(() => unitaryDftMatrix(n)).toThrow(DomainError);
      expect(() => dctMatrix(n)).toThrow(DomainError);
    }
    expect(() => complexZeros(-1)).toThrow(/^complexZeros: n must be an integer in \[0, 67108864\], got -1/);
    expect(() => complexZeros(Number.POSITIVE_INFINITY)).toThrow(DomainError);
    expect(complexZeros(3).re.length).toBe(3);
  });
  it('malformed matrices are ShapeErrors (negative dims, null)', () => {
    expect(() => cholesky({ rows: -3, cols: -4, data: new Float64Array(12) })).toThrow(ShapeError);
    expect(() => cholesky(null as unknown as Matrix)).toThrow(ShapeError);
    expect(() => svd({ rows: 2.5, cols: 2, data: new Float64Array(5) })).toThrow(ShapeError);
  });
});

/** Q (n x k) with orthonormal columns from a seeded Gaussian matrix. */
function orthCols(n: number, k: number, seed: number): Matrix<Float64Array> {
  return qr(randn(n, k, seed)).Q;
}

/** 2^e x, exactly (two steps, as 2^e alone can overflow). */
function ldexpData(x: Float64Array, e: number): Float64Array {
  const h = Math.trunc(e / 2);
  return x.map((v) => v * 2 ** h * 2 ** (e - h));
}

describe('fast-check: U diag(s) Vᵀ with exact zeros in s, scaled by 2^±1000, never throws', () => {
  const arb = fc.record({
    m: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 40 }),
    rankFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    e: fc.constantFrom(-1000, -600, -300, 0, 300, 600, 1000),
    seed: fc.integer({ min: 0, max: 1e6 }),
  });
  function product(m: number, n: number, rankFrac: number, e: number, seed: number) {
    const k = Math.min(m, n);
    const r = Math.floor(rankFrac * k);
    const s = new Float64Array(k);
    for (let i = 0; i < r; i++) s[i] = 2 ** -((seed + 7 * i) % 20); // exact zeros beyond r
    const U = orthCols(m, k, seed);
    const V = orthCols(n, k, seed + 1);
    const a = m64(m, n, ldexpData(Float64Array.from(usvt(U, s, V).data), e));
    return { a, r, k };
  }
  it('svd exact and truncated: orthonormal factors, reconstruction, zero singular values stay ~0', () => {
    fc.assert(
      fc.property(arb, ({ m, n, rankFrac, e, seed }) => {
        const { a, r, k } = product(m, n, rankFrac, e, seed);
        const tol = 50 * Math.max(m, n) * EPS;
        const { U, S, V } = svd(a);
        expect(orthError(U)).toBeLessThanOrEqual(tol);
        expect(orthError(V)).toBeLessThanOrEqual(tol);
        const na = fro(a.data);
        expect(froDiff(usvt(U, S, V).data, a.data)).toBeLessThanOrEqual(tol * na + 8 * Math.max(m, n) * 2 ** -1074);
        for (let i = r; i < k; i++) expect(S[i]!).toBeLessThanOrEqual(tol * (S[0]! || 1));
        if (r >= 1) {
          const t = svd(a, { k: r });
          expect(orthError(t.U)).toBeLessThanOrEqual(tol);
          expect(orthError(t.V)).toBeLessThanOrEqual(tol);
          const rr = svd(a, { k: r, method: 'randomized', seed });
          expect(orthError(rr.U)).toBeLessThanOrEqual(tol);
          expect(orthError(rr.V)).toBeLessThanOrEqual(tol);
          for (let i = 0; i < r; i++) expect(Math.abs(rr.S[i]! - S[i]!)).toBeLessThanOrEqual(tol * S[0]!);
        }
      }),
      { numRuns: 40, seed: 15 },
    );
  });
  it('pinv, lstsq and eigh of the symmetric version: no throw, finite or exact overflow, orthonormal', () => {
    fc.assert(
      fc.property(arb, ({ m, n, rankFrac, e, seed }) => {
        const { a } = product(m, n, rankFrac, e, seed);
        const tol = 50 * Math.max(m, n) * EPS;
        try {
          const x = pinv(a);
          expect(x.data.some(Number.isNaN)).toBe(false);
          const l = lstsq(a, new Float64Array(m).fill(1));
          expect(l.x.some(Number.isNaN)).toBe(false);
          const { a: sq } = product(n, n, rankFrac, e, seed + 2);
          const d = sq.data;
          const sym = m64(n, n, d.map((v, i) => 0.5 * v + 0.5 * d[(i % n) * n + Math.floor(i / n)]!));
          const { vectors } = eigh(sym);
          expect(orthError(vectors)).toBeLessThanOrEqual(tol);
          const ev = eig(sym, { vectors: true });
          expect(ev.vectors.re.data.every(Number.isFinite)).toBe(true);
        } catch (err) {
          // Nothing may throw here: not even ConvergenceError.
          expect(err).not.toBeInstanceOf(ConvergenceError);
          throw err;
        }
      }),
      { numRuns: 30, seed: 16 },
    );
  });
});
