import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  astype,
  axpy,
  axpyInPlace,
  dot,
  frobeniusNorm,
  gram,
  hadamard,
  type Matrix,
  matmul,
  matrix,
  maxAbs,
  randn,
  scale,
  ShapeError,
  sub,
  sum,
  transpose,
} from '../src';
import { naiveMatmul } from './helpers';
import { loadFixture, relFro } from '@x/test-utils';

interface Case {
  m: number;
  k: number;
  n: number;
  a: number[];
  b: number[];
  ab: number[];
  ata: number[];
  aat: number[];
  sum: number;
  fro: number;
  maxabs: number;
}
const { cases } = loadFixture<{ cases: Case[] }>(import.meta.url, 'kernels-shapes.json');

// Float64 GEMM error bound: |fl(AB) - AB| <= k u |A||B| elementwise; relative Frobenius error
// of well-scaled Gaussian products stays far below k * 1.1e-16. 1e-14 covers k <= 70 here.
const F64_TOL = 1e-14;

// Both routes: 'js' the reference kernel, 'auto' the default (wasm SIMD in Node).
for (const backend of ['js', 'auto'] as const) describe(`matmul against numpy fixtures (${backend} route)`, () => {
  for (const c of cases) {
    it(`${c.m}x${c.k} * ${c.k}x${c.n}, all transpose combinations`, () => {
      const a = matrix(c.m, c.k, c.a);
      const b = matrix(c.k, c.n, c.b);
      const ab = matrix(c.m, c.n, c.ab);
      expect(relFro(matmul(a, b, { backend }), ab)).toBeLessThan(F64_TOL);
      const at = transpose(a);
      const bt = transpose(b);
      expect(relFro(matmul(at, b, { transA: true, backend }), ab)).toBeLessThan(F64_TOL);
      expect(relFro(matmul(a, bt, { transB: true, backend }), ab)).toBeLessThan(F64_TOL);
      expect(relFro(matmul(at, bt, { transA: true, transB: true, backend }), ab)).toBeLessThan(F64_TOL);
    });
    it(`${c.m}x${c.k}: gram (both sides), sum, frobenius, maxAbs`, () => {
      const a = matrix(c.m, c.k, c.a);
      const g = gram(a, { backend });
      expect(relFro(g, matrix(c.k, c.k, c.ata))).toBeLessThan(F64_TOL);
      expect(relFro(gram(a, { outer: true, backend }), matrix(c.m, c.m, c.aat))).toBeLessThan(F64_TOL);
      // Exactly symmetric, not just to rounding.
      for (let i = 0; i < c.k; i++) for (let j = 0; j < c.k; j++) expect(g.data[i * c.k + j]).toBe(g.data[j * c.k + i]);
      expect(sum(a)).toBeCloseTo(c.sum, 12);
      expect(Math.abs(frobeniusNorm(a) - c.fro) / c.fro).toBeLessThan(1e-15 * c.a.length);
      expect(maxAbs(a)).toBe(c.maxabs);
    });
  }
});

for (const backend of ['js', 'auto'] as const) describe(`matmul properties (${backend} route)`, () => {
  it('equals the definition for random shapes straddling the 4x4 tile and the cache blocks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (m, k, n, transA, transB, seed) => {
          const a = transA ? randn(k, m, seed) : randn(m, k, seed);
          const b = transB ? randn(n, k, seed + 1) : randn(k, n, seed + 1);
          const ref = naiveMatmul(a, b, transA, transB);
          expect(relFro(matmul(a, b, { transA, transB, backend }), ref)).toBeLessThan(1e-13);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is right across the KC=256 and MC=128 block boundaries', () => {
    const a = randn(131, 517, 1);
    const b = randn(517, 9, 2);
    expect(relFro(matmul(a, b, { backend }), naiveMatmul(a, b))).toBeLessThan(1e-13);
    const g = randn(600, 130, 3);
    expect(relFro(gram(g, { backend }), naiveMatmul(g, g, true, false))).toBeLessThan(1e-13);
  });

  it('float32 inputs give a float32 result accurate to float32 rounding', () => {
    const a = randn(40, 50, 4);
    const b = randn(50, 30, 5);
    const a32 = astype(a, 'float32');
    const b32 = astype(b, 'float32');
    const c = matmul(a32, b32, { backend });
    expect(c.data).toBeInstanceOf(Float32Array);
    // js: accumulation is float64, so the only error is rounding inputs and outputs to float32.
    // wasm (the default route): float32 accumulation, error <= k 2^-24 |A||B|; Frobenius-wise on
    // Gaussian data well inside 4 sqrt(k) 2^-24.
    expect(relFro(c, naiveMatmul(a32, b32))).toBeLessThan(backend === 'js' ? 2 ** -23 : 4 * Math.sqrt(50) * 2 ** -24);
    expect(matmul(a32, b, { backend }).data).toBeInstanceOf(Float64Array);
  });

  it('handles empty inner and outer dimensions', () => {
    const z = matmul(matrix(3, 0), matrix(0, 2));
    expect(z.rows).toBe(3);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(matmul(matrix(0, 4), matrix(4, 2)).data.length).toBe(0);
  });

  it('writes into out (overwriting it) and refuses aliasing', () => {
    const a = randn(5, 6, 1);
    const b = randn(6, 7, 2);
    const out = matrix(5, 7, new Float64Array(35).fill(99));
    expect(matmul(a, b, { out })).toBe(out);
    expect(relFro(out, naiveMatmul(a, b))).toBeLessThan(1e-14);
    const sq = randn(4, 4, 3);
    expect(() => matmul(sq, sq, { out: sq })).toThrow(/share storage/);
    expect(() => matmul(a, b, { out: matrix(5, 6) })).toThrow(ShapeError);
  });

  it('shape mismatch throws ShapeError whose message contains both shapes', () => {
    let err: unknown;
    try {
      matmul(matrix(3, 4), matrix(5, 2));
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe('ShapeError');
    expect((err as Error).message).toContain('3x4');
    expect((err as Error).message).toContain('5x2');
    expect(() => matmul({ rows: 2, cols: 2, data: new Float64Array(3) }, matrix(2, 2))).toThrow(ShapeError);
  });
});

describe('elementwise and reductions', () => {
  const a = randn(7, 9, 11);
  const b = randn(7, 9, 12);
  const at = (m: Matrix, i: number) => m.data[i]!;

  it('add, sub, hadamard, scale, axpy follow their definitions', () => {
    const s = add(a, b);
    const d = sub(a, b);
    const h = hadamard(a, b);
    const c = scale(a, -2.5);
    const y = axpy(0.5, a, b);
    for (let i = 0; i < a.data.length; i++) {
      expect(at(s, i)).toBe(at(a, i) + at(b, i));
      expect(at(d, i)).toBe(at(a, i) - at(b, i));
      expect(at(h, i)).toBe(at(a, i) * at(b, i));
      expect(at(c, i)).toBe(-2.5 * at(a, i));
      expect(at(y, i)).toBe(0.5 * at(a, i) + at(b, i));
    }
  });

  it('do not mutate inputs unless asked; axpyInPlace and out do', () => {
    const a0 = a.data.slice();
    add(a, b);
    expect(a.data).toEqual(a0);
    const y = matrix(7, 9, b.data.slice());
    axpyInPlace(2, a, y);
    expect(at(y, 3)).toBe(2 * at(a, 3) + at(b, 3));
    const out = matrix(7, 9);
    expect(add(a, b, out)).toBe(out);
  });

  it('shape mismatches are ShapeErrors with both shapes', () => {
    expect(() => add(a, matrix(9, 7))).toThrow(/7x9.*9x7/);
    expect(() => dot(a, matrix(1, 1))).toThrow(ShapeError);
  });

  it('dot is the Frobenius inner product; frobeniusNorm neither overflows nor underflows', () => {
    let ref = 0;
    for (let i = 0; i < a.data.length; i++) ref += at(a, i) * at(b, i);
    expect(dot(a, b)).toBeCloseTo(ref, 12);
    const big = matrix(1, 2, [3e200, 4e200]);
    expect(frobeniusNorm(big)).toBeCloseTo(5e200, -188);
    const tiny = matrix(1, 2, [3e-200, 4e-200]);
    expect(frobeniusNorm(tiny) / 5e-200).toBeCloseTo(1, 14);
    const sub2 = matrix(1, 2, [3e-310, 4e-310]);
    expect(frobeniusNorm(sub2) / 5e-310).toBeCloseTo(1, 3);
    expect(frobeniusNorm(matrix(2, 2))).toBe(0);
    expect(maxAbs(matrix(1, 2, [1, Number.NaN]))).toBeNaN();
  });
});

describe('matmul accumulate', () => {
  it('adds into out (C += AB) and needs an out', () => {
    const a = randn(9, 7, 1);
    const b = randn(7, 5, 2);
    const c0 = randn(9, 5, 3);
    const out = matrix(9, 5, c0.data.slice());
    matmul(a, b, { out, accumulate: true });
    expect(relFro(out, add(c0, naiveMatmul(a, b)))).toBeLessThan(1e-14);
    expect(() => matmul(a, b, { accumulate: true })).toThrow(/needs an out/);
  });
});
