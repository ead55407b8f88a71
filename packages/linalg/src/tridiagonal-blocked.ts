/**
 * Blocked Householder tridiagonalization (internal), LAPACK dsytrd/dlatrd style: within a
 * panel of NB columns the reflections are not applied to the trailing matrix; their effect is
 * carried as A - V Wᵀ - W Vᵀ and corrected in each symmetric matrix-vector product, and the
 * trailing matrix is updated once per panel by two GEMMs (upper triangle only). Half of the
 * 4n³/3 flops become level 3 and the trailing matrix is streamed once per column instead of
 * twice. Works on the upper triangle (rows are contiguous there).
 * Reference: Golub & Van Loan (4th ed.) §8.3.1; Dongarra, Hammarling & Sorensen, "Block
 * reduction of matrices to condensed forms for eigenvalue computations", J. Comput. Appl.
 * Math. 27 (1989).
 */
import { gemmAccumulate, gemvAccumulate, symvAccumulate, withWorkspace } from '@x/gpu';
import { buildTGemm, makeReflector } from './householder-qr';

/** Result of `tridiagonalize`: a = Q T Qᵀ with T = tridiag(e, d, e). */
export interface Tridiagonal {
  d: Float64Array;
  e: Float64Array;
  /** (n-1) x (n-2) buffer in householderQr layout holding the reflectors of Q (rows/cols 1..n-1); empty when `rows` holds them. */
  refl: Float64Array;
  tau: Float64Array;
  /** The blocked reduction's n x n buffer whose row k holds reflector k in columns k+2.. (see applyRowReflectors). */
  rows?: Float64Array;
}

const NB = 32;

/**
 * Tridiagonalizes the symmetric n x n row-major buffer `input` (lower triangle read); `input`
 * is overwritten with the reduced matrix, whose rows hold the reflectors (result.rows is it).
 */
export function tridiagonalizeBlocked(input: Float64Array, n: number): Tridiagonal {
  // The matrix lives in a workspace (in wasm linear memory on the wasm route), so the
  // matrix-vector products of every column run there without copies. Row k of the result
  // holds reflector k in columns k+2.. (its unit head at k+1): kept row-major, as the
  // back-transformation reads it (applyRowReflectors), in the caller's buffer (already in
  // memory: a fresh n x n array costs page faults on every call).
  const t = withWorkspace([input.subarray(0, n * n)], (a) => tridiagonalizeInPlace(a, n), tridiagonalizeInPlaceBytes(n));
  return { ...t, rows: input };
}

/**
 * Bytes the panel workspace of {@link tridiagonalizeInPlace} needs (GEMM scratch included), for
 * a caller that reserves them in its own workspace.
 */
export function tridiagonalizeInPlaceBytes(n: number): number {
  return (n * NB * 6 + n + 2 * NB) * 8 + 7 * 16 + (3 << 20);
}

/**
 * {@link tridiagonalizeBlocked} on `a` itself (n x n, lower triangle read), for a caller whose
 * matrix already lies in a workspace: the reduction runs there, and `a` ends as the reduced
 * matrix holding the reflectors (result.rows is `a`). `symmetric`: both triangles of `a` already
 * hold the matrix (as after requireSymmetric), so the lower one need not be mirrored.
 */
export function tridiagonalizeInPlace(a: Float64Array, n: number, symmetric = false): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tau = new Float64Array(Math.max(n - 2, 0));
  // V and W: n x NB, row = global index (rows <= k of column j are zero). [-V | -W] and
  // [W | V] side by side (n x 2NB): the trailing update A -= V Wᵀ + W Vᵀ is then one GEMM of
  // inner dimension 2nb, so the trailing matrix is streamed once per panel instead of twice.
  withWorkspace([n * NB, n * NB, n * 2 * NB, n * 2 * NB, n, NB, NB], (V, W, L, R, p, y1, y2) => reduce(a, n, d, e, tau, V, W, L, R, p, y1, y2, symmetric));
  return { d, e, refl: new Float64Array(0), tau, rows: a };
}

/**
 * c <- Q c for the Q of {@link tridiagonalizeBlocked}: c is n x p row-major (row 0 is left
 * alone, as Q = 1 ⊕ H_0 ... H_{n-3}). Blocks of NB reflectors, last first, in compact WY form
 * through GEMM: Vᵀ is copied row by row from the reduced matrix (contiguous), T comes from one
 * Gram GEMM (buildTGemm), then W = Vᵀ C, W2 = -T W, C += V W2 (dormtr 'L', 'U', 'N').
 */
export function applyRowReflectors(rows: Float64Array, tau: Float64Array, n: number, c: Float64Array, p: number): void {
  if (tau.length === 0 || p === 0) return;
  withWorkspace([c.subarray(p, n * p)], (cw) => applyRowReflectorsTo(rows, tau, n, cw, p));
}

/**
 * Bytes the workspace of {@link applyRowReflectorsTo} needs (GEMM scratch included), for a
 * caller that reserves them in its own workspace.
 */
export function applyRowReflectorsBytes(n: number, p: number): number {
  return (n * n + NB * n + 2 * NB * NB + 2 * NB * p) * 8 + 6 * 16 + (3 << 20);
}

/**
 * {@link applyRowReflectors} on rows 1..n-1 of c given as cw ((n-1) x p), in place: when cw
 * lies in a workspace, its GEMMs read and write it there without copies. `rows` is copied into
 * the workspace unless copyRows is false (a caller whose rows already lie in one).
 */
export function applyRowReflectorsTo(rows: Float64Array, tau: Float64Array, n: number, cw: Float64Array, p: number, copyRows = true): void {
  const k = tau.length;
  const m = n - 1;
  if (k === 0 || p === 0) return;
  withWorkspace([copyRows ? n * n : 0, NB * m, NB * NB, NB * NB, NB * p, NB * p], (vr0, vt, g, t, w, w2) => {
    // The reflectors are only read: a caller whose `rows` already lies in the workspace passes
    // copyRows false.
    let vr = rows;
    if (copyRows) {
      vr0.set(rows.subarray(0, n * n));
      vr = vr0;
    }
    const last = Math.floor((k - 1) / NB) * NB;
    for (let j0 = last; j0 >= 0; j0 -= NB) {
      const nb = Math.min(NB, k - j0);
      const mr = m - j0;
      // vt (nb x mr): reflector j0 + l over rows j0.. of cw (global indices j0 + 1..).
      for (let l = 0; l < nb; l++) {
        const dst = l * mr;
        vt.fill(0, dst, dst + l);
        vt[dst + l] = 1;
        const src = (j0 + l) * n + j0 + 1;
        vt.set(vr.subarray(src + l + 1, src + mr), dst + l + 1);
      }
      buildTGemm(vt, mr, nb, tau, j0, t, nb, g, 1, mr);
      for (let i = 0; i < nb * nb; i++) t[i] = -t[i]!;
      w.fill(0, 0, nb * p);
      gemmAccumulate(nb, p, mr, { data: vt, off: 0, rs: mr, cs: 1 }, { data: cw, off: j0 * p, rs: p, cs: 1 }, w, p);
      w2.fill(0, 0, nb * p);
      gemmAccumulate(nb, p, nb, { data: t, off: 0, rs: nb, cs: 1 }, { data: w, off: 0, rs: p, cs: 1 }, w2, p);
      gemmAccumulate(mr, p, nb, { data: vt, off: 0, rs: 1, cs: mr }, { data: w2, off: 0, rs: p, cs: 1 }, cw.subarray(j0 * p), p);
    }
  });
}

function reduce(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  V: Float64Array,
  W: Float64Array,
  L: Float64Array,
  R: Float64Array,
  p: Float64Array,
  y1: Float64Array,
  y2: Float64Array,
  symmetric: boolean,
): void {
  // Mirror the lower triangle into the upper one, which is used from here on.
  if (!symmetric) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i]!;
  const nr = tau.length;
  for (let k0 = 0; k0 < nr; k0 += NB) {
    const nb = Math.min(NB, nr - k0);
    V.fill(0);
    W.fill(0);
    for (let j = 0; j < nb; j++) {
      const k = k0 + j;
      const rowk = k * n;
      // 1. Bring row k (columns k..n-1) up to date with the deferred rank-2j update:
      //    a[k, k:] -= W[k:] V[k]ᵀ + V[k:] W[k]ᵀ.
      if (j > 0) {
        for (let l = 0; l < j; l++) {
          y1[l] = -V[k * NB + l]!;
          y2[l] = -W[k * NB + l]!;
        }
        gemvAccumulate(n - k, j, { data: W, off: k * NB, rs: NB, cs: 1 }, y1, 0, a, rowk + k);
        gemvAccumulate(n - k, j, { data: V, off: k * NB, rs: NB, cs: 1 }, y2, 0, a, rowk + k);
      }
      d[k] = a[rowk + k]!;
      // 2. Reflector on row k, columns k+1..n-1 (contiguous).
      const r = n - k - 1;
      const off = rowk + k + 1;
      const t = makeReflector(a, off, r, 1);
      tau[k] = t;
      e[k] = a[off]!;
      const beta = a[off]!;
      a[off] = 1; // v, with its unit head, in place for the products below
      if (t !== 0) {
        // 3. p = A22 v from the upper triangle of the (not yet updated) trailing matrix.
        const b0 = k + 1;
        const len = n - b0;
        p.fill(0, b0, n);
        symvAccumulate(len, a, b0 * n + b0, n, a, off, p, b0);
        // Corrections: p -= V (Wᵀ v) + W (Vᵀ v).
        if (j > 0) {
          y1.fill(0, 0, j);
          y2.fill(0, 0, j);
          gemvAccumulate(j, len, { data: W, off: b0 * NB, rs: 1, cs: NB }, a, off, y1, 0);
          gemvAccumulate(j, len, { data: V, off: b0 * NB, rs: 1, cs: NB }, a, off, y2, 0);
          for (let l = 0; l < j; l++) {
            y1[l] = -y1[l]!;
            y2[l] = -y2[l]!;
          }
          gemvAccumulate(len, j, { data: V, off: b0 * NB, rs: NB, cs: 1 }, y1, 0, p, b0);
          gemvAccumulate(len, j, { data: W, off: b0 * NB, rs: NB, cs: 1 }, y2, 0, p, b0);
        }
        let pv = 0;
        for (let i = b0; i < n; i++) {
          p[i] = t * p[i]!;
          pv += p[i]! * a[rowk + i]!;
        }
        const half = 0.5 * t * pv;
        for (let i = b0; i < n; i++) {
          const vi = a[rowk + i]!;
          const wi = p[i]! - half * vi;
          V[i * NB + j] = vi;
          W[i * NB + j] = wi;
        }
      }
      a[off] = beta;
    }
    // Trailing update of rows/cols >= k1 (upper triangle): A -= V Wᵀ + W Vᵀ.
    const k1 = k0 + nb;
    const rt = n - k1;
    if (rt > 0) {
      const w2 = 2 * nb;
      for (let i = k1; i < n; i++) {
        const src = i * NB;
        const dst = i * w2;
        for (let l = 0; l < nb; l++) {
          L[dst + l] = -V[src + l]!;
          L[dst + nb + l] = -W[src + l]!;
          R[dst + l] = W[src + l]!;
          R[dst + nb + l] = V[src + l]!;
        }
      }
      const c = a.subarray(k1 * n + k1);
      gemmAccumulate(rt, rt, w2, { data: L, off: k1 * w2, rs: w2, cs: 1 }, { data: R, off: k1 * w2, rs: 1, cs: w2 }, c, n, true);
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)]!;
    d[n - 1] = a[(n - 1) * n + (n - 1)]!;
    e[n - 2] = a[(n - 2) * n + (n - 1)]!;
  } else if (n === 1) {
    d[0] = a[0]!;
  }
}
