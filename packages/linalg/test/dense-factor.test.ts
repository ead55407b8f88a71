import { DomainError, eye, matmul, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  cond,
  det,
  inv,
  ldu,
  logdet,
  lstsq,
  lu,
  luFactor,
  matrixRank,
  luSolve,
  pinv,
  qr,
  solve,
  solveTriangular,
} from '../src/dense';
import { EPS, fro, froDiff, m64, orthError } from './helpers';
import { loadFixture, maxAbsDiff } from '@x/test-utils';

interface QrCase {
  name: string;
  m: number;
  n: number;
  a: number[];
  r: number[];
}
interface LuCase extends Omit<QrCase, 'r'> {
  p: number[];
  l: number[];
  u: number[];
}
const fx = loadFixture<{
  qr: QrCase[];
  lu: LuCase[];
  cholesky: { n: number; a: number[]; l: number[] };
  solve: { n: number; p: number; a: number[]; b: number[]; x: number[]; inv: number[]; det: number; slogdet: [number, number]; cond: number };
  lstsq: { m: number; n: number; p: number; a: number[]; b: number[]; x: number[]; rank: number; pinv: number[] };
  lstsqTall: { m: number; n: number; a: number[]; b: number[]; x: number[]; residual: number };
}>(import.meta.url, 'dense-factor.json');

// Householder QR and partial-pivoting LU are backward stable: residuals O(max(m, n) eps ||A||).
const growth = (m: number, n: number) => 4 * Math.max(m, n, 8) * EPS;

describe('qr', () => {
  for (const c of fx.qr) {
    it(`${c.name}: Q R = A, QᵀQ = I, R upper and equal to numpy's R`, () => {
      const a = m64(c.m, c.n, c.a);
      const { Q, R } = qr(a);
      const k = Math.min(c.m, c.n);
      expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([c.m, k, k, c.n]);
      const tol = growth(c.m, c.n);
      expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(tol * fro(a.data));
      expect(orthError(Q)).toBeLessThanOrEqual(tol);
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(R.data[i * c.n + j]).toBe(0);
      // Same Householder sign convention as LAPACK dgeqrf, so R agrees entrywise.
      expect(maxAbsDiff(R.data, c.r)).toBeLessThanOrEqual(tol * fro(a.data));
    });
  }
  it('complete mode gives square Q and m x n R', () => {
    const a = randn(7, 3, 4);
    const { Q, R } = qr(a, { mode: 'complete' });
    expect([Q.rows, Q.cols, R.rows, R.cols]).toEqual([7, 7, 7, 3]);
    expect(orthError(Q)).toBeLessThan(1e-14);
    expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThan(1e-14 * fro(a.data));
    const w = randn(3, 6, 5);
    const c = qr(w, { mode: 'complete' });
    expect([c.Q.rows, c.Q.cols, c.R.rows, c.R.cols]).toEqual([3, 3, 3, 6]);
  });
  it('blocked path (several 32-column panels) on 150 x 100 and 100 x 150', () => {
    for (const [m, n] of [
      [150, 100],
      [100, 150],
    ] as const) {
      const a = randn(m, n, m);
      const { Q, R } = qr(a);
      expect(orthError(Q)).toBeLessThanOrEqual(growth(m, n));
      expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(growth(m, n) * fro(a.data));
    }
  });
  it('zero and rank-deficient matrices', () => {
    const z = qr(m64(4, 3, new Float64Array(12)));
    expect(orthError(z.Q)).toBe(0);
    expect(maxAbsDiff(z.R.data, new Float64Array(9))).toBe(0);
  });
  it('errors', () => {
    expect(() => qr(m64(2, 2, [1, 2, Number.NaN, 4]))).toThrow(/qr: a\[1, 0\] is NaN/);
    expect(() => qr({ rows: 2, cols: 3, data: new Float64Array(5) })).toThrow(ShapeError);
    expect(() => qr(eye(2), { mode: 'r' as 'reduced' })).toThrow(DomainError);
  });
  it('QᵀQ = I and QR = A (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        (m, n, seed, complete) => {
          const a = randn(m, n, seed);
          const { Q, R } = qr(a, { mode: complete ? 'complete' : 'reduced' });
          expect(orthError(Q)).toBeLessThanOrEqual(growth(m, n));
          expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(growth(m, n) * fro(a.data));
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe('lu / ldu / luSolve', () => {
  for (const c of fx.lu) {
    it(`${c.name}: matches scipy.linalg.lu (P, L, U)`, () => {
      const a = m64(c.m, c.n, c.a);
      const { P, L, U } = lu(a);
      const tol = growth(c.m, c.n) * Math.max(fro(a.data), 1);
      // Past the numerical rank the pivots are chosen among rounding noise, so for the
      // singular case only P L U = A is compared.
      if (!c.name.startsWith('singular')) {
        expect(Array.from(P.data)).toEqual(c.p);
        expect(maxAbsDiff(L.data, c.l)).toBeLessThanOrEqual(tol);
        expect(maxAbsDiff(U.data, c.u)).toBeLessThanOrEqual(tol);
      }
      expect(froDiff(matmul(P, matmul(L, U)).data, a.data)).toBeLessThanOrEqual(tol);
    });
  }
  it('blocked path (several 32-column panels): P L U = A for square, tall and wide', () => {
    for (const [m, n] of [
      [100, 100],
      [150, 70],
      [70, 150],
    ] as const) {
      const a = randn(m, n, m * n);
      const { P, L, U } = lu(a);
      expect(froDiff(matmul(P, matmul(L, U)).data, a.data)).toBeLessThanOrEqual(growth(m, n) * fro(a.data));
      for (const x of L.data) expect(Math.abs(x)).toBeLessThanOrEqual(1);
      if (m === n) {
        const b = randn(n, 3, 1);
        const x = solve(a, b);
        expect(froDiff(matmul(a, x).data, b.data)).toBeLessThan(1e-10 * fro(b.data));
      }
    }
  });
  it('P L U = A with |L| <= 1 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 1e6 }), (m, n, seed) => {
        const a = randn(m, n, seed);
        const { P, L, U } = lu(a);
        expect(froDiff(matmul(P, matmul(L, U)).data, a.data)).toBeLessThanOrEqual(growth(m, n) * fro(a.data));
        for (const x of L.data) expect(Math.abs(x)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60, seed: 3 },
    );
  });
  it('ldu: P L diag(D) U = A with unit triangles', () => {
    const a = randn(6, 6, 8);
    const { P, L, D, U } = ldu(a);
    const du = m64(6, 6, U.data.map((x, i) => x * D[Math.floor(i / 6)]!));
    expect(froDiff(matmul(P, matmul(L, du)).data, a.data)).toBeLessThan(1e-14 * fro(a.data));
    for (let i = 0; i < 6; i++) {
      expect(L.data[i * 6 + i]).toBe(1);
      expect(U.data[i * 6 + i]).toBe(1);
    }
    // A singular matrix whose last pivot is zero still has an LDU form.
    const s = m64(2, 2, [1, 2, 2, 4]);
    expect(Array.from(ldu(s).D)).toEqual([2, 0]);
    expect(() => ldu(m64(2, 3, [0, 0, 1, 0, 0, 1]))).toThrow(DomainError);
  });
  it('luSolve, solve, inv, det, logdet against numpy', () => {
    const s = fx.solve;
    const a = m64(s.n, s.n, s.a);
    const b = m64(s.n, s.p, s.b);
    // Forward error of a backward-stable solve: cond(A) * growth.
    const tolX = s.cond * growth(s.n, s.n) * fro(s.x);
    expect(maxAbsDiff(solve(a, b).data, s.x)).toBeLessThanOrEqual(tolX);
    expect(maxAbsDiff(luSolve(luFactor(a), b).data, s.x)).toBeLessThanOrEqual(tolX);
    const col = Array.from({ length: s.n }, (_, i) => s.b[i * s.p]!);
    const xcol = solve(a, col);
    expect(xcol).toBeInstanceOf(Float64Array);
    expect(maxAbsDiff(xcol, Array.from({ length: s.n }, (_, i) => s.x[i * s.p]!))).toBeLessThanOrEqual(tolX);
    expect(maxAbsDiff(inv(a).data, s.inv)).toBeLessThanOrEqual(s.cond * growth(s.n, s.n) * fro(s.inv));
    expect(Math.abs(det(a) - s.det)).toBeLessThanOrEqual(s.cond * growth(s.n, s.n) * Math.abs(s.det));
    const ld = logdet(a);
    expect(ld.sign).toBe(s.slogdet[0]);
    expect(Math.abs(ld.logabsdet - s.slogdet[1])).toBeLessThanOrEqual(s.cond * growth(s.n, s.n));
    expect(logdet(m64(2, 2, [1, 2, 2, 4]))).toEqual({ sign: 0, logabsdet: Number.NEGATIVE_INFINITY });
    expect(det(m64(0, 0, []))).toBe(1);
  });
  it('singular and mis-shaped systems throw', () => {
    const sing = m64(2, 2, [1, 2, 2, 4]);
    expect(() => solve(sing, [1, 1])).toThrow(DomainError);
    expect(() => inv(sing)).toThrow(DomainError);
    expect(() => solve(eye(3), [1, 2])).toThrow(/solve: a is 3x3 but b has length 2/);
    expect(() => solve(randn(2, 3, 1), [1, 2])).toThrow(ShapeError);
    expect(() => det(randn(2, 3, 1))).toThrow(/det: a must be square, got 2x3/);
  });
});

describe('cholesky / solveTriangular', () => {
  it('matches numpy.linalg.cholesky and solves', () => {
    const c = fx.cholesky;
    const a = m64(c.n, c.n, c.a);
    const L = cholesky(a);
    expect(maxAbsDiff(L.data, c.l)).toBeLessThanOrEqual(growth(c.n, c.n) * fro(c.l));
    expect(froDiff(matmul(L, L, { transB: true }).data, a.data)).toBeLessThanOrEqual(growth(c.n, c.n) * fro(a.data));
    const b = Array.from({ length: c.n }, (_, i) => i + 1);
    const x = choleskySolve(L, b);
    const r = matmul(a, m64(c.n, 1, x));
    expect(maxAbsDiff(r.data, b)).toBeLessThan(1e-12 * fro(b));
    const y = solveTriangular(L, b);
    const z = solveTriangular(m64(c.n, c.n, matmul(L, eye(c.n), { transA: true }).data), y, { lower: false });
    expect(maxAbsDiff(z, x)).toBeLessThan(1e-12 * fro(x));
  });
  it('throws DomainError when not positive definite', () => {
    expect(() => cholesky(m64(2, 2, [1, 2, 2, 1]))).toThrow(/not positive definite \(pivot 1/);
    expect(() => cholesky(m64(2, 2, [0, 0, 0, 1]))).toThrow(DomainError);
    expect(() => cholesky(randn(2, 3, 0))).toThrow(ShapeError);
  });
});

describe('lstsq / pinv', () => {
  it('rank-deficient least squares matches numpy (minimum-norm solution, rank)', () => {
    const c = fx.lstsq;
    const a = m64(c.m, c.n, c.a);
    const r = lstsq(a, m64(c.m, c.p, c.b));
    expect(r.rank).toBe(c.rank);
    expect(maxAbsDiff(r.x.data, c.x)).toBeLessThan(1e-12 * fro(c.x));
    expect(maxAbsDiff(pinv(a).data, c.pinv)).toBeLessThan(1e-12 * fro(c.pinv));
  });
  it('full-rank tall system: residual matches numpy', () => {
    const c = fx.lstsqTall;
    const r = lstsq(m64(c.m, c.n, c.a), c.b);
    expect(r.rank).toBe(c.n);
    expect(maxAbsDiff(r.x, c.x)).toBeLessThan(1e-13 * fro(c.x));
    expect(Math.abs(r.residuals[0]! - c.residual)).toBeLessThan(1e-12 * c.residual);
  });
  it('matrixRank and cond match numpy', () => {
    const c = fx.lstsq;
    expect(matrixRank(m64(c.m, c.n, c.a))).toBe(c.rank);
    expect(matrixRank(m64(3, 3, new Float64Array(9)))).toBe(0);
    expect(matrixRank(m64(2, 2, [1, 0, 0, 1e-3]), { tol: 1e-2 })).toBe(1);
    const s = fx.solve;
    expect(Math.abs(cond(m64(s.n, s.n, s.a)) - s.cond)).toBeLessThanOrEqual(s.cond * s.cond * growth(s.n, s.n));
    expect(cond(m64(2, 2, [1, 2, 2, 4]))).toBeGreaterThan(1e15);
    expect(() => matrixRank(m64(1, 1, [1]), { tol: -1 })).toThrow(DomainError);
  });
  it('pinv satisfies the Penrose conditions on a wide matrix', () => {
    const a = randn(3, 5, 2);
    const p = pinv(a);
    expect(froDiff(matmul(a, matmul(p, a)).data, a.data)).toBeLessThan(1e-13 * fro(a.data));
    expect(froDiff(matmul(p, matmul(a, p)).data, p.data)).toBeLessThan(1e-13 * fro(p.data));
  });
});
