import * as byPackage from './experiments';
import { collectExperiments, type Experiment } from './lib/experiment';

/** Every registered experiment, grouped by package in registry order. */
export const experiments: readonly Experiment[] = collectExperiments(byPackage);

/** The experiments of one package (`'@x/gpu'`). */
export function experimentsFor(pkg: string): Experiment[] {
  return experiments.filter((e) => e.pkg === pkg);
}
