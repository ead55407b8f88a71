import { DomainError, ShapeError } from '@x/gpu';
import { MAX_BUTTERFLY_N, MAX_DENSE_N, MAX_LENGTH, requireOptions, requirePow2 } from './checks';
import { type ComplexArray, type ComplexMatrix, checkComplex, checkMatrix, isComplexArray } from './complex';

/**
 * A butterfly matrix B = B_{L-1} ... B_1 B_0 P of size n = 2^L (Dao, Gu, Eichhorn, Rudra & Re,
 * "Learning Fast Algorithms for Linear Transforms Using Butterfly Factorizations", ICML 2019,
 * Sec. 3.2, increasing-stride form). P is a fixed input permutation, (P x)_i = x_{perm[i]}
 * (bit reversal for the "B" model of the paper). Factor B_l has stride s = 2^l: inside every
 * block of 2s entries it mixes the pair (i, i + s) with its own complex 2x2 matrix
 * [[a, b], [c, d]]: y_i = a x_i + b x_{i+s}, y_{i+s} = c x_i + d x_{i+s}. Pair p of stage l is
 * (i0, i0 + s) with i0 = floor(p / s) 2s + p mod s. The twiddles of pair p at stage l are
 * entries 4 (l n/2 + p) + {0: a, 1: b, 2: c, 3: d} of `twiddle`: 2 n log2 n complex parameters.
 */
export interface Butterfly {
  /** Size, a power of two >= 1. */
  n: number;
  /** Input permutation of length n: (P x)_i = x_{perm[i]}. */
  perm: Int32Array;
  /** The 2x2 blocks, length 4 (n/2) log2(n); see the type's description for the layout. */
  twiddle: ComplexArray;
}

/**
 * log2(n) for a power of two n in [1, max] (default 2^18, the largest butterfly), else a
 * DomainError naming `fn`. Checked before anything is allocated or looped over.
 */
export function log2Exact(fn: string, n: number, max = MAX_BUTTERFLY_N): number {
  return requirePow2(fn, 'n', n, max);
}

/**
 * The bit-reversal permutation of {0..n-1}, n = 2^L (its own inverse).
 * @throws DomainError unless n is a power of two in [1, 2^26].
 */
export function bitReversal(n: number): Int32Array {
  const L = log2Exact('bitReversal', n, MAX_LENGTH);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < L; b++) if (i & (1 << b)) r |= 1 << (L - 1 - b);
    p[i] = r;
  }
  return p;
}

/** @internal Validates a Butterfly and returns log2 n. */
export function checkButterfly(fn: string, b: Butterfly): number {
  if (b === null || typeof b !== 'object') throw new ShapeError(`${fn}: expected a Butterfly { n, perm, twiddle }`);
  const L = log2Exact(fn, b.n);
  if (!(b.perm instanceof Int32Array) || b.perm.length !== b.n) {
    throw new ShapeError(`${fn}: perm must be an Int32Array of length n = ${b.n}`);
  }
  const seen = new Uint8Array(b.n);
  for (let i = 0; i < b.n; i++) {
    const p = b.perm[i]!;
    if (p < 0 || p >= b.n || seen[p]) throw new DomainError(`${fn}: perm is not a permutation of 0..${b.n - 1} (entry ${i} is ${p})`);
    seen[p] = 1;
  }
  const len = 4 * (b.n / 2) * L;
  if (!isComplexArray(b.twiddle) || b.twiddle.re.length !== len) {
    throw new ShapeError(`${fn}: twiddle must be a ComplexArray of length 4 (n/2) log2 n = ${len} for n = ${b.n}`);
  }
  return L;
}

/**
 * Fast butterfly multiply y = B x in O(n log n): the permutation, then log2 n sparse factors.
 * @param x complex or real vector of length n; not mutated.
 * @returns a new ComplexArray of length n.
 */
export function butterflyMultiply(b: Butterfly, x: ComplexArray | ArrayLike<number>): ComplexArray {
  const L = checkButterfly('butterflyMultiply', b);
  const n = b.n;
  let xr: ArrayLike<number>;
  let xi: ArrayLike<number> | null;
  if (isComplexArray(x)) {
    checkComplex('butterflyMultiply', 'x', x);
    xr = x.re;
    xi = x.im;
  } else {
    if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
      throw new ShapeError('butterflyMultiply: x must be a ComplexArray, a Float64Array or an array of numbers');
    }
    xr = x as ArrayLike<number>;
    xi = null;
  }
  if (xr.length !== n) throw new ShapeError(`butterflyMultiply: x has length ${xr.length}, expected n = ${n}`);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  const perm = b.perm;
  for (let i = 0; i < n; i++) {
    const v = xr[perm[i]!]!;
    if (!Number.isFinite(v)) throw new DomainError(`butterflyMultiply: x[${perm[i]}] is ${v}; inputs must be finite`);
    yr[i] = v;
    yi[i] = xi ? xi[perm[i]!]! : 0; // complex x was checked by checkComplex
  }
  applyStages(b.twiddle, n, L, yr, yi);
  return { re: yr, im: yi };
}

/** In place: (yr, yi) <- B_{L-1} ... B_0 (yr, yi). */
function applyStages(tw: ComplexArray, n: number, L: number, yr: Float64Array, yi: Float64Array): void {
  const half = n / 2;
  const tr = tw.re;
  const ti = tw.im;
  for (let l = 0; l < L; l++) {
    const s = 1 << l;
    // Pair p = b s + j of block b sits at i0 = 2 b s + j, so its twiddles start at 4 (l n/2 + p).
    for (let b0 = 0; b0 < n; b0 += 2 * s) {
      let t = 4 * (l * half + b0 / 2);
      for (let i0 = b0; i0 < b0 + s; i0++, t += 4) {
        const i1 = i0 + s;
        const x0r = yr[i0]!;
        const x0i = yi[i0]!;
        const x1r = yr[i1]!;
        const x1i = yi[i1]!;
        const ar = tr[t]!;
        const ai = ti[t]!;
        const br = tr[t + 1]!;
        const bi = ti[t + 1]!;
        const cr = tr[t + 2]!;
        const ci = ti[t + 2]!;
        const dr = tr[t + 3]!;
        const di = ti[t + 3]!;
        yr[i0] = ar * x0r - ai * x0i + br * x1r - bi * x1i;
        yi[i0] = ar * x0i + ai * x0r + br * x1i + bi * x1r;
        yr[i1] = cr * x0r - ci * x0i + dr * x1r - di * x1i;
        yi[i1] = cr * x0i + ci * x0r + dr * x1i + di * x1r;
      }
    }
  }
}

/**
 * The dense n x n matrix of a butterfly (B applied to the identity's columns). O(n^2 log n).
 */
export function butterflyToMatrix(b: Butterfly): ComplexMatrix {
  const L = checkButterfly('butterflyToMatrix', b);
  const n = b.n;
  log2Exact('butterflyToMatrix', n, MAX_DENSE_N);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cr.fill(0);
    ci.fill(0);
    // (P e_j)_i = 1 where perm[i] = j.
    for (let i = 0; i < n; i++) if (b.perm[i] === j) cr[i] = 1;
    applyStages(b.twiddle, n, L, cr, ci);
    for (let i = 0; i < n; i++) {
      re[i * n + j] = cr[i]!;
      im[i * n + j] = ci[i]!;
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: im } };
}

function emptyButterfly(n: number, L: number, perm: Int32Array): Butterfly {
  const len = 4 * (n / 2) * L;
  return { n, perm, twiddle: { re: new Float64Array(len), im: new Float64Array(len) } };
}

/** Options of {@link butterflyDft}. */
export interface ButterflyDftOptions {
  /** `'ortho'` (default): the unitary DFT, each 2x2 block divided by sqrt 2; `'backward'`: unnormalized. */
  norm?: 'ortho' | 'backward';
  /** The inverse DFT (twiddle exp(+2 pi i j / m)) instead; with `'backward'` it lacks numpy's 1/n. */
  inverse?: boolean;
}

/**
 * The DFT matrix F_jk = exp(-2 pi i jk / n) as an exact butterfly product: the radix-2
 * decimation-in-time FFT (Cooley-Tukey 1965). P is bit reversal; at stage l (block size m = 2^(l+1))
 * pair j < m/2 of each block gets [[1, w^j], [1, -w^j]], w = exp(-2 pi i / m) (Dao et al. 2019,
 * Sec. 3.1, Prop. 1). `'ortho'` divides each block by sqrt 2 so B is unitary (scipy.linalg.dft(n,
 * 'sqrtn')). O(n log n) to build.
 */
export function butterflyDft(n: number, opts: ButterflyDftOptions = {}): Butterfly {
  requireOptions('butterflyDft', opts, ['norm', 'inverse']);
  const L = log2Exact('butterflyDft', n);
  const norm = opts.norm ?? 'ortho';
  if (norm !== 'ortho' && norm !== 'backward') throw new DomainError(`butterflyDft: norm must be 'ortho' or 'backward', got ${String(norm)}`);
  const g = norm === 'ortho' ? Math.SQRT1_2 : 1;
  const sign = opts.inverse ? 1 : -1;
  const b = emptyButterfly(n, L, n === 1 ? new Int32Array([0]) : bitReversal(n));
  const { re, im } = b.twiddle;
  const half = n / 2;
  for (let l = 0; l < L; l++) {
    const s = 1 << l;
    const m = 2 * s;
    for (let p = 0; p < half; p++) {
      const j = p % s;
      const ang = (sign * 2 * Math.PI * j) / m;
      const wr = Math.cos(ang);
      const wi = Math.sin(ang);
      const t = 4 * (l * half + p);
      re[t] = g;
      re[t + 1] = g * wr;
      im[t + 1] = g * wi;
      re[t + 2] = g;
      re[t + 3] = -g * wr;
      im[t + 3] = -g * wi;
    }
  }
  return b;
}

/**
 * The Sylvester-Hadamard matrix H_n = H_2^{(x) log2 n}, H_2 = [[1, 1], [1, -1]], as a butterfly
 * with identity permutation and every block H_2 / sqrt 2 (orthonormal; `normalized: false` gives
 * the +-1 matrix, scipy.linalg.hadamard(n)). The fast multiply is the fast Walsh-Hadamard
 * transform. (Dao et al. 2019, Sec. 3.1.)
 */
export function butterflyHadamard(n: number, opts: { normalized?: boolean } = {}): Butterfly {
  requireOptions('butterflyHadamard', opts, ['normalized']);
  const L = log2Exact('butterflyHadamard', n);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const b = emptyButterfly(n, L, perm);
  const g = opts.normalized === false ? 1 : Math.SQRT1_2;
  const re = b.twiddle.re;
  for (let t = 0; t < re.length; t += 4) {
    re[t] = g;
    re[t + 1] = g;
    re[t + 2] = g;
    re[t + 3] = -g;
  }
  return b;
}

/**
 * The orthonormal DCT-II (scipy.fft.dct(x, norm='ortho'), {@link dctMatrix}) as
 * C = Re(diag(d) B): B is the unnormalized DFT butterfly whose permutation first applies
 * Makhoul's reordering v = [x_0, x_2, ..., x_3, x_1] and then bit reversal, and
 * d_k = 2 s_k exp(-i pi k / (2n)) with s_0 = sqrt(1/(4n)), s_k = sqrt(1/(2n)) (Makhoul 1980;
 * Dao et al. 2019, Sec. 3.1: "DCT = real part of a BP product with a diagonal"). For real x,
 * dct(x) = Re(d .* (B x)).
 */
export function butterflyDct(n: number): { butterfly: Butterfly; diag: ComplexArray } {
  log2Exact('butterflyDct', n);
  const f = butterflyDft(n, { norm: 'backward' });
  const q = new Int32Array(n);
  for (let j = 0; 2 * j < n; j++) q[j] = 2 * j;
  for (let j = 0; 2 * j + 1 < n; j++) q[n - 1 - j] = 2 * j + 1;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = q[f.perm[i]!]!;
  const diag = { re: new Float64Array(n), im: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const s = k === 0 ? Math.sqrt(1 / (4 * n)) : Math.sqrt(1 / (2 * n));
    const ang = (-Math.PI * k) / (2 * n);
    diag.re[k] = 2 * s * Math.cos(ang);
    diag.im[k] = 2 * s * Math.sin(ang);
  }
  return { butterfly: { n, perm, twiddle: f.twiddle }, diag };
}

/** Target matrix and options of {@link butterflyLossGradient}. */
export interface ButterflyLoss {
  /** Mean squared error (1/n^2) sum_ij |B_ij - T_ij|^2. */
  loss: number;
  /**
   * dLoss/dRe(twiddle) + i dLoss/dIm(twiddle), same layout as `twiddle` (the gradient with
   * respect to the real and imaginary parts, packed as one complex number).
   */
  grad: ComplexArray;
}

/** @internal Scratch for repeated loss/gradient evaluations at one size. */
export interface ButterflyWorkspace {
  n: number;
  /** Stage inputs X_0 .. X_L (X_0 = P), each n x n, split re/im. */
  xr: Float64Array[];
  xi: Float64Array[];
  gr: Float64Array;
  gi: Float64Array;
}

/** @internal */
export function butterflyWorkspace(n: number, L: number): ButterflyWorkspace {
  const xr: Float64Array[] = [];
  const xi: Float64Array[] = [];
  for (let l = 0; l <= L; l++) {
    xr.push(new Float64Array(n * n));
    xi.push(new Float64Array(n * n));
  }
  return { n, xr, xi, gr: new Float64Array(n * n), gi: new Float64Array(n * n) };
}

/**
 * Loss MSE(B, T) = (1/n^2) ||B - T||_F^2 of a butterfly against a target matrix, and its exact
 * gradient with respect to every twiddle by reverse-mode differentiation through the factors
 * (the objective of Dao et al. 2019, Sec. 4.1: MSE(model(I), target)). For y = a x the
 * gradient is g_a = sum g_y conj(x) and g_x = conj(a) g_y, with g = d/dRe + i d/dIm.
 * O(n^2 log n) time, O(n^2 log n) memory (all stage outputs are kept for the backward pass).
 */
export function butterflyLossGradient(b: Butterfly, target: ComplexMatrix): ButterflyLoss {
  const L = checkButterfly('butterflyLossGradient', b);
  const n = b.n;
  if (typeof target !== 'object' || target === null) throw new ShapeError('butterflyLossGradient: target must be a ComplexMatrix { re, im }');
  checkMatrix('butterflyLossGradient', 'target.re', target.re);
  checkMatrix('butterflyLossGradient', 'target.im', target.im);
  if (target.re.rows !== n || target.re.cols !== n || target.im.rows !== n || target.im.cols !== n) {
    throw new ShapeError(`butterflyLossGradient: target must be ${n}x${n} (re and im), got ${target.re.rows}x${target.re.cols}`);
  }
  const w = butterflyWorkspace(n, L);
  const grad = { re: new Float64Array(b.twiddle.re.length), im: new Float64Array(b.twiddle.re.length) };
  const loss = lossGradInto(b, target.re.data, target.im.data, w, grad);
  return { loss, grad };
}

/**
 * @internal Forward + backward; writes the gradient into `grad`, returns the loss. With
 * `input.x0` (real n x n, row-major) the stages act on X_0 = x0 instead of the permutation, and
 * on return `w.gr` holds dLoss/dX_0. With `input.realOnly` the loss compares Re(B X_0) with the
 * real part of the target only (the imaginary part is free).
 */
export function lossGradInto(
  b: Butterfly,
  Tr: ArrayLike<number>,
  Ti: ArrayLike<number>,
  w: ButterflyWorkspace,
  grad: ComplexArray,
  input?: { x0?: Float64Array; realOnly?: boolean },
): number {
  const n = b.n;
  const half = n / 2;
  const L = w.xr.length - 1;
  const tr = b.twiddle.re;
  const ti = b.twiddle.im;
  // X_0 = P: row i is e_{perm[i]}^T.
  const x0r = w.xr[0]!;
  const x0i = w.xi[0]!;
  x0i.fill(0);
  if (input?.x0) x0r.set(input.x0);
  else {
    x0r.fill(0);
    for (let i = 0; i < n; i++) x0r[i * n + b.perm[i]!] = 1;
  }
  // Forward: X_{l+1} = B_l X_l, acting on pairs of rows.
  for (let l = 0; l < L; l++) {
    const s = 1 << l;
    const inR = w.xr[l]!;
    const inI = w.xi[l]!;
    const outR = w.xr[l + 1]!;
    const outI = w.xi[l + 1]!;
    for (let p = 0; p < half; p++) {
      const i0 = ((p / s) | 0) * 2 * s + (p % s);
      const r0 = i0 * n;
      const r1 = (i0 + s) * n;
      const t = 4 * (l * half + p);
      const ar = tr[t]!;
      const ai = ti[t]!;
      const br = tr[t + 1]!;
      const bi = ti[t + 1]!;
      const cr = tr[t + 2]!;
      const ci = ti[t + 2]!;
      const dr = tr[t + 3]!;
      const di = ti[t + 3]!;
      for (let j = 0; j < n; j++) {
        const u0r = inR[r0 + j]!;
        const u0i = inI[r0 + j]!;
        const u1r = inR[r1 + j]!;
        const u1i = inI[r1 + j]!;
        outR[r0 + j] = ar * u0r - ai * u0i + br * u1r - bi * u1i;
        outI[r0 + j] = ar * u0i + ai * u0r + br * u1i + bi * u1r;
        outR[r1 + j] = cr * u0r - ci * u0i + dr * u1r - di * u1i;
        outI[r1 + j] = cr * u0i + ci * u0r + dr * u1i + di * u1r;
      }
    }
  }
  const outR = w.xr[L]!;
  const outI = w.xi[L]!;
  const gr = w.gr;
  const gi = w.gi;
  const nn = n * n;
  let loss = 0;
  const f = 2 / nn;
  const realOnly = input?.realOnly === true;
  for (let k = 0; k < nn; k++) {
    const er = outR[k]! - Tr[k]!;
    const ei = realOnly ? 0 : outI[k]! - Ti[k]!;
    loss += er * er + ei * ei;
    gr[k] = f * er;
    gi[k] = f * ei;
  }
  loss /= nn;
  // Backward through B_{L-1} .. B_0; G is overwritten in place with the input gradient.
  const Gr = grad.re;
  const Gi = grad.im;
  for (let l = L - 1; l >= 0; l--) {
    const s = 1 << l;
    const inR = w.xr[l]!;
    const inI = w.xi[l]!;
    for (let p = 0; p < half; p++) {
      const i0 = ((p / s) | 0) * 2 * s + (p % s);
      const r0 = i0 * n;
      const r1 = (i0 + s) * n;
      const t = 4 * (l * half + p);
      const ar = tr[t]!;
      const ai = ti[t]!;
      const br = tr[t + 1]!;
      const bi = ti[t + 1]!;
      const cr = tr[t + 2]!;
      const ci = ti[t + 2]!;
      const dr = tr[t + 3]!;
      const di = ti[t + 3]!;
      let gar = 0;
      let gai = 0;
      let gbr = 0;
      let gbi = 0;
      let gcr = 0;
      let gci = 0;
      let gdr = 0;
      let gdi = 0;
      for (let j = 0; j < n; j++) {
        const u0r = inR[r0 + j]!;
        const u0i = inI[r0 + j]!;
        const u1r = inR[r1 + j]!;
        const u1i = inI[r1 + j]!;
        const g0r = gr[r0 + j]!;
        const g0i = gi[r0 + j]!;
        const g1r = gr[r1 + j]!;
        const g1i = gi[r1 + j]!;
        // g_a += g0 conj(u0), g_b += g0 conj(u1), g_c += g1 conj(u0), g_d += g1 conj(u1)
        gar += g0r * u0r + g0i * u0i;
        gai += g0i * u0r - g0r * u0i;
        gbr += g0r * u1r + g0i * u1i;
        gbi += g0i * u1r - g0r * u1i;
        gcr += g1r * u0r + g1i * u0i;
        gci += g1i * u0r - g1r * u0i;
        gdr += g1r * u1r + g1i * u1i;
        gdi += g1i * u1r - g1r * u1i;
        // g_u0 = conj(a) g0 + conj(c) g1, g_u1 = conj(b) g0 + conj(d) g1
        gr[r0 + j] = ar * g0r + ai * g0i + cr * g1r + ci * g1i;
        gi[r0 + j] = ar * g0i - ai * g0r + cr * g1i - ci * g1r;
        gr[r1 + j] = br * g0r + bi * g0i + dr * g1r + di * g1i;
        gi[r1 + j] = br * g0i - bi * g0r + dr * g1i - di * g1r;
      }
      Gr[t] = gar;
      Gi[t] = gai;
      Gr[t + 1] = gbr;
      Gi[t + 1] = gbi;
      Gr[t + 2] = gcr;
      Gi[t + 2] = gci;
      Gr[t + 3] = gdr;
      Gi[t + 3] = gdi;
    }
  }
  return loss;
}
