/**
 * `@x/inr/experiments`: the package's experiments (and the helpers and data they use), for the
 * demo app, the headless runner and the benchmarks. Kept out of the main entry so that importing a
 * library function never bundles demo code.
 *
 * @packageDocumentation
 */
export { bandSignal, winnerVsSiren, zeroPsnr } from './experiments/winner';
export { geluMlp, grkanData, grkanNet, grkanTarget, grkanVsMlp } from './experiments/grkan';
export { grkanRandomInit, randomizeRationals } from './experiments/grkan-random';
export { smGpExtrapolation, twoTone } from './experiments/sm-gp';
export { circlePoints, eigenstructures, leadingColumns, spherePoints, sphericalHarmonics } from './experiments/eigen';
export { gpPde } from './experiments/gp-pde';
export { gpHmVsPinn } from './experiments/gp-hm';
export { trainMse } from './experiments/train';
export { type GrayImage, noiseImage, pixelGrid, speechClip, type VegaImageName, vegaImage } from './experiments/real-data';
export { SPEECH_WINDOWS, winnerImages, winnerSpeech } from './experiments/winner-real';
export { experiments } from './experiments';
