import type { Experiment } from '@x/gpu/experiments';
import { gampRieExperiment } from './gamp-rie';
import { logahTinyExperiment } from './logah-tiny';
import { ntkConvergenceExperiment } from './ntk-convergence';
import { poincareDepthExperiment } from './poincare-depth';
import { poincareResnetDigitsExperiment } from './poincare-resnet-digits';
import { poincareSpiralsExperiment } from './poincare-spirals';
import { richLazyExperiment } from './rich-lazy';
import { richLazyAlignedExperiment } from './rich-lazy-aligned';
import { richLazyRnnExperiment } from './rich-lazy-rnn';
import { staxConvergenceExperiment } from './stax-convergence';
import { staxDigitsExperiment } from './stax-digits';
import { virgoMiserablesExperiment } from './virgo-miserables';
import { virgoSbmExperiment } from './virgo-sbm';
import { virgoVarianceExperiment } from './virgo-variance';

/** One seeded experiment per headline claim of the package's papers (quick mode: seconds). */
export const experiments: Experiment[] = [
  virgoVarianceExperiment,
  virgoSbmExperiment,
  virgoMiserablesExperiment,
  ntkConvergenceExperiment,
  poincareDepthExperiment,
  poincareSpiralsExperiment,
  poincareResnetDigitsExperiment,
  gampRieExperiment,
  richLazyExperiment,
  richLazyRnnExperiment,
  richLazyAlignedExperiment,
  logahTinyExperiment,
  staxConvergenceExperiment,
  staxDigitsExperiment,
];
