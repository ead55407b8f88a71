/**
 * The experiment contract shared by the demo pages (browser) and the headless runner (Node).
 * Experiment code must run in both: no DOM, no Node APIs, `performance.now()` for time.
 */

/** One line of a plot: y values over the series' shared x values. */
export interface ExperimentLine {
  label: string;
  values: number[];
}

/** Data for one plot, drawn with uPlot on the pages and summarised by the runner. */
export interface ExperimentSeries {
  title: string;
  x: { label: string; values: number[]; log?: boolean };
  y: { label: string; log?: boolean };
  lines: ExperimentLine[];
}

export interface ExperimentResult {
  /** The qualitative claim held (agreement, ordering, convergence...). Never a timing threshold. */
  ok: boolean;
  /** One line for humans: what was measured and the headline numbers. */
  summary: string;
  series?: ExperimentSeries[];
  /** Named numbers for machines (tests, JSON output). */
  metrics?: Record<string, number>;
}

export interface ExperimentProgress {
  done: number;
  total: number;
  message?: string;
}

export interface RunOptions {
  /** A smaller problem, for CI and the headless runner's default. */
  quick?: boolean;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: ExperimentProgress) => void;
}

export interface Experiment {
  /** Unique, `<package>.<name>`, e.g. `gpu.matmul-blocked-vs-naive`. */
  id: string;
  /** The package it demonstrates, e.g. `@x/gpu`. */
  pkg: string;
  title: string;
  /** What it shows and why, one or two sentences (shown on the page). */
  description?: string;
  run(opts?: RunOptions): Promise<ExperimentResult>;
}

/** Throws when the signal was aborted; call between steps of a long experiment. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('experiment aborted');
}

/** Lets the page repaint between steps (a no-op cost in Node). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Flattens `{ gpu: Experiment[], linalg: Experiment[] }` (the registry module's namespace) into
 * one list, checking that ids are unique and well-formed.
 */
export function collectExperiments(byPackage: Record<string, readonly Experiment[]>): readonly Experiment[] {
  const out: Experiment[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(byPackage).sort()) {
    for (const e of byPackage[key]!) {
      if (!/^[a-z0-9-]+\.[a-z0-9.-]+$/.test(e.id)) throw new Error(`experiment id "${e.id}" must look like "<package>.<name>"`);
      if (seen.has(e.id)) throw new Error(`experiment id "${e.id}" is registered twice`);
      if (!e.pkg.startsWith('@x/')) throw new Error(`experiment "${e.id}": pkg must be an @x package, got "${e.pkg}"`);
      seen.add(e.id);
      out.push(e);
    }
  }
  return Object.freeze(out);
}
