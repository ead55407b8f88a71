import { experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { MISERABLES } from '../src/data/miserables';
import { forceLayout } from '../src/experiments/layout';
import { experiments } from '../src/experiments-entry';

const links = MISERABLES.links.map((l) => [l[0], l[1]] as const);
const n = MISERABLES.group.length;
const dist = (p: { x: number[]; y: number[] }, i: number, j: number) => Math.hypot(p.x[i]! - p.x[j]!, p.y[i]! - p.y[j]!);

describe('forceLayout (the graph pictures of the demo pages)', () => {
  it('is seeded, finite, in [-1, 1], and spans the box', () => {
    const a = forceLayout(n, links, { seed: 3 });
    expect(forceLayout(n, links, { seed: 3 })).toEqual(a);
    for (const v of [...a.x, ...a.y]) expect(v >= -1 && v <= 1).toBe(true);
    expect(Math.min(...a.x)).toBe(-1);
    expect(Math.max(...a.y)).toBe(1);
  });

  it('draws linked characters closer than unlinked ones, and a community closer than the rest (Les Misérables)', () => {
    const p = forceLayout(n, links, { seed: 0 });
    const linked = new Set(links.map(([a, b]) => `${Math.min(a, b)},${Math.max(a, b)}`));
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const within: number[] = [];
    const between: number[] = [];
    const edge: number[] = [];
    const other: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = dist(p, i, j);
        (MISERABLES.group[i] === MISERABLES.group[j] ? within : between).push(d);
        (linked.has(`${i},${j}`) ? edge : other).push(d);
      }
    }
    expect(mean(edge)).toBeLessThan(0.5 * mean(other));
    expect(mean(within)).toBeLessThan(0.7 * mean(between));
  });
});

describe('graph-init experiments draw class-coloured scatters', () => {
  it('graph-init/virgo-miserables: the graph with its 11 communities, every class present, edges between its nodes', async () => {
    const r = await experiments.find((x) => x.id === 'graph-init/virgo-miserables')!.run({ quick: true, seed: 0 });
    expect(experimentResultProblems(r)).toEqual([]);
    const sc = r.plots![1]!.scatter!;
    expect(sc.classNames).toHaveLength(11);
    expect(sc.x).toHaveLength(77);
    expect(sc.edges).toHaveLength(2 * MISERABLES.links.length);
  }, 120_000);

  it('graph-init/poincare-spirals: the training points over each decision boundary, inside its grid', async () => {
    const r = await experiments.find((x) => x.id === 'graph-init/poincare-spirals')!.run({ quick: true, seed: 0 });
    const p = r.plots![1]!;
    const sc = p.scatter!;
    expect(p.heatmaps).toHaveLength(2);
    expect(sc.classNames).toEqual(['class 0', 'class 1']);
    const [x0, x1, y0, y1] = sc.extent!;
    for (let i = 0; i < sc.x.length; i++) expect(sc.x[i]! > x0 && sc.x[i]! < x1 && sc.y[i]! > y0 && sc.y[i]! < y1).toBe(true);
    // The trained (identity-init) map puts most points on their own class's side: P(class 1) read at each point's cell.
    const h = p.heatmaps![0]!;
    let right = 0;
    for (let i = 0; i < sc.x.length; i++) {
      const col = Math.round(((sc.x[i]! - x0) / (x1 - x0)) * (h.cols - 1));
      const row = Math.round(((y1 - sc.y[i]!) / (y1 - y0)) * (h.rows - 1));
      const p1 = h.values[row * h.cols + col]!;
      if ((p1 > 0.5 ? 1 : 0) === sc.classes[i]) right++;
    }
    expect(right / sc.x.length).toBeGreaterThan(0.85);
  }, 120_000);
});
