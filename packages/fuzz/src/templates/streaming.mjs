import { M, real, signal, V } from '../dsl.mjs';

// Templates for @x/streaming.
export default (mod) => {
  const blocks = () => [M(6, 4, 1), M(6, 4, 2), M(6, 4, 3)];
  const sink = () => new mod.FrequentDirections({ dim: 4, ell: 2 });
  const update = (make) => ({ make, method: 'updateAll', args: () => [M(5, 4), { signal: signal() }], nan: 'reject' });
  return {
    clusterBlocks: () => [blocks(), { rank: 2, eps: real(0.5), ordering: 'norm', patience: 1 }],
    compressionRatio: () => [blocks(), [[0, 1], [2]], 2],
    concatError: () => [blocks(), 2],
    concatErrorBound: () => [blocks(), 2, { oversample: 2 }],
    feedRows: () => [sink(), M(6, 4), { progressEvery: 2, onProgress: () => {}, signal: signal() }],
    feedRowsSync: () => [sink(), M(6, 4), { progressEvery: 2, onProgress: () => {} }],
    FrequentDirections: () => [{ dim: 4, ell: 2 }],
    'FrequentDirections#update': update(() => new mod.FrequentDirections({ dim: 4, ell: 2 })),
    IncrementalPCA: () => [{ components: 2, batchSize: 4, svd: 'exact', seed: 1 }],
    // IncrementalPCA and IncrementalSVD take their dimension from the first row they see, so for a
    // fresh estimator a 2x2 number[][] is a legal source; primed with one 4-wide row, it is not.
    'IncrementalPCA#update': update(() => new mod.IncrementalPCA({ components: 2 }).update(V(4))),
    IncrementalSVD: () => [{ rank: 2, blockSize: 4, svd: 'randomized', niter: 2, oversample: 2 }],
    'IncrementalSVD#update': update(() => new mod.IncrementalSVD({ rank: 2 }).update(V(4))),
    OjaEstimator: () => [{ dim: 4, seed: 1, eta: real(0.1) }],
    'OjaEstimator#update': update(() => new mod.OjaEstimator({ dim: 4, seed: 1 })),
    'OjaEstimator#row': { make: () => new mod.OjaEstimator({ dim: 4, seed: 1 }), method: 'update', args: () => [V(4)], nan: 'reject' },
    RandomOrderEigenvector: () => [{ dim: 4, n: 20, c: real(1), blocks: 2, warmup: 2 }],
  };
};
