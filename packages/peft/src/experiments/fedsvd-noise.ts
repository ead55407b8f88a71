import { type Matrix, matmul, randn, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { solve, svd } from '@x/linalg';
import { dpMean, dpNoiseMultiplier, rdpEpsilon } from '../dp';
import { fedsvdRound } from '../fedsvd';
import { loraInit } from '../lora';

/** A federated linear-regression task: K clients with non-IID inputs, one shared target W*. */
interface FedTask {
  W0: Matrix;
  A0: Matrix<Float64Array>;
  Xs: Matrix<Float64Array>[];
  Ys: Matrix<Float64Array>[];
  /** Least-squares optimum of the federated loss over B with A's row space fixed. */
  floor: number;
}

interface FedTaskOptions {
  d: number;
  r: number;
  clients: number;
  samples: number;
  seed: number;
}

/**
 * Client k's inputs have variance 4 on its own block of d/K directions (of a random basis) and
 * 0.25 elsewhere (non-IID covariate shift); the target update is a random rank-2r matrix, so no
 * rank-r adapter fits it exactly and the floor below is > 0.
 */
function fedTask({ d, r, clients, samples, seed }: FedTaskOptions): FedTask {
  const g = rng(seed);
  const W0 = randn(d, d, g, 1 / Math.sqrt(d));
  const dW = matmul(randn(d, 2 * r, g, 1 / Math.sqrt(r)), randn(2 * r, d, g, 1 / Math.sqrt(d)));
  const Wt = { rows: d, cols: d, data: W0.data.map((v, i) => v + dW.data[i]!) };
  const Q = svd(randn(d, d, g)).U;
  const block = Math.max(1, Math.floor(d / clients));
  const Xs: Matrix<Float64Array>[] = [];
  const Ys: Matrix<Float64Array>[] = [];
  for (let k = 0; k < clients; k++) {
    const z = randn(samples, d, g);
    for (let i = 0; i < samples; i++) {
      for (let j = 0; j < d; j++) {
        const own = Math.floor(j / block) === k;
        z.data[i * d + j]! *= own ? 2 : 0.5;
      }
    }
    const X = matmul(z, Q, { transB: true }) as Matrix<Float64Array>;
    Xs.push(X);
    Ys.push(matmul(X, Wt, { transB: true }) as Matrix<Float64Array>);
  }
  const A0 = loraInit(W0, r, { seed: seed + 1 }).A as Matrix<Float64Array>;
  const task = { W0, A0, Xs, Ys, floor: 0 };
  task.floor = federatedLoss(task, optimalB(task), A0);
  return task;
}

/** B minimizing Σ_k ‖X_k (W0 + B A)ᵀ − Y_k‖² for fixed A: B (A XᵀX Aᵀ) = (Y − X W0ᵀ)ᵀ X Aᵀ. */
function optimalB(task: FedTask): Matrix {
  const { W0, A0: A, Xs, Ys } = task;
  const r = A.rows;
  const out = W0.rows;
  const H = new Float64Array(r * r);
  const rhs = new Float64Array(out * r);
  Xs.forEach((X, k) => {
    const XA = matmul(X, A, { transB: true });
    const Rk = matmul(X, W0, { transB: true });
    for (let i = 0; i < Rk.data.length; i++) Rk.data[i] = Ys[k]!.data[i]! - Rk.data[i]!;
    const h = matmul(XA, XA, { transA: true });
    const b = matmul(Rk, XA, { transA: true });
    for (let i = 0; i < H.length; i++) H[i]! += h.data[i]!;
    for (let i = 0; i < rhs.length; i++) rhs[i]! += b.data[i]!;
  });
  // B H = rhs  <=>  H Bᵀ = rhsᵀ (H symmetric).
  const Bt = solve({ rows: r, cols: r, data: H }, { rows: r, cols: out, data: transposeData(rhs, out, r) });
  return { rows: out, cols: r, data: transposeData(Bt.data, r, out) };
}

function transposeData(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

/** Mean over clients of the per-entry MSE of X_k (W0 + B A)ᵀ against Y_k. */
function federatedLoss(task: FedTask, B: Matrix, A: Matrix): number {
  const W = matmul(B, A);
  for (let i = 0; i < W.data.length; i++) W.data[i]! += task.W0.data[i]!;
  let s = 0;
  task.Xs.forEach((X, k) => {
    const P = matmul(X, W, { transB: true });
    let e = 0;
    for (let i = 0; i < P.data.length; i++) e += (P.data[i]! - task.Ys[k]!.data[i]!) ** 2;
    s += e / P.data.length;
  });
  return s / task.Xs.length;
}

interface FedRunOptions {
  method: 'fedsvd' | 'ffa';
  rounds: number;
  localSteps: number;
  lr: number;
  /** Std of the Gaussian noise added to the averaged B each round. */
  noiseStd: number;
  seed: number;
  /** Called after each round with the losses so far (live plots). */
  onRound?: (losses: readonly number[]) => void;
}

/** Federated rounds; returns the federated loss after each round (index 0 = at init). */
function fedRun(task: FedTask, o: FedRunOptions): number[] {
  let A: Matrix = task.A0;
  let B: Matrix = { rows: task.W0.rows, cols: A.rows, data: new Float64Array(task.W0.rows * A.rows) };
  const losses = [federatedLoss(task, B, A)];
  for (let t = 0; t < o.rounds; t++) {
    const Bs = task.Xs.map((X, k) => localTrain(task.W0, A, B, X, task.Ys[k]!, o.localSteps, o.lr));
    // Same noise draw for both methods in a round (common random numbers).
    const next = fedsvdRound(A, Bs, { noiseStd: o.noiseStd, reorthogonalize: o.method === 'fedsvd', seed: o.seed * 100003 + t });
    A = next.A;
    B = next.B;
    losses.push(federatedLoss(task, B, A));
    o.onRound?.(losses);
  }
  return losses;
}

interface DpRunOptions {
  method: 'fedsvd' | 'ffa';
  rounds: number;
  localSteps: number;
  lr: number;
  /** Per-example clipping bound on the gradient of B. */
  clip: number;
  /** Noise multiplier σ (noise std σ·clip on the sum of clipped per-example gradients). */
  sigma: number;
  /** Poisson sampling rate of each local batch. */
  q: number;
  seed: number;
  /** Called after each round with the losses so far (live plots). */
  onRound?: (losses: readonly number[]) => void;
}

/**
 * Federated rounds where each client trains B with DP-SGD (per-example clipping and Gaussian
 * noise, {@link dpMean}, Poisson batches at rate q), as the FedSVD paper does with Opacus; the
 * server averages B and, for FedSVD, re-orthogonalizes. Both methods use the same batches and
 * noise draws (common random numbers) and the same (σ, q, steps), so their (ε, δ) per client
 * are identical.
 */
function dpRun(task: FedTask, o: DpRunOptions): number[] {
  let A: Matrix = task.A0;
  let B: Matrix = { rows: task.W0.rows, cols: A.rows, data: new Float64Array(task.W0.rows * A.rows) };
  const losses = [federatedLoss(task, B, A)];
  for (let t = 0; t < o.rounds; t++) {
    const Bs = task.Xs.map((X, k) => dpLocalTrain(task.W0, A, B, X, task.Ys[k]!, o, o.seed * 1000003 + t * 101 + k));
    ({ B, A } = fedsvdRound(A, Bs, { reorthogonalize: o.method === 'fedsvd' }));
    losses.push(federatedLoss(task, B, A));
    o.onRound?.(losses);
  }
  return losses;
}

/** Per-example gradients of ‖r_i‖² / out w.r.t. B: (2 / out) r_i (A x_i)ᵀ, r_i = (W0 + B A) x_i − y_i. */
function perExampleGrads(W0: Matrix, A: Matrix, B: Matrix, X: Matrix, Y: Matrix, rows: readonly number[]): Matrix[] {
  const out = W0.rows;
  const r = A.rows;
  const XA = matmul(X, A, { transB: true });
  const P = matmul(X, W0, { transB: true });
  const XAB = matmul(XA, B, { transB: true });
  return rows.map((i) => {
    const g = new Float64Array(out * r);
    for (let o = 0; o < out; o++) {
      const res = (2 / out) * (P.data[i * out + o]! + XAB.data[i * out + o]! - Y.data[i * out + o]!);
      for (let j = 0; j < r; j++) g[o * r + j] = res * XA.data[i * r + j]!;
    }
    return { rows: out, cols: r, data: g };
  });
}

function dpLocalTrain(W0: Matrix, A: Matrix, B0: Matrix, X: Matrix, Y: Matrix, o: DpRunOptions, seed: number): Matrix<Float64Array> {
  const g = rng(seed);
  let B: Matrix<Float64Array> = { rows: B0.rows, cols: B0.cols, data: Float64Array.from(B0.data) };
  for (let s = 0; s < o.localSteps; s++) {
    const batch: number[] = [];
    for (let i = 0; i < X.rows; i++) if (g.uniform() < o.q) batch.push(i);
    const G = dpMean(B, perExampleGrads(W0, A, B, X, Y, batch), { clip: o.clip, noiseMultiplier: o.sigma, expectedCount: o.q * X.rows, seed: seed * 31 + s });
    const next = Float64Array.from(B.data);
    for (let i = 0; i < next.length; i++) next[i]! -= o.lr * G.data[i]!;
    B = { rows: B.rows, cols: B.cols, data: next };
  }
  return B;
}

/** Median per-example gradient norm at init (B = 0, the shared A0) over all clients: a clip scale. */
function initGradNorm(task: FedTask): number {
  const B0: Matrix = { rows: task.W0.rows, cols: task.A0.rows, data: new Float64Array(task.W0.rows * task.A0.rows) };
  const ns = task.Xs.flatMap((X, k) => perExampleGrads(task.W0, task.A0, B0, X, task.Ys[k]!, Array.from({ length: X.rows }, (_, i) => i)).map((gm) => Math.hypot(...gm.data))).sort((a, b) => a - b);
  return ns[ns.length >> 1]!;
}

/** E steps of gradient descent on B only: ∇_B = (2 / (n out)) Rᵀ (X Aᵀ), R = X (W0 + B A)ᵀ − Y. */
function localTrain(W0: Matrix, A: Matrix, B0: Matrix, X: Matrix, Y: Matrix, steps: number, lr: number): Matrix<Float64Array> {
  const XA = matmul(X, A, { transB: true });
  const XW0 = matmul(X, W0, { transB: true });
  const B = { rows: B0.rows, cols: B0.cols, data: Float64Array.from(B0.data) };
  const c = (2 * lr) / (X.rows * W0.rows);
  for (let s = 0; s < steps; s++) {
    const R = matmul(XA, B, { transB: true });
    for (let i = 0; i < R.data.length; i++) R.data[i] = R.data[i]! + XW0.data[i]! - Y.data[i]!;
    const G = matmul(R, XA, { transA: true });
    for (let i = 0; i < B.data.length; i++) B.data[i]! -= c * G.data[i]!;
  }
  return B;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * FedSVD vs FFA-LoRA under noise (Lee et al., "FedSVD: Adaptive Orthogonalization for Private
 * Federated Learning with LoRA", 2025, Sec. 3; FFA-LoRA: Sun et al. 2024). K = 4 clients with
 * non-IID inputs fit one linear target; each round they run a few GD steps on B only, the server
 * averages B, adds Gaussian noise and either re-orthogonalizes ({@link fedsvdRound}) or keeps the
 * random A. Both start from the same LoRA (Kaiming-uniform) A, and re-orthogonalization keeps
 * B A and A's row space, so both can represent exactly the same updates; what differs is the
 * parametrization: FedSVD's A has orthonormal rows (a well-conditioned B-problem, noise on B
 * mapped isometrically into ΔW), FFA-LoRA's A has ‖A‖_F < √r and a spread of singular values.
 * Each method gets its best learning rate from a grid (noise-free), then runs with noise std σ
 * on B, and FFA-LoRA also with σ·√r/‖A‖_F, which gives the same expected ΔW noise norm.
 * Losses are excess over the least-squares optimum in A's row space.
 */
export const fedsvdNoise: Experiment = {
  id: 'peft/fedsvd-noise',
  pkg: '@x/peft',
  title: 'FedSVD vs a fixed random A (FFA-LoRA) under noise on B',
  claim:
    'FedSVD (Lee et al. 2025) re-orthogonalizes A each round, so noise on B maps isometrically into ΔW and the B-problem is well conditioned. Tests FedSVD against FFA-LoRA (fixed random A) with the same noise on B and with the noise matched in ΔW: the noise floors agree within 2x once ΔW noise is matched, and the fixed A ends lower under the same σ because ‖A‖_F < √r; the paper\'s noise advantage for FedSVD does not reproduce in this linear task, see README. With client-side DP-SGD (per-example clipping, Gaussian noise) at equal (ε, δ) = (6, 1e-5) by the RDP accountant, the two methods end within 1.5x of each other; the paper\'s DP advantage is reported, not asserted.',
  params: [
    { name: 'rounds', label: 'federated rounds', kind: 'int', min: 20, max: 240, step: 10, default: 80, quick: 40 },
    { name: 'sigma', label: 'noise σ on B', kind: 'float', log: true, min: 1e-3, max: 0.2, default: 0.02 },
  ],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed0 = opts.seed ?? 0;
    const seeds = quick ? [seed0] : [seed0, seed0 + 1, seed0 + 2];
    const [d, r, clients, samples, localSteps] = quick ? [32, 4, 4, 64, 5] : [48, 6, 4, 96, 5];
    const { rounds, sigma } = experimentParams(fedsvdNoise, opts) as { rounds: number; sigma: number };
    const lrs = [0.3, 1, 3];
    // Client-side DP-SGD at the paper's budget ε = 6, δ = 1e-5 (per client: its data is seen
    // only by its own rounds × localSteps sampled steps at rate q).
    const [dpEps, dpDelta, dpQ] = [6, 1e-5, 0.25];
    const dpSigma = dpNoiseMultiplier(dpEps, dpDelta, dpQ, rounds * localSteps);
    const dpAchieved = rdpEpsilon(dpSigma, dpQ, rounds * localSteps, dpDelta).epsilon;
    const clipFactors = [0.25, 0.5, 1, 2];
    const tailOf = (L: number[], floor: number) => mean(L.slice(-10)) - floor;
    const acc = { cleanFedsvd: [] as number[], cleanFfa: [] as number[], fedsvd: [] as number[], ffaSame: [] as number[], ffaMatched: [] as number[], normA: [] as number[], condA: [] as number[], dpFedsvd: [] as number[], dpFfa: [] as number[], init: [] as number[], dpClipFedsvd: [] as number[], dpClipFfa: [] as number[] };
    const lrChoice = { fedsvd: [] as number[], ffa: [] as number[] };
    let curves: Record<string, number[]> = {};
    // Live results: the federated run in progress (excess loss per round), growing round by round.
    const report = partialReporter(opts.onPartial);
    const live = (name: string, floor: number) =>
      opts.onPartial &&
      ((L: readonly number[]) =>
        report(() => ({ plots: [{ title: 'federated run in progress', xLabel: 'round', yLabel: 'excess federated MSE', logY: true, series: [{ name, x: L.map((_, i) => i), y: L.map((v) => Math.max(v - floor, 1e-12)) }] }] })));
    for (const [si, seed] of seeds.entries()) {
      throwIfAborted(opts.signal);
      const task = fedTask({ d, r, clients, samples, seed });
      const normA = Math.sqrt(task.A0.data.reduce((s, v) => s + v * v, 0));
      const best: Record<'fedsvd' | 'ffa', { lr: number; tail: number; L: number[] }> = {
        fedsvd: { lr: 0, tail: Infinity, L: [] },
        ffa: { lr: 0, tail: Infinity, L: [] },
      };
      for (const method of ['fedsvd', 'ffa'] as const) {
        for (const lr of lrs) {
          const L = fedRun(task, { method, rounds, localSteps, lr, noiseStd: 0, seed, onRound: live(`seed ${seed}: ${method}, lr ${lr}, noise-free`, task.floor) });
          const t = tailOf(L, task.floor);
          if (t < best[method].tail) best[method] = { lr, tail: t, L };
        }
      }
      const run = (method: 'fedsvd' | 'ffa', lr: number, noiseStd: number) =>
        fedRun(task, { method, rounds, localSteps, lr, noiseStd, seed, onRound: live(`seed ${seed}: ${method}, lr ${lr}, noise ${noiseStd.toPrecision(3)}`, task.floor) });
      const a = run('fedsvd', best.fedsvd.lr, sigma);
      const b = run('ffa', best.ffa.lr, sigma);
      const c = run('ffa', best.ffa.lr, (sigma * Math.sqrt(r)) / normA);
      acc.cleanFedsvd.push(best.fedsvd.tail);
      acc.cleanFfa.push(best.ffa.tail);
      acc.fedsvd.push(tailOf(a, task.floor));
      acc.ffaSame.push(tailOf(b, task.floor));
      acc.ffaMatched.push(tailOf(c, task.floor));
      acc.normA.push(normA);
      // Equal (ε, δ): same σ, q, rounds and clipping grid for both; each its best clip (a
      // multiple of the first round's median client-update norm) and its noise-free lr.
      const dpBest = (method: 'fedsvd' | 'ffa', lr: number) => {
        const base = initGradNorm(task);
        let out = { tail: Infinity, clip: 0, L: [] as number[] };
        for (const f of clipFactors) {
          const L = dpRun(task, { method, rounds, localSteps, lr, clip: f * base, sigma: dpSigma, q: dpQ, seed, onRound: live(`seed ${seed}: ${method} DP-SGD, clip ${f}x`, task.floor) });
          const t = tailOf(L, task.floor);
          if (t < out.tail) out = { tail: t, clip: f, L };
        }
        return out;
      };
      const dA = dpBest('fedsvd', best.fedsvd.lr);
      const dB = dpBest('ffa', best.ffa.lr);
      acc.init.push(dA.L[0]! - task.floor);
      acc.dpFedsvd.push(dA.tail);
      acc.dpFfa.push(dB.tail);
      acc.dpClipFedsvd.push(dA.clip);
      acc.dpClipFfa.push(dB.clip);
      const sA = svd(task.A0).S;
      acc.condA.push((sA[0]! / sA[sA.length - 1]!) ** 2);
      lrChoice.fedsvd.push(best.fedsvd.lr);
      lrChoice.ffa.push(best.ffa.lr);
      if (si === 0) {
        const ex = (L: number[]) => L.map((v) => Math.max(v - task.floor, 1e-12));
        curves = { dpFedsvd: ex(dA.L), dpFfa: ex(dB.L), cleanFedsvd: ex(best.fedsvd.L), cleanFfa: ex(best.ffa.L), fedsvd: ex(a), ffaSame: ex(b), ffaMatched: ex(c) };
      }
      opts.onProgress?.({ fraction: (si + 1) / seeds.length, message: `seed ${seed}` });
    }
    report(() => ({ plots: [{ title: 'noise-free, first seed (excess federated MSE)', xLabel: 'round', yLabel: 'excess federated MSE', logY: true, series: [{ name: 'FedSVD', x: curves.cleanFedsvd!.map((_, i) => i), y: [...curves.cleanFedsvd!] }, { name: 'FFA-LoRA', x: curves.cleanFfa!.map((_, i) => i), y: [...curves.cleanFfa!] }] }] }), true);
    const metrics = {
      cleanFedsvd: mean(acc.cleanFedsvd),
      cleanFfa: mean(acc.cleanFfa),
      noisyFedsvd: mean(acc.fedsvd),
      noisyFfaSameStd: mean(acc.ffaSame),
      noisyFfaMatchedDeltaW: mean(acc.ffaMatched),
      normA: mean(acc.normA),
      /** cond(A Aᵀ) of the fixed random A (FedSVD's is 1 after the first round). */
      condAAt: mean(acc.condA),
      sqrtR: Math.sqrt(r),
      lrFedsvd: lrChoice.fedsvd[0]!,
      lrFfa: lrChoice.ffa[0]!,
      sigma,
      dpFedsvd: mean(acc.dpFedsvd),
      dpFfa: mean(acc.dpFfa),
      /** Excess loss at init (B = 0), the do-nothing level. */
      initExcess: mean(acc.init),
      dpEpsilon: dpAchieved,
      dpDelta,
      dpNoiseMultiplier: dpSigma,
      dpSamplingRate: dpQ,
      dpClipFactorFedsvd: acc.dpClipFedsvd[0]!,
      dpClipFactorFfa: acc.dpClipFfa[0]!,
    };
    const dpRatio = metrics.dpFedsvd / metrics.dpFfa;
    // What the runs robustly show (see README): with the same σ on B, the fixed Kaiming A
    // (‖A‖_F < √r) puts less noise into ΔW, so FFA-LoRA ends lower; with the ΔW noise matched,
    // the two noise floors agree within 2x. The paper's parts are computed and reported.
    const matchedRatio = metrics.noisyFedsvd / metrics.noisyFfaMatchedDeltaW;
    const sameRatio = metrics.noisyFedsvd / metrics.noisyFfaSameStd;
    const x = curves.fedsvd!.map((_, i) => i);
    const e = (v: number) => v.toExponential(2);
    const lowerOrHigher = (ratio: number) => (ratio < 1 ? `FedSVD ${(1 / ratio).toFixed(2)}x lower` : `FedSVD ${ratio.toFixed(2)}x higher`);
    return experimentResult({
      checks: [
        check('with the noise matched in ΔW, the FedSVD and FFA-LoRA noise floors agree within 2x', matchedRatio > 0.5 && matchedRatio < 2, `FedSVD ${e(metrics.noisyFedsvd)} vs FFA-LoRA ${e(metrics.noisyFfaMatchedDeltaW)} (${lowerOrHigher(matchedRatio)})`),
        check('with the same σ on B the fixed A (‖A‖_F < √r) puts less noise into ΔW, and FFA-LoRA ends lower', metrics.normA < metrics.sqrtR && metrics.noisyFfaSameStd < metrics.noisyFedsvd, `‖A‖_F ${metrics.normA.toFixed(2)} vs √r ${metrics.sqrtR.toFixed(2)}; FFA-LoRA ${e(metrics.noisyFfaSameStd)} vs FedSVD ${e(metrics.noisyFedsvd)}`),
        check('paper: under the same noise on B, FedSVD ends lower than FFA-LoRA', sameRatio < 1, lowerOrHigher(sameRatio), false),
        check('paper: with the noise matched in ΔW, FedSVD ends lower than FFA-LoRA', matchedRatio < 1, lowerOrHigher(matchedRatio), false),
        check(`both DP runs are at the same (ε, δ) = (${dpEps}, ${dpDelta}) by the RDP accountant`, dpAchieved <= dpEps && dpAchieved > 0.99 * dpEps, `σ = ${dpSigma.toFixed(3)}, q = ${dpQ}, ${rounds * localSteps} steps → ε = ${dpAchieved.toFixed(3)}`),
        check('client DP-SGD makes progress: both DP runs end below the excess loss at init', metrics.dpFedsvd < metrics.initExcess && metrics.dpFfa < metrics.initExcess, `FedSVD ${e(metrics.dpFedsvd)}, FFA-LoRA ${e(metrics.dpFfa)} vs ${e(metrics.initExcess)} at init`),
        check(`at equal (ε, δ), the FedSVD and FFA-LoRA losses agree within 1.5x`, dpRatio > 1 / 1.5 && dpRatio < 1.5, lowerOrHigher(dpRatio)),
        check(`paper: at equal (ε, δ) = (${dpEps}, ${dpDelta}), FedSVD ends lower than FFA-LoRA`, dpRatio < 1, `DP-FedSVD ${e(metrics.dpFedsvd)} vs DP-FFA-LoRA ${e(metrics.dpFfa)} (${lowerOrHigher(dpRatio)})`, false),
        check('paper: the well-conditioned B-problem helps without noise (FedSVD ends at or below FFA-LoRA)', metrics.cleanFedsvd <= metrics.cleanFfa, `FedSVD ${e(metrics.cleanFedsvd)} vs FFA-LoRA ${e(metrics.cleanFfa)}, cond(A Aᵀ) ${metrics.condAAt.toFixed(1)} vs 1`, false),
      ],
      summary:
        `excess loss over the row-space optimum, ${seeds.length} seed(s), best lr per method: noise-free FedSVD ${e(metrics.cleanFedsvd)} vs FFA-LoRA ${e(metrics.cleanFfa)} (cond(A Aᵀ) = ${metrics.condAAt.toFixed(1)} vs 1); ` +
        `σ = ${sigma} on B: FedSVD ${e(metrics.noisyFedsvd)} vs FFA-LoRA ${e(metrics.noisyFfaSameStd)} (its ‖A‖_F = ${metrics.normA.toFixed(2)} < √r = ${metrics.sqrtR.toFixed(2)}, so less ΔW noise); ` +
        `ΔW noise matched: FFA-LoRA ${e(metrics.noisyFfaMatchedDeltaW)} (${lowerOrHigher(matchedRatio)}); ` +
        `client DP-SGD at (ε, δ) = (${dpAchieved.toFixed(2)}, ${dpDelta}) (σ = ${dpSigma.toFixed(2)}, q = ${dpQ}): FedSVD ${e(metrics.dpFedsvd)} vs FFA-LoRA ${e(metrics.dpFfa)} (${lowerOrHigher(dpRatio)}; ${e(metrics.initExcess)} at init).`,
      metrics,
      plots: [
        {
          title: `Client DP-SGD on B at (ε, δ) = (${dpEps}, ${dpDelta}): σ = ${dpSigma.toFixed(2)}, q = ${dpQ}`,
          caption: 'At the same (ε, δ) both curves should fall below their start and end within 1.5x of each other.',
          xLabel: 'round',
          yLabel: 'excess federated MSE',
          logY: true,
          series: [
            { name: `FedSVD (clip ${metrics.dpClipFactorFedsvd}x)`, x, y: curves.dpFedsvd! },
            { name: `FFA-LoRA (clip ${metrics.dpClipFactorFfa}x)`, x, y: curves.dpFfa! },
          ],
        },
        {
          title: `Noise-free (FedSVD lr ${metrics.lrFedsvd}, FFA-LoRA lr ${metrics.lrFfa})`,
          caption: 'Without noise both should converge; whether FedSVD ends at or below FFA-LoRA is reported, not asserted.',
          xLabel: 'round',
          yLabel: 'excess federated MSE',
          logY: true,
          series: [
            { name: 'FedSVD', x, y: curves.cleanFedsvd! },
            { name: 'FFA-LoRA (fixed random A)', x, y: curves.cleanFfa! },
          ],
        },
        {
          title: `Gaussian noise on B (σ = ${sigma})`,
          caption: 'Each curve levels off at a noise floor: FFA-LoRA with the same σ lower than FedSVD, and with the ΔW noise matched within 2x of it.',
          xLabel: 'round',
          yLabel: 'excess federated MSE',
          logY: true,
          series: [
            { name: 'FedSVD', x, y: curves.fedsvd! },
            { name: 'FFA-LoRA, same σ on B', x, y: curves.ffaSame! },
            { name: 'FFA-LoRA, same ΔW noise norm', x, y: curves.ffaMatched! },
          ],
        },
      ],
    });
  },
};
