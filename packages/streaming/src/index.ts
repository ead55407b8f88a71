export { type OjaJSON, type OjaOptions, type OjaSchedule, OjaEstimator } from './oja';
export { type RandomOrderJSON, type RandomOrderOptions, RandomOrderEigenvector } from './random-order';
export type { RowLike } from './rows';
export { type ConsumeOptions, feedRows, feedRowsSync, type RowSink, type RowSource, type StreamProgress } from './source';
