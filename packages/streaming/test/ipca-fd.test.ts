import { DomainError, type Matrix, matmul, ShapeError, sub } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { FrequentDirections, IncrementalPCA } from '../src';
import fd from './fixtures/frequent-directions-stream.json';
import ipca from './fixtures/ipca-batches.json';
import { absCos, asyncRows, mat, rowOf, rowSlice, symExtremes } from './helpers';
import { relMax } from '@x/test-utils';

const EPS = 2.220446049250313e-16;
const X = mat(ipca.n, ipca.d, ipca.X);

function fitInBatches(k: number, batch: number): IncrementalPCA {
  const p = new IncrementalPCA({ components: k });
  for (let r = 0; r < X.rows; r += batch) p.partialFit(rowSlice(X, r, Math.min(r + batch, X.rows)));
  return p;
}

describe('IncrementalPCA (EVA) against numpy batch PCA of the centred data', () => {
  it('untruncated (k = d): components, singular values, EVR, mean and total SS equal batch PCA', () => {
    const p = fitInBatches(ipca.d, ipca.batch);
    expect(p.nSamples).toBe(ipca.n);
    expect(relMax(p.mean(), ipca.mean)).toBeLessThan(1e-14);
    expect(Math.abs(p.totalSumSquares() - ipca.totalSS) / ipca.totalSS).toBeLessThan(1e-13);
    const S = p.singularValues();
    expect(relMax(S.subarray(0, ipca.k), ipca.S)).toBeLessThan(1e-13);
    const C = p.components();
    expect(C.rows).toBe(ipca.d);
    // Components up to roundoff/gap (svd_flip signs make them directly comparable).
    expect(relMax(C.data.subarray(0, ipca.k * ipca.d), ipca.components)).toBeLessThan(1e-11);
    expect(relMax(p.explainedVarianceRatio().subarray(0, ipca.k), ipca.evr)).toBeLessThan(1e-13);
  });

  it('data times 2^±600 (σ² and Σ‖x − μ‖² over- or underflow): EVR and components match numpy, the rest scales', () => {
    for (const s of [2 ** 600, 2 ** -600]) {
      const Xs = { rows: X.rows, cols: X.cols, data: X.data.map((v) => v * s) };
      const p = new IncrementalPCA({ components: ipca.d });
      for (let r = 0; r < Xs.rows; r += ipca.batch) p.partialFit(rowSlice(Xs, r, Math.min(r + ipca.batch, Xs.rows)));
      expect(relMax(p.explainedVarianceRatio().subarray(0, ipca.k), ipca.evr), `× ${s}`).toBeLessThan(1e-13);
      expect(relMax(p.components().data.subarray(0, ipca.k * ipca.d), ipca.components)).toBeLessThan(1e-11);
      expect(relMax(p.singularValues().subarray(0, ipca.k).map((v) => v / s), ipca.S)).toBeLessThan(1e-13);
      expect(relMax(p.mean().map((v) => v / s), ipca.mean)).toBeLessThan(1e-14);
      // Σ‖x − μ‖² is s² times numpy's: Infinity or 0 in float64 here, as it should be.
      expect(p.totalSumSquares()).toBe(s > 1 ? Number.POSITIVE_INFINITY : 0);
      // The scale travels with the checkpoint: a resumed fit continues bit-identically.
      const q = IncrementalPCA.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
      const more = rowSlice(Xs, 0, ipca.batch);
      expect(Array.from(q.partialFit(more).explainedVarianceRatio())).toEqual(Array.from(p.partialFit(more).explainedVarianceRatio()));
    }
  });

  it('truncated (k = 4 of d = 10): the spec check min |cos| with batch PCA, and EVR never above batch', () => {
    const p = fitInBatches(ipca.k, ipca.batch);
    const C = p.components();
    let minCos = 1;
    for (let c = 0; c < ipca.k; c++) {
      const ref = ipca.components.slice(c * ipca.d, (c + 1) * ipca.d);
      minCos = Math.min(minCos, absCos(C.data.subarray(c * ipca.d, (c + 1) * ipca.d), ref));
    }
    // With a gap after k (σ_k²/σ_{k+1}² ≈ 56 here) truncation loses almost nothing.
    expect(minCos).toBeGreaterThan(0.9999);
    const evr = p.explainedVarianceRatio();
    for (let c = 0; c < ipca.k; c++) expect(evr[c]!).toBeLessThanOrEqual(ipca.evr[c]! * (1 + 1e-12));
  });

  it("randomized core (peft's svd_lowrank, q = 2k, niter = 4): same components on gapped data; checkpoints resume", () => {
    const p = new IncrementalPCA({ components: ipca.k, svd: 'randomized', seed: 42 });
    for (let r = 0; r < X.rows; r += ipca.batch) p.partialFit(rowSlice(X, r, Math.min(r + ipca.batch, X.rows)));
    const C = p.components();
    for (let c = 0; c < ipca.k; c++) {
      const ref = ipca.components.slice(c * ipca.d, (c + 1) * ipca.d);
      expect(absCos(C.data.subarray(c * ipca.d, (c + 1) * ipca.d), ref)).toBeGreaterThan(0.9999);
    }
    expect(relMax(p.singularValues(), ipca.S)).toBeLessThan(1e-3);
    const a = new IncrementalPCA({ components: ipca.k, svd: 'randomized', seed: 42, batchSize: 30 });
    for (let i = 0; i < 100; i++) a.update(rowOf(X, i));
    const b = IncrementalPCA.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 100; i < X.rows; i++) b.update(rowOf(X, i));
    const full = new IncrementalPCA({ components: ipca.k, svd: 'randomized', seed: 42, batchSize: 30 }).updateAll(X);
    expect(Array.from(b.components().data)).toEqual(Array.from(full.components().data));
    expect(() => new IncrementalPCA({ components: 2, svd: 'lanczos' as never })).toThrow(DomainError);
  });

  it('centring matters: the uncentred top direction is far from the first component', () => {
    const p = fitInBatches(ipca.d, ipca.batch);
    const c0 = p.components().data.subarray(0, ipca.d);
    expect(absCos(c0, ipca.uncentredTop)).toBeLessThan(0.5);
  });

  it('row streams (sync and async) with batchSize equal partialFit batches exactly; transform projects', async () => {
    const ref = fitInBatches(ipca.k, 30);
    const same = (p: IncrementalPCA) => {
      const j = p.toJSON();
      return { ...j, config: { ...j.config, batchSize: 0 } };
    };
    const a = new IncrementalPCA({ components: ipca.k, batchSize: 30 }).updateAll(X);
    expect(same(a)).toEqual(same(ref));
    const b = await new IncrementalPCA({ components: ipca.k, batchSize: 30 }).consume(asyncRows(X));
    expect(same(b)).toEqual(same(ref));
    const T = ref.transform(rowSlice(X, 0, 3));
    expect(T.rows).toBe(3);
    expect(T.cols).toBe(ipca.k);
    const C = ref.components();
    const mu = ref.mean();
    let s = 0;
    for (let j = 0; j < ipca.d; j++) s += (X.data[j]! - mu[j]!) * C.data[j]!;
    expect(T.data[0]).toBeCloseTo(s, 12);
  });

  it('checkpoint with pending rows resumes bit-identically', () => {
    const full = new IncrementalPCA({ components: 3, batchSize: 16 }).updateAll(X);
    const a = new IncrementalPCA({ components: 3, batchSize: 16 });
    for (let i = 0; i < 77; i++) a.update(rowOf(X, i));
    const b = IncrementalPCA.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 77; i < X.rows; i++) b.update(rowOf(X, i));
    expect(Array.from(b.components().data)).toEqual(Array.from(full.components().data));
    expect(Array.from(b.singularValues())).toEqual(Array.from(full.singularValues()));
  });

  it('bad input: wrong length / NaN name the row, state unchanged; bad options', () => {
    const p = new IncrementalPCA({ components: 2, batchSize: 4 });
    p.update([1, 2, 3]).update([2, 1, 0]);
    const before = JSON.stringify(p.toJSON());
    expect(() => p.update([1, 2])).toThrow(/row 2 has length 2, expected 3/);
    expect(() => p.update([1, Number.NaN, 2])).toThrow(DomainError);
    expect(() => p.partialFit(mat(2, 4, new Float64Array(8)))).toThrow(ShapeError);
    expect(() => p.partialFit(mat(2, 3, [0, 0, 0, 0, Number.NaN, 0]))).toThrow(/batch\[1, 1\] \(stream row 3\) is NaN/);
    expect(JSON.stringify(p.toJSON())).toBe(before);
    expect(() => new IncrementalPCA({ components: 0 })).toThrow(DomainError);
  });

  it('empty: no rows gives no components; a single row gives zero variance', () => {
    const p = new IncrementalPCA({ components: 2 });
    expect(p.components().rows).toBe(0);
    p.partialFit(mat(1, 3, [1, 2, 3]));
    expect(Array.from(p.mean())).toEqual([1, 2, 3]);
    expect(p.totalSumSquares()).toBe(0);
  });
});

const A = mat(fd.n, fd.d, fd.A);
const AtA = matmul(A, A, { transA: true });

describe('FrequentDirections against a numpy implementation and its guarantee', () => {
  for (const c of fd.cases) {
    it(`ℓ = ${c.ell}: BᵀB and Σδ match numpy; 0 ⪯ AᵀA − BᵀB; ‖AᵀA − BᵀB‖₂ <= Σδ <= ‖A − A_k‖²_F/(ℓ − k) for all k < ℓ`, async () => {
      const f = new FrequentDirections({ dim: fd.d, ell: c.ell }).updateAll(A);
      const B = f.sketch();
      expect(B.rows).toBeLessThanOrEqual(2 * c.ell);
      const BtB = matmul(B, B, { transA: true });
      const scale = c.tails[0]!;
      // Same deterministic algorithm; differences are roundoff through ~150 SVDs.
      expect(relMax(BtB.data, c.BtB)).toBeLessThan(1e-10);
      expect(Math.abs(f.shrinkTotal - c.shrink) / c.shrink).toBeLessThan(1e-10);
      const { norm, min } = await symExtremes(sub(AtA, BtB));
      expect(Math.abs(norm - c.err) / c.err).toBeLessThan(1e-9);
      expect(min).toBeGreaterThan(-1e3 * EPS * scale);
      expect(norm).toBeLessThanOrEqual(f.shrinkTotal * (1 + 1e-12));
      for (let k = 0; k < c.ell; k++) {
        expect(f.shrinkTotal).toBeLessThanOrEqual(FrequentDirections.errorBound(c.tails[k]!, c.ell, k) * (1 + 1e-12));
      }
      expect(Math.abs(f.frobeniusSq - scale) / scale).toBeLessThan(1e-13);
    });
  }

  it('rows times 2^±600 (BBᵀ over- or underflows) give the same sketch times 2^±600', () => {
    for (const c of fd.cases) {
      const base = new FrequentDirections({ dim: fd.d, ell: c.ell }).updateAll(A);
      for (const s of [2 ** 600, 2 ** -600]) {
        const f = new FrequentDirections({ dim: fd.d, ell: c.ell }).updateAll({ rows: A.rows, cols: A.cols, data: A.data.map((v) => v * s) });
        const B = f.sketch();
        expect(B.rows).toBe(base.sketch().rows);
        expect(relMax(B.data.map((v) => v / s), base.sketch().data), `ℓ = ${c.ell}, × ${s}`).toBeLessThan(1e-12);
        // Σδ is an energy: s² times the unscaled one, as far as float64 holds it.
        const want = base.shrinkTotal * s * s;
        if (want > 0 && want < Number.POSITIVE_INFINITY) expect(Math.abs(f.shrinkTotal - want) / want).toBeLessThan(1e-12);
        else expect(f.shrinkTotal).toBe(want);
      }
    }
  });

  it('ℓ above the rank: nothing is lost (BᵀB = AᵀA)', () => {
    const f = new FrequentDirections({ dim: fd.d, ell: fd.d + 1 }).updateAll(A);
    expect(f.shrinkTotal).toBe(0);
    const B = f.sketch();
    expect(relMax(matmul(B, B, { transA: true }).data, AtA.data)).toBeLessThan(1e-12);
  });

  it('checkpoint resumes bit-identically; bad rows throw and change nothing', () => {
    const full = new FrequentDirections({ dim: fd.d, ell: 3 }).updateAll(A);
    const a = new FrequentDirections({ dim: fd.d, ell: 3 });
    for (let i = 0; i < 101; i++) a.update(rowOf(A, i));
    const before = JSON.stringify(a.toJSON());
    expect(() => a.update(new Float64Array(fd.d + 1))).toThrow(/row 101 has length 13, expected 12/);
    const nan = new Float64Array(fd.d);
    nan[4] = Number.NaN;
    expect(() => a.update(nan)).toThrow(/row 101 has a non-finite value \(NaN\) at column 4/);
    expect(JSON.stringify(a.toJSON())).toBe(before);
    const b = FrequentDirections.fromJSON(JSON.parse(before));
    for (let i = 101; i < A.rows; i++) b.update(rowOf(A, i));
    expect(b.toJSON()).toEqual(full.toJSON());
    expect(() => new FrequentDirections({ dim: 3, ell: 0 })).toThrow(DomainError);
    expect(() => FrequentDirections.errorBound(1, 3, 3)).toThrow(DomainError);
  });

  it('ℓ = 1 and a 1-column stream', () => {
    const f = new FrequentDirections({ dim: 1, ell: 1 }).updateAll([[3], [4]]);
    const B: Matrix = f.sketch();
    let btb = 0;
    for (const x of B.data) btb += x * x;
    expect(25 - btb).toBeLessThanOrEqual(f.shrinkTotal + 1e-12);
    expect(f.shrinkTotal).toBeLessThanOrEqual(25);
  });
});
