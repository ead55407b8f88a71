/**
 * Seeded synthetic streams for the experiments and the benchmark (internal). Rows are produced
 * one at a time in uniformly random order, so nothing of size n is stored.
 */
import type { Rng } from '@x/gpu';

/**
 * Kacham & Woodruff's regime where Oja with a fixed step fails: h heavy rows, all along one
 * hidden unit direction u, carry the top eigenvector over n − h isotropic light rows
 * (Gaussian, ‖a‖ ≈ 1). Light energy per direction E = (n − h)/d; the heavy rows add (R − 1)·E
 * along u, so σ₁²/σ₂² ≈ R. Heavy positions are a uniformly random h-subset of 0 … n−1.
 */
export function* heavyRowStream(r: Rng, n: number, d: number, h: number, R: number, u: Float64Array): Generator<Float64Array> {
  const E = (n - h) / d;
  const w = Math.sqrt(((R - 1) * E) / h);
  const heavyAt = new Set<number>();
  while (heavyAt.size < h) heavyAt.add(r.int(n));
  const s = 1 / Math.sqrt(d);
  for (let t = 0; t < n; t++) {
    const a = new Float64Array(d);
    if (heavyAt.has(t)) {
      const sign = r.uniform() < 0.5 ? -1 : 1;
      for (let i = 0; i < d; i++) a[i] = sign * w * u[i]!;
    } else {
      r.fillNormal(a, s);
    }
    yield a;
  }
}
