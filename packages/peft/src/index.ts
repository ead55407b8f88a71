export { type LoraOptions, loraInit, loraScale } from './lora';
export { type LoraAdapter, type PissaInit, type PissaOptions, pissaInit, pissaToLora } from './pissa';
export { type SvfitInit, svfitInit } from './svfit';
export { addSorsaRegularizerGrad, type SorsaInit, type SorsaRegularizer, type SorsaTrainOptions, sorsaInit, sorsaRegularizer } from './sorsa';
export { type CoreAdapter, type LoraSbBatch, type LoraSbOptions, loraSbGradient, loraSbInit, loraXsInit } from './lora-xs';
export { type LolduInit, type LolduZInit, lolduInit } from './loldu';
export { elbowRank, energyRank, type SokaInit, type SokaOptions, sokaInit } from './soka';
export { DEFAULT_RDP_ORDERS, dpFedAvg, MAX_RDP_ORDER, type DpMeanOptions, dpMean, dpNoiseMultiplier, type RdpAccountantOptions, type RdpEpsilon, rdpEpsilon, rdpSubsampledGaussian } from './dp';
export { fedAvg, type FedsvdRoundOptions, fedsvdReorthogonalize, fedsvdRound } from './fedsvd';
export { orthoRegLoss } from './orthoreg';
export { type CrossInit, type CrossInitEncoder, type CrossInitRegularizerOptions, crossInit, crossInitRegularizer } from './cross-init';
export { dareMerge, magnitudePrune, svdMergeAdapters, taskArithmetic, tiesMerge } from './merge';
export {
  type HouseholderProjectorInit,
  HouseholderProjectorLayer,
  type HouseholderProjectorLayerJSON,
  type HouseholderProjectorLayerOptions,
  householderProduct,
  householderProductBackward,
  householderProjector,
  householderProjectorBackward,
  householderProjectorInit,
  householderVectorsOf,
  semanticDirections,
} from './householder-projector';
export { type Adapter, AdaptedLinear, type AdaptedLinearJSON, type AdaptedLinearOptions } from './adapted-linear';
export { evaAllocateRanks, EvaCollector, type EvaLayerSpec, type EvaOptions } from './eva';
export {
  configForLayers,
  loadPeftAdapter,
  PEFT_KEY_PREFIX,
  type PeftAdapter,
  type PeftAdapterFiles,
  type PeftLoraLayer,
  savePeftAdapter,
} from './peft-adapter';
export { isTargetModule, moduleScaling, type PeftLoraConfig, parsePeftLoraConfig, patternKey, peftLoraConfig, stringifyPeftLoraConfig } from './peft-config';
export { mergePeftAdapters, type PeftMergeMethod, type PeftMergeOptions } from './peft-merge';
export {
  convertPissaToLora,
  materialize,
  mergeIntoBase,
  type ModelPlan,
  type ModelProgress,
  type PissaModelOptions,
  pissaFromModel,
  readWeight,
  spectrum,
  type TensorJob,
  targetedModules,
} from './model-files';
export { type AdapterKindName, type ApplyAdaptersOptions, applyAdapters, loraSbGradients, PeftModel, registerAdaptedLinear } from './apply';
