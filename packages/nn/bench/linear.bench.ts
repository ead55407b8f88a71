/**
 * Linear forward + backward (three products of batch x in x out each) through @x/gpu's blocked
 * GEMM, against the same layer written with plain triple loops, in the same process.
 * Prints best-of-R times, GFLOP/s and the speed ratio.
 * Run from packages/nn: `/work/main/node_modules/.bin/tsx bench/linear.bench.ts [sizes...]`.
 */
import { type Matrix, randn } from '@x/gpu';
import { Linear } from '../src/linear';

function best(reps: number, f: () => void): number {
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** The naive peer: y = x Wᵀ + b, dx = dy W, dW += dyᵀ x with i-j-k loops. */
function naiveStep(x: Matrix, w: Float64Array, b: Float64Array, dy: Matrix, gw: Float64Array, fin: number, fout: number): void {
  const n = x.rows;
  const y = new Float64Array(n * fout);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < fout; o++) {
      let s = b[o]!;
      for (let k = 0; k < fin; k++) s += x.data[i * fin + k]! * w[o * fin + k]!;
      y[i * fout + o] = s;
    }
  const dx = new Float64Array(n * fin);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < fin; k++) {
      let s = 0;
      for (let o = 0; o < fout; o++) s += dy.data[i * fout + o]! * w[o * fin + k]!;
      dx[i * fin + k] = s;
    }
  for (let o = 0; o < fout; o++)
    for (let k = 0; k < fin; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += dy.data[i * fout + o]! * x.data[i * fin + k]!;
      gw[o * fin + k]! += s;
    }
}

const sizes = process.argv.slice(2).map(Number).filter((v) => v > 0);
console.log('size (batch=in=out) | @x/nn Linear ms | naive ms | ratio | @x/nn GFLOP/s');
for (const n of sizes.length ? sizes : [128, 256, 512]) {
  const l = new Linear(n, n, { seed: 1 });
  const x = randn(n, n, 2);
  const dy = randn(n, n, 3);
  const reps = n >= 512 ? 3 : 5;
  const tNn = best(reps, () => {
    l.forward(x);
    l.backward(dy);
  });
  const gw = new Float64Array(n * n);
  const tNaive = best(reps, () => naiveStep(x, l.weight.data, l.bias, dy, gw, n, n));
  const gflops = (3 * 2 * n * n * n) / (tNn * 1e6);
  console.log(`${n} | ${tNn.toFixed(1)} | ${tNaive.toFixed(1)} | ${(tNaive / tNn).toFixed(2)}x | ${gflops.toFixed(2)}`);
}
