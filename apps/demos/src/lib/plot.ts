import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ExperimentPlot } from './experiment';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export interface PlotHandle {
  /** Redraws with new data (same series, same order). */
  update(p: ExperimentPlot): void;
  plot: uPlot;
}

/** Aligns the series (each with its own x values) on one shared, sorted x axis. */
function toData(p: ExperimentPlot): uPlot.AlignedData {
  // uPlot draws gaps for null; NaN or Infinity (a missing measurement) would break its scales.
  const clean = (ys: number[]) => ys.map((v) => (Number.isFinite(v) ? v : null));
  if (p.series.length === 0) return [[]];
  return uPlot.join(p.series.map((s) => [s.x, clean(s.y)] as uPlot.AlignedData));
}

/**
 * Splits for a log10 axis: the decades in range (uPlot's default also puts a tick and a grid line
 * at every 2..9 x 10^k, which is unreadable), with 2x and 5x added when the range spans < 2 decades.
 */
function logSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [min, max];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = hi - lo < 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/** A log2 x range that ends at the data instead of the next power of two. */
const tightRange = (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => [min, max];

/** A line plot of an {@link ExperimentPlot} (log axes where it asks for them). */
export function linePlot(host: HTMLElement, p: ExperimentPlot, height = 280): PlotHandle {
  const width = Math.max(320, Math.min(host.clientWidth - 16 || 640, 900));
  const opts: uPlot.Options = {
    title: p.title,
    width,
    height,
    scales: {
      x: p.logX ? { time: false, distr: 3, log: 2, range: tightRange } : { time: false },
      y: { distr: p.logY ? 3 : 1, log: 10 },
    },
    axes: [
      { label: p.xLabel, stroke: '#334155', grid: { stroke: '#e2e8f0' } },
      {
        label: p.yLabel,
        stroke: '#334155',
        grid: { stroke: '#e2e8f0' },
        size: 60,
        ...(p.logY ? { splits: logSplits } : {}),
      },
    ],
    series: [
      { label: p.xLabel },
      ...p.series.map((s, i) => ({
        label: s.name,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        spanGaps: true,
        points: { show: true, size: 6 },
        value: (_u: uPlot, v: number | null) => (v == null ? '-' : v.toPrecision(3)),
      })),
    ],
  };
  const plot = new uPlot(opts, toData(p), host);
  return { plot, update: (next) => plot.setData(toData(next)) };
}
