import { type Matrix, matmul } from '@x/gpu';
import { checkAlloc, checkBoolean, checkNumber, checkRng, checkSize } from '@x/gpu/checks';
import type { KernelActivation } from './dual';
import { checkWideOptions, type WideKernelOptions, type WideKernels } from './nngp';

/** Options of {@link empiricalKernels}. */
export interface EmpiricalKernelOptions extends WideKernelOptions {
  /** Hidden width n of every hidden layer. */
  width: number;
  seed?: number;
  /**
   * Backpropagate with an independent copy of each Wᵀ (the gradient-independence assumption of
   * Tensor Programs I) instead of the forward weights. Default false (true backprop).
   */
  independentBackward?: boolean;
}

const SQRT_PI = Math.sqrt(Math.PI);

function act(a: KernelActivation, x: number): number {
  if (a === 'relu') return Math.max(x, 0);
  if (a === 'gelu') return 0.5 * x * (1 + erfRaw(x / Math.SQRT2));
  return erfRaw(x);
}

function dact(a: KernelActivation, x: number): number {
  if (a === 'relu') return x > 0 ? 1 : 0;
  if (a === 'gelu') return 0.5 * (1 + erfRaw(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  return (2 / SQRT_PI) * Math.exp(-x * x);
}

/** erf to ~1e-16 relative: Taylor series for |x| < 3, continued fraction beyond (A&S 7.1.5, 7.1.14). */
export function erf(x: number): number {
  return erfRaw(checkNumber('erf', 'x', x));
}

/** {@link erf} without the argument check (inner loops). */
export function erfRaw(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/√π Σ (-1)^k x^{2k+1} / (k! (2k+1))
    let term = ax;
    let s = ax;
    const x2 = ax * ax;
    for (let k = 1; k < 200; k++) {
      term *= -x2 / k;
      const t = term / (2 * k + 1);
      s += t;
      if (Math.abs(t) < 1e-17 * Math.abs(s)) break;
    }
    const r = (2 / SQRT_PI) * s;
    return x < 0 ? -r : r;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz-free backward evaluation)
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / SQRT_PI / (ax + f);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/**
 * The NNGP and NTK of one finite random MLP in NTK parameterisation (width n, depth L, scalar
 * readout), the finite-width counterparts of {@link wideKernels}: the NNGP is the output
 * covariance given the last hidden layer, `σ_w² φ(h^L)·φ(h^L')/n + σ_b²`, and the NTK is
 * `Σ_l (σ_w²/n_{l-1}) ⟨δ^l, δ^l'⟩⟨x^{l-1}, x^{l-1}'⟩ + σ_b² ⟨δ^l, δ^l'⟩` with δ^l = ∂f/∂h^l,
 * i.e. J Jᵀ without forming J. By Tensor Programs I both converge to the analytic kernels with
 * fluctuations O(1/√n) (spec §7c). Cost O(L n² · inputs) plus L n² Gaussian draws.
 */
export function empiricalKernels(X: Matrix, opts: EmpiricalKernelOptions): WideKernels {
  const fn = 'empiricalKernels';
  checkWideOptions(fn, X, opts, ['width', 'seed', 'independentBackward']);
  const { width: n, depth: L, activation: a, sigmaW2, sigmaB2 } = opts;
  checkSize(fn, 'width', n, 1);
  checkAlloc(fn, 'the hidden weights', n, Math.max(n, X.cols));
  checkAlloc(fn, 'the activations', L + 1, X.rows, n);
  checkBoolean(fn, 'independentBackward', opts.independentBackward ?? false);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  const m = X.rows;
  const d = X.cols;
  const sw = Math.sqrt(sigmaW2);
  const sb = Math.sqrt(sigmaB2);
  // Forward: pre-activations H[l] (m x n) for l = 1..L, post-activations P[l] = φ(H[l]), P[0] = X.
  const post: Matrix<Float64Array>[] = [{ rows: m, cols: d, data: Float64Array.from(X.data) }];
  const pre: Matrix<Float64Array>[] = [];
  const weights: Matrix<Float64Array>[] = [];
  let fanIn = d;
  for (let l = 1; l <= L; l++) {
    const W = { rows: n, cols: fanIn, data: r.fillNormal(new Float64Array(n * fanIn)) };
    const b = r.fillNormal(new Float64Array(n));
    weights.push(W);
    const h = matmul(post[l - 1]!, W, { transB: true }) as Matrix<Float64Array>;
    const scale = sw / Math.sqrt(fanIn);
    const p = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = scale * h.data[i * n + j]! + sb * b[j]!;
        h.data[i * n + j] = v;
        p[i * n + j] = act(a, v);
      }
    }
    pre.push(h);
    post.push({ rows: m, cols: n, data: p });
    fanIn = n;
  }
  const wOut = r.fillNormal(new Float64Array(fanIn));
  const K = new Float64Array(m * m);
  const Th = new Float64Array(m * m);
  const gramOf = (A: Matrix<Float64Array>): Float64Array => matmul(A, A, { transB: true }).data as Float64Array;
  const last = gramOf(post[L]!);
  for (let i = 0; i < m * m; i++) K[i] = (sigmaW2 * last[i]!) / fanIn + sigmaB2;
  // Readout layer: δ^{L+1} = 1 for every input.
  for (let i = 0; i < m * m; i++) Th[i] = K[i]!;
  // δ^L = (σ_w/√n) w_out ⊙ φ'(h^L), then δ^l = (σ_w/√n)(δ^{l+1} W^{l+1}) ⊙ φ'(h^l).
  let delta: Matrix<Float64Array> | null = null;
  for (let l = L; l >= 1; l--) {
    const h = pre[l - 1]!;
    const dl = new Float64Array(m * n);
    const s = sw / Math.sqrt(n);
    if (l === L) {
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) dl[i * n + j] = s * wOut[j]! * dact(a, h.data[i * n + j]!);
    } else {
      const Wn: Matrix<Float64Array> = opts.independentBackward
        ? { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n)) }
        : weights[l]!;
      const back = matmul(delta!, Wn) as Matrix<Float64Array>;
      for (let i = 0; i < m * n; i++) dl[i] = s * back.data[i]! * dact(a, h.data[i]!);
    }
    delta = { rows: m, cols: n, data: dl };
    const gd = gramOf(delta);
    const gx = gramOf(post[l - 1]!);
    const fin = post[l - 1]!.cols;
    for (let i = 0; i < m * m; i++) Th[i]! += gd[i]! * ((sigmaW2 * gx[i]!) / fin + sigmaB2);
  }
  return { K: { rows: m, cols: m, data: K }, Theta: { rows: m, cols: m, data: Th } };
}
