/**
 * The experiment contract, shared by the demo pages (browser) and the headless runner (Node).
 * The types are @x/gpu's, so a package can export `experiments: Experiment[]` and the registry
 * (src/experiments.ts) lists it with one line. Experiment code runs in both environments: no
 * DOM, no Node APIs, `performance.now()` for time.
 */
import type { Experiment } from '@x/gpu/experiments';

export type { Experiment, ExperimentCheck, ExperimentHeatmap, ExperimentParam, ExperimentParamValue, ExperimentPartial, ExperimentPlot, ExperimentReference, ExperimentResult, ExperimentRunOptions, ExperimentScatter, ExperimentSeries } from '@x/gpu/experiments';
/** Checks of one part of a claim, the result builder, and the AbortError thrower (@x/gpu's). */
export { check, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';

/** A task boundary: lets a page repaint (and fire its events) between steps; harmless in Node. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Flattens the registry module's namespace (`{ gpu: Experiment[], linalg: Experiment[] }`) into
 * one list in key order, checking that every entry is well-formed and every id unique.
 */
export function collectExperiments(byPackage: Record<string, readonly Experiment[]>): readonly Experiment[] {
  const out: Experiment[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(byPackage).sort()) {
    const list = byPackage[key];
    if (!Array.isArray(list)) throw new Error(`registry entry "${key}" is not an array of experiments`);
    for (const e of list as readonly Experiment[]) {
      if (!e || typeof e.id !== 'string' || e.id === '' || typeof e.run !== 'function') {
        throw new Error(`registry entry "${key}" holds something that is not an Experiment (needs id and run)`);
      }
      if (seen.has(e.id)) throw new Error(`experiment id "${e.id}" is registered twice`);
      if (typeof e.pkg !== 'string' || !e.pkg.startsWith('@x/')) {
        throw new Error(`experiment "${e.id}": pkg must name an @x package, got "${String(e.pkg)}"`);
      }
      seen.add(e.id);
      out.push(e);
    }
  }
  return Object.freeze(out);
}
