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

/** A line plot of an {@link ExperimentPlot} (log axes where it asks for them). */
export function linePlot(host: HTMLElement, p: ExperimentPlot, height = 280): PlotHandle {
  const width = Math.max(320, Math.min(host.clientWidth - 16 || 640, 900));
  const opts: uPlot.Options = {
    title: p.title,
    width,
    height,
    scales: {
      x: { time: false, distr: p.logX ? 3 : 1, log: 2 },
      y: { distr: p.logY ? 3 : 1, log: 10 },
    },
    axes: [
      { label: p.xLabel, stroke: '#334155', grid: { stroke: '#e2e8f0' } },
      { label: p.yLabel, stroke: '#334155', grid: { stroke: '#e2e8f0' }, size: 60 },
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
