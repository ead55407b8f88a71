// The e2e plot test: what is wrong with a plot as it was drawn. It reads the state src/lib/plot.ts
// publishes on each plot's host element (`el.__plot`: the data as given, each series' colour,
// width and dash, and each axis's tick positions and label text) and judges it here, on its own
// terms, without the page's helpers:
//   - data that cannot be drawn: a non-finite x or y, or a value <= 0 on a log axis;
//   - a hidden series: two series of one plot with the same colour, or a series drawn (almost)
//     exactly on top of another with nothing (dash, width) to tell them apart;
//   - a reference (a bound or theory curve, `references`) drawn like data: solid, or as wide as
//     a data series, or in a data series' colour; its values must be drawable too, and they
//     count as data for the tick ranges (the axis reaches the bound);
//   - a heatmap (matrices as pictures) whose values are not finite, do not fill rows x cols, or
//     fall outside the colour scale it shows;
//   - a class-coloured scatter (kind 'scatter') whose legend does not match its points (a class
//     with no points, a legend colour or count other than its points', two classes in one
//     colour), or with points outside the drawn box; its heatmaps (a boundary under the points)
//     are judged like a heatmap plot's;
//   - the previous run's overlay (`previous`) drawn like data: solid, as wide as a series, not in
//     its own series' colour faded, or not labelled "(previous)" in the legend;
//   - tick labels off the data: a label whose number lies outside the data's range (plus a small
//     margin, a decade on a log axis; bars also reach their base), or a label that does not name
//     the value its tick sits at.

/** Share of the common points within CLOSE of each other for one series to hide another. */
const HIDDEN_SHARE = 0.9;
/** "On top of": within this fraction of the plot's y span. */
const CLOSE = 0.01;

/** A tick label as a number: "1,000" and "−2" (uPlot's formats) and "1e-7" read; else NaN. */
export function labelNumber(text) {
  const t = String(text).trim().replace(/,/g, '').replace(/\u2212/g, '-');
  return t === '' ? Number.NaN : Number(t);
}

const drawnY = (p, v) => (p.logY ? Math.log10(v) : v);
const drawable = (v, log) => Number.isFinite(v) && (!log || v > 0);

/** Data problems: non-finite values, values <= 0 on a log axis, x/y length mismatch. */
function dataDefects(p) {
  const out = [];
  for (const s of p.series) {
    if (s.x.length !== s.y.length) out.push(`${p.title} / ${s.name}: ${s.x.length} x values for ${s.y.length} y values`);
    const badY = s.y.filter((v) => !drawable(v, p.logY));
    const badX = s.x.filter((v) => !drawable(v, p.logX && !p.categories));
    if (badY.length > 0) out.push(`${p.title} / ${s.name}: ${badY.length} y value(s) that cannot be drawn${p.logY ? ' on a log axis' : ''} (e.g. ${badY[0]})`);
    if (badX.length > 0) out.push(`${p.title} / ${s.name}: ${badX.length} x value(s) that cannot be drawn${p.logX ? ' on a log axis' : ''} (e.g. ${badX[0]})`);
  }
  return out;
}

/** References (bounds, theory curves): drawable, and drawn so they cannot pass for data. */
function referenceDefects(p) {
  const out = [];
  const refs = p.references ?? [];
  const widest = Math.max(0, ...p.series.map((s) => s.width));
  const colours = new Set(p.series.map((s) => s.stroke.toLowerCase()));
  for (const r of refs) {
    if (r.x.length !== r.y.length) out.push(`${p.title} / reference ${r.label}: ${r.x.length} x values for ${r.y.length} y values`);
    const bad = [...r.y.filter((v) => !drawable(v, p.logY)), ...r.x.filter((v) => !drawable(v, p.logX))];
    if (bad.length > 0) out.push(`${p.title} / reference ${r.label}: ${bad.length} value(s) that cannot be drawn (e.g. ${bad[0]})`);
    if (!Array.isArray(r.dash) || r.dash.length === 0) out.push(`${p.title} / reference ${r.label}: drawn solid, like a data series`);
    if (p.series.length > 0 && r.width >= Math.min(...p.series.map((s) => s.width), widest)) out.push(`${p.title} / reference ${r.label}: as wide as a data series (${r.width} px)`);
    if (colours.has(String(r.stroke).toLowerCase())) out.push(`${p.title} / reference ${r.label}: drawn in a data series' colour ${r.stroke}`);
  }
  return out;
}

/** Series a reader cannot see: same colour as another, or on top of another and drawn alike. */
function hiddenDefects(p) {
  const out = [];
  const ss = p.series;
  for (let j = 1; j < ss.length; j++) {
    for (let i = 0; i < j; i++) {
      if (ss[i].stroke.toLowerCase() === ss[j].stroke.toLowerCase()) out.push(`${p.title}: ${ss[j].name} and ${ss[i].name} have the same colour ${ss[i].stroke}`);
    }
  }
  if (p.kind === 'bars' || p.kind === 'scatter') return out; // bars stand side by side; classes are points, not curves
  const all = ss.flatMap((s) => s.y.filter((v) => drawable(v, p.logY)).map((v) => drawnY(p, v)));
  if (all.length === 0) return out;
  const span = Math.max(...all) - Math.min(...all) || Math.abs(all[0]) || 1;
  for (let j = 1; j < ss.length; j++) {
    for (let i = 0; i < j; i++) {
      const at = new Map();
      ss[i].x.forEach((x, k) => {
        if (drawable(ss[i].y[k], p.logY)) at.set(x, drawnY(p, ss[i].y[k]));
      });
      let n = 0;
      let close = 0;
      ss[j].x.forEach((x, k) => {
        if (!drawable(ss[j].y[k], p.logY) || !at.has(x)) return;
        n++;
        if (Math.abs(drawnY(p, ss[j].y[k]) - at.get(x)) <= CLOSE * span) close++;
      });
      if (n === 0 || close < HIDDEN_SHARE * n) continue;
      const a = ss[i];
      const b = ss[j];
      const alike = (a.dash ?? null) === null && (b.dash ?? null) === null;
      const sameWidth = a.width === b.width;
      if (alike || sameWidth) out.push(`${p.title}: ${b.name} is drawn on top of ${a.name} (${close}/${n} points) with nothing to tell them apart`);
    }
  }
  return out;
}

/** Tick labels off the data range, or not naming the value their tick sits at. */
function tickDefects(p) {
  const out = [];
  for (const ax of p.axes) {
    if (ax.side === 'x' && p.categories) continue; // category names, not numbers
    const log = ax.side === 'x' ? p.logX : p.logY;
    let vals = [...p.series, ...(p.references ?? []), ...(p.previous ?? [])].flatMap((s) => (ax.side === 'x' ? s.x : s.y)).filter((v) => drawable(v, log));
    // A scatter's box (its extent, e.g. a decision boundary's grid) is part of what it shows.
    if (p.kind === 'scatter' && p.extent) vals = [...vals, ...(ax.side === 'x' ? p.extent.slice(0, 2) : p.extent.slice(2, 4))];
    if (vals.length === 0) continue;
    // Bars stand on zero (or, on a log axis, on the decade below the data): the base is data too.
    if (ax.side === 'y' && p.kind === 'bars') vals = [...vals, log ? 10 ** Math.floor(Math.log10(Math.min(...vals))) : 0];
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const margin = Math.max(0.1 * (hi - lo), 0.06 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-12);
    const [allowLo, allowHi] = log ? [lo / 10, hi * 10] : [lo - margin, hi + margin];
    const nums = ax.labels.map(labelNumber);
    const step = ax.splits.length > 1 ? Math.abs(ax.splits[1] - ax.splits[0]) : 0;
    ax.labels.forEach((text, k) => {
      if (text === '') return;
      const v = nums[k];
      if (!Number.isFinite(v)) {
        out.push(`${p.title}: ${ax.side} tick label "${text}" is not a number`);
        return;
      }
      if (v < allowLo || v > allowHi) out.push(`${p.title}: ${ax.side} tick label ${text} is outside the data range [${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`);
      // The label names its tick's value (log y ticks sit at exponents, labelled 10^split).
      const at = ax.splits[k];
      if (at === undefined) return;
      const want = ax.side === 'y' && p.logY ? 10 ** at : at;
      const tol = log ? 0.02 * Math.abs(want) : Math.max(0.02 * Math.abs(want), 0.02 * step, 1e-12);
      if (Math.abs(v - want) > tol) out.push(`${p.title}: ${ax.side} tick label ${text} sits at ${want.toPrecision(4)}`);
    });
  }
  return out;
}

/** Heatmaps: finite values filling rows x cols, all on the colour scale shown, drawn cells. */
function heatmapDefects(p) {
  const out = [];
  if (p.kind === 'scatter' && Array.isArray(p.heatmaps) && p.heatmaps.length > 0) {
    if (p.panels !== p.heatmaps.length) out.push(`${p.title}: ${p.heatmaps.length} heatmaps under the points in ${p.panels} panels`);
  } else if (p.kind !== 'heatmap') return out;
  if (!Array.isArray(p.heatmaps) || p.heatmaps.length === 0) return [`${p.title}: a heatmap plot with no pictures`];
  for (const h of p.heatmaps) {
    if (h.values.length !== h.rows * h.cols) out.push(`${p.title} / ${h.name}: ${h.values.length} values for ${h.rows}x${h.cols}`);
    const bad = h.values.filter((v) => !Number.isFinite(v));
    if (bad.length > 0) out.push(`${p.title} / ${h.name}: ${bad.length} value(s) that cannot be drawn (e.g. ${bad[0]})`);
    const off = h.values.filter((v) => Number.isFinite(v) && (v < h.min || v > h.max));
    if (off.length > 0) out.push(`${p.title} / ${h.name}: ${off.length} value(s) off its colour scale [${h.min}, ${h.max}]`);
    if (!(h.cellPx >= 1)) out.push(`${p.title} / ${h.name}: cells drawn ${h.cellPx} px wide`);
  }
  return out;
}

/** A class-coloured scatter: its legend names every class with its points' colour and count, none empty, all inside the box. */
function scatterDefects(p) {
  const out = [];
  if (p.kind !== 'scatter') return out;
  const legend = p.legend ?? [];
  if (legend.length !== p.series.length) out.push(`${p.title}: ${legend.length} legend entries for ${p.series.length} classes`);
  p.series.forEach((s, k) => {
    const entry = legend[k];
    if (s.x.length === 0) out.push(`${p.title}: class ${s.name} has no points`);
    if (!entry) return;
    if (entry.name !== s.name) out.push(`${p.title}: legend entry ${k} says ${entry.name}, its points are class ${s.name}`);
    if (String(entry.color).toLowerCase() !== String(s.stroke).toLowerCase()) out.push(`${p.title}: legend colour ${entry.color} of ${s.name} is not its points' ${s.stroke}`);
    const drawn = s.x.filter((v, i) => drawable(v, false) && drawable(s.y[i], false)).length;
    if (entry.count !== drawn) out.push(`${p.title}: legend says ${entry.count} points of ${s.name}, ${drawn} drawn`);
  });
  const ext = p.extent;
  if (!Array.isArray(ext) || ext.length !== 4 || !(ext[0] < ext[1] && ext[2] < ext[3])) out.push(`${p.title}: no box to draw the points in (${JSON.stringify(ext)})`);
  else {
    const outside = p.series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]])).filter(([x, y]) => x < ext[0] || x > ext[1] || y < ext[2] || y > ext[3]);
    if (outside.length > 0) out.push(`${p.title}: ${outside.length} point(s) outside the drawn box (e.g. ${outside[0].join(', ')})`);
  }
  return out;
}

/** The previous run's overlay: drawable, faded in its own series' colour, thin and dashed, labelled "(previous)". */
function previousDefects(p) {
  const out = [];
  const prev = p.previous ?? [];
  if (prev.length === 0) return out;
  const narrowest = Math.min(...p.series.map((s) => s.width));
  const strokes = new Set(p.series.map((s) => s.stroke.toLowerCase()));
  for (const r of prev) {
    const bad = [...r.y.filter((v) => !drawable(v, p.logY)), ...r.x.filter((v) => !drawable(v, p.logX))];
    if (bad.length > 0) out.push(`${p.title} / previous ${r.name}: ${bad.length} value(s) that cannot be drawn (e.g. ${bad[0]})`);
    if (r.x.length !== r.y.length) out.push(`${p.title} / previous ${r.name}: ${r.x.length} x values for ${r.y.length} y values`);
    if (!Array.isArray(r.dash) || r.dash.length === 0) out.push(`${p.title} / previous ${r.name}: drawn solid, like this run's data`);
    if (p.series.length > 0 && r.width >= narrowest) out.push(`${p.title} / previous ${r.name}: as wide as this run's series (${r.width} px)`);
    const stroke = String(r.stroke).toLowerCase();
    if (strokes.has(stroke)) out.push(`${p.title} / previous ${r.name}: drawn in a series' full colour ${r.stroke}, not faded`);
    const own = p.series.find((s) => s.name === r.name);
    if (own && !(stroke.startsWith(own.stroke.toLowerCase()) && stroke.length === own.stroke.length + 2)) out.push(`${p.title} / previous ${r.name}: colour ${r.stroke} is not ${own.stroke} faded`);
    if (!/\(previous\)/.test(r.label ?? '')) out.push(`${p.title} / previous ${r.name}: the legend does not call it "(previous)" (${r.label})`);
  }
  return out;
}

/** Every defect of one drawn plot (see the file's header); empty when it reads right. */
export function plotDefects(p) {
  return [...heatmapDefects(p), ...dataDefects(p), ...referenceDefects(p), ...hiddenDefects(p), ...scatterDefects(p), ...previousDefects(p), ...tickDefects(p)];
}

/**
 * The plot test has to fail on each kind of defect: plots that have one. Run before the pages,
 * so a plot test that stopped detecting something fails the suite.
 */
export function plotTestSelfCheck() {
  const axes = (xs, ys) => [
    { side: 'x', splits: xs, labels: xs.map(String) },
    { side: 'y', splits: ys, labels: ys.map(String) },
  ];
  const line = (name, x, y, more = {}) => ({ name, x, y, stroke: more.stroke ?? `#${name.length}00`, width: 2, dash: null, ...more });
  const base = { title: 't', kind: 'lines', logX: false, logY: false, categories: null, width: 600 };
  const sound = { ...base, series: [line('a', [1, 2, 3], [1, 2, 3]), line('bb', [1, 2, 3], [3, 2, 1])], axes: axes([1, 2, 3], [1, 2, 3]) };
  const ref = (label, y, more = {}) => ({ label, kind: 'line', x: [1, 3], y: [y, y], stroke: '#64748b', width: 1.5, dash: [6, 4], ...more });
  const withRef = { ...sound, references: [ref('bound', 4)], axes: axes([1, 2, 3], [1, 2, 3, 4]) };
  const hm = (values, more = {}) => ({ name: 'h', rows: 2, cols: 2, values, min: 0, max: 3, cellPx: 4, ...more });
  const heat = { ...base, kind: 'heatmap', series: [], references: [], axes: [], heatmaps: [hm([0, 1, 2, 3])] };
  const pts = (name, x, y, stroke) => ({ name, x, y, stroke, width: 0, dash: null });
  const scatter = {
    ...base,
    kind: 'scatter',
    series: [pts('a', [0, 1], [0, 1], '#1f77b4'), pts('b', [2, 3], [1, 0], '#ff7f0e')],
    references: [],
    legend: [
      { name: 'a', color: '#1f77b4', count: 2 },
      { name: 'b', color: '#ff7f0e', count: 2 },
    ],
    extent: [-0.5, 3.5, -0.5, 1.5],
    panels: 1,
    axes: axes([0, 1, 2, 3], [0, 1]),
  };
  const boundary = { ...scatter, heatmaps: [hm([0, 1, 2, 3])], panels: 1 };
  const prev = (name, more = {}) => ({ name, label: `${name} (previous)`, x: [1, 2, 3], y: [1.5, 2.5, 3], stroke: `${sound.series.find((s) => s.name === name).stroke}66`, width: 1.5, dash: [3, 3], ...more });
  const overlay = { ...sound, previous: [prev('a'), prev('bb', { y: [2.5, 1.5, 1.2] })] };
  const cases = {
    'sound plot': [sound, 0],
    'sound scatter': [scatter, 0],
    'sound scatter over a heatmap': [boundary, 0],
    'sound plot with the previous run overlaid': [overlay, 0],
    'scatter with a non-finite point': [{ ...scatter, series: [pts('a', [0, Number.NaN], [0, 1], '#1f77b4'), scatter.series[1]], legend: [{ ...scatter.legend[0], count: 1 }, scatter.legend[1]] }, 1],
    'scatter with an empty class': [{ ...scatter, series: [...scatter.series, pts('c', [], [], '#2ca02c')], legend: [...scatter.legend, { name: 'c', color: '#2ca02c', count: 0 }] }, 1],
    'scatter legend in another colour than its points': [{ ...scatter, legend: [{ ...scatter.legend[0], color: '#d62728' }, scatter.legend[1]] }, 1],
    'scatter legend count off its points': [{ ...scatter, legend: [{ ...scatter.legend[0], count: 3 }, scatter.legend[1]] }, 1],
    'scatter classes in one colour': [{ ...scatter, series: [scatter.series[0], { ...scatter.series[1], stroke: '#1f77b4' }], legend: [scatter.legend[0], { ...scatter.legend[1], color: '#1f77b4' }] }, 1],
    'scatter point outside its box': [{ ...scatter, extent: [-0.5, 2.5, -0.5, 1.5] }, 1],
    'scatter over heatmaps with a panel missing': [{ ...boundary, heatmaps: [hm([0, 1, 2, 3]), hm([3, 2, 1, 0])] }, 1],
    'previous run drawn solid': [{ ...overlay, previous: [prev('a', { dash: null })] }, 1],
    'previous run in full colour': [{ ...overlay, previous: [prev('a', { stroke: sound.series[0].stroke })] }, 1],
    "previous run in another series' colour": [{ ...overlay, previous: [prev('a', { stroke: `${sound.series[1].stroke}66` })] }, 1],
    'previous run as wide as the data': [{ ...overlay, previous: [prev('a', { width: 2 })] }, 1],
    'previous run not named in the legend': [{ ...overlay, previous: [prev('a', { label: 'a' })] }, 1],
    'previous run with a non-finite value': [{ ...overlay, previous: [prev('a', { y: [1, Number.POSITIVE_INFINITY, 3] })] }, 1],
    'sound heatmap': [heat, 0],
    'heatmap with a non-finite value': [{ ...heat, heatmaps: [hm([0, 1, Number.NaN, 3])] }, 1],
    'heatmap value off its colour scale': [{ ...heat, heatmaps: [hm([0, 1, 2, 3], { max: 2 })] }, 1],
    'heatmap not filling rows x cols': [{ ...heat, heatmaps: [hm([0, 1, 2])] }, 1],
    'sound plot with a reference line above the data': [withRef, 0],
    'reference drawn solid, like data': [{ ...withRef, references: [ref('bound', 4, { dash: null })] }, 1],
    'reference in a data colour': [{ ...withRef, references: [ref('bound', 4, { stroke: sound.series[0].stroke })] }, 1],
    'reference <= 0 on a log axis': [{ ...sound, logY: true, references: [ref('bound', 0)], axes: axes([1, 2, 3], [0, Math.log10(3)]).map((a, i) => (i === 1 ? { ...a, labels: ['1', '3'] } : a)) }, 1],
    'non-finite y': [{ ...sound, series: [line('a', [1, 2, 3], [1, Number.NaN, 3]), sound.series[1]] }, 1],
    'y <= 0 on a log axis': [{ ...sound, logY: true, series: [line('a', [1, 2, 3], [1, 0, 3]), sound.series[1]], axes: axes([1, 2, 3], [0, Math.log10(3)]).map((a, i) => (i === 1 ? { ...a, labels: ['1', '3'] } : a)) }, 1],
    'series hidden under another': [{ ...sound, series: [line('a', [1, 2, 3], [1, 2, 3]), line('bb', [1, 2, 3], [1, 2, 3.001])] }, 1],
    'two series, one colour': [{ ...sound, series: [line('a', [1, 2, 3], [1, 2, 3], { stroke: '#111' }), line('bb', [1, 2, 3], [3, 2, 1], { stroke: '#111' })] }, 1],
    'tick label off the data': [{ ...sound, axes: axes([1, 2, 3], [0, 1, 2, 3, 4, 5, 6]) }, 1],
    'tick label naming another value': [{ ...sound, axes: [axes([1, 2, 3], [])[0], { side: 'y', splits: [1, 2, 3], labels: ['1', '20', '3'] }] }, 1],
  };
  const wrong = [];
  for (const [name, [p, want]] of Object.entries(cases)) {
    const got = plotDefects(p);
    if (want === 0 ? got.length !== 0 : got.length === 0) wrong.push(`${name}: ${got.length} defects (${got.join('; ') || 'none found'})`);
  }
  return wrong;
}
