import { rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { edgesToCsr, normalizedAdjacency, virgoVariances } from '../src/index';
import { trainGcn } from '../src/experiments/sbm-task';
import fx from './fixtures/miserables.json';

// Les Misérables co-occurrence network (Knuth, Stanford GraphBase), via vega-datasets (BSD-3-Clause):
// 77 characters, 254 weighted links, 11 community groups (fixture: tooling/fixtures/graph_init_miserables.py).
const n = fx.nodes.length;
const src = Int32Array.from(fx.links.map((l) => l[0]!));
const dst = Int32Array.from(fx.links.map((l) => l[1]!));
const adj = normalizedAdjacency(edgesToCsr({ n, src, dst }));
const labels = Int32Array.from(fx.group);

describe('Virgo on the real Les Misérables graph', () => {
  it('graph shape: 77 nodes, 254 undirected links, 11 groups', () => {
    expect(n).toBe(77);
    expect(adj.indptr[n]! - n).toBe(2 * 254);
    expect(new Set(fx.group).size).toBe(11);
  });
  it('Virgo variances are finite and positive; backward terms exceed Kaiming where Â smooths', () => {
    const x = { rows: n, cols: 16, data: rng(1).fillNormal(new Float64Array(n * 16)) };
    const v = virgoVariances(adj, x, { depth: 8, hidden: 32, numClasses: 11 });
    for (const a of [v.forward, v.backward, v.variance]) for (const t of a) expect(t > 0 && Number.isFinite(t)).toBe(true);
    // T_k = ‖Â^k 1‖² decreases with k on an irregular graph, so every hidden c_b = (2/m) T_{k-1}/T_k > 2/m.
    for (let l = 0; l < 7; l++) expect(v.backward[l]!).toBeGreaterThan(2 / 32);
  });
  it('depth-8 GCN node classification: Virgo >= Kaiming (within 0.02) and > Xavier, mean over 3 seeds', () => {
    const mean: Record<string, number> = {};
    for (const scheme of ['xavier', 'kaiming', 'virgo'] as const) {
      let acc = 0;
      for (let seed = 0; seed < 3; seed++) {
        const r = rng(seed);
        const x = { rows: n, cols: 16, data: r.fillNormal(new Float64Array(n * 16)) };
        const train = new Uint8Array(n);
        for (let i = 0; i < n; i++) train[i] = r.uniform() < 0.5 ? 1 : 0;
        const res = trainGcn({ adj, x, labels, train, numClasses: 11 }, scheme, { depth: 8, hidden: 32, steps: 120, lr: 0.005, seed, evalEvery: 120 });
        acc += res.finalTestAcc / 3;
      }
      mean[scheme] = acc;
    }
    expect(mean.virgo!, JSON.stringify(mean)).toBeGreaterThanOrEqual(mean.kaiming! - 0.02);
    expect(mean.virgo!, JSON.stringify(mean)).toBeGreaterThan(mean.xavier!);
  });
});
