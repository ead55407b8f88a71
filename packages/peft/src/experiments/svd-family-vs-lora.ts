import { type Matrix, matmul, randn } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { AdaptedLinear } from '../adapted-linear';
import { lolduInit } from '../loldu';
import { loraInit } from '../lora';
import { loraSbGradient, loraSbInit, loraXsInit } from '../lora-xs';
import { addSorsaRegularizerGrad, sorsaInit, sorsaRegularizer } from '../sorsa';
import { svfitInit } from '../svfit';
import { baseWeight, targetUpdate } from './pissa-vs-lora';
import { trainMse } from './train';

/** The methods compared, in plot order. */
const METHODS = ['LoRA', 'SORSA', 'SORSA (γ = 0)', 'SVFit', 'LoLDU', 'LoRA-XS', 'LoRA-SB'] as const;
type Method = (typeof METHODS)[number];
/** The methods whose adapter subspaces are fixed at init (only a diagonal or a core trains). */
const FROZEN = ['SVFit', 'LoLDU', 'LoRA-XS', 'LoRA-SB'] as const;

/** sorsalib's default regularizer weight. */
const GAMMA = 4e-4;
/** Adam's learning rate, the same for every method (no per-method tuning). */
const LR = 1e-2;
/** LoRA-SB collects its gradient over this many training samples (the reference's 50). */
const SB_SAMPLES = 50;
/** SVFit's energy threshold (the paper's ">99% of the information"). */
const SVFIT_ENERGY = 0.99;

interface Run {
  curves: Record<Method, number[]>;
  params: Record<Method, number>;
  svfitRank: number;
  /** SORSA's L_reg = ‖AAᵀ - I‖_F + ‖BᵀB - I‖_F after training, with and without the regularizer. */
  orthoReg: number;
  orthoFree: number;
}

function build(W0: Matrix, r: number, X: Matrix, Y: Matrix, seed: number): Record<Method, AdaptedLinear> {
  const l = loraInit(W0, r, { seed: seed + 3 });
  const lora = new AdaptedLinear({ base: W0, adapter: { kind: 'lora', A: l.A, B: l.B, scale: l.scale } });
  const sorsa = () => {
    const s = sorsaInit(W0, r);
    return new AdaptedLinear({ base: s.Wres, adapter: { kind: 'sorsa', A: s.A, S: s.S, B: s.B, scale: s.scale } });
  };
  const sv = svfitInit(W0, { energy: SVFIT_ENERGY });
  const ld = lolduInit(W0, r);
  const xs = loraXsInit(W0, r, { seed: seed + 4 });
  // LoRA-SB: the full fine-tuning gradient at W0 over the first 50 training samples, in batches of 10
  // (the LoRA layer computes W0 at init, B = 0), then the sign of Adam's first step (η = lr).
  const batches = Array.from({ length: SB_SAMPLES / 10 }, (_, b) => ({ x: rowsOf(X, 10 * b, 10), y: rowsOf(Y, 10 * b, 10) }));
  const sb = loraSbInit(loraSbGradient(lora, batches), r, { eta: LR, seed: seed + 5 });
  return {
    LoRA: lora,
    SORSA: sorsa(),
    'SORSA (γ = 0)': sorsa(),
    SVFit: new AdaptedLinear({ base: sv.Wres, adapter: { kind: 'svfit', U: sv.U, V: sv.V, sigma: sv.sigma } }),
    LoLDU: new AdaptedLinear({ base: ld.Wres, adapter: { kind: 'loldu', PL: matmul(ld.P, ld.L), U: ld.U, z: ld.z, scale: ld.scale } }),
    'LoRA-XS': new AdaptedLinear({ base: W0, adapter: { kind: 'core', A: xs.A, B: xs.B, R: xs.R, scale: xs.scale } }),
    'LoRA-SB': new AdaptedLinear({ base: W0, adapter: { kind: 'core', A: sb.A, B: sb.B, R: sb.R, scale: sb.scale } }),
  };
}

function rowsOf(M: Matrix, start: number, count: number): Matrix {
  return { rows: count, cols: M.cols, data: M.data.slice(start * M.cols, (start + count) * M.cols) };
}

/** `onStep` (live plots) gets the curves so far (the finished ones and the one in training) after every recorded loss. */
function run(d: number, n: number, r: number, steps: number, aligned: boolean, seed: number, signal?: AbortSignal, onStep?: (curves: Partial<Record<Method, readonly number[]>>) => void): Run {
  const W0 = baseWeight(d, seed);
  const dW = targetUpdate(W0, r, aligned, seed + 7);
  const X = randn(n, d, seed + 11);
  const Y = matmul(X, { rows: d, cols: d, data: W0.data.map((v, i) => v + dW.data[i]!) }, { transB: true });
  const layers = build(W0, r, X, Y, seed);
  const curves = {} as Record<Method, number[]>;
  const params = {} as Record<Method, number>;
  for (const m of METHODS) {
    const layer = layers[m];
    const reg = m === 'SORSA' ? () => addSorsaRegularizerGrad([layer], { gamma: GAMMA, lr: LR }) : undefined;
    curves[m] = trainMse(layer, X, Y, steps, LR, signal, reg, onStep && ((c) => onStep({ ...curves, [m]: c })));
    params[m] = layer.trainableCount();
  }
  const ortho = (l: AdaptedLinear) => sorsaRegularizer(l.tensor('A'), l.tensor('B')).value;
  return { curves, params, svfitRank: layers.SVFit.trainableCount(), orthoReg: ortho(layers.SORSA), orthoFree: ortho(layers['SORSA (γ = 0)']) };
}

/**
 * SVFit, SORSA, LoLDU, LoRA-XS and LoRA-SB against LoRA, each at its paper's budget: the same
 * rank r for LoRA, SORSA (r(in + out) + r parameters), LoLDU (r), LoRA-XS and LoRA-SB (r²), and
 * SVFit at the rank its energy rule gives (99% of W0's σ²). One "pre-trained" d x d layer
 * (singular values 5 e^{-i/8}) fine-tuned to W0 + ΔW with ΔW of rank r inside W0's top-r singular
 * subspaces (the premise of the SVD-based methods) or in random directions; full-batch Adam,
 * lr 1e-2 for all. SORSA trains with its orthonormality regularizer (γ = 4e-4, added as
 * (γ/lr)∇L_reg before each step, as in sorsalib) and without it; LoRA-SB starts from the SVD of
 * -η sign(G), G the full fine-tuning gradient over the first 50 training samples.
 */
export const svdFamilyVsLora: Experiment = {
  id: 'peft/svd-family-vs-lora',
  pkg: '@x/peft',
  title: 'SVFit, SORSA, LoLDU, LoRA-XS, LoRA-SB vs LoRA at each paper’s budget',
  claim:
    'SVFit, LoLDU, LoRA-XS and LoRA-SB match LoRA with far fewer trainable parameters (LoRA-SB also beats LoRA-XS at the same r²); SORSA converges faster than LoRA and its regularizer keeps the singular vectors orthonormal.',
  params: [{ name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 1600, step: 50, default: 400, quick: 150 }],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const [d, n, r] = quick ? [32, 128, 4] : [64, 512, 8];
    const { steps } = experimentParams(svdFamilyVsLora, opts) as { steps: number };
    // Live results: the case in training's curves, growing step by step.
    const report = partialReporter(opts.onPartial);
    const livePlot = (title: string, curves: Partial<Record<Method, readonly number[]>>) => ({
      title,
      xLabel: 'Adam step',
      yLabel: 'MSE',
      logY: true,
      series: METHODS.filter((m) => curves[m] !== undefined).map((m) => ({ name: m, x: curves[m]!.map((_, i) => i), y: [...curves[m]!] })),
    });
    const alTitle = `ΔW in W0’s top-${r} singular subspaces`;
    const rdTitle = `random ΔW (rank ${r})`;
    const al = run(d, n, r, steps, true, seed, opts.signal, opts.onPartial && ((c) => report(() => ({ plots: [livePlot(alTitle, c)] }))));
    opts.onProgress?.({ fraction: 0.5, message: 'principal-subspace update' });
    const doneAl = livePlot(alTitle, al.curves);
    const rd = run(d, n, r, steps, false, seed, opts.signal, opts.onPartial && ((c) => report(() => ({ plots: [doneAl, livePlot(rdTitle, c)] }))));
    report(() => ({ plots: [doneAl, livePlot(rdTitle, rd.curves)] }), true);
    opts.onProgress?.({ fraction: 1, message: 'random update' });
    const early = Math.min(50, steps);
    const metrics: Record<string, number> = { rank: r, steps, svfitRank: al.svfitRank, orthoRegAligned: al.orthoReg, orthoFreeAligned: al.orthoFree, orthoRegRandom: rd.orthoReg, orthoFreeRandom: rd.orthoFree };
    for (const [tag, R] of [['aligned', al], ['random', rd]] as const) {
      for (const m of METHODS) {
        const c = R.curves[m];
        metrics[`${tag}.${m}.final`] = c.at(-1)! / c[0]!;
        metrics[`${tag}.${m}.early`] = c[early]! / c[0]!;
        metrics[`params.${m}`] = R.params[m];
      }
    }
    const f = (tag: string, m: Method) => metrics[`${tag}.${m}.final`]!;
    const e = (tag: string, m: Method) => metrics[`${tag}.${m}.early`]!;
    const x = (v: number) => v.toExponential(2);
    /** "Matches LoRA": the final loss (relative to the initial one) within 10x of LoRA's. */
    const matches = (tag: string, m: Method) => f(tag, m) <= 10 * f(tag, 'LoRA');
    const both = (m: Method) => `${x(f('aligned', m))} vs LoRA ${x(f('aligned', 'LoRA'))} (principal-subspace ΔW); ${x(f('random', m))} vs ${x(f('random', 'LoRA'))} (random ΔW)`;
    const checks = [
      check(
        'SORSA regularizer (γ = 4e-4) keeps A, B closer to orthonormal than γ = 0 on both updates',
        al.orthoReg < al.orthoFree && rd.orthoReg < rd.orthoFree,
        `L_reg ${x(al.orthoReg)} vs ${x(al.orthoFree)}; ${x(rd.orthoReg)} vs ${x(rd.orthoFree)}`,
      ),
      check(
        `SORSA (with its regularizer) is ahead of LoRA at step ${early} when ΔW lies in W0’s principal subspace`,
        e('aligned', 'SORSA') < e('aligned', 'LoRA'),
        `${x(e('aligned', 'SORSA'))} vs ${x(e('aligned', 'LoRA'))}`,
      ),
      check(
        'LoRA-XS matches LoRA (within 10x) when ΔW lies in W0’s principal subspace, with r² parameters',
        matches('aligned', 'LoRA-XS'),
        `${x(f('aligned', 'LoRA-XS'))} vs ${x(f('aligned', 'LoRA'))}`,
      ),
      check(
        'LoRA-SB (batch-gradient init) ends below LoRA-XS when ΔW is in random directions, at the same r²',
        f('random', 'LoRA-SB') < f('random', 'LoRA-XS'),
        `${x(f('random', 'LoRA-SB'))} vs ${x(f('random', 'LoRA-XS'))}`,
      ),
      check(
        'with a random ΔW every frozen-subspace method (SVFit, LoLDU, LoRA-XS, LoRA-SB) ends above 10x LoRA',
        FROZEN.every((m) => !matches('random', m)),
        FROZEN.map((m) => `${m} ${x(f('random', m))}`).join(', ') + `; LoRA ${x(f('random', 'LoRA'))}`,
      ),
      check('paper (SVFit): matches LoRA on both updates with its energy-rule rank', matches('aligned', 'SVFit') && matches('random', 'SVFit'), both('SVFit'), false),
      check('paper (LoLDU): matches LoRA on both updates with r parameters', matches('aligned', 'LoLDU') && matches('random', 'LoLDU'), both('LoLDU'), false),
      check('paper (LoRA-XS): matches LoRA on both updates with r² parameters', matches('aligned', 'LoRA-XS') && matches('random', 'LoRA-XS'), both('LoRA-XS'), false),
      check('paper (LoRA-SB): ends below LoRA-XS on both updates', f('aligned', 'LoRA-SB') < f('aligned', 'LoRA-XS') && f('random', 'LoRA-SB') < f('random', 'LoRA-XS'), `${x(f('aligned', 'LoRA-SB'))} vs ${x(f('aligned', 'LoRA-XS'))}; ${x(f('random', 'LoRA-SB'))} vs ${x(f('random', 'LoRA-XS'))}`, false),
      check('paper (LoRA-SB): matches LoRA on both updates with r² parameters', matches('aligned', 'LoRA-SB') && matches('random', 'LoRA-SB'), both('LoRA-SB'), false),
      check(
        `paper (SORSA): lower loss than LoRA at step ${early} on both updates`,
        e('aligned', 'SORSA') < e('aligned', 'LoRA') && e('random', 'SORSA') < e('random', 'LoRA'),
        `${x(e('aligned', 'SORSA'))} vs ${x(e('aligned', 'LoRA'))}; ${x(e('random', 'SORSA'))} vs ${x(e('random', 'LoRA'))}`,
        false,
      ),
    ];
    const plot = (title: string, R: Run, caption: string) => ({
      title,
      caption,
      xLabel: 'Adam step',
      yLabel: 'MSE',
      logY: true,
      series: METHODS.map((m) => ({ name: `${m} (${R.params[m]})`, x: R.curves[m].map((_, i) => i), y: R.curves[m] })),
    });
    return experimentResult({
      checks,
      summary:
        `${d}x${d} layer, rank ${r}, ${steps} Adam steps, final loss / initial (trainable parameters): ` +
        METHODS.map((m) => `${m} ${x(f('aligned', m))} | ${x(f('random', m))} (${metrics[`params.${m}`]})`).join('; ') +
        ` [principal-subspace ΔW | random ΔW]. SVFit's energy rule kept ${al.svfitRank} singular values.`,
      metrics,
      plots: [
        plot(`ΔW in W0’s top-${r} singular subspaces`, al, 'SORSA should fall faster than LoRA; the others should end near LoRA with far fewer parameters (per method, in the checks).'),
        plot(`random ΔW (rank ${r})`, rd, 'The same methods on an update outside the principal subspace: compare each one\'s end with LoRA\'s.'),
        {
          title: 'Final loss / initial loss per method',
          caption: 'One pair of bars per method (its trainable parameters in the label): lower is better; LoRA-SB should be below LoRA-XS on both updates.',
          xLabel: 'method (trainable parameters)',
          yLabel: 'final / initial MSE',
          logY: true,
          categories: METHODS.map((m) => `${m} (${metrics[`params.${m}`]})`),
          series: (['aligned', 'random'] as const).map((tag) => ({
            name: tag === 'aligned' ? 'principal-subspace ΔW' : 'random ΔW',
            x: METHODS.map((_, i) => i),
            y: METHODS.map((m) => Math.max(f(tag, m), 1e-16)),
          })),
        },
      ],
    });
  },
};
