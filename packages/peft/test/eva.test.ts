import { describe, expect, it } from 'vitest';
import { matmul, randn, ShapeError } from '@x/gpu';
import { svd } from '@x/linalg';
import { evaAllocateRanks, EvaCollector } from '../src';

/** Rows with mean 2 and a decaying covariance spectrum (the spec's EVA check: d = 96, mean 2.0). */
function batch(n: number, d: number, seed: number, mix: ReturnType<typeof randn>) {
  const z = randn(n, d, seed);
  const scales = Float64Array.from({ length: d }, (_, j) => 3 * 0.85 ** j);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z.data[i * d + j]! *= scales[j]!;
  const x = matmul(z, mix);
  for (let i = 0; i < x.data.length; i++) x.data[i]! += 2;
  return x;
}

describe('EVA', () => {
  const d = 48;
  const mix = svd(randn(d, d, 99)).U;

  it('streaming components match batch PCA of the centred data, not the uncentred SVD', () => {
    const eva = new EvaCollector([{ name: 'q', inFeatures: d, rank: 4 }], { rho: 2, tau: 0.9999999 });
    const all: number[] = [];
    for (let b = 0; b < 20; b++) {
      const x = batch(50, d, b, mix);
      eva.update('q', x);
      all.push(...x.data);
    }
    const X = { rows: 1000, cols: d, data: Float64Array.from(all) };
    const mean = new Float64Array(d);
    for (let i = 0; i < 1000; i++) for (let j = 0; j < d; j++) mean[j]! += X.data[i * d + j]! / 1000;
    const Xc = { rows: 1000, cols: d, data: X.data.map((v, i) => v - mean[i % d]!) };
    const ref = svd(Xc, { k: 8 }).V;
    const uncentred = svd(X, { k: 1 }).V;
    const init = eva.init('q', 10)!;
    for (let c = 0; c < 4; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += init.A.data[c * d + j]! * ref.data[j * 8 + c]!;
      // Truncated to k = ρr = 8 of 48 components, IPCA is not exact; the spec measured |cos| = 1.0000
      // to 4 digits. The discarded tail (0.85^16 of the top variance) bounds the drift well below 1e-5.
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-5);
    }
    let du = 0;
    for (let j = 0; j < d; j++) du += init.A.data[j]! * uncentred.data[j]!;
    expect(Math.abs(du)).toBeLessThan(0.5);
    expect(init.B.data.every((v) => v === 0)).toBe(true);
  });

  it('a layer converges once its components stop moving, and then ignores further batches', () => {
    const eva = new EvaCollector([{ name: 'v', inFeatures: d, rank: 2 }], { tau: 0.99 });
    let b = 0;
    while (!eva.update('v', batch(64, d, 100 + b, mix)) && b < 50) b++;
    expect(eva.converged('v')).toBe(true);
    expect(b).toBeGreaterThan(0);
    const before = eva.pca('v').rowsSeen;
    eva.update('v', batch(64, d, 999, mix));
    expect(eva.pca('v').rowsSeen).toBe(before);
  });

  it('rank allocation pools explained variance across layers (budget Σ r_l)', () => {
    // r = 4 per layer, ρ = 2: three layers with different spectra share the budget 12.
    const evr = {
      v: [0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.01, 0.01],
      q: [0.25, 0.12, 0.09, 0.07, 0.02, 0.02, 0.01, 0.0],
      o: [0.2, 0.05, 0.02, 0.01, 0.01, 0.0, 0.0, 0.0],
    };
    expect(evaAllocateRanks(evr, { v: 4, q: 4, o: 4 })).toEqual({ v: 6, q: 4, o: 2 });
    expect(evaAllocateRanks({ a: [1, 0.5], b: [0.1, 0.05] }, { a: 1, b: 1 })).toEqual({ a: 2, b: 0 });
  });

  it('whitening divides by √S; adjustScaling keeps α/r; bad input is typed', () => {
    const eva = new EvaCollector([{ name: 'q', inFeatures: d, rank: 4 }]);
    eva.update('q', batch(200, d, 1, mix));
    const S = eva.pca('q').singularValues();
    const w = eva.init('q', 5, { whiten: true })!;
    const p = eva.init('q', 5)!;
    expect(w.A.data[0]! * Math.sqrt(S[0]!)).toBeCloseTo(p.A.data[0]!, 12);
    expect(eva.init('q', 5, { rank: 6, alpha: 8 })!.scale).toBeCloseTo(8 / 4, 12);
    expect(eva.init('q', 5, { rank: 0 })).toBeNull();
    expect(() => eva.update('q', randn(3, d + 1, 1))).toThrow(ShapeError);
    expect(() => eva.update('nope', randn(3, d, 1))).toThrow(/unknown layer/);
    expect(() => new EvaCollector([{ name: 'a', inFeatures: 3, rank: 4 }])).toThrow(/rank/);
  });
});
