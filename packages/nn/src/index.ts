export {
  type AsyncContext,
  backwardWith,
  forwardWith,
  type Module,
  type ModuleJSON,
  type ModuleStateJSON,
  moduleJSON,
  readModuleJSON,
  type Parameter,
  parameterCount,
  prefixParameters,
  zeroGradOf,
} from './module';
export { type BiasInit, type InitOptions, type InitScheme, initBias, initScale, initWeight } from './init';
export { Linear, type LinearJSON, type LinearOptions } from './linear';
export {
  Activation,
  type ActivationJSON,
  GELU,
  type GELUOptions,
  ReLU,
  SiLU,
  Sigmoid,
  Sine,
  type SineOptions,
  Softplus,
  type SoftplusOptions,
  sigmoid,
  Tanh,
} from './activations';
export { erf, erfc } from './erf';
export { Sequential, type SequentialJSON } from './sequential';
export { Residual, type ResidualJSON } from './residual';
export { childFromJSON, type ModuleFactory, type ModuleRegistry, moduleFromJSON, registerModule } from './registry';
export { type Loss, type LossOptions, type LossResult, l1Loss, mseLoss, softmax, softmaxCrossEntropyLoss } from './losses';
export { accuracy, type PsnrOptions, psnr } from './metrics';
export {
  assertGradCheck,
  type GradCheckEntry,
  GradCheckError,
  type GradCheckOptions,
  type GradCheckReport,
  type GradFunction,
  gradCheck,
} from './gradcheck';
export type { Optimizer, OptimizerStateJSON } from './optimizer';
export { Adam, type AdamJSON, type AdamOptions } from './adam';
export { SGD, type SGDJSON, type SGDOptions } from './sgd';
export {
  type FitCheckpoint,
  type FitData,
  type FitLoopState,
  type FitOptions,
  type FitProgress,
  type FitResult,
  fit,
  type NonFiniteLossError,
} from './fit';
export { Embedding, type EmbeddingOptions } from './embedding';
export { LayerNorm, type LayerNormOptions, type NormOptions, RMSNorm } from './norm';
export { Dropout, type DropoutOptions } from './dropout';
export { GLU, type GluActivation, type GLUOptions, SwiGLU } from './glu';
export { type AttentionDecodeState, applyRope, MultiHeadAttention, type MultiHeadAttentionOptions } from './attention';
export type { Decodable } from './decode';
export { Conv1d, type Conv1dOptions } from './conv1d';
export {
  type GenerateOptions,
  type LMDecodeState,
  lmCrossEntropy,
  PreNormResidual,
  sampleToken,
  TransformerBlock,
  type TransformerConfig,
  TransformerLM,
} from './transformer';
export {
  ContainerModule,
  isContainer,
  type LoadStateDictOptions,
  loadStateDict,
  type ModuleContainer,
  namedModules,
  type StateDict,
  type StateTensor,
  setModule,
  stateDict,
} from './container';
export type { ModuleEnvelope } from './envelope';
export { loadSafetensors, readStateDict, type SaveSafetensorsOptions, saveSafetensors } from './safetensors';
