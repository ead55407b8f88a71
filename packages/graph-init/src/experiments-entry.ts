/**
 * `@x/graph-init/experiments`: the package's experiments (and the helpers and data they use), for the
 * demo app, the headless runner and the benchmarks. Kept out of the main entry so that importing a
 * library function never bundles demo code.
 *
 * @packageDocumentation
 */
export { experiments } from './experiments/index';
export { ntkConvergenceExperiment } from './experiments/ntk-convergence';
export { poincareDepthExperiment } from './experiments/poincare-depth';
export { virgoSbmConfig, virgoSbmExperiment } from './experiments/virgo-sbm';
export { virgoVarianceExperiment } from './experiments/virgo-variance';
export { gampRieExperiment } from './experiments/gamp-rie';
export { richLazyExperiment } from './experiments/rich-lazy';
export { richLazyAlignedExperiment } from './experiments/rich-lazy-aligned';
export { richLazyRnnExperiment } from './experiments/rich-lazy-rnn';
export { logahTinyExperiment, trainTinyGhn } from './experiments/logah-tiny';
export { deepPoincareMlp, poincareSpiralsExperiment } from './experiments/poincare-spirals';
export { MISERABLES } from './data/miserables';
export { virgoMiserablesExperiment } from './experiments/virgo-miserables';
export { digitsData, poincareResNet, poincareResnetDigitsExperiment } from './experiments/poincare-resnet-digits';
export { staxConvergenceExperiment } from './experiments/stax-convergence';
export { staxDigitsExperiment } from './experiments/stax-digits';
