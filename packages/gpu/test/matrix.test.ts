import { describe, expect, it } from 'vitest';
import {
  assertFinite,
  astype,
  clone,
  DomainError,
  eye,
  fromRows,
  isMatrix,
  matrix,
  ShapeError,
  toRows,
  transpose,
  zeros,
} from '../src';

describe('matrix helpers', () => {
  it('matrix() keeps float32 and float64 storage and copies plain arrays', () => {
    const f32 = new Float32Array([1, 2, 3, 4]);
    expect(matrix(2, 2, f32).data).toBe(f32);
    const f64 = new Float64Array(6);
    expect(matrix(2, 3, f64).data).toBe(f64);
    const m = matrix(2, 2, [1, 2, 3, 4]);
    expect(m.data).toBeInstanceOf(Float64Array);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
    expect(matrix(3, 0).data.length).toBe(0);
  });

  it('matrix() rejects a data length that does not match the shape, naming both', () => {
    expect(() => matrix(2, 3, [1, 2])).toThrow(ShapeError);
    expect(() => matrix(2, 3, [1, 2])).toThrow(/2x3/);
    expect(() => matrix(-1, 2)).toThrow(DomainError);
    expect(() => matrix(1.5, 2)).toThrow(DomainError);
  });

  it('zeros, eye (square and rectangular), dtype', () => {
    expect(Array.from(eye(2).data)).toEqual([1, 0, 0, 1]);
    expect(Array.from(eye(2, 3).data)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(zeros(2, 2, 'float32').data).toBeInstanceOf(Float32Array);
  });

  it('fromRows/toRows round trip, ragged rows rejected with the row index', () => {
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect(toRows(fromRows(rows))).toEqual(rows);
    expect(() => fromRows([[1, 2], [3]])).toThrow(/row 1 has length 1, expected 2/);
    expect(fromRows([]).rows).toBe(0);
  });

  it('transpose matches the definition across block edges and keeps dtype', () => {
    const m = 37;
    const n = 70;
    const a = matrix(m, n, Array.from({ length: m * n }, (_, i) => i));
    const t = transpose(a);
    expect(t.rows).toBe(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(t.data[j * m + i]).toBe(a.data[i * n + j]);
    expect(transpose(astype(a, 'float32')).data).toBeInstanceOf(Float32Array);
  });

  it('clone is deep; isMatrix rejects inconsistent objects', () => {
    const a = matrix(1, 2, [1, 2]);
    const b = clone(a);
    b.data[0] = 9;
    expect(a.data[0]).toBe(1);
    expect(isMatrix({ rows: 2, cols: 2, data: new Float64Array(3) })).toBe(false);
    expect(isMatrix({ rows: 2, cols: 2, data: [1, 2, 3, 4] })).toBe(false);
    expect(isMatrix(a)).toBe(true);
  });

  it('assertFinite names the offending entry', () => {
    const a = matrix(2, 2, [1, 2, Number.NaN, 4]);
    expect(() => assertFinite('f', 'a', a)).toThrow(/a\[1, 0\] is NaN/);
  });
});
