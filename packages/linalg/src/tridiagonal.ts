/**
 * Symmetric tridiagonal reduction and the implicit QL eigensolver (internal).
 * References: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 8.3.1 (Householder
 * tridiagonalization) and 8.3.2-8.3.3 (implicit symmetric QR step with Wilkinson shift);
 * Bowdler, Martin, Reinsch & Wilkinson, "The QR and QL algorithms for symmetric matrices",
 * Numer. Math. 11 (1968).
 */
import { ConvergenceError } from '@x/gpu';
import { EPS, hypot2, ldexpInPlace } from './dense-util';
import { applyQLeft, makeReflector } from './householder-qr';
import { applyRowReflectors, type Tridiagonal } from './tridiagonal-blocked';

export type { Tridiagonal } from './tridiagonal-blocked';

/**
 * Householder reduction of a symmetric n x n matrix (lower triangle read, full row-major
 * buffer `a` destroyed) to tridiagonal form. Uses the lower triangle only and fuses the
 * symmetric matrix-vector product into one pass over each row. 4n³/3 flops.
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const nr = Math.max(n - 2, 0);
  const tau = new Float64Array(nr);
  const x = new Float64Array(n);
  const p = new Float64Array(n);
  const v = new Float64Array(n);
  for (let k = 0; k < nr; k++) {
    const r = n - k - 1;
    // Column k below the diagonal (lower triangle) gathered into x.
    for (let i = 0; i < r; i++) x[i] = a[(k + 1 + i) * n + k]!;
    const t = makeReflector(x, 0, r, 1);
    tau[k] = t;
    e[k] = x[0]!;
    d[k] = a[k * n + k]!;
    v[0] = 1;
    for (let i = 1; i < r; i++) v[i] = x[i]!;
    // Store v[1:] in column k below the subdiagonal (it is no longer needed).
    for (let i = 1; i < r; i++) a[(k + 1 + i) * n + k] = v[i]!;
    if (t === 0) continue;
    const base = (k + 1) * n + (k + 1);
    // p = t * A22 v from the lower triangle: row i contributes to p_i (prefix) and p_j (j < i).
    for (let i = 0; i < r; i++) p[i] = 0;
    for (let i = 0; i < r; i++) {
      const row = base + i * n;
      const vi = v[i]!;
      let s = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[row + j]!;
        s += aij * v[j]!;
        p[j] = p[j]! + aij * vi;
      }
      p[i] = p[i]! + s + a[row + i]! * vi;
    }
    let pv = 0;
    for (let i = 0; i < r; i++) {
      p[i] = t * p[i]!;
      pv += p[i]! * v[i]!;
    }
    const half = 0.5 * t * pv;
    for (let i = 0; i < r; i++) p[i] = p[i]! - half * v[i]!;
    // A22 -= v wᵀ + w vᵀ on the lower triangle (w = p).
    for (let i = 0; i < r; i++) {
      const row = base + i * n;
      const vi = v[i]!;
      const wi = p[i]!;
      for (let j = 0; j <= i; j++) a[row + j] = a[row + j]! - vi * p[j]! - wi * v[j]!;
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)]!;
    d[n - 1] = a[(n - 1) * n + (n - 1)]!;
    e[n - 2] = a[(n - 1) * n + (n - 2)]!;
  } else if (n === 1) {
    d[0] = a[0]!;
  }
  // Reflector buffer in QR layout: refl[i'][k] = v_k[i' - k] for i' > k (i' = row - 1).
  const m1 = Math.max(n - 1, 0);
  const refl = new Float64Array(m1 * nr);
  for (let k = 0; k < nr; k++) {
    for (let i = k + 1; i < m1; i++) refl[i * nr + k] = a[(i + 1) * n + k]!;
  }
  return { d, e, refl, tau };
}

/** c <- Q c for the Q of {@link tridiagonalize}; c is n x p row-major. */
export function applyTridiagQ(t: Tridiagonal, n: number, c: Float64Array, p: number): void {
  if (n < 3) return;
  if (t.rows) applyRowReflectors(t.rows, t.tau, n, c, p);
  else applyQLeft(t.refl, n - 1, n - 2, t.tau, c.subarray(p), p);
}

/**
 * Implicit QL with Wilkinson-type shifts on the symmetric tridiagonal (d, e), in place:
 * d becomes the eigenvalues (unsorted). When `zt` (n x n row-major, rows are vectors) is
 * given, each plane rotation is applied to rows i, i+1, so row i ends as the eigenvector of d[i]
 * expressed in the basis zt started in. O(n²) without vectors, about 3n³ flops with them.
 * @throws ConvergenceError after 60 iterations on one eigenvalue.
 */
export function tridiagQl(d: Float64Array, e: Float64Array, zt: Float64Array | null, n: number, fn = 'eigh'): void {
  if (n <= 1) return;
  const ee = new Float64Array(n);
  ee.set(e.subarray(0, n - 1));
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + 2 * Math.abs(ee[i]!));
  // Far from 1 (e.g. a D&C leaf of tiny entries) work on a power-of-two scaled copy: denormal
  // arithmetic would stall the iteration (LAPACK dsteqr scales the same way).
  let ex = 0;
  if (tnorm > 0 && (tnorm < 2 ** -400 || tnorm > 2 ** 400)) {
    ex = -Math.round(Math.log2(tnorm));
    ldexpInPlace(d, ex);
    ldexpInPlace(ee, ex);
    tnorm = 0;
    for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + 2 * Math.abs(ee[i]!));
  }
  // Relative test (keeps small eigenvalues accurate where possible) or an absolute one at
  // eps ||T||/2 (the accuracy eigh promises), so noise-level blocks cannot stall.
  const absTol = 0.5 * EPS * tnorm;
  const budget = 30 * n;
  let total = 0;
  for (let l = 0; l < n; l++) {
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const em = Math.abs(ee[m]!);
        if (em <= EPS * (Math.abs(d[m]!) + Math.abs(d[m + 1]!)) || em <= absTol) {
          ee[m] = 0;
          break;
        }
      }
      if (m === l) break;
      if (++total > budget) {
        throw new ConvergenceError(`${fn}: tridiagonal QL did not converge in ${budget} iterations (eigenvalue ${l})`, Math.abs(ee[l]!), total);
      }
      let g = (d[l + 1]! - d[l]!) / (2 * ee[l]!);
      let r = hypot2(g, 1);
      g = d[m]! - d[l]! + ee[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let early = false;
      for (; i >= l; i--) {
        const f = s * ee[i]!;
        const b = c * ee[i]!;
        r = hypot2(f, g);
        ee[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          ee[m] = 0;
          early = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (zt) {
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const z1 = zt[r1 + k]!;
            const z0 = zt[r0 + k]!;
            zt[r1 + k] = s * z0 + c * z1;
            zt[r0 + k] = c * z0 - s * z1;
          }
        }
      }
      if (early) continue;
      d[l] = d[l]! - p;
      ee[l] = g;
      ee[m] = 0;
    }
  }
  ldexpInPlace(d, -ex);
}
