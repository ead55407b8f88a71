export { spectralCentroid, spectralCentroid2d, type WinnerScales, winnerScales } from './spectral';
export { type SirenInitOptions, type SirenParams, sirenInit, sirenModel, type WinnerInitOptions, winnerInit } from './siren';
export { type FitSirenOptions, fitSiren, psnrFromMse } from './fit-siren';
export { bandSignal, winnerVsSiren, zeroPsnr } from './experiments/winner';
export { experiments } from './experiments';
