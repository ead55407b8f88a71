import type { Experiment } from '@x/gpu/experiments';
import { dctVsSvdExperiment } from './dct-vs-svd';
import { matrixSensingExperiment } from './matrix-sensing';
import { optimizerRaceExperiment } from './optimizer-race';
import { subgmInitScaleExperiment, subgmOutliersExperiment } from './subgm-outliers';

/** The seeded experiments reproducing each paper's headline claim (demo page and headless runner). */
export const experiments: Experiment[] = [
  dctVsSvdExperiment,
  optimizerRaceExperiment,
  subgmOutliersExperiment,
  subgmInitScaleExperiment,
  matrixSensingExperiment,
];
