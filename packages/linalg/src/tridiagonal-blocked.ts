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
import { gemmAccumulate } from '@x/gpu';
import { makeReflector } from './householder-qr';
import type { Tridiagonal } from './tridiagonal';

const NB = 32;

/**
 * Tridiagonalizes the symmetric n x n row-major buffer `a` (lower triangle read, buffer
 * destroyed). Same result layout as tridiagonalize().
 */
export function tridiagonalizeBlocked(a: Float64Array, n: number): Tridiagonal {
  // Mirror the lower triangle into the upper one, which is used from here on.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i]!;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const nr = Math.max(n - 2, 0);
  const tau = new Float64Array(nr);
  // V and W: n x NB, row = global index (rows <= k of column j are zero).
  const V = new Float64Array(n * NB);
  const W = new Float64Array(n * NB);
  // [-V | -W] and [W | V] side by side (n x 2NB): the trailing update A -= V Wᵀ + W Vᵀ is then
  // one GEMM of inner dimension 2nb, so the trailing matrix is streamed (and, on the wasm route,
  // copied into linear memory) once per panel instead of twice.
  const L = new Float64Array(n * 2 * NB);
  const R = new Float64Array(n * 2 * NB);
  const p = new Float64Array(n);
  const y1 = new Float64Array(NB);
  const y2 = new Float64Array(NB);
  for (let k0 = 0; k0 < nr; k0 += NB) {
    const nb = Math.min(NB, nr - k0);
    V.fill(0);
    W.fill(0);
    for (let j = 0; j < nb; j++) {
      const k = k0 + j;
      const rowk = k * n;
      // 1. Bring row k (columns k..n-1) up to date with the deferred rank-2j update.
      if (j > 0) {
        const vk = k * NB;
        for (let c = k; c < n; c++) {
          const vc = c * NB;
          let s = 0;
          for (let l = 0; l < j; l++) s += V[vk + l]! * W[vc + l]! + W[vk + l]! * V[vc + l]!;
          a[rowk + c] = a[rowk + c]! - s;
        }
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
        for (let i = b0; i < n; i++) p[i] = 0;
        // Two rows per sweep (row i's part left of the pair's columns is handled first).
        let i = b0;
        for (; i + 1 < n; i += 2) {
          const r0 = i * n;
          const r1 = r0 + n;
          const v0 = a[rowk + i]!;
          const v1 = a[rowk + i + 1]!;
          const a01 = a[r0 + i + 1]!;
          let s0 = a[r0 + i]! * v0 + a01 * v1;
          let s1 = a[r1 + i + 1]! * v1;
          p[i + 1] = p[i + 1]! + a01 * v0;
          for (let c = i + 2; c < n; c++) {
            const x0 = a[r0 + c]!;
            const x1 = a[r1 + c]!;
            const vc = a[rowk + c]!;
            s0 += x0 * vc;
            s1 += x1 * vc;
            p[c] = p[c]! + x0 * v0 + x1 * v1;
          }
          p[i] = p[i]! + s0;
          p[i + 1] = p[i + 1]! + s1;
        }
        for (; i < n; i++) {
          const row = i * n;
          const vi = a[rowk + i]!;
          let s = a[row + i]! * vi;
          for (let c = i + 1; c < n; c++) {
            const aic = a[row + c]!;
            s += aic * a[rowk + c]!;
            p[c] = p[c]! + aic * vi;
          }
          p[i] = p[i]! + s;
        }
        // Corrections: p -= V (Wᵀ v) + W (Vᵀ v).
        if (j > 0) {
          y1.fill(0, 0, j);
          y2.fill(0, 0, j);
          for (let i = b0; i < n; i++) {
            const vi = a[rowk + i]!;
            const q = i * NB;
            for (let l = 0; l < j; l++) {
              y1[l] = y1[l]! + W[q + l]! * vi;
              y2[l] = y2[l]! + V[q + l]! * vi;
            }
          }
          for (let i = b0; i < n; i++) {
            const q = i * NB;
            let s = 0;
            for (let l = 0; l < j; l++) s += V[q + l]! * y1[l]! + W[q + l]! * y2[l]!;
            p[i] = p[i]! - s;
          }
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
  const m1 = Math.max(n - 1, 0);
  const refl = new Float64Array(m1 * nr);
  for (let k = 0; k < nr; k++) {
    for (let i = k + 1; i < m1; i++) refl[i * nr + k] = a[k * n + i + 1]!;
  }
  return { d, e, refl, tau };
}
