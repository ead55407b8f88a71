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

/**
 * A reference a claim states, drawn on a plot beside the data (thin, dashed, grey) and not a
 * measured series: a horizontal line (a bound such as the frame bound B), a band between two
 * values, or a curve (a theory curve such as 1/√n or the Bayes-optimal error). Its values are
 * computed by the experiment like the data, never typed in.
 */
export type ExperimentReference =
  | { kind: 'line'; label: string; y: number }
  | { kind: 'band'; label: string; from: number; to: number }
  | { kind: 'curve'; label: string; x: number[]; y: number[] };

/**
 * A matrix drawn as a picture (a heatmap): `values` row-major, `rows * cols` of them, e.g. the
 * entry magnitudes of a learned matrix beside its target's. A plot's heatmaps share one colour
 * scale.
 */
export interface ExperimentHeatmap {
  name: string;
  rows: number;
  cols: number;
  values: number[];
}

/**
 * Points coloured by class (a class-coloured scatter plot): point i is at (`x[i]`, `y[i]`) and
 * belongs to class `classes[i]`, an index into `classNames` (each class gets one colour and a
 * legend entry). E.g. a graph's nodes at a 2-D layout coloured by community, or a data set's
 * points over a decision boundary. `edges` (optional) draws links between points as thin grey
 * segments under them: pairs of point indices, flattened ([a0, b0, a1, b1, ...]). `extent`
 * (optional) fixes the axes' ranges as [xMin, xMax, yMin, yMax]; a plot that has `heatmaps`
 * as well draws each of them under the points, stretched over this extent (row 0 at yMax).
 */
export interface ExperimentScatter {
  x: number[];
  y: number[];
  classes: number[];
  classNames: string[];
  edges?: number[];
  extent?: [number, number, number, number];
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
  /**
   * Pictures instead of curves: matrices drawn side by side as heatmaps on one colour scale
   * (`series` is then empty; `xLabel` and `yLabel` name the columns and rows).
   */
  heatmaps?: ExperimentHeatmap[];
  /**
   * Points coloured by class instead of curves (`series` is then empty; `xLabel` and `yLabel`
   * name the axes). With `heatmaps` too, each heatmap is drawn under the points over the
   * scatter's `extent` (a decision boundary under the data).
   */
  scatter?: ExperimentScatter;
  /** Reference lines, bands or curves the claim states (drawn on line plots, not on bars). */
  references?: ExperimentReference[];
  /** One line shown under the plot: what to look for in it (also its text alternative). */
  caption?: string;
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

/**
 * A snapshot of a run in progress: its plots so far (loss curves that grow as training proceeds),
 * in the same shape as the result's plots. Each snapshot replaces the previous one; the final
 * result's plots replace the last.
 */
export interface ExperimentPartial {
  plots: ExperimentPlot[];
}

/** A value of an experiment parameter: a number, or one of a choice's options. */
export type ExperimentParamValue = number | string;

/**
 * One parameter an experiment lets its caller set (a control on the demo page, a flag of the
 * headless runner): its name in `ExperimentRunOptions.params`, a label, and its range.
 * `default` is the full-size value and `quick` the quick-mode one when it differs; a run with
 * neither given uses them, so declaring a parameter never changes what the run computes.
 */
export interface ExperimentParam {
  /** Key in `params`, e.g. 'steps', 'lr', 'rank', 'seed'. */
  name: string;
  /** What a control shows, e.g. 'Adam steps'. */
  label: string;
  /** 'int' and 'float' take a number in [min, max]; 'choice' one of `options`. */
  kind: 'int' | 'float' | 'choice';
  min?: number;
  max?: number;
  /** Step of a slider or number input (default 1 for 'int'). */
  step?: number;
  /** A log-scale quantity (learning rates): a control spaces its values geometrically. */
  log?: boolean;
  options?: string[];
  default: ExperimentParamValue;
  /** The quick-mode value, when it differs from `default`. */
  quick?: ExperimentParamValue;
}

/** Options of an experiment's `run`: seed, quick mode (for tests), progress, live results and cancellation. */
export interface ExperimentRunOptions {
  seed?: number;
  /**
   * Values for the experiment's declared {@link ExperimentParam}s by name; a parameter not given
   * takes its quick or full default. Read them with {@link experimentParams}.
   */
  params?: Record<string, ExperimentParamValue>;
  /** Smaller sizes/steps for tests and the headless runner. */
  quick?: boolean;
  onProgress?: (info: { fraction: number; message?: string }) => void;
  /**
   * Live results: called with the plots so far while the run proceeds (optional for both sides:
   * an experiment may never call it, a caller may not pass it). Use {@link partialReporter} to
   * build snapshots only when someone listens, and not more often than a page can draw them.
   */
  onPartial?: (partial: ExperimentPartial) => void;
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
  /** The parameters a caller may set (controls, runner flags), with their ranges. */
  params?: ExperimentParam[];
  run(opts?: ExperimentRunOptions): Promise<ExperimentResult>;
}

/**
 * The values of an experiment's declared parameters for one run: each given one checked against
 * its declaration, the others at their quick or full default. Throws a DomainError naming the
 * experiment for an unknown name, a value outside its range, a non-integer 'int' or an option
 * that is not offered.
 */
export function experimentParams(e: Pick<Experiment, 'id' | 'params'>, opts: ExperimentRunOptions = {}): Record<string, ExperimentParamValue> {
  const decl = e.params ?? [];
  const given = opts.params ?? {};
  for (const name of Object.keys(given)) {
    if (!decl.some((p) => p.name === name)) {
      throw new DomainError(`${e.id}: no parameter "${name}" (it has ${decl.map((p) => p.name).join(', ') || 'none'})`);
    }
  }
  const out: Record<string, ExperimentParamValue> = {};
  for (const p of decl) {
    const v = given[p.name] ?? (opts.quick && p.quick !== undefined ? p.quick : p.default);
    if (p.kind === 'choice') {
      if (typeof v !== 'string' || !(p.options ?? []).includes(v)) throw new DomainError(`${e.id}: ${p.name} must be one of ${(p.options ?? []).join(', ')}, got ${String(v)}`);
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new DomainError(`${e.id}: ${p.name} must be a finite number, got ${String(v)}`);
      if (p.kind === 'int' && !Number.isInteger(v)) throw new DomainError(`${e.id}: ${p.name} must be an integer, got ${v}`);
      if ((p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max)) {
        throw new DomainError(`${e.id}: ${p.name} must be in [${p.min ?? '-∞'}, ${p.max ?? '∞'}], got ${v}`);
      }
    }
    out[p.name] = v;
  }
  return out;
}

/**
 * A throttled sender of live results for an experiment's loop: `report(build)` calls `build()`
 * and hands the snapshot to `onPartial` when at least `everyMs` milliseconds passed since the last
 * one sent (the first call always sends), or when `force` is true (the last step). Without a
 * listener `build` is never called, so a headless run pays nothing for the snapshots.
 */
export function partialReporter(
  onPartial: ((partial: ExperimentPartial) => void) | undefined,
  everyMs = 100,
): (build: () => ExperimentPartial, force?: boolean) => void {
  if (onPartial !== undefined && typeof onPartial !== 'function') throw new DomainError(`partialReporter: onPartial must be a function or undefined, got ${typeof onPartial}`);
  if (typeof everyMs !== 'number' || !(everyMs >= 0)) throw new DomainError(`partialReporter: everyMs must be a number >= 0, got ${String(everyMs)}`);
  let last = Number.NEGATIVE_INFINITY;
  return (build, force = false) => {
    if (!onPartial) return;
    const now = performance.now();
    if (!force && now - last < everyMs) return;
    last = now;
    onPartial(build());
  };
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

/** What is wrong with a plot's scatter: lengths, non-finite points, class indices, edges, extent. */
function scatterProblems(title: string, sc: ExperimentScatter): string[] {
  const out: string[] = [];
  const n = sc.x.length;
  if (sc.y.length !== n || sc.classes.length !== n) out.push(`plot "${title}": scatter has ${n} x, ${sc.y.length} y and ${sc.classes.length} class values`);
  if ([...sc.x, ...sc.y].some((v) => !Number.isFinite(v))) out.push(`plot "${title}": scatter has a non-finite point`);
  if (sc.classes.some((c) => !Number.isInteger(c) || c < 0 || c >= sc.classNames.length)) out.push(`plot "${title}": scatter has a class that is not an index into its ${sc.classNames.length} class names`);
  const empty = sc.classNames.filter((_, k) => !sc.classes.includes(k));
  if (empty.length > 0) out.push(`plot "${title}": scatter classes with no points: ${empty.join(', ')}`);
  const e = sc.edges ?? [];
  if (e.length % 2 !== 0 || e.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) out.push(`plot "${title}": scatter edges are not pairs of point indices`);
  const ext = sc.extent;
  if (ext && !(ext.every(Number.isFinite) && ext[0] < ext[1] && ext[2] < ext[3])) out.push(`plot "${title}": scatter extent ${ext.join(', ')} is not a box`);
  return out;
}

/**
 * Structural problems of a result (for tests): no checks, an empty statement or measurement, no
 * asserted check, an `ok` that is not the conjunction of the asserted checks, a plot reference
 * with a non-finite value, a heatmap whose values do not fill rows x cols or are not finite, or a
 * scatter with a non-finite point, a class index off its names, an empty class or a bad edge. Empty when sound.
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
  for (const p of r.plots ?? []) {
    for (const h of p.heatmaps ?? []) {
      if (!(Number.isInteger(h.rows) && Number.isInteger(h.cols) && h.rows > 0 && h.cols > 0) || h.values.length !== h.rows * h.cols) {
        out.push(`plot "${p.title}": heatmap "${h.name}" has ${h.values.length} values for ${h.rows}x${h.cols}`);
      }
      if (h.values.some((v) => !Number.isFinite(v))) out.push(`plot "${p.title}": heatmap "${h.name}" has a non-finite value`);
    }
    if (p.scatter) out.push(...scatterProblems(p.title, p.scatter));
    for (const ref of p.references ?? []) {
      const ys = ref.kind === 'line' ? [ref.y] : ref.kind === 'band' ? [ref.from, ref.to] : ref.y;
      const xs = ref.kind === 'curve' ? ref.x : [];
      if ([...ys, ...xs].some((v) => !Number.isFinite(v))) out.push(`plot "${p.title}": reference "${ref.label}" has a non-finite value`);
      if (ref.kind === 'curve' && ref.x.length !== ref.y.length) out.push(`plot "${p.title}": reference "${ref.label}" has ${ref.x.length} x values for ${ref.y.length} y values`);
    }
  }
  const conj = r.checks.every((c) => c.asserted === false || c.holds);
  if (r.ok !== conj) out.push(`ok is ${r.ok} but the asserted checks give ${conj}`);
  return out;
}
