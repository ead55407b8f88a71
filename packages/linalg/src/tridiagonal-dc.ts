/**
 * Cuppen's divide and conquer for the symmetric tridiagonal eigenproblem (internal), with
 * deflation (small z components and close poles, LAPACK dlaed2 style), a bracketed rational
 * (two-pole) secular equation solver, and Gu-Eisenstat's recomputed z so that the
 * eigenvectors are numerically orthogonal. Every subproblem keeps its eigenvectors as a
 * diagonal block of one n x n workspace (wasm linear memory on the default route), so a merge
 * multiplies in place, with no per-merge allocation or operand copy. Deflation rotations are
 * applied to the children's columns (as dlaed2 does), so deflated eigenvectors are plain
 * columns and only the live columns enter the merge GEMMs: the columns that touch only the
 * upper child, both children (rotated across them) or only the lower child are gathered in
 * that order, and the upper and lower rows of the result are two GEMMs over the live columns
 * that can be nonzero there.
 * References: Cuppen, "A divide and conquer method for the symmetric tridiagonal
 * eigenproblem", Numer. Math. 36 (1981); Gu & Eisenstat, SIAM J. Matrix Anal. Appl. 16
 * (1995); Bunch, Nielsen & Sorensen, Numer. Math. 31 (1978) (rational secular iteration);
 * Golub & Van Loan (4th ed.) §8.4.4; LAPACK dlaed0-dlaed3 (column types of the merge GEMMs).
 */
import { ConvergenceError, gemmAccumulate, secularSums, withWorkspace } from '@x/gpu';
import { EPS, hypot2 } from './dense-util';
import { tridiagQl } from './tridiagonal';

const LEAF = 32;
/**
 * Absolute floor, relative to the scaled matrix (largest entry 1): entries below it are
 * flushed to zero, and deflation and root bracketing stop there, so no merge or secular
 * equation works on subnormal numbers. 2^-960 (about 1e-289) perturbs T far below eps ||T||.
 */
const FLUSH = 2 ** -960;

/**
 * Shared buffers of one solve, in one workspace: Q (n x n) holds every subproblem's
 * eigenvectors as a diagonal block (the subproblem of rows off..off+sz-1 owns
 * Q[off.., off..], columns in the order of its returned values; children's blocks lie inside
 * their parent's, whose off-diagonal parts stay zero until the parent's merge); G the gathered
 * live columns of a merge, DEL its secular data (then the live eigenvectors' coefficients), T
 * the merged block before it is written back.
 */
interface Work {
  n: number;
  fn: string;
  Q: Float64Array;
  G: Float64Array;
  DEL: Float64Array;
  T: Float64Array;
}

/**
 * Bytes the workspace of {@link tridiagEigDc} at size n needs, GEMM scratch included: a caller
 * that nests it in its own workspace reserves them up front so that linear memory does not
 * grow (and detach the caller's views) inside.
 */
export function tridiagEigDcBytes(n: number): number {
  return 4 * (n * n * 8 + 16) + (3 << 20);
}

/**
 * Eigenvalues (ascending, written into d) and eigenvectors (n x n row-major with eigenvectors
 * as columns, written into `out`, by default a new array, and returned) of the symmetric
 * tridiagonal matrix with diagonal d and off-diagonal e.
 */
export function tridiagEigDc(d: Float64Array, e: Float64Array, n: number, fn: string, out: Float64Array = new Float64Array(n * n)): Float64Array {
  withWorkspace(
    [n * n],
    (Q) => {
      const order = tridiagEigDcUnsorted(d, e, n, fn, Q);
      // Ascending order of the eigenpairs, copied out of the workspace.
      for (let i = 0; i < n; i++) {
        const row = i * n;
        for (let c = 0; c < n; c++) out[row + c] = Q[row + order[c]!]!;
      }
    },
    tridiagEigDcBytes(n),
  );
  return out;
}

/**
 * {@link tridiagEigDc} with the eigenvectors left in the order the merges made them: `q` (n x n,
 * zero on entry; in a workspace, the merges multiply in place there) gets them as columns, d the
 * eigenvalues ascending, and the returned order maps them: column c of the sorted result is
 * column order[c] of q. A caller that transforms the vectors further (eigh's back-
 * transformation) sorts them when it copies them out, instead of in a pass of its own.
 */
export function tridiagEigDcUnsorted(d: Float64Array, e: Float64Array, n: number, fn: string, q: Float64Array): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]!));
  if (scale === 0) {
    for (let c = 0; c < n; c++) q[c * n + c] = 1;
    return order;
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
  const n2 = n * n;
  withWorkspace([n2, n2, n2], (G, DEL, T) => {
    const vals = solve({ n, fn, Q: q, G, DEL, T }, ds, es, 0);
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => vals[a]! - vals[b]! || a - b);
    for (let c = 0; c < n; c++) {
      order[c] = idx[c]!;
      d[c] = vals[idx[c]!]! * scale;
    }
  });
  return order;
}

/** Eigenpairs of the tridiagonal (d, e) of rows off..: vectors into w's block, values returned. */
function solve(w: Work, d: Float64Array, e: Float64Array, off: number): Float64Array {
  const sz = d.length;
  if (sz <= LEAF) return leaf(w, d, e, off);
  const n1 = sz >> 1;
  const beta = e[n1 - 1]!;
  const ab = Math.abs(beta);
  const d1 = d.slice(0, n1);
  const d2 = d.slice(n1);
  d1[n1 - 1] = d1[n1 - 1]! - ab;
  d2[0] = d2[0]! - ab;
  const vl = solve(w, d1, e.subarray(0, n1 - 1), off);
  const vr = solve(w, d2, e.subarray(n1), off + n1);
  return merge(w, vl, vr, off, n1, sz - n1, beta);
}

/** Leaf: implicit QL; the eigenvectors (unsorted) go into w's block. */
function leaf(w: Work, d: Float64Array, e: Float64Array, off: number): Float64Array {
  const n = d.length;
  const N = w.n;
  const zt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  const vals = d.slice();
  tridiagQl(vals, e, zt, n, w.fn);
  // Row s of zt is the eigenvector of vals[s]: column s of the block.
  const b0 = off * N + off;
  for (let s = 0; s < n; s++) {
    const src = s * n;
    for (let i = 0; i < n; i++) w.Q[b0 + i * N + s] = zt[src + i]!;
  }
  return vals;
}

/** Column kinds of a merge (rows where a column of the merged block can be nonzero). */
const UPPER = 0;
const BOTH = 1;
const LOWER = 2;

/**
 * Merges the eigensystems of the children (rows off..off+n1-1 and the next n2; values vL, vR,
 * vectors in w's blocks) of T = diag(T1, T2) + |beta| u uᵀ. Returns the merged values in the
 * order of the block's new columns (live roots, then deflated pairs).
 */
function merge(w: Work, vL: Float64Array, vR: Float64Array, off: number, n1: number, n2: number, beta: number): Float64Array {
  const { n: N, fn, Q } = w;
  const sz = n1 + n2;
  const b0 = off * N + off;
  // D + rho z zᵀ with z = [last row of Q1; sign(beta) first row of Q2] / sqrt 2, rho = 2|beta|.
  const rho = 2 * Math.abs(beta);
  const sgn = beta >= 0 ? 1 : -1;
  const dAll = new Float64Array(sz);
  const zAll = new Float64Array(sz);
  const r2 = Math.SQRT1_2;
  const lastL = b0 + (n1 - 1) * N;
  const firstR = b0 + n1 * N + n1;
  for (let i = 0; i < n1; i++) {
    dAll[i] = vL[i]!;
    zAll[i] = Q[lastL + i]! * r2;
  }
  for (let i = 0; i < n2; i++) {
    dAll[n1 + i] = vR[i]!;
    zAll[n1 + i] = sgn * Q[firstR + i]! * r2;
  }
  // Slots: positions in ascending order of d; perm[s] is the block column of slot s.
  const perm = Array.from({ length: sz }, (_, i) => i);
  perm.sort((a, b) => dAll[a]! - dAll[b]! || a - b);
  const ds = new Float64Array(sz);
  const zs = new Float64Array(sz);
  const kind = new Uint8Array(sz);
  let dmax = 0;
  for (let s = 0; s < sz; s++) {
    const p = perm[s]!;
    ds[s] = dAll[p]!;
    zs[s] = zAll[p]!;
    kind[s] = p < n1 ? UPPER : LOWER;
    dmax = Math.max(dmax, Math.abs(ds[s]!));
  }
  const tol = Math.max(8 * EPS * Math.max(dmax, rho), FLUSH);
  // Deflation. A rotation of two close poles is applied at once to their columns of the block
  // (column a <- c qa - s qb, b <- s qa + c qb), so every later vector is a combination of
  // the live columns only and a deflated vector is its (rotated) column.
  const deflated = new Uint8Array(sz);
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
    const r = hypot2(zi, zj);
    const c = zj / r;
    const s = zi / r;
    if (Math.abs((ds[j]! - ds[prev]!) * c * s) <= tol) {
      const dp = ds[prev]!;
      const dj = ds[j]!;
      ds[prev] = c * c * dp + s * s * dj;
      ds[j] = s * s * dp + c * c * dj;
      zs[prev] = 0;
      zs[j] = r;
      deflated[prev] = 1;
      const ka = kind[prev]!;
      const kb = kind[j]!;
      const k2 = ka === kb ? ka : BOTH;
      kind[prev] = k2;
      kind[j] = k2;
      const r0 = k2 === LOWER ? n1 : 0;
      const r1 = k2 === UPPER ? n1 : sz;
      const ca = b0 + perm[prev]!;
      const cb = b0 + perm[j]!;
      for (let row = r0 * N; row < r1 * N; row += N) {
        const xa = Q[ca + row]!;
        const xb = Q[cb + row]!;
        Q[ca + row] = c * xa - s * xb;
        Q[cb + row] = s * xa + c * xb;
      }
    }
    prev = j;
  }
  const live: number[] = [];
  const dead: number[] = [];
  for (let s = 0; s < sz; s++) (deflated[s] ? dead : live).push(s);
  const k = live.length;
  const vals = new Float64Array(sz);
  for (let t = 0; t < dead.length; t++) vals[k + t] = ds[dead[t]!]!;
  const T = w.T.subarray(0, sz * sz);
  if (k > 0) {
    const dl = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      dl[i] = ds[live[i]!]!;
      zl[i] = zs[live[i]!]!;
    }
    const delta = w.DEL.subarray(0, k * k);
    // z and the iterates' sums in T (free until the GEMMs), so every pass runs in the workspace.
    const zh = secularSystem(dl, zl, rho, k, fn, false, vals, delta, w.T.subarray(0, k + 4));
    // Gather order of the live columns: upper-only, both, lower-only; g[p] is a live index.
    const g = new Int32Array(k);
    let ku = 0;
    let kb = 0;
    for (let i = 0; i < k; i++) {
      const kd = kind[live[i]!]!;
      if (kd === UPPER) ku++;
      else if (kd === BOTH) kb++;
    }
    const pos = [0, ku, ku + kb];
    for (let i = 0; i < k; i++) g[pos[kind[live[i]!]!]!++] = i;
    // Row j of delta becomes the unit eigenvector of root j over the live columns, in gather
    // order.
    const tmp = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const row = j * k;
      let nrm = 0;
      for (let i = 0; i < k; i++) {
        const u = zh[i]! / delta[row + i]!;
        tmp[i] = u;
        nrm += u * u;
      }
      const inv = 1 / Math.sqrt(nrm);
      for (let p = 0; p < k; p++) delta[row + p] = tmp[g[p]!]! * inv;
    }
    // G (sz x k): the live columns in gather order.
    // Copied row by row (contiguous reads of the block).
    const G = w.G.subarray(0, sz * k);
    const colOf = new Int32Array(k);
    for (let p = 0; p < k; p++) colOf[p] = perm[live[g[p]!]!]!;
    for (let row = 0; row < sz; row++) {
      const src = b0 + row * N;
      const dst = row * k;
      for (let p = 0; p < k; p++) G[dst + p] = Q[src + colOf[p]!]!;
    }
    // Upper rows from the upper-only and both columns, lower rows from both and lower-only;
    // the coefficients (rows of delta) are read transposed by strides (rs 1, cs k).
    T.fill(0);
    const kl = k - ku;
    if (ku + kb > 0) gemmAccumulate(n1, k, ku + kb, { data: G, off: 0, rs: k, cs: 1 }, { data: delta, off: 0, rs: 1, cs: k }, T, sz);
    if (kl > 0) gemmAccumulate(n2, k, kl, { data: G, off: n1 * k + ku, rs: k, cs: 1 }, { data: delta, off: ku, rs: 1, cs: k }, T.subarray(n1 * sz), sz);
  }
  // Deflated vectors: their (rotated) columns of the block.
  const nd = dead.length;
  if (nd > 0) {
    const deadCol = new Int32Array(nd);
    for (let t = 0; t < nd; t++) deadCol[t] = perm[dead[t]!]!;
    for (let row = 0; row < sz; row++) {
      const src = b0 + row * N;
      const dst = row * sz + k;
      for (let t = 0; t < nd; t++) T[dst + t] = Q[src + deadCol[t]!]!;
    }
  }
  for (let row = 0; row < sz; row++) Q.set(T.subarray(row * sz, row * sz + sz), b0 + row * N);
  return vals;
}

/**
 * Roots and Gu-Eisenstat vector data of the secular equation 1 + rho Σ z_i²/(p_i - λ) = 0 with
 * poles p_i = d_i (sq false: the symmetric rank-one update D + rho z zᵀ) or p_i = d_i² (sq
 * true: the singular values σ = √λ of the broken-arrow matrix [zᵀ; 0 D] with d_0 = 0), for
 * strictly increasing d (k entries, non-negative when sq) and rho > 0. Writes the k roots λ_j
 * (ascending) into vals and δ_ji = p_i - λ_j into row j of delta (k x k), each computed from the
 * nearer pole so that they are accurate, and returns zhat: the z for which the computed roots
 * are exact (Gu & Eisenstat), signed as z. Pole differences are formed as (d_i - d_j)(d_i + d_j)
 * when sq, never as differences of squares. `work` (at least k + 4 entries) holds a copy of z
 * and the sums of each iterate: when it and delta lie in a workspace (wasm linear memory), the
 * O(k) pass of every iterate (secularSums of `@x/gpu`) runs in wasm, with the same result.
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
  work: Float64Array = new Float64Array(k + 4),
): Float64Array {
  const z = work.subarray(0, k);
  z.set(zl.subarray(0, k));
  const sums = work.subarray(k, k + 4);
  for (let j = 0; j < k; j++) vals[j] = secularRoot(j, k, dl, z, rho, delta, fn, sq, sums);
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
function secularRoot(j: number, k: number, d: Float64Array, z: Float64Array, rho: number, delta: Float64Array, fn: string, sq: boolean, sums: Float64Array): number {
  const row = j * k;
  if (k === 1) {
    const x = rho * z[0]! * z[0]!;
    delta[0] = -x;
    return (sq ? d[0]! * d[0]! : d[0]!) + x;
  }
  const last = j === k - 1;
  // Shifted poles a_i = p_i - p_orig (orig the pole nearer to the root) in row j of delta, so
  // that δ_i(x) = a_i - x; a_i is delta[row + i] (no view per root).
  const a = delta;
  let orig: number;
  let lo: number;
  let hi: number;
  let x: number;
  // Sums of the iterate x: ψ, ψ' over poles 0..j, φ, φ' over j+1..k-1.
  let ready = false;
  if (!last) {
    // One pass at the midpoint of (p_j, p_j+1), shifted by p_j, decides which pole is nearer
    // (the origin), and its sums are those of the first iterate: δ_i = p_i - p_j - gap/2 is
    // p_i - p_j+1 + gap/2 up to rounding, so the first rational step starts from the midpoint
    // in either frame (LAPACK dlaed4 starts there too) and costs no pass of its own.
    shiftPoles(a, row, d, k, j, sq);
    const mid = a[row + j + 1]! / 2;
    secularSums(k, j + 1, a, row, z, 0, mid, sums);
    ready = true;
    if (1 + rho * (sums[0]! + sums[2]!) >= 0) {
      orig = j;
      lo = 0;
      hi = mid;
      x = mid;
    } else {
      orig = j + 1;
      lo = -mid;
      hi = 0;
      x = -mid;
      shiftPoles(a, row, d, k, orig, sq);
    }
  } else {
    let zz = 0;
    for (let i = 0; i < k; i++) zz += z[i]! * z[i]!;
    orig = j;
    lo = 0;
    hi = rho * zz;
    x = 0.5 * (lo + hi);
    shiftPoles(a, row, d, k, orig, sq);
  }
  const dOrig = d[orig]!;
  const aj = a[row + j]!;
  const aj1 = last ? 0 : a[row + j + 1]!;
  let iter = 0;
  let f = 0;
  for (; iter < 400; iter++) {
    if (ready) ready = false;
    else secularSums(k, j + 1, a, row, z, 0, x, sums);
    const psi = sums[0]!;
    const dpsi = sums[1]!;
    const phi = sums[2]!;
    const dphi = sums[3]!;
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
  for (let i = row; i < row + k; i++) a[i] = a[i]! - x;
  return (sq ? dOrig * dOrig : dOrig) + x;
}

/** a[off + i] = p_i - p_o for the poles p_i = d_i (or d_i², formed as (d_i - d_o)(d_i + d_o) when sq). */
function shiftPoles(a: Float64Array, off: number, d: Float64Array, k: number, o: number, sq: boolean): void {
  const dO = d[o]!;
  if (sq) for (let i = 0; i < k; i++) a[off + i] = (d[i]! - dO) * (d[i]! + dO);
  else for (let i = 0; i < k; i++) a[off + i] = d[i]! - dO;
}
