import { matmul, randn, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { svd } from '@x/linalg';
import { AdaptedLinear } from '../adapted-linear';
import { loraInit } from '../lora';
import { loraSbInit, loraXsInit } from '../lora-xs';
import { lolduInit } from '../loldu';
import { svfitInit } from '../svfit';
import { trainMse } from './train';

/**
 * Trainable parameters vs loss on one regression task (y = x (W0 + ΔW)ᵀ, ΔW of rank r in random
 * directions) for the extreme-efficiency adapters: LoRA (r(in + out)), LoRA-XS and LoRA-SB
 * (r² each), SVFit and LoLDU (r each). The LoRA-SB claim (Ponkshe et al. 2024): with the same r²
 * parameters as LoRA-XS, initializing B, R, A from the first-step update reaches a lower loss.
 */
export const paramEfficiency: Experiment = {
  id: 'peft/param-efficiency',
  pkg: '@x/peft',
  title: 'Trainable parameters vs loss: LoRA, LoRA-XS, LoRA-SB, SVFit, LoLDU',
  claim: 'LoRA-SB (Ponkshe et al. 2024) beats LoRA-XS at the same r² trainable parameters by initializing from the approximated first full fine-tuning step.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 50, max: 1600, step: 50, default: 400, quick: 200 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 1e-3, max: 1e-1, default: 1e-2 },
  ],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const [d, n, r] = quick ? [32, 256, 4] : [64, 512, 8];
    const { steps, lr } = experimentParams(paramEfficiency, opts) as { steps: number; lr: number };
    const g = rng(seed);
    const W0 = randn(d, d, g, 1 / Math.sqrt(d));
    const dW = matmul(matmul(svd(randn(d, r, g)).U, randn(r, r, g)), svd(randn(d, r, g)).U, { transB: true });
    const X = randn(n, d, g);
    const Y = matmul(X, { rows: d, cols: d, data: W0.data.map((v, i) => v + dW.data[i]!) }, { transB: true });
    // dL/dW at W0 for L = mean((x Wᵀ - y)²): (2 / (n d)) (X W0ᵀ - Y)ᵀ X.
    const R0 = matmul(X, W0, { transB: true });
    for (let i = 0; i < R0.data.length; i++) R0.data[i] = R0.data[i]! - Y.data[i]!;
    const G = matmul(R0, X, { transA: true });
    const l = loraInit(W0, r, { seed: seed + 1 });
    const xs = loraXsInit(W0, r, { seed: seed + 2 });
    const sb = loraSbInit(G, r, { eta: lr, seed: seed + 3 });
    const sv = svfitInit(W0, r);
    const ld = lolduInit(W0, r);
    const layers: [string, AdaptedLinear][] = [
      ['LoRA', new AdaptedLinear({ base: W0, adapter: { kind: 'lora', A: l.A, B: l.B, scale: l.scale } })],
      ['LoRA-XS', new AdaptedLinear({ base: W0, adapter: { kind: 'core', A: xs.A, B: xs.B, R: xs.R, scale: xs.scale } })],
      ['LoRA-SB', new AdaptedLinear({ base: W0, adapter: { kind: 'core', A: sb.A, B: sb.B, R: sb.R, scale: sb.scale } })],
      ['SVFit', new AdaptedLinear({ base: sv.Wres, adapter: { kind: 'svfit', U: sv.U, V: sv.V, sigma: sv.sigma } })],
      ['LoLDU', new AdaptedLinear({ base: ld.Wres, adapter: { kind: 'loldu', PL: matmul(ld.P, ld.L), U: ld.U, z: ld.z, scale: ld.scale } })],
    ];
    const curves: Record<string, number[]> = {};
    const metrics: Record<string, number> = {};
    // Live results: the finished curves plus the one in training, growing step by step.
    const report = partialReporter(opts.onPartial);
    const livePlot = (live: string, curve: readonly number[]) => ({
      title: `Loss curves (rank ${r}, ${d}x${d})`,
      xLabel: 'Adam step',
      yLabel: 'MSE',
      logY: true,
      series: layers
        .filter(([name]) => curves[name] !== undefined || name === live)
        .map(([name]) => {
          const y = curves[name] ?? [...curve];
          return { name, x: y.map((_, k) => k), y };
        }),
    });
    layers.forEach(([name, layer], i) => {
      const onStep = (c: readonly number[]) => report(() => ({ plots: [livePlot(name, c)] }));
      curves[name] = trainMse(layer, X, Y, steps, lr, opts.signal, undefined, onStep);
      report(() => ({ plots: [livePlot(name, curves[name]!)] }), i === layers.length - 1);
      metrics[`${name}.loss`] = curves[name]!.at(-1)!;
      metrics[`${name}.params`] = layer.trainableCount();
      opts.onProgress?.({ fraction: (i + 1) / layers.length, message: name });
    });
    const x = curves.LoRA!.map((_, i) => i);
    return experimentResult({
      checks: [
        check('LoRA-SB beats LoRA-XS at the same r² trainable parameters', metrics['LoRA-SB.loss']! < metrics['LoRA-XS.loss']!, `${metrics['LoRA-SB.loss']!.toExponential(2)} vs ${metrics['LoRA-XS.loss']!.toExponential(2)}`),
        check('LoRA with its many more parameters beats SVFit (control: parameters matter)', metrics['LoRA.loss']! < metrics['SVFit.loss']!, `${metrics['LoRA.loss']!.toExponential(2)} (${metrics['LoRA.params']} params) vs ${metrics['SVFit.loss']!.toExponential(2)} (${metrics['SVFit.params']})`),
      ],
      summary: layers.map(([name]) => `${name} ${metrics[`${name}.params`]} params → ${metrics[`${name}.loss`]!.toExponential(2)}`).join('; '),
      metrics,
      plots: [
        {
          title: `Loss curves (rank ${r}, ${d}x${d})`,
          caption: 'LoRA-SB should end below LoRA-XS (same r² parameters); LoRA, with many more parameters, below SVFit.',
          xLabel: 'Adam step',
          yLabel: 'MSE',
          logY: true,
          series: layers.map(([name]) => ({ name: `${name} (${metrics[`${name}.params`]})`, x, y: curves[name]! })),
        },
        {
          title: 'Final loss vs trainable parameters',
          caption: 'Lower is better; at equal parameters (LoRA-SB and LoRA-XS share an x) LoRA-SB should sit lower.',
          xLabel: 'trainable parameters',
          yLabel: 'final MSE',
          logX: true,
          logY: true,
          series: layers.map(([name]) => ({ name, x: [metrics[`${name}.params`]!], y: [metrics[`${name}.loss`]!] })),
        },
      ],
    });
  },
};
