/**
 * PiSSA init time: pissaInit exact (full SVD) vs fast (randomized, niter 4, no oversampling, as
 * peft's `pissa_niter_4`), against the same two inits built on ml-matrix 6.15 (its SVD; its QR
 * for the randomized range finder), r = 16, on Gaussian weights. Also prints the relative error
 * of the fast rank-r part against the exact one, on the Gaussian weight (a flat spectrum: the hard
 * case) and on a weight with σ_i = 0.85^i (fast decay: the case the spec tests at ~1e-2).
 * Run from the repo root: `pnpm --filter @x/bench exec tsx $PWD/packages/peft/bench/init.bench.ts [sizes...]`
 * (ml-matrix is resolved from packages/linalg/node_modules).
 */
import { type Matrix, matmul, randn } from '@x/gpu';
import { fromMlMatrix, qr, toMlMatrix } from '@x/linalg';
import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from '../../linalg/node_modules/ml-matrix/matrix.mjs';
import { pissaInit } from '../src';

function best(reps: number, fn: () => void): number {
  let t = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** PiSSA factors from an ml-matrix SVD (U m x r, S r, V n x r): A = √S Vᵀ, B = U √S, Wres = W − B A. */
function pissaFromFactors(W: MlMatrix, U: MlMatrix, S: number[], V: MlMatrix, r: number): { A: MlMatrix; B: MlMatrix; Wres: MlMatrix } {
  const B = new MlMatrix(U.rows, r);
  const A = new MlMatrix(r, V.rows);
  for (let j = 0; j < r; j++) {
    const s = Math.sqrt(S[j]!);
    for (let i = 0; i < U.rows; i++) B.set(i, j, U.get(i, j) * s);
    for (let i = 0; i < V.rows; i++) A.set(j, i, V.get(i, j) * s);
  }
  return { A, B, Wres: W.clone().sub(B.mmul(A)) };
}

function mlPissaExact(W: MlMatrix, r: number) {
  const f = new SingularValueDecomposition(W, { autoTranspose: true });
  return pissaFromFactors(W, f.leftSingularVectors, f.diagonal, f.rightSingularVectors, r);
}

/** torch.svd_lowrank(W, q = r, niter) on ml-matrix: Q = orth(W Ω), niter × {orth(Wᵀ Q), orth(W Q)}, svd(Qᵀ W). */
function mlPissaFast(W: MlMatrix, r: number, niter: number, omega: MlMatrix) {
  const orth = (m: MlMatrix) => new QrDecomposition(m).orthogonalMatrix.subMatrix(0, m.rows - 1, 0, r - 1);
  let Q = orth(W.mmul(omega));
  const Wt = W.transpose();
  for (let i = 0; i < niter; i++) {
    Q = orth(Wt.mmul(Q));
    Q = orth(W.mmul(Q));
  }
  const f = new SingularValueDecomposition(Q.transpose().mmul(W), { autoTranspose: true });
  return pissaFromFactors(W, Q.mmul(f.leftSingularVectors), f.diagonal, f.rightSingularVectors, r);
}

function relErr(a: Matrix, b: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num += (a.data[i]! - b.data[i]!) ** 2;
    den += b.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

const r = 16;
const niter = 4;
{
  const w = randn(64, 64, 1);
  pissaInit(w, 8);
  pissaInit(w, 8, { niter });
  const wm = toMlMatrix(w, MlMatrix);
  mlPissaExact(wm, 8);
  mlPissaFast(wm, 8, niter, toMlMatrix(randn(64, 8, 2), MlMatrix));
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
const rows: string[] = [];
for (const n of sizes.length ? sizes : [256, 512]) {
  const W = randn(n, n, n);
  const Wm = toMlMatrix(W, MlMatrix);
  const omega = toMlMatrix(randn(n, r, 7), MlMatrix);
  const reps = n >= 512 ? 3 : 5;
  const exact = best(reps, () => pissaInit(W, r));
  const fast = best(reps, () => pissaInit(W, r, { niter }));
  const mlExact = best(reps, () => mlPissaExact(Wm, r));
  const mlFast = best(reps, () => mlPissaFast(Wm, r, niter, omega));
  const pe = pissaInit(W, r);
  const pf = pissaInit(W, r, { niter });
  const err = relErr(matmul(pf.B, pf.A), matmul(pe.B, pe.A));
  const mf = mlPissaFast(Wm, r, niter, omega);
  const mlErr = relErr(fromMlMatrix(mf.B.mmul(mf.A)), matmul(pe.B, pe.A));
  const Qu = qr(randn(n, n, n + 1)).Q;
  const Qv = qr(randn(n, n, n + 2)).Q;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Qu.data[i * n + j]! *= 0.85 ** j;
  const Wd = matmul(Qu, Qv, { transB: true });
  const de = pissaInit(Wd, r);
  const df = pissaInit(Wd, r, { niter });
  const decayErr = relErr(matmul(df.B, df.A), matmul(de.B, de.A));
  rows.push(
    `| ${n}x${n} | ${exact.toFixed(1)} | ${fast.toFixed(1)} | ${(exact / fast).toFixed(1)}x | ${mlExact.toFixed(1)} | ${mlFast.toFixed(1)} | ${(mlExact / exact).toFixed(1)}x | ${(mlFast / fast).toFixed(1)}x | ${err.toExponential(1)} / ${mlErr.toExponential(1)} | ${decayErr.toExponential(1)} |`,
  );
}
console.log(`PiSSA init, r = ${r}, fast = randomized SVD niter ${niter} (no oversampling); best of 3-5 runs, ms`);
console.log('| W | ours exact | ours fast | exact/fast | ml-matrix exact | ml-matrix fast | ml/ours exact | ml/ours fast | fast rank-r rel. error, Gaussian W (ours / ml) | same, σ_i = 0.85^i (ours) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
