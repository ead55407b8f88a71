import { rng } from '@x/gpu';
import { check, type Experiment, type ExperimentPlot, type ExperimentReference, type ExperimentResult, type ExperimentRunOptions, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { butterflyToMatrix } from './butterfly';
import { learnButterfly, unitaryDftMatrix } from './butterfly-learn';
import { type ButterflyTransform, type LearnButterflyPermutedResult, learnButterflyPermuted, learnButterflyTransform } from './butterfly-perm';
import type { ComplexMatrix } from './complex';
import { frameAnalysis, frameBounds, gaborFrame, morletFrame } from './frames';

function hadamardTarget(n: number): ComplexMatrix {
  const re = new Float64Array(n * n);
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let b = i & j;
      let parity = 0;
      while (b) {
        parity ^= b & 1;
        b >>= 1;
      }
      re[i * n + j] = parity ? -s : s;
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: new Float64Array(n * n) } };
}

function every(losses: Float64Array, stride: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < losses.length; i += stride) {
    x.push(i);
    y.push(Math.max(losses[i]!, 1e-34));
  }
  return { x, y };
}

/**
 * Dao et al. 2019 (Sec. 4.1), at CPU scale: a butterfly with fixed bit-reversal permutation,
 * trained by Adam from a random unitary start, recovers the DFT (and with the identity
 * permutation the Hadamard transform) to loss < 1e-8, while a random Gaussian matrix, the
 * paper's control, stays far from any butterfly.
 */
export const butterflyLearnsDftExperiment: Experiment = {
  id: 'linalg/butterfly-learns-dft',
  pkg: '@x/linalg',
  title: 'A butterfly learns the DFT from its matrix',
  claim:
    'Butterfly factorizations (Dao et al., ICML 2019) trained with Adam recover the DFT and Hadamard transforms to loss < 1e-8, but cannot fit a random matrix.',
  params: [
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 100, max: 12000, step: 100, default: 3000, quick: 1500 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 1e-4, max: 0.1, default: 0.01 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const n = opts.quick ? 16 : 64;
    const { steps, lr } = experimentParams(butterflyLearnsDftExperiment, opts) as { steps: number; lr: number };
    const r = rng(seed + 1000);
    const s = 1 / Math.sqrt(n);
    const randomTarget: ComplexMatrix = {
      re: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s / Math.SQRT2) },
      im: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s / Math.SQRT2) },
    };
    const runs: { name: string; target: ComplexMatrix; perm: 'bitreversal' | 'identity' }[] = [
      { name: `DFT (n = ${n})`, target: unitaryDftMatrix(n), perm: 'bitreversal' },
      { name: `Hadamard (n = ${n})`, target: hadamardTarget(n), perm: 'identity' },
      { name: `random Gaussian (n = ${n}, control)`, target: randomTarget, perm: 'bitreversal' },
    ];
    const results: { name: string; res: ReturnType<typeof learnButterfly> }[] = [];
    const stride = Math.max(1, Math.floor(steps / 300));
    const lossPlot = (current?: { name: string; x: number[]; y: number[] }): ExperimentPlot => ({
      title: 'MSE(butterfly, target) during training',
      caption: 'The DFT and Hadamard losses should drop below 1e-8; the random control should level off above 1e-3.',
      xLabel: 'Adam step',
      yLabel: 'loss',
      logY: true,
      series: [...results.map(({ name, res }) => ({ name, ...every(res.losses, stride) })), ...(current ? [{ name: current.name, x: [...current.x], y: [...current.y] }] : [])],
    });
    // Live results: the finished runs' loss curves and the one in training, growing step by step.
    const report = partialReporter(opts.onPartial);
    for (let i = 0; i < runs.length; i++) {
      // Let a page repaint its progress bar between runs.
      await new Promise((resolve) => setTimeout(resolve, 0));
      throwIfAborted(opts.signal);
      const run = runs[i]!;
      const current = { name: run.name, x: [] as number[], y: [] as number[] };
      const res = learnButterfly(run.target, {
        steps,
        lr,
        seed,
        perm: run.perm,
        signal: opts.signal,
        onProgress: (p) => {
          opts.onProgress?.({ fraction: (i + p.step / steps) / runs.length, message: `${run.name}: step ${p.step}, loss ${p.loss.toExponential(2)}` });
          if (!opts.onPartial) return;
          current.x.push(p.step);
          current.y.push(Math.max(p.loss, 1e-34));
          report(() => ({ plots: [lossPlot(current)] }));
        },
      });
      if (res.aborted) throwIfAborted(opts.signal);
      results.push({ name: run.name, res });
      report(() => ({ plots: [lossPlot()] }), true);
    }
    const [dft, had, rnd] = results.map((x) => x.res);
    /** Target and learned butterfly side by side as pictures of their real parts. */
    const pictures = (run: (typeof runs)[number], learned: ComplexMatrix, what: string) => ({
      title: `${run.name}: target vs learned butterfly (real parts)`,
      caption: 'For the DFT the learned butterfly should look exactly like its target; for the random control it should not.',
      xLabel: 'column',
      yLabel: 'row',
      series: [],
      heatmaps: [
        { name: `${what} target`, rows: n, cols: n, values: Array.from(run.target.re.data) },
        { name: 'learned butterfly', rows: n, cols: n, values: Array.from(learned.re.data) },
      ],
    });
    return experimentResult({
      checks: [
        check('the butterfly recovers the DFT to loss < 1e-8', dft!.loss < 1e-8, `loss ${dft!.loss.toExponential(2)}`),
        check('the butterfly recovers the Hadamard transform to loss < 1e-8', had!.loss < 1e-8, `loss ${had!.loss.toExponential(2)}`),
        check('it cannot fit a random Gaussian matrix (control): loss stays > 1e-3', rnd!.loss > 1e-3, `loss ${rnd!.loss.toExponential(2)}`),
      ],
      summary: `After ${steps} Adam steps at n = ${n}: DFT loss ${dft!.loss.toExponential(2)}, Hadamard ${had!.loss.toExponential(2)}, random control ${rnd!.loss.toExponential(2)} (threshold 1e-8).`,
      metrics: { n, steps, dftLoss: dft!.loss, hadamardLoss: had!.loss, randomLoss: rnd!.loss },
      plots: [
        lossPlot(),
        pictures(runs[0]!, butterflyToMatrix(dft!.butterfly), 'DFT'),
        pictures(runs[2]!, butterflyToMatrix(rnd!.butterfly), 'random'),
      ],
    });
  },
};

/**
 * The three views of "Learning Without Augmenting ... via Frame Projections" (NeurIPS 2025) on
 * random signal pairs: how much does each view change the geometry of the pairs? That ratios lie
 * in the frame bounds [A, B] is a theorem (unit-tested in frames.test.ts), so the experiment
 * measures the spread of ||Phi(x - y)||^2 / ||x - y||^2 over the pairs instead: the DFT basis
 * view is the reference (spread 1), the painless Gabor frame is near-tight (spread close to 1),
 * and the Morlet frame view really changes the geometry (spread well above 1), which is why the
 * paper uses it as a second view.
 */
export const frameViewsExperiment: Experiment = {
  id: 'linalg/frame-views',
  pkg: '@x/linalg',
  title: 'Distance distortion of the basis and frame views',
  claim:
    'Frame Projections (NeurIPS 2025) pairs a basis view (unitary DFT, an isometry) with overcomplete frame views that distort squared distances within their frame bounds [A, B]; tests how much random signal pairs are actually distorted: the near-tight Gabor/STFT view by under 5%, the Morlet view by more than 2x (the bounds themselves are a theorem, unit-tested).',
  params: [{ name: 'pairs', label: 'random signal pairs', kind: 'int', min: 10, max: 800, step: 10, default: 200, quick: 50 }],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    const n = opts.quick ? 32 : 64;
    const { pairs } = experimentParams(frameViewsExperiment, opts) as { pairs: number };
    const r = rng(opts.seed ?? 0);
    const views = [
      { name: 'unitary DFT', phi: unitaryDftMatrix(n) },
      { name: 'Gabor/STFT (Gaussian 16, hop 4)', phi: gaborFrame(n, { window: 'gaussian', windowLength: 16, hop: 4, channels: 16 }) },
      { name: 'Morlet cmor1-1 (12 scales in [1, 16])', phi: morletFrame(n, { scales: Array.from({ length: 12 }, (_, i) => 16 ** (i / 11)) }) },
    ];
    const series = [];
    /** The frame bounds the claim names, relative to B: every ratio / B lies in [A/B, 1]. */
    const references: ExperimentReference[] = [{ kind: 'line', label: 'upper frame bound B (every view)', y: 1 }];
    const metrics: Record<string, number> = {};
    const spread: number[] = [];
    const lines: string[] = [];
    for (let v = 0; v < views.length; v++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      throwIfAborted(opts.signal);
      const { name, phi } = views[v]!;
      const { A, B } = frameBounds(phi);
      const ratios: number[] = [];
      for (let p = 0; p < pairs; p++) {
        const d = r.fillNormal(new Float64Array(n));
        // Smooth half of the pairs so low frequencies (where frames differ most) are probed too.
        if (p % 2 === 1) for (let t = 1; t < n; t++) d[t] = 0.9 * d[t - 1]! + 0.1 * d[t]!;
        const c = frameAnalysis(phi, d);
        let num = 0;
        let den = 0;
        for (let i = 0; i < c.re.length; i++) num += c.re[i]! ** 2 + c.im[i]! ** 2;
        for (let t = 0; t < n; t++) den += d[t]! ** 2;
        ratios.push(num / den);
      }
      const lo = Math.min(...ratios);
      const hi = Math.max(...ratios);
      spread.push(hi / lo);
      metrics[`${name} A`] = A;
      metrics[`${name} B`] = B;
      metrics[`${name} spread`] = hi / lo;
      lines.push(`${name}: ratios in [${lo.toPrecision(4)}, ${hi.toPrecision(4)}], bounds [A, B] = [${A.toPrecision(4)}, ${B.toPrecision(4)}]`);
      series.push({ name, x: ratios.map((_, i) => i), y: ratios.map((q) => q / B) });
      // A tight view (A = B, the unitary DFT) has its lower bound on the upper one.
      if (A / B < 1 - 1e-9) references.push({ kind: 'line', label: `lower frame bound A/B, ${name}`, y: A / B });
      opts.onProgress?.({ fraction: (v + 1) / views.length, message: name });
    }
    const [dftSpread, gaborSpread, morletSpread] = spread as [number, number, number];
    return experimentResult({
      checks: [
        check('the near-tight Gabor/STFT view distorts random pairs by under 5% (max/min ratio < 1.05)', gaborSpread < 1.05, `max/min ${gaborSpread.toFixed(3)} (DFT reference ${dftSpread.toFixed(3)})`),
        check('the Morlet view changes the geometry: max/min ratio over random pairs > 2', morletSpread > 2, `max/min ${morletSpread.toFixed(2)}`),
      ],
      summary: `${lines.join('; ')}.`,
      metrics,
      plots: [{ title: '||Phi(x - y)||^2 / (B ||x - y||^2) per random pair', xLabel: 'pair', yLabel: 'ratio / B', series, references, caption: 'Every ratio lies between its view\'s dashed lower bound A/B and B; the DFT sits at 1, Gabor within 5%, Morlet spread over more than 2x.' }],
    });
  },
};

/** Paper's recovery threshold on the MSE (Dao et al. 2019, Sec. 4.1). */
const RECOVERED = 1e-8;

/** One grid cell of the learned-permutation experiment: trials at one transform and size. */
interface PermCell {
  transform: ButterflyTransform;
  n: number;
  trials: number;
  recovered: number;
  bitrev: number;
  best: LearnButterflyPermutedResult;
}

/**
 * Dao et al. 2019 (Sec. 4.1, the "BP" model, "BPP" for the DCT as in the reference's run script): a
 * butterfly trained jointly with the relaxed permutation (sigmoid-weighted lerps of even/odd
 * separation and half reversals; by default one logit triple for all levels, as the reference's
 * search) recovers the DFT, DCT and Hadamard transforms to machine precision. Here: several trials (seeds) per transform and size, Adam on
 * twiddles and logits, then the permutation is rounded and the twiddles polished with it fixed (the
 * paper polishes its best trials the same way); a cell counts as recovered when its best trial's
 * polished loss is below 1e-8 (the paper's criterion over its search). Two probes show the large
 * sizes: the DFT at n = 256 and at n = 1024 (the paper's largest), two trials each, with the steps the
 * CPU budget allows.
 */
export const butterflyLearnedPermutationExperiment: Experiment = {
  id: 'linalg/butterfly-learned-permutation',
  pkg: '@x/linalg',
  title: 'A butterfly learns its permutation: DFT, DCT, Hadamard up to n = 1024',
  claim:
    'Butterfly factorizations with a learned (relaxed, then rounded) permutation recover the DFT, DCT and Hadamard transforms to machine precision (loss < 1e-8) for n = 8 ... 1024 (Dao et al., ICML 2019, Sec. 4.1).',
  params: [
    { name: 'steps', label: 'Adam steps per trial (and as many polish steps)', kind: 'int', min: 100, max: 6000, step: 100, default: 3000, quick: 2000 },
    { name: 'lr', label: 'learning rate', kind: 'float', log: true, min: 1e-3, max: 0.3, default: 0.03 },
    { name: 'logits', label: 'permutation logits: shared by all levels (the reference search), per level or per block', kind: 'choice', options: ['shared', 'level', 'block'], default: 'shared' },
    { name: 'trials', label: 'trials (seeds) per cell at n <= 32', kind: 'int', min: 1, max: 12, default: 6, quick: 4 },
    { name: 'sharpen', label: 'penalty pushing choices to 0/1 (not in the paper; 0 = off)', kind: 'float', min: 0, max: 1, step: 0.01, default: 0 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const base = opts.seed ?? 0;
    const { steps, lr, logits, trials, sharpen } = experimentParams(butterflyLearnedPermutationExperiment, opts) as { steps: number; lr: number; logits: 'shared' | 'level' | 'block'; trials: number; sharpen: number };
    const sizes = opts.quick ? [8, 16, 32] : [8, 16, 32, 64, 128];
    // Fewer trials where one costs more (a step is O(n^2)).
    const trialsAt = (n: number) => (n <= 32 ? trials : n === 64 ? Math.min(trials, 4) : Math.min(trials, 2));
    const probes = opts.quick ? [] : [
      { n: 256, steps: Math.min(steps, 1000) },
      { n: 1024, steps: Math.min(steps, 300) },
    ];
    const transforms: ButterflyTransform[] = ['dft', 'hadamard', 'dct'];
    const probeTrials = 2;
    let total = 1 + probes.length * probeTrials;
    for (const n of sizes) total += transforms.length * trialsAt(n);
    let done = 0;
    const tick = async (message: string): Promise<void> => {
      done++;
      opts.onProgress?.({ fraction: done / total, message });
      await new Promise((resolve) => setTimeout(resolve, 0));
      throwIfAborted(opts.signal);
    };
    const runOne = (f: () => LearnButterflyPermutedResult): LearnButterflyPermutedResult => {
      const res = f();
      if (res.aborted) throwIfAborted(opts.signal);
      return res;
    };
    const cells: PermCell[] = [];
    const curves: { name: string; x: number[]; y: number[] }[] = [];
    const bySize = (): { name: string; x: number[]; y: number[] }[] =>
      transforms.map((t) => {
        const cs = cells.filter((c) => c.transform === t);
        return { name: `${t}${t === 'dct' ? ' (BPP, real part)' : ''}: best polished loss`, x: cs.map((c) => c.n), y: cs.map((c) => Math.max(c.best.polishedLoss, 1e-34)) };
      });
    const threshold: ExperimentReference = { kind: 'line', label: 'recovery threshold 1e-8 (paper)', y: RECOVERED };
    const sizePlot = (): ExperimentPlot => ({
      title: 'Best polished loss per size (rounded permutation, twiddles re-fitted)',
      xLabel: 'n',
      yLabel: 'MSE',
      logX: true,
      logY: true,
      series: bySize(),
      references: [threshold],
      caption: 'A point below the dashed line is a recovered transform (best of the trials at that size); the paper reports every transform below it up to n = 1024.',
    });
    const curvePlot = (): ExperimentPlot => ({
      title: 'Relaxed MSE during joint training (best trial at the largest grid size; the large-n probes)',
      xLabel: 'Adam step',
      yLabel: 'loss',
      logY: true,
      series: [...curves],
      caption: 'The relaxed loss falls for each transform; recovery is judged after rounding and polishing. The probes at n = 256 and 1024 run far fewer steps than the grid (a step costs O(n^2)).',
    });
    const report = partialReporter(opts.onPartial);
    for (const transform of transforms) {
      for (const n of sizes) {
        let recovered = 0;
        let bitrev = 0;
        let best: LearnButterflyPermutedResult | undefined;
        const count = trialsAt(n);
        for (let k = 0; k < count; k++) {
          const seed = base + k;
          await tick(`${transform} n = ${n}, trial ${k + 1}/${count}`);
          const res = runOne(() => learnButterflyTransform({ transform, n, steps, lr, seed, logits, sharpen, tol: 1e-14, signal: opts.signal }));
          if (res.polishedLoss < RECOVERED) recovered++;
          if (res.isBitReversal) bitrev++;
          if (!best || res.polishedLoss < best.polishedLoss) best = res;
        }
        cells.push({ transform, n, trials: count, recovered, bitrev, best: best! });
        if (n === sizes[sizes.length - 1]) curves.push({ name: `${transform} n = ${n} (best trial, relaxed)`, ...every(best!.losses, Math.max(1, Math.floor(steps / 300))) });
        report(() => ({ plots: [sizePlot(), curvePlot()] }), true);
      }
    }
    // Probes at the large sizes: one DFT trial each, with the steps the budget allows.
    const probeOut: { n: number; steps: number; res: LearnButterflyPermutedResult; recovered: number; sPerTrial: number }[] = [];
    for (const pr of probes) {
      let best: LearnButterflyPermutedResult | undefined;
      let recovered = 0;
      let secs = 0;
      for (let k = 0; k < probeTrials; k++) {
        await tick(`dft n = ${pr.n} probe (${pr.steps} steps), trial ${k + 1}/${probeTrials}`);
        const t0 = performance.now();
        const res = runOne(() => learnButterflyTransform({ transform: 'dft', n: pr.n, steps: pr.steps, lr, seed: base + k, logits, sharpen, tol: 1e-14, signal: opts.signal }));
        secs += (performance.now() - t0) / 1000;
        if (res.polishedLoss < RECOVERED) recovered++;
        if (!best || res.polishedLoss < best.polishedLoss) best = res;
      }
      probeOut.push({ n: pr.n, steps: pr.steps, res: best!, recovered, sPerTrial: secs / probeTrials });
      curves.push({ name: `dft n = ${pr.n} (probe, best trial, relaxed)`, ...every(best!.losses, Math.max(1, Math.floor(pr.steps / 300))) });
      report(() => ({ plots: [sizePlot(), curvePlot()] }), true);
    }
    // The paper's control: a random Gaussian matrix is not a butterfly, with or without permutation.
    await tick('random control');
    const n0 = sizes[0]!;
    const r = rng(base + 1000);
    const sd = 1 / Math.sqrt(2 * n0);
    const control = runOne(() =>
      learnButterflyPermuted(
        {
          re: { rows: n0, cols: n0, data: r.fillNormal(new Float64Array(n0 * n0), sd) },
          im: { rows: n0, cols: n0, data: r.fillNormal(new Float64Array(n0 * n0), sd) },
        },
        { steps, lr, seed: base, logits, sharpen, signal: opts.signal },
      ),
    );
    const fmt = (c: PermCell) =>
      `${c.transform} n=${c.n}: ${c.recovered}/${c.trials} trials < 1e-8 (best relaxed ${c.best.relaxedLoss.toExponential(1)}, rounded ${c.best.hardLoss.toExponential(1)}, polished ${c.best.polishedLoss.toExponential(1)}; bit reversal in ${c.bitrev}/${c.trials})`;
    const of = (t: ButterflyTransform) => cells.filter((c) => c.transform === t);
    const largest = (t: ButterflyTransform) => of(t).reduce((m, c) => (c.recovered > 0 ? Math.max(m, c.n) : m), 0);
    const metrics: Record<string, number> = { steps, controlLoss: control.polishedLoss };
    for (const c of cells) {
      metrics[`${c.transform} n=${c.n} recovered trials`] = c.recovered;
      metrics[`${c.transform} n=${c.n} best polished loss`] = c.best.polishedLoss;
    }
    for (const t of transforms) metrics[`${t} largest recovered n`] = largest(t);
    for (const p of probeOut) {
      metrics[`dft n=${p.n} probe relaxed loss`] = p.res.relaxedLoss;
      metrics[`dft n=${p.n} probe polished loss`] = p.res.polishedLoss;
      metrics[`dft n=${p.n} probe recovered trials`] = p.recovered;
    }
    const small = (t: ButterflyTransform, max: number) => of(t).filter((c) => c.n <= max);
    const big = (t: ButterflyTransform, min: number) => of(t).filter((c) => c.n >= min);
    const probeText = probeOut
      .map((p) => `n = ${p.n}, ${p.steps} + ${p.steps} steps: ${p.recovered}/${probeTrials} trials < 1e-8 (best relaxed ${p.res.relaxedLoss.toExponential(1)}, polished ${p.res.polishedLoss.toExponential(1)}; ${p.sPerTrial.toFixed(0)} s per trial, polish stops at 1e-14)`)
      .join('; ');
    return experimentResult({
      checks: [
        check('DFT n <= 32: recovered (loss < 1e-8) in at least one trial at every size run', small('dft', 32).every((c) => c.recovered >= 1), small('dft', 32).map(fmt).join('; ')),
        check('Hadamard n = 8: recovered in at least one trial', small('hadamard', 8).every((c) => c.recovered >= 1), small('hadamard', 8).map(fmt).join('; ')),
        check('DCT (BPP, real part) n = 8: recovered in at least one trial', small('dct', 8).every((c) => c.recovered >= 1), small('dct', 8).map(fmt).join('; '), false),
        check('Hadamard n >= 16: recovered at every size run', big('hadamard', 16).every((c) => c.recovered >= 1), big('hadamard', 16).map(fmt).join('; '), false),
        check('DCT n >= 16: recovered at every size run', big('dct', 16).every((c) => c.recovered >= 1), big('dct', 16).map(fmt).join('; '), false),
        ...(opts.quick ? [] : [check('DFT n = 64 and 128: recovered at every size run', big('dft', 64).every((c) => c.recovered >= 1), big('dft', 64).map(fmt).join('; '), false)]),
        ...probeOut.map((p) => check(`DFT n = ${p.n} (probe, ${p.steps} steps): recovered in at least one of ${probeTrials} trials`, p.recovered > 0, probeText, false)),
        check('the learned DFT permutation rounds to exactly bit reversal in some trial (it usually rounds to others the butterfly absorbs)', of('dft').some((c) => c.bitrev > 0), of('dft').map((c) => `n=${c.n}: ${c.bitrev}/${c.trials}`).join(', '), false),
        check('a random Gaussian matrix (control) is not fit: loss stays > 1e-3', control.polishedLoss > 1e-3, `n = ${n0}: loss ${control.polishedLoss.toExponential(2)}`),
      ],
      summary: `${steps} joint Adam steps (lr ${lr}, cosine, ${logits} logits${sharpen > 0 ? `, sharpen ${sharpen}` : ''}) then ${steps} polish steps per trial, trials from seed ${base}. Largest n recovered: DFT ${largest('dft') || 'none'}, Hadamard ${largest('hadamard') || 'none'}, DCT ${largest('dct') || 'none'}. ${cells.map(fmt).join('. ')}. ${probeText ? `Probes: ${probeText}. ` : ''}Control ${control.polishedLoss.toExponential(2)}.`,
      metrics,
      plots: [sizePlot(), curvePlot()],
    });
  },
};

/** The structured half's experiments, for the package's `experiments` list. */
export const structuredExperiments: Experiment[] = [butterflyLearnsDftExperiment, butterflyLearnedPermutationExperiment, frameViewsExperiment];
