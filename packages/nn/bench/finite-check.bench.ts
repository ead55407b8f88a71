/**
 * Cost of Linear's finiteness check (issue 16: at most 5% of a 256x256 forward + backward). The
 * check is folded into the bias passes (Σ (v - v) over the output and over dy, one add per entry);
 * this times the layer as shipped against the same layer whose two bias passes skip that sum,
 * interleaved in one process, batch 64, and prints the median and 10th-percentile ratios.
 * Run from packages/nn: `/work/main/node_modules/.bin/tsx bench/finite-check.bench.ts`.
 */
import { randn } from '@x/gpu';
import { Linear } from '../src/linear';

type Passes = { addBias(this: Linear, y: { rows: number; data: Float64Array }): number; accumulateBiasGrad(this: Linear, dy: { rows: number; data: Float64Array }): number };
const proto = Linear.prototype as unknown as Passes & { outFeatures: number; bias: Float64Array; biasGrad: Float64Array };
const shipped: Passes = { addBias: proto.addBias, accumulateBiasGrad: proto.accumulateBiasGrad };
const unchecked: Passes = {
  addBias(y) {
    const self = this as unknown as typeof proto;
    const out = self.outFeatures;
    for (let i = 0; i < y.rows; i++) for (let j = 0; j < out; j++) y.data[i * out + j]! += self.bias[j]!;
    return 0;
  },
  accumulateBiasGrad(dy) {
    const self = this as unknown as typeof proto;
    const out = self.outFeatures;
    for (let i = 0; i < dy.rows; i++) for (let j = 0; j < out; j++) self.biasGrad[j]! += dy.data[i * out + j]!;
    return 0;
  },
};

const layer = new Linear(256, 256, { seed: 1 });
const x = randn(64, 256, 2);
const dy = randn(64, 256, 3);
function time(p: Passes, reps: number): number {
  proto.addBias = p.addBias;
  proto.accumulateBiasGrad = p.accumulateBiasGrad;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    layer.forward(x);
    layer.backward(dy);
  }
  return (performance.now() - t0) / reps;
}
for (let w = 0; w < 30; w++) {
  time(shipped, 3);
  time(unchecked, 3);
}
const a: number[] = [];
const b: number[] = [];
for (let k = 0; k < 300; k++) {
  const first = k % 2 ? shipped : unchecked;
  const second = k % 2 ? unchecked : shipped;
  const t1 = time(first, 3);
  const t2 = time(second, 3);
  a.push(first === shipped ? t1 : t2);
  b.push(first === shipped ? t2 : t1);
}
const at = (s: number[], q: number) => [...s].sort((p, r) => p - r)[Math.floor(q * (s.length - 1))]!;
console.log(
  `Linear 256x256, batch 64, forward + backward: with the check ${at(a, 0.5).toFixed(3)} ms, without ${at(b, 0.5).toFixed(3)} ms (medians); ` +
    `ratio ${(at(a, 0.5) / at(b, 0.5)).toFixed(3)} (median), ${(at(a, 0.1) / at(b, 0.1)).toFixed(3)} (10th percentile)`,
);
Object.assign(proto, shipped);
