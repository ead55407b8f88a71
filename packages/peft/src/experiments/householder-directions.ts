import { matmul, type Matrix, randn, type Rng, rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { eigh, svd } from '@x/linalg';
import { Adam, Linear, type Module } from '@x/nn';
import { HouseholderProjectorLayer } from '../householder-projector';

/** Latent size d, live style channels K (the factors), image side. */
const D = 8;
const K = 4;
const SIDE = 10;
const PIX = SIDE * SIDE;

/**
 * The synthesis network: a fixed renderer with a privileged channel basis, as StyleGAN's
 * per-channel modulation has. Style channels 0-3 set one factor each (x and y position, width,
 * brightness of a Gaussian blob); channels 4-7 have no effect. Returns the images (n x PIX) and
 * what backward needs.
 */
function render(s: Matrix): { img: Matrix<Float64Array>; back: (dImg: Matrix) => Matrix<Float64Array> } {
  const n = s.rows;
  const img = new Float64Array(n * PIX);
  const fac = new Float64Array(n * 8); // cx, cy, σ, a, and the four tanh/sigmoid derivatives
  for (let i = 0; i < n; i++) {
    const t0 = Math.tanh(s.data[i * D]!);
    const t1 = Math.tanh(s.data[i * D + 1]!);
    const t2 = Math.tanh(s.data[i * D + 2]!);
    const cx = 0.5 * t0;
    const cy = 0.5 * t1;
    const sg = 0.3 * Math.exp(0.35 * t2);
    const a = 1 / (1 + Math.exp(-1.5 * s.data[i * D + 3]!));
    fac.set([cx, cy, sg, a, 0.5 * (1 - t0 * t0), 0.5 * (1 - t1 * t1), sg * 0.35 * (1 - t2 * t2), 1.5 * a * (1 - a)], i * 8);
    for (let p = 0; p < PIX; p++) {
      const px = -1 + (2 * (p % SIDE)) / (SIDE - 1);
      const py = -1 + (2 * Math.floor(p / SIDE)) / (SIDE - 1);
      img[i * PIX + p] = a * Math.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2 * sg * sg));
    }
  }
  const back = (dImg: Matrix): Matrix<Float64Array> => {
    const ds = new Float64Array(n * D);
    for (let i = 0; i < n; i++) {
      const [cx, cy, sg, a, d0, d1, d2, d3] = fac.subarray(i * 8, i * 8 + 8) as unknown as number[];
      let gx = 0;
      let gy = 0;
      let gs = 0;
      let ga = 0;
      for (let p = 0; p < PIX; p++) {
        const px = -1 + (2 * (p % SIDE)) / (SIDE - 1);
        const py = -1 + (2 * Math.floor(p / SIDE)) / (SIDE - 1);
        const v = img[i * PIX + p]!;
        const g = dImg.data[i * PIX + p]!;
        const r2 = (px - cx!) ** 2 + (py - cy!) ** 2;
        gx += (g * v * (px - cx!)) / (sg! * sg!);
        gy += (g * v * (py - cy!)) / (sg! * sg!);
        gs += (g * v * r2) / sg! ** 3;
        ga += (g * v) / a!;
      }
      ds[i * D] = gx * d0!;
      ds[i * D + 1] = gy * d1!;
      ds[i * D + 2] = gs * d2!;
      ds[i * D + 3] = ga * d3!;
    }
    return { rows: n, cols: D, data: ds };
  };
  return { img: { rows: n, cols: PIX, data: img }, back };
}

/** The data: blobs with independent standard-normal factors on the live channels. */
function dataBatch(n: number, g: Rng): Matrix<Float64Array> {
  const s = randn(n, D, g);
  for (let i = 0; i < n; i++) for (let c = K; c < D; c++) s.data[i * D + c] = 0;
  return render(s).img;
}

/** Squared MMD with a Gaussian kernel of bandwidth² h2 between X (generated) and Y, and ∂/∂X. */
function mmd(X: Matrix, Y: Matrix, h2: number): { value: number; grad: Matrix<Float64Array> } {
  const n = X.rows;
  const m = Y.rows;
  const p = X.cols;
  const grad = new Float64Array(n * p);
  let xx = 0;
  let xy = 0;
  let yy = 0;
  const k = (A: Matrix, i: number, B: Matrix, j: number) => {
    let d2 = 0;
    for (let c = 0; c < p; c++) d2 += (A.data[i * p + c]! - B.data[j * p + c]!) ** 2;
    return Math.exp(-d2 / (2 * h2));
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k(X, i, X, j);
      xx += v;
      // ∂/∂x_i of Σ_jl k(x_j, x_l): 2 Σ_l ∂₁k(x_i, x_l), with ∂₁k(a, b) = −k (a − b) / h².
      const w = (-2 * v) / (n * n * h2);
      for (let c = 0; c < p; c++) grad[i * p + c]! += w * (X.data[i * p + c]! - X.data[j * p + c]!);
    }
    for (let j = 0; j < m; j++) {
      const v = k(X, i, Y, j);
      xy += v;
      const w = (2 * v) / (n * m * h2);
      for (let c = 0; c < p; c++) grad[i * p + c]! += w * (X.data[i * p + c]! - Y.data[j * p + c]!);
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) yy += k(Y, i, Y, j);
  return { value: xx / (n * n) + yy / (m * m) - (2 * xy) / (n * m), grad: { rows: n, cols: p, data: grad } };
}

/** Median squared distance between the images of a sample (the usual MMD bandwidth). */
function medianH2(Y: Matrix): number {
  const d: number[] = [];
  for (let i = 0; i < Y.rows; i++) {
    for (let j = i + 1; j < Y.rows; j++) {
      let s = 0;
      for (let c = 0; c < Y.cols; c++) s += (Y.data[i * Y.cols + c]! - Y.data[j * Y.cols + c]!) ** 2;
      d.push(s);
    }
  }
  d.sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

/** A random orthogonal d x d matrix (Q of a Gaussian matrix's SVD). */
function orthogonal(d: number, g: Rng): Matrix {
  return svd(randn(d, d, g)).U;
}

/**
 * The "pretrained" style weight: live channels get an entangled, slightly wrong mixing of the
 * latent (singular vectors not aligned with the channels, singular values 2 ... 0.3), the dead
 * channels some leakage. The generator's images are then correlated where the data's factors
 * are independent.
 */
function pretrained(g: Rng): Matrix {
  const R = orthogonal(D, g);
  const A = matmul(matmul(orthogonal(K, g), { rows: K, cols: K, data: Float64Array.from([2, 0, 0, 0, 0, 1.3, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, 0.3]) }), orthogonal(K, g));
  const W = new Float64Array(D * D);
  for (let i = 0; i < K; i++) for (let j = 0; j < D; j++) for (let l = 0; l < K; l++) W[i * D + j]! += A.data[i * K + l]! * R.data[l * D + j]!;
  for (let i = K; i < D; i++) for (let j = 0; j < D; j++) W[i * D + j] = 0.3 * R.data[i * D + j]!;
  return { rows: D, cols: D, data: W };
}

/**
 * Fine-tunes the style layer of G(z) = render(layer(z)) by MMD to the data; returns the MMD before each step.
 * `onStep` (live plots) gets the curve so far after each step.
 */
function fineTune(layer: Module, steps: number, batch: number, h2: number, lr: number, seed: number, signal?: AbortSignal, onStep?: (losses: readonly number[]) => void): number[] {
  const g = rng(seed);
  const opt = new Adam({ lr });
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    throwIfAborted(signal);
    const z = randn(batch, D, g);
    const Y = dataBatch(batch, g);
    layer.zeroGrad();
    const r = render(layer.forward(z));
    const l = mmd(r.img, Y, h2);
    losses.push(l.value);
    layer.backward(r.back(l.grad));
    opt.step(layer.parameters());
    onStep?.(losses);
  }
  return losses;
}

/** Mean squared MMD of the generator over `reps` fixed evaluation batches. */
function evalMmd(W: Matrix, reps: number, n: number, h2: number, seed: number): number {
  const g = rng(seed);
  let s = 0;
  for (let r = 0; r < reps; r++) {
    const z = randn(n, D, g);
    s += mmd(render(matmul(z, W, { transB: true })).img, dataBatch(n, g), h2).value / reps;
  }
  return s;
}

/**
 * For directions (rows, unit length) in latent space and the style map W: the channel purity
 * (the largest live channel's share of |W d|² over the live channels, mean over directions; 1 is
 * one factor per direction, 1/K is fully mixed), and each direction's image change
 * ‖G(z + d) − G(z)‖ averaged over latent samples.
 */
function directionStats(W: Matrix, dirs: Matrix, seed: number): { purity: number; change: number[] } {
  const resp = matmul(dirs, W, { transB: true });
  let purity = 0;
  for (let i = 0; i < dirs.rows; i++) {
    let tot = 0;
    let mx = 0;
    for (let c = 0; c < K; c++) {
      const v = resp.data[i * D + c]! ** 2;
      tot += v;
      mx = Math.max(mx, v);
    }
    purity += (tot > 0 ? mx / tot : 0) / dirs.rows;
  }
  const z = randn(32, D, seed);
  const base = render(matmul(z, W, { transB: true })).img;
  const change = Array.from({ length: dirs.rows }, (_, i) => {
    const zs = { rows: z.rows, cols: D, data: z.data.map((v, j) => v + dirs.data[i * D + (j % D)]!) };
    const moved = render(matmul(zs, W, { transB: true })).img;
    let s = 0;
    for (let j = 0; j < base.data.length; j++) s += (moved.data[j]! - base.data[j]!) ** 2;
    return Math.sqrt(s / z.rows);
  });
  return { purity, change };
}

/** SeFa: the top-k eigenvectors of WᵀW as rows. */
function sefa(W: Matrix, k: number): Matrix<Float64Array> {
  const e = eigh(matmul(W, W, { transA: true }));
  const n = W.cols;
  const out = new Float64Array(k * n);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) out[j * n + i] = e.vectors.data[i * n + (n - 1 - j)]!;
  return { rows: k, cols: n, data: out };
}

/** Images along each direction: rows = directions, columns = steps α, one mosaic. */
function traversal(W: Matrix, dirs: Matrix, alphas: number[]): { rows: number; cols: number; values: number[] } {
  const rows = dirs.rows * SIDE;
  const cols = alphas.length * SIDE;
  const values = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < dirs.rows; i++) {
    alphas.forEach((a, j) => {
      const z = { rows: 1, cols: D, data: Float64Array.from({ length: D }, (_, c) => a * dirs.data[i * D + c]!) };
      const im = render(matmul(z, W, { transB: true })).img.data;
      for (let p = 0; p < PIX; p++) values[(i * SIDE + Math.floor(p / SIDE)) * cols + j * SIDE + (p % SIDE)] = im[p]!;
    });
  }
  return { rows, cols, values };
}

const spread = (c: number[]) => Math.max(...c) / Math.min(...c);

/** One pretrained generator (seeded), fine-tuned both ways, with its direction scores. */
function trial(seed: number, steps: number, batch: number, evalReps: number, signal?: AbortSignal, onStep?: (plain: readonly number[], proj: readonly number[]) => void) {
  const lr = 1e-2;
  const W0 = pretrained(rng(seed));
  const h2 = medianH2(dataBatch(128, rng(seed + 1)));
  const plain = new Linear(D, D, { weight: W0, bias: false });
  const lossPlain = fineTune(plain, steps, batch, h2, lr, seed + 2, signal, onStep && ((c) => onStep(c, [])));
  const proj = HouseholderProjectorLayer.fromWeight(W0, K);
  const lossProj = fineTune(proj, steps, batch, h2, lr, seed + 2, signal, onStep && ((c) => onStep(lossPlain, c)));
  const Wp = proj.weight();
  const sefaDirs = sefa(plain.weight, K);
  return {
    W0,
    plainW: plain.weight,
    Wp,
    sefaDirs,
    projDirs: proj.directions(),
    lossPlain,
    lossProj,
    mmd0: evalMmd(W0, evalReps, 64, h2, seed + 3),
    mmdPlain: evalMmd(plain.weight, evalReps, 64, h2, seed + 3),
    mmdProj: evalMmd(Wp, evalReps, 64, h2, seed + 3),
    sefa0: directionStats(W0, sefa(W0, K), seed + 4),
    sefaPlain: directionStats(plain.weight, sefaDirs, seed + 4),
    proj: directionStats(Wp, proj.directions(), seed + 4),
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * Householder projector (Song et al., ICCV 2023) on a small generator: the style weight of a
 * "pretrained" generator (entangled, slightly off the data) is fine-tuned by MMD to the data,
 * once as a plain weight and once as the projector c Q(U) S Q(V)ᵀ initialized from it; the
 * closed-form directions (SeFa's eigenvectors of WᵀW, the projector's Q(V)_k) are then scored
 * on the renderer's known factors, over several pretrained generators.
 */
export const householderDirections: Experiment = {
  id: 'peft/householder-directions',
  pkg: '@x/peft',
  title: 'Householder projector: latent directions of a small generator',
  claim:
    'Householder Projector (Song et al., ICCV 2023): fine-tuning a pretrained generator with its modulation weight parameterized as Q(U) S Q(V)ᵀ keeps image fidelity, and its k closed-form directions are more disentangled than SeFa’s, each with a comparable variation. In this toy only the fidelity part reproduces: with Gaussian latents the MMD objective cannot tell a rotation of the directions from another (see README).',
  params: [
    { name: 'steps', label: 'fine-tuning steps', kind: 'int', min: 20, max: 1000, step: 10, default: 250, quick: 80 },
    { name: 'batch', label: 'batch size', kind: 'int', min: 16, max: 256, step: 16, default: 64, quick: 48 },
  ],
  async run(opts = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const { steps, batch } = experimentParams(householderDirections, opts) as { steps: number; batch: number };
    const [evalReps, gens] = quick ? [8, 2] : [16, 5];
    const trials = [];
    // Live results: the current generator's two fine-tuning curves, growing step by step.
    const report = partialReporter(opts.onPartial);
    const livePlot = (t: number, plain: readonly number[], proj: readonly number[]) => ({
      title: `fine-tuning generator ${t + 1} to the data (MMD² per batch)`,
      xLabel: 'Adam step',
      yLabel: 'MMD²',
      logY: true,
      series: [
        { name: 'plain weight', x: plain.map((_, i) => i), y: plain.map((v) => Math.max(v, 1e-12)) },
        { name: 'Householder projector', x: proj.map((_, i) => i), y: proj.map((v) => Math.max(v, 1e-12)) },
      ],
    });
    for (let t = 0; t < gens; t++) {
      const onStep = opts.onPartial && ((plain: readonly number[], proj: readonly number[]) => report(() => ({ plots: [livePlot(t, plain, proj)] })));
      trials.push(trial(seed * 101 + t * 7, steps, batch, evalReps, opts.signal, onStep));
      const last = trials.at(-1)!;
      report(() => ({ plots: [livePlot(t, last.lossPlain, last.lossProj)] }), t === gens - 1);
      opts.onProgress?.({ fraction: (t + 1) / gens, message: `generator ${t + 1}/${gens} fine-tuned` });
    }
    const first = trials[0]!;
    const fidelity = trials.filter((r) => r.mmdProj < r.mmd0).length;
    const fidelityPlain = trials.filter((r) => r.mmdPlain < r.mmd0).length;
    const purer = trials.filter((r) => r.proj.purity > r.sefaPlain.purity).length;
    const evener = trials.filter((r) => spread(r.proj.change) < spread(r.sefaPlain.change)).length;
    const metrics = {
      mmdPretrained: mean(trials.map((r) => r.mmd0)),
      mmdPlain: mean(trials.map((r) => r.mmdPlain)),
      mmdProjector: mean(trials.map((r) => r.mmdProj)),
      purityPretrainedSefa: mean(trials.map((r) => r.sefa0.purity)),
      purityPlainSefa: mean(trials.map((r) => r.sefaPlain.purity)),
      purityProjector: mean(trials.map((r) => r.proj.purity)),
      changeSpreadSefa: mean(trials.map((r) => spread(r.sefaPlain.change))),
      changeSpreadProjector: mean(trials.map((r) => spread(r.proj.change))),
    };
    const x = first.lossPlain.map((_, i) => i);
    const alphas = [-2, -1, 0, 1, 2];
    const gi = trials.map((_, i) => i);
    return experimentResult({
      checks: [
        check(
          `fidelity: on every generator the projector fine-tune ends closer to the data than the pretrained generator (MMD²), as the plain fine-tune does`,
          fidelity === gens && fidelityPlain === gens,
          `${fidelity}/${gens} (plain ${fidelityPlain}/${gens}); mean MMD² pretrained ${metrics.mmdPretrained.toExponential(2)}, plain ${metrics.mmdPlain.toExponential(2)}, projector ${metrics.mmdProjector.toExponential(2)}`,
        ),
        check(
          'paper: the projector’s directions are more disentangled than SeFa’s (channel purity, mean over generators, by more than 0.05)',
          metrics.purityProjector > metrics.purityPlainSefa + 0.05,
          `projector ${metrics.purityProjector.toFixed(3)} vs SeFa ${metrics.purityPlainSefa.toFixed(3)} (higher on ${purer}/${gens} generators; SeFa on the pretrained weight ${metrics.purityPretrainedSefa.toFixed(3)}; 1 = one factor per direction, ${(1 / K).toFixed(2)} = fully mixed)`,
          false,
        ),
        check(
          'paper: every projector direction varies the image comparably (mean max/min image change below SeFa’s)',
          metrics.changeSpreadProjector < metrics.changeSpreadSefa,
          `max/min image change: projector ${metrics.changeSpreadProjector.toFixed(2)} vs SeFa ${metrics.changeSpreadSefa.toFixed(2)} (lower on ${evener}/${gens}); in style space the projector's are equal by construction`,
          false,
        ),
      ],
      summary: `${gens} generators: MMD² pretrained ${metrics.mmdPretrained.toExponential(2)} → plain ${metrics.mmdPlain.toExponential(2)}, projector ${metrics.mmdProjector.toExponential(2)}; purity projector ${metrics.purityProjector.toFixed(2)} vs SeFa ${metrics.purityPlainSefa.toFixed(2)} (higher on ${purer}/${gens}); max/min image change ${metrics.changeSpreadProjector.toFixed(2)} vs ${metrics.changeSpreadSefa.toFixed(2)}`,
      metrics,
      plots: [
        {
          title: 'fine-tuning generator 1 to the data (MMD² per batch)',
          xLabel: 'Adam step',
          yLabel: 'MMD²',
          logY: true,
          series: [
            { name: 'plain weight', x, y: first.lossPlain.map((v) => Math.max(v, 1e-12)) },
            { name: 'Householder projector', x, y: first.lossProj.map((v) => Math.max(v, 1e-12)) },
          ],
          caption: 'Both fine-tunes fall below where they start: the projector keeps its rank-k isometry and still fits the data as well.',
        },
        {
          title: 'disentanglement of the closed-form directions per generator',
          xLabel: 'generator',
          yLabel: 'channel purity (1 = one factor)',
          categories: trials.map((_, i) => `generator ${i + 1}`),
          series: [
            { name: 'SeFa (pretrained)', x: gi, y: trials.map((r) => r.sefa0.purity) },
            { name: 'SeFa (plain fine-tune)', x: gi, y: trials.map((r) => r.sefaPlain.purity) },
            { name: 'Householder projector', x: gi, y: trials.map((r) => r.proj.purity) },
          ],
          caption: 'If the paper’s claim held here, the projector’s bars would be the tallest on every generator; they are not reliably so.',
        },
        {
          title: 'traversals of generator 1: rows are directions, columns α = −2 … 2',
          xLabel: 'α',
          yLabel: 'direction',
          series: [],
          heatmaps: [
            { name: 'SeFa (plain weight)', ...traversal(first.plainW, first.sefaDirs, alphas) },
            { name: 'Householder projector', ...traversal(first.Wp, first.projDirs, alphas) },
          ],
          caption: 'A disentangled row moves one thing only (position, width or brightness); a mixed row moves several at once.',
        },
      ],
    });
  },
};
