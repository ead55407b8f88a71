/**
 * The experiment registry: one line per package, each naming an `Experiment[]` (the type is
 * @x/gpu's). A package that exports its experiments is registered with
 *
 *   export { experiments as linalg } from '@x/linalg';
 *
 * and experiments kept in this app with `export { default as <name> } from './experiments/<name>'`.
 * The demo pages and scripts/run-experiments.ts read the flattened, checked list from ./registry.ts.
 */
export { default as gpu } from './experiments/gpu';
