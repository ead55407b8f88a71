import { type Matrix, matmul, randn, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { kron } from '@x/linalg';
import { AdaptedLinear } from '../adapted-linear';
import { loraInit } from '../lora';
import { pissaInit } from '../pissa';
import { elbowRank, energyRank, sokaInit } from '../soka';
import { trainMse } from './train';

type Target = 'kronecker' | 'lowRank';

/** Σ_j s_j A_j ⊗ B_j with s_j = 4 e^{-j/3} (j < 12) and random unit-norm factors, so the Kronecker spectrum decays. */
function baseWeight(f: number, seed: number): { W0: Matrix; A: Matrix[]; B: Matrix[] } {
  const g = rng(seed);
  const d = f * f;
  const W0 = { rows: d, cols: d, data: new Float64Array(d * d) };
  const A: Matrix[] = [];
  const B: Matrix[] = [];
  for (let j = 0; j < 12; j++) {
    const a = randn(f, f, g, 1 / f);
    const b = randn(f, f, g, 1 / f);
    const t = kron(a, b);
    const s = 4 * Math.exp(-j / 3);
    for (let i = 0; i < t.data.length; i++) W0.data[i]! += s * t.data[i]!;
    A.push(a);
    B.push(b);
  }
  return { W0, A, B };
}

/**
 * The fine-tuning update: `kronecker` perturbs the factors of W0's K principal Kronecker terms
 * (ΔW = Σ_k (A_k + δA_k) ⊗ (B_k + δB_k) − A_k ⊗ B_k, of full matrix rank), `lowRank` is a random
 * rank-K matrix with the same Frobenius norm.
 */
function targetUpdate(W0: Matrix, f: number, K: number, kind: Target, seed: number): Matrix {
  const g = rng(seed);
  const d = f * f;
  const init = sokaInit(W0, [f, f], [f, f], { k: K });
  const dW = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let k = 0; k < K; k++) {
    const a = init.A[k]!;
    const b = init.B[k]!;
    const a2 = { ...a, data: a.data.map((v) => v + 0.3 * Math.sqrt(Math.abs(v) + 0.05) * g.normal()) };
    const b2 = { ...b, data: b.data.map((v) => v + 0.3 * Math.sqrt(Math.abs(v) + 0.05) * g.normal()) };
    const t2 = kron(a2, b2);
    const t1 = kron(a, b);
    for (let i = 0; i < dW.data.length; i++) dW.data[i]! += t2.data[i]! - t1.data[i]!;
  }
  if (kind === 'kronecker') return dW;
  const L = matmul(randn(d, K, g), randn(K, d, g));
  const nk = Math.hypot(...dW.data);
  const nl = Math.hypot(...L.data);
  return { rows: d, cols: d, data: L.data.map((v) => (v * nk) / nl) };
}

type Curves = { soka: readonly number[]; lora: readonly number[]; pissa: readonly number[] };

/** `onStep` (live plots) gets the three curves so far (empty until their turn) after every recorded loss. */
function run(f: number, K: number, n: number, steps: number, kind: Target, seed: number, signal?: AbortSignal, onStep?: (c: Curves) => void) {
  const { W0 } = baseWeight(f, seed);
  const d = f * f;
  const dW = targetUpdate(W0, f, K, kind, seed + 5);
  const X = randn(n, d, seed + 11);
  const Wt = { rows: d, cols: d, data: W0.data.map((v, i) => v + dW.data[i]!) };
  const Y = matmul(X, Wt, { transB: true });
  const s = sokaInit(W0, [f, f], [f, f], { k: K });
  const soka = new AdaptedLinear({ base: s.Wres, adapter: { kind: 'soka', A: s.A, B: s.B, scale: 1 } });
  const l = loraInit(W0, K, { seed: seed + 3 });
  const lora = new AdaptedLinear({ base: W0, adapter: { kind: 'lora', A: l.A, B: l.B, scale: l.scale } });
  const p = pissaInit(W0, K);
  const pissa = new AdaptedLinear({ base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: p.scale } });
  const params = { soka: soka.trainableCount(), lora: lora.trainableCount(), pissa: pissa.trainableCount() };
  const sokaC = trainMse(soka, X, Y, steps, 1e-2, signal, undefined, onStep && ((c) => onStep({ soka: c, lora: [], pissa: [] })));
  const loraC = trainMse(lora, X, Y, steps, 1e-2, signal, undefined, onStep && ((c) => onStep({ soka: sokaC, lora: c, pissa: [] })));
  const pissaC = trainMse(pissa, X, Y, steps, 1e-2, signal, undefined, onStep && ((c) => onStep({ soka: sokaC, lora: loraC, pissa: c })));
  return { params, sigma: s.sigma, soka: sokaC, lora: loraC, pissa: pissaC };
}

/**
 * SoKA vs LoRA and PiSSA at equal parameter count ("SoKA: Sum-of-Kronecker Adaptation", arXiv
 * 2506.15251). A d x d layer, d = f², adapted by K Kronecker terms of f x f factors (2 f² = 2d
 * parameters each) or by rank-K LoRA/PiSSA (2d per rank): the counts are equal. W0 has a decaying
 * Kronecker spectrum; SoKA starts from its K principal Kronecker terms (KPSVD, residual frozen).
 * Two fine-tuning targets: perturbed principal Kronecker factors (full-rank ΔW, SoKA's structure)
 * and a random rank-K ΔW (LoRA's structure). Full-batch Adam, lr 1e-2, the same steps for all.
 */
export const sokaVsLora: Experiment = {
  id: 'peft/soka-vs-lora',
  pkg: '@x/peft',
  title: 'SoKA vs LoRA and PiSSA at equal parameter count',
  claim:
    'SoKA (arXiv 2506.15251) adapts with fewer parameters and converges faster than LoRA/PiSSA. Tested at equal parameter count on a layer with a decaying Kronecker spectrum: SoKA ends lower when the update is Kronecker-structured (perturbed principal Kronecker factors) and LoRA when it is low-rank; the energy and elbow rules are computed on the Kronecker spectrum.',
  params: [{ name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 1200, step: 50, default: 300, quick: 150 }],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const [f, K, n] = quick ? [6, 2, 128] : [8, 4, 256];
    const { steps } = experimentParams(sokaVsLora, opts) as { steps: number };
    // Live results: the case in training's curves, growing step by step.
    const report = partialReporter(opts.onPartial);
    const livePlot = (title: string, c: Curves) => ({
      title,
      xLabel: 'step',
      yLabel: 'MSE',
      logY: true,
      series: [
        { name: `SoKA (K = ${K})`, x: c.soka.map((_, i) => i), y: [...c.soka] },
        { name: `LoRA (r = ${K})`, x: c.lora.map((_, i) => i), y: [...c.lora] },
        { name: `PiSSA (r = ${K})`, x: c.pissa.map((_, i) => i), y: [...c.pissa] },
      ],
    });
    const kr = run(f, K, n, steps, 'kronecker', seed, opts.signal, opts.onPartial && ((c) => report(() => ({ plots: [livePlot('Kronecker-structured update', c)] }))));
    opts.onProgress?.({ fraction: 0.5, message: 'Kronecker-structured update' });
    const doneKr = livePlot('Kronecker-structured update', kr);
    const lr = run(f, K, n, steps, 'lowRank', seed, opts.signal, opts.onPartial && ((c) => report(() => ({ plots: [doneKr, livePlot('Low-rank update', c)] }))));
    report(() => ({ plots: [doneKr, livePlot('Low-rank update', lr)] }), true);
    opts.onProgress?.({ fraction: 1, message: 'low-rank update' });
    const last = (L: number[]) => L.at(-1)!;
    const rel = (L: number[]) => last(L) / L[0]!;
    const metrics = {
      paramsSoka: kr.params.soka,
      paramsLora: kr.params.lora,
      kronSoka: rel(kr.soka),
      kronLora: rel(kr.lora),
      kronPissa: rel(kr.pissa),
      lowSoka: rel(lr.soka),
      lowLora: rel(lr.lora),
      lowPissa: rel(lr.pissa),
      energyRank90: energyRank(kr.sigma, 0.9),
      elbowRank: elbowRank(kr.sigma),
      steps,
    };
    const e = (v: number) => v.toExponential(2);
    const x = kr.soka.map((_, i) => i);
    return experimentResult({
      checks: [
        check('equal parameter count (K Kronecker terms of f x f factors vs rank K)', metrics.paramsSoka === metrics.paramsLora, `${metrics.paramsSoka} vs ${metrics.paramsLora}`),
        check('Kronecker-structured update: SoKA ends lower than LoRA and PiSSA', metrics.kronSoka < metrics.kronLora && metrics.kronSoka < metrics.kronPissa, `loss / initial loss: SoKA ${e(metrics.kronSoka)}, LoRA ${e(metrics.kronLora)}, PiSSA ${e(metrics.kronPissa)}`),
        check('low-rank update: LoRA ends lower than SoKA (the structure decides, not the method)', metrics.lowLora < metrics.lowSoka, `LoRA ${e(metrics.lowLora)} vs SoKA ${e(metrics.lowSoka)}`),
        check('paper: SoKA ends at or below LoRA whatever the update', metrics.kronSoka <= metrics.kronLora && metrics.lowSoka <= metrics.lowLora, `Kronecker: ${e(metrics.kronSoka)} vs ${e(metrics.kronLora)}; low-rank: ${e(metrics.lowSoka)} vs ${e(metrics.lowLora)}`, false),
      ],
      summary:
        `${f * f}x${f * f} layer, ${metrics.paramsSoka} trainable parameters each (K = ${K} terms vs rank ${K}), ${steps} Adam steps, final loss / initial: ` +
        `Kronecker-structured update SoKA ${e(metrics.kronSoka)} vs LoRA ${e(metrics.kronLora)} vs PiSSA ${e(metrics.kronPissa)}; ` +
        `low-rank update SoKA ${e(metrics.lowSoka)} vs LoRA ${e(metrics.lowLora)} vs PiSSA ${e(metrics.lowPissa)}. ` +
        `W0's Kronecker spectrum: energy rule (90%) K = ${metrics.energyRank90}, elbow K = ${metrics.elbowRank}.`,
      metrics,
      plots: [
        {
          title: `Kronecker-structured update (${metrics.paramsSoka} parameters each)`,
          caption: 'SoKA should end below LoRA and PiSSA at the same parameter count.',
          xLabel: 'step',
          yLabel: 'MSE',
          logY: true,
          series: [
            { name: `SoKA (K = ${K})`, x, y: kr.soka },
            { name: `LoRA (r = ${K})`, x, y: kr.lora },
            { name: `PiSSA (r = ${K})`, x, y: kr.pissa },
          ],
        },
        {
          title: 'Low-rank update',
          caption: 'Here LoRA should end below SoKA: the update\'s structure decides, not the method.',
          xLabel: 'step',
          yLabel: 'MSE',
          logY: true,
          series: [
            { name: `SoKA (K = ${K})`, x, y: lr.soka },
            { name: `LoRA (r = ${K})`, x, y: lr.lora },
            { name: `PiSSA (r = ${K})`, x, y: lr.pissa },
          ],
        },
        {
          title: "W0's Kronecker singular values (KPSVD)",
          caption: 'A decaying spectrum: the energy and elbow rules (in the summary) pick K where it flattens.',
          xLabel: 'k',
          yLabel: 'σ_k',
          logY: true,
          series: [{ name: 'σ_k', x: Array.from(kr.sigma, (_, i) => i + 1), y: Array.from(kr.sigma, (v) => Math.max(v, 1e-16)) }],
        },
      ],
    });
  },
};
