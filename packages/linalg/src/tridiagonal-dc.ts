/**
 * Cuppen's divide and conquer for the symmetric tridiagonal eigenproblem (internal), with
 * deflation (small z components and close poles, LAPACK dlaed2 style), a bracketed rational
 * (two-pole) secular equation solver, and Gu-Eisenstat's recomputed z so that the
 * eigenvectors are numerically orthogonal. Merges multiply by the two child eigenvector
 * blocks through the GEMM of @x/gpu, so most of the work is level 3.
 * References: Cuppen, "A divide and conquer method for the symmetric tridiagonal
 * eigenproblem", Numer. Math. 36 (1981); Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16
 * (1995); Bunch, Nielsen & Sorensen, Numer. Math. 31 (1978) (rational secular iteration);
 * Golub & Van Loan (4th ed.) §8.4.4.
 */
import { ConvergenceError, gemmAccumulate } from '@x/gpu';
import { EPS } from './dense-util';
import { tridiagQl } from './tridiagonal';

const LEAF = 32;
/**
 * Absolute floor, relative to the scaled matrix (largest entry 1): entries below it are
 * flushed to zero, and deflation and root bracketing stop there, so no merge or secular
 * equation works on subnormal numbers. 2^-960 (about 1e-289) perturbs T far below eps ||T||.
 */
const FLUSH = 2 ** -960;

interface Eig {
  vals: Float64Array;
  /** sz x sz row-major, columns are eigenvectors (ascending vals). */
  q: Float64Array;
}

/**
 * Eigenvalues (ascending, written into d) and eigenvectors (returned, n x n row-major with
 * eigenvectors as columns) of the symmetric tridiagonal matrix with diagonal d and
 * off-diagonal e.
 */
export function tridiagEigDc(
  d: Float64Array,
  e: Float64Array,
  n: number,
  fn: string,
  keep?: (valsAscending: Float64Array) => number,
): Float64Array {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]!));
  if (scale === 0) {
    const kc = keep ? keep(new Float64Array(n)) : n;
    const q = new Float64Array(n * kc);
    for (let c = 0; c < kc; c++) q[(n - kc + c) * kc + c] = 1;
    return q;
  }
  const ds = new Float64Array(n);
  const es = new Float64Array(Math.max(n - 1, 0));
  // Scaled to max |entry| = 1; entries below FLUSH (far below the O(eps) absolute accuracy)
  // are set to zero, so no merge or secular equation ever works on subnormal numbers.
  for (let i = 0; i < n; i++) {
    const v = d[i]! / scale;
    ds[i] = Math.abs(v) < FLUSH ? 0 : v;
  }
  for (let i = 0; i < n - 1; i++) {
    const v = e[i]! / scale;
    es[i] = Math.abs(v) < FLUSH ? 0 : v;
  }
  const r = rec(ds, es, fn, keep);
  for (let i = 0; i < n; i++) d[i] = r.vals[i]! * scale;
  return r.q;
}

function leaf(d: Float64Array, e: Float64Array, fn: string, keep?: (v: Float64Array) => number): Eig {
  const n = d.length;
  const zt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  const dd = d.slice();
  tridiagQl(dd, e, zt, n, fn);
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => dd[a]! - dd[b]!);
  const vals = new Float64Array(n);
  for (let k = 0; k < n; k++) vals[k] = dd[idx[k]!]!;
  const kc = keep ? keep(vals) : n;
  const q = new Float64Array(n * kc);
  for (let c = 0; c < kc; c++) {
    const s = idx[n - kc + c]!;
    for (let i = 0; i < n; i++) q[i * kc + c] = zt[s * n + i]!;
  }
  return { vals, q };
}

function rec(d: Float64Array, e: Float64Array, fn: string, keep?: (v: Float64Array) => number): Eig {
  const sz = d.length;
  if (sz <= LEAF) return leaf(d, e, fn, keep);
  const n1 = sz >> 1;
  const n2 = sz - n1;
  const beta = e[n1 - 1]!;
  const ab = Math.abs(beta);
  const d1 = d.slice(0, n1);
  const d2 = d.slice(n1);
  d1[n1 - 1] = d1[n1 - 1]! - ab;
  d2[0] = d2[0]! - ab;
  const left = rec(d1, e.slice(0, n1 - 1), fn);
  const right = rec(d2, e.slice(n1), fn);
  return merge(left, right, n1, n2, beta, fn, keep);
}

/**
 * Merges two child eigensystems. Only the eigenvectors of the `keep(vals)` largest eigenvalues
 * are formed (all when keep is absent), as q: sz x kept columns.
 */
function merge(left: Eig, right: Eig, n1: number, n2: number, beta: number, fn: string, keep?: (v: Float64Array) => number): Eig {
  const sz = n1 + n2;
  const q1 = left.q;
  const q2 = right.q;
  // D + rho z zᵀ with z = [last row of Q1; sign(beta) first row of Q2] / sqrt 2, rho = 2|beta|.
  const rho = 2 * Math.abs(beta);
  const sgn = beta >= 0 ? 1 : -1;
  const dAll = new Float64Array(sz);
  const zAll = new Float64Array(sz);
  const r2 = Math.SQRT1_2;
  for (let i = 0; i < n1; i++) {
    dAll[i] = left.vals[i]!;
    zAll[i] = q1[(n1 - 1) * n1 + i]! * r2;
  }
  for (let i = 0; i < n2; i++) {
    dAll[n1 + i] = right.vals[i]!;
    zAll[n1 + i] = sgn * q2[i]! * r2;
  }
  // Slots: positions in ascending order of d.
  const perm = Array.from({ length: sz }, (_, i) => i);
  perm.sort((a, b) => dAll[a]! - dAll[b]!);
  const ds = new Float64Array(sz);
  const zs = new Float64Array(sz);
  let dmax = 0;
  for (let s = 0; s < sz; s++) {
    ds[s] = dAll[perm[s]!]!;
    zs[s] = zAll[perm[s]!]!;
    dmax = Math.max(dmax, Math.abs(ds[s]!));
  }
  const tol = Math.max(8 * EPS * Math.max(dmax, rho), FLUSH);
  // Deflation.
  const deflated = new Uint8Array(sz);
  const rotA: number[] = [];
  const rotB: number[] = [];
  const rotC: number[] = [];
  const rotS: number[] = [];
  let prev = -1;
  for (let j = 0; j < sz; j++) {
    if (rho * Math.abs(zs[j]!) <= tol) {
      deflated[j] = 1;
      continue;
    }
    if (prev < 0) {
      prev = j;
      continue;
    }
    const zi = zs[prev]!;
    const zj = zs[j]!;
    const r = Math.hypot(zi, zj);
    const c = zj / r;
    const s = zi / r;
    if (Math.abs((ds[j]! - ds[prev]!) * c * s) <= tol) {
      rotA.push(prev);
      rotB.push(j);
      rotC.push(c);
      rotS.push(s);
      const dp = ds[prev]!;
      const dj = ds[j]!;
      ds[prev] = c * c * dp + s * s * dj;
      ds[j] = s * s * dp + c * c * dj;
      zs[prev] = 0;
      zs[j] = r;
      deflated[prev] = 1;
    }
    prev = j;
  }
  const live: number[] = [];
  const dead: number[] = [];
  for (let s = 0; s < sz; s++) (deflated[s] ? dead : live).push(s);
  const k = live.length;
  // Eigenpair j: the j-th secular root (j < k) or the deflated slot dead[j - k] (a unit vector).
  const vals = new Float64Array(sz);
  const delta = new Float64Array(k * k);
  if (k > 0) {
    const dl = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      dl[i] = ds[live[i]!]!;
      zl[i] = zs[live[i]!]!;
    }
    const zh = secularSystem(dl, zl, rho, k, fn, false, vals, delta);
    // Row j of delta becomes the unit eigenvector of root j (over the live slots).
    for (let j = 0; j < k; j++) {
      let nrm = 0;
      const row = j * k;
      for (let i = 0; i < k; i++) {
        const u = zh[i]! / delta[row + i]!;
        delta[row + i] = u;
        nrm += u * u;
      }
      const inv = 1 / Math.sqrt(nrm);
      for (let i = 0; i < k; i++) delta[row + i] = delta[row + i]! * inv;
    }
  }
  for (let t = 0; t < dead.length; t++) vals[k + t] = ds[dead[t]!]!;
  // Sort eigenpairs ascending and keep the top kc.
  const order = Array.from({ length: sz }, (_, i) => i);
  order.sort((a, b) => vals[a]! - vals[b]!);
  const sortedVals = new Float64Array(sz);
  for (let c = 0; c < sz; c++) sortedVals[c] = vals[order[c]!]!;
  const kc = keep ? keep(sortedVals) : sz;
  // wt (kc x sz): row c is the c-th kept eigenvector of the merged problem, written straight in
  // block coordinates (slot s is block row perm[s]); only kept vectors are formed.
  const wt = new Float64Array(kc * sz);
  for (let c = 0; c < kc; c++) {
    const j = order[sz - kc + c]!;
    const dst = c * sz;
    if (j < k) {
      const row = j * k;
      for (let i = 0; i < k; i++) wt[dst + perm[live[i]!]!] = delta[row + i]!;
    } else {
      wt[dst + perm[dead[j - k]!]!] = 1;
    }
  }
  // Undo the deflation rotations (last applied first) on the slot coordinates.
  for (let r = rotA.length - 1; r >= 0; r--) {
    const a = perm[rotA[r]!]!;
    const b = perm[rotB[r]!]!;
    const c = rotC[r]!;
    const s = rotS[r]!;
    for (let row = 0; row < kc * sz; row += sz) {
      const xa = wt[row + a]!;
      const xb = wt[row + b]!;
      wt[row + a] = c * xa + s * xb;
      wt[row + b] = -s * xa + c * xb;
    }
  }
  // Q = diag(Q1, Q2) Wᵀ-rows: the transposed operand is read by strides (rs 1, cs sz).
  const out = new Float64Array(sz * kc);
  if (kc > 0) {
    gemmAccumulate(n1, kc, n1, { data: q1, off: 0, rs: n1, cs: 1 }, { data: wt, off: 0, rs: 1, cs: sz }, out, kc);
    gemmAccumulate(n2, kc, n2, { data: q2, off: 0, rs: n2, cs: 1 }, { data: wt, off: n1, rs: 1, cs: sz }, out.subarray(n1 * kc), kc);
  }
  return { vals: sortedVals, q: out };
}

/**
 * Roots and Gu-Eisenstat vector data of the secular equation 1 + rho Σ z_i²/(p_i - λ) = 0 with
 * poles p_i = d_i (sq false: the symmetric rank-one update D + rho z zᵀ) or p_i = d_i² (sq
 * true: the singular values σ = √λ of the broken-arrow matrix [zᵀ; 0 D] with d_0 = 0), for
 * strictly increasing d (k entries, non-negative when sq) and rho > 0. Writes the k roots λ_j
 * (ascending) into vals and δ_ji = p_i - λ_j into row j of delta (k x k), each computed from the
 * nearer pole so that they are accurate, and returns zhat: the z for which the computed roots
 * are exact (Gu & Eisenstat), signed as z. Pole differences are formed as (d_i - d_j)(d_i + d_j)
 * when sq, never as differences of squares.
 */
export function secularSystem(
  dl: Float64Array,
  zl: Float64Array,
  rho: number,
  k: number,
  fn: string,
  sq: boolean,
  vals: Float64Array,
  delta: Float64Array,
): Float64Array {
  for (let j = 0; j < k; j++) vals[j] = secularRoot(j, k, dl, zl, rho, delta, fn, sq);
  // prod_i = δ_ii Π_{j≠i} δ_ji / (p_i - p_j), accumulated row by row of delta (contiguous).
  const zh = new Float64Array(k);
  for (let i = 0; i < k; i++) zh[i] = delta[i * k + i]!;
  for (let j = 0; j < k; j++) {
    const row = j * k;
    const dj = dl[j]!;
    if (sq) {
      for (let i = 0; i < j; i++) zh[i] = zh[i]! * (delta[row + i]! / ((dl[i]! - dj) * (dl[i]! + dj)));
      for (let i = j + 1; i < k; i++) zh[i] = zh[i]! * (delta[row + i]! / ((dl[i]! - dj) * (dl[i]! + dj)));
    } else {
      for (let i = 0; i < j; i++) zh[i] = zh[i]! * (delta[row + i]! / (dl[i]! - dj));
      for (let i = j + 1; i < k; i++) zh[i] = zh[i]! * (delta[row + i]! / (dl[i]! - dj));
    }
  }
  for (let i = 0; i < k; i++) {
    const v = Math.sqrt(Math.max(-zh[i]! / rho, 0));
    zh[i] = zl[i]! >= 0 ? v : -v;
  }
  return zh;
}

/**
 * The j-th root (ascending) of the secular equation of {@link secularSystem}. Writes
 * δ_i = p_i - λ into row j of `delta` and returns λ.
 */
function secularRoot(j: number, k: number, d: Float64Array, z: Float64Array, rho: number, delta: Float64Array, fn: string, sq: boolean): number {
  const row = j * k;
  if (k === 1) {
    const x = rho * z[0]! * z[0]!;
    delta[0] = -x;
    return (sq ? d[0]! * d[0]! : d[0]!) + x;
  }
  const last = j === k - 1;
  let orig: number;
  let lo: number;
  let hi: number;
  if (!last) {
    const dj = d[j]!;
    const gap = sq ? (d[j + 1]! - dj) * (d[j + 1]! + dj) : d[j + 1]! - dj;
    const mid = gap / 2;
    let f = 1;
    if (sq) for (let i = 0; i < k; i++) f += (rho * z[i]! * z[i]!) / ((d[i]! - dj) * (d[i]! + dj) - mid);
    else for (let i = 0; i < k; i++) f += (rho * z[i]! * z[i]!) / (d[i]! - dj - mid);
    if (f >= 0) {
      orig = j;
      lo = 0;
      hi = mid;
    } else {
      orig = j + 1;
      lo = -mid;
      hi = 0;
    }
  } else {
    let zz = 0;
    for (let i = 0; i < k; i++) zz += z[i]! * z[i]!;
    orig = j;
    lo = 0;
    hi = rho * zz;
  }
  const dOrig = d[orig]!;
  // Shifted poles a_i = p_i - p_orig; δ_i(x) = a_i - x.
  const a = delta.subarray(row, row + k);
  if (sq) for (let i = 0; i < k; i++) a[i] = (d[i]! - dOrig) * (d[i]! + dOrig);
  else for (let i = 0; i < k; i++) a[i] = d[i]! - dOrig;
  const aj = a[j]!;
  const aj1 = last ? 0 : a[j + 1]!;
  let x = 0.5 * (lo + hi);
  let iter = 0;
  let f = 0;
  for (; iter < 400; iter++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let i = 0; i <= j; i++) {
      const t = z[i]! / (a[i]! - x);
      psi += z[i]! * t;
      dpsi += t * t;
    }
    for (let i = j + 1; i < k; i++) {
      const t = z[i]! / (a[i]! - x);
      phi += z[i]! * t;
      dphi += t * t;
    }
    f = 1 + rho * (psi + phi);
    if (f === 0) break;
    if (f < 0) lo = x;
    else hi = x;
    const erretm = 8 * (1 + rho * (phi - psi)) + rho * Math.abs(x) * (dpsi + dphi);
    if (Math.abs(f) <= EPS * erretm) break;
    if (hi - lo <= Math.max(2 * EPS * Math.max(Math.abs(lo), Math.abs(hi)), FLUSH * EPS)) break;
    let xn: number;
    if (iter >= 60) {
      xn = 0.5 * (lo + hi);
    } else if (last) {
      const dj = aj - x;
      const q = rho * dpsi * dj * dj;
      const c0 = 1 + rho * (psi - dpsi * dj + phi);
      xn = c0 > 0 ? aj + q / c0 : Number.NaN;
    } else {
      const dj = aj - x;
      const dj1 = aj1 - x;
      const Q = rho * dpsi * dj * dj;
      const S = rho * dphi * dj1 * dj1;
      const c0 = 1 + rho * (psi - dpsi * dj + phi - dphi * dj1);
      const B = c0 * (aj + aj1) + Q + S;
      const C = c0 * aj * aj1 + Q * aj1 + S * aj;
      if (c0 === 0) {
        xn = C / B;
      } else {
        const sq = Math.sqrt(Math.max(B * B - 4 * c0 * C, 0));
        let r1: number;
        let r2: number;
        if (B >= 0) {
          r1 = (B + sq) / (2 * c0);
          r2 = (2 * C) / (B + sq);
        } else {
          r1 = (2 * C) / (B - sq);
          r2 = (B - sq) / (2 * c0);
        }
        xn = r1 > lo && r1 < hi ? r1 : r2;
      }
    }
    if (!(xn > lo && xn < hi)) xn = 0.5 * (lo + hi);
    x = xn;
  }
  if (iter >= 400) {
    throw new ConvergenceError(`${fn}: secular equation did not converge for root ${j} of ${k}`, Math.abs(f), iter);
  }
  for (let i = 0; i < k; i++) a[i] = a[i]! - x;
  return (sq ? dOrig * dOrig : dOrig) + x;
}
