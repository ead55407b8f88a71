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
import { gemmAccumulate, gemvAccumulate, withWorkspace } from '@x/gpu';
import { ldexpInPlace, mat, maxAbsOf, unitScaleExponent } from './dense-util';
import { eigh } from './eigh';
import { applyQLeft, formQ, householderQrInPlace, makeReflector } from './householder-qr';
import { jacobiSvd, type SvdParts } from './jacobi-svd';
import { tridiagQl } from './tridiagonal';
import { tridiagEigDc } from './tridiagonal-dc';
import { bidiagSvdDc } from './bidiag-dc';

/** Route of the bidiagonal SVD: divide and conquer on the n x n bidiagonal (true) or on TGK. */
const BIDIAG_DC = true;

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
    // The small problem is scaled by a power of two (exact) to max |entry| ~ 1 first: its
    // entries can be far below the original scale, and every level must work in a safe range.
    const inner = scaledDenseSvd(cm, tiny, tiny, fn);
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

/** {@link denseSvd} of a scaled by 2^e (e: max |a| scaled to about 1, exact), s scaled back. */
function scaledDenseSvd(a: Float64Array, m: number, n: number, fn: string): SvdParts {
  const ex = unitScaleExponent(a);
  ldexpInPlace(a, ex);
  const p = denseSvd(a, m, n, fn);
  ldexpInPlace(p.s, -ex);
  return p;
}

/**
 * Thin SVD of a row-major m x n buffer with m >= n (a is overwritten): Jacobi for small n,
 * QR first when m >= 1.6 n, else bidiagonalization + TGK divide and conquer. With kWant < n
 * the result may hold only the kWant leading triplets (fewer eigenvectors and a cheaper
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
  const core = BIDIAG_DC ? bidiagSvdDc(b.d, b.e, n, fn) : bidiagSvd(b.d, b.e, n, fn, kWant);
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
