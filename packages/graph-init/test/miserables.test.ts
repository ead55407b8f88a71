import { rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { edgesToCsr, normalizedAdjacency, virgoVariances } from '../src/index';
import { MISERABLES } from '../src/experiments-entry';
import fx from './fixtures/dataset-miserables.json';
import { checkExperiment } from './run-experiment';

// Les Misérables co-occurrence network (Knuth, Stanford GraphBase), via vega-datasets (BSD-3-Clause):
// 77 characters, 254 weighted links, 11 community groups (fixture: tooling/fixtures/graph_init_miserables.py).
const n = fx.nodes.length;
const src = Int32Array.from(fx.links.map((l) => l[0]!));
const dst = Int32Array.from(fx.links.map((l) => l[1]!));
const adj = normalizedAdjacency(edgesToCsr({ n, src, dst }));

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
  it('the embedded graph (src/data) equals the fixture copy', () => {
    expect(MISERABLES.group).toEqual(fx.group);
    expect(MISERABLES.links.map((l) => [...l])).toEqual(fx.links);
  });
  it('graph-init/virgo-miserables (quick): Virgo >= Kaiming (within 0.02) and > Xavier at depth 8', () => checkExperiment('graph-init/virgo-miserables'));
});
