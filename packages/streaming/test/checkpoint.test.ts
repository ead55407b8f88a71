import { type Matrix, randn } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrequentDirections, IncrementalPCA, IncrementalSVD, OjaEstimator, RandomOrderEigenvector } from '../src';

interface Streamer {
  update(row: ArrayLike<number>): unknown;
  toJSON(): unknown;
}

const makers: [string, (d: number, n: number) => Streamer, (json: string) => Streamer, (s: Streamer) => unknown][] = [
  ['OjaEstimator', (d) => new OjaEstimator({ dim: d, eta: 0.05, schedule: 'invsqrt', seed: 3 }), (j) => OjaEstimator.fromJSON(JSON.parse(j)), (s) => Array.from((s as OjaEstimator).vector())],
  ['RandomOrderEigenvector', (d, n) => new RandomOrderEigenvector({ dim: d, n, seed: 3 }), (j) => RandomOrderEigenvector.fromJSON(JSON.parse(j)), (s) => Array.from((s as RandomOrderEigenvector).vector())],
  ['FrequentDirections', (d) => new FrequentDirections({ dim: d, ell: 3 }), (j) => FrequentDirections.fromJSON(JSON.parse(j)), (s) => Array.from((s as FrequentDirections).sketch().data)],
  ['IncrementalSVD', () => new IncrementalSVD({ rank: 3, blockSize: 5 }), (j) => IncrementalSVD.fromJSON(JSON.parse(j)), (s) => Array.from((s as IncrementalSVD).singularValues())],
  ['IncrementalPCA', () => new IncrementalPCA({ components: 2, batchSize: 6 }), (j) => IncrementalPCA.fromJSON(JSON.parse(j)), (s) => Array.from((s as IncrementalPCA).components().data)],
];

const rowOf = (a: Matrix, i: number) => a.data.subarray(i * a.cols, (i + 1) * a.cols);

describe('property: a checkpoint at any row resumes to the bit-identical result', () => {
  for (const [name, make, restore, result] of makers) {
    it(name, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 60 }), fc.nat(), fc.integer({ min: 0, max: 1e6 }), (d, n, cutRaw, seed) => {
          const A = randn(n, d, seed);
          const cut = cutRaw % (n + 1);
          const full = make(d, n);
          for (let i = 0; i < n; i++) full.update(rowOf(A, i));
          const a = make(d, n);
          for (let i = 0; i < cut; i++) a.update(rowOf(A, i));
          const b = restore(JSON.stringify(a.toJSON()));
          for (let i = cut; i < n; i++) b.update(rowOf(A, i));
          expect(result(b)).toEqual(result(full));
          expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(full.toJSON()));
        }),
        { numRuns: 40 },
      );
    });
  }
});
