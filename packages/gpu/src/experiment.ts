import { checkAborted, checkBoolean, checkOptions } from './checks';
import { DomainError } from './errors';
import { describe } from './limits';

/**
 * The shape of a seeded, CPU-scale experiment that reproduces a paper's headline claim. Each
 * package exports `experiments: Experiment[]`; the demo app plots them and the headless runner
 * (`npm run demos -- --headless`) runs them all and prints a summary.
 */

/** One curve of a plot. */
export interface ExperimentSeries {
  name: string;
  x: number[];
  y: number[];
}

/** One plot: curves sharing axes. */
export interface ExperimentPlot {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /**
   * A categorical x axis: series x values are indices into `categories` (0, 1, ...), labelled
   * with these names and drawn as grouped bars (one bar per series and category).
   */
  categories?: string[];
  series: ExperimentSeries[];
}

/**
 * One part of an experiment's claim, checked against this run's numbers. `holds` is computed
 * from the run, never fixed; `measured` gives the numbers it was computed from.
 */
export interface ExperimentCheck {
  /** The part of the claim, e.g. "WINNER beats SIREN (ω₁ = 30) by more than 10 dB". */
  statement: string;
  /** Whether this part held in this run. */
  holds: boolean;
  /** The measured numbers behind `holds`, e.g. "54.9 dB vs 11.2 dB". */
  measured: string;
  /**
   * `false` for a part that is reported but not asserted: a part of the paper's claim that does
   * not reproduce here (the experiment's claim says so), or a comparison that is inconclusive at
   * quick size. Such checks do not enter `ok`. Default `true`.
   */
  asserted?: boolean;
}

/** What an experiment returns: whether it passed, the checks behind that, a summary, its plots and metrics. */
export interface ExperimentResult {
  /** Whether every asserted check held: the conjunction of `checks` with `asserted !== false`. */
  ok: boolean;
  /** One entry per part of the claim, each computed from this run. */
  checks: ExperimentCheck[];
  /** One or two sentences with the measured numbers, e.g. "WINNER 43.1 dB vs SIREN 11.2 dB". */
  summary: string;
  plots?: ExperimentPlot[];
  /** Optional key numbers for tables. */
  metrics?: Record<string, number>;
}

/** Options of an experiment's `run`: seed, quick mode (for tests), progress and cancellation. */
export interface ExperimentRunOptions {
  seed?: number;
  /** Smaller sizes/steps for tests and the headless runner. */
  quick?: boolean;
  onProgress?: (info: { fraction: number; message?: string }) => void;
  signal?: AbortSignal;
}

/** A seeded, self-describing experiment that the demo app and the headless runner can run. */
export interface Experiment {
  /** Stable id, e.g. 'peft/pissa-vs-lora'. */
  id: string;
  /** Package name, e.g. '@x/peft'. */
  pkg: string;
  title: string;
  /** The paper's claim this reproduces, in one sentence, with the paper named. */
  claim: string;
  run(opts?: ExperimentRunOptions): Promise<ExperimentResult>;
}

/** A check of one part of a claim (see {@link ExperimentCheck}). */
export function check(statement: string, holds: boolean, measured: string, asserted = true): ExperimentCheck {
  checkBoolean('check', 'holds', holds);
  checkBoolean('check', 'asserted', asserted);
  return asserted ? { statement, holds, measured } : { statement, holds, measured, asserted: false };
}

/**
 * A comparison that quick mode is too small to decide (quick and full disagree on it): reported
 * with its numbers, marked "inconclusive at quick size", and not asserted.
 */
export function inconclusiveAtQuickSize(statement: string, holds: boolean, measured: string): ExperimentCheck {
  checkBoolean('inconclusiveAtQuickSize', 'holds', holds);
  return check(`${statement} (inconclusive at quick size)`, holds, measured, false);
}

/** Builds a result whose `ok` is the conjunction of the asserted checks. */
export function experimentResult(r: Omit<ExperimentResult, 'ok'>): ExperimentResult {
  checkOptions('experimentResult', r, ['checks', 'summary', 'plots', 'metrics']);
  if (r === undefined || !Array.isArray(r.checks)) {
    throw new DomainError(`experimentResult: checks must be an array of ExperimentCheck, got ${describe(r?.checks)}`);
  }
  return { ok: r.checks.every((c) => c.asserted === false || c.holds), ...r };
}

/**
 * Throws an {@link AbortError} (name `'AbortError'`, `cause` the signal's reason) when `signal`
 * has fired. Experiments call this on entry and between steps; `fn` names the caller.
 */
export function throwIfAborted(signal?: AbortSignal, fn = 'experiment'): void {
  checkAborted(fn, signal);
}

/**
 * Structural problems of a result (for tests): no checks, an empty statement or measurement, no
 * asserted check, or an `ok` that is not the conjunction of the asserted checks. Empty when sound.
 */
export function experimentResultProblems(r: ExperimentResult): string[] {
  const out: string[] = [];
  if (!Array.isArray(r.checks) || r.checks.length === 0) return ['no checks'];
  for (const [i, c] of r.checks.entries()) {
    if (!c.statement) out.push(`check ${i}: empty statement`);
    if (!c.measured) out.push(`check ${i}: empty measurement`);
    if (typeof c.holds !== 'boolean') out.push(`check ${i}: holds is not a boolean`);
  }
  if (!r.checks.some((c) => c.asserted !== false)) out.push('no asserted check');
  const conj = r.checks.every((c) => c.asserted === false || c.holds);
  if (r.ok !== conj) out.push(`ok is ${r.ok} but the asserted checks give ${conj}`);
  return out;
}
