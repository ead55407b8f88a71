import { rng } from '@x/gpu';

/**
 * A 2-D drawing of a graph for the demo pages (Fruchterman and Reingold's force-directed
 * layout, 1991): nodes repel each other by k²/d, linked nodes attract by d²/k, with a step
 * limit that cools linearly; seeded start positions, so a seed gives the same picture. Returns
 * x and y scaled into [-1, 1]. O(iterations · (n² + edges)); meant for graphs of a few hundred
 * nodes (Les Misérables has 77). Internal to the experiments (not a public export).
 */
export function forceLayout(n: number, edges: readonly (readonly [number, number])[], opts: { seed?: number; iterations?: number } = {}): { x: number[]; y: number[] } {
  const r = rng(opts.seed ?? 0);
  const iterations = opts.iterations ?? 300;
  const x = Float64Array.from({ length: n }, () => r.uniform() - 0.5);
  const y = Float64Array.from({ length: n }, () => r.uniform() - 0.5);
  const k = Math.sqrt(1 / Math.max(n, 1));
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const ux = x[i]! - x[j]!;
        const uy = y[i]! - y[j]!;
        const d2 = Math.max(ux * ux + uy * uy, 1e-9);
        const f = (k * k) / d2; // (k²/d) along the unit vector u/d
        dx[i]! += ux * f;
        dy[i]! += uy * f;
        dx[j]! -= ux * f;
        dy[j]! -= uy * f;
      }
    }
    for (const [a, b] of edges) {
      const ux = x[a]! - x[b]!;
      const uy = y[a]! - y[b]!;
      const d = Math.sqrt(ux * ux + uy * uy);
      const f = d / k; // (d²/k) along u/d
      dx[a]! -= ux * f;
      dy[a]! -= uy * f;
      dx[b]! += ux * f;
      dy[b]! += uy * f;
    }
    const t = 0.1 * (1 - it / iterations) + 1e-3;
    for (let i = 0; i < n; i++) {
      const len = Math.sqrt(dx[i]! * dx[i]! + dy[i]! * dy[i]!);
      if (len > 0) {
        const s = Math.min(len, t) / len;
        x[i]! += dx[i]! * s;
        y[i]! += dy[i]! * s;
      }
    }
  }
  const scale = (v: Float64Array): number[] => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const a of v) {
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
    const span = hi - lo || 1;
    return Array.from(v, (a) => (2 * (a - lo)) / span - 1);
  };
  return { x: scale(x), y: scale(y) };
}
