import type { Experiment } from '@x/gpu/experiments';
import { crossInitToy } from './cross-init-toy';
import { evaVsPca } from './eva-vs-pca';
import { fedsvdNoise } from './fedsvd-noise';
import { householderDirections } from './householder-directions';
import { orthoRegCrosstalk } from './orthoreg-crosstalk';
import { paramEfficiency } from './param-efficiency';
import { pissaVsLora } from './pissa-vs-lora';
import { sokaVsLora } from './soka-vs-lora';
import { svdFamilyVsLora } from './svd-family-vs-lora';

export { crossInitToy, evaVsPca, fedsvdNoise, householderDirections, orthoRegCrosstalk, paramEfficiency, pissaVsLora, sokaVsLora, svdFamilyVsLora };

/** @x/peft's paper-claim experiments, for the demo page and the headless runner. */
export const experiments: Experiment[] = [pissaVsLora, paramEfficiency, evaVsPca, fedsvdNoise, orthoRegCrosstalk, crossInitToy, sokaVsLora, svdFamilyVsLora, householderDirections];
