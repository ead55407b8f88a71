import { describe, it } from 'vitest';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode): recurrent rich vs lazy', () => {
  it('graph-init/rich-lazy-rnn: the qualitative outcome holds', () => checkExperiment('graph-init/rich-lazy-rnn'));
});
