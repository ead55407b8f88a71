import { DomainError, type Matrix } from '@x/gpu';
import { checkAlloc, checkOneOf, checkRng, checkSize } from '@x/gpu/checks';
import { IMAGE_BYTES, IMAGE_SIZE } from '../data/images';
import { SPEECH_PCM, SPEECH_RATE } from '../data/speech';

/** The names of the three vega-datasets icons {@link vegaImage} returns. */
export type VegaImageName = 'ffox' | 'gimp' | '7zip';

/** A grayscale image: `data` row-major, rows x cols values. */
export interface GrayImage {
  rows: number;
  cols: number;
  data: Float64Array;
}

function base64Bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * One of the demos' real images: the vega-datasets@3.2.1 icons ffox.png, gimp.png and 7zip.png
 * (100x100 RGBA, decoded with pngjs by tooling/fixtures/inr_images.mjs), in grayscale over black,
 * as pixel values 2·b/255 − 1 in [−1, 1] (the WINNER reference code's range). `size` 50 is the
 * stored 2x2-block-mean image, 25 its own 2x2 block means. O(size²).
 */
export function vegaImage(name: VegaImageName, size: 25 | 50 = 50): GrayImage {
  const fn = 'vegaImage';
  checkOneOf(fn, 'name', name, ['ffox', 'gimp', '7zip'] as const);
  checkOneOf(fn, 'size', size, [25, 50] as const);
  const n = IMAGE_SIZE;
  const bytes = base64Bytes(IMAGE_BYTES[name]);
  if (bytes.length !== n * n) throw new DomainError(`${fn}: the stored ${name} image has ${bytes.length} bytes, expected ${n * n}`);
  const full = Float64Array.from(bytes, (b) => (2 * b) / 255 - 1);
  if (size === n) return { rows: n, cols: n, data: full };
  const h = n / 2;
  const out = new Float64Array(h * h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < h; c++) {
      const i = 2 * r * n + 2 * c;
      out[r * h + c] = (full[i]! + full[i + 1]! + full[i + n]! + full[i + n + 1]!) / 4;
    }
  }
  return { rows: h, cols: h, data: out };
}

/**
 * A seeded white-noise image (independent uniform bytes, read like {@link vegaImage}'s pixels):
 * the high-frequency control, spectral centroid ≈ 0.25 cycles/pixel. O(rows · cols).
 */
export function noiseImage(rows: number, cols: number, seed: number): GrayImage {
  const fn = 'noiseImage';
  checkSize(fn, 'rows', rows, 1);
  checkSize(fn, 'cols', cols, 2);
  const n = checkAlloc(fn, 'the image', rows, cols);
  const g = checkRng(fn, 'seed', seed);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (2 * Math.floor(256 * g.uniform())) / 255 - 1;
  return { rows, cols, data };
}

/**
 * The speech clip of the audio experiment: the word "seven" synthesized by espeak-ng (GPL-3.0
 * program; the audio is ours), resampled to 8 kHz, peak 1, 4000 samples (0.5 s); made by
 * tooling/fixtures/inr_speech.py, which also commits it as a WAV. O(samples).
 */
export function speechClip(): { rate: number; samples: Float64Array } {
  const bytes = base64Bytes(SPEECH_PCM);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float64Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, true) / 32767;
  return { rate: SPEECH_RATE, samples };
}

/**
 * The coordinates of a rows x cols pixel grid as a (rows·cols) x 2 matrix, row-major pixel order,
 * each axis linspace(−1, 1) (row coordinate first, as the reference code's `meshgrid(indexing='ij')`).
 * O(rows · cols).
 */
export function pixelGrid(rows: number, cols: number): Matrix<Float64Array> {
  const fn = 'pixelGrid';
  checkSize(fn, 'rows', rows, 2);
  checkSize(fn, 'cols', cols, 2);
  const n = checkAlloc(fn, 'the grid', rows, 2 * cols);
  const data = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data[2 * (r * cols + c)] = -1 + (2 * r) / (rows - 1);
      data[2 * (r * cols + c) + 1] = -1 + (2 * c) / (cols - 1);
    }
  }
  return { rows: rows * cols, cols: 2, data };
}
