import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { spectralCentroid, spectralCentroid2d, winnerScales } from '../src/index';
import { loadFixture } from '@x/test-utils';

interface SirenFixture {
  centroids: { name: string; y: number[]; centroid: number; f?: number }[];
  image: { rows: number; cols: number; data: number[]; centroid: number };
  flatBandScales: { sc: number; s0: number; s1: number };
}
const fx = loadFixture<SirenFixture>(import.meta.url, 'spectral-siren.json');

describe('spectralCentroid (numpy fixtures)', () => {
  for (const c of fx.centroids) {
    it(c.name, () => {
      // Sums of O(N) magnitudes in float64: agreement to ~N eps.
      expect(spectralCentroid(Float64Array.from(c.y))).toBeCloseTo(c.centroid, 11);
      // A bin-aligned tone at f cycles/sample has SC = 2c = 2f.
      if (c.f !== undefined) expect(2 * spectralCentroid(Float64Array.from(c.y))).toBeCloseTo(2 * c.f, 11);
    });
  }

  it('flat band [0.1, 0.4] gives SC = 0.5, s0 = 3394.3, s1 = 1.5 (audio schedule, a = 7)', () => {
    const band = fx.centroids.find((c) => c.name === 'band [0.1,0.4] n=1024')!;
    const s = winnerScales(spectralCentroid(Float64Array.from(band.y)), 1);
    expect(s.sc).toBeCloseTo(0.5, 12);
    expect(s.s0).toBeCloseTo(fx.flatBandScales.s0, 8);
    expect(s.s0).toBeCloseTo(3394.3, 1);
    expect(s.s1).toBeCloseTo(1.5, 12);
  });

  it('image: the mean of per-row centroids', () => {
    const im = fx.image;
    expect(spectralCentroid2d(Float64Array.from(im.data), im.rows, im.cols)).toBeCloseTo(im.centroid, 12);
  });

  it('image: an all-zero row (no spectrum) counts 0 in the mean, as in the reference code', () => {
    const im = fx.image;
    const padded = Float64Array.from([...im.data, ...new Array<number>(im.cols).fill(0)]);
    expect(spectralCentroid2d(padded, im.rows + 1, im.cols)).toBeCloseTo((im.centroid * im.rows) / (im.rows + 1), 12);
    expect(spectralCentroid2d(new Float64Array(12), 3, 4)).toBe(0);
  });

  it('image with interleaved channels: the mean over channels of per-channel centroids', () => {
    const im = fx.image;
    const rows = im.rows;
    const cols = im.cols;
    // Channel 0 = the fixture image, channel 1 = a bin-aligned tone per row (c = 3/cols).
    const tone = Array.from({ length: cols }, (_, c) => Math.cos((2 * Math.PI * 3 * c) / cols));
    const rgb = new Float64Array(rows * cols * 2);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        rgb[(r * cols + c) * 2] = im.data[r * cols + c]!;
        rgb[(r * cols + c) * 2 + 1] = tone[c]!;
      }
    }
    expect(spectralCentroid2d(rgb, rows, cols, 2)).toBeCloseTo((im.centroid + 3 / cols) / 2, 12);
  });

  it('image schedule: s0 = 50 (1 - e^{-5z}), s1 = 0.4 z, channels divide twice', () => {
    const s = winnerScales(0.25, 2, 3);
    const z = (2 * 0.25) / 3 / 3;
    expect(s.sc).toBeCloseTo(0.5 / 3, 14);
    expect(s.s0).toBeCloseTo(50 * (1 - Math.exp(-5 * z)), 12);
    expect(s.s1).toBeCloseTo(0.4 * z, 14);
  });

  it('rejects all-zero, non-finite and too-short signals', () => {
    expect(() => spectralCentroid(new Float64Array(8))).toThrow(DomainError);
    expect(() => spectralCentroid(Float64Array.from([1, Number.NaN, 0]))).toThrow(DomainError);
    expect(() => spectralCentroid(Float64Array.from([1]))).toThrow(DomainError);
    expect(() => winnerScales(0.7, 1)).toThrow(DomainError);
    expect(() => spectralCentroid2d(new Float64Array(5), 2, 3)).toThrow(DomainError);
    expect(() => spectralCentroid2d(Float64Array.from([0, 1, Number.NaN, 2]), 2, 2)).toThrow(/spectralCentroid2d: img\[2\]/);
    expect(() => spectralCentroid2d(new Float64Array(3), 3, 1)).toThrow(DomainError);
  });
});
