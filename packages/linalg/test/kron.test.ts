import { type Matrix, matmul, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kron, kronMatvec } from '../src/structured';
import { EPS } from './helpers';
import { maxAbsDiff, relFro } from '@x/test-utils';

function randMat(r: ReturnType<typeof rng>, rows: number, cols: number): Matrix<Float64Array> {
  return { rows, cols, data: r.fillNormal(new Float64Array(rows * cols)) };
}

describe('kron', () => {
  it('matches numpy.kron on a hand-checked example', () => {
    const a = { rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) };
    const b = { rows: 1, cols: 2, data: Float64Array.from([0, 5]) };
    // numpy.kron([[1,2],[3,4]], [[0,5]]) = [[0,5,0,10],[0,15,0,20]]
    const k = kron(a, b);
    expect([k.rows, k.cols]).toEqual([2, 4]);
    expect(Array.from(k.data)).toEqual([0, 5, 0, 10, 0, 15, 0, 20]);
  });

  it('handles 1x1 and empty factors', () => {
    const s = { rows: 1, cols: 1, data: Float64Array.from([3]) };
    const b = { rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(kron(s, b).data)).toEqual([3, 6, 9, 12, 15, 18]);
    const e = { rows: 0, cols: 2, data: new Float64Array(0) };
    expect(kron(e, b)).toMatchObject({ rows: 0, cols: 6 });
  });

  it('mixed-product identity kron(A, B) kron(C, D) = kron(AC, BD) (property)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 })), ([m1, k1, n1, m2, k2, n2, seed]) => {
        const r = rng(seed);
        const A = randMat(r, m1, k1);
        const C = randMat(r, k1, n1);
        const B = randMat(r, m2, k2);
        const D = randMat(r, k2, n2);
        const left = matmul(kron(A, B), kron(C, D));
        const right = kron(matmul(A, C), matmul(B, D));
        // Entrywise: the left side is an inner product of length k1 k2 of rounded products, the
        // right side products of inner products of lengths k1 and k2; both are within
        // gamma_{k1 k2 + k1 + k2 + 2} of the exact value, relative to (|A||C|) (x) (|B||D|)
        // (Higham, Accuracy and Stability, eq. 3.13).
        const abs = (m: Matrix) => ({ ...m, data: m.data.map(Math.abs) });
        const bound = kron(matmul(abs(A), abs(C)), matmul(abs(B), abs(D)));
        const g = 2 * (k1 * k2 + k1 + k2 + 2) * EPS;
        for (let i = 0; i < bound.data.length; i++) {
          expect(Math.abs(left.data[i]! - right.data[i]!)).toBeLessThanOrEqual(g * bound.data[i]!);
        }
      }),
      { numRuns: 80, seed: 5 },
    );
  });

  it('kronMatvec equals the dense product (property)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 })), ([m1, n1, m2, n2, seed]) => {
        const r = rng(seed);
        const A = randMat(r, m1, n1);
        const B = randMat(r, m2, n2);
        const x = r.fillNormal(new Float64Array(n1 * n2));
        const dense = matmul(kron(A, B), { rows: n1 * n2, cols: 1, data: x }).data;
        const fast = kronMatvec(A, B, x);
        // Same sums in a different association order: error ~ (n1 + n2) eps sum |A||B||x|.
        let absSum = 0;
        const absProd = matmul(kron({ ...A, data: A.data.map(Math.abs) }, { ...B, data: B.data.map(Math.abs) }), { rows: n1 * n2, cols: 1, data: x.map(Math.abs) }).data;
        for (const v of absProd) absSum = Math.max(absSum, v);
        expect(maxAbsDiff(fast, dense)).toBeLessThanOrEqual(2 * (n1 + n2) * EPS * absSum);
      }),
      { numRuns: 80, seed: 9 },
    );
  });

  it('kronMatvec on a large product never forms it', () => {
    const r = rng(1);
    const A = randMat(r, 300, 300);
    const B = randMat(r, 300, 300);
    const x = r.fillNormal(new Float64Array(90000));
    const y = kronMatvec(A, B, x); // dense kron would be 8.1e9 entries
    expect(y.length).toBe(90000);
    // Spot-check one entry against its defining sum.
    const i = 123;
    const p = 45;
    let s = 0;
    for (let j = 0; j < 300; j++) for (let q = 0; q < 300; q++) s += A.data[i * 300 + j]! * B.data[p * 300 + q]! * x[j * 300 + q]!;
    expect(relFro([y[i * 300 + p]!], [s])).toBeLessThan(1e-12);
  });

  it('accepts float32 storage and computes in float64', () => {
    const a = { rows: 1, cols: 2, data: Float32Array.from([0.1, 3]) };
    const b = { rows: 2, cols: 1, data: Float64Array.from([1, 1 / 3]) };
    const k = kron(a, b);
    expect(k.data).toBeInstanceOf(Float64Array);
    expect(k.data[2]).toBe(Math.fround(0.1) * (1 / 3));
    expect(Array.from(kronMatvec(a, b, [1, 0]))).toEqual([Math.fround(0.1), Math.fround(0.1) / 3]);
  });

  it('typed errors', () => {
    const A = { rows: 2, cols: 3, data: new Float64Array(6) };
    expect(() => kronMatvec(A, A, new Float64Array(5))).toThrow(ShapeError);
    expect(() => kron(A, { rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(ShapeError);
  });
});
