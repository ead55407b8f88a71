import { DomainError, randn, ShapeError } from '@x/gpu';
import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { eighComplex, fromArray2D, fromMlMatrix, svdvals, toArray2D, toMlMatrix } from '../src/dense';
import { EPS, m64 } from './helpers';
import { loadFixture, maxAbsDiff } from '@x/test-utils';

interface HermCase {
  name: string;
  n: number;
  re: number[];
  im: number[];
  values: number[];
  norm: number;
}
const fx = loadFixture<{ eighComplex: HermCase[] }>(import.meta.url, 'dense-eig.json');
// As for eigh, on the 2n real embedding: p(2n) = 4 * 2n.
const growth = (n: number) => 8 * Math.max(n, 8) * EPS;

describe('eighComplex (Hermitian) against numpy.linalg.eigh', () => {
  for (const c of fx.eighComplex) {
    it(c.name, () => {
      const n = c.n;
      const r = eighComplex({ re: m64(n, n, c.re), im: m64(n, n, c.im) });
      expect(maxAbsDiff(r.values, c.values)).toBeLessThanOrEqual(growth(n) * c.norm);
      const vr = r.vectors.re.data;
      const vi = r.vectors.im.data;
      // A V = V Λ and Vᴴ V = I in complex arithmetic.
      let res = 0;
      let orth = 0;
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          let pr = 0;
          let pi = 0;
          for (let k = 0; k < n; k++) {
            const ar = c.re[i * n + k]!;
            const ai = c.im[i * n + k]!;
            pr += ar * vr[k * n + j]! - ai * vi[k * n + j]!;
            pi += ar * vi[k * n + j]! + ai * vr[k * n + j]!;
          }
          res = Math.max(res, Math.hypot(pr - r.values[j]! * vr[i * n + j]!, pi - r.values[j]! * vi[i * n + j]!));
        }
        for (let k = 0; k < n; k++) {
          let gr = 0;
          let gi = 0;
          for (let i = 0; i < n; i++) {
            gr += vr[i * n + k]! * vr[i * n + j]! + vi[i * n + k]! * vi[i * n + j]!;
            gi += vr[i * n + k]! * vi[i * n + j]! - vi[i * n + k]! * vr[i * n + j]!;
          }
          orth = Math.max(orth, Math.hypot(gr - (j === k ? 1 : 0), gi));
        }
      }
      expect(res).toBeLessThanOrEqual(growth(n) * c.norm * Math.sqrt(n));
      expect(orth).toBeLessThanOrEqual(growth(n));
    });
  }
  it('n = 40 (divide-and-conquer embedding) with a repeated eigenvalue: A V = V Λ, Vᴴ V = I', () => {
    const n = 40;
    // H = G Gᴴ restricted to rank 30 plus 2 I: eigenvalue 2 repeated 10 times.
    const gr = randn(n, 30, 3).data;
    const gi = randn(n, 30, 4).data;
    const re = new Float64Array(n * n);
    const im = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sr = i === j ? 2 : 0;
        let si = 0;
        for (let k = 0; k < 30; k++) {
          // (g_i)(g_j)^* = (a + ib)(c - id) = (ac + bd) + i(bc - ad)
          const a = gr[i * 30 + k]!;
          const b = gi[i * 30 + k]!;
          const c = gr[j * 30 + k]!;
          const d = gi[j * 30 + k]!;
          sr += a * c + b * d;
          si += b * c - a * d;
        }
        re[i * n + j] = sr;
        im[i * n + j] = si;
      }
    }
    const r = eighComplex({ re: m64(n, n, re), im: m64(n, n, im) });
    let norm = 0;
    for (const x of r.values) norm = Math.max(norm, Math.abs(x));
    let twos = 0;
    for (const x of r.values) if (Math.abs(x - 2) < 1e-10 * norm) twos++;
    expect(twos).toBe(10);
    const vr = r.vectors.re.data;
    const vi = r.vectors.im.data;
    let res = 0;
    let orth = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let pr = 0;
        let pi = 0;
        for (let k = 0; k < n; k++) {
          pr += re[i * n + k]! * vr[k * n + j]! - im[i * n + k]! * vi[k * n + j]!;
          pi += re[i * n + k]! * vi[k * n + j]! + im[i * n + k]! * vr[k * n + j]!;
        }
        res = Math.max(res, Math.hypot(pr - r.values[j]! * vr[i * n + j]!, pi - r.values[j]! * vi[i * n + j]!));
      }
      for (let k = 0; k < n; k++) {
        let gr2 = 0;
        let gi2 = 0;
        for (let i = 0; i < n; i++) {
          gr2 += vr[i * n + k]! * vr[i * n + j]! + vi[i * n + k]! * vi[i * n + j]!;
          gi2 += vr[i * n + k]! * vi[i * n + j]! - vi[i * n + k]! * vr[i * n + j]!;
        }
        orth = Math.max(orth, Math.hypot(gr2 - (j === k ? 1 : 0), gi2));
      }
    }
    expect(res).toBeLessThanOrEqual(growth(n) * norm * Math.sqrt(n));
    expect(orth).toBeLessThanOrEqual(growth(n));
  });
  it('errors', () => {
    expect(() => eighComplex({ re: randn(2, 2, 1), im: randn(3, 3, 1) })).toThrow(ShapeError);
    expect(() => eighComplex({ re: m64(1, 1, [Number.NaN]), im: m64(1, 1, [0]) })).toThrow(DomainError);
    expect(() => eighComplex(null as never)).toThrow(ShapeError);
  });
});

describe('interop', () => {
  it('round-trips ml-matrix and nested arrays without importing ml-matrix in src', () => {
    const a = randn(4, 3, 2);
    const ml = toMlMatrix(a, MlMatrix);
    expect(ml.rows).toBe(4);
    expect(ml.get(2, 1)).toBe(a.data[2 * 3 + 1]);
    const back = fromMlMatrix(ml);
    expect(Array.from(back.data)).toEqual(Array.from(a.data));
    expect(fromMlMatrix({ to2DArray: () => [[1, 2]] }).data).toEqual(new Float64Array([1, 2]));
    expect(toArray2D(fromArray2D([[1, 2], [3, 4]]))).toEqual([[1, 2], [3, 4]]);
    // ml-matrix's singular values agree with ours through the adapter.
    expect(maxAbsDiff(new SingularValueDecomposition(ml).diagonal, svdvals(a))).toBeLessThan(1e-13);
  });
  it('rejects ragged or foreign input', () => {
    expect(() => fromArray2D([[1, 2], [3]])).toThrow(/fromArray2D: row 1 has length 1, expected 2/);
    expect(() => fromMlMatrix({} as never)).toThrow(ShapeError);
  });
});
