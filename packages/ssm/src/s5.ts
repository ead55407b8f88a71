import { DomainError, type Matrix, type Rng } from '@x/gpu';
import { checkAlloc, checkBoolean, checkFinite, checkNonNegative, checkOneOf, checkOptions, checkRng, checkShape, describe } from '@x/gpu/checks';
import { type ComplexArray, checkComplexArray, checkDtRange, checkInt, checkRealArray, checkSplitMatrix, checkStruct } from './complex';
import { bilinearFactor } from './discretize';
import { hippoNormalEig } from './normal-eig';
import { ptdInit } from './ptd';
import { parallelScan, sequentialScan } from './scan';

/** A complex matrix stored split (row-major). */
export interface SplitMatrix {
  re: Matrix<Float64Array>;
  im: Matrix<Float64Array>;
}

/** Parameters of an S5 layer (MIMO diagonal SSM, P states, H input/output channels). */
export interface S5Params {
  /** Continuous-time eigenvalues (Pk = P/2 with conjugate symmetry, else P). */
  Lambda: ComplexArray;
  /** B̃ = V⁻¹ B, Pk x H. */
  B: SplitMatrix;
  /** C̃ = C V, H x Pk. */
  C: SplitMatrix;
  /** Feed-through, H. */
  D: Float64Array;
  /** log Δ per state, Pk. */
  logDt: Float64Array;
  /** Output 2 Re(C̃ x) (true) or Re(C̃ x) (false: all P states kept). */
  conjSym: boolean;
}

/** Options of {@link s5Init}. */
export interface S5InitOptions {
  /**
   * 'hippo-n' (default): the normal part of HiPPO-LegS, diagonalized stably (V unitary);
   * 'ptd': S5-PTD, eigen-decomposition of HiPPO-LegS + E with ||E||_2 = `eps` (PTD paper Sec. 4;
   * needs @x/linalg `eig`; all states are kept, conjSym must be false).
   */
  init?: 'hippo-n' | 'ptd';
  /** Perturbation size for 'ptd' (default 0.1). */
  eps?: number;
  /** Number of diagonal blocks J (P/J states each, HiPPO-N of size P/J per block); default 1. */
  blocks?: number;
  /** Keep one state per conjugate pair and output 2 Re (default true). */
  conjSym?: boolean;
  seed?: number | Rng;
  dtMin?: number;
  dtMax?: number;
}

/**
 * S5 initialization (S5-PTD with `init: 'ptd'`; Smith, Warrington & Linderman, "Simplified State Space Layers for Sequence
 * Modeling", ICLR 2023, Sec. 4.1 and Appendix B; lindermanlab/S5 `ssm_init.py`): Λ from HiPPO-N,
 * the normal part of HiPPO-LegS, Λ = -1/2 + i eigh(-i S) (block-diagonal with J copies of the
 * size-P/J HiPPO-N when `blocks` = J); B (P x H) and C (H x P) LeCun-normal, then B̃ = V⁻¹ B =
 * V* B and C̃ = C V (V unitary, block-diagonal); D ~ N(0, 1); Δ_p log-uniform in [dtMin, dtMax].
 * With conjSym, the states with negative imaginary part are kept (P/2 per conjugate pair).
 * @param P state size (divisible by blocks, and each block even when conjSym).
 * @param H input/output channels.
 */
export function s5Init(P: number, H: number, opts: S5InitOptions = {}): S5Params {
  const fn = 's5Init';
  checkInt(fn, 'P', P, 1);
  checkInt(fn, 'H', H, 1);
  checkStruct(fn, 'options', opts);
  const J = checkInt(fn, 'blocks', opts.blocks ?? 1, 1);
  checkOptions(fn, opts, ['init', 'eps', 'blocks', 'conjSym', 'seed', 'dtMin', 'dtMax']);
  if (opts.eps !== undefined) checkNonNegative(fn, 'eps', opts.eps);
  const kind = checkOneOf(fn, 'init', opts.init ?? 'hippo-n', ['hippo-n', 'ptd'] as const);
  const conjSym = checkBoolean(fn, 'conjSym', opts.conjSym ?? kind === 'hippo-n');
  checkAlloc(fn, 'B', P, H);
  if (kind === 'ptd' && conjSym) throw new DomainError(`${fn}: init 'ptd' keeps all P states; use conjSym: false`);
  if (P % J !== 0) throw new DomainError(`${fn}: P = ${P} is not divisible by blocks = ${J}`);
  const bs = P / J;
  if (conjSym && bs % 2 !== 0) throw new DomainError(`${fn}: block size P/J = ${bs} must be even with conjSym`);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  const [dtMin, dtMax] = checkDtRange(fn, opts.dtMin ?? 1e-3, opts.dtMax ?? 1e-1);
  // Eigenvalues, eigenvectors V and the rows of V⁻¹ used for B̃ (V* for the unitary HiPPO-N V).
  let lambda: ComplexArray;
  let V: { re: Matrix; im: Matrix };
  let Vinv: { re: Matrix; im: Matrix };
  if (kind === 'ptd') {
    const p = ptdInit(bs, { eps: opts.eps ?? 0.1, seed: r });
    lambda = p.Lambda;
    V = p.V;
    Vinv = p.Vinv;
  } else {
    const h = hippoNormalEig(bs);
    lambda = h.lambda;
    V = h.V;
    const re = new Float64Array(bs * bs);
    const im = new Float64Array(bs * bs);
    for (let i = 0; i < bs; i++) {
      for (let j = 0; j < bs; j++) {
        re[i * bs + j] = h.V.re.data[j * bs + i]!;
        im[i * bs + j] = -h.V.im.data[j * bs + i]!;
      }
    }
    Vinv = { re: { rows: bs, cols: bs, data: re }, im: { rows: bs, cols: bs, data: im } };
  }
  const keep = conjSym ? bs / 2 : bs;
  const Pk = keep * J;
  // Dense real B (P x H), C (H x P), LeCun normal: std 1/sqrt(fan_in).
  const Bd = new Float64Array(P * H);
  for (let i = 0; i < P * H; i++) Bd[i] = r.normal() / Math.sqrt(H);
  const Cre = new Float64Array(H * P);
  const Cim = new Float64Array(H * P);
  for (let i = 0; i < H * P; i++) Cre[i] = r.normal() / Math.sqrt(P);
  for (let i = 0; i < H * P; i++) Cim[i] = r.normal() / Math.sqrt(P);
  const Lambda = { re: new Float64Array(Pk), im: new Float64Array(Pk) };
  const Bt = { re: new Float64Array(Pk * H), im: new Float64Array(Pk * H) };
  const Ct = { re: new Float64Array(H * Pk), im: new Float64Array(H * Pk) };
  for (let j = 0; j < J; j++) {
    for (let q = 0; q < keep; q++) {
      const s = j * keep + q;
      Lambda.re[s] = lambda.re[q]!;
      Lambda.im[s] = lambda.im[q]!;
      // B̃[s, :] = sum_i V⁻¹[q, i] B[j bs + i, :]
      for (let i = 0; i < bs; i++) {
        const vr = Vinv.re.data[q * bs + i]!;
        const vi = Vinv.im.data[q * bs + i]!;
        const row = (j * bs + i) * H;
        for (let h = 0; h < H; h++) {
          Bt.re[s * H + h] = Bt.re[s * H + h]! + vr * Bd[row + h]!;
          Bt.im[s * H + h] = Bt.im[s * H + h]! + vi * Bd[row + h]!;
        }
      }
      // C̃[:, s] = sum_i C[:, j bs + i] V[i, q]  (C complex)
      for (let h = 0; h < H; h++) {
        let ar = 0;
        let ai = 0;
        for (let i = 0; i < bs; i++) {
          const cr = Cre[h * P + j * bs + i]!;
          const ci = Cim[h * P + j * bs + i]!;
          const vr = V.re.data[i * bs + q]!;
          const vi = V.im.data[i * bs + q]!;
          ar += cr * vr - ci * vi;
          ai += cr * vi + ci * vr;
        }
        Ct.re[h * Pk + s] = ar;
        Ct.im[h * Pk + s] = ai;
      }
    }
  }
  const D = new Float64Array(H);
  for (let h = 0; h < H; h++) D[h] = r.normal();
  const logDt = new Float64Array(Pk);
  for (let s = 0; s < Pk; s++) logDt[s] = Math.log(dtMin) + r.uniform() * (Math.log(dtMax) - Math.log(dtMin));
  return {
    Lambda,
    B: { re: { rows: Pk, cols: H, data: Bt.re }, im: { rows: Pk, cols: H, data: Bt.im } },
    C: { re: { rows: H, cols: Pk, data: Ct.re }, im: { rows: H, cols: Pk, data: Ct.im } },
    D,
    logDt,
    conjSym,
  };
}

/**
 * ZOH (or bilinear) discretization of S5 with per-state Δ (S5 paper eq. (6)):
 * Λ̄ = exp(Λ Δ), B̄ = Λ⁻¹ (Λ̄ - 1) B̃ (bilinear: Λ̄ = (1 + ΔΛ/2)/(1 - ΔΛ/2), B̄ = Δ/(1 - ΔΛ/2) B̃).
 */
export function s5Discretize(p: S5Params, disc: 'zoh' | 'bilinear' = 'zoh'): { Lbar: ComplexArray; Bbar: SplitMatrix } {
  checkS5Params('s5Discretize', p);
  checkOneOf('s5Discretize', 'disc', disc, ['zoh', 'bilinear'] as const);
  return discretize(p, disc);
}

/**
 * Throws unless `p` is a well-formed {@link S5Params}: Lambda (Pk), B̃ (Pk x H), C̃ (H x Pk),
 * D (H) and logDt (Pk) with finite entries, and a boolean conjSym.
 */
function checkS5Params(fn: string, p: S5Params): void {
  if (p === null || typeof p !== 'object') throw new DomainError(`${fn}: p must be S5Params, got ${describe(p)}`);
  checkComplexArray(fn, 'p.Lambda', p.Lambda);
  const Pk = p.Lambda.re.length;
  const B = checkSplitMatrix(fn, 'p.B', p.B, Pk);
  const H = B.re.cols;
  checkSplitMatrix(fn, 'p.C', p.C, H, Pk);
  checkRealArray(fn, 'p.D', p.D, H);
  checkRealArray(fn, 'p.logDt', p.logDt, Pk);
  checkBoolean(fn, 'p.conjSym', p.conjSym);
}

/** {@link s5Discretize} on checked parameters. */
function discretize(p: S5Params, disc: 'zoh' | 'bilinear'): { Lbar: ComplexArray; Bbar: SplitMatrix } {
  const Pk = p.Lambda.re.length;
  const H = p.B.re.cols;
  const Lbar = { re: new Float64Array(Pk), im: new Float64Array(Pk) };
  const Bre = new Float64Array(Pk * H);
  const Bim = new Float64Array(Pk * H);
  for (let s = 0; s < Pk; s++) {
    const dt = Math.exp(p.logDt[s]!);
    const lr = p.Lambda.re[s]!;
    const li = p.Lambda.im[s]!;
    let zr: number;
    let zi: number;
    let fr: number;
    let fi: number;
    if (disc === 'zoh') {
      const m = Math.exp(dt * lr);
      zr = m * Math.cos(dt * li);
      zi = m * Math.sin(dt * li);
      const den = lr * lr + li * li;
      fr = ((zr - 1) * lr + zi * li) / den;
      fi = (zi * lr - (zr - 1) * li) / den;
    } else {
      ({ zr, zi, fr, fi } = bilinearFactor(lr, li, dt));
    }
    Lbar.re[s] = zr;
    Lbar.im[s] = zi;
    for (let h = 0; h < H; h++) {
      const br = p.B.re.data[s * H + h]!;
      const bi = p.B.im.data[s * H + h]!;
      Bre[s * H + h] = fr * br - fi * bi;
      Bim[s * H + h] = fr * bi + fi * br;
    }
  }
  return { Lbar, Bbar: { re: { rows: Pk, cols: H, data: Bre }, im: { rows: Pk, cols: H, data: Bim } } };
}

/**
 * @internal The scan elements of x_t = Λ̄ x_{t-1} + B̄ u_t for a T x H input: a_t = Λ̄ and
 * b_t = B̄ u_t, each T x P (split complex). Shared by {@link s5Apply} and s5Backward's forward pass.
 */
export function s5ScanElements(Lbar: ComplexArray, Bbar: SplitMatrix, u: Matrix, T: number, H: number, Pk: number) {
  const aRe = new Float64Array(T * Pk);
  const aIm = new Float64Array(T * Pk);
  const bRe = new Float64Array(T * Pk);
  const bIm = new Float64Array(T * Pk);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < Pk; s++) {
      aRe[t * Pk + s] = Lbar.re[s]!;
      aIm[t * Pk + s] = Lbar.im[s]!;
      let sr = 0;
      let si = 0;
      for (let h = 0; h < H; h++) {
        const x = u.data[t * H + h]!;
        sr += Bbar.re.data[s * H + h]! * x;
        si += Bbar.im.data[s * H + h]! * x;
      }
      bRe[t * Pk + s] = sr;
      bIm[t * Pk + s] = si;
    }
  }
  return { T, P: Pk, aRe, aIm, bRe, bIm };
}

/**
 * Applies an S5 layer to a sequence u (T x H): x_k = Λ̄ x_{k-1} + B̄ u_k, y_k = 2 Re(C̃ x_k) + D ⊙ u_k
 * (Re instead of 2 Re without conjSym). `scan: 'parallel'` (default) runs {@link parallelScan},
 * 'sequential' the plain loop; both give the same y up to rounding. O(T P H).
 * @returns y, T x H.
 */
export function s5Apply(
  p: S5Params,
  u: Matrix,
  opts: { scan?: 'parallel' | 'sequential'; disc?: 'zoh' | 'bilinear' } = {},
): Matrix<Float64Array> {
  const fn = 's5Apply';
  checkS5Params(fn, p);
  const H = p.B.re.cols;
  checkShape(fn, 'u', u, undefined, H);
  checkFinite(fn, 'u', u);
  checkOptions(fn, opts, ['scan', 'disc']);
  const scan = checkOneOf(fn, 'scan', opts.scan ?? 'parallel', ['parallel', 'sequential'] as const);
  const T = u.rows;
  const Pk = p.Lambda.re.length;
  checkAlloc(fn, 'the scan elements', T, Pk);
  const { Lbar, Bbar } = discretize(p, checkOneOf(fn, 'disc', opts.disc ?? 'zoh', ['zoh', 'bilinear'] as const));
  const elems = s5ScanElements(Lbar, Bbar, u, T, H, Pk);
  const x = scan === 'parallel' ? parallelScan(elems) : sequentialScan(elems);
  const y = new Float64Array(T * H);
  const f = p.conjSym ? 2 : 1;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      let acc = 0;
      for (let s = 0; s < Pk; s++) {
        acc += p.C.re.data[h * Pk + s]! * x.re[t * Pk + s]! - p.C.im.data[h * Pk + s]! * x.im[t * Pk + s]!;
      }
      y[t * H + h] = f * acc + p.D[h]! * u.data[t * H + h]!;
    }
  }
  return { rows: T, cols: H, data: y };
}
