import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { svdvals } from '@x/linalg';
import { loadFixture } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { alignedStudentInit, linearRichLazyRun, linearTwoLayerNtk } from '../src/index';

interface AlignedCase {
  F: Matrix;
  w: number[];
  u: number[];
  c: number;
  hidden: number;
  truncateRank?: number;
  beta: number[];
  W1: number[];
  X: Matrix;
  a: number[];
  K: number[];
}

const mat = (m: Matrix): Matrix<Float64Array> => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });
const cases = loadFixture<{ cases: AlignedCase[] }>(import.meta.url, 'richlazy-aligned.json').cases.map((c) => ({ ...c, F: mat(c.F), X: mat(c.X) }));

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol * scale);
};

describe('alignedStudentInit (Liu et al. Proposition 1) against numpy', () => {
  for (const [i, c] of cases.entries()) {
    const label = `case ${i} (F ${c.F.rows}x${c.F.cols}${c.truncateRank ? `, truncated to rank ${c.truncateRank}` : ''})`;
    it(`${label}: W1 = c·û β̂ᵀ with β = Fᵀw`, () => {
      const W1 = alignedStudentInit(c.F, c.w, { hidden: c.hidden, frobeniusNorm: c.c, outDirection: c.u, ...(c.truncateRank ? { truncateRank: c.truncateRank } : {}) });
      expect([W1.rows, W1.cols]).toEqual([c.hidden, c.F.cols]);
      close(W1.data, c.W1, 1e-12);
      // Rank one, at the requested Frobenius norm, every row parallel to β.
      const s = svdvals(W1);
      expect(s[0]).toBeCloseTo(c.c, 12);
      for (let t = 1; t < s.length; t++) expect(s[t]!).toBeLessThan(1e-12 * c.c);
      const bn = Math.hypot(...c.beta);
      for (let r = 0; r < W1.rows; r++) {
        const row = W1.data.subarray(r * W1.cols, (r + 1) * W1.cols);
        const rn = Math.hypot(...row);
        let dot = 0;
        for (let j = 0; j < row.length; j++) dot += row[j]! * c.beta[j]!;
        expect(Math.abs(dot) / (rn * bn)).toBeCloseTo(1, 12);
      }
    });
    it(`${label}: the tangent kernel at init equals the Jacobian Gram J Jᵀ`, () => {
      const W1 = { rows: c.hidden, cols: c.F.cols, data: Float64Array.from(c.W1) };
      close(linearTwoLayerNtk(c.X, W1, c.a).data, c.K, 1e-12);
    });
  }

  it('the default hidden direction is seeded and gives the same rank-one structure', () => {
    const c = cases[0]!;
    const A = alignedStudentInit(c.F, c.w, { hidden: 6, frobeniusNorm: 2, seed: 3 });
    const B = alignedStudentInit(c.F, c.w, { hidden: 6, frobeniusNorm: 2, seed: 3 });
    expect(A.data).toEqual(B.data);
    const s = svdvals(A);
    expect(s[0]).toBeCloseTo(2, 12);
    expect(s[1]!).toBeLessThan(1e-12);
  });

  it('bad input gets typed errors naming the function', () => {
    const c = cases[0]!;
    expect(() => alignedStudentInit(c.F, c.w.slice(1), { hidden: 3, frobeniusNorm: 1 })).toThrow(ShapeError);
    expect(() => alignedStudentInit(c.F, c.w.map(() => 0), { hidden: 3, frobeniusNorm: 1 })).toThrow(/alignedStudentInit: the task direction/);
    expect(() => alignedStudentInit(c.F, c.w, { hidden: 3, frobeniusNorm: -1 })).toThrow(DomainError);
    expect(() => alignedStudentInit(c.F, c.w, { hidden: 3, frobeniusNorm: 1, outDirection: [0, 0, 0] })).toThrow(/alignedStudentInit: outDirection/);
    expect(() => alignedStudentInit(c.F, c.w, { hidden: 3, frobeniusNorm: 1, truncateRank: 0 })).toThrow(DomainError);
    expect(() => linearTwoLayerNtk(c.X, { rows: 2, cols: 3, data: new Float64Array(6) }, [1, 1])).toThrow(ShapeError);
    expect(() => linearRichLazyRun({ init: 'aligned', inputs: 5 })).toThrow(/linearRichLazyRun: inputs must be even/);
    expect(() => linearRichLazyRun({ init: 'nope' as 'aligned' })).toThrow(DomainError);
    expect(() => linearRichLazyRun({ init: 'random-low-rank', inputs: 4, hidden: 3, rank: 4 })).toThrow(/linearRichLazyRun: rank 4 is above min\(hidden, inputs\) = 3/);
    expect(() => linearRichLazyRun({ init: 'aligned', rank: 2 })).toThrow(/linearRichLazyRun: rank applies only to init 'random-low-rank'/);
  });
});

describe('linearRichLazyRun', () => {
  it('the aligned init starts with the task kernel in its tangent kernel and fits the task', () => {
    const al = linearRichLazyRun({ init: 'aligned', kappa: 10, inputs: 8, hidden: 20, samples: 30, steps: 300 });
    const fr = linearRichLazyRun({ init: 'full-rank', kappa: 10, inputs: 8, hidden: 20, samples: 30, steps: 300 });
    expect(al.taskAlignmentInit).toBeGreaterThan(0.95);
    expect(fr.taskAlignmentInit).toBeLessThan(0.8);
    expect(al.finalLoss).toBeLessThan(1e-3 * al.initialLoss);
    expect(al.lossCurve.length).toBe(50);
  });

  it('partial alignment (F truncated to rank d/2) aligns better with the task as κ grows', () => {
    const lo = linearRichLazyRun({ init: 'partial', kappa: 1, inputs: 8, hidden: 20, samples: 30, steps: 1 });
    const hi = linearRichLazyRun({ init: 'partial', kappa: 30, inputs: 8, hidden: 20, samples: 30, steps: 1 });
    expect(hi.taskAlignmentInit).toBeGreaterThan(lo.taskAlignmentInit);
    expect(hi.taskAlignmentInit).toBeGreaterThan(0.95);
  });
});
