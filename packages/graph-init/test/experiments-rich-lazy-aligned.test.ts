import { describe, it } from 'vitest';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode): the aligned exception to rich low-rank learning', () => {
  it('graph-init/rich-lazy-aligned: the qualitative outcome holds', () => checkExperiment('graph-init/rich-lazy-aligned'));
});
