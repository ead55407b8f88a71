import { check, type Experiment, type ExperimentPlot, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter } from '@x/gpu/experiments';
import { AdamW } from '../adamw';
import { ARO } from '../aro';
import { DctAdamW } from '../dct-adamw';
import { GaLoreAdamW } from '../galore';
import { Muon } from '../muon';
import type { Optimizer } from '../optimizer';
import { type LrSchedule, warmupCosine } from '../schedule';
import { Trion } from '../trion';
import { teacherData, tinyMlp } from './mlp';
import { checkAborted, fmt, now, tick } from './util';

/**
 * Base learning rates: each optimizer's default-scale lr (AdamW 3e-3; Muon and Trion 0.02; ARO 3e-3/0.2 and
 * GaLore 3e-3/0.25, i.e. AdamW's with the RMS-matching and scale factors divided out).
 */
const BASE = 3e-3;
/** Learning-rate multipliers the full run sweeps; quick mode reruns the best multiplier a full run found. */
const SWEEP = [1, 3, 10, 30, 100];
const TUNED: Record<string, number> = { AdamW: 30, Muon: 3, ARO: 3, 'ARO-Adam': 3, GaLore: 30, 'DCT-AdamW': 100, Trion: 10 };

function makers(head: string, rank: number, schedule: LrSchedule): Record<string, (mult: number) => Optimizer> {
  return {
    AdamW: (k) => new AdamW({ lr: BASE * k, weightDecay: 0, schedule }),
    Muon: (k) => new Muon({ lr: 0.02 * k, adamLr: BASE * k, adamNames: [head], schedule }),
    ARO: (k) => new ARO({ lr: (BASE / 0.2) * k, adamLr: BASE * k, adamNames: [head], schedule }),
    'ARO-Adam': (k) => new ARO({ base: 'adam', lr: (BASE / 0.2) * k, adamLr: BASE * k, adamNames: [head], schedule }),
    GaLore: (k) => new GaLoreAdamW({ lr: (BASE / 0.25) * k, rank, updateProjGap: 50, scale: 0.25, adamNames: [head], schedule }),
    'DCT-AdamW': (k) => new DctAdamW({ lr: BASE * k, rank, adamNames: [head], schedule }),
    Trion: (k) => new Trion({ lr: 0.02 * k, rank, adamLr: BASE * k, adamNames: [head], schedule }),
  };
}

/**
 * The same 16-64-64-4 tanh MLP, initialization and full-batch teacher-student data trained by
 * each optimizer for the same number of steps with warmup + cosine decay. Hidden matrices take
 * the matrix optimizer; biases and the output layer take AdamW inside Muon, ARO, GaLore and
 * DCT-AdamW and Trion. Full mode sweeps each optimizer's learning rate over 5 multipliers and reports the
 * best (a controlled protocol in the spirit of the ARO paper's); quick mode reruns the tuned values.
 */
export const optimizerRaceExperiment: Experiment = {
  id: 'optim/optimizer-race',
  pkg: '@x/optim',
  title: 'Optimizer race on a small MLP: AdamW, Muon, ARO (Sinkhorn and Adam bases), GaLore, DCT-AdamW, Trion',
  claim:
    'Matrix optimizers (Muon, Jordan et al. 2024; ARO, Gong et al. 2026) reach a lower loss than tuned AdamW in the same number of steps, and the low-rank methods (GaLore, Zhao et al. 2024; DCT-AdamW and Trion, Modoranu et al. 2025) still train with rank-r optimizer state; Trion, the DCT variant with Muon-style orthogonalized updates, beats DCT-AdamW at the same rank (it does not come near full-rank Muon here).',
  params: [{ name: 'steps', label: 'training steps', kind: 'int', min: 20, max: 1200, step: 10, default: 300, quick: 150 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const { steps } = experimentParams(optimizerRaceExperiment, opts) as { steps: number };
    const sizes = [16, 64, 64, 4] as const;
    const { X, Y } = teacherData(256, [16, 32, 4], seed + 10);
    const head = `${sizes.length - 2}.weight`;
    const rank = 8;
    const make = makers(head, rank, warmupCosine({ warmup: 10, total: steps }));
    const names = Object.keys(make);
    const every = 5;
    const best: Record<string, { mult: number; curve: number[]; ms: number }> = {};
    const jobs = names.flatMap((n) => (opts.quick ? [TUNED[n]!] : SWEEP).map((mult) => ({ n, mult })));
    const title = `Training loss, 16-64-64-4 tanh MLP, full batch, warmup+cosine (rank ${rank} for GaLore/DCT/Trion)`;
    const lossPlot = (curves: { name: string; curve: number[] }[]): ExperimentPlot => ({
      title,
      xLabel: 'step',
      yLabel: 'MSE loss',
      logY: true,
      series: curves.map((c) => ({ name: c.name, x: c.curve.map((_, i) => Math.min(i * every, steps)), y: c.curve })),
      caption: 'Look for where each curve ends: lower is better; Muon and ARO should finish below AdamW.',
    });
    // Live results: the best curve so far of every optimizer done, and the one training now.
    const report = partialReporter(opts.onPartial);
    const bestSoFar = () => Object.entries(best).map(([n, b]) => ({ name: `${n} (lr x${b.mult})`, curve: b.curve }));
    for (let j = 0; j < jobs.length; j++) {
      const { n, mult } = jobs[j]!;
      const t0 = now();
      const net = tinyMlp(sizes, seed + 1);
      const opt = make[n]!(mult);
      const curve: number[] = [];
      for (let t = 0; t <= steps; t++) {
        if (t % 25 === 0) checkAborted(opts.signal);
        const loss = net.lossAndGrad(X, Y);
        if (t % every === 0 || t === steps) {
          curve.push(Number.isFinite(loss) ? loss : Number.POSITIVE_INFINITY);
          if (Number.isFinite(loss)) report(() => ({ plots: [lossPlot([...bestSoFar().filter((c) => !c.name.startsWith(`${n} `)), { name: `${n} (lr x${mult})`, curve: [...curve] }])] }));
        }
        if (t === steps || !Number.isFinite(loss)) break;
        opt.step(net.params);
      }
      const ms = now() - t0;
      if (!best[n] || curve.at(-1)! < best[n].curve.at(-1)!) best[n] = { mult, curve, ms };
      opts.onProgress?.({ fraction: (j + 1) / jobs.length, message: `${n} x${mult}: loss ${fmt(curve.at(-1)!)}` });
      await tick();
    }
    const first = best.AdamW!.curve[0]!;
    const final = Object.fromEntries(names.map((n) => [n, best[n]!.curve.at(-1)!]));
    const allTrain = names.every((n) => final[n]! < 0.1 * first);
    const matrixBeatsAdam = final.Muon! < final.AdamW! && final.ARO! < final.AdamW!;
    return experimentResult({
      checks: [
        check('Muon reaches a lower loss than tuned AdamW in the same steps', final.Muon! < final.AdamW!, `${fmt(final.Muon!)} vs ${fmt(final.AdamW!)}`),
        check('ARO does too', final.ARO! < final.AdamW!, `${fmt(final.ARO!)} vs ${fmt(final.AdamW!)}`),
        check('Trion (DCT-selected rank-r factor, Newton-Schulz orthogonalized, error feedback) beats DCT-AdamW at the same rank', final.Trion! < final['DCT-AdamW']!, `${fmt(final.Trion!)} vs ${fmt(final['DCT-AdamW']!)} at rank ${rank}`),
        check(`Trion at rank ${rank} comes within 10x of full-rank Muon`, final.Trion! < 10 * final.Muon!, `${fmt(final.Trion!)} vs ${fmt(final.Muon!)}`, false),
        check('every optimizer, the low-rank GaLore, DCT-AdamW and Trion included, trains (loss < 1/10 of the start)', allTrain, `worst ${fmt(Math.max(...names.map((n) => final[n]!)))} vs start ${fmt(first)}`),
      ],
      summary: `Loss after ${steps} steps (start ${fmt(first)}, best lr of ${opts.quick ? 'the recorded sweep' : 'the sweep'}): ${names
        .map((n) => `${n} ${fmt(final[n]!)}`)
        .join(', ')}. ${matrixBeatsAdam ? 'Muon and ARO beat AdamW' : 'Muon/ARO did NOT both beat AdamW'}; ARO ${final.ARO! < final.Muon! ? 'beats' : 'does not beat'} Muon here.`,
      metrics: Object.fromEntries(names.flatMap((n) => [[`final_${n}`, final[n]!], [`lrMultiplier_${n}`, best[n]!.mult], [`ms_${n}`, best[n]!.ms]])),
      plots: [
        lossPlot(names.map((n) => ({ name: `${n} (lr x${best[n]!.mult})`, curve: best[n]!.curve }))),
      ],
    });
  },
};
