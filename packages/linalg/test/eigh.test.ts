import { DomainError, gram, type Matrix, matmul, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eigh } from '../src/dense';
import { EPS, fro, froDiff, loadFixture, m64, maxDiff, orthError } from './dense-helpers';

interface EighCase {
  name: string;
  n: number;
  a: number[];
  values: number[];
  norm: number;
}
const fx = loadFixture<{ eigh: EighCase[] }>('dense-eig.json');

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
      expect(maxDiff(values, c.values)).toBeLessThanOrEqual(growth(c.n) * c.norm);
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
    expect(maxDiff(vals, ref)).toBeLessThan(growth(n) * 4);
  });
  it('values-only mode agrees', () => {
    const s = gram(randn(40, 40, 2));
    expect(maxDiff(eigh(s, { vectors: false }).values, eigh(s).values)).toBeLessThan(growth(40) * 200);
  });
  it('reads only the lower triangle', () => {
    const a = m64(2, 2, [2, 100, 1, 2]);
    expect(maxDiff(eigh(a).values, [1, 3])).toBeLessThanOrEqual(growth(2) * 3);
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
