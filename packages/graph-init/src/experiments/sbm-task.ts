import { type Matrix, rng } from '@x/gpu';
import { type Csr, edgesToCsr } from '../graph/csr';
import { GcnNet } from '../graph/gcn-net';
import { stochasticBlockModel } from '../graph/generators';
import { normalizedAdjacency } from '../graph/normalize';
import { AdamW } from '@x/optim';
import { accuracy, softmaxCrossEntropy } from '../internal/losses';
import { type GcnInitScheme, gcnInitVariances } from '../virgo/virgo';

/** A node-classification task: propagation matrix, features, labels and a train mask. */
export interface NodeTask {
  adj: Csr;
  x: Matrix<Float64Array>;
  labels: Int32Array;
  train: Uint8Array;
  numClasses: number;
}

/** SBM with `blocks` communities of `size` nodes, noisy one-hot features (spec §5d). */
export function sbmTask(opts: { blocks: number; size: number; pIn: number; pOut: number; noise: number; trainFraction: number; seed: number }): NodeTask {
  const sizes = new Array<number>(opts.blocks).fill(opts.size);
  const g = stochasticBlockModel(sizes, opts.pIn, opts.pOut, { seed: opts.seed });
  const adj = normalizedAdjacency(edgesToCsr(g));
  const n = g.n;
  const d = 2 * opts.blocks;
  const r = rng(opts.seed + 1);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = opts.noise * r.normal();
    x[i * d + g.labels[i]!]! += 1;
  }
  const train = new Uint8Array(n);
  for (let i = 0; i < n; i++) train[i] = r.uniform() < opts.trainFraction ? 1 : 0;
  return { adj, x: { rows: n, cols: d, data: x }, labels: g.labels, train, numClasses: opts.blocks };
}

/**
 * Trains a depth-L ReLU GCN with full-batch Adam; returns the test accuracy curve. `onEval`, if
 * given, sees the curve so far after each evaluation (for live results; it does not change the run).
 */
export function trainGcn(
  task: NodeTask,
  scheme: GcnInitScheme,
  opts: { depth: number; hidden: number; steps: number; lr: number; seed: number; evalEvery: number },
  onEval?: (steps: readonly number[], testAcc: readonly number[]) => void,
): { testAcc: number[]; steps: number[]; finalTestAcc: number; initialLoss: number } {
  const vopts = { depth: opts.depth, hidden: opts.hidden, numClasses: task.numClasses };
  const variances = gcnInitVariances(scheme, task.adj, task.x, vopts);
  const widths = [task.x.cols];
  for (let l = 1; l < opts.depth; l++) widths.push(opts.hidden);
  widths.push(task.numClasses);
  const net = new GcnNet(task.adj, widths, { variances, seed: opts.seed });
  const adam = new AdamW({ lr: opts.lr, weightDecay: 0 });
  const test = task.train.map((t) => 1 - t);
  const testAcc: number[] = [];
  const steps: number[] = [];
  let initialLoss = Number.NaN;
  for (let s = 0; s <= opts.steps; s++) {
    const logits = net.forward(task.x);
    if (s % opts.evalEvery === 0 || s === opts.steps) {
      testAcc.push(accuracy(logits, task.labels, test));
      steps.push(s);
      onEval?.(steps, testAcc);
    }
    if (s === opts.steps) break;
    const { loss, grad } = softmaxCrossEntropy(logits, task.labels, task.train);
    if (s === 0) initialLoss = loss;
    net.zeroGrad();
    net.backward(grad);
    adam.step(net.parameters());
  }
  return { testAcc, steps, finalTestAcc: testAcc[testAcc.length - 1]!, initialLoss };
}
