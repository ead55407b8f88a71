/**
 * The experiment registry: one line per package, each naming an `Experiment[]` (the type is
 * @x/gpu's). A package that exports its experiments is registered with
 *
 *   export { experiments as linalg } from '@x/linalg/experiments';
 *
 * and experiments kept in this app with `export { default as <name> } from './experiments/<name>'`.
 * The demo pages and scripts/run-experiments.ts read the flattened, checked list from ./registry.ts.
 */
export { default as gpu } from './experiments/gpu';
export { experiments as graphInit } from '@x/graph-init/experiments';
export { experiments as inr } from '@x/inr/experiments';
export { experiments as linalg } from '@x/linalg/experiments';
export { default as nn } from './experiments/nn';
export { experiments as optim } from '@x/optim/experiments';
export { experiments as peft } from '@x/peft/experiments';
export { experiments as ssm } from '@x/ssm/experiments';
export { experiments as streaming } from '@x/streaming/experiments';
