import { describe, expect, it } from 'vitest';
import { bidiagSvdDc } from '../src/bidiag-dc';
import { secularSystem } from '../src/tridiagonal-dc';
import { EPS, m64, orthError } from './helpers';
import { loadFixture } from '@x/test-utils';

interface BidiagCase {
  name: string;
  d: number[];
  e: number[];
  s: number[];
}
interface ArrowCase {
  name: string;
  d: number[];
  z: number[];
  s: number[];
}
const fx = loadFixture<{ bidiagonal: BidiagCase[]; arrow: ArrowCase[] }>(import.meta.url, 'bidiag-dc.json');

/** max |B - U diag(S) Vᵀ| for the upper bidiagonal B = (d, e). */
function residual(d: ArrayLike<number>, e: ArrayLike<number>, u: Float64Array, s: Float64Array, v: Float64Array): number {
  const n = d.length;
  let err = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let p = 0; p < n; p++) x += u[i * n + p]! * s[p]! * v[j * n + p]!;
      const b = j === i ? d[i]! : j === i + 1 ? e[i]! : 0;
      err = Math.max(err, Math.abs(x - b));
    }
  }
  return err;
}

function normOf(d: ArrayLike<number>, e: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]!) + (i < e.length ? Math.abs(e[i]!) : 0));
  return m;
}

/** Checks the full SVD of (d, e): backward error, orthonormal factors, S descending; returns S. */
function checkSvd(d: Float64Array, e: Float64Array): Float64Array {
  const n = d.length;
  const { u, s, v } = bidiagSvdDc(d, e, n, 'svd');
  const nb = normOf(d, e);
  expect(residual(d, e, u, s, v)).toBeLessThanOrEqual(4 * n * EPS * nb);
  expect(orthError(m64(n, n, u))).toBeLessThanOrEqual(4 * n * EPS);
  expect(orthError(m64(n, n, v))).toBeLessThanOrEqual(4 * n * EPS);
  for (let i = 0; i < n; i++) {
    expect(s[i]).toBeGreaterThanOrEqual(0);
    if (i > 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]!);
  }
  return s;
}

describe('bidiagonal divide and conquer (bidiagSvdDc)', () => {
  for (const c of fx.bidiagonal) {
    it(`${c.name}: singular values match scipy, B = U S Vᵀ, orthonormal U and V`, () => {
      const d = Float64Array.from(c.d);
      const e = Float64Array.from(c.e);
      const s = checkSvd(d, e);
      const nb = normOf(d, e);
      for (let i = 0; i < s.length; i++) expect(Math.abs(s[i]! - c.s[i]!)).toBeLessThanOrEqual(4 * s.length * EPS * nb);
      // d and e are left as they were.
      expect(Array.from(d)).toEqual(c.d);
      expect(Array.from(e)).toEqual(c.e);
    });
  }

  it('exactly repeated singular values (identity, and a block diagonal of equal 2x2 blocks) keep orthonormal vectors', () => {
    const n = 70;
    checkSvd(new Float64Array(n).fill(1), new Float64Array(n - 1));
    // Equal 2x2 blocks [[1, 1], [0, 1]]: every merge sees equal poles in both children.
    const d = new Float64Array(n).fill(1);
    const e = Float64Array.from({ length: n - 1 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const s = checkSvd(d, e);
    const phi = (1 + Math.sqrt(5)) / 2;
    for (let i = 0; i < n / 2; i++) expect(s[i]).toBeCloseTo(phi, 14);
    for (let i = n / 2; i < n; i++) expect(s[i]).toBeCloseTo(1 / phi, 14);
  });

  it('zero matrix, zero middle rows and a rank-one bidiagonal', () => {
    const n = 50;
    const zero = bidiagSvdDc(new Float64Array(n), new Float64Array(n - 1), n, 'svd');
    expect(Array.from(zero.s)).toEqual(new Array(n).fill(0));
    expect(orthError(m64(n, n, zero.u))).toBe(0);
    // Only the split row is non-zero (α = β = 0 elsewhere): z is all zeros but one.
    const d = new Float64Array(n);
    const e = new Float64Array(n - 1);
    d[25] = 3;
    e[25] = 4;
    const s = checkSvd(d, e);
    expect(s[0]).toBeCloseTo(5, 14);
    for (let i = 1; i < n; i++) expect(s[i]).toBeLessThanOrEqual(16 * EPS * 5);
  });

  it('entries near underflow and overflow (scaled by powers of two) give scaled singular values', () => {
    const n = 60;
    const d0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const e0 = Float64Array.from({ length: n - 1 }, (_, i) => Math.cos(2 * i + 1));
    const ref = checkSvd(d0, e0);
    for (const f of [2 ** -1000, 2 ** 1000]) {
      const s = bidiagSvdDc(
        d0.map((x) => x * f),
        e0.map((x) => x * f),
        n,
        'svd',
      ).s;
      for (let i = 0; i < n; i++) expect(Math.abs(s[i]! / f - ref[i]!)).toBeLessThanOrEqual(4 * n * EPS);
    }
  });
});

describe('secular equation of the broken-arrow matrix (secularSystem, squared poles)', () => {
  for (const c of fx.arrow) {
    it(`${c.name}: roots are numpy's σ², zhat reproduces z, vectors are orthonormal`, () => {
      const k = c.d.length;
      const d = Float64Array.from(c.d);
      const z = Float64Array.from(c.z);
      const vals = new Float64Array(k);
      const delta = new Float64Array(k * k);
      const zh = secularSystem(d, z, 1, k, 'svd', true, vals, delta);
      let zn = 0;
      for (let i = 0; i < k; i++) zn += z[i]! * z[i]!;
      const scale = Math.max(d[k - 1]!, Math.sqrt(zn));
      for (let j = 0; j < k; j++) {
        expect(Math.abs(Math.sqrt(vals[j]!) - c.s[j]!)).toBeLessThanOrEqual(8 * k * EPS * scale);
        // Interlacing d_j <= σ_j <= d_{j+1} (a root within 1e-24 of its pole rounds onto it), while
        // δ_ji = d_i² - σ_j² keeps its sign: negative for i <= j, positive above.
        expect(Math.sqrt(vals[j]!)).toBeGreaterThanOrEqual(d[j]!);
        if (j + 1 < k) expect(Math.sqrt(vals[j]!)).toBeLessThanOrEqual(d[j + 1]!);
        for (let i = 0; i < k; i++) {
          if (i <= j) expect(delta[j * k + i]).toBeLessThan(0);
          else expect(delta[j * k + i]).toBeGreaterThan(0);
        }
      }
      for (let i = 0; i < k; i++) {
        expect(Math.sign(zh[i]!)).toBe(Math.sign(z[i]!));
        expect(Math.abs(zh[i]! - z[i]!)).toBeLessThanOrEqual(64 * k * EPS * scale);
      }
      // Right vectors v_j ∝ zhat_i / δ_ji are orthonormal to working accuracy (Gu-Eisenstat).
      const vt = new Float64Array(k * k);
      for (let j = 0; j < k; j++) {
        let nrm = 0;
        for (let i = 0; i < k; i++) nrm += (zh[i]! / delta[j * k + i]!) ** 2;
        for (let i = 0; i < k; i++) vt[i * k + j] = zh[i]! / delta[j * k + i]! / Math.sqrt(nrm);
      }
      expect(orthError(m64(k, k, vt))).toBeLessThanOrEqual(8 * k * EPS);
    });
  }
});
