import { DomainError, ShapeError } from '@x/gpu';
import { gradCheck, moduleFromJSON, parameterCount, registerModule } from '@x/nn';
import { loadFixture } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { FourierFeatures, type FourierFeaturesJSON, fourierFeatureMlp } from '../src/index';

interface FfCase {
  batch: number;
  inDim: number;
  features: number;
  x: number[];
  B: number[];
  gamma: number[];
  W: number[];
  dx: number[];
}
const fx = loadFixture<{ cases: FfCase[] }>(import.meta.url, 'fourier-features.json');

describe('FourierFeatures (numpy fixture)', () => {
  for (const c of fx.cases) {
    it(`γ(x) and dL/dx for ${c.batch} x ${c.inDim} inputs, ${c.features} frequencies`, () => {
      const ff = new FourierFeatures(c.inDim, c.features, { frequencies: c.B });
      const x = { rows: c.batch, cols: c.inDim, data: Float64Array.from(c.x) };
      const y = ff.forward(x);
      expect([y.rows, y.cols]).toEqual([c.batch, 2 * c.features]);
      // cos/sin of arguments up to ~2π·30: agreement to ~1e-13.
      y.data.forEach((v, i) => {
        expect(v).toBeCloseTo(c.gamma[i]!, 12);
      });
      const dx = ff.backward({ rows: c.batch, cols: 2 * c.features, data: Float64Array.from(c.W) });
      dx.data.forEach((v, i) => {
        expect(v).toBeCloseTo(c.dx[i]!, 10);
      });
    });
  }

  it('backward agrees with central finite differences', () => {
    const ff = new FourierFeatures(2, 6, { sigma: 2, seed: 3 });
    const x = { rows: 5, cols: 2, data: Float64Array.from({ length: 10 }, (_, i) => Math.sin(i + 0.5)) };
    const rep = gradCheck(ff, x, { tol: 1e-6 });
    expect(rep.passed).toBe(true);
    expect(rep.inputs[0]!.maxRelError).toBeLessThan(1e-6);
  });

  it('draws B ~ N(0, σ²), seeded, and has no trainable parameters', () => {
    const a = new FourierFeatures(2, 4000, { sigma: 5, seed: 7 });
    const b = new FourierFeatures(2, 4000, { sigma: 5, seed: 7 });
    expect(a.frequencies).toEqual(b.frequencies);
    let s = 0;
    let s2 = 0;
    for (const v of a.frequencies) {
      s += v;
      s2 += v * v;
    }
    const n = a.frequencies.length;
    // 8000 draws: the sample std is within ~3% of σ (5 standard errors), the mean within 0.3.
    expect(Math.sqrt(s2 / n - (s / n) ** 2)).toBeGreaterThan(5 * 0.96);
    expect(Math.sqrt(s2 / n - (s / n) ** 2)).toBeLessThan(5 * 1.04);
    expect(Math.abs(s / n)).toBeLessThan(0.3);
    expect(a.parameters()).toEqual([]);
  });

  it('round-trips through toJSON/fromJSON and moduleFromJSON', () => {
    const a = new FourierFeatures(3, 4, { sigma: 1.5, seed: 2 });
    const json = JSON.parse(JSON.stringify(a.toJSON())) as FourierFeaturesJSON;
    const b = FourierFeatures.fromJSON(json);
    expect(b.frequencies).toEqual(a.frequencies);
    registerModule('FourierFeatures', (j) => FourierFeatures.fromJSON(j as FourierFeaturesJSON));
    const x = { rows: 2, cols: 3, data: Float64Array.from([0.1, -0.2, 0.3, 0.9, 0.4, -0.7]) };
    expect(moduleFromJSON(json).forward(x).data).toEqual(a.forward(x).data);
  });

  it('refuses bad input with typed errors', () => {
    expect(() => new FourierFeatures(0, 3)).toThrow(DomainError);
    expect(() => new FourierFeatures(2, 3, { sigma: -1 })).toThrow(DomainError);
    expect(() => new FourierFeatures(2, 3, { frequencies: [1, 2] })).toThrow(DomainError);
    expect(() => new FourierFeatures(1, 1, { frequencies: [Number.NaN] })).toThrow(DomainError);
    const ff = new FourierFeatures(2, 3);
    expect(() => ff.forward({ rows: 1, cols: 3, data: new Float64Array(3) })).toThrow(ShapeError);
    expect(() => ff.forward({ rows: 1, cols: 2, data: Float64Array.from([0, Number.NaN]) })).toThrow(DomainError);
    expect(() => ff.backward({ rows: 1, cols: 6, data: new Float64Array(6) })).toThrow(DomainError);
  });
});

describe('fourierFeatureMlp', () => {
  it('is features -> ReLU MLP with a linear output, seeded, trainable end to end', () => {
    const net = fourierFeatureMlp([2, 8, 16, 16, 1], { sigma: 2, seed: 4 });
    // 16·16+16 + 16·16+16 + 16+1 = 561 parameters; the features have none.
    expect(parameterCount(net)).toBe(561);
    expect(net.layers.map((l) => (l.toJSON() as { type: string }).type)).toEqual(['FourierFeatures', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    const again = fourierFeatureMlp([2, 8, 16, 16, 1], { sigma: 2, seed: 4 });
    expect((again.layers[0] as FourierFeatures).frequencies).toEqual((net.layers[0] as FourierFeatures).frequencies);
    const x = { rows: 4, cols: 2, data: Float64Array.from([0.1, 0.2, -0.3, 0.5, 0.7, -0.9, 0, 0.4]) };
    expect(gradCheck(net, x, { tol: 1e-5 }).passed).toBe(true);
  });

  it('rejects too few layers and bad options', () => {
    expect(() => fourierFeatureMlp([2, 8, 1])).toThrow(DomainError);
    expect(() => fourierFeatureMlp([2, 8, 4, 1], { sigma: 0 })).toThrow(DomainError);
    expect(() => fourierFeatureMlp([2, 8, 4, 1], { width: 3 } as never)).toThrow(DomainError);
  });
});
