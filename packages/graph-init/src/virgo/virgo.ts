import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkOneOf, checkOptions, checkSize, checkSteps, describe } from '@x/gpu/checks';
import { type Csr, checkCsr, spmv } from '../graph/csr';

/** Options of {@link virgoVariances}. */
export interface VirgoOptions {
  /** Number of GCN layers L (>= 1); the last one is the softmax output layer. */
  depth: number;
  /** Hidden width m_hid. */
  hidden: number;
  /** Number of classes C (>= 2): the output width. */
  numClasses: number;
  /** How forward and backward variances combine (default 'harmonic', the paper's default). */
  mean?: 'harmonic' | 'arithmetic';
}

/** Per-layer Virgo quantities, index l = 0..L-1 (layer 0 reads the input features). */
export interface VirgoResult {
  /** Forward terms c_f[l]. */
  forward: Float64Array;
  /** Backward terms c_b[l]. */
  backward: Float64Array;
  /** Combined variance var_l (harmonic or arithmetic mean of c_f and c_b). */
  variance: Float64Array;
  /** Gain relative to LeCun's 1/fan_in: √(var_l·fan_in). */
  gain: Float64Array;
  /** Fan-in of each layer: m_in, then m_hid. */
  fanIn: Int32Array;
  /** S_k = ‖Â^k x̄‖², k = 1..L (index k-1). */
  S: Float64Array;
  /** T_k = ‖Â^k 1‖², k = 1..L (index k-1). */
  T: Float64Array;
}

/**
 * Virgo's layer-wise initialization variances for a ReLU GCN `H_{l+1} = σ(Â H_l W_l)`
 * (Li et al., "On the Initialization of Graph Neural Networks", ICML 2023; forward eq. from
 * the variance of Â H W through depth, backward eq. from the gradient variance; restated in
 * spec §5a from the reference utils.py gen_c2_*):
 *
 * - x̄ = row-mean of X (an N-vector), S_k = ‖Â^k x̄‖², T_k = ‖Â^k 1‖².
 * - c_f[0] = 2/m_in, c_f[l] = (2/m_hid) S_l/S_{l+1} (l = 1..L-1).
 * - c_b[l] = (2/m_hid) T_{L-1-l}/T_{L-l} (l = 0..L-2), c_b[L-1] = N/((C-1) T_1) (softmax-CE term).
 * - var_l = 2/(1/c_f + 1/c_b) (harmonic) or (c_f + c_b)/2; weights U(±√(3 var_l)).
 *
 * `adj` must be the normalized propagation matrix Â (see {@link normalizedAdjacency}).
 * Cost O(L·nnz + N·m_in).
 * @throws ShapeError if X has not N rows; DomainError for bad depth/width/classes or a
 * feature mean whose propagated norms vanish (S_k = 0: use zero-mean-free features).
 */
export function virgoVariances(adj: Csr, features: Matrix, opts: VirgoOptions): VirgoResult {
  return virgo('virgoVariances', adj, features, opts);
}

/** Throws unless `opts` are valid {@link VirgoOptions}; returns them with `mean` defaulted. */
function checkVirgoOptions(fn: string, opts: VirgoOptions): Required<VirgoOptions> {
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { depth, hidden, numClasses } are required, got ${describe(opts)}`);
  checkOptions(fn, opts, ['depth', 'hidden', 'numClasses', 'mean']);
  return {
    depth: checkSteps(fn, 'depth', opts.depth, 1),
    hidden: checkSize(fn, 'hidden', opts.hidden, 1),
    numClasses: checkSize(fn, 'numClasses', opts.numClasses, 2),
    mean: checkOneOf(fn, 'mean', opts.mean ?? 'harmonic', ['harmonic', 'arithmetic'] as const),
  };
}

/** {@link virgoVariances} with `fn` naming the caller in errors. */
function virgo(fn: string, adj: Csr, features: Matrix, options: VirgoOptions): VirgoResult {
  checkCsr(fn, 'adj', adj);
  assertMatrix(fn, 'features', features);
  const { depth: L, hidden, numClasses: C, mean } = checkVirgoOptions(fn, options);
  const N = adj.n;
  if (features.rows !== N) throw new ShapeError(`${fn}: features is ${features.rows}x${features.cols}, expected ${N} rows (one per node)`);
  const mIn = features.cols;
  const xbar = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < mIn; j++) s += features.data[i * mIn + j]!;
    xbar[i] = s / mIn;
  }
  if (!xbar.every(Number.isFinite)) checkFinite(fn, 'features', features);
  const S = new Float64Array(L);
  const T = new Float64Array(L);
  let u: Float64Array = xbar;
  let v: Float64Array = new Float64Array(N).fill(1);
  for (let k = 0; k < L; k++) {
    u = spmv(adj, u);
    v = spmv(adj, v);
    let su = 0;
    let sv = 0;
    for (let i = 0; i < N; i++) {
      su += u[i]! * u[i]!;
      sv += v[i]! * v[i]!;
    }
    S[k] = su;
    T[k] = sv;
  }
  const cf = new Float64Array(L);
  const cb = new Float64Array(L);
  const fanIn = new Int32Array(L);
  cf[0] = 2 / mIn;
  fanIn[0] = mIn;
  for (let l = 1; l < L; l++) {
    if (!(S[l]! > 0)) throw new DomainError(`${fn}: S_${l + 1} = ‖Â^${l + 1} x̄‖² is 0; the forward term is undefined`);
    cf[l] = ((2 / hidden) * S[l - 1]!) / S[l]!;
    fanIn[l] = hidden;
  }
  // T_k is stored at index k-1.
  for (let l = 0; l < L - 1; l++) cb[l] = ((2 / hidden) * T[L - 2 - l]!) / T[L - 1 - l]!;
  cb[L - 1] = N / ((C - 1) * T[0]!);
  const variance = new Float64Array(L);
  const gain = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    variance[l] = mean === 'harmonic' ? 2 / (1 / cf[l]! + 1 / cb[l]!) : (cf[l]! + cb[l]!) / 2;
    gain[l] = Math.sqrt(variance[l]! * fanIn[l]!);
  }
  return { forward: cf, backward: cb, variance, gain, fanIn, S, T };
}

/** Initialization schemes compared in the Virgo paper (spec §5c). */
export type GcnInitScheme = 'virgo' | 'virgofor' | 'virgoback' | 'kaiming' | 'xavier';

/**
 * Per-layer weight variances for a GCN with layer widths `[m_in, m_hid, ..., m_hid, C]`:
 * Virgo's combined variance, its forward-only (`virgofor` = c_f) and backward-only
 * (`virgoback` = c_b) variants, or the baselines Kaiming `2/fan_in` (He et al. 2015, eq. 10)
 * and Xavier `2/(fan_in + fan_out)` (Glorot & Bengio 2010, eq. 12).
 */
export function gcnInitVariances(scheme: GcnInitScheme, adj: Csr, features: Matrix, opts: VirgoOptions): Float64Array {
  const fn = 'gcnInitVariances';
  checkOneOf(fn, 'scheme', scheme, ['virgo', 'virgofor', 'virgoback', 'kaiming', 'xavier'] as const);
  if (scheme === 'kaiming' || scheme === 'xavier') {
    checkCsr(fn, 'adj', adj);
    assertMatrix(fn, 'features', features);
    const L = checkVirgoOptions(fn, opts).depth;
    const out = new Float64Array(L);
    for (let l = 0; l < L; l++) {
      const fin = l === 0 ? features.cols : opts.hidden;
      const fout = l === L - 1 ? opts.numClasses : opts.hidden;
      out[l] = scheme === 'kaiming' ? kaimingVariance(fin) : xavierVariance(fin, fout);
    }
    return out;
  }
  const r = virgo(fn, adj, features, opts);
  if (scheme === 'virgo') return r.variance;
  if (scheme === 'virgofor') return r.forward;
  if (scheme === 'virgoback') return r.backward;
  throw new DomainError(`gcnInitVariances: unknown scheme ${String(scheme)}`);
}

/** Kaiming/He variance for ReLU layers, `2/fan_in` (He et al. 2015, eq. 10). */
export function kaimingVariance(fanIn: number): number {
  checkSize('kaimingVariance', 'fanIn', fanIn, 1);
  return 2 / fanIn;
}

/** Xavier/Glorot variance `2/(fan_in + fan_out)` (Glorot & Bengio 2010, eq. 12). */
export function xavierVariance(fanIn: number, fanOut: number): number {
  checkSize('xavierVariance', 'fanIn', fanIn, 1);
  checkSize('xavierVariance', 'fanOut', fanOut, 1);
  return 2 / (fanIn + fanOut);
}
