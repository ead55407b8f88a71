/**
 * Dense @x/linalg vs ml-matrix 6.15 in the same process: matmul, qr, eigh, svd (exact and
 * randomized) at 128/256/512. Prints time (best of R runs), the speed ratio and the accuracy
 * of both (relative reconstruction error, orthogonality). @x/linalg is timed twice: with
 * @x/gpu's JS GEMM (the default) and after `enableWasm()` (its WebAssembly SIMD GEMM).
 * Run from packages/linalg: `node --import tsx bench/dense.bench.ts [sizes...]`
 * (or `/work/main/node_modules/.bin/tsx bench/dense.bench.ts 128 256 512`).
 */
import { disableWasm, enableWasm, gram, type Matrix, matmul, randn } from '@x/gpu';
import {
  EigenvalueDecomposition,
  Matrix as MlMatrix,
  QrDecomposition,
  SingularValueDecomposition,
} from 'ml-matrix';
import { eigh, qr, svd } from '../src/dense';
import { fromMlMatrix, toMlMatrix } from '../src/interop';

function best(reps: number, f: () => void): number {
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

function fro(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}
function relDiff(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return Math.sqrt(s) / fro(b.data);
}
function orthErr(q: Matrix): number {
  const g = matmul(q, q, { transA: true });
  let e = 0;
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) e = Math.max(e, Math.abs(g.data[i * g.cols + j]! - (i === j ? 1 : 0)));
  return e;
}
function scaleCols(u: Matrix, s: ArrayLike<number>): Matrix {
  const k = u.cols;
  return { rows: u.rows, cols: k, data: u.data.map((x, i) => x * s[i % k]!) };
}

interface Row {
  op: string;
  n: number;
  ours: number;
  wasm: number;
  ml: number;
  errOurs: string;
  errMl: string;
}
const rows: Row[] = [];
let wasmOk = false;
try {
  await enableWasm();
  disableWasm();
  wasmOk = true;
} catch {
  wasmOk = false;
}
/**
 * Interleaved timing (ours, ml-matrix, ours with wasm, repeated) so that load changes on a
 * shared machine hit all three alike; returns the best time of each.
 */
async function compare(reps: number, ours: () => void, ml: () => void, mlReps = reps): Promise<{ ours: number; ml: number; wasm: number }> {
  let to = Number.POSITIVE_INFINITY;
  let tm = Number.POSITIVE_INFINITY;
  let tw = Number.POSITIVE_INFINITY;
  if (wasmOk) {
    await enableWasm();
    ours(); // warm the wasm route
    disableWasm();
  }
  for (let r = 0; r < reps; r++) {
    to = Math.min(to, best(1, ours));
    if (r < mlReps) tm = Math.min(tm, best(1, ml));
    if (wasmOk) {
      await enableWasm();
      tw = Math.min(tw, best(1, ours));
      disableWasm();
    }
  }
  return { ours: to, ml: tm, wasm: wasmOk ? tw : Number.NaN };
}

const fmtE = (x: number) => x.toExponential(1);

// Warm-up: let the JIT compile every kernel before anything is timed.
{
  const w = randn(96, 96, 1);
  qr(w);
  eigh(gram(w));
  svd(w);
  svd(w, { k: 8, method: 'randomized' });
  new SingularValueDecomposition(toMlMatrix(w, MlMatrix));
  new QrDecomposition(toMlMatrix(w, MlMatrix));
  new EigenvalueDecomposition(toMlMatrix(gram(w), MlMatrix), { assumeSymmetric: true });
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length ? sizes : [128, 256, 512]) {
  const reps = n >= 512 ? 3 : 5;
  const a = randn(n, n, n);
  const aMl = toMlMatrix(a, MlMatrix);
  const s = gram(a);
  const sMl = toMlMatrix(s, MlMatrix);

  {
    let c: Matrix = a;
    let cm: MlMatrix = aMl;
    const { ours, ml, wasm } = await compare(
      reps,
      () => (c = matmul(a, a)),
      () => (cm = aMl.mmul(aMl)),
    );
    rows.push({ op: 'matmul', n, ours, wasm, ml, errOurs: fmtE(relDiff(fromMlMatrix(cm), c)), errMl: '(ref)' });
  }
  {
    let r = qr(a);
    let q: QrDecomposition | undefined;
    let qm: MlMatrix = aMl;
    let rm: MlMatrix = aMl;
    const { ours, ml, wasm } = await compare(
      reps,
      () => (r = qr(a)),
      () => {
        q = new QrDecomposition(aMl);
        qm = q.orthogonalMatrix;
        rm = q.upperTriangularMatrix;
      },
    );
    const e1 = `${fmtE(relDiff(matmul(r.Q, r.R), a))} / ${fmtE(orthErr(r.Q))}`;
    const Qm = fromMlMatrix(qm);
    const e2 = `${fmtE(relDiff(matmul(Qm, fromMlMatrix(rm)), a))} / ${fmtE(orthErr(Qm))}`;
    rows.push({ op: 'qr (Q and R)', n, ours, wasm, ml, errOurs: e1, errMl: e2 });
  }
  {
    let e = eigh(s);
    let em: EigenvalueDecomposition | undefined;
    const { ours, ml, wasm } = await compare(
      reps,
      () => (e = eigh(s)),
      () => (em = new EigenvalueDecomposition(sMl, { assumeSymmetric: true })),
    );
    const v = e.vectors;
    const e1 = `${fmtE(relDiff(matmul(scaleCols(v, e.values), v, { transB: true }), s))} / ${fmtE(orthErr(v))}`;
    const vm = fromMlMatrix(em!.eigenvectorMatrix);
    const dm = em!.realEigenvalues;
    const e2 = `${fmtE(relDiff(matmul(scaleCols(vm, dm), vm, { transB: true }), s))} / ${fmtE(orthErr(vm))}`;
    rows.push({ op: 'eigh', n, ours, wasm, ml, errOurs: e1, errMl: e2 });
  }
  {
    let r = svd(a);
    let sm: SingularValueDecomposition | undefined;
    const { ours, ml, wasm } = await compare(
      reps,
      () => (r = svd(a)),
      () => (sm = new SingularValueDecomposition(aMl)),
      n >= 512 ? 2 : reps,
    );
    const e1 = `${fmtE(relDiff(matmul(scaleCols(r.U, r.S), r.V, { transB: true }), a))} / ${fmtE(Math.max(orthErr(r.U), orthErr(r.V)))}`;
    const um = fromMlMatrix(sm!.leftSingularVectors);
    const vm = fromMlMatrix(sm!.rightSingularVectors);
    const e2 = `${fmtE(relDiff(matmul(scaleCols(um, sm!.diagonal), vm, { transB: true }), a))} / ${fmtE(Math.max(orthErr(um), orthErr(vm)))}`;
    rows.push({ op: 'svd exact', n, ours, wasm, ml, errOurs: e1, errMl: e2 });

    // Randomized rank-32 SVD vs ml-matrix's full SVD truncated to 32 (ml-matrix has no randomized SVD).
    const k = 32;
    // A matrix with a decaying spectrum so the rank-32 truncation is meaningful.
    const lr = matmul(
      scaleCols(r.U, Array.from({ length: n }, (_, i) => 0.8 ** i)),
      r.V,
      { transB: true },
    );
    const lrMl = toMlMatrix(lr, MlMatrix);
    let rr = svd(lr, { k, method: 'randomized', niter: 4, oversample: 10, seed: 1 });
    let sm2: SingularValueDecomposition | undefined;
    const t2 = await compare(
      reps,
      () => (rr = svd(lr, { k, method: 'randomized', niter: 4, oversample: 10, seed: 1 })),
      () => (sm2 = new SingularValueDecomposition(lrMl)),
      1,
    );
    const ours2 = t2.ours;
    const wasm2 = t2.wasm;
    const ml2 = t2.ml;
    const tail = Math.sqrt(Array.from({ length: n - k }, (_, i) => 0.8 ** (2 * (i + k))).reduce((x, y) => x + y, 0));
    const fl = fro(lr.data);
    const e3 = fmtE(Math.abs(relDiff(matmul(scaleCols(rr.U, rr.S), rr.V, { transB: true }), lr) - tail / fl));
    const um2 = fromMlMatrix(sm2!.leftSingularVectors);
    const vm2 = fromMlMatrix(sm2!.rightSingularVectors);
    const tr = (m: Matrix) => ({ rows: m.rows, cols: k, data: Float64Array.from({ length: m.rows * k }, (_, i) => m.data[Math.floor(i / k) * m.cols + (i % k)]!) });
    const e4 = fmtE(Math.abs(relDiff(matmul(scaleCols(tr(um2), sm2!.diagonal.slice(0, k)), tr(vm2), { transB: true }), lr) - tail / fl));
    rows.push({ op: `svd randomized k=${k}`, n, ours: ours2, wasm: wasm2, ml: ml2, errOurs: e3, errMl: e4 });
  }
  for (const r of rows.filter((x) => x.n === n)) {
    console.log(
      `${r.op.padEnd(22)} n=${String(n).padEnd(4)} ours ${r.ours.toFixed(1).padStart(8)} ms (wasm ${r.wasm.toFixed(1).padStart(7)})  ml-matrix ${r.ml.toFixed(1).padStart(8)} ms  ratio ${(r.ml / r.ours).toFixed(2).padStart(6)}x (wasm ${(r.ml / r.wasm).toFixed(1)}x)  err ours ${r.errOurs}  ml ${r.errMl}`,
    );
  }
}

console.log('\n| op | n | @x/linalg (ms) | ml-matrix (ms) | speed-up | with enableWasm() (ms) | speed-up | error @x/linalg | error ml-matrix |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.op} | ${r.n} | ${r.ours.toFixed(1)} | ${r.ml.toFixed(1)} | ${(r.ml / r.ours).toFixed(1)}x | ${r.wasm.toFixed(1)} | ${(r.ml / r.wasm).toFixed(1)}x | ${r.errOurs} | ${r.errMl} |`,
  );
}
