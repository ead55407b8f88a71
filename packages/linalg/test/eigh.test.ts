import { DomainError, gram, type Matrix, matmul, randn, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eigh } from '../src/dense';
import { tridiagQl } from '../src/tridiagonal';
import { EPS, fro, froDiff, m64, orthError } from './helpers';
import { loadFixture, maxAbsDiff } from '@x/test-utils';

interface EighCase {
  name: string;
  n: number;
  a: number[];
  values: number[];
  norm: number;
}
const fx = loadFixture<{ eigh: EighCase[] }>(import.meta.url, 'dense-eig.json');

// Symmetric eigensolvers are backward stable: each eigenvalue moves by <= p(n) eps ||A||_2
// (Weyl), residuals ||A V - V Λ|| and ||VᵀV - I|| are O(p(n) eps); p(n) = 4 max(n, 8).
const growth = (n: number) => 4 * Math.max(n, 8) * EPS;

function checkEigh(a: Matrix, norm: number) {
  const n = a.rows;
  const { values, vectors } = eigh(a);
  const av = matmul(a, vectors);
  const vl = m64(n, n, vectors.data.map((x, i) => x * values[i % n]!));
  expect(froDiff(av.data, vl.data)).toBeLessThanOrEqual(growth(n) * Math.max(norm, Number.MIN_VALUE) * Math.sqrt(n));
  expect(orthError(vectors)).toBeLessThanOrEqual(growth(n));
  for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  return values;
}

describe('eigh against numpy.linalg.eigh', () => {
  for (const c of fx.eigh) {
    it(c.name, () => {
      const a = m64(c.n, c.n, c.a);
      const values = checkEigh(a, c.norm);
      expect(maxAbsDiff(values, c.values)).toBeLessThanOrEqual(growth(c.n) * c.norm);
    });
  }
  it('divide and conquer path (n = 200, 2 merge levels) and clustered spectrum', () => {
    const b = randn(200, 200, 1);
    const s = gram(b);
    checkEigh(s, eigh(s, { vectors: false }).values[199]!);
    const n = 150;
    // tridiag(1, 2, 1) shifted: eigenvalues 2 + 2cos(kπ/(n+1)), clustered at the ends.
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = 1;
    }
    const vals = checkEigh(m64(n, n, t), 4);
    const ref = Array.from({ length: n }, (_, k) => 2 + 2 * Math.cos(((n - k) * Math.PI) / (n + 1)));
    expect(maxAbsDiff(vals, ref)).toBeLessThan(growth(n) * 4);
  });
  it('values-only mode agrees', () => {
    const s = gram(randn(40, 40, 2));
    expect(maxAbsDiff(eigh(s, { vectors: false }).values, eigh(s).values)).toBeLessThan(growth(40) * 200);
  });
  it('rejects a non-symmetric input, naming the largest asymmetry; symmetryTol relaxes the check', () => {
    const a = m64(2, 2, [2, 100, 1, 2]);
    expect(() => eigh(a)).toThrow(/eigh: a must be symmetric: \|a\[1, 0\] - a\[0, 1\]\| = 99/);
    // Within tolerance, the symmetric part (a + aᵀ)/2 is factored: both triangles count.
    const b = m64(2, 2, [2, 1 + 1e-15, 1, 2]);
    const mid = 1 + 0.5e-15;
    expect(maxAbsDiff(eigh(b).values, [2 - mid, 2 + mid])).toBeLessThanOrEqual(growth(2) * 3);
    expect(eigh(a, { symmetryTol: 1 }).values[1]).toBeCloseTo(2 + 50.5, 12);
  });
  it('errors', () => {
    expect(() => eigh(randn(2, 3, 0))).toThrow(ShapeError);
    expect(() => eigh(m64(2, 2, [1, 0, Number.POSITIVE_INFINITY, 1]))).toThrow(/eigh: a\[1, 0\] is Infinity/);
    expect(() => eigh(m64(1, 1, [Number.NaN]))).toThrow(DomainError);
  });
  it('A V = V Λ, VᵀV = I (fast-check, sizes 1..70)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 3 }), (n, seed, kind) => {
        const b = randn(n, n, seed);
        let a = m64(n, n, b.data.map((x, i) => x + b.data[(i % n) * n + Math.floor(i / n)]!));
        if (kind === 1) a = m64(n, n, a.data.map((x) => Math.round(x))); // repeated eigenvalues likely
        if (kind === 2) a = m64(n, n, new Float64Array(n * n).map((_, i) => (i % (n + 1) === 0 ? Math.floor(i / n) % 3 : 0))); // diagonal, repeated
        const norm = Math.max(fro(a.data), Number.MIN_VALUE);
        checkEigh(a, norm);
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('tridiagQl on adversarial tridiagonals', () => {
  // A ConvergenceError was once reported from eigh(..., { vectors: false }) and never
  // reproduced; this sweeps the shapes that stress QL's deflation test: magnitudes from 1e-300
  // to 1e300, graded entries, glued Wilkinson-like blocks, exact zeros, couplings at the
  // underflow edge and diagonals far below the off-diagonals. Each run must converge and keep
  // the trace and the Frobenius norm (orthogonal similarity) to rounding.
  it('converges and preserves trace and Frobenius norm over 3000 seeded cases', () => {
    const r = rng(12345);
    for (let t = 0; t < 3000; t++) {
      const n = 2 + r.int(40);
      const kind = t % 6;
      const d = new Float64Array(n);
      const e = new Float64Array(n - 1);
      const sc = 10 ** (r.uniform() * 600 - 300);
      for (let i = 0; i < n; i++) {
        const last = i === n - 1;
        if (kind === 0) {
          d[i] = r.normal() * sc;
          if (!last) e[i] = r.normal() * sc;
        } else if (kind === 1) {
          d[i] = 10 ** (-i * r.uniform() * 3) * sc;
          if (!last) e[i] = 10 ** (-i * r.uniform() * 3) * sc;
        } else if (kind === 2) {
          d[i] = Math.abs(i - (n - 1) / 2) * sc;
          if (!last) e[i] = (i % 10 === 9 ? 1e-14 : 1) * sc;
        } else if (kind === 3) {
          d[i] = (r.uniform() < 0.5 ? 0 : 1) * sc;
          if (!last) e[i] = (r.uniform() < 0.3 ? 0 : r.normal() * 1e-8) * sc;
        } else if (kind === 4) {
          d[i] = sc;
          if (!last) e[i] = sc * (r.uniform() < 0.5 ? 1e-300 : 1e-150);
        } else {
          d[i] = r.normal() * sc * 1e-16;
          if (!last) e[i] = r.normal() * sc;
        }
      }
      const lam = d.slice();
      tridiagQl(lam, e.slice(), null, n, 'test');
      // Compare in units of the largest entry (scaled to avoid overflow of the squares).
      let big = 0;
      for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(d[i]!), i < n - 1 ? Math.abs(e[i]!) : 0);
      let tr = 0;
      let trL = 0;
      let f2 = 0;
      let f2L = 0;
      for (let i = 0; i < n; i++) {
        tr += d[i]! / big;
        trL += lam[i]! / big;
        f2 += (d[i]! / big) ** 2 + (i < n - 1 ? 2 * (e[i]! / big) ** 2 : 0);
        f2L += (lam[i]! / big) ** 2;
      }
      const tol = 8 * n * Number.EPSILON;
      expect(Math.abs(tr - trL), `case ${t} (kind ${kind}, n ${n}): trace`).toBeLessThanOrEqual(tol * n);
      expect(Math.abs(f2 - f2L), `case ${t} (kind ${kind}, n ${n}): Frobenius norm`).toBeLessThanOrEqual(tol * Math.max(f2, 1e-300) + 1e-300);
    }
  });
});
