import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { checkBoolean, checkInt, checkOneOf, checkPositive, checkSeed, checkSize, MAX_DEPTH } from '@x/gpu/checks';
import { check, type Experiment, type ExperimentPlot, experimentParams, experimentResult, type ExperimentRunOptions, partialReporter, throwIfAborted } from '@x/gpu/experiments';
import { accuracy, Linear, type Module, type ModuleStateJSON, moduleJSON, type Parameter, ReLU, Sequential, softmaxCrossEntropyLoss } from '@x/nn';
import { AdamW } from '@x/optim';
import { DIGITS } from '../data/digits';
import { PoincareBatchNorm } from '../poincare/batchnorm';
import { PoincareConv2d } from '../poincare/conv';
import { PoincareResBlock } from '../poincare/resblock';

/** The UCI digits subset as a Matrix of pixels scaled to [0, 1] (n x 64) and labels. */
export function digitsData(): { X: Matrix<Float64Array>; y: Int32Array } {
  const n = DIGITS.labels.length;
  const X = new Float64Array(n * 64);
  for (let i = 0; i < n * 64; i++) X[i] = Number.parseInt(DIGITS.pixels[i]!, 17) / 16;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = DIGITS.labels.charCodeAt(i) - 48;
  return { X: { rows: n, cols: 64, data: X }, y };
}

/** Mean over the m pixels of batch x (m·channels) tangent feature maps → batch x channels (the paper's average pool). */
class PixelMeanPool implements Module {
  private rows = -1;
  private m = 0;
  constructor(readonly channels: number) {}
  forward(x: Matrix): Matrix<Float64Array> {
    if (x.cols % this.channels !== 0) throw new ShapeError(`PixelMeanPool: x has ${x.cols} columns, not a multiple of ${this.channels}`);
    const C = this.channels;
    const m = x.cols / C;
    const out = new Float64Array(x.rows * C);
    for (let b = 0; b < x.rows; b++) for (let p = 0; p < m; p++) for (let ch = 0; ch < C; ch++) out[b * C + ch]! += x.data[b * x.cols + p * C + ch]! / m;
    this.rows = x.rows;
    this.m = m;
    return { rows: x.rows, cols: C, data: out };
  }
  backward(dy: Matrix): Matrix<Float64Array> {
    if (this.rows < 0) throw new DomainError('PixelMeanPool: backward called before forward');
    const C = this.channels;
    const cols = this.m * C;
    const dx = new Float64Array(this.rows * cols);
    for (let b = 0; b < this.rows; b++) for (let p = 0; p < this.m; p++) for (let ch = 0; ch < C; ch++) dx[b * cols + p * C + ch] = dy.data[b * C + ch]! / this.m;
    return { rows: this.rows, cols, data: dx };
  }
  parameters(): Parameter[] {
    return [];
  }
  zeroGrad(): void {}
  toJSON(): ModuleStateJSON<'PixelMeanPool', { channels: number }, Record<string, never>> {
    return moduleJSON('PixelMeanPool', { channels: this.channels }, {});
  }
}

/**
 * A narrow Poincaré ResNet for 8x8 single-channel images (the paper's architecture, scaled down):
 * a Poincaré conv stem (1 → `channels`, 3x3, stride 2, padding 1: 8x8 → 4x4; Gaussian init in
 * both arms, since its n_in ≠ n_out) with batch norm and ReLU, `depth` {@link PoincareResBlock}s
 * initialised with `init`, the mean over pixels of the tangent vectors, and a Euclidean linear
 * readout to 10 classes (the paper reads out with a Poincaré MLR). c = 0.1 as in the paper.
 * `batchNorm: false` drops the blocks' batch norms (an ablation; the stem keeps its own).
 */
export function poincareResNet(depth: number, channels: number, init: 'identity' | 'gaussian', seed: number, c = 0.1, batchNorm = true): Sequential {
  const fn = 'poincareResNet';
  checkInt(fn, 'depth', depth, 0, MAX_DEPTH);
  checkSize(fn, 'channels', channels, 1);
  checkOneOf(fn, 'init', init, ['identity', 'gaussian'] as const);
  checkSeed(fn, 'seed', seed);
  checkPositive(fn, 'c', c);
  checkBoolean(fn, 'batchNorm', batchNorm);
  const layers: Module[] = [new PoincareConv2d(1, channels, { height: 8, width: 8, kernel: 3, stride: 2, padding: 1, c, init: 'gaussian', seed }), new PoincareBatchNorm(channels, { c }), new ReLU()];
  for (let l = 0; l < depth; l++) layers.push(new PoincareResBlock(channels, { height: 4, width: 4, c, init, batchNorm, seed: seed * 1000 + 2 * l + 1 }));
  layers.push(new PixelMeanPool(channels), new Linear(channels, 10, { seed: seed + 7, init: 'xavier-uniform' }));
  return new Sequential(layers);
}

/** Switches every batch norm of a {@link poincareResNet} to training or eval mode. */
function setTraining(net: Sequential, training: boolean): void {
  for (const l of net.layers) {
    if (l instanceof PoincareBatchNorm || l instanceof PoincareResBlock) {
      if (training) l.train();
      else l.eval();
    }
  }
}

function rowsOf(X: Matrix<Float64Array>, idx: ArrayLike<number>): Matrix<Float64Array> {
  const out = new Float64Array(idx.length * X.cols);
  for (let i = 0; i < idx.length; i++) out.set(X.data.subarray(idx[i]! * X.cols, (idx[i]! + 1) * X.cols), i * X.cols);
  return { rows: idx.length, cols: X.cols, data: out };
}

/**
 * Poincaré ResNet's identity initialisation at depth (van Spengler et al., ICCV 2023, §4.3) on
 * a real image task: the UCI 8x8 handwritten digits (first 720 images; the last 120 held out).
 * Two seeded runs of the same narrow deep network ({@link poincareResNet}, 4 channels: quick 8
 * blocks, 40 steps of batch 16; full 16 blocks, 300 steps of batch 32) differ only in the init
 * of the blocks' Poincaré convolutions: identity (½ on the centre tap's channel diagonal) or the
 * standard Gaussian N(0, (2 K n_in n_out)^{−1}). Adam (lr 1e-2), c = 0.1. Held-out accuracy uses
 * the batch norms' running statistics. Measured (seed 0): with the paper's block (batch norm in
 * it) both inits train at depth 16, Gaussian as fast as identity (last-window training loss
 * 0.44 vs 0.61), so the paper's claim does not reproduce here: batch norm re-scales what the
 * Gaussian convolutions shrink. The `norm: 'none'` ablation drops the blocks' batch norms;
 * there identity init does train faster (depth 16, full size: training loss 0.92 vs 1.47,
 * training accuracy 0.66 vs 0.42), so the claim holds for the block without batch norm.
 */
export const poincareResnetDigitsExperiment: Experiment = {
  id: 'graph-init/poincare-resnet-digits',
  pkg: '@x/graph-init',
  title: 'Poincaré ResNet on UCI digits: identity vs standard init of the hyperbolic convolutions at depth',
  claim:
    '"Poincaré ResNet" (van Spengler et al., ICCV 2023) initialises each hyperbolic convolution near the identity so that deep Poincaré ResNets train, where the standard (Gaussian) initialisation does not or trains much more slowly. Tests it with a deep, narrow Poincaré ResNet on the UCI 8x8 handwritten digits; asserted is what was measured (identity init trains, and with batch norm so does Gaussian init); the paper\'s gap is reported, not asserted, because it does not reproduce here.',
  params: [
    { name: 'depth', label: 'residual blocks', kind: 'int', min: 1, max: 32, default: 16, quick: 8 },
    { name: 'steps', label: 'Adam steps', kind: 'int', min: 10, max: 2000, default: 300, quick: 40 },
    { name: 'lr', label: 'learning rate', kind: 'float', min: 1e-4, max: 0.1, log: true, default: 1e-2 },
    { name: 'norm', label: 'batch norm in the blocks', kind: 'choice', options: ['batch norm', 'none'], default: 'batch norm' },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const quick = opts.quick ?? false;
    const seed = opts.seed ?? 0;
    const { depth, steps, lr, norm } = experimentParams(poincareResnetDigitsExperiment, opts) as { depth: number; steps: number; lr: number; norm: string };
    const withBn = norm === 'batch norm';
    const channels = 4;
    const nTrain = quick ? 300 : 600;
    const nTest = 120;
    const batch = quick ? 16 : 32;
    const evalEvery = quick ? 10 : 25;
    const { X, y } = digitsData();
    const testIdx = Int32Array.from({ length: nTest }, (_, i) => X.rows - nTest + i);
    const Xte = rowsOf(X, testIdx);
    const yte = Int32Array.from(testIdx, (i) => y[i]!);
    const report = partialReporter(opts.onPartial);
    const curves: Record<string, { loss: { x: number[]; y: number[] }; trainAcc: { x: number[]; y: number[] }; acc: { x: number[]; y: number[] } }> = {};
    const plots = (): ExperimentPlot[] => [
      {
        title: `Training loss (mini-batch, mean over each ${evalEvery} steps), depth ${depth}`,
        xLabel: 'Adam step',
        yLabel: 'cross-entropy',
        series: Object.entries(curves).map(([k, v]) => ({ name: `${k} init`, x: v.loss.x, y: v.loss.y })),
        caption: 'If the claim holds, the identity-initialised network’s loss falls well below the Gaussian one’s; ln 10 ≈ 2.30 is chance.',
        references: [{ kind: 'line', y: Math.log(10), label: 'chance (ln 10)' }],
      },
      {
        title: `Training accuracy (mini-batches, mean over each ${evalEvery} steps), depth ${depth}`,
        xLabel: 'Adam step',
        yLabel: 'accuracy',
        series: Object.entries(curves).map(([k, v]) => ({ name: `${k} init`, x: v.trainAcc.x, y: v.trainAcc.y })),
        caption: 'How fast each initialisation fits the training digits; 0.1 is chance.',
        references: [{ kind: 'line', y: 0.1, label: 'chance' }],
      },
      {
        title: `Held-out accuracy (${nTest} digits, batch norms in eval mode), depth ${depth}`,
        xLabel: 'Adam step',
        yLabel: 'accuracy',
        series: Object.entries(curves).map(([k, v]) => ({ name: `${k} init`, x: v.acc.x, y: v.acc.y })),
        caption: 'Identity init should rise towards high accuracy; Gaussian init should stay near chance (0.1) or rise much more slowly.',
        references: [{ kind: 'line', y: 0.1, label: 'chance' }],
      },
    ];
    const inits = ['identity', 'gaussian'] as const;
    for (const [a, init] of inits.entries()) {
      const net = poincareResNet(depth, channels, init, seed, 0.1, withBn);
      const opt = new AdamW({ lr, weightDecay: 0 });
      const r = rng(seed + 11);
      const order = Int32Array.from({ length: nTrain }, (_, i) => i);
      const cur = { loss: { x: [] as number[], y: [] as number[] }, trainAcc: { x: [] as number[], y: [] as number[] }, acc: { x: [] as number[], y: [] as number[] } };
      curves[init] = cur;
      let pos = nTrain;
      let lossSum = 0;
      let lossN = 0;
      let accSum = 0;
      for (let s = 0; s <= steps; s++) {
        if (s % evalEvery === 0) {
          throwIfAborted(opts.signal);
          setTraining(net, false);
          cur.acc.x.push(s);
          cur.acc.y.push(accuracy(net.forward(Xte), yte));
          setTraining(net, true);
          if (s > 0) {
            cur.loss.x.push(s);
            cur.loss.y.push(lossSum / lossN);
            cur.trainAcc.x.push(s);
            cur.trainAcc.y.push(accSum / lossN);
            lossSum = 0;
            accSum = 0;
            lossN = 0;
          }
          report(() => ({ plots: plots() }), s === steps);
          opts.onProgress?.({ fraction: (a + s / steps) / inits.length, message: `${init} init, step ${s}/${steps}` });
          await Promise.resolve();
        }
        if (s === steps) break;
        if (pos + batch > nTrain) {
          r.shuffle(order);
          pos = 0;
        }
        const idx = order.subarray(pos, pos + batch);
        pos += batch;
        const logits = net.forward(rowsOf(X, idx));
        const yb = Int32Array.from(idx, (i) => y[i]!);
        const { value: loss, grad } = softmaxCrossEntropyLoss(logits, yb);
        accSum += accuracy(logits, yb);
        lossSum += loss;
        lossN += 1;
        net.zeroGrad();
        net.backward(grad);
        opt.step(net.parameters());
      }
    }
    const last = (k: 'identity' | 'gaussian') => ({ loss: curves[k]!.loss.y.at(-1)!, train: curves[k]!.trainAcc.y.at(-1)!, test: curves[k]!.acc.y.at(-1)! });
    const id = last('identity');
    const g = last('gaussian');
    const f = (v: number) => v.toFixed(3);
    // "Trains": the windowed training loss at least 0.2 below chance (ln 10 ≈ 2.30).
    const fits = Math.log(10) - 0.2;
    const checks = [
      check(`identity init trains the depth-${depth} network (training loss over the last ${evalEvery} steps < ln 10 − 0.2 ≈ ${f(fits)})`, id.loss < fits, f(id.loss)),
      withBn
        ? check(`with batch norm in the blocks, standard (Gaussian) init trains too (training loss < ${f(fits)})`, g.loss < fits, f(g.loss))
        : check(`without batch norm, standard (Gaussian) init trains too (training loss < ${f(fits)})`, g.loss < fits, f(g.loss), false),
      check('paper: standard init does not train or trains much more slowly (its training loss ≥ identity init’s + 0.3)', g.loss >= id.loss + 0.3, `${f(g.loss)} vs ${f(id.loss)}`, false),
    ];
    return experimentResult({
      checks,
      summary: `After ${steps} Adam steps (depth ${depth}, ${channels} channels, c = 0.1, ${withBn ? 'batch norm in the blocks' : 'no batch norm in the blocks'}): training loss identity ${f(id.loss)} vs Gaussian ${f(g.loss)}; training accuracy ${f(id.train)} vs ${f(g.train)}; held-out accuracy ${f(id.test)} vs ${f(g.test)}.`,
      plots: plots(),
      metrics: { lossIdentity: id.loss, lossGaussian: g.loss, trainAccIdentity: id.train, trainAccGaussian: g.train, testAccIdentity: id.test, testAccGaussian: g.test },
    });
  },
};
