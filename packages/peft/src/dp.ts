import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkInt, checkNonNegative, checkOneOf, checkOptions, checkPositive, checkSize, checkSteps, checkUnit } from '@x/gpu/checks';
import { checkArray, checkRecord, checkWeight, optSeed } from './validate';

/**
 * Default Rényi orders for {@link rdpEpsilon}: the integers 2..64 and a few large ones. Only
 * integer orders are supported (the exact binomial formula); real orders in (1, 2) would give a
 * slightly smaller ε for very small budgets.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = [...Array.from({ length: 63 }, (_, i) => i + 2), 80, 96, 128, 192, 256, 512, 1024];

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

function checkAccountantArgs(fn: string, sigma: unknown, q: unknown, steps: unknown): void {
  checkPositive(fn, 'noise multiplier σ', sigma);
  checkUnit(fn, 'sampling rate q', q);
  checkSteps(fn, 'steps', steps);
}

/** The largest Rényi order accepted: ε(α) sums α + 1 terms, so a bound keeps every call fast. */
export const MAX_RDP_ORDER = 1_000_000;

const checkOrder = (fn: string, a: unknown): number => checkInt(fn, 'Rényi order α', a, 2, MAX_RDP_ORDER);

/**
 * Rényi-DP of one step of the Poisson-subsampled Gaussian mechanism (sampling rate q, noise
 * multiplier σ = noise std / sensitivity) at integer order α ≥ 2 (Mironov, Talwar & Zhang 2019,
 * Sec. 3.3): ε(α) = log A_α / (α − 1) with
 * A_α = Σ_{i=0..α} C(α, i) (1 − q)^{α−i} q^i exp((i² − i) / (2σ²)), summed in log space.
 * For q = 1 this is the Gaussian mechanism's α / (2σ²); for q = 0 it is 0.
 * @throws DomainError unless α is an integer in [2, {@link MAX_RDP_ORDER}].
 */
export function rdpSubsampledGaussian(sigma: number, q: number, alpha: number): number {
  checkAccountantArgs('rdpSubsampledGaussian', sigma, q, 0);
  const a = checkOrder('rdpSubsampledGaussian', alpha);
  if (q === 0) return 0;
  if (q === 1) return a / (2 * sigma * sigma);
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  for (let i = 0; i <= a; i++) {
    if (i > 0) logBinom += Math.log((a - i + 1) / i);
    logA = logAdd(logA, logBinom + i * lq + (a - i) * l1q + (i * i - i) / (2 * sigma * sigma));
  }
  return logA / (a - 1);
}

/** The result of {@link rdpEpsilon}: the best ε and the order that gave it. */
export interface RdpEpsilon {
  epsilon: number;
  /** The Rényi order at which ε was attained. */
  order: number;
}

/** Options of {@link rdpEpsilon} and {@link dpNoiseMultiplier}. */
export interface RdpAccountantOptions {
  /** Integer Rényi orders in [2, {@link MAX_RDP_ORDER}] to minimize over (default {@link DEFAULT_RDP_ORDERS}). */
  orders?: readonly number[];
  /**
   * RDP → (ε, δ) conversion: 'balle' (default; Balle et al. 2020, Thm. 21, as in Opacus):
   * ε = T·ε(α) + log((α − 1)/α) − (log δ + log α)/(α − 1); 'mironov' (Mironov 2017, Prop. 3,
   * as in TF-Privacy's older accountant): ε = T·ε(α) − log δ / (α − 1).
   */
  conversion?: 'balle' | 'mironov';
}

/**
 * (ε, δ)-DP of `steps` compositions of the subsampled Gaussian mechanism (DP-SGD, or DP-FedAvg
 * over sampled clients), by the RDP accountant: RDP adds over steps and is converted to (ε, δ)
 * at each order, keeping the smallest ε. ε is clipped below at 0.
 */
export function rdpEpsilon(sigma: number, q: number, steps: number, delta: number, opts: RdpAccountantOptions = {}): RdpEpsilon {
  checkAccountantArgs('rdpEpsilon', sigma, q, steps);
  checkUnit('rdpEpsilon', 'δ', delta, 0, 1, '()');
  checkOptions('rdpEpsilon', opts, ['orders', 'conversion']);
  const orders = opts.orders ?? DEFAULT_RDP_ORDERS;
  if (!Array.isArray(orders) || orders.length === 0) throw new DomainError('rdpEpsilon: orders must be a non-empty array of integers >= 2');
  const conv = checkOneOf('rdpEpsilon', 'conversion', opts.conversion ?? 'balle', ['balle', 'mironov'] as const);
  for (const a0 of orders) checkOrder('rdpEpsilon', a0);
  let best: RdpEpsilon = { epsilon: Infinity, order: orders[0]! };
  for (const a0 of orders) {
    const a = checkOrder('rdpEpsilon', a0);
    const rdp = steps * rdpSubsampledGaussian(sigma, q, a);
    const eps = conv === 'balle' ? rdp + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1) : rdp - Math.log(delta) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/**
 * The smallest noise multiplier σ (to relative precision 1e-6) for which `steps` subsampled
 * Gaussian steps at rate q are (ε, δ)-DP by {@link rdpEpsilon} (bisection; ε is decreasing in σ).
 */
export function dpNoiseMultiplier(epsilon: number, delta: number, q: number, steps: number, opts: RdpAccountantOptions = {}): number {
  checkPositive('dpNoiseMultiplier', 'ε', epsilon);
  checkUnit('dpNoiseMultiplier', 'δ', delta, 0, 1, '()');
  checkAccountantArgs('dpNoiseMultiplier', 1, q, steps);
  const eps = (s: number) => rdpEpsilon(s, q, steps, delta, opts).epsilon;
  let lo = 1e-3;
  let hi = 1;
  while (eps(hi) > epsilon) {
    hi *= 2;
    if (hi > 1e6) throw new DomainError(`dpNoiseMultiplier: no σ ≤ 1e6 reaches ε = ${epsilon} at δ = ${delta}, q = ${q}, ${steps} steps`);
  }
  if (eps(lo) <= epsilon) return lo;
  while ((hi - lo) / hi > 1e-6) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Options of {@link dpMean} and {@link dpFedAvg}. */
export interface DpMeanOptions {
  /** Clipping bound C on the Frobenius norm of each contribution (one example, or one client). */
  clip: number;
  /** Noise multiplier σ: Gaussian noise of std σ·C is added to the sum of clipped contributions. */
  noiseMultiplier: number;
  /**
   * The fixed denominator: the expected number of contributions (q·n for Poisson sampling at
   * rate q, as in DP-SGD and DP-FedAvg's fixed-denominator estimator; default: how many are given).
   */
  expectedCount?: number;
  seed?: number;
}

/**
 * The Gaussian mechanism of DP-SGD (Abadi et al. 2016) on matrices: each contribution g_i is
 * clipped to ‖g_i‖_F ≤ C, the clipped ones are summed, N(0, σ²C²) is added to every entry and
 * the sum is divided by the expected count. One such step on a Poisson sample at rate q is
 * accounted by {@link rdpSubsampledGaussian}(σ, q, α). `shape` gives the result's shape (it may
 * be used with no contributions, when the sample is empty).
 */
export function dpMean(shape: { rows: number; cols: number }, contributions: readonly Matrix[], opts: DpMeanOptions, fn = 'dpMean'): Matrix<Float64Array> {
  checkRecord(fn, 'shape', shape);
  checkSize(fn, 'shape.rows', shape.rows);
  checkSize(fn, 'shape.cols', shape.cols);
  checkAlloc(fn, 'the mean', shape.rows, shape.cols);
  checkArray(fn, 'contributions', contributions);
  checkOptions(fn, opts, ['clip', 'noiseMultiplier', 'expectedCount', 'seed']);
  if (opts === undefined) throw new DomainError(`${fn}: options { clip, noiseMultiplier } are required`);
  const seed = optSeed(fn, 'seed', opts.seed, 0);
  const clip = checkPositive(fn, 'clip', opts.clip);
  const sigma = checkNonNegative(fn, 'noiseMultiplier', opts.noiseMultiplier);
  const denom = opts.expectedCount ?? contributions.length;
  if (!(denom > 0) || !Number.isFinite(denom)) throw new DomainError(`${fn}: the expected count must be positive, got ${String(denom)} (no contributions given?)`);
  const n = shape.rows * shape.cols;
  const sum = new Float64Array(n);
  contributions.forEach((x, k) => {
    checkWeight(fn, `contribution ${k}`, x);
    if (x.rows !== shape.rows || x.cols !== shape.cols) throw new ShapeError(`${fn}: contribution ${k} is ${x.rows}x${x.cols}, expected ${shape.rows}x${shape.cols}`);
    // ‖x‖ = m √ss with the entries scaled by m = max|x_i| first: Σx² overflows past about 1e154
    // (which clipped a huge update to 0 instead of to norm C) and underflows below 1e-154.
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(x.data[i]!));
    let ss = 0;
    if (m > 0) for (let i = 0; i < n; i++) ss += (x.data[i]! / m) ** 2;
    const f = m > 0 ? Math.min(1, clip / Math.sqrt(ss) / m) : 1;
    for (let i = 0; i < n; i++) sum[i]! += f * x.data[i]!;
  });
  const std = sigma * clip;
  if (std > 0) {
    const g = rng(seed);
    for (let i = 0; i < n; i++) sum[i]! += std * g.normal();
  }
  for (let i = 0; i < n; i++) sum[i]! /= denom;
  return { rows: shape.rows, cols: shape.cols, data: sum };
}

/**
 * DP-FedAvg's server step on one matrix (McMahan et al. 2018, "Learning Differentially Private
 * Recurrent Language Models"), i.e. DP-SGD with the client as the privacy unit: the client
 * updates Δ_k = X_k − X go through {@link dpMean} (clip to C, sum, add N(0, σ²C²), divide by the
 * expected client count). With clients Poisson-sampled at rate q each round, the rounds are
 * accounted by {@link rdpEpsilon}(σ, q, rounds, δ). Returns X + the noisy mean update.
 */
export function dpFedAvg(prev: Matrix, clients: readonly Matrix[], opts: DpMeanOptions): Matrix<Float64Array> {
  checkWeight('dpFedAvg', 'prev', prev);
  checkArray('dpFedAvg', 'clients', clients);
  const deltas = clients.map((x, k) => {
    checkWeight('dpFedAvg', `clients[${k}]`, x);
    if (x.rows !== prev.rows || x.cols !== prev.cols) throw new ShapeError(`dpFedAvg: client ${k} is ${x.rows}x${x.cols}, expected ${prev.rows}x${prev.cols}`);
    return { rows: x.rows, cols: x.cols, data: x.data.map((v, i) => v - prev.data[i]!) };
  });
  const m = dpMean(prev, deltas, opts, 'dpFedAvg');
  for (let i = 0; i < m.data.length; i++) m.data[i]! += prev.data[i]!;
  return m;
}
