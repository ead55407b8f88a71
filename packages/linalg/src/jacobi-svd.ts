/**
 * One-sided (Hestenes) Jacobi SVD (internal): orthogonalizes the columns of A by plane
 * rotations, working on rows of Aᵀ so every rotation touches contiguous memory. Slow for
 * large n (O(n³) per sweep) but accurate to high relative accuracy, so it is the kernel for
 * small problems and for the tiny-singular-value subspace of the bidiagonal path.
 * Reference: Demmel & Veselic, "Jacobi's method is more accurate than QR", SIAM J. Matrix
 * Anal. Appl. 13 (1992); Golub & Van Loan (4th ed.) §8.6.3.
 */
import { ConvergenceError } from '@x/gpu';
import { EPS, hypot2, ldexpArray, ldexpInPlace, maxAbsOf, transposeData } from './dense-util';
import { householderQrInPlace, formQ } from './householder-qr';

const TINY = 1e-280;

export interface SvdParts {
  /** m x k row-major (k = min(m, n)). */
  u: Float64Array;
  /** k, descending. */
  s: Float64Array;
  /** n x k row-major. */
  v: Float64Array;
}

/** Dot product of rows i and j (length len) of a buffer. */
function rowDot(x: Float64Array, i: number, j: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  const e = i + len - (len & 1);
  let jj = j;
  for (let ii = i; ii < e; ii += 2, jj += 2) {
    s0 += x[ii]! * x[jj]!;
    s1 += x[ii + 1]! * x[jj + 1]!;
  }
  if (len & 1) s0 += x[i + len - 1]! * x[j + len - 1]!;
  return s0 + s1;
}

function rotateRows(x: Float64Array, i: number, j: number, len: number, c: number, s: number): void {
  for (let t = 0; t < len; t++) {
    const a = x[i + t]!;
    const b = x[j + t]!;
    x[i + t] = c * a - s * b;
    x[j + t] = s * a + c * b;
  }
}

/**
 * Completes the columns of the m x k row-major `u` flagged in `bad` to an orthonormal set,
 * using the unit vectors that are farthest from the span of the good columns.
 */
export function completeOrthonormal(u: Float64Array, m: number, k: number, bad: Uint8Array): void {
  const col = new Float64Array(m);
  const best = new Float64Array(m);
  for (let c = 0; c < k; c++) {
    if (!bad[c]) continue;
    let bestNorm = -1;
    for (let e = 0; e < m; e++) {
      col.fill(0);
      col[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let o = 0; o < k; o++) {
          if (bad[o] || o === c) continue;
          let d = 0;
          for (let i = 0; i < m; i++) d += u[i * k + o]! * col[i]!;
          if (d === 0) continue;
          for (let i = 0; i < m; i++) col[i] = col[i]! - d * u[i * k + o]!;
        }
      }
      let nrm = 0;
      for (let i = 0; i < m; i++) nrm += col[i]! * col[i]!;
      if (nrm > bestNorm) {
        bestNorm = nrm;
        best.set(col);
      }
      if (nrm > 0.5) break;
    }
    const inv = 1 / Math.sqrt(bestNorm);
    for (let i = 0; i < m; i++) u[i * k + c] = best[i]! * inv;
    bad[c] = 0;
  }
}

/**
 * Thin SVD of a row-major m x n buffer with m >= n (not modified). When m > n a Householder QR
 * is done first and Jacobi runs on R. The input is scaled by a power of two (exact) so that
 * max |a| is about 1: the zero-column threshold TINY and the squared column norms are then
 * meaningful whatever the input's magnitude; singular values are scaled back.
 */
export function jacobiSvd(a: Float64Array, m: number, n: number, fn: string): SvdParts {
  const amax = maxAbsOf(a);
  if (amax === 0 || (amax >= 0.5 && amax <= 2)) return jacobiUnscaled(a, m, n, fn);
  const ex = -Math.round(Math.log2(amax));
  const p = jacobiUnscaled(ldexpArray(a, ex), m, n, fn);
  ldexpInPlace(p.s, -ex);
  return p;
}

function jacobiUnscaled(a: Float64Array, m: number, n: number, fn: string): SvdParts {
  if (m > n) {
    const f = a.slice();
    const tau = householderQrInPlace(f, m, n);
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = f[i * n + j]!;
    const inner = jacobiUnscaled(r, n, n, fn);
    const q = formQ(f, m, n, tau, n);
    // u = Q u_R
    const u = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < n; l++) {
        const qil = q[i * n + l]!;
        if (qil === 0) continue;
        const ur = l * n;
        const ui = i * n;
        for (let j = 0; j < n; j++) u[ui + j] = u[ui + j]! + qil * inner.u[ur + j]!;
      }
    }
    return { u, s: inner.s, v: inner.v };
  }
  // g = Aᵀ (n x m): row j is column j of A. vt: n x n, row j is column j of V.
  const g = transposeData(a, m, n);
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) norms[j] = rowDot(g, j * m, j * m, m);
  let sweep = 0;
  let offMax = 0;
  for (; sweep < 80; sweep++) {
    let rotated = false;
    offMax = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p]!;
        const beta = norms[q]!;
        // Columns below TINY (the input is scaled to max |a| ~ 1) are numerically zero: their
        // squares lose precision, so they are left alone and completed at the end.
        if (alpha < TINY || beta < TINY) continue;
        const gamma = rowDot(g, p * m, q * m, m);
        if (gamma === 0) continue;
        const rel = Math.abs(gamma) / (Math.sqrt(alpha) * Math.sqrt(beta));
        if (rel > offMax) offMax = rel;
        if (rel <= EPS * m) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + hypot2(1, zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotateRows(g, p * m, q * m, m, c, s);
        rotateRows(vt, p * n, q * n, n, c, s);
        norms[p] = rowDot(g, p * m, p * m, m);
        norms[q] = rowDot(g, q * m, q * m, m);
      }
    }
    if (!rotated) break;
  }
  if (sweep >= 80) {
    throw new ConvergenceError(`${fn}: one-sided Jacobi did not converge in 80 sweeps`, offMax, sweep);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const sv = new Float64Array(n);
  for (let j = 0; j < n; j++) sv[j] = Math.sqrt(rowDot(g, j * m, j * m, m));
  order.sort((x, y) => sv[y]! - sv[x]!);
  const s = new Float64Array(n);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const bad = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const j = order[c]!;
    const sj = sv[j]!;
    s[c] = sj;
    for (let i = 0; i < n; i++) v[i * n + c] = vt[j * n + i]!;
    if (sj * sj < TINY) {
      bad[c] = 1;
      continue;
    }
    const inv = 1 / sj;
    for (let i = 0; i < m; i++) u[i * n + c] = g[j * m + i]! * inv;
  }
  completeOrthonormal(u, m, n, bad);
  return { u, s, v };
}
