/**
 * Exact SVD for larger matrices (internal): Householder bidiagonalization B = U_Lᵀ A V_R,
 * then the singular triplets of B from the eigen-decomposition of its Golub-Kahan matrix
 * TGK = perfect-shuffle [[0, Bᵀ], [B, 0]] (2n x 2n symmetric tridiagonal with zero diagonal
 * and off-diagonal d1, e1, d2, ..., dn), solved by divide and conquer. An eigenpair (σ, x) of
 * TGK gives x = [v1, u1, v2, u2, ...]/√2. Singular values come out to absolute accuracy
 * O(eps ||A||), as with LAPACK's dgesdd; the small singular values (below min(10%, 8/n) of the largest),
 * whose ±σ eigenvectors may mix, are re-solved on their exact invariant subspace: bases U_t,
 * V_t from the span of the ±σ eigenvectors (few small values) or as the orthogonal complement
 * of the large ones (many), then the SVD of U_tᵀ B V_t, recursively.
 * References: Golub & Kahan, SIAM J. Numer. Anal. 2 (1965); Golub & Van Loan (4th ed.)
 * §5.4.8, §8.6; Demmel, Applied Numerical Linear Algebra §5.4 (TGK); Willems & Lang, ETNA 39
 * (2012) (TGK eigenvector pitfalls).
 */
import { gemmAccumulate } from '@x/gpu';
import { mat } from './dense-util';
import { eigh } from './eigh';
import { applyQLeft, formQ, householderQrInPlace, makeReflector } from './householder-qr';
import { jacobiSvd, type SvdParts } from './jacobi-svd';
import { tridiagQl } from './tridiagonal';
import { tridiagEigDc } from './tridiagonal-dc';

/** Below this many columns the one-sided Jacobi SVD is used directly. */
const SMALL = 32;
/**
 * Relative size below which the TGK eigenvector split into u and v is re-solved. The ±σ
 * eigenvectors mix by about eps ||B|| / (2σ), so above split(n) = min(0.1, 8/n) the mixing
 * stays below n eps / 16, well inside the O(n eps) orthogonality of the rest.
 */
const split = (n: number) => Math.min(0.1, 8 / n);

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
 * column on the fly, and to the trailing matrix by two GEMMs per panel. Returns the first
 * column left for the unblocked loop.
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
  const V = new Float64Array(m * NB);
  const X = new Float64Array(m * NB);
  const U = new Float64Array(n * NB);
  const Y = new Float64Array(n * NB);
  const col = new Float64Array(m);
  const raw = new Float64Array(Math.max(m, n));
  const t1 = new Float64Array(NB);
  const t2 = new Float64Array(NB);
  let k0 = 0;
  for (; n - k0 > 2 * NB; k0 += NB) {
    V.fill(0);
    X.fill(0);
    U.fill(0);
    Y.fill(0);
    for (let j = 0; j < NB; j++) {
      const k = k0 + j;
      // 1. Column k, rows k..m-1, brought up to date.
      for (let i = k; i < m; i++) {
        let sum = 0;
        const vi = i * NB;
        const yk = k * NB;
        for (let l = 0; l < j; l++) sum += V[vi + l]! * Y[yk + l]! + X[vi + l]! * U[yk + l]!;
        col[i - k] = a[i * n + k]! - sum;
      }
      // 2. Left reflector.
      const len = m - k;
      const tq = makeReflector(col, 0, len, 1);
      tauL[k] = tq;
      d[k] = col[0]!;
      a[k * n + k] = col[0]!;
      V[k * NB + j] = 1;
      for (let i = 1; i < len; i++) {
        a[(k + i) * n + k] = col[i]!;
        V[(k + i) * NB + j] = col[i]!;
      }
      const c0 = k + 1;
      // 3. y_j = tq (A0ᵀ v - Y (Vᵀ v) - U (Xᵀ v)) on columns k+1..n-1.
      for (let c = c0; c < n; c++) raw[c] = 0;
      // Four rows per sweep: one load/store of raw per four multiply-adds.
      let i4 = k;
      for (; i4 + 3 < m; i4 += 4) {
        const w0 = V[i4 * NB + j]!;
        const w1 = V[(i4 + 1) * NB + j]!;
        const w2 = V[(i4 + 2) * NB + j]!;
        const w3 = V[(i4 + 3) * NB + j]!;
        const r0 = i4 * n;
        const r1 = r0 + n;
        const r2 = r1 + n;
        const r3 = r2 + n;
        for (let c = c0; c < n; c++) raw[c] = raw[c]! + w0 * a[r0 + c]! + w1 * a[r1 + c]! + w2 * a[r2 + c]! + w3 * a[r3 + c]!;
      }
      for (; i4 < m; i4++) {
        const vi = V[i4 * NB + j]!;
        if (vi === 0) continue;
        const row = i4 * n;
        for (let c = c0; c < n; c++) raw[c] = raw[c]! + vi * a[row + c]!;
      }
      for (let l = 0; l < j; l++) {
        t1[l] = 0;
        t2[l] = 0;
      }
      for (let i = k; i < m; i++) {
        const q = i * NB;
        const vi = V[q + j]!;
        if (vi === 0) continue;
        for (let l = 0; l < j; l++) {
          t1[l] = t1[l]! + V[q + l]! * vi;
          t2[l] = t2[l]! + X[q + l]! * vi;
        }
      }
      for (let c = c0; c < n; c++) {
        const q = c * NB;
        let sum = raw[c]!;
        for (let l = 0; l < j; l++) sum -= Y[q + l]! * t1[l]! + U[q + l]! * t2[l]!;
        Y[q + j] = tq * sum;
      }
      // 4. Row k, columns k+1..n-1, brought up to date (including this step's left reflection).
      const vk = k * NB;
      for (let c = c0; c < n; c++) {
        const q = c * NB;
        let sum = 0;
        for (let l = 0; l <= j; l++) sum += Y[q + l]! * V[vk + l]!;
        for (let l = 0; l < j; l++) sum += U[q + l]! * X[vk + l]!;
        a[k * n + c] = a[k * n + c]! - sum;
      }
      // 5. Right reflector on row k (contiguous).
      const off = k * n + c0;
      const nc = n - c0;
      const tp = makeReflector(a, off, nc, 1);
      tauR[k] = tp;
      e[k] = a[off]!;
      U[c0 * NB + j] = 1;
      for (let c = 1; c < nc; c++) U[(c0 + c) * NB + j] = a[off + c]!;
      // 6. x_j = tp (A0 u - V (Yᵀ u) - X (Uᵀ u)) on rows k+1..m-1.
      for (let l = 0; l <= j; l++) {
        t1[l] = 0;
        t2[l] = 0;
      }
      for (let c = c0; c < n; c++) {
        const q = c * NB;
        const uc = U[q + j]!;
        if (uc === 0) continue;
        for (let l = 0; l <= j; l++) t1[l] = t1[l]! + Y[q + l]! * uc;
        for (let l = 0; l < j; l++) t2[l] = t2[l]! + U[q + l]! * uc;
      }
      // raw[i] = (A0 u)_i, four rows per sweep over u.
      let r4 = c0;
      for (; r4 + 3 < m; r4 += 4) {
        const b0 = r4 * n + c0;
        const b1 = b0 + n;
        const b2 = b1 + n;
        const b3 = b2 + n;
        let s0 = a[b0]!;
        let s1 = a[b1]!;
        let s2 = a[b2]!;
        let s3 = a[b3]!;
        for (let c = 1; c < nc; c++) {
          const uc = a[off + c]!;
          s0 += a[b0 + c]! * uc;
          s1 += a[b1 + c]! * uc;
          s2 += a[b2 + c]! * uc;
          s3 += a[b3 + c]! * uc;
        }
        raw[r4] = s0;
        raw[r4 + 1] = s1;
        raw[r4 + 2] = s2;
        raw[r4 + 3] = s3;
      }
      for (; r4 < m; r4++) {
        const row = r4 * n + c0;
        let sum = a[row]!;
        for (let c = 1; c < nc; c++) sum += a[row + c]! * a[off + c]!;
        raw[r4] = sum;
      }
      for (let i = c0; i < m; i++) {
        let sum = raw[i]!;
        const q = i * NB;
        for (let l = 0; l <= j; l++) sum -= V[q + l]! * t1[l]!;
        for (let l = 0; l < j; l++) sum -= X[q + l]! * t2[l]!;
        X[q + j] = tp * sum;
      }
    }
    // Trailing update: A[k1:, k1:] -= V Yᵀ + X Uᵀ.
    const k1 = k0 + NB;
    for (let i = k1 * NB; i < m * NB; i++) {
      V[i] = -V[i]!;
      X[i] = -X[i]!;
    }
    const c = a.subarray(k1 * n + k1);
    gemmAccumulate(m - k1, n - k1, NB, { data: V, off: k1 * NB, rs: NB, cs: 1 }, { data: Y, off: k1 * NB, rs: 1, cs: NB }, c, n);
    gemmAccumulate(m - k1, n - k1, NB, { data: X, off: k1 * NB, rs: NB, cs: 1 }, { data: U, off: k1 * NB, rs: 1, cs: NB }, c, n);
  }
  return k0;
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
  const { values, vectors } = eigh(mat(c, c, g));
  // y: c x p, the top p eigenvectors scaled by 1/sqrt(λ), so x y is near orthonormal.
  const y = new Float64Array(c * p);
  const vd = vectors.data;
  for (let j = 0; j < p; j++) {
    const src = c - 1 - j;
    const inv = 1 / Math.sqrt(Math.max(values[src]!, Number.MIN_VALUE));
    for (let i = 0; i < c; i++) y[i * p + j] = vd[i * c + src]! * inv;
  }
  const b = mm(x, n, c, false, y, p);
  // One re-orthonormalization (QR) for safety.
  const tau = householderQrInPlace(b, n, p);
  return formQ(b, n, p, tau, p);
}

/**
 * Orthonormal basis (n x (n - big)) of the orthogonal complement of the first `big` columns of
 * the n x n row-major q (orthonormal columns), from a complete Householder QR of them.
 */
function complementBasis(q: Float64Array, n: number, big: number): Float64Array {
  const f = new Float64Array(n * big);
  for (let i = 0; i < n; i++) for (let c = 0; c < big; c++) f[i * big + c] = q[i * n + c]!;
  const tau = householderQrInPlace(f, n, big);
  const full = formQ(f, n, big, tau, n);
  const t = n - big;
  const out = new Float64Array(n * t);
  for (let i = 0; i < n; i++) out.set(full.subarray(i * n + big, i * n + n), i * t);
  return out;
}

/** SVD of the n x n upper bidiagonal (d, e) restricted as described above: u, v n x n, s n. */
export function bidiagSvd(d: Float64Array, e: Float64Array, n: number, fn: string, kWant = n): SvdParts {
  const N = 2 * n;
  const td = new Float64Array(N);
  const te = new Float64Array(N - 1);
  for (let i = 0; i < n; i++) {
    te[2 * i] = d[i]!;
    if (i < n - 1) te[2 * i + 1] = e[i]!;
  }
  let tiny = 0;
  // Many small singular values (rank-deficient or ill-conditioned input): their subspaces are
  // taken as the orthogonal complement of the large ones, so only the large eigenvectors are
  // formed. Few: from the span of their ±σ eigenvectors (cheap, 2*tiny columns).
  let viaComplement = false;
  // Truncated: only the kWant largest triplets are wanted and all of them are large.
  let truncated = false;
  const x = tridiagEigDc(td, te, N, fn, (vals) => {
    const smax = Math.max(vals[N - 1]!, 0);
    tiny = 0;
    while (tiny < n && vals[n + tiny]! <= split(n) * smax) tiny++;
    viaComplement = tiny > n - tiny;
    truncated = kWant < n && kWant <= n - tiny;
    return truncated ? kWant : viaComplement ? n - tiny : n + tiny;
  });
  if (truncated) {
    const k = kWant;
    const ut = new Float64Array(n * k);
    const vt = new Float64Array(n * k);
    const st = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const col = k - 1 - c;
      st[c] = td[N - 1 - c]!;
      for (let i = 0; i < n; i++) {
        vt[i * k + c] = Math.SQRT2 * x[2 * i * k + col]!;
        ut[i * k + c] = Math.SQRT2 * x[(2 * i + 1) * k + col]!;
      }
    }
    return { u: ut, s: st, v: vt };
  }
  const kc = viaComplement ? n - tiny : n + tiny;
  // Column kc-1-c is the c-th largest eigenpair.
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
    // Orthonormal bases V_t, U_t of the small singular subspaces; then the small problem
    // U_tᵀ B V_t is solved exactly.
    let vt: Float64Array;
    let ut: Float64Array;
    if (viaComplement) {
      vt = complementBasis(v, n, big);
      ut = complementBasis(u, n, big);
    } else {
      const c2 = 2 * tiny;
      const xv = new Float64Array(n * c2);
      const xu = new Float64Array(n * c2);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < c2; c++) {
          xv[i * c2 + c] = x[2 * i * kc + c]!;
          xu[i * c2 + c] = x[(2 * i + 1) * kc + c]!;
        }
      }
      vt = dominantBasis(xv, n, c2, tiny);
      ut = dominantBasis(xu, n, c2, tiny);
    }
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
 * QR first when m >= 1.6 n, else bidiagonalization + TGK divide and conquer. With kWant < n
 * the result may hold only the kWant leading triplets (fewer eigenvectors and a cheaper
 * back-transformation); callers truncate to what they asked for.
 */
export function denseSvd(a: Float64Array, m: number, n: number, fn: string, kWant = n): SvdParts {
  if (n <= SMALL) return jacobiSvd(a, m, n, fn);
  let amax = 0;
  for (let i = 0; i < a.length; i++) amax = Math.max(amax, Math.abs(a[i]!));
  if (amax === 0) return jacobiSvd(a, m, n, fn);
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
  const core = bidiagSvd(b.d, b.e, n, fn, kWant);
  const ko = core.s.length;
  const u = new Float64Array(m * ko);
  u.set(core.u);
  applyQLeft(a, m, n, b.tauL, u, ko);
  const v = core.v;
  if (n >= 3) applyQLeft(b.reflR, n - 1, n - 2, b.tauR, v.subarray(ko), ko);
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
