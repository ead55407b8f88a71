import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ExperimentPlot, ExperimentReference, ExperimentScatter, ExperimentSeries } from './experiment';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#a16207', '#db2777', '#4b5563'];

/**
 * One colour per series name for the whole page: a method keeps its colour from plot to plot
 * (names are assigned colours in the order they are first drawn).
 */
const byName = new Map<string, string>();
export function colorFor(name: string): string {
  let c = byName.get(name);
  if (!c) {
    c = COLORS[byName.size % COLORS.length]!;
    byName.set(name, c);
  }
  return c;
}

/** Reference lines (bounds, theory curves) are grey, thin and dashed: never mistaken for data. */
const REFERENCE_STROKE = '#64748b';
const REFERENCE_WIDTH = 1.5;
/** One dash pattern per reference of a plot, so several references tell apart. */
const REFERENCE_DASHES = [
  [6, 4],
  [12, 4, 2, 4],
  [2, 3],
  [14, 6],
];

/** A drawn reference: the points of its line, and how it is drawn (a band is two edges and a fill). */
interface ReferenceLine {
  label: string;
  kind: ExperimentReference['kind'];
  x: number[];
  y: number[];
  stroke: string;
  width: number;
  dash: number[];
}

/**
 * The lines of a plot's references: a 'line' spans the data's x range, a 'band' is its two edges
 * (filled between), a 'curve' is drawn as given. Nothing when there is no data to span.
 */
function referenceLines(p: ExperimentPlot): ReferenceLine[] {
  const refs = p.references ?? [];
  if (refs.length === 0) return [];
  const xs = p.series.flatMap((s) => s.x.filter((v) => Number.isFinite(v) && (!p.logX || v > 0)));
  const span = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : null;
  const out: ReferenceLine[] = [];
  refs.forEach((r, i) => {
    const style = { stroke: REFERENCE_STROKE, width: REFERENCE_WIDTH, dash: REFERENCE_DASHES[i % REFERENCE_DASHES.length]! };
    if (r.kind === 'curve') out.push({ label: r.label, kind: r.kind, x: [...r.x], y: [...r.y], ...style });
    else if (span && r.kind === 'line') out.push({ label: r.label, kind: r.kind, x: span, y: [r.y, r.y], ...style });
    else if (span && r.kind === 'band') {
      out.push({ label: `${r.label} (upper)`, kind: r.kind, x: span, y: [r.to, r.to], ...style });
      out.push({ label: `${r.label} (lower)`, kind: r.kind, x: span, y: [r.from, r.from], ...style });
    }
  });
  return out;
}

/** The plot's data series followed by its reference lines (what uPlot is given). */
function withReferences(p: ExperimentPlot): ExperimentPlot {
  const refs = referenceLines(p);
  return refs.length === 0 ? p : { ...p, series: [...p.series, ...refs.map((r): ExperimentSeries => ({ name: r.label, x: r.x, y: r.y }))] };
}

/** Plotted y of a series point (log10 on a log axis), or null when it cannot be drawn. */
function plotted(p: ExperimentPlot, v: number): number | null {
  if (!Number.isFinite(v) || (p.logY && !(v > 0))) return null;
  return p.logY ? Math.log10(v) : v;
}

/**
 * Indices of series drawn (almost) exactly on top of an earlier one: at least 90% of their points
 * within 1% of the plot's y range (what the e2e plot test calls on top) of the earlier series at the same x. They are drawn dashed,
 * over a wider line of the series they cover, so both stay visible.
 */
export function coveredSeries(p: ExperimentPlot): Map<number, number> {
  const out = new Map<number, number>();
  const all = p.series.flatMap((s) => s.y.map((v) => plotted(p, v)).filter((v): v is number => v !== null));
  if (all.length === 0) return out;
  const span = Math.max(...all) - Math.min(...all) || Math.abs(all[0]!) || 1;
  const tol = 0.01 * span;
  for (let j = 1; j < p.series.length; j++) {
    const sj = p.series[j]!;
    for (let i = 0; i < j; i++) {
      const si = p.series[i]!;
      const at = new Map<number, number>();
      si.x.forEach((x, k) => {
        const v = plotted(p, si.y[k]!);
        if (v !== null) at.set(x, v);
      });
      let close = 0;
      let n = 0;
      sj.x.forEach((x, k) => {
        const v = plotted(p, sj.y[k]!);
        const w = at.get(x);
        if (v === null || w === undefined) return;
        n++;
        if (Math.abs(v - w) <= tol) close++;
      });
      if (n > 0 && close >= 0.9 * n) {
        out.set(j, i);
        break;
      }
    }
  }
  return out;
}

/**
 * What is wrong with a plot's data as drawn (for the e2e test and the page's results): values
 * that cannot be drawn (non-finite, or <= 0 on a log axis) and log-x plots whose ticks would not
 * sit at the data. Series covered by another are drawn dashed, so they are listed separately.
 */
export function plotProblems(p: ExperimentPlot): string[] {
  const out: string[] = [];
  for (const s of p.series) {
    const badY = s.y.filter((v) => !Number.isFinite(v) || (p.logY === true && !(v > 0))).length;
    const badX = s.x.filter((v) => !Number.isFinite(v) || (p.logX === true && !(v > 0))).length;
    if (badY > 0) out.push(`${p.title} / ${s.name}: ${badY} y value(s) that cannot be drawn${p.logY ? ' on a log axis' : ''}`);
    if (badX > 0) out.push(`${p.title} / ${s.name}: ${badX} x value(s) that cannot be drawn${p.logX ? ' on a log axis' : ''}`);
    if (s.x.length !== s.y.length) out.push(`${p.title} / ${s.name}: ${s.x.length} x values for ${s.y.length} y values`);
  }
  if (p.scatter) {
    const sc = p.scatter;
    const bad = sc.x.filter((v) => !Number.isFinite(v)).length + sc.y.filter((v) => !Number.isFinite(v)).length;
    if (bad > 0) out.push(`${p.title}: ${bad} scatter coordinate(s) that cannot be drawn`);
    if (sc.classes.some((c) => !Number.isInteger(c) || c < 0 || c >= sc.classNames.length)) out.push(`${p.title}: a scatter point's class is not one of its ${sc.classNames.length} classes`);
    const empty = sc.classNames.filter((_, k) => !sc.classes.includes(k));
    if (empty.length > 0) out.push(`${p.title}: scatter classes with no points (${empty.join(', ')})`);
  }
  if (p.categories) {
    for (const s of p.series) if (s.x.some((v) => !Number.isInteger(v) || v < 0 || v >= p.categories!.length)) out.push(`${p.title} / ${s.name}: x is not a category index`);
  }
  return out;
}

/** Tick labels at the data's own x values when a plot has only a few of them (sizes, lengths). */
function dataXs(p: ExperimentPlot): number[] | null {
  const xs = [...new Set(p.series.flatMap((s) => s.x.filter((v) => Number.isFinite(v) && (!p.logX || v > 0))))].sort((a, b) => a - b);
  return xs.length > 0 && xs.length <= 12 ? xs : null;
}

/** Axis width from its longest tick label, so labels and the axis title are never cut off. */
const axisSize = (_u: uPlot, values: string[] | null) => Math.max(48, 14 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v).length)) + 22);

/** A y range that does not blow a constant series (all accuracies 1) up to [0, 2]. */
const yRange = (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => {
  if (min == null || max == null) return [0, 1];
  if (max - min < 1e-12 * Math.max(1, Math.abs(max))) {
    const pad = 0.05 * (Math.abs(max) || 1);
    return [min - pad, max + pad];
  }
  const pad = 0.05 * (max - min);
  // Values in [0, 1] (accuracies, correlations) stay on a [0, 1]-bounded axis.
  const lo = min >= 0 && min - pad < 0 ? 0 : min - pad;
  const hi = max <= 1 && max + pad > 1 && min >= 0 ? 1 : max + pad;
  return [lo, hi];
};

/** Redraws at the host's width when it changes (narrow screens, window resizes); returns the stopper. */
function followWidth(host: HTMLElement, plot: uPlot, height: number): () => void {
  if (typeof ResizeObserver === 'undefined') return () => {};
  let last = plot.width;
  const ro = new ResizeObserver(() => {
    const w = Math.max(240, Math.min(host.clientWidth - 16, 900));
    if (w > 0 && Math.abs(w - last) > 4) {
      last = w;
      plot.setSize({ width: w, height });
    }
  });
  ro.observe(host);
  return () => ro.disconnect();
}

/**
 * Draws once, then again whenever the host's width changes by more than 4 px (`draw` returns the
 * width it drew at). `now()` redraws at once; `stop()` ends the observation.
 */
function redrawOnResize(host: HTMLElement, draw: () => number): { now: () => void; stop: () => void } {
  let last = draw();
  const ro =
    typeof ResizeObserver === 'undefined'
      ? null
      : new ResizeObserver(() => {
          if (Math.abs(widthFor(host) - last) > 4) last = draw();
        });
  ro?.observe(host);
  return {
    now: () => {
      last = draw();
    },
    stop: () => ro?.disconnect(),
  };
}

/** The plot's width for its host: never wider than the host (narrow screens), at most 900 px. */
function widthFor(host: HTMLElement): number {
  const w = host.clientWidth - 16;
  return w > 0 ? Math.max(240, Math.min(w, 900)) : 640;
}

/**
 * What a drawn plot shows, as the e2e test reads it (`element.__plot` on the plot's host): the
 * data as given, each series' line style, and each axis's ticks (position in the axis's own units,
 * a log10 exponent on a log y axis) with their label text and the axis range.
 */
export interface DrawnPlot {
  title: string;
  kind: 'lines' | 'bars' | 'heatmap' | 'scatter';
  logX: boolean;
  logY: boolean;
  categories: string[] | null;
  series: { name: string; x: number[]; y: number[]; stroke: string; width: number; dash: number[] | null }[];
  /** Reference lines (bounds, theory curves; a band as its two edges): grey, thin, dashed. */
  references: ReferenceLine[];
  axes: { side: 'x' | 'y'; splits: number[]; labels: string[]; min: number | null; max: number | null }[];
  /** A heatmap plot's pictures, with the colour scale they share ([min, max], shown as a bar). */
  heatmaps?: { name: string; rows: number; cols: number; values: number[]; min: number; max: number; cellPx: number }[];
  /**
   * The previous run's series drawn faded and dashed under this run's (the card's "compare with
   * the previous run" overlay), each named after the series it repeats; in the legend as "(previous)".
   */
  previous?: { name: string; label: string; x: number[]; y: number[]; stroke: string; width: number; dash: number[] | null }[];
  /**
   * A scatter plot's classes as its legend shows them (name, colour, points drawn), in class
   * order; its points are the `series` (one per class, `stroke` the class colour), drawn over the
   * `heatmaps` (if any) on [xMin, xMax, yMin, yMax] = `extent`, `panels` times (once per heatmap).
   */
  legend?: { name: string; color: string; count: number }[];
  extent?: [number, number, number, number];
  panels?: number;
  width: number;
}

/** Publishes the drawn state on the host after every redraw (ticks change with the width). */
function describeOnDraw(host: HTMLElement, kind: DrawnPlot['kind'], get: () => ExperimentPlot, styles: { width: number; dash: number[] | null }[]): (u: uPlot) => void {
  return (u) => {
    const p = get();
    const axes = u.axes.map((a, i) => {
      const ax = a as uPlot.Axis & { _splits?: (number | null)[]; _values?: (string | number | null)[] };
      const sc = u.scales[i === 0 ? 'x' : 'y']!;
      return {
        side: (i === 0 ? 'x' : 'y') as 'x' | 'y',
        splits: (ax._splits ?? []).filter((v): v is number => v != null),
        labels: (ax._values ?? []).map((v) => (v == null ? '' : String(v))),
        min: sc.min ?? null,
        max: sc.max ?? null,
      };
    });
    const drawn: DrawnPlot = {
      title: p.title,
      kind,
      logX: p.logX === true,
      logY: p.logY === true,
      categories: p.categories ?? null,
      series: p.series.map((s, i) => ({ name: s.name, x: [...s.x], y: [...s.y], stroke: colorFor(s.name), ...styles[i]! })),
      references: kind === 'lines' ? referenceLines(p) : [],
      axes,
      width: u.width,
    };
    (host as HTMLElement & { __plot?: DrawnPlot }).__plot = drawn;
  };
}

export interface PlotHandle {
  /** Redraws with new data (same series, same order). */
  update(p: ExperimentPlot): void;
  /** Removes the chart from its host and stops following the host's width. */
  destroy(): void;
  /** The uPlot chart (none for a heatmap, drawn on plain canvases). */
  plot?: uPlot;
}

/** Aligns the series (each with its own x values) on one shared, sorted x axis. */
function toData(p: ExperimentPlot): uPlot.AlignedData {
  // uPlot draws gaps for null; NaN or Infinity (a missing measurement) would break its scales,
  // and so would a value <= 0 on a log axis (a loss that reached exactly 0 is drawn as a gap).
  // A log y axis plots log10(y) on a linear scale: uPlot's own log scale draws no ticks at all
  // once the data spans more than ~17 decades (a diverged run beside a converged one).
  const keepY = (v: number) => Number.isFinite(v) && (!p.logY || v > 0);
  const keepX = (v: number) => Number.isFinite(v) && (!p.logX || v > 0);
  if (p.series.length === 0) return [[]];
  return uPlot.join(
    p.series.map((s) => {
      const n = Math.min(s.x.length, s.y.length);
      const xs: number[] = [];
      const ys: (number | null)[] = [];
      for (let i = 0; i < n; i++) {
        if (!keepX(s.x[i]!)) continue;
        xs.push(s.x[i]!);
        ys.push(keepY(s.y[i]!) ? (p.logY ? Math.log10(s.y[i]!) : s.y[i]!) : null);
      }
      return [xs, ys] as uPlot.AlignedData;
    }),
  );
}

/** Point markers only on sparse series (a few dozen points); dense curves read better as lines. */
const MARKERS_UP_TO = 60;

/**
 * Splits for a log10 axis: the decades in range (uPlot's default also puts a tick and a grid line
 * at every 2..9 x 10^k, which is unreadable), with 2x and 5x added when the range spans < 2 decades.
 */
function logSplits(px: number, min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [min, max];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = Math.log10(max / min) < 2 ? [1, 2, 5] : [1];
  // Over many decades keep every k-th one so the labels do not overlap (one per 64 px).
  const room = Math.max(2, Math.floor(px / 64));
  const k = Math.max(1, Math.ceil((hi - lo + 1) / room));
  const out: number[] = [];
  for (let e = Math.ceil(lo / k) * k; e <= hi; e += k) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/**
 * Splits of a log10-transformed axis (values are exponents): whole decades, every k-th one when
 * there are too many for the axis, with 2x and 5x added when the range spans < 2 decades.
 */
function decadeSplits(px: number, min: number, max: number): number[] {
  if (!(max > min)) return [min];
  // About one label per 22 px of axis (uPlot's bbox is not final when splits are asked for).
  const room = Math.max(2, Math.floor(px / 22));
  if (max - min < 0.6) return narrowSplits(min, max);
  const lo = Math.floor(min);
  const hi = Math.ceil(max);
  const mantissas = max - min < 2 ? [1, 2, 5] : [1];
  const k = Math.max(1, Math.ceil((hi - lo + 1) / room));
  const out: number[] = [];
  for (let e = Math.ceil(lo / k) * k; e <= hi; e += k) {
    for (const m of mantissas) {
      const v = e + Math.log10(m);
      if (v >= min - 1e-9 && v <= max + 1e-9) out.push(v);
    }
  }
  return out;
}

/** 1, 2 or 5 times a power of ten, the smallest such at least x. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Under ~half a decade, decades give one tick or none: evenly spaced values, as exponents. */
function narrowSplits(min: number, max: number): number[] {
  const lo = 10 ** min;
  const hi = 10 ** max;
  const step = niceStep((hi - lo) / 4);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi * (1 + 1e-12); v += step) out.push(Math.log10(v));
  return out;
}

/** Tick labels of a log axis: plain numbers in [1e-3, 1e5), else 1e-7 / 5e-4 (uPlot would print 0). */
export function logTickLabel(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(2).split('e') as [string, string];
  return `${Number(m)}e${Number(e)}`;
}
const logValues = (_u: uPlot, splits: (number | null)[]) => splits.map((v) => (v == null ? '' : logTickLabel(v)));
/** Our log splits are already thinned: uPlot's log-axis filter would blank some (labelled "null"). */
const keepAll = (_u: uPlot, splits: number[]) => splits;
/** Labels of a log10-transformed axis: the exponent v is shown as the value 10^v. */
const decadeValues = (_u: uPlot, splits: number[]) => splits.map((v) => logTickLabel(Number((10 ** v).toPrecision(6))));

/** A log2 x range that ends at the data instead of the next power of two. */
const tightRange = (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => [min, max];

/** Breaks a category name at spaces into lines of at most `px` pixels (about 7 px a character). */
function wrapLabel(name: string, px: number): string {
  const max = Math.max(4, Math.floor(px / 7));
  const lines: string[] = [];
  let line = '';
  for (const word of name.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Width of one category's group of bars, as a fraction of the category spacing. */
const GROUP = 0.7;

/**
 * Grouped bars for a categorical plot: series i is shifted to category + its slot in the group,
 * so each (category, series) pair has its own x and uPlot's bar builder draws one bar there.
 */
function categoricalData(p: ExperimentPlot): ExperimentPlot {
  const k = p.series.length;
  const slot = GROUP / Math.max(k, 1);
  return {
    ...p,
    series: p.series.map((s, i) => ({ ...s, x: s.x.map((c) => c - GROUP / 2 + slot * (i + 0.5)) })),
  };
}

function barPlot(host: HTMLElement, p: ExperimentPlot, height: number): PlotHandle {
  const cats = p.categories ?? [];
  const width = widthFor(host);
  // On a log axis the bars stand on the lowest decade of the data (log10 values are plotted).
  const logs = p.logY ? p.series.flatMap((s) => s.y.map((v) => plotted(p, v)).filter((v): v is number => v !== null)) : [];
  const logLo = logs.length > 0 ? Math.floor(Math.min(...logs)) : 0;
  const logHi = logs.length > 0 ? Math.max(Math.ceil(Math.max(...logs)), logLo + 1) : 1;
  const slot = GROUP / Math.max(p.series.length, 1);
  const bars = uPlot.paths.bars!({ size: [slot * 0.9, Number.POSITIVE_INFINITY], align: 0 });
  const opts: uPlot.Options = {
    title: p.title,
    width,
    height,
    scales: {
      x: { time: false, range: () => [-0.5, cats.length - 0.5] },
      // Bars start at zero (or at the data when it is all negative); on a log axis at the lowest decade.
      y: p.logY ? { distr: 1, range: () => [logLo, logHi] } : { distr: 1, range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(0, max ?? 0) * 1.08 || 1] },
    },
    axes: [
      {
        label: p.xLabel,
        stroke: '#334155',
        grid: { show: false },
        splits: () => cats.map((_, i) => i),
        // Long names wrap onto several lines so neighbouring categories never overlap.
        values: (_u, splits) => splits.map((v) => wrapLabel(cats[Math.round(v)] ?? '', (width - 90) / Math.max(cats.length, 1))),
        size: 24 + 14 * Math.max(1, ...cats.map((c) => wrapLabel(c, (width - 90) / Math.max(cats.length, 1)).split('\n').length)),
      },
      {
        label: p.yLabel,
        stroke: '#334155',
        grid: { stroke: '#e2e8f0' },
        size: axisSize,
        ...(p.logY ? { splits: (_u: uPlot, _i: number, lo: number, hi: number) => decadeSplits(height - 90, lo, hi), values: decadeValues } : {}),
      },
    ],
    series: [
      { label: p.xLabel, value: (_u: uPlot, v: number | null) => (v == null ? '-' : (cats[Math.round(v)] ?? '')) },
      ...p.series.map((s) => ({
        label: s.name,
        stroke: colorFor(s.name),
        fill: `${colorFor(s.name)}b0`,
        width: 1,
        paths: bars,
        points: { show: false },
        ...(p.logY ? { fillTo: () => logLo } : {}),
        value: (_u: uPlot, v: number | null) => (v == null ? '-' : (p.logY ? 10 ** v : v).toPrecision(3)),
      })),
    ],
  };
  let current = p;
  opts.hooks = { draw: [describeOnDraw(host, 'bars', () => current, p.series.map(() => ({ width: 1, dash: null })))] };
  const plot = new uPlot(opts, toData(categoricalData(p)), host);
  const unfollow = followWidth(host, plot, height);
  return {
    plot,
    destroy: () => {
      unfollow();
      plot.destroy();
    },
    update: (next) => {
      current = next;
      plot.setData(toData(categoricalData(next)));
    },
  };
}

/** A perceptual colour ramp (dark blue → teal → yellow) for heatmaps, t in [0, 1]. */
const RAMP: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
export function rampColor(t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k]! - v))).join(', ')})`;
}

/**
 * Heatmaps side by side on one colour scale (the plot's `heatmaps`): one canvas per matrix, its
 * cells as large as the box allows (at most 12 px), a colour bar with the scale's ends. Redraws
 * when the box's width changes.
 */
function heatmapPlot(host: HTMLElement, p: ExperimentPlot): PlotHandle {
  const maps = p.heatmaps ?? [];
  const all = maps.flatMap((h) => h.values.filter(Number.isFinite));
  const min = all.length > 0 ? Math.min(...all) : 0;
  const max = all.length > 0 ? Math.max(...all) : 1;
  const fmt = (v: number) => String(Number(v.toPrecision(3)));
  const draw = () => {
    const width = widthFor(host);
    const gap = 12;
    const k = Math.max(1, maps.length);
    const cols = Math.max(1, ...maps.map((h) => h.cols));
    const cellPx = Math.max(1, Math.min(12, Math.floor((width - gap * (k - 1)) / k / cols)));
    host.replaceChildren();
    const title = document.createElement('div');
    title.className = 'u-title';
    title.textContent = p.title;
    const row = document.createElement('div');
    row.className = 'heatmaps';
    for (const h of maps) {
      const fig = document.createElement('figure');
      fig.className = 'heatmap';
      const canvas = document.createElement('canvas');
      canvas.width = h.cols * cellPx;
      canvas.height = h.rows * cellPx;
      const ctx = canvas.getContext('2d');
      if (ctx) {
        for (let r = 0; r < h.rows; r++) {
          for (let c = 0; c < h.cols; c++) {
            ctx.fillStyle = rampColor(max > min ? (h.values[r * h.cols + c]! - min) / (max - min) : 0.5);
            ctx.fillRect(c * cellPx, r * cellPx, cellPx, cellPx);
          }
        }
      }
      const cap = document.createElement('figcaption');
      cap.textContent = `${h.name} (${h.rows}x${h.cols})`;
      fig.append(canvas, cap);
      row.append(fig);
    }
    const bar = document.createElement('div');
    bar.className = 'colorbar muted';
    const ramp = document.createElement('span');
    ramp.className = 'ramp';
    ramp.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(', ')})`;
    bar.append(`${fmt(min)} `, ramp, ` ${fmt(max)} · ${p.yLabel} down, ${p.xLabel} across`);
    host.append(title, row, bar);
    const drawn: DrawnPlot = {
      title: p.title,
      kind: 'heatmap',
      logX: false,
      logY: false,
      categories: null,
      series: [],
      references: [],
      axes: [],
      heatmaps: maps.map((h) => ({ name: h.name, rows: h.rows, cols: h.cols, values: [...h.values], min, max, cellPx })),
      width: Math.max(0, ...maps.map((h) => h.cols * cellPx)) * k + gap * (k - 1),
    };
    (host as HTMLElement & { __plot?: DrawnPlot }).__plot = drawn;
    return width;
  };
  const redraw = redrawOnResize(host, draw);
  return {
    destroy: () => {
      redraw.stop();
      host.replaceChildren();
    },
    update: () => {
      redraw.now();
    },
  };
}

/** Class colours (one per class index, the same on every plot): 12 distinct hues, then more by the golden angle. */
const CLASS_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#b5cf6b'];
export function classColor(k: number): string {
  if (k < CLASS_COLORS.length) return CLASS_COLORS[k]!;
  const h = Math.round((k * 137.508) % 360);
  return `hsl(${h}, 65%, 45%)`;
}

/** About `count` round tick values in [lo, hi]. */
function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, count));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** The scatter's axis box: its extent, else the points' range padded by 5%. */
function scatterExtent(sc: ExperimentScatter): [number, number, number, number] {
  if (sc.extent) return [sc.extent[0], sc.extent[1], sc.extent[2], sc.extent[3]];
  const xs = sc.x.filter(Number.isFinite);
  const ys = sc.y.filter(Number.isFinite);
  const pad = (v: number[]): [number, number] => {
    if (v.length === 0) return [0, 1];
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const d = hi > lo ? 0.05 * (hi - lo) : 0.5 * (Math.abs(hi) || 1);
    return [lo - d, hi + d];
  };
  return [...pad(xs), ...pad(ys)];
}

/**
 * A class-coloured scatter (the plot's `scatter`): one panel, or one per heatmap with the heatmap
 * drawn under the points over the scatter's extent (a decision boundary under the data); edges
 * as thin grey segments under the points; a legend of the classes (colour, name, points) and a
 * colour bar when there are heatmaps. Redraws when the box's width changes.
 */
function scatterPlot(host: HTMLElement, first: ExperimentPlot): PlotHandle {
  let p = first;
  const fmt = (v: number) => String(Number(v.toPrecision(3)));
  const draw = () => {
    const sc = p.scatter!;
    const maps = p.heatmaps ?? [];
    const [x0, x1, y0, y1] = scatterExtent(sc);
    const all = maps.flatMap((h) => h.values.filter(Number.isFinite));
    const hmMin = all.length > 0 ? Math.min(...all) : 0;
    const hmMax = all.length > 0 ? Math.max(...all) : 1;
    const n = Math.min(sc.x.length, sc.y.length, sc.classes.length);
    const ok = (i: number) => Number.isFinite(sc.x[i]!) && Number.isFinite(sc.y[i]!);
    const counts = sc.classNames.map(() => 0);
    for (let i = 0; i < n; i++) if (ok(i) && counts[sc.classes[i]!] !== undefined) counts[sc.classes[i]!]!++;
    const width = widthFor(host);
    const panels = Math.max(1, maps.length);
    const gap = 12;
    const side = Math.max(160, Math.min(380, Math.floor((width - gap * (panels - 1)) / panels)));
    const left = 40;
    const bottom = 30;
    const inner = side - left - 8;
    const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(inner / 70)));
    const yTicks = niceTicks(y0, y1, Math.max(2, Math.floor(inner / 50)));
    const px = (v: number) => left + ((v - x0) / (x1 - x0)) * inner;
    const py = (v: number) => 8 + ((y1 - v) / (y1 - y0)) * inner;
    const r = n > 400 ? 2.5 : 3.5;
    host.replaceChildren();
    const title = document.createElement('div');
    title.className = 'u-title';
    title.textContent = p.title;
    const row = document.createElement('div');
    row.className = 'heatmaps';
    for (let k = 0; k < panels; k++) {
      const h = maps[k];
      const fig = document.createElement('figure');
      fig.className = 'scatter';
      const canvas = document.createElement('canvas');
      canvas.width = side;
      canvas.height = inner + 8 + bottom;
      const ctx = canvas.getContext('2d');
      if (ctx) {
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        if (h) {
          // The heatmap stretched over the extent, cell by cell (row 0 at the top).
          const cw = inner / h.cols;
          const ch = inner / h.rows;
          for (let i = 0; i < h.rows; i++) {
            for (let j = 0; j < h.cols; j++) {
              ctx.fillStyle = rampColor(hmMax > hmMin ? (h.values[i * h.cols + j]! - hmMin) / (hmMax - hmMin) : 0.5);
              ctx.fillRect(left + j * cw, 8 + i * ch, Math.ceil(cw), Math.ceil(ch));
            }
          }
        }
        // Axes with their ticks.
        ctx.strokeStyle = '#334155';
        ctx.fillStyle = '#334155';
        ctx.lineWidth = 1;
        ctx.strokeRect(left + 0.5, 8.5, inner, inner);
        ctx.font = '11px sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        for (const t of xTicks) {
          ctx.beginPath();
          ctx.moveTo(px(t), 8 + inner);
          ctx.lineTo(px(t), 12 + inner);
          ctx.stroke();
          ctx.fillText(fmt(t), px(t), 14 + inner);
        }
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        for (const t of yTicks) {
          ctx.beginPath();
          ctx.moveTo(left - 4, py(t));
          ctx.lineTo(left, py(t));
          ctx.stroke();
          ctx.fillText(fmt(t), left - 6, py(t));
        }
        // Edges under the points, then the points (class colour, white rim).
        const e = sc.edges ?? [];
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, 8, inner, inner);
        ctx.clip();
        ctx.strokeStyle = 'rgba(71, 85, 105, 0.28)';
        ctx.beginPath();
        for (let q = 0; q + 1 < e.length; q += 2) {
          const a = e[q]!;
          const b = e[q + 1]!;
          if (a >= n || b >= n || !ok(a) || !ok(b)) continue;
          ctx.moveTo(px(sc.x[a]!), py(sc.y[a]!));
          ctx.lineTo(px(sc.x[b]!), py(sc.y[b]!));
        }
        ctx.stroke();
        ctx.lineWidth = 1;
        ctx.strokeStyle = '#fff';
        for (let i = 0; i < n; i++) {
          if (!ok(i)) continue;
          ctx.fillStyle = classColor(sc.classes[i]!);
          ctx.beginPath();
          ctx.arc(px(sc.x[i]!), py(sc.y[i]!), r, 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
        }
        ctx.restore();
      }
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${n} points in ${sc.classNames.length} classes (${sc.classNames.map((c, i) => `${c}: ${counts[i]}`).join(', ')})${h ? ` over ${h.name}` : ''}; ${p.xLabel} across, ${p.yLabel} up`);
      fig.append(canvas);
      if (h) {
        const cap = document.createElement('figcaption');
        cap.textContent = h.name;
        fig.append(cap);
      }
      row.append(fig);
    }
    const legend = document.createElement('ul');
    legend.className = 'legend muted';
    legend.setAttribute('data-legend', '');
    sc.classNames.forEach((name, i) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = classColor(i);
      li.append(sw, `${name} (${counts[i]})`);
      li.dataset.color = classColor(i);
      legend.append(li);
    });
    const axesNote = document.createElement('div');
    axesNote.className = 'colorbar muted';
    if (maps.length > 0) {
      const ramp = document.createElement('span');
      ramp.className = 'ramp';
      ramp.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(', ')})`;
      axesNote.append(`${fmt(hmMin)} `, ramp, ` ${fmt(hmMax)} · `);
    }
    axesNote.append(`${p.xLabel} across, ${p.yLabel} up`);
    host.append(title, row, legend, axesNote);
    const cellPx = maps.length > 0 ? Math.max(...maps.map((h) => inner / Math.max(h.cols, h.rows))) : 0;
    const drawn: DrawnPlot = {
      title: p.title,
      kind: 'scatter',
      logX: false,
      logY: false,
      categories: null,
      series: sc.classNames.map((name, k) => {
        const idx = [...Array(n).keys()].filter((i) => sc.classes[i] === k);
        return { name, x: idx.map((i) => sc.x[i]!), y: idx.map((i) => sc.y[i]!), stroke: classColor(k), width: 0, dash: null };
      }),
      references: [],
      axes: [
        { side: 'x', splits: xTicks, labels: xTicks.map(fmt), min: x0, max: x1 },
        { side: 'y', splits: yTicks, labels: yTicks.map(fmt), min: y0, max: y1 },
      ],
      ...(maps.length > 0 ? { heatmaps: maps.map((h) => ({ name: h.name, rows: h.rows, cols: h.cols, values: [...h.values], min: hmMin, max: hmMax, cellPx })) } : {}),
      legend: sc.classNames.map((name, i) => ({ name, color: classColor(i), count: counts[i]! })),
      extent: [x0, x1, y0, y1],
      panels,
      width: side * panels + gap * (panels - 1),
    };
    (host as HTMLElement & { __plot?: DrawnPlot }).__plot = drawn;
    return width;
  };
  const redraw = redrawOnResize(host, draw);
  return {
    destroy: () => {
      redraw.stop();
      host.replaceChildren();
    },
    update: (next) => {
      p = next;
      redraw.now();
    },
  };
}

/** Whether a plot is drawn as lines (the only kind that takes the previous run's overlay). */
export function isLinePlot(p: ExperimentPlot): boolean {
  return !p.scatter && !(p.heatmaps && p.heatmaps.length > 0) && !p.categories;
}

/** Options of {@link linePlot}. */
export interface PlotOptions {
  /**
   * The previous run's version of this plot: its series are drawn faded and dashed under this
   * run's (only on line plots), labelled "<name> (previous)".
   */
  previous?: ExperimentPlot | null;
}

/** Alpha appended to a series colour for its previous run's line. */
const PREVIOUS_ALPHA = '66';
const PREVIOUS_WIDTH = 1.5;
const PREVIOUS_DASH = [3, 3];

/** The previous run's series as drawn: each in its own series' colour, faded, thin, dotted. */
function previousLines(prev: ExperimentPlot | null | undefined): { name: string; label: string; x: number[]; y: number[]; stroke: string; width: number; dash: number[] }[] {
  if (!prev || !isLinePlot(prev)) return [];
  return prev.series.map((s) => ({ name: s.name, label: `${s.name} (previous)`, x: [...s.x], y: [...s.y], stroke: `${colorFor(s.name)}${PREVIOUS_ALPHA}`, width: PREVIOUS_WIDTH, dash: PREVIOUS_DASH }));
}

/**
 * A plot of an {@link ExperimentPlot}: lines (log axes where it asks for them), grouped bars
 * when it names `categories`, heatmaps, or a class-coloured scatter (over its heatmaps).
 */
export function linePlot(host: HTMLElement, p: ExperimentPlot, height = 280, options: PlotOptions = {}): PlotHandle {
  if (p.scatter) return scatterPlot(host, p);
  if (p.heatmaps && p.heatmaps.length > 0) return heatmapPlot(host, p);
  if (p.categories) return barPlot(host, p, height);
  const width = widthFor(host);
  const covered = coveredSeries(p);
  const ticksAtData = dataXs(p);
  // A log x axis of sizes (integers within two decades: 64..512) ticks at powers of two; any
  // other ticks at powers of ten (with 2x and 5x within two decades: 0.02, 0.05, 0.1, ...).
  const xs = p.series.flatMap((s) => s.x.filter((v) => v > 0 && Number.isFinite(v)));
  const xDecades = xs.length > 0 ? Math.log10(Math.max(...xs) / Math.min(...xs)) : 0;
  const logX10 = p.logX === true && (xDecades >= 2 || !xs.every(Number.isInteger));
  const opts: uPlot.Options = {
    title: p.title,
    width,
    height,
    scales: {
      x: p.logX ? { time: false, distr: 3, log: logX10 ? 10 : 2, range: tightRange } : { time: false },
      y: p.logY ? { distr: 1 } : { distr: 1, range: yRange },
    },
    axes: [
      {
        label: p.xLabel,
        stroke: '#334155',
        grid: { stroke: '#e2e8f0' },
        ...(p.logX ? { values: logValues, ...(logX10 && !ticksAtData ? { splits: (_u: uPlot, _i: number, lo: number, hi: number) => logSplits(width - 90, lo, hi), filter: keepAll } : {}) } : {}),
        // A few x values (sizes, lengths, ranks): tick exactly at them, not at powers of two.
        ...(p.logX && ticksAtData ? { splits: () => ticksAtData, filter: keepAll } : {}),
      },
      {
        label: p.yLabel,
        stroke: '#334155',
        grid: { stroke: '#e2e8f0' },
        size: axisSize,
        ...(p.logY ? { splits: (_u: uPlot, _i: number, lo: number, hi: number) => decadeSplits(height - 90, lo, hi), values: decadeValues } : {}),
      },
    ],
    series: [
      { label: p.xLabel },
      ...p.series.map((s, i) => ({
        label: s.name,
        stroke: colorFor(s.name),
        // A series another one covers is drawn wider underneath; the covering one dashed on top.
        width: [...covered.values()].includes(i) ? 5 : 2,
        ...(covered.has(i) ? { dash: [8, 6] } : {}),
        spanGaps: true,
        points: { show: s.x.length <= MARKERS_UP_TO, size: 6 },
        value: (_u: uPlot, v: number | null) => (v == null ? '-' : (p.logY ? 10 ** v : v).toPrecision(3)),
      })),
    ],
  };
  // References after the data series: thin grey dashed lines, a band's edges filled between.
  const refs = referenceLines(p);
  const firstRef = p.series.length + 1;
  opts.series.push(
    ...refs.map((r) => ({
      label: r.label,
      stroke: r.stroke,
      width: r.width,
      dash: r.dash,
      spanGaps: true,
      points: { show: false },
      value: (_u: uPlot, v: number | null) => (v == null ? '-' : (p.logY ? 10 ** v : v).toPrecision(3)),
    })),
  );
  opts.bands = refs.flatMap((r, i) => (r.kind === 'band' && r.label.endsWith('(upper)') ? [{ series: [firstRef + i, firstRef + i + 1] as [number, number], fill: 'rgba(100, 116, 139, 0.12)' }] : []));
  // The previous run's curves last: faded, thin and dotted in their series' colours.
  const prev = previousLines(options.previous);
  opts.series.push(
    ...prev.map((r) => ({
      label: r.label,
      stroke: r.stroke,
      width: r.width,
      dash: r.dash,
      spanGaps: true,
      points: { show: false },
      value: (_u: uPlot, v: number | null) => (v == null ? '-' : (p.logY ? 10 ** v : v).toPrecision(3)),
    })),
  );
  const withPrevious = (q: ExperimentPlot): ExperimentPlot => {
    const w = withReferences(q);
    return prev.length === 0 ? w : { ...w, series: [...w.series, ...prev.map((r): ExperimentSeries => ({ name: r.label, x: r.x, y: r.y }))] };
  };
  let current = p;
  const styles = p.series.map((_, i) => ({ width: [...covered.values()].includes(i) ? 5 : 2, dash: covered.has(i) ? [8, 6] : null }));
  const describe = describeOnDraw(host, 'lines', () => current, styles);
  opts.hooks = {
    draw: [
      (u) => {
        describe(u);
        if (prev.length > 0) (host as HTMLElement & { __plot?: DrawnPlot }).__plot!.previous = prev;
      },
    ],
  };
  const plot = new uPlot(opts, toData(withPrevious(p)), host);
  const unfollow = followWidth(host, plot, height);
  return {
    plot,
    destroy: () => {
      unfollow();
      plot.destroy();
    },
    update: (next) => {
      current = next;
      plot.setData(toData(withPrevious(next)));
    },
  };
}
