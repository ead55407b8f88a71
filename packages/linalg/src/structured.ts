// Structured matrices: re-exports only (owned by the structured-linalg work).
// The complex types live in complex.ts and are exported once, here (eig.ts imports them too).
export { type ComplexArray, type ComplexMatrix, complexZeros, isComplexArray } from './complex';
export { clearFftPlans, type FftNorm, type FftOptions, type FftOutOptions, fft, ifft, irfft, rfft } from './fft';
export { type DctMatrixOptions, type DctOptions, dct, dct2d, dctCols, dctMatrix, dctRows, idct } from './dct';
export { kron, kronMatvec } from './kron';
export {
  type ApplyHouseholderOptions,
  type ApplyWYOptions,
  applyHouseholder,
  applyWY,
  type Householder,
  householder,
  type Side,
  type WY,
  wyForm,
  wyToMatrix,
} from './householder';
export {
  type Butterfly,
  type ButterflyDftOptions,
  type ButterflyLoss,
  bitReversal,
  butterflyDct,
  butterflyDft,
  butterflyHadamard,
  butterflyLossGradient,
  butterflyMultiply,
  butterflyToMatrix,
} from './butterfly';
export {
  type ButterflyLearnProgress,
  type LearnButterflyDftOptions,
  type LearnButterflyOptions,
  type LearnButterflyResult,
  learnButterfly,
  learnButterflyDft,
  unitaryDftMatrix,
} from './butterfly-learn';
export {
  type ButterflyPermutationLogits,
  type ButterflyPermutedModel,
  type ButterflyTransform,
  butterflyTransformTarget,
  type LearnButterflyPermutedOptions,
  type LearnButterflyPermutedResult,
  type LearnButterflyTransformOptions,
  learnButterflyPermuted,
  learnButterflyTransform,
} from './butterfly-perm';
export {
  canonicalDual,
  type FrameBounds,
  filterBankAnalysis,
  filterBankFrame,
  filterBankFrameBounds,
  frameAnalysis,
  frameBounds,
  frameOperator,
  frameSynthesis,
  type GaborFrameOptions,
  gaborFrame,
  geomspace,
  isTightFrame,
  type MorletOptions,
  morletFilters,
  morletFrame,
  morletScalogram,
  rfftParsevalWeights,
  unitaryDft,
  unitaryRfft,
} from './frames';
export { type KpsvdOptions, type KpsvdResult, kpsvd, kronRearrange } from './kpsvd';
export { type ConvolveMode, fftConvolve } from './convolve';
