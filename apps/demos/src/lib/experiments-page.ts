/**
 * The generic package page: the package's name, description and papers, then one card per
 * registered experiment (title, claim, Run / Abort, a progress bar fed by onProgress, the
 * summary with a pass/fail badge and every plot of the result drawn with uPlot).
 *
 * On open it runs the experiments one after another in quick mode (in a Web Worker when one
 * starts). Query parameters:
 *   ?autorun=all (default) | first | none | <experiment id>[,<id>...]   what runs on open
 *   ?full=1      page-sized runs instead of quick ones (the "full size" checkbox)
 *   ?worker=0    run on the main thread instead of a worker
 * Machine-readable state (the e2e test reads it): body[data-status] is 'running' while anything
 * runs, then 'done' (every finished experiment ok) or 'error'; window.__results holds `listed`
 * (every experiment on the page) and `experiments` (the finished runs, latest per id).
 */
import { packageBySlug } from '../packages';
import { experimentsFor } from '../registry';
import { checksList } from './checks-view';
import { el } from './dom';
import { aboutDuration, type Estimate, estimateText, fullSizeEstimate, rememberFullSize } from './estimates';
import type { Experiment, ExperimentParam, ExperimentParamValue, ExperimentPartial, ExperimentPlot, ExperimentResult } from './experiment';
import { yieldToEventLoop } from './experiment';
import { type ExperimentSummary, mountShell, type Shell } from './page';
import { coveredSeries, isLinePlot, linePlot, type PlotHandle, plotProblems } from './plot';
import { AbortedError, type ExperimentRunner, mainThreadRunner, type RunHandle, workerRunner } from './runner';

type CardState = 'idle' | 'queued' | 'running' | 'ok' | 'fail' | 'aborted';

const BADGE: Record<CardState, [string, string]> = {
  idle: ['idle', 'not run'],
  queued: ['queued', 'queued'],
  running: ['running', 'running'],
  ok: ['ok', 'ok'],
  fail: ['fail', 'failed'],
  aborted: ['aborted', 'aborted'],
};

/** A finished run as window.__results.experiments lists it. */
export interface PageExperimentSummary extends ExperimentSummary {
  quick: boolean;
  /** Plots the result returned (each drawn as one uPlot chart in the card). */
  plots: number;
  /** onProgress reports that reached the page (the worker sends at most one per 50 ms). */
  progressReports: number;
  /** Live snapshots (onPartial) drawn while the run went on (the worker sends at most one per 100 ms). */
  partialReports: number;
  /** Data problems of the plots (values that cannot be drawn, see plotProblems); empty when sound. */
  plotProblems: string[];
  /** Series drawn on top of another (drawn dashed so both show), as "plot / covering over covered". */
  coveredSeries: string[];
  /** The checks' verdicts, as the card lists them. */
  checks: { statement: string; holds: boolean; asserted: boolean }[];
  /** The seed and the parameter values set on the card's controls for this run (defaults left out). */
  seed?: number;
  params: Record<string, ExperimentParamValue>;
  /** Series of the previous run drawn faded under this run's plots (0 with no previous run or the compare box off). */
  overlaid: number;
}

interface Card {
  e: Experiment;
  root: HTMLElement;
  setState(s: CardState): void;
  /** Removes the previous run's summary, checks and plots (on a new run or an abort). */
  clear(): void;
  progress(fraction: number, message?: string): void;
  /** Shows the full-size estimate (re-read after a full-size run that this browser timed). */
  showEstimate(): Estimate | null;
  /** When the current run started and whether it is full size (the progress line counts down). */
  started(quick: boolean): void;
  /** Draws a live snapshot of the run's plots (replacing the previous snapshot). */
  partial(p: ExperimentPartial): void;
  show(r: ExperimentResult, ms: number, quick: boolean): number;
  showError(text: string): void;
  runButton: HTMLButtonElement;
  abortButton: HTMLButtonElement;
  /** The values on the card's controls (empty ones are the experiment's defaults). */
  values(): { seed?: number; params: Record<string, ExperimentParamValue> };
  /** Calls `fn` when a control changes and rests (the page re-runs the card). */
  onControlChange(fn: () => void): void;
  /** The full size box changed: untouched controls move to that mode's defaults. */
  setMode(quick: boolean): void;
  /** How many series of the previous run are drawn faded under the current plots. */
  overlaid(): number;
}

/** How long a control must rest before its card re-runs (a dragged slider fires many inputs). */
const RERUN_DEBOUNCE_MS = 350;

/** One control of a card: its element, its value (undefined while it is at the default) and its reset to a mode's default. */
interface Control {
  label: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement;
  read(): ExperimentParamValue | undefined;
  /** Puts an untouched control at the quick or the full-size default (the full size box changed). */
  setMode(quick: boolean): void;
}

/** A slider's positions for a log-scale parameter (learning rates): geometric, 3 significant digits. */
const LOG_STEPS = 60;

/**
 * One control for a declared parameter: a slider over its range (geometric for a `log` one, its
 * value shown beside it) for a number with both ends, a select for a choice, a number input
 * otherwise. It reads as undefined (the experiment's default) until it is moved.
 */
function paramControl(e: Experiment, p: ExperimentParam, quick: boolean): Control {
  const id = `${e.id.replace(/[^a-z0-9]/gi, '-')}-${p.name}`;
  const defaults = p.quick !== undefined && p.quick !== p.default ? `${p.quick} quick, ${p.default} full size` : String(p.default);
  const defaultFor = (q: boolean) => (q && p.quick !== undefined ? p.quick : p.default);
  if (p.kind === 'choice') {
    const input = el('select', { id, 'data-param': p.name }, el('option', { value: '' }, `default (${defaults})`), ...(p.options ?? []).map((o) => el('option', { value: o }, o)));
    return { label: el('label', { for: id, class: 'param' }, `${p.label} `, input), input, read: () => (input.value === '' ? undefined : input.value), setMode() {} };
  }
  if (p.min === undefined || p.max === undefined) {
    const attrs: Record<string, string> = { type: 'number', id, 'data-param': p.name, placeholder: defaults, inputmode: p.kind === 'int' ? 'numeric' : 'decimal' };
    if (p.min !== undefined) attrs.min = String(p.min);
    if (p.max !== undefined) attrs.max = String(p.max);
    attrs.step = p.step !== undefined ? String(p.step) : p.kind === 'int' ? '1' : 'any';
    const input = el('input', attrs);
    const range = ` (${p.min ?? '−∞'}–${p.max ?? '∞'})`;
    return { label: el('label', { for: id, class: 'param' }, `${p.label}${range} `, input), input, read: () => (input.value === '' ? undefined : Number(input.value)), setMode() {} };
  }
  return slider(id, p.name, p.label, p.kind === 'int', p.min, p.max, p.step, p.log === true, defaultFor, quick);
}

/** A range input with its value beside it (an <output>), `data-value` the parameter value it stands at. */
function slider(id: string, name: string, text: string, int: boolean, min: number, max: number, step: number | undefined, log: boolean, defaultFor: (quick: boolean) => ExperimentParamValue, quick: boolean): Control {
  const lmin = Math.log10(min);
  const lmax = Math.log10(max);
  // A log slider moves an index over LOG_STEPS geometric positions; a linear one the value itself.
  const toValue = (pos: number): number => {
    if (!log) return int ? Math.round(pos) : Number(pos.toPrecision(6));
    const v = 10 ** (lmin + ((lmax - lmin) * pos) / LOG_STEPS);
    return int ? Math.round(v) : Number(v.toPrecision(3));
  };
  const toPos = (v: number): number => (log ? Math.round(((Math.log10(v) - lmin) / (lmax - lmin)) * LOG_STEPS) : v);
  const attrs: Record<string, string> = log
    ? { type: 'range', id, 'data-param': name, min: '0', max: String(LOG_STEPS), step: '1' }
    : { type: 'range', id, 'data-param': name, min: String(min), max: String(max), step: String(step ?? (int ? 1 : (max - min) / 100)) };
  const input = el('input', attrs);
  const out = el('output', { for: id, class: 'default' });
  let touched = false;
  const show = (v: number, isDefault: boolean) => {
    input.dataset.value = String(v);
    input.setAttribute('aria-valuetext', `${v}${isDefault ? ' (default)' : ''}`);
    out.textContent = isDefault ? `${v} (default)` : String(v);
    out.className = isDefault ? 'default' : '';
  };
  const setMode = (q: boolean) => {
    if (touched) return;
    const d = Number(defaultFor(q));
    input.value = String(toPos(d));
    show(d, true);
  };
  setMode(quick);
  input.addEventListener('input', () => {
    touched = true;
    show(toValue(Number(input.value)), false);
  });
  const range = `${log ? `${min}–${max}, log scale` : `${min}–${max}`}`;
  return {
    label: el('label', { for: id, class: 'param slider', title: range }, `${text} `, input, out),
    input,
    read: () => (touched ? toValue(Number(input.value)) : undefined),
    setMode,
  };
}

function button(label: string, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  return b;
}

function makeCard(e: Experiment, quickMode: boolean): Card {
  // Controls: every experiment takes a seed (a slider over 0..99); declared parameters get a
  // slider (or a select) each. A change re-runs the card.
  const seedControl = slider(`${e.id.replace(/[^a-z0-9]/gi, '-')}-seed`, 'seed', 'seed', true, 0, 99, 1, false, () => 0, quickMode);
  const controls = (e.params ?? []).map((p) => paramControl(e, p, quickMode));
  // The previous run drawn faded under this one, to compare (on by default; off until there is one).
  const compareBox = el('input', { type: 'checkbox', 'data-compare': '', 'aria-disabled': 'true' });
  compareBox.checked = true;
  const compareLabel = el('label', { class: 'compare muted', title: 'Draws the previous run of this experiment faded and dotted under this one' }, compareBox, ' compare with the previous run');
  const paramsRow = el(
    'div',
    { class: 'params', role: 'group', 'aria-label': 'Parameters: a change re-runs the experiment' },
    seedControl.label,
    ...controls.map((c) => c.label),
    compareLabel,
  );
  const badge = el('span', { class: 'badge idle' }, 'not run');
  const runButton = button('Run', { class: 'run', 'data-action': 'run' });
  const abortButton = button('Abort', { class: 'abort', 'data-action': 'abort' });
  abortButton.setAttribute('aria-disabled', 'true');
  abortButton.classList.add('off');
  const bar = el('progress', { max: '1', value: '0' });
  const message = el('span', { class: 'progress-message muted' }, '');
  const estimateLine = el('p', { class: 'estimate muted', 'data-estimate': '' });
  const summary = el('p', { class: 'summary' });
  const checks = el('div', { class: 'checks-host' });
  const plots = el('div', { class: 'plots' });
  const root = el(
    'article',
    { class: 'card experiment', 'data-experiment': e.id, 'data-state': 'idle' },
    el('h3', {}, e.title, ' ', badge),
    el('p', { class: 'experiment-id muted' }, el('code', {}, e.id)),
    el('p', { class: 'claim' }, e.claim),
    el('div', { class: 'controls' }, runButton, abortButton, bar, message),
    estimateLine,
    paramsRow,
    summary,
    checks,
    plots,
  );
  // Buttons are marked aria-disabled instead of disabled: a disabled button drops the keyboard
  // focus to <body>; this way focus stays on the control that was used.
  let handles: PlotHandle[] = [];
  /** The latest finished run's plots, and the run before the current one (what it is compared with). */
  let lastPlots: readonly ExperimentPlot[] | null = null;
  let compareWith: readonly ExperimentPlot[] | null = null;
  /** What the card shows now (redrawn when the compare box changes). */
  let shown: { list: readonly ExperimentPlot[]; alt: string; live: boolean } = { list: [], alt: '', live: false };
  /** Series of the previous run drawn now (window.__results reports it per run). */
  let overlaid = 0;
  /** The previous run's version of plot i of `list`: the same place, both drawn as lines. */
  const previousOf = (list: readonly ExperimentPlot[], i: number): ExperimentPlot | null => {
    if (!compareBox.checked || !compareWith || compareWith.length !== list.length) return null;
    const q = compareWith[i];
    return q && isLinePlot(q) && isLinePlot(list[i]!) ? q : null;
  };
  /** Draws `list` into the card's plot grid, reusing the boxes when the layout is the same. */
  const drawPlots = (list: readonly ExperimentPlot[], alt: string, live: boolean): number => {
    shown = { list, alt, live };
    overlaid = 0;
    for (const h of handles) h.destroy();
    handles = [];
    const two = list.length > 1 ? 'plots two' : 'plots';
    let boxes = [...plots.children] as HTMLElement[];
    if (boxes.length !== list.length || plots.className !== two) {
      plots.replaceChildren();
      plots.className = two;
      // Lay out every box first: each plot's width is its grid cell's width when it is drawn.
      boxes = list.map(() => el('div', { class: 'plot' }));
      plots.append(...boxes);
    }
    plots.toggleAttribute('data-live', live);
    for (const [i, p] of list.entries()) {
      const box = boxes[i]!;
      box.replaceChildren();
      const chart = el('div', { class: 'chart' });
      box.append(chart);
      const previous = previousOf(list, i);
      overlaid += previous?.series.length ?? 0;
      handles.push(linePlot(chart, p, 260, { previous }));
      // What to look for, under the plot; it is also part of the plot's text alternative.
      if (p.caption) box.append(el('p', { class: 'plot-caption muted' }, p.caption));
      // A text alternative for the drawing: the plot's title, what to look for and the run's summary.
      box.setAttribute('role', 'img');
      box.setAttribute('aria-label', `${p.title}. ${p.caption ? `${p.caption} ` : ''}${alt}${previous ? ' The previous run is drawn faded and dotted for comparison.' : ''}`);
    }
    return list.length;
  };
  let runStart = 0;
  let runFull = false;
  let estimate: Estimate | null = null;
  const setDisabled = (b: HTMLButtonElement, off: boolean) => {
    b.setAttribute('aria-disabled', String(off));
    b.classList.toggle('off', off);
  };
  // Until there is a previous run the box is aria-disabled (it keeps the focus) and does not toggle.
  compareBox.addEventListener('click', (ev) => {
    if (compareBox.getAttribute('aria-disabled') === 'true') ev.preventDefault();
  });
  compareBox.addEventListener('change', () => drawPlots(shown.list, shown.alt, shown.live));
  const allControls = [seedControl, ...controls];
  return {
    e,
    root,
    runButton,
    abortButton,
    values() {
      const params: Record<string, ExperimentParamValue> = {};
      for (const [i, p] of (e.params ?? []).entries()) {
        const v = controls[i]!.read();
        if (v !== undefined) params[p.name] = v;
      }
      const seed = seedControl.read();
      return { ...(seed !== undefined ? { seed: Number(seed) } : {}), params };
    },
    onControlChange(fn) {
      // Debounced: a dragged slider (or a held arrow key) re-runs once, when it rests.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const later = () => {
        clearTimeout(timer);
        timer = setTimeout(fn, RERUN_DEBOUNCE_MS);
      };
      for (const c of allControls) {
        c.input.addEventListener(c.input instanceof HTMLSelectElement || c.input.type === 'number' ? 'change' : 'input', later);
      }
    },
    setMode(quick) {
      for (const c of allControls) c.setMode(quick);
    },
    overlaid: () => overlaid,
    setState(s) {
      root.dataset.state = s;
      const [cls, text] = BADGE[s];
      badge.className = `badge ${cls}`;
      badge.textContent = text;
      const busy = s === 'queued' || s === 'running';
      setDisabled(runButton, busy);
      setDisabled(abortButton, !busy);
      if (s === 'queued' || s === 'running') {
        bar.value = 0;
        bar.removeAttribute('value'); // indeterminate until the first progress report
        message.textContent = s === 'queued' ? 'waiting for the running experiment' : 'starting…';
      }
      if (s === 'aborted') {
        bar.value = 0;
        message.textContent = 'aborted: no result';
      }
    },
    clear() {
      summary.textContent = '';
      summary.className = 'summary';
      checks.replaceChildren();
      drawPlots([], '', false);
    },
    showEstimate() {
      estimate = fullSizeEstimate(e.id);
      estimateLine.textContent = estimateText(estimate);
      estimateLine.dataset.estimate = estimate ? String(Math.round(estimate.ms)) : '';
      return estimate;
    },
    started(quick) {
      runStart = performance.now();
      runFull = !quick;
      compareWith = lastPlots;
      compareBox.setAttribute('aria-disabled', String(compareWith === null));
    },
    progress(fraction, msg) {
      bar.value = Math.max(0, Math.min(1, fraction));
      // A full-size run with an estimate counts down: the estimate less the time spent so far.
      const left = runFull && estimate ? estimate.ms - (performance.now() - runStart) : Number.NaN;
      const eta = Number.isFinite(left) ? ` · ${left > 0 ? aboutDuration(left) : 'a little longer'} left` : '';
      message.textContent = `${Math.round(100 * fraction)}%${msg ? ` · ${msg}` : ''}${eta}`;
    },
    partial(p) {
      drawPlots(p.plots, 'live: the run so far', true);
    },
    show(r, ms, quick) {
      bar.value = 1;
      message.textContent = `${(ms / 1000).toFixed(1)} s · ${quick ? 'quick' : 'full size'}`;
      summary.textContent = r.summary;
      summary.className = `summary ${r.ok ? 'ok' : 'fail'}`;
      checks.replaceChildren(checksList(r));
      const n = drawPlots(r.plots ?? [], r.summary, false);
      lastPlots = r.plots ?? [];
      return n;
    },
    showError(text) {
      bar.value = 0;
      checks.replaceChildren();
      drawPlots([], '', false);
      summary.textContent = text;
      summary.className = 'summary fail';
    },
  };
}

interface Job {
  card: Card;
  quick: boolean;
  seed?: number;
  params: Record<string, ExperimentParamValue>;
  /** Abort pressed between taking the job off the queue and handing it to the runner. */
  abortRequested?: boolean;
}

/** Mounts the page of the package with this slug (an entry of src/packages.ts). */
export async function mountExperimentsPage(slug: string): Promise<void> {
  const info = packageBySlug(slug);
  const shell: Shell = mountShell({ page: slug, pkg: info.name, title: info.title, intro: info.blurb });
  try {
    await run(shell, slug);
  } catch (err) {
    const e = err as Error;
    console.error(e);
    shell.publish({ done: true, ok: false, error: `${e.name}: ${e.message}` });
    shell.setStatus('error', `Error: ${e.name}: ${e.message}`);
  }
}

async function run(shell: Shell, slug: string): Promise<void> {
  const info = packageBySlug(slug);
  if (info.papers.length > 0) {
    shell.main.append(
      el('section', { class: 'papers' }, el('h2', {}, 'Papers'), el('ul', {}, ...info.papers.map((p) => el('li', {}, p)))),
    );
  }
  await mountExperimentCards(shell, info.name, shell.main);
}

/** How a page that holds experiment cards among other things judges and reports them. */
export interface ExperimentCardsOptions {
  /**
   * Called whenever nothing runs any more, with the finished runs (latest per experiment) and the
   * aborted ids: the page publishes its verdict and sets its status line. Default: the package
   * page's ("Done: 3/5 experiments ran, all ok.").
   */
  settle?: (finished: PageExperimentSummary[], aborted: string[]) => void;
}

/**
 * The "Experiments" section of a page: one card per registered experiment of `pkg` (Run, Abort,
 * progress, live plots, controls), a toolbar (Run all, Abort, full size) and the runner (a Web
 * Worker when one starts). Runs what `?autorun=` names on open (default all).
 */
export async function mountExperimentCards(shell: Shell, pkg: string, host: HTMLElement, options: ExperimentCardsOptions = {}): Promise<void> {
  const params = new URLSearchParams(location.search);
  const list = experimentsFor(pkg);

  const fullBox = el('input', { type: 'checkbox', id: 'full-size' });
  fullBox.checked = params.get('full') === '1';
  const runAll = button('Run all', { id: 'run-all' });
  const abortAll = button('Abort', { id: 'abort-all' });
  abortAll.setAttribute('aria-disabled', 'true');
  abortAll.classList.add('off');
  const setAbortAll = (on: boolean) => {
    abortAll.setAttribute('aria-disabled', String(!on));
    abortAll.classList.toggle('off', !on);
  };
  const runnerNote = el('span', { class: 'muted', id: 'runner' }, 'starting the experiment worker…');
  const totalNote = el('p', { class: 'muted', id: 'full-size-estimate' });
  const toolbar = el(
    'div',
    { class: 'toolbar' },
    runAll,
    abortAll,
    el('label', { for: 'full-size' }, fullBox, ' full size (page-sized runs; quick mode otherwise)'),
    runnerNote,
  );
  const cardsHost = el('div', { class: 'experiments' });
  host.append(el('section', {}, el('h2', {}, `Experiments (${list.length})`), toolbar, totalNote, cardsHost));

  const cards = list.map((e) => makeCard(e, !fullBox.checked));
  fullBox.addEventListener('change', () => {
    for (const c of cards) c.setMode(!fullBox.checked);
  });
  for (const c of cards) cardsHost.append(c.root);
  /** Each card's full-size estimate, and the whole page's for Run all at full size. */
  const showEstimates = () => {
    const est = cards.map((c) => c.showEstimate());
    const known = est.filter((x): x is Estimate => x !== null);
    const total = known.reduce((a, x) => a + x.ms, 0);
    totalNote.textContent =
      known.length === 0
        ? ''
        : `Run all at full size: ${aboutDuration(total)}${known.length < cards.length ? ` for the ${known.length} of ${cards.length} experiments with an estimate` : ''} (each card shows its own).`;
    shell.publish({ estimates: Object.fromEntries(cards.map((c, i) => [c.e.id, est[i] ? { ms: Math.round(est[i]!.ms), source: est[i]!.source } : null])) });
  };
  showEstimates();

  const results = new Map<string, PageExperimentSummary>();
  /** Experiments whose latest run was aborted (no result; the status line says so). */
  const aborted = new Set<string>();
  const publish = (extra: Record<string, unknown> = {}) => {
    const finished = [...results.values()];
    shell.publish({ experiments: finished, ok: finished.length > 0 && finished.every((r) => r.ok), ...extra });
  };
  shell.publish({ listed: list.map((e) => ({ id: e.id, title: e.title })) });

  if (list.length === 0) {
    shell.publish({ done: true, ok: true });
    shell.setStatus('done', `No experiments are registered for ${pkg} yet.`);
    runAll.disabled = true;
    runnerNote.textContent = '';
    return;
  }

  // What runs on open.
  const autorun = (params.get('autorun') ?? 'all').trim();
  let initial: Card[] = [];
  if (autorun === 'all') initial = cards;
  else if (autorun === 'first') initial = cards.slice(0, 1);
  else if (autorun !== 'none' && autorun !== '') {
    const ids = autorun.split(',').map((s) => s.trim());
    const unknown = ids.filter((id) => !cards.some((c) => c.e.id === id));
    if (unknown.length > 0) throw new Error(`?autorun names no experiment of ${pkg}: ${unknown.join(', ')}`);
    initial = cards.filter((c) => ids.includes(c.e.id));
  }
  shell.publish({ autorun });

  let runner: ExperimentRunner;
  if (params.get('worker') === '0') runner = mainThreadRunner('?worker=0');
  else {
    const w = await workerRunner();
    runner = typeof w === 'string' ? mainThreadRunner(w) : w;
    if (typeof w === 'string') console.warn(`experiments run on the main thread: ${w}`);
  }
  const cpu = runner.cpu;
  const kernels = !cpu
    ? 'js CPU kernels'
    : cpu.backend === 'wasm'
      ? `wasm SIMD${cpu.fma ? ' (fused multiply-add)' : ''} CPU kernels on ${cpu.threads} thread${cpu.threads === 1 ? '' : 's'}${cpu.reason ? ` (${cpu.reason})` : ''}`
      : `js CPU kernels (${cpu.reason})`;
  runnerNote.textContent =
    runner.mode === 'worker' ? `Experiments run in a Web Worker, on ${kernels}.` : `Experiments run on the main thread (${runner.reason ?? 'no worker'}), on js CPU kernels.`;
  shell.publish({ runner: runner.mode, cpu: cpu ?? { backend: 'js', threads: 1, fma: false, reason: 'main thread' }, hardwareConcurrency: navigator.hardwareConcurrency });

  const queue: Job[] = [];
  /** Cards whose controls changed while they ran: re-run once the aborted run has settled. */
  const rerunAfter = new Set<Card>();
  /** The job being run; `handle` is null for the moment between the queue and the runner. */
  let active: { job: Job; handle: RunHandle | null } | null = null;
  let draining = false;

  const settleStatus = () => {
    const busy = active !== null || queue.length > 0;
    setAbortAll(busy);
    if (busy) return;
    const finished = [...results.values()];
    if (options.settle) {
      publish({ aborted: [...aborted] });
      options.settle(finished, [...aborted]);
      return;
    }
    const failed = finished.filter((r) => !r.ok);
    const ok = failed.length === 0;
    publish({ done: true, ok, aborted: [...aborted] });
    const stopped = aborted.size > 0 ? ` ${aborted.size} aborted (${[...aborted].join(', ')}).` : '';
    if (finished.length === 0) shell.setStatus('done', aborted.size > 0 ? `Stopped: no experiment finished;${stopped}` : 'Ready: press Run on an experiment, or Run all.');
    else
      shell.setStatus(
        ok ? 'done' : 'error',
        ok
          ? `${aborted.size > 0 ? 'Stopped' : 'Done'}: ${finished.length}/${list.length} experiments ran, all ok.${stopped}`
          : `Finished with problems: ${failed.map((r) => r.id).join(', ')} failed (${finished.length - failed.length}/${finished.length} ok).${stopped}`,
      );
  };

  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const job = queue.shift()!;
        const { card, quick } = job;
        card.setState('running');
        card.clear();
        results.delete(card.e.id);
        aborted.delete(card.e.id);
        shell.publish({ done: false });
        shell.setStatus('running', `Running ${card.e.id}${quick ? '' : ' (full size)'}… ${queue.length} more queued.`);
        active = { job, handle: null };
        // A task boundary between experiments: the page repaints and handles clicks.
        await yieldToEventLoop();
        if (job.abortRequested) {
          active = null;
          markAborted(card);
          publish();
          if (rerunAfter.delete(card)) {
            card.setState('queued');
            queue.push({ card, quick: !fullBox.checked, ...card.values() });
          }
          continue;
        }
        const t0 = performance.now();
        card.started(quick);
        let progressReports = 0;
        let partialReports = 0;
        const handle = runner.run({
          id: card.e.id,
          quick,
          seed: job.seed,
          params: job.params,
          onProgress: (p) => {
            progressReports++;
            card.progress(p.fraction, p.message);
          },
          onPartial: (p) => {
            partialReports++;
            card.partial(p);
          },
        });
        active = { job, handle };
        try {
          const r = await handle.result;
          const ms = performance.now() - t0;
          // A full-size run at the declared defaults is the next estimate (changed sizes are not).
          if (!quick && Object.keys(job.params).length === 0) {
            rememberFullSize(card.e.id, ms);
            showEstimates();
          }
          card.setState(r.ok ? 'ok' : 'fail');
          const plots = card.show(r, ms, quick);
          const problems = (r.plots ?? []).flatMap(plotProblems);
          const covered = (r.plots ?? []).flatMap((p) => [...coveredSeries(p)].map(([j, i]) => `${p.title} / ${p.series[j]!.name} over ${p.series[i]!.name}`));
          const checks = r.checks.map((c) => ({ statement: c.statement, holds: c.holds, asserted: c.asserted !== false }));
          results.set(card.e.id, { id: card.e.id, ok: r.ok, summary: r.summary, ms, metrics: r.metrics, quick, plots, progressReports, partialReports, plotProblems: problems, coveredSeries: covered, checks, seed: job.seed, params: job.params, overlaid: card.overlaid() });
        } catch (err) {
          if (err instanceof AbortedError) markAborted(card);
          else {
            const e = err as Error;
            const ms = performance.now() - t0;
            card.setState('fail');
            const text = `threw ${e.name}: ${e.message}`;
            card.showError(text);
            results.set(card.e.id, { id: card.e.id, ok: false, summary: text, ms, quick, plots: 0, progressReports, partialReports, plotProblems: [], coveredSeries: [], checks: [], seed: job.seed, params: job.params, overlaid: 0 });
          }
        } finally {
          active = null;
        }
        publish();
        // A control moved while this run went on: it was aborted, now run with the new values.
        if (rerunAfter.delete(card)) {
          card.setState('queued');
          queue.push({ card, quick: !fullBox.checked, ...card.values() });
        }
        await yieldToEventLoop();
      }
    } finally {
      draining = false;
      settleStatus();
    }
  };

  /** An aborted card shows no result: the previous run's summary, checks and plots go. */
  const markAborted = (card: Card) => {
    card.setState('aborted');
    card.clear();
    results.delete(card.e.id);
    aborted.add(card.e.id);
  };

  const enqueue = (toRun: Card[]) => {
    const quick = !fullBox.checked;
    for (const card of toRun) {
      if (active?.job.card === card || queue.some((j) => j.card === card)) continue;
      card.setState('queued');
      queue.push({ card, quick, ...card.values() });
    }
    setAbortAll(true);
    void drain();
  };

  const abortCard = (card: Card) => {
    const i = queue.findIndex((j) => j.card === card);
    if (i >= 0) {
      queue.splice(i, 1);
      markAborted(card);
      publish();
      settleStatus();
    } else if (active?.job.card === card) {
      if (active.handle) active.handle.abort();
      else active.job.abortRequested = true;
    }
  };

  for (const c of cards) {
    // A changed control re-runs the card with the new values (aborting a run in progress).
    c.onControlChange(() => {
      if (active?.job.card === c && active.handle) {
        rerunAfter.add(c);
        active.handle.abort();
        return;
      }
      if (active?.job.card === c) active.job.abortRequested = true;
      const i = queue.findIndex((j) => j.card === c);
      if (i >= 0) queue.splice(i, 1);
      if (active?.job.card === c) rerunAfter.add(c);
      else enqueue([c]);
    });
    c.runButton.addEventListener('click', () => {
      if (c.runButton.getAttribute('aria-disabled') !== 'true') enqueue([c]);
    });
    c.abortButton.addEventListener('click', () => {
      if (c.abortButton.getAttribute('aria-disabled') !== 'true') abortCard(c);
    });
  }
  runAll.addEventListener('click', () => enqueue(cards));
  abortAll.addEventListener('click', () => {
    if (abortAll.getAttribute('aria-disabled') === 'true') return;
    for (const j of queue.splice(0)) markAborted(j.card);
    if (active?.handle) active.handle.abort();
    else if (active) active.job.abortRequested = true;
    publish();
    settleStatus();
  });

  if (initial.length > 0) enqueue(initial);
  else settleStatus();
}
