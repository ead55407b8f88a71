// Projection cost: DCT column selection vs the SVDs GaLore would compute, same matrices, same run.
// Run: pnpm exec vitest bench --run bench/projection.bench.ts
import { randn } from '@x/gpu';
import { svd } from '@x/linalg';
import { bench, describe } from 'vitest';
import { dctProjection, newtonSchulz5 } from '../src/index';

for (const n of [128, 256]) {
  const G = randn(2 * n, n, n);
  const r = n >> 4;
  describe(`rank-${r} projection of a ${2 * n}x${n} gradient`, () => {
    bench('dctProjection (l1, fast DCT)', () => {
      dctProjection(G, r);
    });
    bench('svd exact, k = r (GaLore)', () => {
      svd(G, { k: r });
    });
    bench('svd randomized, k = r, niter 2', () => {
      svd(G, { k: r, method: 'randomized', niter: 2, seed: 1 });
    });
    bench('newtonSchulz5 (Muon)', () => {
      newtonSchulz5(G);
    });
  });
}
