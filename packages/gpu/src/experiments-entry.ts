/**
 * `@x/gpu/experiments`: the experiment contract every package's experiments follow (the
 * {@link Experiment} shape, results with their checks, live partial results, declared
 * parameters) and the helpers that build and validate results. For the experiments' code, the
 * demo app and the headless runner; kept out of the main entry so that importing a library
 * function never bundles demo machinery.
 *
 * @packageDocumentation
 */
export type {
  Experiment,
  ExperimentCheck,
  ExperimentHeatmap,
  ExperimentParam,
  ExperimentParamValue,
  ExperimentPartial,
  ExperimentPlot,
  ExperimentReference,
  ExperimentResult,
  ExperimentRunOptions,
  ExperimentScatter,
  ExperimentSeries,
} from './experiment';
export { check, experimentParams, experimentResult, experimentResultProblems, inconclusiveAtQuickSize, partialReporter, throwIfAborted } from './experiment';
