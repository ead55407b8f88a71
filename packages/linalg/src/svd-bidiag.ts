/**
 * Exact SVD for larger matrices (internal): Householder bidiagonalization B = U_Lᵀ A V_R,
 * then the singular triplets of B from the eigen-decomposition of its Golub-Kahan matrix
 * TGK = perfect-shuffle [[0, Bᵀ], [B, 0]] (2n x 2n symmetric tridiagonal with zero diagonal
 * and off-diagonal d1, e1, d2, ..., dn), solved by divide and conquer. An eigenpair (σ, x) of
 * TGK gives x = [v1, u1, v2, u2, ...]/√2. Singular values come out to absolute accuracy
 * O(eps ||A||), as with LAPACK's dgesdd; the small singular values (below 1% of the largest),
 * whose ±σ eigenvectors may mix, are re-solved on their exact invariant subspace (U_t, V_t
 * from the span of the ±σ eigenvectors, then the SVD of U_tᵀ B V_t, recursively).
 * References: Golub & Kahan, SIAM J. Numer. Anal. 2 (1965); Golub & Van Loan (4th ed.)
 * §5.4.8, §8.6; Demmel, Applied Numerical Linear Algebra §5.4 (TGK); Willems & Lang, ETNA 39
 * (2012) (TGK eigenvector pitfalls).
 */
import { gemmAccumulate } from '@x/gpu';
import { transposeData } from './dense-util';
import { applyQLeft, formQ, householderQrInPlace, makeReflector } from './householder-qr';
import { jacobiSvd, type SvdParts } from './jacobi-svd';
import { tridiagonalize, tridiagQl } from './tridiagonal';
import { tridiagEigDc } from './tridiagonal-dc';

/** Below this many columns the one-sided Jacobi SVD is used directly. */
const SMALL = 32;
/** Relative size below which the TGK eigenvector split into u and v is re-solved. */
const SPLIT = 1e-2;

interface Bidiag {
  d: Float64Array;
  e: Float64Array;
  tauL: Float64Array;
  /** (n-1) x (n-2) buffer in QR layout holding the right reflectors. */
  reflR: Float64Array;
  tauR: Float64Array;
}

/** Householder bidiagonalization of the row-major m x n buffer a (m >= n), in place. */
export function bidiagonalize(a: Float64Array, m: number, n: number): Bidiag {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tauL = new Float64Array(n);
  const nr = Math.max(n - 2, 0);
  const tauR = new Float64Array(nr);
  const x = new Float64Array(m);
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
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
  const m1 = Math.max(n - 1, 0);
  const reflR = new Float64Array(m1 * nr);
  for (let k = 0; k < nr; k++) {
    for (let i = k + 1; i < m1; i++) reflR[i * nr + k] = a[k * n + i + 1]!;
  }
  return { d, e, tauL, reflR, tauR };
}

/** C = op(A) B for row-major buffers. */
function mm(a: Float64Array, ar: number, ac: number, transA: boolean, b: Float64Array, bc: number): Float64Array {
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const c = new Float64Array(m * bc);
  gemmAccumulate(m, bc, k, { data: a, off: 0, rs: transA ? 1 : ac, cs: transA ? ac : 1 }, { data: b, off: 0, rs: bc, cs: 1 }, c, bc);
  return c;
}

/** Orthonormal basis (n x p) of the dominant p-dimensional column space of x (n x c). */
function dominantBasis(x: Float64Array, n: number, c: number, p: number): Float64Array {
  const g = mm(x, n, c, true, x, c); // c x c Gram
  const t = tridiagonalize(g, c);
  const zt = new Float64Array(c * c);
  for (let i = 0; i < c; i++) zt[i * c + i] = 1;
  tridiagQl(t.d, t.e, zt, c, 'svd');
  const idx = Array.from({ length: c }, (_, i) => i);
  idx.sort((i, j) => t.d[j]! - t.d[i]!);
  // y: c x p, top eigenvectors of the Gram (in the tridiagonal basis, then back-transformed).
  const z = transposeData(zt, c, c); // columns = eigenvectors of T
  const full = new Float64Array(c * c);
  full.set(z);
  if (c >= 3) applyQLeft(t.refl, c - 1, c - 2, t.tau, full.subarray(c), c);
  const y = new Float64Array(c * p);
  for (let j = 0; j < p; j++) {
    const src = idx[j]!;
    const inv = 1 / Math.sqrt(Math.max(t.d[src]!, Number.MIN_VALUE));
    for (let i = 0; i < c; i++) y[i * p + j] = full[i * c + src]! * inv;
  }
  const b = mm(x, n, c, false, y, p);
  // One re-orthonormalization (QR) for safety.
  const tau = householderQrInPlace(b, n, p);
  return formQ(b, n, p, tau, p);
}

/** SVD of the n x n upper bidiagonal (d, e) restricted as described above: u, v n x n, s n. */
export function bidiagSvd(d: Float64Array, e: Float64Array, n: number, fn: string): SvdParts {
  const N = 2 * n;
  const td = new Float64Array(N);
  const te = new Float64Array(N - 1);
  for (let i = 0; i < n; i++) {
    te[2 * i] = d[i]!;
    if (i < n - 1) te[2 * i + 1] = e[i]!;
  }
  let tiny = 0;
  const x = tridiagEigDc(td, te, N, fn, (vals) => {
    const smax = Math.max(vals[N - 1]!, 0);
    tiny = 0;
    while (tiny < n && vals[n + tiny]! <= SPLIT * smax) tiny++;
    return n + tiny;
  });
  const kc = n + tiny;
  // Columns kc-1 .. tiny are the positive ones (descending order when read backwards).
  const u = new Float64Array(n * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  const big = n - tiny;
  for (let c = 0; c < big; c++) {
    const col = kc - 1 - c; // descending
    s[c] = td[N - 1 - c]!;
    for (let i = 0; i < n; i++) {
      v[i * n + c] = Math.SQRT2 * x[2 * i * kc + col]!;
      u[i * n + c] = Math.SQRT2 * x[(2 * i + 1) * kc + col]!;
    }
  }
  if (tiny > 0) {
    // The 2*tiny eigenvectors with |λ| small span [V_t 0; 0 U_t]: extract each half, then solve
    // the small problem U_tᵀ B V_t exactly.
    const c2 = 2 * tiny;
    const xv = new Float64Array(n * c2);
    const xu = new Float64Array(n * c2);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < c2; c++) {
        xv[i * c2 + c] = x[2 * i * kc + c]!;
        xu[i * c2 + c] = x[(2 * i + 1) * kc + c]!;
      }
    }
    const vt = dominantBasis(xv, n, c2, tiny);
    const ut = dominantBasis(xu, n, c2, tiny);
    // bv = B V_t (B upper bidiagonal).
    const bv = new Float64Array(n * tiny);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < tiny; c++) {
        let sum = d[i]! * vt[i * tiny + c]!;
        if (i < n - 1) sum += e[i]! * vt[(i + 1) * tiny + c]!;
        bv[i * tiny + c] = sum;
      }
    }
    const cm = mm(ut, n, tiny, true, bv, tiny); // tiny x tiny
    const inner = denseSvd(cm, tiny, tiny, fn);
    const uu = mm(ut, n, tiny, false, inner.u, tiny);
    const vv = mm(vt, n, tiny, false, inner.v, tiny);
    for (let c = 0; c < tiny; c++) {
      s[big + c] = inner.s[c]!;
      for (let i = 0; i < n; i++) {
        u[i * n + big + c] = uu[i * tiny + c]!;
        v[i * n + big + c] = vv[i * tiny + c]!;
      }
    }
  }
  return { u, s, v };
}

/**
 * Thin SVD of a row-major m x n buffer with m >= n (a is overwritten): Jacobi for small n,
 * QR first when m >= 1.6 n, else bidiagonalization + TGK divide and conquer.
 */
export function denseSvd(a: Float64Array, m: number, n: number, fn: string): SvdParts {
  if (n <= SMALL) return jacobiSvd(a, m, n, fn);
  let amax = 0;
  for (let i = 0; i < a.length; i++) amax = Math.max(amax, Math.abs(a[i]!));
  if (amax === 0) return jacobiSvd(a, m, n, fn);
  if (m * 5 >= n * 8) {
    const tau = householderQrInPlace(a, m, n);
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = a[i * n + j]!;
    const inner = denseSvd(r, n, n, fn);
    const u = new Float64Array(m * n);
    u.set(inner.u);
    applyQLeft(a, m, n, tau, u, n);
    return { u, s: inner.s, v: inner.v };
  }
  const b = bidiagonalize(a, m, n);
  const core = bidiagSvd(b.d, b.e, n, fn);
  const u = new Float64Array(m * n);
  u.set(core.u);
  applyQLeft(a, m, n, b.tauL, u, n);
  const v = core.v;
  if (n >= 3) applyQLeft(b.reflR, n - 1, n - 2, b.tauR, v.subarray(n), n);
  return { u, s: core.s, v };
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
