import { checkOneOf, checkSize, checkUnit, checkVector } from '@x/gpu/checks';
import { DomainError } from '@x/gpu';
import { rfft } from '@x/linalg';

function checkSignal(fn: string, y: ArrayLike<number>): void {
  checkVector(fn, 'y', y);
  if (y.length < 2) throw new DomainError(`${fn}: the signal needs at least 2 samples, got ${y.length}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) throw new DomainError(`${fn}: sample ${i} is ${y[i]}; samples must be finite`);
  }
}

/**
 * Spectral centroid of a 1-D signal: c = Σ f |Y(f)| / Σ |Y(f)| over the rfft bins, with f in
 * cycles/sample (0 ... 0.5). WINNER's SC for one channel is 2c (WINNER, "Spectral Bottleneck in
 * Deep Neural Networks: Noise is All You Need", the official SIREN-square code). O(N log N).
 * @throws DomainError for fewer than 2 samples, non-finite samples, or an all-zero signal.
 */
export function spectralCentroid(y: ArrayLike<number>): number {
  checkSignal('spectralCentroid', y);
  const n = y.length;
  const Y = rfft(y);
  let num = 0;
  let den = 0;
  for (let k = 0; k < Y.re.length; k++) {
    const mag = Math.hypot(Y.re[k]!, Y.im[k]!);
    num += (k / n) * mag;
    den += mag;
  }
  if (den === 0) throw new DomainError('spectralCentroid: the signal is all zeros (no spectrum)');
  return num / den;
}

/**
 * Spectral centroid of an image (rows x cols, row-major, `channels` interleaved or one channel),
 * the 2-D rule of the WINNER reference code (`spectral_centroid` for 2-D data): the rfft along
 * the width gives one centroid per row (cycles/sample), averaged over all rows (an all-zero row,
 * which has no spectrum, counts 0, as in the reference), per channel. Returns the mean over
 * channels; WINNER's SC is 2·(this)/channels ({@link winnerScales}). O(rows · cols log cols · channels).
 * @throws ShapeError/DomainError when `img` does not hold rows x cols x channels finite values.
 */
export function spectralCentroid2d(img: ArrayLike<number>, rows: number, cols: number, channels = 1): number {
  const fn = 'spectralCentroid2d';
  checkVector(fn, 'img', img);
  checkSize(fn, 'rows', rows, 1);
  checkSize(fn, 'cols', cols, 2);
  checkSize(fn, 'channels', channels, 1);
  if (img.length !== rows * cols * channels) {
    throw new DomainError(`spectralCentroid2d: image has ${img.length} values, expected ${rows}x${cols}x${channels}`);
  }
  let total = 0;
  const row = new Float64Array(cols);
  for (let ch = 0; ch < channels; ch++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) row[c] = img[(r * cols + c) * channels + ch]!;
      if (!row.every((v) => v === 0)) sum += spectralCentroid(row);
    }
    total += sum / rows;
  }
  return total / channels;
}

/** WINNER's noise scales from a centroid c (cycles/sample) of an `inDim`-D target with `channels` channels. */
export interface WinnerScales {
  /** SC = 2 mean_ch(c) / n_ch, in [0, 1]. */
  sc: number;
  /** Std multiplier for layer 1's weight noise (std = s0 / ω0). */
  s0: number;
  /** Std multiplier for layer 2's weight noise (std = s1 / ω0). */
  s1: number;
}

/**
 * The noise schedule of the WINNER reference code: z = SC / n_ch (the code divides by the
 * channel count a second time, on purpose); audio (1-D): s0 = 3500 (1 - e^{-7z}), s1 = 3z;
 * images (2-D): s0 = 50 (1 - e^{-5z}), s1 = 0.4 z. The rate 7 follows the code (a third-party
 * port quotes 5 from the paper text; not verified). 3-D targets have no schedule: pass s0, s1.
 */
export function winnerScales(centroid: number, inDim: 1 | 2, channels = 1): WinnerScales {
  checkUnit('winnerScales', 'centroid (cycles/sample)', centroid, 0, 0.5);
  checkOneOf('winnerScales', 'inDim', inDim, [1, 2] as const);
  checkSize('winnerScales', 'channels', channels, 1);
  const sc = (2 * centroid) / channels;
  const z = sc / channels;
  return inDim === 1 ? { sc, s0: 3500 * (1 - Math.exp(-7 * z)), s1: 3 * z } : { sc, s0: 50 * (1 - Math.exp(-5 * z)), s1: 0.4 * z };
}
