import type { Experiment } from '@x/gpu';
import { paramEfficiency } from './param-efficiency';
import { pissaVsLora } from './pissa-vs-lora';

export { paramEfficiency, pissaVsLora };

/** @x/peft's paper-claim experiments, for the demo page and the headless runner. */
export const experiments: Experiment[] = [pissaVsLora, paramEfficiency];
