import { describe, it } from 'vitest';
import { checkExperiment } from './run-experiment';

describe('experiments (quick mode), part 3', () => {
  for (const id of ['graph-init/poincare-spirals']) {
    it(`${id}: the qualitative claim holds`, () => checkExperiment(id));
  }
});
