import { DomainError, type Matrix, rng } from '@x/gpu';
import { checkAlloc, checkMatrix, checkOptions, checkSeed, checkSize, checkVector, describe } from '@x/gpu/checks';
import { type Csr, checkCsr } from '../graph/csr';
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
  const fn = 'measureGcnVariances';
  checkCsr(fn, 'adj', adj);
  checkMatrix(fn, 'x', x);
  if (!Array.isArray(variances) && !ArrayBuffer.isView(variances)) throw new DomainError(`${fn}: variances must be an array, got ${describe(variances)}`);
  const L = variances.length;
  checkVector(fn, 'variances', variances, L);
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { hidden, numClasses } are required, got ${describe(opts)}`);
  checkOptions(fn, opts, ['hidden', 'numClasses', 'seed']);
  const hidden = checkSize(fn, 'hidden', opts.hidden, 1);
  const numClasses = checkSize(fn, 'numClasses', opts.numClasses, 1);
  checkAlloc(fn, 'the activations', x.rows, Math.max(hidden, numClasses));
  const widths = [x.cols];
  for (let l = 1; l < L; l++) widths.push(hidden);
  widths.push(numClasses);
  const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
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
