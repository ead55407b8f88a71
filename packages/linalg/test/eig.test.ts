import { ConvergenceError, DomainError, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eig, eigh } from '../src/dense';
import { EPS, m64 } from './helpers';
import { loadFixture } from '@x/test-utils';

interface EigCase {
  name: string;
  n: number;
  a: number[];
  re: number[];
  im: number[];
  cond: number[];
  norm: number;
}
const fx = loadFixture<{ eig: EigCase[] }>(import.meta.url, 'dense-eig.json');

/** max_j ||A v_j - λ_j v_j|| / ||A|| over the eigenpairs (complex arithmetic). */
function residual(a: { rows: number; data: Float64Array }, r: ReturnType<typeof eig>, norm: number): number {
  const n = a.rows;
  const vr = r.vectors.re.data;
  const vi = r.vectors.im.data;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const lr = r.values.re[j]!;
    const li = r.values.im[j]!;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let pr = 0;
      let pi = 0;
      for (let k = 0; k < n; k++) {
        pr += a.data[i * n + k]! * vr[k * n + j]!;
        pi += a.data[i * n + k]! * vi[k * n + j]!;
      }
      pr -= lr * vr[i * n + j]! - li * vi[i * n + j]!;
      pi -= lr * vi[i * n + j]! + li * vr[i * n + j]!;
      s += pr * pr + pi * pi;
    }
    worst = Math.max(worst, Math.sqrt(s));
  }
  return worst / Math.max(norm, Number.MIN_VALUE);
}

function unitNorms(r: ReturnType<typeof eig>): number {
  const n = r.values.re.length;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += r.vectors.re.data[i * n + j]! ** 2 + r.vectors.im.data[i * n + j]! ** 2;
    worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1));
  }
  return worst;
}

// Backward error of the QR algorithm: residual <= p(n) eps ||A|| with p(n) = 10 n (balancing
// may scale; we measure against ||A||_2 of the input).
const growth = (n: number) => 10 * Math.max(n, 4) * EPS;

describe('eig against numpy.linalg.eig', () => {
  for (const c of fx.eig) {
    it(`${c.name}: eigenvalues within cond(λ) * eps * ||A||, A v = λ v`, () => {
      const a = m64(c.n, c.n, c.a);
      const r = eig(a);
      expect(residual(a, r, c.norm)).toBeLessThanOrEqual(growth(c.n));
      expect(unitNorms(r)).toBeLessThan(1e-13);
      // Match each numpy eigenvalue to the nearest unused one of ours; the tolerance is its
      // first-order error bound (both numpy's and ours): 2 * growth * ||A|| * cond(λ).
      const used = new Uint8Array(c.n);
      for (let j = 0; j < c.n; j++) {
        let best = -1;
        let bd = Number.POSITIVE_INFINITY;
        for (let k = 0; k < c.n; k++) {
          if (used[k]) continue;
          const d = Math.hypot(r.values.re[k]! - c.re[j]!, r.values.im[k]! - c.im[j]!);
          if (d < bd) {
            bd = d;
            best = k;
          }
        }
        used[best] = 1;
        expect(bd).toBeLessThanOrEqual(2 * growth(c.n) * c.norm * c.cond[j]!);
      }
    });
  }
  it('HiPPO-LegS N=16: eigenvalues -1..-16 despite kappa(V) ~ 1e10', () => {
    const c = fx.eig.find((x) => x.name === 'hippo-legs 16')!;
    const r = eig(m64(16, 16, c.a));
    const got = Array.from(r.values.re).sort((x, y) => y - x);
    for (let k = 0; k < 16; k++) expect(Math.abs(got[k]! + (k + 1))).toBeLessThanOrEqual(2 * growth(16) * c.norm * c.cond[k]!);
    expect(Math.max(...Array.from(r.values.im).map(Math.abs))).toBe(0);
  });
  it('conjugate pairs are adjacent with the positive imaginary part first, vectors conjugate', () => {
    const r = eig(m64(2, 2, [0, -1, 1, 0]));
    expect(r.values.im[0]).toBeCloseTo(1, 15);
    expect(r.values.im[1]).toBeCloseTo(-1, 15);
    for (let i = 0; i < 2; i++) {
      expect(r.vectors.re.data[i * 2]).toBe(r.vectors.re.data[i * 2 + 1]);
      expect(r.vectors.im.data[i * 2]! + r.vectors.im.data[i * 2 + 1]!).toBe(0);
    }
  });
  it('values-only and unbalanced modes give the same spectrum', () => {
    const a = randn(12, 12, 4);
    const r1 = eig(a, { vectors: false });
    const r2 = eig(a, { balance: false });
    const key = (r: ReturnType<typeof eig>) =>
      Array.from(r.values.re)
        .map((x, i) => [x, r.values.im[i]!] as const)
        .sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const k1 = key(r1);
    const k2 = key(r2);
    for (let i = 0; i < 12; i++) {
      expect(Math.abs(k1[i]![0] - k2[i]![0])).toBeLessThan(1e-12);
      expect(Math.abs(k1[i]![1] - k2[i]![1])).toBeLessThan(1e-12);
    }
  });
  it('an exhausted iteration budget throws ConvergenceError carrying the residual', () => {
    const a = randn(10, 10, 1);
    let err: unknown;
    try {
      eig(a, { maxIterations: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvergenceError);
    const ce = err as ConvergenceError;
    expect(ce.residual).toBeGreaterThan(0);
    expect(ce.iterations).toBe(3);
    expect(ce.message).toMatch(/eig: Francis QR did not converge in 2 iterations/);
    expect(() => eig(a, { maxIterations: -1 })).toThrow(DomainError);
  });
  it('errors', () => {
    expect(() => eig(randn(2, 3, 0))).toThrow(ShapeError);
    expect(() => eig(m64(2, 2, [1, Number.NaN, 0, 1]))).toThrow(/eig: a\[0, 1\] is NaN/);
    expect(() => eig(m64(1, 1, [Number.NEGATIVE_INFINITY]))).toThrow(DomainError);
    expect(eig(m64(0, 0, [])).values.re.length).toBe(0);
  });
  it('A V = V Λ on random, sparse and integer matrices (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 2 }), (n, seed, kind) => {
        let a = randn(n, n, seed);
        if (kind === 1) a = m64(n, n, a.data.map((x) => (Math.abs(x) < 1 ? 0 : x)));
        if (kind === 2) a = m64(n, n, a.data.map((x) => Math.round(2 * x)));
        let norm = 0;
        for (const x of a.data) norm += x * x;
        norm = Math.sqrt(norm);
        const r = eig(a);
        // Eigenvectors of defective (e.g. integer) matrices are ill-conditioned, but the
        // residual of each computed pair is still backward-stable small.
        expect(residual(a, r, norm)).toBeLessThanOrEqual(growth(n) * 10);
      }),
      { numRuns: 80, seed: 5 },
    );
  });
});

describe('extreme magnitudes (exact power-of-two scaling)', () => {
  it('eig and eigh of matrices near the overflow and underflow limits', () => {
    for (const f of [1e300, 1e-300]) {
      const r = eig(m64(2, 2, [0, -f, f, 0]));
      expect(Math.abs(r.values.im[0]! - f) / f).toBeLessThan(1e-15);
      const e = eigh(m64(2, 2, [2 * f, f, f, 2 * f]));
      expect(Math.abs(e.values[0]! - f) / f).toBeLessThan(1e-15);
      expect(Math.abs(e.values[1]! - 3 * f) / f).toBeLessThan(1e-15);
      expect(Number.isFinite(e.vectors.data[0]!)).toBe(true);
    }
  });
});
