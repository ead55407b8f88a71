import { type Matrix, randn, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { Adam, Linear, mseLoss, type Parameter, Sequential, Tanh } from '@x/nn';
import { crossInit, crossInitRegularizer } from '../cross-init';

interface ToyRun {
  losses: number[];
  /** First step with loss <= the threshold (steps + 1 when never). */
  steps: number;
  travel: number;
  initNorm: number;
  finalNorm: number;
}

function rowNormMean(m: Matrix): number {
  let s = 0;
  for (let i = 0; i < m.rows; i++) {
    let r = 0;
    for (let j = 0; j < m.cols; j++) r += m.data[i * m.cols + j]! ** 2;
    s += Math.sqrt(r);
  }
  return s / m.rows;
}

/**
 * Optimizes the embedding v (n x d) alone through the frozen pipeline D(E(v)) against the target
 * D(E(v*)), with Adam, plus λ‖v − anchor‖ when an anchor is given.
 */
function optimize(
  pipeline: Sequential,
  init: Matrix,
  target: Matrix,
  steps: number,
  lr: number,
  threshold: number,
  reg?: { anchor: Matrix; lambda: number },
  signal?: AbortSignal,
  /** Called after each recorded loss with the curve so far (live plots). */
  onStep?: (losses: readonly number[]) => void,
): ToyRun {
  const v = Float64Array.from(init.data);
  const p: Parameter = { name: 'v', value: v, grad: new Float64Array(v.length), shape: [init.rows, init.cols] };
  const opt = new Adam({ lr });
  const losses: number[] = [];
  let reached = steps + 1;
  for (let t = 0; t <= steps; t++) {
    if (t % 50 === 0) throwIfAborted(signal);
    const vm = { rows: init.rows, cols: init.cols, data: v };
    const { value, grad } = mseLoss(pipeline.forward(vm), target);
    losses.push(value);
    onStep?.(losses);
    if (value <= threshold && reached > steps) reached = t;
    if (t === steps) break;
    pipeline.zeroGrad();
    p.grad.set(pipeline.backward(grad).data);
    if (reg) {
      const r = crossInitRegularizer(vm, reg.anchor, { lambda: reg.lambda });
      for (let i = 0; i < v.length; i++) p.grad[i]! += r.grad.data[i]!;
    }
    opt.step([p]);
  }
  let travel = 0;
  for (let i = 0; i < v.length; i++) travel += (v[i]! - init.data[i]!) ** 2;
  const final = { rows: init.rows, cols: init.cols, data: v };
  return { losses, steps: reached, travel: Math.sqrt(travel), initNorm: rowNormMean(init), finalNorm: rowNormMean(final) };
}

/**
 * Cross Initialization toy (Pang et al., "Cross Initialization for Face Personalization of
 * Text-to-Image Models", CVPR 2024): a random 2-layer "text encoder" E (d -> h -> d, tanh, with
 * output norms ~10x its input norms, as CLIP's hidden states are larger than its token
 * embeddings) and a frozen random "decoder" D. Each identity to learn is v* = E(u*), u* an
 * independent random token embedding (another "name", not derived from v0), and the loss is
 * ‖D(E(v)) − D(E(v*))‖². Textual inversion starts from v0 (n = 2 tokens); Cross Initialization
 * from E(v0) with the regularizer λ mean_j ‖v_j − E(v0)_j‖ (λ = 1e-5). The checks are the
 * paper's own comparison: learned embeddings end up far larger in norm than the standard init,
 * and E(v0) starts at their scale. Its convergence claim (lower loss in the same steps, less
 * travel) is computed too but does not hold once the target is not built near E(v0): the
 * earlier toy drew u* near v0, which built the win in. Medians over several identities.
 */
export const crossInitToy: Experiment = {
  id: 'peft/cross-init-toy',
  pkg: '@x/peft',
  title: 'Cross Initialization: init v0 vs E(v0) through a frozen encoder/decoder',
  claim:
    'Cross Initialization (Pang et al. 2024): textual-inversion embeddings learned from the standard init v0 end up much larger in norm than v0, and initializing with the encoder output E(v0) closes this norm gap. Tests both with identities drawn independently of v0; the paper\'s faster convergence from E(v0) does not reproduce in this toy (lower loss and less travel from v0), see README.',
  params: [{ name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 3000, step: 50, default: 1000, quick: 400 }],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const { steps } = experimentParams(crossInitToy, opts) as { steps: number };
    const [d, h, m, identities] = quick ? [16, 64, 32, 3] : [32, 128, 64, 5];
    const n = 2;
    const g = rng(seed);
    // Encoder gain ~10 on token-sized inputs (rows of norm 0.1√d): near-linear around v0, while
    // inputs of E's own output size reach tanh's bend (unit pre-activations) instead of saturating.
    const gain = 10;
    const s1 = 1 / (gain * 0.1 * Math.sqrt(d));
    const s2 = gain / (s1 * Math.sqrt(h * d));
    const E = new Sequential(
      new Linear(d, h, { weight: randn(h, d, g, s1), bias: false }),
      new Tanh(),
      new Linear(h, d, { weight: randn(d, h, g, s2), bias: false }),
    );
    const D = new Linear(d, m, { weight: randn(m, d, g, 1 / Math.sqrt(d)), bias: false });
    const pipeline = new Sequential(E, D);
    const v0 = randn(n, d, g, 0.1);
    const lr = 5e-3;
    const ci = crossInit(E, v0);
    const runs: { standard: ToyRun; cross: ToyRun; normTarget: number }[] = [];
    // Live results: the current identity's two loss curves, growing step by step.
    const report = partialReporter(opts.onPartial);
    const livePlot = (k: number, standard: readonly number[], cross: readonly number[]) => ({
      title: `Embedding loss ‖D(E(v)) − D(E(v*))‖², identity ${k + 1} (Adam 5e-3)`,
      xLabel: 'step',
      yLabel: 'MSE',
      logY: true,
      series: [
        { name: 'textual inversion init v0', x: standard.map((_, i) => i), y: standard.map((v) => Math.max(v, 1e-16)) },
        { name: 'Cross Initialization E(v0)', x: cross.map((_, i) => i), y: cross.map((v) => Math.max(v, 1e-16)) },
      ],
    });
    for (let k = 0; k < identities; k++) {
      throwIfAborted(opts.signal);
      // Another "name": a token embedding of the same scale as v0, drawn independently of it.
      const u = randn(n, d, g, 0.1);
      const vStar = E.forward(u);
      const target = { rows: n, cols: m, data: Float64Array.from(pipeline.forward(vStar).data) };
      const threshold = 1e-3 * mseLoss(pipeline.forward(v0), target).value;
      const standard = optimize(pipeline, v0, target, steps, lr, threshold, undefined, opts.signal, opts.onPartial && ((c) => report(() => ({ plots: [livePlot(k, c, [])] }))));
      const onCross = opts.onPartial && ((c: readonly number[]) => report(() => ({ plots: [livePlot(k, standard.losses, c)] })));
      const cross = optimize(pipeline, ci.v, target, steps, lr, threshold, { anchor: ci.anchor, lambda: 1e-5 }, opts.signal, onCross);
      report(() => ({ plots: [livePlot(k, standard.losses, cross.losses)] }), k === identities - 1);
      runs.push({ standard, cross, normTarget: rowNormMean(vStar) });
      opts.onProgress?.({ fraction: (k + 1) / identities, message: `identity ${k + 1}: steps ${standard.steps} vs ${cross.steps}` });
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const med = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
    const metrics = {
      stepsStandard: med((r) => r.standard.steps),
      stepsCross: med((r) => r.cross.steps),
      travelStandard: med((r) => r.standard.travel),
      travelCross: med((r) => r.cross.travel),
      finalLossStandard: med((r) => r.standard.losses.at(-1)!),
      finalLossCross: med((r) => r.cross.losses.at(-1)!),
      normV0: runs[0]!.standard.initNorm,
      normLearnedStandard: med((r) => r.standard.finalNorm),
      normCrossInit: runs[0]!.cross.initNorm,
      normTarget: med((r) => r.normTarget),
    };
    const growth = metrics.normLearnedStandard / metrics.normV0;
    const gap = metrics.normCrossInit / metrics.normLearnedStandard;
    const lowerIn = runs.filter((r) => r.cross.losses.at(-1)! < r.standard.losses.at(-1)!).length;
    const stepsText = (s: number) => (s > steps ? `> ${steps}` : String(s));
    const ex = runs[0]!;
    const x = ex.standard.losses.map((_, i) => i);
    return experimentResult({
      checks: [
        check('embeddings learned from v0 end up much larger in norm than v0 (median > 3x)', growth > 3, `${growth.toFixed(1)}x (${metrics.normV0.toFixed(2)} → ${metrics.normLearnedStandard.toFixed(2)})`),
        check('E(v0) closes the norm gap: its norm is within 2x of the learned embeddings', gap > 0.5 && gap < 2, `‖E(v0)‖ ${metrics.normCrossInit.toFixed(2)} vs learned ${metrics.normLearnedStandard.toFixed(2)}`),
        check(`paper: E(v0) converges faster, a lower loss after ${steps} steps (median over ${identities} identities)`, metrics.finalLossCross < metrics.finalLossStandard, `${metrics.finalLossCross.toExponential(2)} vs ${metrics.finalLossStandard.toExponential(2)} from v0 (lower for ${lowerIn}/${identities})`, false),
        check('paper: and moves the embedding less (median ‖v_T − v_init‖)', metrics.travelCross < metrics.travelStandard, `${metrics.travelCross.toFixed(2)} vs ${metrics.travelStandard.toFixed(2)}`, false),
      ],
      summary:
        `${identities} identities drawn independently of v0, medians: final loss from v0 ${metrics.finalLossStandard.toExponential(2)} vs E(v0) ${metrics.finalLossCross.toExponential(2)}, steps to 1e-3 of the initial loss ${stepsText(metrics.stepsStandard)} vs ${stepsText(metrics.stepsCross)}; ‖v_T − v_init‖ ${metrics.travelStandard.toFixed(2)} vs ${metrics.travelCross.toFixed(2)}; ` +
        `token norms: v0 ${metrics.normV0.toFixed(2)}, learned from v0 ${metrics.normLearnedStandard.toFixed(2)}, E(v0) ${metrics.normCrossInit.toFixed(2)}, v* ${metrics.normTarget.toFixed(2)}`,
      metrics,
      plots: [
        {
          title: 'Embedding loss ‖D(E(v)) − D(E(v*))‖², first identity (Adam 5e-3)',
          caption: 'Both inits should drive the loss down by orders of magnitude; whether E(v0) gets there faster (the paper) is reported, not asserted: the claim checked is the norm gap, in the checks.',
          xLabel: 'step',
          yLabel: 'MSE',
          logY: true,
          series: [
            { name: 'textual inversion init v0', x, y: ex.standard.losses.map((v) => Math.max(v, 1e-16)) },
            { name: 'Cross Initialization E(v0)', x, y: ex.cross.losses.map((v) => Math.max(v, 1e-16)) },
          ],
        },
      ],
    });
  },
};
