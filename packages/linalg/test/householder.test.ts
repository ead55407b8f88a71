import { eye, type Matrix, matmul, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHouseholder, applyWY, householder, wyForm, wyToMatrix } from '../src/structured';
import { EPS } from './helpers';
import { maxAbsDiff } from '@x/test-utils';

/** Explicit H = I - tau v v^T. */
function reflector(v: Float64Array, tau: number): Matrix<Float64Array> {
  const m = v.length;
  const d = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) d[i * m + j] = (i === j ? 1 : 0) - tau * v[i]! * v[j]!;
  return { rows: m, cols: m, data: d };
}

/** Reflectors of a Householder QR sweep over a random m x k matrix (unit lower trapezoidal V). */
function qrReflectors(m: number, k: number, seed: number): { V: Matrix<Float64Array>; taus: Float64Array } {
  const r = rng(seed);
  let A: Matrix = { rows: m, cols: k, data: r.fillNormal(new Float64Array(m * k)) };
  const V = new Float64Array(m * k);
  const taus = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const x = new Float64Array(m - j);
    for (let i = j; i < m; i++) x[i - j] = A.data[i * k + j]!;
    const h = householder(x);
    const v = new Float64Array(m);
    v.set(h.v, j);
    for (let i = 0; i < m; i++) V[i * k + j] = v[i]!;
    taus[j] = h.tau;
    A = applyHouseholder(A, { v, tau: h.tau });
  }
  return { V: { rows: m, cols: k, data: V }, taus };
}

function explicitProduct(V: Matrix, taus: Float64Array): Matrix {
  const { rows: m, cols: k } = V;
  let Q: Matrix = eye(m);
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = V.data[i * k + j]!;
    Q = matmul(Q, reflector(v, taus[j]!));
  }
  return Q;
}

describe('householder', () => {
  it('maps x to beta e1 with |beta| = ||x||, v[0] = 1 and tau in [1, 2]', () => {
    const x = Float64Array.from([3, 1, 5, 1]);
    const h = householder(x);
    expect(h.v[0]).toBe(1);
    expect(Math.abs(h.beta)).toBeCloseTo(6, 14);
    expect(h.beta).toBeLessThan(0); // opposite sign of x_0: no cancellation
    expect(h.tau).toBeGreaterThanOrEqual(1);
    expect(h.tau).toBeLessThanOrEqual(2);
    const y = applyHouseholder({ rows: 4, cols: 1, data: x }, h).data;
    expect(Math.abs(y[0]! - h.beta)).toBeLessThan(4 * 4 * EPS * 6);
    for (let i = 1; i < 4; i++) expect(Math.abs(y[i]!)).toBeLessThan(4 * 4 * EPS * 6);
    // Orthogonal and symmetric.
    const H = reflector(h.v, h.tau);
    expect(maxAbsDiff(matmul(H, H).data, eye(4).data)).toBeLessThan(16 * EPS);
  });

  it('is the identity (tau = 0) when the tail is zero, and handles length 1', () => {
    expect(householder([-2, 0, 0])).toMatchObject({ tau: 0, beta: -2 });
    expect(householder([7])).toMatchObject({ tau: 0, beta: 7 });
  });

  it('does not overflow or underflow for extreme scales', () => {
    const big = householder([1e300, 1e300]);
    expect(big.beta).toBeCloseTo(-Math.SQRT2 * 1e300, -285);
    expect(Number.isFinite(big.tau)).toBe(true);
    const tiny = householder([3e-300, 4e-300]);
    expect(Math.abs(tiny.beta) / 5e-300).toBeCloseTo(1, 14);
    // Subnormal entries: v and tau are those of [3, 4] (scale invariance), no Infinity.
    const ref = householder([3, 4]);
    const sub = householder([3 * 2 ** -1070, 4 * 2 ** -1070]);
    expect(sub.tau).toBe(ref.tau);
    expect(Array.from(sub.v)).toEqual(Array.from(ref.v));
    expect(sub.beta).toBe(-5 * 2 ** -1070);
    const huge = householder([3e307, 4e307, 0]);
    expect(Array.from(huge.v)).toEqual(Array.from(householder([3, 4, 0]).v));
    expect(huge.beta / -5e307).toBeCloseTo(1, 14);
  });

  it('applies from the right as A H', () => {
    const r = rng(2);
    const A = { rows: 3, cols: 5, data: r.fillNormal(new Float64Array(15)) };
    const h = householder(r.fillNormal(new Float64Array(5)));
    const want = matmul(A, reflector(h.v, h.tau));
    expect(maxAbsDiff(applyHouseholder(A, h, { side: 'right' }).data, want.data)).toBeLessThan(64 * EPS);
  });

  it('typed errors', () => {
    expect(() => householder([])).toThrow(ShapeError);
    const h = householder([1, 2, 3]);
    expect(() => applyHouseholder({ rows: 2, cols: 2, data: new Float64Array(4) }, h)).toThrow(ShapeError);
    expect(() => wyForm({ rows: 3, cols: 2, data: new Float64Array(6) }, [1])).toThrow(ShapeError);
  });
});

describe('compact WY form', () => {
  it('Q = I - W Y^T = I - Y T Y^T equals the explicit product of reflectors (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: m }), fc.integer({ min: 0, max: 1e6 }))), ([m, k, seed]) => {
        const { V, taus } = qrReflectors(m, k, seed);
        const Q = explicitProduct(V, taus);
        const wy = wyForm(V, taus);
        // T upper triangular with diag(tau).
        for (let i = 0; i < k; i++) {
          expect(wy.T.data[i * k + i]).toBe(taus[i]);
          for (let j = 0; j < i; j++) expect(wy.T.data[i * k + j]).toBe(0);
        }
        // Backward error of k reflector applications is O(k m eps) (Higham, Lemma 19.3).
        const tol = 8 * k * m * EPS;
        const Qwy = wyToMatrix(wy);
        expect(maxAbsDiff(Qwy.data, Q.data)).toBeLessThan(tol);
        expect(maxAbsDiff(matmul(Qwy, Qwy, { transA: true }).data, eye(m).data)).toBeLessThan(tol);
        const YTYt = matmul(matmul(wy.Y, wy.T), wy.Y, { transB: true });
        const alt = eye(m).data.map((v, i) => v - YTYt.data[i]!);
        expect(maxAbsDiff(alt, Q.data)).toBeLessThan(tol);
        // Thin Q: first columns only.
        const thin = wyToMatrix(wy, { cols: k });
        for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) expect(thin.data[i * k + j]).toBe(Qwy.data[i * m + j]);
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('applyWY matches Q A, Q^T A, B Q and B Q^T (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: m }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }))), ([m, k, n, seed]) => {
        const { V, taus } = qrReflectors(m, k, seed);
        const Q = explicitProduct(V, taus);
        const wy = wyForm(V, taus);
        const r = rng(seed + 1);
        const A = { rows: m, cols: n, data: r.fillNormal(new Float64Array(m * n)) };
        const B = { rows: n, cols: m, data: r.fillNormal(new Float64Array(m * n)) };
        let scale = 1;
        for (const v of A.data) scale = Math.max(scale, Math.abs(v));
        for (const v of B.data) scale = Math.max(scale, Math.abs(v));
        const tol = 8 * k * m * EPS * scale * Math.sqrt(m);
        expect(maxAbsDiff(applyWY(A, wy).data, matmul(Q, A).data)).toBeLessThan(tol);
        expect(maxAbsDiff(applyWY(A, wy, { transpose: true }).data, matmul(Q, A, { transA: true }).data)).toBeLessThan(tol);
        expect(maxAbsDiff(applyWY(B, wy, { side: 'right' }).data, matmul(B, Q).data)).toBeLessThan(tol);
        expect(maxAbsDiff(applyWY(B, wy, { side: 'right', transpose: true }).data, matmul(B, Q, { transB: true }).data)).toBeLessThan(tol);
      }),
      { numRuns: 60, seed: 17 },
    );
  });

  it('a QR sweep built from these pieces gives Q R = A with R upper triangular', () => {
    const m = 9;
    const k = 5;
    const r = rng(99);
    const A0: Matrix = { rows: m, cols: k, data: r.fillNormal(new Float64Array(m * k)) };
    const { V, taus } = qrReflectors(m, k, 99);
    const wy = wyForm(V, taus);
    const R = applyWY(A0, wy, { transpose: true }); // Q^T A
    for (let i = 0; i < m; i++) for (let j = 0; j < Math.min(i, k); j++) expect(Math.abs(R.data[i * k + j]!)).toBeLessThan(64 * m * EPS * 3);
    expect(maxAbsDiff(applyWY(R, wy).data, A0.data)).toBeLessThan(64 * m * EPS);
  });
});
