import { describe, it } from 'vitest';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode), part 2', () => {
  for (const id of ['graph-init/gamp-rie', 'graph-init/rich-lazy', 'graph-init/logah-tiny']) {
    it(`${id}: the qualitative claim holds`, () => checkExperiment(id));
  }
});
