export { type Csr, csrNnz, csrRowSums, csrToDense, csrTranspose, type EdgeList, type EdgesToCsrOptions, edgesToCsr, spmm, spmv } from './graph/csr';
export { normalizedAdjacency } from './graph/normalize';
export { erdosRenyi, randomRegular, type SbmGraph, stochasticBlockModel } from './graph/generators';
export { type CsrJSON, GcnLayer, type GcnLayerJSON, type GcnLayerOptions, type GraphParameter } from './graph/gcn-layer';
export { GcnNet, type GcnNetJSON, type GcnNetOptions } from './graph/gcn-net';
export {
  type GcnInitScheme,
  gcnInitVariances,
  kaimingVariance,
  type VirgoOptions,
  type VirgoResult,
  virgoVariances,
  xavierVariance,
} from './virgo/virgo';
export { type GcnVarianceProfile, measureGcnVariances } from './virgo/propagation';
export { dualActivation, type KernelActivation } from './kernels/dual';
export { nngpKernel, ntkKernel, type WideKernelOptions, type WideKernels, wideKernels } from './kernels/nngp';
export { type EmpiricalKernelOptions, empiricalKernels, erf } from './kernels/empirical';
export {
  conformalFactor,
  expMap,
  expMap0,
  gyration,
  logMap,
  logMap0,
  MIN_NORM,
  mobiusAdd,
  mobiusNeg,
  parallelTransport,
  poincareDistance,
  projectToBall,
} from './poincare/ball';
export { type PoincareLinearParams, poincareLinear, poincareLinearInit } from './poincare/linear';
export { type PoincareBatchNormOptions, poincareBatchNorm, poincareMidpoint } from './poincare/midpoint';
export { type PoincareFrechetMeanOptions, poincareFrechetMean } from './poincare/midpoint';
export {
  type AlignedStudentInitOptions,
  alignedStudentInit,
  type LinearInitKind,
  type LinearRichLazyOptions,
  type LinearRichLazyResult,
  linearRichLazyRun,
  linearTwoLayerNtk,
} from './richlazy/aligned';
export { entropyEffectiveRank, kernelAlignment, participationRatio } from './richlazy/effective-rank';
export { lowRankAtEqualNorm, lowRankGaussian } from './richlazy/low-rank';
export { type RichLazyOptions, type RichLazyResult, richLazyRun } from './richlazy/two-layer';
export {
  alignedRankOne,
  type CtrnnLossAndGrads,
  type CtrnnOptions,
  type CtrnnParams,
  ctrnnLossAndGrads,
  ctrnnTangentKernel,
  neurogymStyleTask,
  type RnnRichLazyOptions,
  type RnnRichLazyResult,
  type RnnTaskBatch,
  type RnnTaskName,
  rnnRichLazyRun,
} from './richlazy/rnn';
export {
  bayesOptimalMmse,
  denoisingMmse,
  type SpectralGrid,
  spectralGrid,
  wishartSemicircleDensity,
  wishartSemicircleStieltjes,
} from './rmt/spectrum';
export { type RieOptions, rieDenoise } from './rmt/rie';
export { type GampRieOptions, type GampRieResult, gampRie, type QuadraticTeacherData, quadraticTeacher } from './rmt/gamp';
export { LowRankDecoder, type LowRankDecoderJSON, type LowRankDecoderOptions, lowRankDecoderParameterCount } from './logah/decoder';
export { fanInNormalize, predictWeight, squashBias, squashNormWeight, tileWeight } from './logah/weights';
export { MLP_GRAPH_FEATURES, type MlpGraph, mlpGraph } from './logah/arch-graph';
export { type GhnDecoderKind, TinyGhn, type TinyGhnJSON, type TinyGhnOptions } from './logah/tiny-ghn';
export { fineTune, kaimingMlp, type MlpGrads, mlpLossAndGrads, spirals } from './logah/target-mlp';
export { PoincareLinear, type PoincareLinearJSON, type PoincareLinearOptions } from './poincare/linear-layer';
export { ExpMap0, type ExpMap0JSON, LogMap0, type LogMap0JSON } from './poincare/maps-layer';
export { betaConcat, betaConcatScale, PoincareConv2d, type PoincareConv2dJSON, type PoincareConv2dOptions } from './poincare/conv';
export { PoincareBatchNorm, type PoincareBatchNormJSON, type PoincareBatchNormLayerOptions } from './poincare/batchnorm';
export { PoincareResBlock, type PoincareResBlockJSON, type PoincareResBlockOptions } from './poincare/resblock';
export type {
  StaxAffineOptions,
  StaxConvOptions,
  StaxFlow,
  StaxKernel,
  StaxLayer,
  StaxPadding,
  StaxParameterization,
  StaxPoolOptions,
  StaxShape,
  StaxTensor,
} from './stax/types';
export {
  staxAvgPool,
  staxConv,
  staxDense,
  staxErf,
  staxFanInSum,
  staxFanOut,
  staxFlatten,
  staxGelu,
  staxGlobalAvgPool,
  staxIdentity,
  staxLayerNorm,
  type StaxLayerNormOptions,
  staxParallel,
  staxRelu,
  staxSerial,
} from './stax/layers';
export {
  staxApply,
  type StaxEmpiricalKernels,
  staxEmpiricalKernels,
  staxEmpiricalNngp,
  staxInit,
  type StaxInitResult,
  staxInputKernel,
  staxKernel,
} from './stax/run';
export {
  type KernelRegressionOptions,
  type NngpPosterior,
  type NngpPosteriorOptions,
  nngpPosterior,
  type NtkPrediction,
  type NtkPredictionOptions,
  ntkMeanPrediction,
} from './stax/predict';
