import { DomainError } from '@x/gpu';
import { ifft } from '@x/linalg';
import { type ComplexArray, checkComplexArray, checkInt, checkPositive, checkStruct } from './complex';
import { hippoNormalEig } from './normal-eig';

/**
 * A diagonal-plus-low-rank SSM in its eigenbasis: A = diag(Lambda) - P Q* (rank 1), with B and
 * the truncated output vector Ct = C (I - Ā^L) (S4 paper Sec. 3.3: S4 learns Ct directly).
 */
export interface DplrParams {
  Lambda: ComplexArray;
  P: ComplexArray;
  Q: ComplexArray;
  B: ComplexArray;
  Ct: ComplexArray;
  dt: number;
}

/**
 * The S4 convolution kernel of a DPLR SSM with the bilinear discretization, by S4's Algorithm 1
 * (Gu, Goel & Ré, "Efficiently Modeling Long Sequences with Structured State Spaces", ICLR 2022,
 * Sec. 3.3, Lemmas C.2-C.4): the kernel's generating function at the L-th roots of unity z,
 * K̂(z) = 2/(1+z) [k00 - k01 (1 + k11)⁻¹ k10],  k_ab = sum_n a_n b_n / (g(z) - Lambda_n),
 * g(z) = (2/dt)(1-z)/(1+z), (a, b) in {Ct, Q*} x {B, P} (Cauchy kernels; Woodbury for the rank-1
 * term), then K = Re ifft(K̂). The 2/(1+z) factor is folded into each Cauchy term,
 * 2 / ((2/dt)(1-z) - (1+z) Lambda_n), so z = -1 needs no special case. O(N L) plus an FFT
 * (@x/linalg ifft, any L). Equals C Ā^l B̄ of the dense bilinear system (tests: vs
 * `denseSsmKernel`).
 */
export function dplrKernel(p: DplrParams, L: number): Float64Array {
  const fn = 'dplrKernel';
  checkStruct(fn, 'p', p);
  checkComplexArray(fn, 'Lambda', p.Lambda);
  const N = p.Lambda.re.length;
  checkComplexArray(fn, 'P', p.P, N);
  checkComplexArray(fn, 'Q', p.Q, N);
  checkComplexArray(fn, 'B', p.B, N);
  checkComplexArray(fn, 'Ct', p.Ct, N);
  const dt = checkPositive(fn, 'dt', p.dt);
  checkInt(fn, 'L', L, 1);
  // per-mode weights of the four Cauchy sums
  const w = (ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, conjA: boolean) => {
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      const a1 = ar[n]!;
      const a2 = conjA ? -ai[n]! : ai[n]!;
      re[n] = a1 * br[n]! - a2 * bi[n]!;
      im[n] = a1 * bi[n]! + a2 * br[n]!;
    }
    return { re, im };
  };
  const w00 = w(p.Ct.re, p.Ct.im, p.B.re, p.B.im, false);
  const w01 = w(p.Ct.re, p.Ct.im, p.P.re, p.P.im, false);
  const w10 = w(p.Q.re, p.Q.im, p.B.re, p.B.im, true);
  const w11 = w(p.Q.re, p.Q.im, p.P.re, p.P.im, true);
  const Kr = new Float64Array(L);
  const Ki = new Float64Array(L);
  for (let k = 0; k < L; k++) {
    const th = (-2 * Math.PI * k) / L;
    const zr = Math.cos(th);
    const zi = Math.sin(th);
    // m_ab = sum w_ab,n c_n with c_n = 2 / ((2/dt)(1 - z) - (1 + z) Lambda_n)
    let m00r = 0;
    let m00i = 0;
    let m01r = 0;
    let m01i = 0;
    let m10r = 0;
    let m10i = 0;
    let m11r = 0;
    let m11i = 0;
    for (let n = 0; n < N; n++) {
      const lr = p.Lambda.re[n]!;
      const li = p.Lambda.im[n]!;
      const dr = (2 / dt) * (1 - zr) - ((1 + zr) * lr - zi * li);
      const di = (2 / dt) * -zi - ((1 + zr) * li + zi * lr);
      const den = dr * dr + di * di;
      if (!(den > 0)) throw new DomainError(`${fn}: pole of mode ${n} lies on the unit circle sample z_${k}`);
      const cr = (2 * dr) / den;
      const ci = (-2 * di) / den;
      m00r += w00.re[n]! * cr - w00.im[n]! * ci;
      m00i += w00.re[n]! * ci + w00.im[n]! * cr;
      m01r += w01.re[n]! * cr - w01.im[n]! * ci;
      m01i += w01.re[n]! * ci + w01.im[n]! * cr;
      m10r += w10.re[n]! * cr - w10.im[n]! * ci;
      m10i += w10.re[n]! * ci + w10.im[n]! * cr;
      m11r += w11.re[n]! * cr - w11.im[n]! * ci;
      m11i += w11.re[n]! * ci + w11.im[n]! * cr;
    }
    // K̂ = m00 - m01 h m10 / (1 + h m11), h = (1 + z)/2
    const hr = (1 + zr) / 2;
    const hi = zi / 2;
    const tr = 1 + (hr * m11r - hi * m11i);
    const ti = hr * m11i + hi * m11r;
    const tden = tr * tr + ti * ti;
    // h m10 / t
    const ur0 = hr * m10r - hi * m10i;
    const ui0 = hr * m10i + hi * m10r;
    const ur = (ur0 * tr + ui0 * ti) / tden;
    const ui = (ui0 * tr - ur0 * ti) / tden;
    Kr[k] = m00r - (m01r * ur - m01i * ui);
    Ki[k] = m00i - (m01r * ui + m01i * ur);
  }
  return ifft({ re: Kr, im: Ki }).re;
}

/**
 * HiPPO-LegS in DPLR form in the eigenbasis of its normal part (S4 paper Thm. 1, Sec. 3.2):
 * A = V (Lambda - P̃ P̃*) V* with Lambda = -1/2 + i eig(-iS), P̃ = V* P, B̃ = V* B, all N modes.
 * Pair with Ct = (C (I - Ā^L)) V for {@link dplrKernel}.
 */
export function hippoDplr(N: number): { Lambda: ComplexArray; P: ComplexArray; B: ComplexArray; V: ReturnType<typeof hippoNormalEig>['V'] } {
  const { lambda, V, P, B } = hippoNormalEig(N);
  const Pt = { re: new Float64Array(N), im: new Float64Array(N) };
  const Bt = { re: new Float64Array(N), im: new Float64Array(N) };
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < N; i++) {
      const vr = V.re.data[i * N + j]!;
      const vi = -V.im.data[i * N + j]!;
      Pt.re[j] = Pt.re[j]! + vr * P[i]!;
      Pt.im[j] = Pt.im[j]! + vi * P[i]!;
      Bt.re[j] = Bt.re[j]! + vr * B[i]!;
      Bt.im[j] = Bt.im[j]! + vi * B[i]!;
    }
  }
  return { Lambda: lambda, P: Pt, B: Bt, V };
}
