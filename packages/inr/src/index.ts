export { spectralCentroid, spectralCentroid2d, type WinnerScales, winnerScales } from './spectral';
export { type SirenInitOptions, type SirenModelOptions, type SirenParams, sirenInit, sirenModel, type WinnerInitOptions, winnerInit } from './siren';
export { type FitSirenOptions, fitSiren, psnrFromMse } from './fit-siren';
export {
  checkRationalCoefficients,
  checkRationalForm,
  RATIONAL_DEN,
  RATIONAL_NUM,
  type RationalCoefficients,
  type RationalDerivatives,
  type RationalForm,
  rational,
  rationalDenominator,
  rationalDerivatives,
  rationalGain,
  rationalSecondMoment,
} from './rational';
export { RATIONAL_INITS, RATIONAL_INITS_BY_FORM, type RationalInit, rationalInit } from './rational-inits';
export { GroupRational, type GroupRationalJSON, type GroupRationalOptions } from './group-rational';
export { GrKan, type GrKanJSON, type GrKanOptions } from './gr-kan';
export { checkSmBase, type SmBase, type SmKernel, smInit, smKernelGradContract, smKernelMatrix, smKernelValue } from './sm-kernel';
export { type GpNlmlOptions, type GpNlmlResult, gpNlml, gpPredict } from './gp-nlml';
export { type LbfgsOptions, type LbfgsResult, lbfgs, type Objective } from './lbfgs';
export { type FitGpOptions, type FitGpResult, fitGp } from './fit-gp';
export { type KronEigen, kronEigh, kronMatvecN, kronNlml, kronSolve } from './kron';
export { laplacian1d, poissonApply2d, poissonSolve2d } from './poisson';
export { type GpCollocationOptions, type GpDerivativeOperators, type GpDerivativeOptions, gpCollocationSolve, gpDerivativeOperators, type PdeProblem, type PdeTerm, smKernelDerivativeMatrix } from './gp-pde';
export { type FitGpHmOptions, type FitGpHmResult, fitGpHm, type GpHmLossOptions, type GpHmLossResult, gpHmLoss } from './gp-hm';
export { type FitSirenPinnOptions, type FitSirenPinnResult, fitSirenPinn, type SirenDerivatives, sirenDerivatives, type SirenPinnLossResult, type SirenPinnOptions, sirenPinnLoss } from './pinn';
export { subspaceAngle } from './subspace-angle';
export { type EigenmapOptions, type EigenmapResult, laplacianEigenmaps } from './eigenmaps';
export { type NestedLossResult, nestedReconstructionLoss } from './nested-loss';
export { type FitLearnedBasisOptions, type FitNestedBasisOptions, fitLearnedBasis, fitNestedBasis, rbfProbes } from './learned-basis';
export { FourierFeatures, type FourierFeatureMlpOptions, type FourierFeaturesJSON, type FourierFeaturesOptions, fourierFeatureMlp } from './fourier-features';
