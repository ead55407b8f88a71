import { DomainError } from '@x/gpu';
import { psnr } from '@x/nn';
import { fixtureBytes, loadFixture } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { noiseImage, pixelGrid, SPEECH_WINDOWS, speechClip, vegaImage, zeroPsnr } from '../src/experiments-entry';
import { psnrFromMse, spectralCentroid, spectralCentroid2d, winnerInit, winnerScales } from '../src/index';

interface ImageRef {
  rows: number;
  cols: number;
  sum: number;
  first: number[];
  centroid: number;
  sc: number;
  s0: number;
  s1: number;
  rasterCentroid: number;
  zeroPsnr: number;
}
const images = loadFixture<{
  images: Record<'ffox' | 'gimp' | '7zip', Record<'full' | 'quick', ImageRef>>;
  psnr: { target: number[]; estimate: number[]; mse: number; psnr: number };
}>(import.meta.url, 'images-vega.json');

interface WindowRef {
  offset: number;
  length: number;
  peak: number;
  centroid: number;
  zeroPsnr: number;
  sc: number;
  s0: number;
  s1: number;
}
const speech = loadFixture<{ rate: number; length: number; sum: number; sumAbs: number; first: number[]; centroid: number; windows: Record<'quick' | 'full', WindowRef> }>(
  import.meta.url,
  'speech-espeak.json',
);

describe('vega-datasets icons (numpy references)', () => {
  for (const name of ['ffox', 'gimp', '7zip'] as const) {
    for (const [size, n] of [
      ['full', 50],
      ['quick', 25],
    ] as const) {
      it(`${name} ${n}x${n}: pixels, 2-D spectral centroid, WINNER image scales, all-zero PSNR`, () => {
        const ref = images.images[name][size];
        const img = vegaImage(name, n);
        expect([img.rows, img.cols]).toEqual([ref.rows, ref.cols]);
        expect(img.data.reduce((a, b) => a + b, 0)).toBeCloseTo(ref.sum, 9);
        ref.first.forEach((v, i) => {
        expect(img.data[i]).toBeCloseTo(v, 14);
      });
        expect(Math.min(...img.data)).toBeGreaterThanOrEqual(-1);
        expect(Math.max(...img.data)).toBeLessThanOrEqual(1);
        // Sums of n rfft magnitudes per row, n rows: agreement to ~1e-13.
        const c = spectralCentroid2d(img.data, img.rows, img.cols);
        expect(c).toBeCloseTo(ref.centroid, 12);
        const s = winnerScales(c, 2);
        expect(s.sc).toBeCloseTo(ref.sc, 12);
        expect(s.s0).toBeCloseTo(ref.s0, 10);
        expect(s.s1).toBeCloseTo(ref.s1, 12);
        // winnerInit takes the same scales from the image it is given.
        const w = winnerInit([2, 4, 4, 1], img.data, { image: { rows: img.rows, cols: img.cols } });
        expect(w.s0).toBeCloseTo(ref.s0, 10);
        expect(w.s1).toBeCloseTo(ref.s1, 12);
        // The per-row rule differs from the raster (flattened) centroid the reference's image script computes.
        expect(Math.abs(spectralCentroid(img.data) - ref.rasterCentroid)).toBeLessThan(1e-12);
        expect(Math.abs(c - ref.rasterCentroid)).toBeGreaterThan(0.01);
        expect(zeroPsnr(img.data)).toBeCloseTo(ref.zeroPsnr, 11);
      });
    }
  }

  it('PSNR = 20 log10(1 / √MSE) against numpy (psnrFromMse and @x/nn psnr)', () => {
    const { target, estimate } = images.psnr;
    let s = 0;
    for (let i = 0; i < target.length; i++) s += (target[i]! - estimate[i]!) ** 2;
    expect(s / target.length).toBeCloseTo(images.psnr.mse, 15);
    expect(psnrFromMse(s / target.length)).toBeCloseTo(images.psnr.psnr, 11);
    const m = (v: number[]) => ({ rows: 8, cols: 8, data: Float64Array.from(v) });
    expect(psnr(m(estimate), m(target))).toBeCloseTo(images.psnr.psnr, 11);
  });

  it('the white-noise control has a high centroid; the icons are low-frequency', () => {
    const noise = noiseImage(50, 50, 1);
    expect(noise).toEqual(noiseImage(50, 50, 1));
    expect(spectralCentroid2d(noise.data, 50, 50)).toBeGreaterThan(0.2);
    for (const name of ['ffox', 'gimp', '7zip'] as const) expect(images.images[name].full.centroid).toBeLessThan(0.11);
  });

  it('pixelGrid: row coordinate first, each axis linspace(-1, 1)', () => {
    const g = pixelGrid(3, 2);
    expect([g.rows, g.cols]).toEqual([6, 2]);
    expect(Array.from(g.data)).toEqual([-1, -1, -1, 1, 0, -1, 0, 1, 1, -1, 1, 1]);
    expect(() => pixelGrid(1, 4)).toThrow(DomainError);
  });

  it('refuses names and sizes it does not have', () => {
    expect(() => vegaImage('lena' as never)).toThrow(DomainError);
    expect(() => vegaImage('ffox', 100 as never)).toThrow(DomainError);
  });
});

describe('espeak-ng speech clip (numpy references)', () => {
  it('decodes to the committed WAV, sample for sample', () => {
    const clip = speechClip();
    expect(clip.rate).toBe(speech.rate);
    expect(clip.samples.length).toBe(speech.length);
    const wav = fixtureBytes(import.meta.url, 'speech-espeak.wav');
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    // 44-byte RIFF header, mono int16 at 8 kHz.
    expect(view.getUint32(24, true)).toBe(8000);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(2 * speech.length);
    let sum = 0;
    let sumAbs = 0;
    for (let i = 0; i < speech.length; i++) {
      const v = view.getInt16(44 + 2 * i, true);
      expect(Math.round(clip.samples[i]! * 32767)).toBe(v);
      sum += v;
      sumAbs += Math.abs(v);
    }
    expect([sum, sumAbs]).toEqual([speech.sum, speech.sumAbs]);
    expect(Array.from(clip.samples.subarray(0, 8), (v) => Math.round(v * 32767))).toEqual(speech.first);
  });

  for (const size of ['quick', 'full'] as const) {
    it(`${size} window: spectral centroid and WINNER audio scales`, () => {
      const ref = speech.windows[size];
      expect(SPEECH_WINDOWS[size]).toEqual([ref.offset, ref.length]);
      const raw = speechClip().samples.subarray(ref.offset, ref.offset + ref.length);
      const peak = Math.max(...Array.from(raw, Math.abs));
      expect(peak).toBeCloseTo(ref.peak, 14);
      const y = Float64Array.from(raw, (v) => v / peak);
      const c = spectralCentroid(y);
      expect(c).toBeCloseTo(ref.centroid, 12);
      const s = winnerScales(c, 1);
      expect(s.s0).toBeCloseTo(ref.s0, 8);
      expect(s.s1).toBeCloseTo(ref.s1, 12);
      expect(zeroPsnr(y)).toBeCloseTo(ref.zeroPsnr, 11);
    });
  }
});
