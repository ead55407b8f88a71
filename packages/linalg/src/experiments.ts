import type { Experiment } from '@x/gpu/experiments';
import { svdAccuracyExperiment } from './dense-experiments';
import { structuredExperiments } from './structured-experiments';

/** @x/linalg's experiments, for the demo page and the headless runner. */
export const experiments: Experiment[] = [svdAccuracyExperiment, ...structuredExperiments];
