/**
 * The experiment registry: one line per package. Each module default-exports that package's
 * `Experiment[]` (see ./lib/experiment.ts); the key becomes its group name. To add a package:
 *
 *   export { default as linalg } from './experiments/linalg';
 *
 * Both the demo pages and scripts/run-experiments.ts read the flattened list from ./registry.ts.
 */
export { default as gpu } from './experiments/gpu';
