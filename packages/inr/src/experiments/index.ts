import type { Experiment } from '@x/gpu/experiments';
import { eigenstructures } from './eigen';
import { gpHmVsPinn } from './gp-hm';
import { gpPde } from './gp-pde';
import { grkanVsMlp } from './grkan';
import { grkanRandomInit } from './grkan-random';
import { smGpExtrapolation } from './sm-gp';
import { winnerVsSiren } from './winner';
import { winnerImages, winnerSpeech } from './winner-real';

/** The package's seeded CPU experiments, one per paper claim (see the README for outcomes). */
export const experiments: Experiment[] = [winnerVsSiren, winnerImages, winnerSpeech, grkanVsMlp, grkanRandomInit, smGpExtrapolation, eigenstructures, gpPde, gpHmVsPinn];
