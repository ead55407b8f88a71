import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkNumber, checkSize, checkVector, describe } from '@x/gpu/checks';

/**
 * Spectral-mixture kernel parameters in the GP-HM code's form, flattened as
 * θ = [log w_1..log w_Q, log ℓ_1..log ℓ_Q, μ_1..μ_Q] (length 3Q).
 */
export interface SmKernel {
  /** Number of mixture components Q. */
  readonly q: number;
  /** θ, length 3Q. */
  readonly theta: Float64Array;
}

/**
 * The per-component envelope of the spectral mixture: 'gaussian' e^{−ℓ d²} (Wilson & Adams; GP-HM)
 * or 'matern52' (1 + √5 r|d| + 5/3 r² d²) e^{−√5 r|d|} with r = e^{log ℓ}, whose spectral density
 * is a Student-t (GP-HM's "GP-HM-StM" variant).
 */
export type SmBase = 'gaussian' | 'matern52';

/** Throws a DomainError unless `base` names an envelope. */
export function checkSmBase(fn: string, base: unknown): SmBase {
  if (base !== 'gaussian' && base !== 'matern52') throw new DomainError(`${fn}: base must be 'gaussian' or 'matern52', got ${describe(base)}`);
  return base;
}

const SQRT5 = Math.sqrt(5);

/** Envelope value at lag d for scale parameter e^{log ℓ} = s. */
function envelope(base: SmBase, s: number, d: number): number {
  if (base === 'gaussian') return Math.exp(-s * d * d);
  const u = SQRT5 * s * Math.abs(d);
  return (1 + u + (u * u) / 3) * Math.exp(-u);
}

/** ∂ envelope / ∂ log ℓ at lag d (s = e^{log ℓ}). */
function envelopeDlog(base: SmBase, s: number, d: number): number {
  if (base === 'gaussian') return -s * d * d * Math.exp(-s * d * d);
  // m(u) = (1 + u + u²/3) e^{−u}, m'(u) = −(u/3)(1 + u) e^{−u}, ∂u/∂log ℓ = u.
  const u = SQRT5 * s * Math.abs(d);
  return -((u * u) / 3) * (1 + u) * Math.exp(-u);
}

/** Throws unless `theta` is a finite vector of length 3Q, Q >= 1; returns Q. */
export function checkTheta(fn: string, theta: ArrayLike<number>): number {
  checkVector(fn, 'theta', theta);
  if (theta.length === 0 || theta.length % 3 !== 0) throw new ShapeError(`${fn}: theta has length ${theta.length}, expected 3Q (log w, log l, mu)`);
  for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i]!)) throw new DomainError(`${fn}: theta[${i}] is ${theta[i]}`);
  return theta.length / 3;
}

/**
 * Initial SM parameters as GP-HM initialises them: w = 1/Q, log ℓ = 0, μ = linspace(0, 1, Q) ·
 * freqScale (Fang et al., "Solving High Frequency and Multi-Scale PDEs with Gaussian Processes",
 * ICLR 2024, code defaults Q = 30, freq_scale = 20). O(Q).
 */
export function smInit(q: number, freqScale: number): SmKernel {
  checkSize('smInit', 'q', q, 1);
  checkAlloc('smInit', 'theta', 3, q);
  checkNumber('smInit', 'freqScale', freqScale);
  const theta = new Float64Array(3 * q);
  for (let i = 0; i < q; i++) {
    theta[i] = Math.log(1 / q);
    theta[q + i] = 0;
    theta[2 * q + i] = q === 1 ? 0 : (freqScale * i) / (q - 1);
  }
  return { q, theta };
}

/**
 * Spectral-mixture kernel at a lag d (GP-HM code form of Wilson & Adams 2013, eq. 12, one
 * dimension): k(d) = Σ_q w_q exp(−ℓ_q d²) cos(2π μ_q d), with ℓ_q = 2π² σ_q² in Wilson-Adams
 * terms; with base 'matern52' the envelope is Matérn-5/2 with inverse length r_q = e^{log ℓ_q}
 * (GP-HM-StM). k(0) = Σ w_q. O(Q).
 */
export function smKernelValue(d: number, theta: ArrayLike<number>, base: SmBase = 'gaussian'): number {
  checkNumber('smKernelValue', 'd', d);
  checkTheta('smKernelValue', theta);
  return kernelValue(d, theta, checkSmBase('smKernelValue', base));
}

/** {@link smKernelValue} on checked arguments. */
function kernelValue(d: number, theta: ArrayLike<number>, base: SmBase): number {
  const q = theta.length / 3;
  let k = 0;
  if (base === 'gaussian') {
    for (let i = 0; i < q; i++) {
      k += Math.exp(theta[i]! - Math.exp(theta[q + i]!) * d * d) * Math.cos(2 * Math.PI * theta[2 * q + i]! * d);
    }
    return k;
  }
  for (let i = 0; i < q; i++) {
    k += Math.exp(theta[i]!) * envelope(base, Math.exp(theta[q + i]!), d) * Math.cos(2 * Math.PI * theta[2 * q + i]! * d);
  }
  return k;
}

/**
 * The SM kernel matrix K_ij = k(x1_i − x2_j) for 1-D inputs (Fang et al. 2024, GP-HM; Wilson &
 * Adams 2013). Returns an n1 x n2 float64 matrix. O(n1 n2 Q).
 */
export function smKernelMatrix(x1: ArrayLike<number>, x2: ArrayLike<number>, theta: ArrayLike<number>, base: SmBase = 'gaussian'): Matrix<Float64Array> {
  checkTheta('smKernelMatrix', theta);
  checkSmBase('smKernelMatrix', base);
  checkVector('smKernelMatrix', 'x1', x1);
  checkVector('smKernelMatrix', 'x2', x2);
  const n1 = x1.length;
  const n2 = x2.length;
  checkAlloc('smKernelMatrix', 'the kernel matrix', n1, n2);
  const out = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) out[i * n2 + j] = kernelValue(x1[i]! - x2[j]!, theta, base);
  return { rows: n1, cols: n2, data: out };
}

/**
 * Accumulates g_j += Σ_{ab} M_ab ∂K_ab/∂θ_j for K = k(x, x) (M symmetric, n x n) with
 * ∂k/∂log w_q = w_q e_q c_q, ∂k/∂log ℓ_q = w_q (∂e_q/∂log ℓ_q) c_q, ∂k/∂μ_q = −2π d w_q e_q s_q
 * (e the envelope: exp(−ℓ d²), or Matérn-5/2 for base 'matern52'; c, s = cos, sin(2π μ d)).
 * O(n² Q), using the symmetry of M and K.
 */
export function smKernelGradContract(x: ArrayLike<number>, theta: ArrayLike<number>, M: Float64Array, g: Float64Array, base: SmBase = 'gaussian'): void {
  const fn = 'smKernelGradContract';
  const q = checkTheta(fn, theta);
  checkSmBase(fn, base);
  checkVector(fn, 'x', x);
  const n = x.length;
  checkAlloc(fn, 'M', n, n);
  checkVector(fn, 'M', M, n * n);
  if (!(g instanceof Float64Array)) throw new ShapeError(`${fn}: g must be a Float64Array (it is accumulated into), got ${describe(g)}`);
  if (g.length !== 3 * q) throw new ShapeError(`${fn}: g has length ${g.length}, expected theta's ${3 * q}`);
  const w = new Float64Array(q);
  const l = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    w[i] = Math.exp(theta[i]!);
    l[i] = Math.exp(theta[q + i]!);
  }
  for (let a = 0; a < n; a++) {
    // Diagonal (d = 0): only the log w terms are non-zero.
    const mdiag = M[a * n + a]!;
    for (let i = 0; i < q; i++) g[i]! += mdiag * w[i]!;
    for (let b = 0; b < a; b++) {
      const m = 2 * M[a * n + b]!;
      if (m === 0) continue;
      const d = x[a]! - x[b]!;
      const d2 = d * d;
      if (base !== 'gaussian') {
        for (let i = 0; i < q; i++) {
          const ph = 2 * Math.PI * theta[2 * q + i]! * d;
          const we = w[i]! * envelope(base, l[i]!, d);
          const c = Math.cos(ph);
          g[i]! += m * we * c;
          g[q + i]! += m * w[i]! * envelopeDlog(base, l[i]!, d) * c;
          g[2 * q + i]! -= m * 2 * Math.PI * d * we * Math.sin(ph);
        }
        continue;
      }
      for (let i = 0; i < q; i++) {
        const ph = 2 * Math.PI * theta[2 * q + i]! * d;
        const we = w[i]! * Math.exp(-l[i]! * d2);
        const wec = we * Math.cos(ph);
        g[i]! += m * wec;
        g[q + i]! -= m * l[i]! * d2 * wec;
        g[2 * q + i]! -= m * 2 * Math.PI * d * we * Math.sin(ph);
      }
    }
  }
}
