import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ExperimentSeries } from './experiment';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export interface PlotHandle {
  /** Redraws with new data (same series). */
  update(series: ExperimentSeries): void;
  plot: uPlot;
}

function toData(s: ExperimentSeries): uPlot.AlignedData {
  // uPlot draws gaps for null; NaN (a missing measurement) would break its scale.
  return [s.x.values, ...s.lines.map((l) => l.values.map((v) => (Number.isFinite(v) ? v : null)))];
}

/** A line plot of one experiment series (log axes where the series asks for them). */
export function linePlot(host: HTMLElement, s: ExperimentSeries, height = 280): PlotHandle {
  const width = Math.max(320, Math.min(host.clientWidth || 640, 900));
  const opts: uPlot.Options = {
    title: s.title,
    width,
    height,
    scales: {
      x: { time: false, distr: s.x.log ? 3 : 1, log: 2 },
      y: { distr: s.y.log ? 3 : 1, log: 10 },
    },
    axes: [
      { label: s.x.label, stroke: '#334155', grid: { stroke: '#e2e8f0' } },
      { label: s.y.label, stroke: '#334155', grid: { stroke: '#e2e8f0' }, size: 60 },
    ],
    series: [
      { label: s.x.label },
      ...s.lines.map((l, i) => ({
        label: l.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        points: { show: true, size: 6 },
        value: (_u: uPlot, v: number | null) => (v == null ? '-' : v.toPrecision(3)),
      })),
    ],
  };
  const plot = new uPlot(opts, toData(s), host);
  return { plot, update: (next) => plot.setData(toData(next)) };
}
