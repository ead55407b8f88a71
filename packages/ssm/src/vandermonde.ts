import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkOptions } from '@x/gpu/checks';
import { type ComplexArray, checkComplexArray, checkInt, checkPositive } from './complex';
import { checkDisc, checkS4DParams, type S4DDisc, type S4DParams, s4dDiscretize, zohFactor } from './discretize';

/** Options of {@link s4dKernel} and {@link s4dKernelBank}. */
export interface S4DKernelOptions {
  /** Discretization (default 'zoh'). */
  disc?: S4DDisc;
}

/** Options of {@link s4dKernelBank}, {@link s4dKernelBankDevice} and {@link vandermondeGpuInputs}. */
export interface S4DBankOptions extends S4DKernelOptions {
  /**
   * Number of channels H the bank is meant to have. Without it H is dt's length, so a dt that
   * is short by a divisor of the mode count reads as fewer channels with more modes each; with
   * it, dt must have exactly H entries and A, B, C a multiple of H (ShapeError otherwise).
   */
  channels?: number;
}

/** Checks the options of a bank function (keys, disc, channels); returns the disc. */
export function checkBankOptions(fn: string, opts: S4DBankOptions, extra: readonly string[] = []): S4DDisc {
  checkOptions(fn, opts, ['disc', 'channels', ...extra]);
  if (opts.channels !== undefined) checkInt(fn, 'channels', opts.channels, 1);
  return checkDisc(fn, opts.disc ?? 'zoh', true);
}

/**
 * A diagonal kernel in "Vandermonde form": K_l = 2 Re sum_n c_n exp((l - s_n) g_n), l < L.
 * c: coefficients, g: log of the discrete pole, s: a per-mode shift (0, or L - 1 for the
 * stable DSS form of growing modes).
 */
export interface VandermondeForm {
  c: ComplexArray;
  g: ComplexArray;
  shift: Float64Array;
}

/** Coefficients and log-poles of the S4D kernel of one channel (see {@link s4dKernel}). */
export function s4dVandermondeForm(p: S4DParams, L: number, disc: S4DDisc): VandermondeForm {
  const n = p.A.re.length;
  const c = { re: new Float64Array(n), im: new Float64Array(n) };
  const g = { re: new Float64Array(n), im: new Float64Array(n) };
  const shift = new Float64Array(n);
  const { A, B, C, dt } = p;
  if (disc === 'dss') {
    for (let i = 0; i < n; i++) {
      const ar = A.re[i]!;
      const ai = A.im[i]!;
      // Growing modes (Re A > 0) use the algebraically equal form with -dt A and a shift of
      // L - 1, so no exp overflows (DSS paper, Sec. 3.2; state-spaces/s4 ssm.py disc='dss').
      const flip = ar > 0 ? -1 : 1;
      const zr = flip * dt * ar;
      const zi = flip * dt * ai;
      const m = Math.exp(zr);
      const er = m * Math.cos(zi);
      const ei = m * Math.sin(zi);
      // (e^z - 1) / (A (e^{Lz} - 1))
      const mL = Math.exp(L * zr);
      const dr0 = mL * Math.cos(L * zi) - 1;
      const di0 = mL * Math.sin(L * zi);
      const dr = dr0 * ar - di0 * ai;
      const di = dr0 * ai + di0 * ar;
      const den = dr * dr + di * di;
      if (!(den > 0)) throw new DomainError(`s4dKernel: DSS normalizer vanishes for mode ${i} (A = ${ar} + ${ai}i)`);
      const nr = er - 1;
      const ni = ei;
      const fr = (nr * dr + ni * di) / den;
      const fi = (ni * dr - nr * di) / den;
      const cbr = C.re[i]! * B.re[i]! - C.im[i]! * B.im[i]!;
      const cbi = C.re[i]! * B.im[i]! + C.im[i]! * B.re[i]!;
      c.re[i] = cbr * fr - cbi * fi;
      c.im[i] = cbr * fi + cbi * fr;
      g.re[i] = dt * ar;
      g.im[i] = dt * ai;
      shift[i] = flip < 0 ? L - 1 : 0;
    }
    return { c, g, shift };
  }
  if (disc === 'zoh') {
    for (let i = 0; i < n; i++) {
      const ar = A.re[i]!;
      const ai = A.im[i]!;
      const m = Math.exp(dt * ar);
      const { fr, fi } = zohFactor(ar, ai, dt, m * Math.cos(dt * ai), m * Math.sin(dt * ai));
      const cbr = C.re[i]! * B.re[i]! - C.im[i]! * B.im[i]!;
      const cbi = C.re[i]! * B.im[i]! + C.im[i]! * B.re[i]!;
      c.re[i] = cbr * fr - cbi * fi;
      c.im[i] = cbr * fi + cbi * fr;
      g.re[i] = dt * ar;
      g.im[i] = dt * ai;
    }
    return { c, g, shift };
  }
  const { dA, dB } = s4dDiscretize(p, 'bilinear');
  for (let i = 0; i < n; i++) {
    c.re[i] = C.re[i]! * dB.re[i]! - C.im[i]! * dB.im[i]!;
    c.im[i] = C.re[i]! * dB.im[i]! + C.im[i]! * dB.re[i]!;
    const r = Math.hypot(dA.re[i]!, dA.im[i]!);
    // A zero pole (dt A = -2) contributes only at l = 0: log 0 = -Infinity gives exp(...) = 0
    // for l > 0, handled in the accumulation.
    g.re[i] = Math.log(r);
    g.im[i] = Math.atan2(dA.im[i]!, dA.re[i]!);
  }
  return { c, g, shift };
}

const RESYNC = 64;

/**
 * Adds K_l = 2 Re sum_n c_n exp((l - s_n) g_n) into out[off .. off + L). O(N L): the powers are
 * advanced by one complex multiply per step and re-anchored with an exact exp every 64 steps, so
 * the rounding error stays O(64 eps) instead of growing with L.
 */
export function accumulateVandermonde(f: VandermondeForm, L: number, out: Float64Array, off = 0): void {
  const n = f.c.re.length;
  for (let i = 0; i < n; i++) {
    const cr = f.c.re[i]!;
    const ci = f.c.im[i]!;
    if (cr === 0 && ci === 0) continue;
    const gr = f.g.re[i]!;
    const gi = f.g.im[i]!;
    const s = f.shift[i]!;
    if (gr === -Infinity) {
      out[off] = out[off]! + 2 * cr;
      continue;
    }
    const zr = Math.exp(gr) * Math.cos(gi);
    const zi = Math.exp(gr) * Math.sin(gi);
    for (let l0 = 0; l0 < L; l0 += RESYNC) {
      const t = l0 - s;
      const m = Math.exp(t * gr);
      const pr = m * Math.cos(t * gi);
      const pi = m * Math.sin(t * gi);
      let wr = cr * pr - ci * pi;
      let wi = cr * pi + ci * pr;
      const l1 = Math.min(L, l0 + RESYNC);
      for (let l = l0; l < l1; l++) {
        out[off + l] = out[off + l]! + 2 * wr;
        const tr = wr * zr - wi * zi;
        wi = wr * zi + wi * zr;
        wr = tr;
      }
    }
  }
}

/**
 * The convolution kernel of a diagonal SSM (S4D paper, eq. (6)-(7), "Vandermonde kernel"),
 * K_l = 2 Re sum_n C_n dB_n dA_n^l, l = 0 .. L-1, over N/2 conjugate-pair modes:
 * - 'zoh':      K_l = 2 Re sum_n C_n B_n (exp(dt A_n) - 1) / A_n * exp(l dt A_n);
 * - 'bilinear': K_l = 2 Re sum_n C_n B_n dt / (1 - dt A_n / 2) * ((1 + dt A_n/2)/(1 - dt A_n/2))^l;
 * - 'dss':      K_l = 2 Re sum_n C_n B_n (exp(dt A_n) - 1) / (A_n (exp(L dt A_n) - 1)) exp(l dt A_n)
 *   (DSS-exp, Gupta et al. 2022, Prop. 1, with the stable form for Re A_n > 0).
 * O(N L) time, O(L) memory, float64.
 * @throws ShapeError/DomainError on malformed parameters, dt <= 0, L < 1 or an unknown disc.
 */
export function s4dKernel(params: S4DParams, L: number, opts: S4DKernelOptions = {}): Float64Array {
  const fn = 's4dKernel';
  checkS4DParams(fn, params);
  checkInt(fn, 'L', L, 1);
  checkOptions(fn, opts, ['disc']);
  const disc = checkDisc(fn, opts.disc ?? 'zoh', true);
  const out = new Float64Array(L);
  accumulateVandermonde(s4dVandermondeForm(params, L, disc), L, out, 0);
  return out;
}

/**
 * H independent S4D channels (one SSM per channel, as in an S4D layer), parameters stacked
 * channel-major: A, B, C are ComplexArrays of length H * N2 (row h holds channel h's N2 modes),
 * dt is a Float64Array(H).
 */
export interface S4DBankParams {
  A: ComplexArray;
  B: ComplexArray;
  C: ComplexArray;
  dt: Float64Array;
}

/** Validates a bank; returns [H, N2]. */
export function checkBank(fn: string, p: S4DBankParams, channels?: number): [number, number] {
  if (!p || typeof p !== 'object' || !(p.dt instanceof Float64Array)) {
    throw new ShapeError(`${fn}: params must be { A, B, C: ComplexArray (H*N2), dt: Float64Array (H) }`);
  }
  const H = p.dt.length;
  if (channels !== undefined && H !== channels) throw new ShapeError(`${fn}: dt has ${H} entries for ${channels} channels`);
  checkComplexArray(fn, 'A', p.A);
  const total = p.A.re.length;
  if (H === 0 || total % H !== 0) throw new ShapeError(`${fn}: A has ${total} modes, not a multiple of H = ${H}`);
  checkComplexArray(fn, 'B', p.B, total);
  checkComplexArray(fn, 'C', p.C, total);
  for (let h = 0; h < H; h++) checkPositive(fn, `dt[${h}]`, p.dt[h]);
  return [H, total / H];
}

/** Channel h of a bank as single-channel parameters (views, no copies). */
export function bankChannel(p: S4DBankParams, h: number, n2: number): S4DParams {
  const sl = (x: ComplexArray) => ({ re: x.re.subarray(h * n2, (h + 1) * n2), im: x.im.subarray(h * n2, (h + 1) * n2) });
  return { A: sl(p.A), B: sl(p.B), C: sl(p.C), dt: p.dt[h]! };
}

/**
 * Kernels of H channels, an H x L matrix (row h = {@link s4dKernel} of channel h). O(H N L).
 */
export function s4dKernelBank(params: S4DBankParams, L: number, opts: S4DBankOptions = {}): Matrix<Float64Array> {
  const fn = 's4dKernelBank';
  const disc = checkBankOptions(fn, opts);
  const [H, n2] = checkBank(fn, params, opts.channels);
  checkInt(fn, 'L', L, 1);
  checkAlloc(fn, 'the kernels', H, L);
  const out = new Float64Array(H * L);
  for (let h = 0; h < H; h++) {
    accumulateVandermonde(s4dVandermondeForm(bankChannel(params, h, n2), L, disc), L, out, h * L);
  }
  return { rows: H, cols: L, data: out };
}
