import { check, type Experiment, type ExperimentResult, type ExperimentRunOptions, experimentResult, rng, throwIfAborted } from '@x/gpu';
import { learnButterfly, unitaryDftMatrix } from './butterfly-learn';
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
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const n = opts.quick ? 16 : 64;
    const steps = opts.quick ? 1500 : 3000;
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
    const results = [];
    for (let i = 0; i < runs.length; i++) {
      // Let a page repaint its progress bar between runs.
      await new Promise((resolve) => setTimeout(resolve, 0));
      throwIfAborted(opts.signal);
      const run = runs[i]!;
      const res = learnButterfly(run.target, {
        steps,
        lr: 0.01,
        seed,
        perm: run.perm,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.({ fraction: (i + p.step / steps) / runs.length, message: `${run.name}: step ${p.step}, loss ${p.loss.toExponential(2)}` }),
      });
      if (res.aborted) throwIfAborted(opts.signal);
      results.push({ name: run.name, res });
    }
    const [dft, had, rnd] = results.map((x) => x.res);
    const stride = Math.max(1, Math.floor(steps / 300));
    return experimentResult({
      checks: [
        check('the butterfly recovers the DFT to loss < 1e-8', dft!.loss < 1e-8, `loss ${dft!.loss.toExponential(2)}`),
        check('the butterfly recovers the Hadamard transform to loss < 1e-8', had!.loss < 1e-8, `loss ${had!.loss.toExponential(2)}`),
        check('it cannot fit a random Gaussian matrix (control): loss stays > 1e-3', rnd!.loss > 1e-3, `loss ${rnd!.loss.toExponential(2)}`),
      ],
      summary: `After ${steps} Adam steps at n = ${n}: DFT loss ${dft!.loss.toExponential(2)}, Hadamard ${had!.loss.toExponential(2)}, random control ${rnd!.loss.toExponential(2)} (threshold 1e-8).`,
      metrics: { n, steps, dftLoss: dft!.loss, hadamardLoss: had!.loss, randomLoss: rnd!.loss },
      plots: [
        {
          title: 'MSE(butterfly, target) during training',
          xLabel: 'Adam step',
          yLabel: 'loss',
          logY: true,
          series: results.map(({ name, res }) => ({ name, ...every(res.losses, stride) })),
        },
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
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    const n = opts.quick ? 32 : 64;
    const pairs = opts.quick ? 50 : 200;
    const r = rng(opts.seed ?? 0);
    const views = [
      { name: 'unitary DFT', phi: unitaryDftMatrix(n) },
      { name: 'Gabor/STFT (Gaussian 16, hop 4)', phi: gaborFrame(n, { window: 'gaussian', windowLength: 16, hop: 4, channels: 16 }) },
      { name: 'Morlet cmor1-1 (12 scales in [1, 16])', phi: morletFrame(n, { scales: Array.from({ length: 12 }, (_, i) => 16 ** (i / 11)) }) },
    ];
    const series = [];
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
      plots: [{ title: '||Phi(x - y)||^2 / (B ||x - y||^2) per random pair', xLabel: 'pair', yLabel: 'ratio / B', series }],
    });
  },
};

/** The structured half's experiments, for the package's `experiments` list. */
export const structuredExperiments: Experiment[] = [butterflyLearnsDftExperiment, frameViewsExperiment];
