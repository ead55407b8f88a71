import { DomainError, gram, type Matrix, matmul, randn, ShapeError, sub, transpose } from '@x/gpu';
import { svdvals } from '@x/linalg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncrementalSVD } from '../src';
import fixture from './fixtures/incremental-svd-blocks.json';
import { colSlice, hstack, mat, symExtremes } from './helpers';
import { relMax } from '@x/test-utils';

const EPS = 2.220446049250313e-16;
const m = fixture.m;
const blocks = fixture.blocks.map((b, i) => mat(m, fixture.widths[i]!, b));
const M = hstack(blocks);

/** U diag(s²) Uᵀ. */
function sketchGram(U: Matrix, s: Float64Array): Matrix {
  const US = { rows: U.rows, cols: U.cols, data: Float64Array.from(U.data) };
  for (let i = 0; i < U.rows; i++) for (let j = 0; j < U.cols; j++) US.data[i * U.cols + j]! *= s[j]!;
  return matmul(US, US, { transB: true });
}

function orthoError(U: Matrix): number {
  const G = gram(U);
  let e = 0;
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) e = Math.max(e, Math.abs(G.data[i * G.cols + j]! - (i === j ? 1 : 0)));
  return e;
}

describe('IncrementalSVD against numpy.linalg.svd', () => {
  it('column blocks (one in the span of an earlier block), untruncated: σ, U and UΣ²Uᵀ = MMᵀ exact to roundoff', () => {
    const s = new IncrementalSVD({ rank: m });
    for (const b of blocks) s.addColumns(b);
    const S = s.singularValues();
    const U = s.U();
    expect(S.length).toBe(m);
    expect(U.rows).toBe(m);
    expect(U.cols).toBe(m);
    // Backward-stable updates: errors of order eps·σ₁ per step (5 steps, sizes <= 20).
    expect(relMax(S, fixture.S)).toBeLessThan(100 * EPS * 20);
    expect(orthoError(U)).toBeLessThan(100 * EPS * 20);
    const G = sketchGram(U, S);
    expect(relMax(G.data, matmul(M, M, { transB: true }).data)).toBeLessThan(100 * EPS * 20);
    // Each singular vector up to sign, within eps·σ₁/gap (Wedin).
    const Ur = mat(m, m, fixture.U);
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let i = 0; i < m; i++) c += U.data[i * m + j]! * Ur.data[i * m + j]!;
      const gap = Math.min(j > 0 ? fixture.S[j - 1]! - fixture.S[j]! : Infinity, j < m - 1 ? fixture.S[j]! - fixture.S[j + 1]! : Infinity);
      const sin = Math.sqrt(Math.max(0, 1 - c * c));
      expect(sin).toBeLessThan((1e3 * EPS * fixture.S[0]!) / gap + 1e-7);
    }
    // Only roundoff-level σ (beyond rank m) is ever dropped.
    expect(s.discardedEnergy()).toBeLessThan(1e-28 * fixture.S[0]! ** 2);
    expect(s.spectralErrorBound()).toBeLessThan(1e-28 * fixture.S[0]! ** 2);
  });

  it('blocks times 2^±600 (σ² and ‖M‖_F² over- or underflow): σ/s and U match numpy, the checkpoint restores and continues bit-identically', () => {
    for (const sc of [2 ** 600, 2 ** -600]) {
      const scaled = blocks.map((b) => ({ rows: b.rows, cols: b.cols, data: b.data.map((v) => v * sc) }));
      const base = new IncrementalSVD({ rank: 3 });
      const s = new IncrementalSVD({ rank: 3 });
      for (let i = 0; i < blocks.length - 1; i++) {
        base.addColumns(blocks[i]!);
        s.addColumns(scaled[i]!);
      }
      expect(relMax(s.singularValues().map((v) => v / sc), base.singularValues()), `× ${sc}`).toBeLessThan(1e-14);
      expect(relMax(s.U().data, base.U().data)).toBeLessThan(1e-14);
      // Energies are sc² times the unscaled ones: Infinity or 0 in float64 here.
      expect(s.frobeniusSq()).toBe(base.frobeniusSq() * sc * sc);
      expect(s.discardedEnergy()).toBe(base.discardedEnergy() * sc * sc);
      const r = IncrementalSVD.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      const last = scaled[blocks.length - 1]!;
      expect(Array.from(r.addColumns(last).singularValues())).toEqual(Array.from(s.addColumns(last).singularValues()));
    }
  });

  it('row blocks (the transpose) track V with the same σ', () => {
    const s = new IncrementalSVD({ rank: m });
    for (const b of blocks) s.addRows(transpose(b));
    expect(relMax(s.singularValues(), fixture.S)).toBeLessThan(100 * EPS * 20);
    const V = s.V();
    expect(V.rows).toBe(m);
    expect(relMax(sketchGram(V, s.singularValues()).data, matmul(M, M, { transB: true }).data)).toBeLessThan(100 * EPS * 20);
    expect(() => s.U()).toThrow(DomainError);
  });

  it('rank-3 matrix with rank 12 kept: 3 singular values, the rest zero, U still orthonormal', () => {
    const low = mat(fixture.low.m, fixture.low.n, fixture.low.data);
    const s = new IncrementalSVD({ rank: 12 });
    for (let c = 0; c < low.cols; c += 4) s.addColumns(colSlice(low, c, Math.min(c + 4, low.cols)));
    const S = s.singularValues();
    expect(relMax(S.subarray(0, 3), fixture.low.S.slice(0, 3))).toBeLessThan(1e-13);
    for (let i = 3; i < S.length; i++) expect(S[i]).toBeLessThan(1e-13 * S[0]!);
    expect(orthoError(s.U())).toBeLessThan(1e-13);
  });

  it('truncated: 0 ⪯ MMᵀ − UΣ²Uᵀ, its norm <= the tracked bound, σ_i never above the true σ_i', async () => {
    const D = mat(fixture.decay.m, fixture.decay.n, fixture.decay.data);
    for (const rank of [1, 3, 6]) {
      const s = new IncrementalSVD({ rank });
      for (let c = 0; c < D.cols; c += 7) s.addColumns(colSlice(D, c, Math.min(c + 7, D.cols)));
      const S = s.singularValues();
      expect(S.length).toBe(rank);
      const diff = sub(matmul(D, D, { transB: true }), sketchGram(s.U(), S));
      const { norm, min } = await symExtremes(diff);
      const scale = fixture.decay.S[0]! ** 2;
      expect(min).toBeGreaterThan(-1e-12 * scale);
      expect(norm).toBeLessThanOrEqual(s.spectralErrorBound() + 1e-12 * scale);
      expect(s.spectralErrorBound()).toBeLessThanOrEqual(s.discardedEnergy() * (1 + 1e-12));
      // Weyl monotonicity: the sketch is ⪯ MMᵀ, so σ_i(sketch) <= σ_i(M); and not far below.
      for (let i = 0; i < rank; i++) {
        expect(S[i]!).toBeLessThanOrEqual(fixture.decay.S[i]! * (1 + 1e-12));
        expect(S[i]! ** 2).toBeGreaterThanOrEqual(fixture.decay.S[i]! ** 2 - s.spectralErrorBound() - 1e-12 * scale);
      }
      // ‖M‖_F² = kept + discarded.
      let kept = 0;
      for (const x of S) kept += x * x;
      expect(Math.abs(kept + s.discardedEnergy() - s.frobeniusSq()) / s.frobeniusSq()).toBeLessThan(1e-12);
    }
  });

  it('property: any split into column blocks, untruncated, gives the batch singular values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, widths, seed) => {
          const bl = widths.map((w, i) => randn(rows, w, seed * 31 + i));
          const all = hstack(bl);
          const s = new IncrementalSVD({ rank: rows });
          for (const b of bl) s.addColumns(b);
          const ref = svdvals(all);
          const got = s.singularValues();
          expect(got.length).toBe(Math.min(rows, all.cols));
          expect(relMax(got, ref)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("property: tall bases take Brand's residual-QR update, exact when untruncated", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, widths, seed) => {
          // rank 12 >= the <= 12 columns: nothing dropped; 4 (r + b) <= 60 < rows: Brand's path.
          const bl = widths.map((w, i) => randn(rows, w, seed * 17 + i));
          const s = new IncrementalSVD({ rank: 12 });
          for (const b of bl) s.addColumns(b);
          expect(relMax(s.singularValues(), svdvals(hstack(bl)))).toBeLessThan(1e-12);
          expect(orthoError(s.U())).toBeLessThan(1e-13);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('update(row) gathers rows into blocks; the result matches addRows to roundoff', () => {
    const X = transpose(M);
    const a = new IncrementalSVD({ rank: 5, blockSize: 4 }).updateAll(X);
    const b = new IncrementalSVD({ rank: 5 }).addRows(X);
    expect(a.count).toBe(X.rows);
    // Truncation makes a blocked stream differ from a one-block one only through what is dropped.
    expect(relMax(a.singularValues(), b.singularValues())).toBeLessThan(0.05);
    const c = new IncrementalSVD({ rank: 12, blockSize: 3 }).updateAll(X);
    expect(relMax(c.singularValues(), fixture.S)).toBeLessThan(1e-13);
  });

  it('checkpoint round trips resume bit-identically (columns; rows with pending rows)', () => {
    const full = new IncrementalSVD({ rank: 4 });
    for (const b of blocks) full.addColumns(b);
    const a = new IncrementalSVD({ rank: 4 });
    a.addColumns(blocks[0]!).addColumns(blocks[1]!);
    const b = IncrementalSVD.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (const bl of blocks.slice(2)) b.addColumns(bl);
    expect(b.toJSON()).toEqual(full.toJSON());
    expect(Array.from(b.U().data)).toEqual(Array.from(full.U().data));

    const X = transpose(M);
    const r1 = new IncrementalSVD({ rank: 3, blockSize: 4 }).updateAll(X);
    const r2 = new IncrementalSVD({ rank: 3, blockSize: 4 });
    for (let i = 0; i < 7; i++) r2.update(X.data.subarray(i * m, (i + 1) * m));
    const r3 = IncrementalSVD.fromJSON(r2.toJSON());
    for (let i = 7; i < X.rows; i++) r3.update(X.data.subarray(i * m, (i + 1) * m));
    expect(Array.from(r3.singularValues())).toEqual(Array.from(r1.singularValues()));
  });

  it('bad blocks throw (shape, non-finite naming row and column) and leave the state unchanged', () => {
    const s = new IncrementalSVD({ rank: 3 });
    s.addColumns(blocks[0]!);
    const before = JSON.stringify(s.toJSON());
    expect(() => s.addColumns(mat(m + 1, 2, new Float64Array(2 * (m + 1))))).toThrow(ShapeError);
    const bad = mat(m, 2, new Float64Array(2 * m));
    bad.data[5] = Number.NaN;
    expect(() => s.addColumns(bad)).toThrow(/block\[2, 1\] \(stream column 4\) is NaN/);
    expect(() => s.addRows(mat(2, m, new Float64Array(2 * m)))).toThrow(DomainError);
    expect(JSON.stringify(s.toJSON())).toBe(before);
    expect(() => new IncrementalSVD({ rank: 0 })).toThrow(DomainError);
    const r = new IncrementalSVD({ rank: 2 });
    r.update([1, 2, 3]);
    expect(() => r.update([1, 2])).toThrow(/row 1 has length 2, expected 3/);
    expect(() => r.update([1, Number.POSITIVE_INFINITY, 3])).toThrow(/row 1 has a non-finite value/);
  });

  it('edge cases: 1x1 blocks, a zero block, an empty block, fewer columns than rank', () => {
    const s = new IncrementalSVD({ rank: 3 });
    s.addColumns(mat(1, 1, [3])).addColumns(mat(1, 1, [4])).addColumns(mat(1, 0, []));
    expect(Array.from(s.singularValues())).toEqual([5]);
    const z = new IncrementalSVD({ rank: 2 }).addColumns(mat(3, 2, new Float64Array(6)));
    expect(Array.from(z.singularValues())).toEqual([0, 0]);
    expect(orthoError(z.U())).toBeLessThan(1e-15);
    const few = new IncrementalSVD({ rank: 5 }).addColumns(randn(6, 2, 1));
    expect(few.singularValues().length).toBe(2);
    expect(few.U().cols).toBe(2);
  });
});
