/**
 * GcnLayer / GcnNet forward + backward on a random d-regular graph (normalized adjacency),
 * against the same passes written with fresh results on every product (spmm, then matmul
 * without `out`: what the layer did before it kept its intermediates in preallocated buffers),
 * in the same process and on the same data. Prints best-of-R and median times, the ratio and the
 * minor page faults per step.
 * Run from packages/graph-init: `/work/main/node_modules/.bin/tsx bench/gcn.bench.ts [nodes] [width] [reps]`.
 */
import { type Matrix, matmul, randn } from '@x/gpu';
import { csrTranspose, edgesToCsr, GcnLayer, GcnNet, normalizedAdjacency, randomRegular, spmm } from '../src';

function times(reps: number, f: () => void): { best: number; median: number } {
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { best: t[0]!, median: t[Math.floor(reps / 2)]! };
}

const [nArg, wArg, rArg] = process.argv.slice(2).map(Number);
const n = nArg || 20000;
const width = wArg || 64;
const reps = rArg || 15;
const adj = normalizedAdjacency(edgesToCsr(randomRegular(n, 8, { seed: 1 })));
const adjT = csrTranspose(adj);
const x = randn(n, width, 2);
const dy = randn(n, width, 3);

// The fresh-allocation peer: one layer's forward and backward as the layer computed them before.
const layer = new GcnLayer(adj, width, width, { seed: 4 });
const W = layer.weight;
const gW = new Float64Array(width * width);
let ax: Matrix | null = null;
const freshStep = (): void => {
  ax = spmm(adj, x);
  matmul(ax, W, { transB: true });
  const gw = matmul(dy, ax, { transA: true });
  for (let i = 0; i < gW.length; i++) gW[i]! += gw.data[i]!;
  spmm(adjT, matmul(dy, W));
};
const layerStep = (): void => {
  layer.forward(x);
  layer.backward(dy);
};
// A 3-layer ReLU GCN (the Virgo model) through GcnNet, for the whole-model figure.
const net = new GcnNet(adj, [width, width, width, 8], { variances: [2 / width, 2 / width, 1 / width], seed: 5 });
const dl = randn(n, 8, 6);
const netStep = (): void => {
  net.forward(x);
  net.backward(dl);
};

for (const f of [freshStep, layerStep, netStep]) f(); // warm up (JIT, wasm runtime, buffers)
console.log(`GcnLayer forward+backward, ${n} nodes (8-regular), ${width} -> ${width} features, ${reps} reps (ms)`);
// Interleave the two so that machine load hits both alike.
const fresh: number[] = [];
const kept: number[] = [];
for (let r = 0; r < reps; r++) {
  fresh.push(times(1, freshStep).best);
  kept.push(times(1, layerStep).best);
}
const stat = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
};
const a = stat(fresh);
const b = stat(kept);
console.log(`fresh results (old passes) | best ${a.best.toFixed(2)} | median ${a.median.toFixed(2)}`);
console.log(`GcnLayer (this build)      | best ${b.best.toFixed(2)} | median ${b.median.toFixed(2)}`);
console.log(`ratio fresh/GcnLayer       | best ${(a.best / b.best).toFixed(2)}x | median ${(a.median / b.median).toFixed(2)}x`);
// Minor page faults per step (Node's getrusage): what fresh result buffers cost the kernel.
const faults = (f: () => void): number => {
  const f0 = process.resourceUsage().minorPageFault;
  for (let r = 0; r < 5; r++) f();
  return (process.resourceUsage().minorPageFault - f0) / 5;
};
console.log(`minor page faults per step | fresh ${faults(freshStep).toFixed(0)} | GcnLayer ${faults(layerStep).toFixed(0)} | GcnNet ${faults(netStep).toFixed(0)}`);
const t = times(reps, netStep);
console.log(`GcnNet [${width}, ${width}, ${width}, 8] forward+backward | best ${t.best.toFixed(2)} | median ${t.median.toFixed(2)}`);
