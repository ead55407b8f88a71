import type { Experiment } from '@x/gpu/experiments';
import { ptdRobustnessExperiment } from './ptd-robustness';
import { ptdSweepExperiment } from './ptd-sweep';
import { s3TrackerExperiment, s3WordProblemExperiment } from './s3-tracking';
import { s4dDelayExperiment } from './s4d-delay';
import { s4dDigitsExperiment } from './s4d-digits';
import { s4dResolutionExperiment } from './s4d-resolution';
import { s4dKernelErrorExperiment } from './s4d-kernel-error';
import { tensorAttentionExperiment } from './tensor-attention';
import { deltaProductBlockExperiment } from './deltaproduct-block';
import { frameProjectionSslExperiment } from './frame-projection-ssl';

/** The seeded experiments reproducing each paper's headline claim (demo page and headless runner). */
export const experiments: Experiment[] = [
  s4dKernelErrorExperiment,
  ptdSweepExperiment,
  ptdRobustnessExperiment,
  s4dDelayExperiment,
  s4dResolutionExperiment,
  s3TrackerExperiment,
  s3WordProblemExperiment,
  tensorAttentionExperiment,
  deltaProductBlockExperiment,
  s4dDigitsExperiment,
  frameProjectionSslExperiment,
];
