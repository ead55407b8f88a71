import { ConvergenceError, DomainError, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { svd, svdLowrank, svdvals } from '../src/dense';
import { EPS, fro, froDiff, m64, orthError, usvt } from './helpers';
import { loadFixture, maxAbsDiff } from '@x/test-utils';

interface SvdCase {
  name: string;
  m: number;
  n: number;
  a: number[];
  s: number[];
}
const fx = loadFixture<{ cases: SvdCase[] }>(import.meta.url, 'dense-svd.json');

// Backward-stable SVD: ||A - U S Vᵀ|| <= p(m, n) eps ||A||; we take p = 4 max(m, n) (the
// usual linear growth of Householder/Jacobi rounding), so the singular values are within the
// same bound of numpy's (Weyl), and U, V are orthonormal to p eps.
const growth = (m: number, n: number) => 4 * Math.max(m, n, 8) * EPS;

describe('svd (exact) against numpy fixtures', () => {
  for (const c of fx.cases) {
    it(c.name, () => {
      const a = m64(c.m, c.n, c.a);
      const { U, S, V } = svd(a);
      const k = Math.min(c.m, c.n);
      expect([U.rows, U.cols, S.length, V.rows, V.cols]).toEqual([c.m, k, k, c.n, k]);
      const smax = c.s[0] ?? 0;
      const tol = growth(c.m, c.n);
      expect(froDiff(usvt(U, S, V).data, a.data)).toBeLessThanOrEqual(tol * Math.max(fro(a.data), Number.MIN_VALUE));
      expect(maxAbsDiff(S, c.s)).toBeLessThanOrEqual(tol * smax);
      for (let i = 1; i < k; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
      for (let i = 0; i < k; i++) expect(S[i]!).toBeGreaterThanOrEqual(0);
      expect(orthError(U)).toBeLessThanOrEqual(tol);
      expect(orthError(V)).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(svdvals(a), c.s)).toBeLessThanOrEqual(tol * smax);
    });
  }

  it('recovers singular values to ~1e-12 relative to the largest and reconstructs to ~1e-13 (kappa 1e12)', () => {
    const c = fx.cases.find((x) => x.name === 'kappa 1e12 48x48')!;
    const a = m64(c.m, c.n, c.a);
    const { U, S, V } = svd(a);
    expect(maxAbsDiff(S, c.s) / c.s[0]!).toBeLessThan(1e-12);
    expect(froDiff(usvt(U, S, V).data, a.data) / fro(a.data)).toBeLessThan(1e-13);
  });
});

describe('svd (bidiagonalization + Golub-Kahan divide and conquer path)', () => {
  // Sizes above the Jacobi cutoff (32) and the blocked-bidiagonalization cutoff (96); spectra
  // that exercise the small-singular-value subspace (few: ±σ span; many: complement).
  const spectrumMatrix = (m: number, n: number, s: number[], seed: number) => {
    const q1 = svd(randn(m, s.length, seed)).U;
    const q2 = svd(randn(n, s.length, seed + 1)).U;
    return usvt(q1, s, q2);
  };
  const cases: [string, () => { rows: number; cols: number; data: Float64Array }, number[] | null][] = [
    ['random 130x110', () => m64(130, 110, randn(130, 110, 21).data), null],
    ['random 110x140 (wide)', () => m64(110, 140, randn(110, 140, 22).data), null],
    ['rank 5, 120x100', () => m64(120, 100, usvt(randn(120, 5, 23), [1, 1, 1, 1, 1], randn(100, 5, 24)).data), null],
    ['geometric kappa 1e10, 100x100', () => m64(100, 100, spectrumMatrix(100, 100, Array.from({ length: 100 }, (_, i) => 10 ** (-10 * i / 99)), 25).data), Array.from({ length: 100 }, (_, i) => 10 ** (-10 * i / 99))],
    ['repeated 2/1/0, 100x100', () => m64(100, 100, spectrumMatrix(100, 100, Array.from({ length: 100 }, (_, i) => (i < 40 ? 2 : i < 80 ? 1 : 0)), 27).data), Array.from({ length: 100 }, (_, i) => (i < 40 ? 2 : i < 80 ? 1 : 0))],
  ];
  for (const [name, make, ref] of cases) {
    it(name, () => {
      const a = make();
      const { U, S, V } = svd(a);
      const tol = growth(a.rows, a.cols);
      expect(froDiff(usvt(U, S, V).data, a.data)).toBeLessThanOrEqual(tol * fro(a.data));
      expect(orthError(U)).toBeLessThanOrEqual(tol);
      expect(orthError(V)).toBeLessThanOrEqual(tol);
      if (ref) expect(maxAbsDiff(S, ref)).toBeLessThanOrEqual(tol * ref[0]!);
      expect(maxAbsDiff(svdvals(a), S)).toBeLessThanOrEqual(tol * S[0]!);
    });
  }
});

describe('svd options', () => {
  const a = m64(9, 6, randn(9, 6, 3).data);
  it('truncates to k triplets (the leading ones of the full SVD)', () => {
    const full = svd(a);
    const t = svd(a, { k: 2 });
    expect([t.U.cols, t.S.length, t.V.cols]).toEqual([2, 2, 2]);
    expect(maxAbsDiff(t.S, full.S.subarray(0, 2))).toBeLessThan(1e-14 * full.S[0]!);
    // ||A - A_2||_F² = Σ_{i>2} σ_i² (Eckart-Young).
    const tail = Math.sqrt(full.S.subarray(2).reduce((s, x) => s + x * x, 0));
    expect(Math.abs(froDiff(usvt(t.U, t.S, t.V).data, a.data) - tail)).toBeLessThan(1e-13 * full.S[0]!);
  });
  it('truncated exact SVD on the divide-and-conquer paths equals the leading part of the full one', () => {
    for (const [m, n, k] of [
      [120, 100, 5],
      [100, 130, 7],
      [200, 60, 4],
    ] as const) {
      const b = m64(m, n, randn(m, n, m + n).data);
      const full = svd(b);
      const t = svd(b, { k });
      expect([t.U.rows, t.U.cols, t.V.rows, t.V.cols, t.S.length]).toEqual([m, k, n, k, k]);
      expect(maxAbsDiff(t.S, full.S.subarray(0, k))).toBeLessThanOrEqual(growth(m, n) * full.S[0]!);
      expect(orthError(t.U)).toBeLessThanOrEqual(growth(m, n));
      expect(orthError(t.V)).toBeLessThanOrEqual(growth(m, n));
      const tail = Math.sqrt(full.S.subarray(k).reduce((acc, x) => acc + x * x, 0));
      expect(Math.abs(froDiff(usvt(t.U, t.S, t.V).data, b.data) - tail)).toBeLessThanOrEqual(growth(m, n) * fro(b.data));
    }
  });
  it('entries spanning 1e300..1e-290 (underflow inside the reflectors and the D&C leaves)', () => {
    const n = 60;
    const a = m64(n, n, new Float64Array(n * n));
    for (let i = 0; i < n; i++) a.data[i * n + i] = 10 ** (300 - 10 * i);
    a.data[n - 1] = 1;
    const { U, S, V } = svd(a);
    expect(S[0]).toBeCloseTo(1e300, -285);
    expect(orthError(U)).toBeLessThanOrEqual(growth(n, n));
    expect(orthError(V)).toBeLessThanOrEqual(growth(n, n));
    const scaled = (x: ArrayLike<number>) => Float64Array.from(x, (v) => v / 1e300);
    expect(froDiff(scaled(usvt(U, S, V).data), scaled(a.data))).toBeLessThanOrEqual(growth(n, n));
  });
  it('k = 0 is a DomainError (the contract is 1 <= k <= min(m, n)); an empty matrix gives empty factors', () => {
    expect(() => svd(a, { k: 0 })).toThrow(/svd: k must be an integer in \[1, 6\], got 0/);
    const r = svd(m64(0, 3, []));
    expect([r.U.rows, r.U.cols, r.S.length, r.V.rows, r.V.cols]).toEqual([0, 0, 0, 3, 0]);
  });
  it('rejects bad k, method, shapes and non-finite input', () => {
    expect(() => svd(a, { k: 7 })).toThrow(DomainError);
    expect(() => svd(a, { k: 1.5 })).toThrow(DomainError);
    expect(() => svd(a, { method: 'qr' as 'exact' })).toThrow(DomainError);
    expect(() => svd({ rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(ShapeError);
    const bad = m64(2, 2, [1, Number.NaN, 0, 1]);
    expect(() => svd(bad)).toThrow(/svd: a\[0, 1\] is NaN/);
    expect(() => svdvals(m64(1, 1, [Number.POSITIVE_INFINITY]))).toThrow(DomainError);
  });
  it('accepts float32 storage', () => {
    const f = { rows: 2, cols: 2, data: new Float32Array([3, 0, 0, 4]) };
    expect(Array.from(svd(f).S)).toEqual([4, 3]);
  });
  it('ConvergenceError carries the residual', () => {
    const e = new ConvergenceError('x', 1e-3, 10);
    expect(e.residual).toBe(1e-3);
  });
});

describe('svd (randomized)', () => {
  // A 120 x 80 matrix with a fast-decaying spectrum 0.6^i.
  const m = 120;
  const n = 80;
  const s = Array.from({ length: n }, (_, i) => 0.6 ** i);
  const qa = svd(randn(m, n, 11)).U;
  const qb = svd(randn(n, n, 12)).U;
  const a = usvt(qa, s, qb);
  it('matches the exact leading triplets on a decaying spectrum (Halko et al. bound)', () => {
    const k = 8;
    const r = svd(a, { k, method: 'randomized', niter: 2, oversample: 10, seed: 5 });
    expect([r.U.rows, r.U.cols, r.V.rows, r.V.cols]).toEqual([m, k, n, k]);
    expect(orthError(r.U)).toBeLessThan(1e-13);
    expect(orthError(r.V)).toBeLessThan(1e-13);
    // With p = 10 oversampling and q = 2 power steps the error is ~σ_{k+p+1} (σ_{k+1}/σ_k)^{2q}-small.
    for (let i = 0; i < k; i++) expect(Math.abs(r.S[i]! - s[i]!)).toBeLessThan(1e-10);
    const tail = Math.sqrt(s.slice(k).reduce((t, x) => t + x * x, 0));
    expect(froDiff(usvt(r.U, r.S, r.V).data, a.data)).toBeLessThan(tail * (1 + 1e-8));
  });
  it('is deterministic for a seed', () => {
    const r1 = svd(a, { k: 4, method: 'randomized', seed: 9 });
    const r2 = svd(a, { k: 4, method: 'randomized', seed: 9 });
    expect(Array.from(r1.U.data)).toEqual(Array.from(r2.U.data));
  });
  it('PiSSA fast-init convention (no oversampling, niter power steps) improves with niter', () => {
    const k = 16;
    const exactTail = Math.sqrt(s.slice(k).reduce((t, x) => t + x * x, 0));
    let prev = Number.POSITIVE_INFINITY;
    for (const niter of [0, 2, 4]) {
      const r = svdLowrank(a, k, { niter, seed: 1 });
      const err = froDiff(usvt(r.U, r.S, r.V).data, a.data);
      expect(err).toBeGreaterThanOrEqual(exactTail * (1 - 1e-12));
      expect(err).toBeLessThanOrEqual(prev * (1 + 1e-12));
      prev = err;
      const alt = svd(a, { k, method: 'randomized', niter, oversample: 0, seed: 1 });
      expect(maxAbsDiff(alt.S, r.S)).toBe(0);
    }
    expect(prev).toBeLessThan(exactTail * 1.01);
  });
});

describe('svd properties (fast-check)', () => {
  const arbMatrix = fc
    .record({ m: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 9 }), rank: fc.integer({ min: 0, max: 9 }) })
    .chain(({ m, n, rank }) =>
      fc
        .array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: m * n, maxLength: m * n })
        .map((vals) => ({ m, n, rank, vals })),
    );
  it('U diag(S) Vᵀ = A, UᵀU = VᵀV = I, S descending (random and low-rank)', () => {
    fc.assert(
      fc.property(arbMatrix, ({ m, n, rank, vals }) => {
        let a = m64(m, n, vals);
        if (rank < Math.min(m, n)) {
          // Project onto a rank-r matrix by truncating the SVD (exact zeros below).
          const r = rank === 0 ? null : svd(a, { k: rank });
          a = m64(m, n, r ? usvt(r.U, r.S, r.V).data : new Float64Array(m * n));
        }
        const { U, S, V } = svd(a);
        const tol = growth(m, n);
        const scale = Math.max(fro(a.data), Number.MIN_VALUE);
        expect(froDiff(usvt(U, S, V).data, a.data)).toBeLessThanOrEqual(tol * scale);
        expect(orthError(U)).toBeLessThanOrEqual(tol);
        expect(orthError(V)).toBeLessThanOrEqual(tol);
        for (let i = 1; i < S.length; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});

describe('svd properties on the bidiagonal / divide-and-conquer path (fast-check)', () => {
  it('U diag(S) Vᵀ = A, orthonormal factors, for shapes 33..90 with random rank and spectra', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 33, max: 90 }),
        fc.integer({ min: 33, max: 90 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom('gaussian', 'low-rank', 'geometric', 'two-level'),
        (m, n, seed, kind) => {
          const k = Math.min(m, n);
          let a = randn(m, n, seed);
          if (kind !== 'gaussian') {
            const r = kind === 'low-rank' ? 1 + (seed % (k - 1)) : k;
            const s = Array.from({ length: r }, (_, i) =>
              kind === 'geometric' ? 10 ** (-(12 * i) / Math.max(r - 1, 1)) : kind === 'two-level' ? (i < r / 2 ? 1 : 1e-9) : 1,
            );
            a = m64(m, n, usvt(randn(m, r, seed + 1), s, randn(n, r, seed + 2)).data);
          }
          const { U, S, V } = svd(a);
          const tol = growth(m, n);
          expect(froDiff(usvt(U, S, V).data, a.data)).toBeLessThanOrEqual(tol * fro(a.data));
          expect(orthError(U)).toBeLessThanOrEqual(tol);
          expect(orthError(V)).toBeLessThanOrEqual(tol);
          for (let i = 1; i < k; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
        },
      ),
      { numRuns: 25, seed: 2026 },
    );
  });
});
