import { describe, expect, it } from 'vitest';
import { DomainError, leadingCols, leadingRows, matrix, ShapeError, scaleCols, scaleRows } from '../src';

const a = matrix(3, 4, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

describe('slices and diagonal scalings', () => {
  it('leadingCols / leadingRows copy a[:, :k] and a[:k, :]', () => {
    expect(Array.from(leadingCols(a, 2).data)).toEqual([1, 2, 5, 6, 9, 10]);
    expect(leadingCols(a, 0)).toMatchObject({ rows: 3, cols: 0 });
    expect(Array.from(leadingRows(a, 2).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const r = leadingRows(a, 1);
    r.data[0] = 99;
    expect(a.data[0]).toBe(1);
  });

  it('scaleRows / scaleCols are diag(d)·a and a·diag(d); a longer d is read as its prefix', () => {
    expect(Array.from(scaleRows(a, [1, 0, -1]).data)).toEqual([1, 2, 3, 4, 0, 0, 0, 0, -9, -10, -11, -12]);
    expect(Array.from(scaleCols(a, [1, 2, 0, -1, 7]).data)).toEqual([1, 4, 0, -4, 5, 12, 0, -8, 9, 20, 0, -12]);
  });

  it('write into out (aliasing allowed for the scalings) and return it', () => {
    const out = matrix(3, 2);
    expect(leadingCols(a, 2, out)).toBe(out);
    expect(Array.from(out.data)).toEqual([1, 2, 5, 6, 9, 10]);
    const b = matrix(2, 2, [1, 2, 3, 4]);
    expect(scaleCols(b, [2, 3], b)).toBe(b);
    expect(Array.from(b.data)).toEqual([2, 6, 6, 12]);
  });

  it('bad k, short d or a wrong out are typed errors naming the function', () => {
    expect(() => leadingCols(a, 5)).toThrow(DomainError);
    expect(() => leadingRows(a, -1)).toThrow(/leadingRows: k must be an integer in \[0, 3\]/);
    expect(() => scaleRows(a, [1, 2])).toThrow(ShapeError);
    expect(() => scaleCols(a, [1])).toThrow(/scaleCols: d has 1 entries, need 4/);
    expect(() => leadingCols(a, 2, matrix(2, 2))).toThrow(/leadingCols: out is 2x2, expected 3x2/);
  });
});
