import type { Experiment } from '@x/gpu/experiments';
import { randomOrderVsOjaExperiment } from './random-order';
import { concatSvdExperiment, frequentDirectionsExperiment, incrementalPcaExperiment } from './sketches';

export { randomOrderVsOjaExperiment } from './random-order';
export { concatSvdExperiment, frequentDirectionsExperiment, incrementalPcaExperiment } from './sketches';

/** Every @x/streaming experiment, for the demo app and the headless runner. */
export const experiments: Experiment[] = [
  randomOrderVsOjaExperiment,
  frequentDirectionsExperiment,
  concatSvdExperiment,
  incrementalPcaExperiment,
];
