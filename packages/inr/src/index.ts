export { spectralCentroid, spectralCentroid2d, type WinnerScales, winnerScales } from './spectral';
export { type SirenInitOptions, type SirenParams, sirenInit, sirenModel, type WinnerInitOptions, winnerInit } from './siren';
export { type FitSirenOptions, fitSiren, psnrFromMse } from './fit-siren';
export {
  checkRationalCoefficients,
  RATIONAL_DEN,
  RATIONAL_NUM,
  type RationalCoefficients,
  type RationalDerivatives,
  rational,
  rationalDerivatives,
  rationalGain,
  rationalSecondMoment,
} from './rational';
export { RATIONAL_INITS, type RationalInit } from './rational-inits';
export { GroupRational, type GroupRationalOptions } from './group-rational';
export { GrKan, type GrKanOptions } from './gr-kan';
export { bandSignal, winnerVsSiren, zeroPsnr } from './experiments/winner';
export { geluMlp, grkanNet, grkanTarget, grkanVsMlp } from './experiments/grkan';
export { trainMse } from './experiments/train';
export { experiments } from './experiments';
