/**
 * Benchmarks for @x/linalg's structured half. A plain script (no timed assertions):
 *   ../../node_modules/.bin/tsx bench/structured.bench.ts [--json]
 * Every comparison runs both sides in the same process and reports time per call and the ratio
 * (peer time / ours: > 1 means ours is faster).
 */
import { matmul, rng } from '@x/gpu';
import FFTJS from 'fft.js';
import { butterflyWorkspace, lossGradInto } from '../src/butterfly';
import { permutedStepRunner, relaxedPermutationMatrix } from '../src/butterfly-perm';
import { butterflyDft, butterflyMultiply, butterflyTransformTarget, dct, dctMatrix, fft, kron, kronMatvec } from '../src/structured';

interface Row {
  case: string;
  n: string;
  oursUs: number;
  peer: string;
  peerUs: number;
  ratio: number;
}

/** Repetitions that make one batch of `fn` last >= 5 ms (after a warm-up). */
function calibrate(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= 5) return reps;
    reps *= 2;
  }
}

function batch(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return ((performance.now() - t0) * 1000) / reps;
}

/** Minimum over batches: on a shared machine noise only ever adds time. */
const best = (v: number[]) => Math.min(...v);

/**
 * Time per call (us) of two functions, batches alternating A B A B ... (25 each) so that load
 * changes on a shared machine hit both sides alike; the fastest batch of each side.
 */
function timePair(a: () => void, b: () => void): [number, number] {
  const ra = calibrate(a);
  const rb = calibrate(b);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < 25; i++) {
    ta.push(batch(a, ra));
    tb.push(batch(b, rb));
  }
  return [best(ta), best(tb)];
}

const rows: Row[] = [];
const r = rng(1);
let sink = 0;

function add(c: string, n: number | string, ours: () => void, peer: string, other: () => void): void {
  const [o, p] = timePair(ours, other);
  rows.push({ case: c, n: String(n), oursUs: o, peer, peerUs: p, ratio: p / o });
}

// 1. Power-of-two FFT: our wrapper (split re/im, plan cache) vs fft.js called directly.
for (const n of [64, 1024, 16384]) {
  const x = { re: r.fillNormal(new Float64Array(n)), im: r.fillNormal(new Float64Array(n)) };
  const F = new (FFTJS as unknown as new (n: number) => { transform(o: number[], i: number[]): void; createComplexArray(): number[] })(n);
  const inp = F.createComplexArray();
  for (let i = 0; i < n; i++) {
    inp[2 * i] = x.re[i]!;
    inp[2 * i + 1] = x.im[i]!;
  }
  const out = F.createComplexArray();
  add('fft (pow2)', n, () => { sink += fft(x).re[1]!; }, 'fft.js direct (interleaved, no copies)', () => { F.transform(out, inp); sink += out[2]!; });
  const o = { re: new Float64Array(n), im: new Float64Array(n) };
  add('fft (pow2, opts.out)', n, () => { sink += fft(x, { out: o }).re[1]!; }, 'fft.js direct (interleaved, no copies)', () => { F.transform(out, inp); sink += out[2]!; });
}

// 2. Other lengths: Bluestein vs the naive O(n^2) DFT (twiddles precomputed).
for (const n of [100, 127, 1000, 3000]) {
  const x = { re: r.fillNormal(new Float64Array(n)), im: r.fillNormal(new Float64Array(n)) };
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cr[k] = Math.cos((-2 * Math.PI * k) / n);
    ci[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  const naive = () => {
    const yr = new Float64Array(n);
    const yi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const t = (j * k) % n;
        sr += x.re[j]! * cr[t]! - x.im[j]! * ci[t]!;
        si += x.re[j]! * ci[t]! + x.im[j]! * cr[t]!;
      }
      yr[k] = sr;
      yi[k] = si;
    }
    sink += yr[1]! + yi[1]!;
  };
  add('fft (Bluestein)', n, () => { sink += fft(x).re[1]!; }, 'naive DFT', naive);
}

// 3. Fast DCT-II (Makhoul, one FFT) vs multiplying by a precomputed dctMatrix.
for (const n of [64, 100, 1000, 1024]) {
  const x = r.fillNormal(new Float64Array(n));
  const C = dctMatrix(n);
  const xv = { rows: n, cols: 1, data: x };
  add('dct (ortho)', n, () => { sink += dct(x, { norm: 'ortho' })[1]!; }, 'dctMatrix(n) x (matmul)', () => { sink += matmul(C, xv).data[1]!; });
}

// 4. Kronecker matvec vs forming kron(A, B) once and multiplying (matvec only timed).
for (const n of [16, 48]) {
  const A = { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n)) };
  const B = { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n)) };
  const K = kron(A, B);
  const x = r.fillNormal(new Float64Array(n * n));
  const xv = { rows: n * n, cols: 1, data: x };
  add('kronMatvec', `${n}x${n} (x) ${n}x${n}`, () => { sink += kronMatvec(A, B, x)[1]!; }, 'dense kron(A,B) x', () => { sink += matmul(K, xv).data[1]!; });
}

// 5. Butterfly fast multiply (exact DFT butterfly) vs our fft.
for (const n of [1024]) {
  const x = { re: r.fillNormal(new Float64Array(n)), im: r.fillNormal(new Float64Array(n)) };
  const b = butterflyDft(n, { norm: 'backward' });
  add('butterflyMultiply (DFT)', n, () => { sink += butterflyMultiply(b, x).re[1]!; }, 'fft (fft.js radix-4)', () => { sink += fft(x).re[1]!; });
}

// 6. One relaxed loss + gradient of learnButterflyPermuted (the work of a joint Adam step): the
// block-diagonal recursion Z_t = B_t Z_{t-1} F_{L-1-t} (O(n^2)) vs the dense route the function used
// before (P formed as an n x n matrix, then every butterfly stage on n x n; forward and twiddle
// backward only, so a lower bound of that route's step, which also back-propagated through P).
for (const n of [64, 256]) {
  const T = butterflyTransformTarget('dft', n);
  const L = Math.log2(n);
  const step = permutedStepRunner(T);
  const logits = new Float64Array(3 * (L - 1));
  const b = butterflyDft(n);
  const w = butterflyWorkspace(n, L);
  const grad = { re: new Float64Array(b.twiddle.re.length), im: new Float64Array(b.twiddle.re.length) };
  const dense = () => {
    const P = relaxedPermutationMatrix(logits, n);
    sink += lossGradInto(b, T.re.data, T.im.data, w, grad, { x0: P });
  };
  add('learnButterflyPermuted step (loss + gradient)', n, () => { sink += step(); }, 'dense route (P as n x n, stages on n x n)', dense);
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ rows, sink }, null, 2));
} else {
  console.log('| case | n | ours (us) | peer | peer (us) | peer / ours |');
  console.log('|---|---|---|---|---|---|');
  for (const w of rows) {
    console.log(`| ${w.case} | ${w.n} | ${w.oursUs.toFixed(2)} | ${w.peer} | ${w.peerUs.toFixed(2)} | ${w.ratio.toFixed(2)} |`);
  }
  if (Number.isNaN(sink)) console.log('(sink NaN)');
}
