export type { ComplexArray } from './complex';
export { hippoLegS, hippoLegT, hippoNplr } from './hippo';
export { type CMatrix, hippoNormalEig, skewEig } from './normal-eig';
export { type S4DInitKind, type S4DInitOptions, type S4DInitResult, s4dInit } from './s4d-init';
export { type S4DPtdInitOptions, type S4DPtdInitResult, s4dPtdInit } from './s4d-ptd-init';
export { type S4DDisc, type S4DParams, s4dDiscretize } from './discretize';
export {
  type S4DBankParams,
  type S4DBankOptions,
  type S4DKernelOptions,
  s4dKernel,
  s4dKernelBank,
} from './vandermonde';
export { directConv, fftConv } from './fft-conv';
export { type S4DRecurrenceOptions, s4dRecurrence } from './recurrent';
export { expm } from './expm';
export { denseDiscretize, denseSsmKernel } from './dense-ssm';
export {
  type DeviceKernelResult,
  type KernelHost,
  type KernelLaunch,
  s4dKernelBankDevice,
  VANDERMONDE_GPU_SOURCE,
  vandermondeGpuInputs,
} from './vandermonde-gpu';
export { legsKernelError } from './legs-kernel-error';
export { parallelScan, type ScanElems, sequentialScan } from './scan';
export { type S5InitOptions, type S5Params, type SplitMatrix, s5Apply, s5Discretize, s5Init } from './s5';
export { type S5Grads, s5Backward } from './s5-grad';
export {
  type DeltaProductGrads,
  type DeltaProductInputs,
  type DeltaProductOutput,
  deltaProductBackward,
  deltaProductChunked,
  deltaProductRecurrence,
} from './deltaproduct';
export { S3_ELEMENTS, s3Compose, s3Householder, s3TrackDeltaProduct, s3WordProblem } from './s3';
export {
  DeltaProductClassifier,
  type DeltaProductClassifierJSON,
  type DeltaProductClassifierOptions,
} from './word-problem';
export { monomialExponents, type TensorAttentionInputs, tensorAttention, tensorAttentionPoly } from './tensor-attention';
export { transferDense, transferDiag } from './transfer';
export { type PtdOptions, type PtdResult, ptdInit, ptdOutput, spectralNorm } from './ptd';
export { S4D_SSM_PARAMETERS, S4DLayer, type S4DLayerConfig, type S4DLayerJSON, type S4DLayerOptions, type S4DParameter } from './s4d-layer';
export { eigConditionLoss, type PtdOptimizeOptions, type PtdOptimizeProgress, ptdOptimize } from './ptd-optimize';
export { type DplrParams, dplrKernel, hippoDplr } from './dplr';
export { DeltaProductLayer, type DeltaProductLayerJSON, type DeltaProductLayerOptions } from './deltaproduct-layer';
export { type DeltaProductChunkOptions, deltaProductChunkedBackward } from './deltaproduct-chunk-grad';
export { type DeltaProductDecodeState, DeltaProductMixer, type DeltaProductMixerConfig, type DeltaProductMixerJSON, type DeltaProductMixerOptions } from './deltaproduct-mixer';
export {
  DeltaProductBlock,
  type DeltaProductBlockConfig,
  type DeltaProductBlockOptions,
  type DeltaProductLMMixerOptions,
  deltaProductLM,
  deltaProductModules,
} from './deltaproduct-block';
export { isS4DSsmParameter, S4DAdamW, type S4DAdamWJSON, type S4DAdamWOptions } from './s4d-optim';
export { S4DClassifier, type S4DClassifierConfig, type S4DClassifierJSON, type S4DClassifierOptions } from './s4d-classifier';
export {
  type FrameViewOptions,
  type FrameViews,
  frameProjectionViews,
  type NtXentOptions,
  type NtXentResult,
  ntXent,
  type PretrainedEncoder,
  type PretrainOptions,
  type PretrainStep,
  selfSupervisedPretrain,
} from './frame-ssl';
