export {
  type ClusterOptions,
  type ClusterResult,
  type ConcatEstimator,
  type ConcatOptions,
  clusterBlocks,
  compressionRatio,
  concatError,
  concatErrorBound,
} from './concat-svd';
export {
  FrequentDirections,
  type FrequentDirectionsJSON,
  type FrequentDirectionsOptions,
} from './frequent-directions';
export { IncrementalPCA, type IncrementalPCAJSON, type IncrementalPCAOptions } from './incremental-pca';
export {
  type GrowthMode,
  IncrementalSVD,
  type IncrementalSVDJSON,
  type IncrementalSVDOptions,
} from './incremental-svd';
export type { CoreSvdOptions } from './svd-update';
export { type OjaJSON, type OjaOptions, type OjaSchedule, OjaEstimator } from './oja';
export { type RandomOrderJSON, type RandomOrderOptions, RandomOrderEigenvector } from './random-order';
export type { RowLike } from './rows';
export { type ConsumeOptions, feedRows, feedRowsSync, type RowSink, type RowSource, type StreamProgress } from './source';
