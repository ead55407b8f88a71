import { DomainError, type Matrix } from '@x/gpu';
import { checkBoolean, checkOneOf, checkOptions, checkShape, checkVector } from '@x/gpu/checks';
import type { ComplexArray } from './complex';
import { type S5Params, type SplitMatrix, s5Discretize, s5ScanElements } from './s5';
import { parallelScan, sequentialScan } from './scan';

/** Gradients of a scalar loss w.r.t. every input and parameter of an S5 layer ({@link s5Backward}). */
export interface S5Grads {
  /** dL/du, T x H. */
  u: Matrix<Float64Array>;
  /** dL/d Re Λ and dL/d Im Λ, Pk each. */
  Lambda: ComplexArray;
  /** dL/d Re B̃ and dL/d Im B̃, Pk x H. */
  B: SplitMatrix;
  /** dL/d Re C̃ and dL/d Im C̃, H x Pk. */
  C: SplitMatrix;
  /** dL/dD, H. */
  D: Float64Array;
  /** dL/d log Δ, Pk. */
  logDt: Float64Array;
}

/**
 * Backward pass of {@link s5Apply}: given dL/dy (T x H) for y = s5Apply(p, u), the gradients of L
 * w.r.t. u, Λ (real and imaginary parts), B̃, C̃, D and log Δ. The forward states come from the
 * parallel scan (or the sequential loop with `scan: 'sequential'`); the adjoint recurrence
 * G_t = ∂L/∂x_t + conj(Λ̄) G_{t+1} runs as the same associative scan over the reversed sequence,
 * so the backward has the forward's O(T P H) work and O(log T) depth. Then
 * dL/dΛ̄ = Σ_t conj(x_{t-1}) G_t, dL/dB̄ = Σ_t G_t u_tᵀ, dL/du_t = Re(B̄* G_t) + D ⊙ dy_t and the
 * chain rule through the ZOH (or bilinear) discretization of {@link s5Discretize} gives Λ, B̃ and
 * log Δ. Complex gradients are stored as (∂L/∂Re, ∂L/∂Im).
 * @throws ShapeError when u is not T x H, dy not the shape of u or p's arrays disagree in size;
 * DomainError on non-finite entries, a malformed p or an unknown option.
 */
export function s5Backward(
  p: S5Params,
  u: Matrix,
  dy: Matrix,
  opts: { scan?: 'parallel' | 'sequential'; disc?: 'zoh' | 'bilinear' } = {},
): S5Grads {
  const fn = 's5Backward';
  if (p === null || typeof p !== 'object') throw new DomainError(`${fn}: p must be S5Params (s5Init), got ${p === null ? 'null' : typeof p}`);
  if (p.Lambda === null || typeof p.Lambda !== 'object') throw new DomainError(`${fn}: p.Lambda must be { re, im }`);
  const Pk = checkVector(fn, 'p.Lambda.re', p.Lambda.re).length;
  checkVector(fn, 'p.Lambda.im', p.Lambda.im, Pk);
  for (const k of ['B', 'C'] as const) {
    if (p[k] === null || typeof p[k] !== 'object') throw new DomainError(`${fn}: p.${k} must be { re, im } matrices`);
  }
  const H = checkShape(fn, 'p.B.re', p.B.re, Pk).cols;
  checkShape(fn, 'p.B.im', p.B.im, Pk, H);
  checkShape(fn, 'p.C.re', p.C.re, H, Pk);
  checkShape(fn, 'p.C.im', p.C.im, H, Pk);
  checkVector(fn, 'p.D', p.D, H);
  checkVector(fn, 'p.logDt', p.logDt, Pk);
  checkBoolean(fn, 'p.conjSym', p.conjSym);
  checkShape(fn, 'u', u, undefined, H);
  checkShape(fn, 'dy (the shape of y = u)', dy, u.rows, H);
  checkOptions(fn, opts, ['scan', 'disc']);
  const disc = checkOneOf(fn, 'disc', opts.disc ?? 'zoh', ['zoh', 'bilinear'] as const);
  checkOneOf(fn, 'scan', opts.scan ?? 'parallel', ['parallel', 'sequential'] as const);
  const scan = (opts.scan ?? 'parallel') === 'parallel' ? parallelScan : sequentialScan;
  const T = u.rows;
  const { Lbar, Bbar } = s5Discretize(p, disc);
  // Forward states x_t = Λ̄ x_{t-1} + B̄ u_t.
  const x = scan(s5ScanElements(Lbar, Bbar, u, T, H, Pk));
  const f = p.conjSym ? 2 : 1;
  const Cr = p.C.re.data;
  const Ci = p.C.im.data;
  // y_t = f Re(C̃ x_t) + D u_t: gradients of C̃, D and the direct part of dL/dx_t, f C̃* dy_t,
  // written in reversed time for the adjoint scan.
  const gCr = new Float64Array(H * Pk);
  const gCi = new Float64Array(H * Pk);
  const gD = new Float64Array(H);
  const gu = new Float64Array(T * H);
  const rAr = new Float64Array(T * Pk);
  const rAi = new Float64Array(T * Pk);
  const rBr = new Float64Array(T * Pk);
  const rBi = new Float64Array(T * Pk);
  for (let t = 0; t < T; t++) {
    const rt = (T - 1 - t) * Pk;
    for (let h = 0; h < H; h++) {
      const g = dy.data[t * H + h]!;
      gD[h] = gD[h]! + g * u.data[t * H + h]!;
      gu[t * H + h] = g * p.D[h]!;
      if (g === 0) continue;
      const fg = f * g;
      for (let s = 0; s < Pk; s++) {
        const k = t * Pk + s;
        gCr[h * Pk + s] = gCr[h * Pk + s]! + fg * x.re[k]!;
        gCi[h * Pk + s] = gCi[h * Pk + s]! - fg * x.im[k]!;
        rBr[rt + s] = rBr[rt + s]! + fg * Cr[h * Pk + s]!;
        rBi[rt + s] = rBi[rt + s]! - fg * Ci[h * Pk + s]!;
      }
    }
    for (let s = 0; s < Pk; s++) {
      rAr[rt + s] = Lbar.re[s]!;
      rAi[rt + s] = -Lbar.im[s]!;
    }
  }
  // G_t = gx_t + conj(Λ̄) G_{t+1}: the same scan on the reversed sequence.
  const G = scan({ T, P: Pk, aRe: rAr, aIm: rAi, bRe: rBr, bIm: rBi });
  const gLr = new Float64Array(Pk);
  const gLi = new Float64Array(Pk);
  const gBbr = new Float64Array(Pk * H);
  const gBbi = new Float64Array(Pk * H);
  for (let t = 0; t < T; t++) {
    const rt = (T - 1 - t) * Pk;
    for (let s = 0; s < Pk; s++) {
      const gr = G.re[rt + s]!;
      const gi = G.im[rt + s]!;
      if (t > 0) {
        // conj(x_{t-1}) G_t
        const xr = x.re[(t - 1) * Pk + s]!;
        const xi = x.im[(t - 1) * Pk + s]!;
        gLr[s] = gLr[s]! + xr * gr + xi * gi;
        gLi[s] = gLi[s]! + xr * gi - xi * gr;
      }
      for (let h = 0; h < H; h++) {
        const uv = u.data[t * H + h]!;
        gBbr[s * H + h] = gBbr[s * H + h]! + gr * uv;
        gBbi[s * H + h] = gBbi[s * H + h]! + gi * uv;
        gu[t * H + h] = gu[t * H + h]! + Bbar.re.data[s * H + h]! * gr + Bbar.im.data[s * H + h]! * gi;
      }
    }
  }
  // Through the discretization: Λ̄(Λ, Δ), B̄ = F(Λ, Δ) B̃ (holomorphic in Λ: g_Λ = conj(∂/∂Λ) g).
  const gLam = { re: new Float64Array(Pk), im: new Float64Array(Pk) };
  const gBr = new Float64Array(Pk * H);
  const gBi = new Float64Array(Pk * H);
  const gLog = new Float64Array(Pk);
  for (let s = 0; s < Pk; s++) {
    const dt = Math.exp(p.logDt[s]!);
    const lr = p.Lambda.re[s]!;
    const li = p.Lambda.im[s]!;
    const zr = Lbar.re[s]!;
    const zi = Lbar.im[s]!;
    // gF = Σ_h conj(B̃) gB̄ ; gB̃ = conj(F) gB̄
    let fr: number;
    let fi: number;
    // derivatives: dZ/dΛ (zl), dZ/dΔ (zd), dF/dΛ (fl), dF/dΔ (fd)
    let zlr: number;
    let zli: number;
    let zdr: number;
    let zdi: number;
    let flr: number;
    let fli: number;
    let fdr: number;
    let fdi: number;
    if (disc === 'zoh') {
      const den = lr * lr + li * li;
      fr = ((zr - 1) * lr + zi * li) / den;
      fi = (zi * lr - (zr - 1) * li) / den;
      zlr = dt * zr;
      zli = dt * zi;
      zdr = lr * zr - li * zi;
      zdi = lr * zi + li * zr;
      // dF/dΛ = (Δ Λ̄ - F) / Λ
      const nr = dt * zr - fr;
      const ni = dt * zi - fi;
      flr = (nr * lr + ni * li) / den;
      fli = (ni * lr - nr * li) / den;
      fdr = zr;
      fdi = zi;
    } else {
      // w = ΔΛ/2, q = 1/(1 - w): Λ̄ = (1 + w) q, F = Δ q; dΛ̄/dΛ = Δ q², dΛ̄/dΔ = Λ q²,
      // dF/dΛ = Δ² q² / 2, dF/dΔ = q².
      const dr = 1 - (dt * lr) / 2;
      const di = -(dt * li) / 2;
      const dd = dr * dr + di * di;
      const qr = dr / dd;
      const qi = -di / dd;
      const q2r = qr * qr - qi * qi;
      const q2i = 2 * qr * qi;
      fr = dt * qr;
      fi = dt * qi;
      zlr = dt * q2r;
      zli = dt * q2i;
      zdr = lr * q2r - li * q2i;
      zdi = lr * q2i + li * q2r;
      flr = ((dt * dt) / 2) * q2r;
      fli = ((dt * dt) / 2) * q2i;
      fdr = q2r;
      fdi = q2i;
    }
    let gFr = 0;
    let gFi = 0;
    for (let h = 0; h < H; h++) {
      const br = p.B.re.data[s * H + h]!;
      const bi = p.B.im.data[s * H + h]!;
      const gr = gBbr[s * H + h]!;
      const gi = gBbi[s * H + h]!;
      gFr += br * gr + bi * gi;
      gFi += br * gi - bi * gr;
      gBr[s * H + h] = fr * gr + fi * gi;
      gBi[s * H + h] = fr * gi - fi * gr;
    }
    const gZr = gLr[s]!;
    const gZi = gLi[s]!;
    // g_Λ = conj(dZ/dΛ) gZ + conj(dF/dΛ) gF
    gLam.re[s] = zlr * gZr + zli * gZi + flr * gFr + fli * gFi;
    gLam.im[s] = zlr * gZi - zli * gZr + flr * gFi - fli * gFr;
    // g_Δ = Re(conj(dZ/dΔ) gZ + conj(dF/dΔ) gF); log Δ: times Δ
    gLog[s] = dt * (zdr * gZr + zdi * gZi + fdr * gFr + fdi * gFi);
  }
  return {
    u: { rows: T, cols: H, data: gu },
    Lambda: gLam,
    B: { re: { rows: Pk, cols: H, data: gBr }, im: { rows: Pk, cols: H, data: gBi } },
    C: { re: { rows: H, cols: Pk, data: gCr }, im: { rows: H, cols: Pk, data: gCi } },
    D: gD,
    logDt: gLog,
  };
}
