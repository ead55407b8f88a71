import { type Matrix, rng } from '@x/gpu';
import type { Csr } from '../graph/csr';
import { GcnNet } from '../graph/gcn-net';
import { softmaxCrossEntropy } from '../internal/losses';

/** Measured signal statistics of a randomly initialized ReLU GCN. */
export interface GcnVarianceProfile {
  /** Variance of the pre-activations Â H_l W_l of each layer (mean-removed). */
  forward: Float64Array;
  /** Variance of the backpropagated signal dL/dZ_l of each layer (softmax CE, random labels). */
  backward: Float64Array;
  /** Variance of the weight gradient dL/dW_l of each layer. */
  weightGrad: Float64Array;
}

function variance(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return s / x.length;
}

/**
 * Forward pre-activation and backward weight-gradient variances across depth of a GCN with
 * widths `[X.cols, hidden×(L-1), C]` and the given per-layer weight variances: the measurement
 * behind Virgo's claim that its variances keep signals steadier than Xavier/Kaiming
 * (Li et al. ICML 2023, §4; spec §5c). Labels are drawn uniformly from `C` classes by `seed`.
 */
export function measureGcnVariances(
  adj: Csr,
  x: Matrix,
  variances: ArrayLike<number>,
  opts: { hidden: number; numClasses: number; seed?: number },
): GcnVarianceProfile {
  const L = variances.length;
  const widths = [x.cols];
  for (let l = 1; l < L; l++) widths.push(opts.hidden);
  widths.push(opts.numClasses);
  const seed = opts.seed ?? 0;
  const net = new GcnNet(adj, widths, { variances, seed });
  const logits = net.forward(x);
  const r = rng(seed + 7919);
  const labels = new Int32Array(adj.n);
  for (let i = 0; i < adj.n; i++) labels[i] = r.int(opts.numClasses);
  const { grad } = softmaxCrossEntropy(logits, labels);
  net.backward(grad);
  const forward = new Float64Array(L);
  const backward = new Float64Array(L);
  const weightGrad = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    forward[l] = variance(net.preActivations[l]!.data);
    backward[l] = variance(net.preActivationGrads[l]!.data);
    weightGrad[l] = variance(net.layers[l]!.parameters()[0]!.grad);
  }
  return { forward, backward, weightGrad };
}
