/**
 * Exact SVD for larger matrices (internal): Householder bidiagonalization B = U_Lᵀ A V_R
 * (blocked, dlabrd-style panels with the trailing update as one GEMM per panel), then the full
 * SVD of the n x n bidiagonal B by divide and conquer on B itself (bidiag-dc.ts, LAPACK
 * dbdsdc-style), then U = U_L U_B and V = V_R V_B by blocked compact-WY back-transformations
 * (GEMM). Singular values come out to absolute accuracy O(eps ||A||) and U, V are orthonormal
 * to O(n eps), as with LAPACK's dgesdd. The singular values alone (svdvals) come from implicit
 * QL on the Golub-Kahan tridiagonal matrix of B, O(n²).
 * References: Golub & Kahan, SIAM J. Numer. Anal. 2 (1965); Golub & Van Loan (4th ed.)
 * §5.4.8, §8.6; Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16 (1995).
 */
import { gemmAccumulate, gemvAccumulate, withWorkspace } from '@x/gpu';
import { bidiagSvdDc } from './bidiag-dc';
import { firstCols, maxAbsOf } from './dense-util';
import { applyQLeft, householderQrInPlace, makeReflector } from './householder-qr';
import { jacobiSvd, type SvdParts } from './jacobi-svd';
import { tridiagQl } from './tridiagonal';

/** Below this many columns the one-sided Jacobi SVD is used directly. */
const SMALL = 32;
interface Bidiag {
  d: Float64Array;
  e: Float64Array;
  tauL: Float64Array;
  /** (n-1) x (n-2) buffer in QR layout holding the right reflectors. */
  reflR: Float64Array;
  tauR: Float64Array;
}

/** Panel width of the blocked bidiagonalization. */
const NB = 32;

/**
 * Householder bidiagonalization of the row-major m x n buffer a (m >= n), in place: blocked
 * panels (LAPACK dlabrd style) while the trailing matrix is large, then the unblocked loop.
 */
export function bidiagonalize(a: Float64Array, m: number, n: number, blocked = true): Bidiag {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tauL = new Float64Array(n);
  const nr = Math.max(n - 2, 0);
  const tauR = new Float64Array(nr);
  const kStart = blocked ? bidiagonalizePanels(a, m, n, d, e, tauL, tauR) : 0;
  bidiagonalizeUnblocked(a, m, n, kStart, d, e, tauL, tauR);
  const m1 = Math.max(n - 1, 0);
  const reflR = new Float64Array(m1 * nr);
  for (let k = 0; k < nr; k++) {
    for (let i = k + 1; i < m1; i++) reflR[i * nr + k] = a[k * n + i + 1]!;
  }
  return { d, e, tauL, reflR, tauR };
}

/**
 * Blocked panels: the reflections of a panel are kept as A - V Yᵀ - X Uᵀ (V, U the left and
 * right reflector vectors; Y, X the matching products), applied to the panel's own row and
 * column on the fly, and to the trailing matrix by one GEMM of inner dimension 2NB per panel.
 * The matrix and the panel buffers live in a workspace (wasm linear memory after enableWasm()),
 * so the matrix-vector products run there without copies. Returns the first column left for
 * the unblocked loop.
 * Reference: Dongarra, Hammarling & Sorensen, J. Comput. Appl. Math. 27 (1989); LAPACK dlabrd.
 */
function bidiagonalizePanels(
  a: Float64Array,
  m: number,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
): number {
  if (n < 3 * NB) return 0;
  const S = 2 * NB;
  // VX: m x 2NB holding V (columns 0..NB) and X (NB..2NB); YU: n x 2NB holding Y and U.
  return withWorkspace([a.subarray(0, m * n), m * S, n * S, m, Math.max(m, n), S, S], (w, VX, YU, col, raw, t1, t2) => {
    let k0 = 0;
    for (; n - k0 > 2 * NB; k0 += NB) {
      VX.fill(0);
      YU.fill(0);
      for (let j = 0; j < NB; j++) panelColumn(w, m, n, k0 + j, j, VX, YU, col, raw, t1, t2, d, e, tauL, tauR);
      // Trailing update: A[k1:, k1:] -= [V X] [Y U]ᵀ.
      const k1 = k0 + NB;
      for (let i = k1 * S; i < m * S; i++) VX[i] = -VX[i]!;
      gemmAccumulate(m - k1, n - k1, S, { data: VX, off: k1 * S, rs: S, cs: 1 }, { data: YU, off: k1 * S, rs: 1, cs: S }, w.subarray(k1 * n + k1), n);
    }
    return k0;
  });
}

/** Column k (the j-th of its panel) of the blocked bidiagonalization; see bidiagonalizePanels. */
function panelColumn(
  a: Float64Array,
  m: number,
  n: number,
  k: number,
  j: number,
  VX: Float64Array,
  YU: Float64Array,
  col: Float64Array,
  raw: Float64Array,
  t1: Float64Array,
  t2: Float64Array,
  d: Float64Array,
  e: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
): void {
  const S = 2 * NB;
  const V = (off: number) => ({ data: VX, off, rs: S, cs: 1 });
  const X = (off: number) => ({ data: VX, off: off + NB, rs: S, cs: 1 });
  const Y = (off: number) => ({ data: YU, off, rs: S, cs: 1 });
  const U = (off: number) => ({ data: YU, off: off + NB, rs: S, cs: 1 });
  const tr = (o: { data: Float64Array; off: number }) => ({ data: o.data, off: o.off, rs: 1, cs: S });
  const neg = (t: Float64Array, len: number) => {
    for (let l = 0; l < len; l++) t[l] = -t[l]!;
  };
  const len = m - k;
  // 1. Column k, rows k..m-1, brought up to date: a[k:, k] - V[k:] Y[k]ᵀ - X[k:] U[k]ᵀ.
  for (let i = 0; i < len; i++) col[i] = a[(k + i) * n + k]!;
  if (j > 0) {
    for (let l = 0; l < j; l++) {
      t1[l] = -YU[k * S + l]!;
      t2[l] = -YU[k * S + NB + l]!;
    }
    gemvAccumulate(len, j, V(k * S), t1, 0, col, 0);
    gemvAccumulate(len, j, X(k * S), t2, 0, col, 0);
  }
  // 2. Left reflector v (unit head) into column k of A and column j of V.
  const tq = makeReflector(col, 0, len, 1);
  tauL[k] = tq;
  d[k] = col[0]!;
  a[k * n + k] = col[0]!;
  col[0] = 1;
  for (let i = 0; i < len; i++) VX[(k + i) * S + j] = col[i]!;
  for (let i = 1; i < len; i++) a[(k + i) * n + k] = col[i]!;
  const c0 = k + 1;
  const nc = n - c0;
  // 3. y_j = tq (A0ᵀ v - Y (Vᵀ v) - U (Xᵀ v)) on columns k+1..n-1.
  raw.fill(0, c0, n);
  gemvAccumulate(nc, len, { data: a, off: k * n + c0, rs: 1, cs: n }, col, 0, raw, c0);
  if (j > 0) {
    t1.fill(0, 0, j);
    t2.fill(0, 0, j);
    gemvAccumulate(j, len, tr(V(k * S)), col, 0, t1, 0);
    gemvAccumulate(j, len, tr(X(k * S)), col, 0, t2, 0);
    neg(t1, j);
    neg(t2, j);
    gemvAccumulate(nc, j, Y(c0 * S), t1, 0, raw, c0);
    gemvAccumulate(nc, j, U(c0 * S), t2, 0, raw, c0);
  }
  for (let c = c0; c < n; c++) YU[c * S + j] = tq * raw[c]!;
  // 4. Row k, columns k+1..n-1, brought up to date (including this step's left reflection).
  for (let l = 0; l <= j; l++) t1[l] = -VX[k * S + l]!;
  for (let l = 0; l < j; l++) t2[l] = -VX[k * S + NB + l]!;
  const off = k * n + c0;
  gemvAccumulate(nc, j + 1, Y(c0 * S), t1, 0, a, off);
  if (j > 0) gemvAccumulate(nc, j, U(c0 * S), t2, 0, a, off);
  // 5. Right reflector u (unit head) on row k, contiguous; column j of U.
  const tp = makeReflector(a, off, nc, 1);
  tauR[k] = tp;
  e[k] = a[off]!;
  a[off] = 1;
  for (let c = 0; c < nc; c++) YU[(c0 + c) * S + NB + j] = a[off + c]!;
  // 6. x_j = tp (A0 u - V (Yᵀ u) - X (Uᵀ u)) on rows k+1..m-1.
  t1.fill(0, 0, j + 1);
  t2.fill(0, 0, j);
  gemvAccumulate(j + 1, nc, tr(Y(c0 * S)), a, off, t1, 0);
  gemvAccumulate(j, nc, tr(U(c0 * S)), a, off, t2, 0);
  raw.fill(0, c0, m);
  gemvAccumulate(m - c0, nc, { data: a, off: c0 * n + c0, rs: n, cs: 1 }, a, off, raw, c0);
  neg(t1, j + 1);
  neg(t2, j);
  gemvAccumulate(m - c0, j + 1, V(c0 * S), t1, 0, raw, c0);
  gemvAccumulate(m - c0, j, X(c0 * S), t2, 0, raw, c0);
  for (let i = c0; i < m; i++) VX[i * S + NB + j] = tp * raw[i]!;
  a[off] = e[k]!;
}

/** The unblocked Golub-Kahan loop from column kStart on (two passes per column). */
function bidiagonalizeUnblocked(
  a: Float64Array,
  m: number,
  n: number,
  kStart: number,
  d: Float64Array,
  e: Float64Array,
  tauL: Float64Array,
  tauR: Float64Array,
): void {
  const x = new Float64Array(m);
  const w = new Float64Array(n);
  for (let k = kStart; k < n; k++) {
    // Left reflector on column k, rows k..m-1.
    const len = m - k;
    for (let i = 0; i < len; i++) x[i] = a[(k + i) * n + k]!;
    const tl = makeReflector(x, 0, len, 1);
    tauL[k] = tl;
    d[k] = x[0]!;
    a[k * n + k] = x[0]!;
    for (let i = 1; i < len; i++) a[(k + i) * n + k] = x[i]!;
    const c0 = k + 1;
    const nc = n - c0;
    if (nc <= 0) break;
    const left = tl !== 0;
    if (left) {
      // Pass 1: w = tau vᵀ A[k:, k+1:]; row k is updated at once (v_0 = 1).
      const rk = k * n + c0;
      for (let j = 0; j < nc; j++) w[j] = a[rk + j]!;
      for (let i = 1; i < len; i++) {
        const vi = x[i]!;
        if (vi === 0) continue;
        const row = (k + i) * n + c0;
        for (let j = 0; j < nc; j++) w[j] = w[j]! + vi * a[row + j]!;
      }
      for (let j = 0; j < nc; j++) {
        w[j] = w[j]! * tl;
        a[rk + j] = a[rk + j]! - w[j]!;
      }
    }
    // Right reflector on the updated row k, columns k+1..n-1 (contiguous).
    let tr = 0;
    const off = k * n + c0;
    if (k < n - 2) {
      tr = makeReflector(a, off, nc, 1);
      tauR[k] = tr;
    }
    e[k] = a[off]!;
    if (!left && tr === 0) continue;
    // Pass 2: rows k+1..m-1 get the left update, then the right reflection, while in cache.
    for (let i = 1; i < len; i++) {
      const row = (k + i) * n + c0;
      if (left) {
        const vi = x[i]!;
        if (vi !== 0) for (let j = 0; j < nc; j++) a[row + j] = a[row + j]! - vi * w[j]!;
      }
      if (tr !== 0) {
        let sdot = a[row]!;
        for (let j = 1; j < nc; j++) sdot += a[row + j]! * a[off + j]!;
        sdot *= tr;
        if (sdot === 0) continue;
        a[row] = a[row]! - sdot;
        for (let j = 1; j < nc; j++) a[row + j] = a[row + j]! - sdot * a[off + j]!;
      }
    }
  }
}

/**
 * Thin SVD of a row-major m x n buffer with m >= n (a is overwritten): Jacobi for small n,
 * QR first when m >= 1.6 n, else bidiagonalization + bidiagonal divide and conquer. With
 * kWant < n the result may hold only the kWant leading triplets (a cheaper
 * back-transformation); callers truncate to what they asked for.
 */
export function denseSvd(a: Float64Array, m: number, n: number, fn: string, kWant = n): SvdParts {
  if (n <= SMALL) return jacobiSvd(a, m, n, fn);
  if (maxAbsOf(a) === 0) return jacobiSvd(a, m, n, fn);
  if (m * 5 >= n * 8) {
    const tau = householderQrInPlace(a, m, n);
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = a[i * n + j]!;
    const inner = denseSvd(r, n, n, fn, kWant);
    const ko = inner.s.length;
    const u = new Float64Array(m * ko);
    u.set(inner.u);
    applyQLeft(a, m, n, tau, u, ko);
    return { u, s: inner.s, v: inner.v };
  }
  const b = bidiagonalize(a, m, n);
  const core = leading(bidiagSvdDc(b.d, b.e, n, fn), n, kWant);
  const ko = core.s.length;
  const u = new Float64Array(m * ko);
  u.set(core.u);
  applyQLeft(a, m, n, b.tauL, u, ko);
  const v = core.v;
  if (n >= 3) applyQLeft(b.reflR, n - 1, n - 2, b.tauR, v.subarray(ko), ko);
  return { u, s: core.s, v };
}

/** The k leading triplets of an n x n SVD (all of it when k >= n), so the back-transformations only touch those. */
function leading(p: SvdParts, n: number, k: number): SvdParts {
  if (k >= n) return p;
  return { u: firstCols(p.u, n, n, k), s: p.s.slice(0, k), v: firstCols(p.v, n, n, k) };
}

/** Singular values only (descending) of a row-major m x n buffer, m >= n (a is overwritten). */
export function denseSvdvals(a: Float64Array, m: number, n: number, fn: string): Float64Array {
  if (n <= SMALL) return jacobiSvd(a, m, n, fn).s;
  const b = bidiagonalize(a, m, n);
  const N = 2 * n;
  const td = new Float64Array(N);
  const te = new Float64Array(N - 1);
  for (let i = 0; i < n; i++) {
    te[2 * i] = b.d[i]!;
    if (i < n - 1) te[2 * i + 1] = b.e[i]!;
  }
  tridiagQl(td, te, null, N, fn);
  td.sort();
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.abs(td[N - 1 - i]!);
  s.sort().reverse();
  return s;
}
