/**
 * `@x/ssm/experiments`: the package's experiments (and the helpers and data they use), for the
 * demo app, the headless runner and the benchmarks. Kept out of the main entry so that importing a
 * library function never bundles demo code.
 *
 * @packageDocumentation
 */
export { experiments } from './experiments';
export { delayTaskBatch, smoothDelayBatch, type TrainDelayOptions, trainS4DDelay } from './delay-task';
export { type TrainS3Options, trainS3WordProblem } from './word-problem';
export { type DigitsSplit, digitsAccuracy, type TrainS4DDigitsOptions, type TrainS4DDigitsResult, trainS4DDigits, uciDigits } from './digits-task';
