import { ConvergenceError, gemmAccumulate, type Matrix } from '@x/gpu';
import type { ComplexArray } from './complex';
import { MAX_STEPS, requireInt, requireOptions } from './checks';
import { EPS, f64Copy, ldexpInPlace, mat, requireSquare, safeScaleExponent } from './dense-util';
import { formQ, makeReflector } from './householder-qr';

/** Result of {@link eig}: a V = V diag(values) (complex), columns of V unit 2-norm. */
export interface EigResult {
  /** Eigenvalues in the order they appear on the real Schur form; conjugate pairs are adjacent, positive imaginary part first. */
  values: ComplexArray;
  /** n x n real and imaginary parts of the eigenvector matrix (column j belongs to values[j]). */
  vectors: { re: Matrix<Float64Array>; im: Matrix<Float64Array> };
}

/** Options of {@link eig}. */
export interface EigOptions {
  /** Balance (permute and scale) first, as LAPACK dgeev does (default true). */
  balance?: boolean;
  /** Compute eigenvectors (default true). Without them `vectors` holds 0 x 0 matrices. */
  vectors?: boolean;
  /** Budget of Francis double-shift steps for the whole matrix (default 40 n). */
  maxIterations?: number;
}

/** Underflow-safe small number (LAPACK's unfl * n / ulp for n ~ 1): 2^-1022 / eps. */
const SMLNUM = 2 ** -1022 / EPS;

function swapRowsCols(a: Float64Array, n: number, i: number, j: number): void {
  if (i === j) return;
  for (let k = 0; k < n; k++) {
    const t = a[i * n + k]!;
    a[i * n + k] = a[j * n + k]!;
    a[j * n + k] = t;
  }
  for (let k = 0; k < n; k++) {
    const t = a[k * n + i]!;
    a[k * n + i] = a[k * n + j]!;
    a[k * n + j] = t;
  }
}

interface Balance {
  lo: number;
  hi: number;
  scale: Float64Array;
  /** Swaps in the order applied: [i0, j0, i1, j1, ...]. */
  swaps: number[];
}

/**
 * Parlett-Reinsch balancing (as in LAPACK dgebal 'B'): permutations isolate eigenvalues
 * (rows/columns with no off-diagonal entries in the active block) and power-of-two scalings
 * equalize row and column 1-norms of the rest. a <- D⁻¹ Pᵀ a P D, in place.
 */
function balance(a: Float64Array, n: number): Balance {
  const swaps: number[] = [];
  let lo = 0;
  let hi = n - 1;
  // Rows with zero off-diagonal part in [lo, hi] go to the bottom.
  let found = true;
  while (found && hi > lo) {
    found = false;
    for (let j = hi; j >= lo; j--) {
      let zero = true;
      for (let k = lo; k <= hi; k++) {
        if (k !== j && a[j * n + k] !== 0) {
          zero = false;
          break;
        }
      }
      if (zero) {
        swaps.push(j, hi);
        swapRowsCols(a, n, j, hi);
        hi--;
        found = true;
        break;
      }
    }
  }
  // Columns with zero off-diagonal part in [lo, hi] go to the left.
  found = true;
  while (found && hi > lo) {
    found = false;
    for (let j = lo; j <= hi; j++) {
      let zero = true;
      for (let k = lo; k <= hi; k++) {
        if (k !== j && a[k * n + j] !== 0) {
          zero = false;
          break;
        }
      }
      if (zero) {
        swaps.push(j, lo);
        swapRowsCols(a, n, j, lo);
        lo++;
        found = true;
        break;
      }
    }
  }
  const scale = new Float64Array(n).fill(1);
  let changed = true;
  for (let sweep = 0; changed && sweep < 100; sweep++) {
    changed = false;
    for (let i = lo; i <= hi; i++) {
      let c = 0;
      let r = 0;
      for (let k = lo; k <= hi; k++) {
        if (k === i) continue;
        c += Math.abs(a[k * n + i]!);
        r += Math.abs(a[i * n + k]!);
      }
      if (c === 0 || r === 0) continue;
      const s = c + r;
      let f = 1;
      while (c < r / 2) {
        c *= 2;
        r /= 2;
        f *= 2;
      }
      while (c >= r * 2) {
        c /= 2;
        r *= 2;
        f /= 2;
      }
      if (c + r < 0.95 * s) {
        changed = true;
        scale[i] = scale[i]! * f;
        // Column i times f, row i divided by f.
        for (let k = 0; k < n; k++) a[k * n + i] = a[k * n + i]! * f;
        for (let k = 0; k < n; k++) a[i * n + k] = a[i * n + k]! / f;
      }
    }
  }
  return { lo, hi, scale, swaps };
}

/** Householder reduction to upper Hessenberg form in place; returns Q (n x n, row-major). */
function hessenberg(a: Float64Array, n: number, wantQ: boolean): Float64Array | null {
  const nr = Math.max(n - 2, 0);
  const tau = new Float64Array(nr);
  // Reflectors in QR layout on the trailing (n-1) x (n-2) block, for forming Q.
  const vbuf = new Float64Array(Math.max(n - 1, 0) * nr);
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < nr; k++) {
    const len = n - k - 1;
    for (let i = 0; i < len; i++) x[i] = a[(k + 1 + i) * n + k]!;
    const t = makeReflector(x, 0, len, 1);
    tau[k] = t;
    a[(k + 1) * n + k] = x[0]!;
    for (let i = 1; i < len; i++) {
      a[(k + 1 + i) * n + k] = 0;
      vbuf[(k + i) * nr + k] = x[i]!;
    }
    if (t === 0) continue;
    x[0] = 1;
    const c0 = k + 1;
    // Left: rows k+1.., columns k+1..n-1: w = vᵀ A, A -= t v wᵀ.
    for (let j = c0; j < n; j++) w[j] = 0;
    for (let i = 0; i < len; i++) {
      const vi = x[i]!;
      if (vi === 0) continue;
      const row = (k + 1 + i) * n;
      for (let j = c0; j < n; j++) w[j] = w[j]! + vi * a[row + j]!;
    }
    for (let i = 0; i < len; i++) {
      const vi = t * x[i]!;
      if (vi === 0) continue;
      const row = (k + 1 + i) * n;
      for (let j = c0; j < n; j++) a[row + j] = a[row + j]! - vi * w[j]!;
    }
    // Right: all rows, columns k+1..n-1.
    for (let i = 0; i < n; i++) {
      const row = i * n + c0;
      let s = 0;
      for (let j = 0; j < len; j++) s += a[row + j]! * x[j]!;
      s *= t;
      if (s === 0) continue;
      for (let j = 0; j < len; j++) a[row + j] = a[row + j]! - s * x[j]!;
    }
  }
  if (!wantQ) return null;
  // Q = diag(1, Q1), Q1 from the reflectors.
  const q = new Float64Array(n * n);
  if (n === 0) return q;
  q[0] = 1;
  if (n === 1) return q;
  const q1 = formQ(vbuf, n - 1, nr, tau, n - 1);
  for (let i = 0; i < n - 1; i++) q.set(q1.subarray(i * (n - 1), (i + 1) * (n - 1)), (i + 1) * n + 1);
  return q;
}

/**
 * Francis double-shift QR on the upper Hessenberg h (n x n, in place) to real Schur form,
 * accumulating the orthogonal transformations into z (n x n) when given. 2x2 blocks with real
 * eigenvalues are split by a rotation; the rest are complex conjugate pairs.
 */
function francis(
  h: Float64Array,
  n: number,
  z: Float64Array | null,
  wr: Float64Array,
  wi: Float64Array,
  fn: string,
  budget: number,
): void {
  let anorm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(i - 1, 0); j < n; j++) anorm += Math.abs(h[i * n + j]!);
  let hi = n - 1;
  let iter = 0;
  let total = 0;
  const v = new Float64Array(3);
  while (hi >= 0) {
    let l = hi;
    while (l > 0) {
      let s = Math.abs(h[(l - 1) * n + l - 1]!) + Math.abs(h[l * n + l]!);
      if (s === 0) s = anorm;
      // Relative test (LAPACK dlahqr), with an absolute floor so subnormal entries deflate.
      const sub = Math.abs(h[l * n + l - 1]!);
      if (sub <= EPS * s || sub <= SMLNUM) {
        h[l * n + l - 1] = 0;
        break;
      }
      l--;
    }
    if (l === hi) {
      wr[hi] = h[hi * n + hi]!;
      wi[hi] = 0;
      hi--;
      iter = 0;
      continue;
    }
    if (l === hi - 1) {
      split2x2(h, n, z, hi, wr, wi);
      hi -= 2;
      iter = 0;
      continue;
    }
    if (++total > budget) {
      throw new ConvergenceError(`${fn}: Francis QR did not converge in ${budget} iterations`, Math.abs(h[hi * n + hi - 1]!), total);
    }
    iter++;
    // Shifts: eigenvalues of the trailing 2x2 (exceptional shifts every 10 stalled steps).
    let sSum: number;
    let sProd: number;
    if (iter % 10 === 0) {
      const e = Math.abs(h[hi * n + hi - 1]!) + Math.abs(h[(hi - 1) * n + hi - 2]!);
      sSum = 2 * (h[hi * n + hi]! + 0.75 * e);
      sProd = (h[hi * n + hi]! + 0.75 * e) ** 2 - 0.4375 * e * e;
    } else {
      const a11 = h[(hi - 1) * n + hi - 1]!;
      const a12 = h[(hi - 1) * n + hi]!;
      const a21 = h[hi * n + hi - 1]!;
      const a22 = h[hi * n + hi]!;
      sSum = a11 + a22;
      sProd = a11 * a22 - a12 * a21;
    }
    // First column of (H - s1)(H - s2) restricted to rows l..l+2, computed on entries divided
    // by their largest magnitude: only its direction matters, and products of tiny entries
    // (a graded block near 1e-170) would underflow to a zero column and stall the iteration
    // (LAPACK dlahqr scales the same way).
    const h01 = h[l * n + l + 1]!;
    const h11 = h[(l + 1) * n + l + 1]!;
    const h21 = h[(l + 2) * n + l + 1]!;
    const sc =
      Math.max(Math.abs(h[l * n + l]!), Math.abs(h[(l + 1) * n + l]!), Math.abs(h01), Math.abs(h11), Math.abs(h21), 0.5 * Math.abs(sSum), Math.sqrt(Math.abs(sProd))) ||
      1;
    const h00 = h[l * n + l]! / sc;
    const h10 = h[(l + 1) * n + l]! / sc;
    const ss = sSum / sc;
    let x = h00 * h00 + (h01 / sc) * h10 - ss * h00 + sProd / sc / sc;
    let y = h10 * (h00 + h11 / sc - ss);
    let zz = h10 * (h21 / sc);
    for (let k = l; k <= hi - 1; k++) {
      const nv = k < hi - 1 ? 3 : 2;
      v[0] = x;
      v[1] = y;
      v[2] = nv === 3 ? zz : 0;
      const t = makeReflector(v, 0, nv, 1);
      if (k > l) {
        // The bulge column becomes (beta, 0, 0).
        h[k * n + k - 1] = v[0]!;
        h[(k + 1) * n + k - 1] = 0;
        if (nv === 3) h[(k + 2) * n + k - 1] = 0;
      }
      if (t !== 0) {
        const v1 = v[1]!;
        const v2 = nv === 3 ? v[2]! : 0;
        // Left: rows k..k+nv-1, columns k..n-1 (all of them, for the Schur form).
        for (let j = k; j < n; j++) {
          let s = h[k * n + j]! + v1 * h[(k + 1) * n + j]!;
          if (nv === 3) s += v2 * h[(k + 2) * n + j]!;
          s *= t;
          h[k * n + j] = h[k * n + j]! - s;
          h[(k + 1) * n + j] = h[(k + 1) * n + j]! - s * v1;
          if (nv === 3) h[(k + 2) * n + j] = h[(k + 2) * n + j]! - s * v2;
        }
        // Right: rows 0..min(k+3, hi), columns k..k+nv-1.
        const rmax = Math.min(k + 3, hi);
        for (let i = 0; i <= rmax; i++) {
          const r = i * n + k;
          let s = h[r]! + v1 * h[r + 1]!;
          if (nv === 3) s += v2 * h[r + 2]!;
          s *= t;
          h[r] = h[r]! - s;
          h[r + 1] = h[r + 1]! - s * v1;
          if (nv === 3) h[r + 2] = h[r + 2]! - s * v2;
        }
        if (z) {
          for (let i = 0; i < n; i++) {
            const r = i * n + k;
            let s = z[r]! + v1 * z[r + 1]!;
            if (nv === 3) s += v2 * z[r + 2]!;
            s *= t;
            z[r] = z[r]! - s;
            z[r + 1] = z[r + 1]! - s * v1;
            if (nv === 3) z[r + 2] = z[r + 2]! - s * v2;
          }
        }
      }
      if (k < hi - 1) {
        x = h[(k + 1) * n + k]!;
        y = h[(k + 2) * n + k]!;
        if (k < hi - 2) zz = h[(k + 3) * n + k]!;
      }
    }
  }
}

/** Handles the converged 2x2 block at rows/cols hi-1, hi: splits real pairs by a rotation. */
function split2x2(h: Float64Array, n: number, z: Float64Array | null, hi: number, wr: Float64Array, wi: Float64Array): void {
  const k = hi - 1;
  const a = h[k * n + k]!;
  const b = h[k * n + hi]!;
  const c = h[hi * n + k]!;
  const d = h[hi * n + hi]!;
  const p = 0.5 * (a - d);
  const q = p * p + b * c;
  if (q < 0) {
    const im = Math.sqrt(-q);
    const re = d + p;
    wr[k] = re;
    wi[k] = im;
    wr[hi] = re;
    wi[hi] = -im;
    return;
  }
  const sq = Math.sqrt(q);
  const zr = p >= 0 ? p + sq : p - sq;
  const l1 = d + zr;
  // Eigenvector of the block for l1: (l1 - d, c) or (b, l1 - a), whichever is larger.
  let x0 = l1 - d;
  let x1 = c;
  if (Math.abs(b) + Math.abs(l1 - a) > Math.abs(x0) + Math.abs(x1)) {
    x0 = b;
    x1 = l1 - a;
  }
  const r = Math.hypot(x0, x1);
  if (r === 0) {
    wr[k] = a;
    wr[hi] = d;
    wi[k] = 0;
    wi[hi] = 0;
    return;
  }
  const cs = x0 / r;
  const sn = x1 / r;
  // H <- Gᵀ H G with G = [[cs, -sn], [sn, cs]] on rows/cols k, hi.
  for (let j = k; j < n; j++) {
    const u = h[k * n + j]!;
    const w = h[hi * n + j]!;
    h[k * n + j] = cs * u + sn * w;
    h[hi * n + j] = -sn * u + cs * w;
  }
  for (let i = 0; i <= hi; i++) {
    const u = h[i * n + k]!;
    const w = h[i * n + hi]!;
    h[i * n + k] = cs * u + sn * w;
    h[i * n + hi] = -sn * u + cs * w;
  }
  if (z) {
    for (let i = 0; i < n; i++) {
      const u = z[i * n + k]!;
      const w = z[i * n + hi]!;
      z[i * n + k] = cs * u + sn * w;
      z[i * n + hi] = -sn * u + cs * w;
    }
  }
  h[hi * n + k] = 0;
  wr[k] = h[k * n + k]!;
  wr[hi] = h[hi * n + hi]!;
  wi[k] = 0;
  wi[hi] = 0;
}

/** Complex division (ar + i ai) / (br + i bi) into out[0] + i out[1] (Smith's algorithm). */
function cdiv(ar: number, ai: number, br: number, bi: number, out: Float64Array): void {
  if (Math.abs(br) >= Math.abs(bi)) {
    const r = bi / br;
    const den = br + r * bi;
    out[0] = (ar + ai * r) / den;
    out[1] = (ai - ar * r) / den;
    return;
  }
  const r = br / bi;
  const den = bi + r * br;
  out[0] = (ar * r + ai) / den;
  out[1] = (ai * r - ar) / den;
}

/**
 * Eigenvectors of the quasi-triangular t by back substitution: column j of (xr, xi) solves
 * (t - λ_j) x = 0 with x_j = 1 (real) or the 2x2 block's own eigenvector (complex).
 */
function schurVectors(t: Float64Array, n: number, wr: Float64Array, wi: Float64Array, xr: Float64Array, xi: Float64Array): void {
  let tnorm = 0;
  for (let i = 0; i < n * n; i++) tnorm = Math.max(tnorm, Math.abs(t[i]!));
  // Perturbation for an exactly singular t - λ: eps ||t||, never below SMLNUM (eps * 0 would
  // give 0/0 = NaN for the zero matrix; LAPACK dtrevc uses the same floor).
  const small = Math.max(EPS * tnorm, SMLNUM);
  const isBlockBottom = (i: number) => i > 0 && t[i * n + i - 1] !== 0;
  const vr = new Float64Array(n);
  const vi = new Float64Array(n);
  const q2 = new Float64Array(2);
  for (let j = n - 1; j >= 0; j--) {
    vr.fill(0);
    vi.fill(0);
    const lr = wr[j]!;
    const li = wi[j]!;
    let top: number;
    if (li === 0) {
      vr[j] = 1;
      top = j - 1;
    } else {
      if (li < 0) continue; // filled together with its partner (positive imaginary part first)
      // Block rows/cols j, j+1 with λ = lr + i li: eigenvector (λ - d, c) of [[a, b], [c, d]].
      const d = t[(j + 1) * n + j + 1]!;
      const c = t[(j + 1) * n + j]!;
      vr[j] = lr - d;
      vi[j] = li;
      vr[j + 1] = c;
      vi[j + 1] = 0;
      top = j - 1;
    }
    const hiCol = li === 0 ? j : j + 1;
    let i = top;
    while (i >= 0) {
      if (isBlockBottom(i)) {
        // 2x2 diagonal block at rows i-1, i.
        const i0 = i - 1;
        let r0r = 0;
        let r0i = 0;
        let r1r = 0;
        let r1i = 0;
        for (let k = i + 1; k <= hiCol; k++) {
          r0r -= t[i0 * n + k]! * vr[k]!;
          r0i -= t[i0 * n + k]! * vi[k]!;
          r1r -= t[i * n + k]! * vr[k]!;
          r1i -= t[i * n + k]! * vi[k]!;
        }
        // [[a - λ, b], [c, d - λ]] [x0; x1] = [r0; r1] by Cramer's rule in complex arithmetic.
        const ar = t[i0 * n + i0]! - lr;
        const ai = -li;
        const b = t[i0 * n + i]!;
        const c = t[i * n + i0]!;
        const dr = t[i * n + i]! - lr;
        const di = -li;
        let detr = ar * dr - ai * di - b * c;
        const deti = ar * di + ai * dr;
        if (detr === 0 && deti === 0) detr = small;
        const n0r = r0r * dr - r0i * di - b * r1r;
        const n0i = r0r * di + r0i * dr - b * r1i;
        const n1r = ar * r1r - ai * r1i - c * r0r;
        const n1i = ar * r1i + ai * r1r - c * r0i;
        cdiv(n0r, n0i, detr, deti, q2);
        vr[i0] = q2[0]!;
        vi[i0] = q2[1]!;
        cdiv(n1r, n1i, detr, deti, q2);
        vr[i] = q2[0]!;
        vi[i] = q2[1]!;
        i -= 2;
      } else {
        let sr = 0;
        let si = 0;
        for (let k = i + 1; k <= hiCol; k++) {
          sr -= t[i * n + k]! * vr[k]!;
          si -= t[i * n + k]! * vi[k]!;
        }
        let dr = t[i * n + i]! - lr;
        const di = -li;
        if (dr === 0 && di === 0) dr = small;
        cdiv(sr, si, dr, di, q2);
        vr[i] = q2[0]!;
        vi[i] = q2[1]!;
        i -= 1;
      }
      // Rescale to avoid overflow in long back substitutions.
      let big = 0;
      for (let k = Math.max(i + 1, 0); k <= hiCol; k++) big = Math.max(big, Math.abs(vr[k]!) + Math.abs(vi[k]!));
      if (big > 1e100) {
        const s = 1 / big;
        for (let k = 0; k <= hiCol; k++) {
          vr[k] = vr[k]! * s;
          vi[k] = vi[k]! * s;
        }
      }
    }
    for (let k = 0; k < n; k++) {
      xr[k * n + j] = vr[k]!;
      xi[k * n + j] = vi[k]!;
    }
    if (li > 0) {
      for (let k = 0; k < n; k++) {
        xr[k * n + j + 1] = vr[k]!;
        xi[k * n + j + 1] = -vi[k]!;
      }
    }
  }
}

/**
 * Eigenvalues and right eigenvectors of a real general (non-symmetric) square matrix:
 * a V = V diag(λ), with complex λ and V returned as split real/imaginary parts.
 *
 * Balancing (permutation + power-of-two scaling, LAPACK dgebal), Householder reduction to
 * upper Hessenberg form, Francis implicit double-shift QR to real Schur form (2x2 blocks for
 * complex conjugate pairs), eigenvectors by back substitution on the quasi-triangular Schur
 * factor, back-transformation, and normalization of every eigenvector to unit 2-norm with its
 * largest component real and positive (numpy/LAPACK dgeev normalize the same way up to sign).
 * Eigenvalue errors are about eps ||a|| times the eigenvalue's condition number 1/|yᴴx|;
 * for non-normal matrices such as HiPPO-LegS that condition can be huge.
 *
 * Shapes: a n x n; values n; vectors n x n. Complexity: about 25n³ flops with vectors.
 * Reference: Golub & Van Loan (4th ed.) §7.4-7.6 (Alg. 7.5.1-7.5.2, 7.6.x); Parlett &
 * Reinsch, Numer. Math. 13 (1969) (balancing); Francis, Comput. J. 4 (1961/62).
 * @throws ShapeError unless square; DomainError on NaN/Infinity; ConvergenceError when the QR
 * iteration exceeds its budget (`maxIterations`, default 40n steps; carries the magnitude of
 * the subdiagonal entry that had not converged as `residual`).
 */
export function eig(a: Matrix, opts: EigOptions = {}): EigResult {
  requireOptions('eig', opts, ['balance', 'vectors', 'maxIterations']);
  requireSquare('eig', 'a', a);
  const n = a.rows;
  const h = f64Copy('eig', 'a', a);
  const ex = safeScaleExponent(h);
  ldexpInPlace(h, ex);
  const wantV = opts.vectors ?? true;
  const bal: Balance = (opts.balance ?? true) ? balance(h, n) : { lo: 0, hi: n - 1, scale: new Float64Array(n).fill(1), swaps: [] };
  const z = hessenberg(h, n, wantV);
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  const budget = opts.maxIterations === undefined ? 40 * Math.max(n, 1) : requireInt('eig', 'maxIterations', opts.maxIterations, 0, MAX_STEPS);
  francis(h, n, z, wr, wi, 'eig', budget);
  const values = { re: wr.slice(), im: wi.slice() };
  ldexpInPlace(values.re, -ex);
  ldexpInPlace(values.im, -ex);
  if (!wantV) return { values, vectors: { re: mat(0, 0), im: mat(0, 0) } };
  const xr = new Float64Array(n * n);
  const xi = new Float64Array(n * n);
  schurVectors(h, n, wr, wi, xr, xi);
  // V = Z X, then undo scaling and permutations.
  const zz = z!;
  const vr = new Float64Array(n * n);
  const vim = new Float64Array(n * n);
  gemmAccumulate(n, n, n, { data: zz, off: 0, rs: n, cs: 1 }, { data: xr, off: 0, rs: n, cs: 1 }, vr, n);
  gemmAccumulate(n, n, n, { data: zz, off: 0, rs: n, cs: 1 }, { data: xi, off: 0, rs: n, cs: 1 }, vim, n);
  // Undo the balancing D (powers of two) column by column: each column is first shifted by the
  // power of two that brings max_i |v_ij| d_i near 1, so no entry overflows or underflows to
  // zero on the way (the columns are normalized below anyway).
  const logd = bal.scale.map(Math.log2);
  for (let j = 0; j < n; j++) {
    let top = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const mag = Math.abs(vr[i * n + j]!) + Math.abs(vim[i * n + j]!);
      if (mag > 0) top = Math.max(top, Math.log2(mag) + logd[i]!);
    }
    if (top === Number.NEGATIVE_INFINITY) continue;
    const shift = -Math.round(top);
    for (let i = 0; i < n; i++) {
      const t = logd[i]! + shift;
      if (t === 0) continue;
      const f1 = 2 ** Math.trunc(t / 2);
      const f2 = 2 ** (t - Math.trunc(t / 2));
      vr[i * n + j] = vr[i * n + j]! * f1 * f2;
      vim[i * n + j] = vim[i * n + j]! * f1 * f2;
    }
  }
  for (let p = bal.swaps.length - 2; p >= 0; p -= 2) {
    const i = bal.swaps[p]!;
    const j = bal.swaps[p + 1]!;
    if (i === j) continue;
    for (let c = 0; c < n; c++) {
      let t = vr[i * n + c]!;
      vr[i * n + c] = vr[j * n + c]!;
      vr[j * n + c] = t;
      t = vim[i * n + c]!;
      vim[i * n + c] = vim[j * n + c]!;
      vim[j * n + c] = t;
    }
  }
  // Unit 2-norm, largest component real and positive.
  for (let j = 0; j < n; j++) {
    let nrm = 0;
    let big = -1;
    let bi = 0;
    for (let i = 0; i < n; i++) {
      const m2 = vr[i * n + j]! ** 2 + vim[i * n + j]! ** 2;
      nrm += m2;
      if (m2 > big * (1 + 1e-12)) {
        big = m2;
        bi = i;
      }
    }
    if (nrm === 0) continue;
    const mag = Math.sqrt(big);
    // Multiply by conj(v_bi)/|v_bi| / ||v||.
    const cr = vr[bi * n + j]! / mag / Math.sqrt(nrm);
    const ci = -vim[bi * n + j]! / mag / Math.sqrt(nrm);
    for (let i = 0; i < n; i++) {
      const r = vr[i * n + j]!;
      const im = vim[i * n + j]!;
      vr[i * n + j] = r * cr - im * ci;
      vim[i * n + j] = r * ci + im * cr;
    }
    vim[bi * n + j] = 0;
  }
  return { values, vectors: { re: mat(n, n, vr), im: mat(n, n, vim) } };
}
