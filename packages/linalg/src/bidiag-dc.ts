/**
 * Divide and conquer for the SVD of an upper bidiagonal matrix (internal), in the manner of
 * LAPACK's dbdsdc/dlasd0: the n x n bidiagonal (or n x (n+1), "sqre") B is split at a middle
 * row k into B1 (k x (k+1)), the row (α at column k, β at column k+1) and B2; with the
 * children's SVDs, B = diag(U1, 1, U2)·M·diag(V1, V2)ᵀ up to a row/column permutation and one
 * plane rotation, where M = [zᵀ; 0 D] is a broken-arrow matrix (D = diag(0, S1, S2)). The
 * singular values of M are the roots σ of 1 + Σ z_i²/(d_i² - σ²) = 0 (solved per root from the
 * nearer pole with differences d_i² - σ² kept accurate, see secularSystem), after deflation of
 * tiny z_i and of close or tiny d_i (plane rotations, perturbing B by O(eps ‖B‖)); the vectors
 * come from Gu and Eisenstat's recomputed ẑ, so that they are orthogonal to working accuracy:
 * v_j ∝ (ẑ_i / (d_i² - σ_j²))_i, u_j ∝ (-1, d_i ẑ_i / (d_i² - σ_j²))_i. Each merge multiplies
 * the children's vector blocks by those of M with four GEMMs (two for U, two for V), so the work
 * is about 8n³/3 flops in GEMM, about 2.5x less than divide and conquer on the 2n x 2n Golub-Kahan
 * matrix. Leaves (at most LEAF rows) are solved by one-sided Jacobi, which is accurate for every
 * singular value.
 * References: Gu & Eisenstat, "A divide-and-conquer algorithm for the bidiagonal SVD", SIAM J.
 * Matrix Anal. Appl. 16 (1995); Jessup & Sorensen, SIAM J. Matrix Anal. Appl. 15 (1994);
 * LAPACK Working Note / dbdsdc, dlasd1-dlasd4 (formulation, deflation criteria).
 */
import { gemmAccumulate, withWorkspace } from '@x/gpu';
import { EPS, hypot2 } from './dense-util';
import { completeOrthonormal, jacobiSvd, type SvdParts } from './jacobi-svd';
import { secularSystem } from './tridiagonal-dc';

/** Largest leaf (rows) solved by Jacobi. */
const LEAF = 16;
/** Entries below this (relative to the largest, after scaling) are flushed to zero. */
const FLUSH = 2 ** -960;
/**
 * Floor of the deflation tolerance (relative to the largest entry): every live pole and z
 * entry is above it, so their squares in the secular equation stay far from underflow.
 */
const TOL_FLOOR = 2 ** -450;

/**
 * Bytes a workspace leaves free for the leaves' Jacobi SVDs (their QR opens a nested workspace
 * with GEMM pack buffers of about 2.3 MB).
 */
const LEAF_EXTRA = 4 << 20;

/**
 * Shared buffers of one solve, in one workspace (wasm linear memory on the default route, so
 * the merge GEMMs read and write them in place): U and V (n x n) hold every subproblem's vectors
 * as a diagonal block (a subproblem of rows off..off+nr-1 owns U[off.., off..] (nr x nr) and
 * V[off.., off..] ((nr + sqre) square); children's blocks lie inside their parent's); T is the
 * GEMM output of a merge, UT/VT the vectors of its broken-arrow matrix, DEL its secular data.
 */
interface Work {
  n: number;
  fn: string;
  U: Float64Array;
  V: Float64Array;
  T: Float64Array;
  UT: Float64Array;
  VT: Float64Array;
  DEL: Float64Array;
}

/**
 * Full SVD of the n x n upper bidiagonal matrix with diagonal d and superdiagonal e:
 * B = u diag(s) vᵀ, s descending, u and v n x n row-major. d and e are not modified.
 */
export function bidiagSvdDc(d: Float64Array, e: Float64Array, n: number, fn: string): SvdParts {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]!));
  const u = new Float64Array(n * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  if (scale === 0) {
    for (let i = 0; i < n; i++) {
      u[i * n + i] = 1;
      v[i * n + i] = 1;
    }
    return { u, s, v };
  }
  const ds = new Float64Array(n);
  const es = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) {
    const x = d[i]! / scale;
    ds[i] = Math.abs(x) < FLUSH ? 0 : x;
  }
  for (let i = 0; i < n - 1; i++) {
    const x = e[i]! / scale;
    es[i] = Math.abs(x) < FLUSH ? 0 : x;
  }
  const n2 = n * n;
  withWorkspace(
    [n2, n2, n2, n2, n2, n2],
    (U, V, T, UT, VT, DEL) => {
      const sa = solve({ n, fn, U, V, T, UT, VT, DEL }, ds, es, 0, n, 0);
      // Ascending -> descending: column c of the result is column n-1-c.
      for (let c = 0; c < n; c++) s[c] = sa[n - 1 - c]! * scale;
      for (let i = 0; i < n; i++) {
        const row = i * n;
        for (let c = 0; c < n; c++) {
          u[row + c] = U[row + n - 1 - c]!;
          v[row + c] = V[row + n - 1 - c]!;
        }
      }
    },
    LEAF_EXTRA,
  );
  return { u, s, v };
}

/** SVD of the nr x (nr + sqre) bidiagonal of rows off..: vectors into w's blocks, values (ascending) returned. */
function solve(w: Work, d: Float64Array, e: Float64Array, off: number, nr: number, sqre: number): Float64Array {
  if (nr <= LEAF) return leaf(w, d, e, off, nr, sqre);
  const k = nr >> 1;
  const sl = solve(w, d.subarray(0, k), e.subarray(0, k), off, k, 1);
  const sr = solve(w, d.subarray(k + 1, nr), e.subarray(k + 1, nr - 1 + sqre), off + k + 1, nr - k - 1, sqre);
  return merge(w, sl, sr, off, k, nr, sqre, d[k]!, e[k]!);
}

/** Leaf: one-sided Jacobi on Bᵀ ((nr + sqre) x nr); the null vector (sqre) completes V. */
function leaf(w: Work, d: Float64Array, e: Float64Array, off: number, nr: number, sqre: number): Float64Array {
  const N = w.n;
  const nc = nr + sqre;
  const s = new Float64Array(nr);
  const v = new Float64Array(nc * nc);
  if (nr === 0) {
    if (nc === 1) w.V[off * N + off] = 1;
    return s;
  }
  // bt = Bᵀ, nc x nr: bt[j][i] = B[i][j].
  const bt = new Float64Array(nc * nr);
  for (let i = 0; i < nr; i++) {
    bt[i * nr + i] = d[i]!;
    if (i + 1 < nc) bt[(i + 1) * nr + i] = e[i]!;
  }
  // Bᵀ = X S Yᵀ, so B = Y S Xᵀ: u = Y (nr x nr), v = X (nc x nr) plus the null vector.
  const p = jacobiSvd(bt, nc, nr, w.fn);
  for (let c = 0; c < nr; c++) {
    const src = nr - 1 - c; // ascending
    s[c] = p.s[src]!;
    for (let i = 0; i < nr; i++) w.U[(off + i) * N + off + c] = p.v[i * nr + src]!;
    for (let i = 0; i < nc; i++) v[i * nc + c] = p.u[i * nr + src]!;
  }
  if (sqre) {
    const bad = new Uint8Array(nc);
    bad[nr] = 1;
    completeOrthonormal(v, nc, nc, bad);
  }
  for (let i = 0; i < nc; i++) w.V.set(v.subarray(i * nc, i * nc + nc), (off + i) * N + off);
  return s;
}

/**
 * Merges the SVDs of B1 = rows 0..k-1 (k x (k+1)) and B2 = rows k+1..nr-1 of the nr x nc
 * bidiagonal (rows off.. of the whole) whose row k holds alpha (column k) and beta (column
 * k+1); sL, sR are the children's values (ascending), their vectors in w's blocks.
 */
function merge(w: Work, sL: Float64Array, sR: Float64Array, off: number, k: number, nr: number, sqre: number, alpha: number, beta: number): Float64Array {
  const { n: N, fn, U, V } = w;
  const nc = nr + sqre;
  const nr2 = nr - k - 1;
  const nc2 = nr2 + sqre;
  const k1 = k + 1;
  // M's slots: 0 the new column (c q1 + s q2, d = 0; its row is the z row), 1..k the left
  // child's, k+1..nr-1 the right child's; column nr (sqre) is the null column -s q1 + c q2.
  // Row k of V1 (the left child's last row) and row 0 of V2, in place in V.
  const lastL = (off + k) * N + off;
  const firstR = (off + k1) * N + off + k1;
  const lam1 = V[lastL + k]!;
  const phi2 = sqre ? V[firstR + nc2 - 1]! : 0;
  const za = alpha * lam1;
  const zb = beta * phi2;
  const r0 = hypot2(za, zb);
  const c = r0 > 0 ? za / r0 : 1;
  const s = r0 > 0 ? zb / r0 : 0;
  const dAll = new Float64Array(nr);
  const zAll = new Float64Array(nr);
  zAll[0] = r0;
  let dmax = 0;
  for (let i = 0; i < k; i++) {
    dAll[1 + i] = sL[i]!;
    zAll[1 + i] = alpha * V[lastL + i]!;
    dmax = Math.max(dmax, sL[i]!);
  }
  for (let i = 0; i < nr2; i++) {
    dAll[k1 + i] = sR[i]!;
    zAll[k1 + i] = beta * V[firstR + i]!;
    dmax = Math.max(dmax, sR[i]!);
  }
  const tol = Math.max(8 * EPS * Math.max(dmax, Math.abs(alpha), Math.abs(beta)), TOL_FLOOR);
  // The d_0 = 0 pole cannot be deflated by a rotation: a tiny z_0 is raised to tol (LAPACK
  // dlasd2 does the same), a perturbation of B below tol.
  if (zAll[0]! <= tol) zAll[0] = tol;
  // Positions in ascending order of d (slot 0 first: d = 0 and the sort is stable).
  const perm = Array.from({ length: nr }, (_, i) => i);
  perm.sort((a, b) => dAll[a]! - dAll[b]!);
  const ds = new Float64Array(nr);
  const zs = new Float64Array(nr);
  for (let p = 0; p < nr; p++) {
    ds[p] = dAll[perm[p]!]!;
    zs[p] = zAll[perm[p]!]!;
  }
  // Deflation. dval/dsign: value and left-vector sign of a deflated position.
  const deflated = new Uint8Array(nr);
  const dsign = new Float64Array(nr).fill(1);
  const rotA: number[] = [];
  const rotB: number[] = [];
  const rotC: number[] = [];
  const rotS: number[] = [];
  let prev = -1;
  for (let j = 1; j < nr; j++) {
    if (Math.abs(zs[j]!) <= tol) {
      // M's column j is z_j e_0 + d_j e_j: dropping z_j leaves the pair (d_j, e_j, e_j).
      deflated[j] = 1;
      zs[j] = 0;
      continue;
    }
    if (ds[j]! <= tol) {
      // d_j ~ 0 = d_0: rotate columns 0 and j so that z_j moves into z_0; row j then holds
      // d_j (s0, c0), and the dropped d_j s0 is below tol. Only V sees this rotation (marked by
      // rotA = -1).
      const r = hypot2(zs[0]!, zs[j]!);
      const c0 = zs[0]! / r;
      const s0 = zs[j]! / r;
      const val = ds[j]! * c0;
      ds[j] = Math.abs(val);
      dsign[j] = val < 0 ? -1 : 1;
      zs[0] = r;
      zs[j] = 0;
      deflated[j] = 1;
      rotA.push(-1);
      rotB.push(j);
      rotC.push(c0);
      rotS.push(s0);
      continue;
    }
    if (prev > 0) {
      // Close poles: the same rotation on rows and columns p, j zeroes z_p and leaves the
      // off-diagonal c s (d_p - d_j), dropped when below tol.
      const zp = zs[prev]!;
      const zj = zs[j]!;
      const r = hypot2(zp, zj);
      const cr = zj / r;
      const sr = zp / r;
      if (Math.abs((ds[j]! - ds[prev]!) * cr * sr) <= tol) {
        const dp = ds[prev]!;
        const dj = ds[j]!;
        ds[prev] = cr * cr * dp + sr * sr * dj;
        ds[j] = sr * sr * dp + cr * cr * dj;
        zs[prev] = 0;
        zs[j] = r;
        deflated[prev] = 1;
        rotA.push(prev);
        rotB.push(j);
        rotC.push(cr);
        rotS.push(sr);
      }
    }
    prev = j;
  }
  const live: number[] = [];
  const dead: number[] = [];
  for (let p = 0; p < nr; p++) (deflated[p] ? dead : live).push(p);
  const kl = live.length;
  // Generic rotations may leave the live poles out of order by O(tol): re-sort the live ones.
  live.sort((a, b) => ds[a]! - ds[b]! || a - b);
  const dl = new Float64Array(kl);
  const zl = new Float64Array(kl);
  for (let i = 0; i < kl; i++) {
    dl[i] = ds[live[i]!]!;
    zl[i] = zs[live[i]!]!;
  }
  const lam = new Float64Array(kl);
  const delta = w.DEL.subarray(0, kl * kl);
  // z and the iterates' sums in T (free until the GEMMs), so every pass runs in the workspace.
  const zh = secularSystem(dl, zl, 1, kl, fn, true, lam, delta, w.T.subarray(0, kl + 4));
  // Singular values: roots then deflated ones; order ascending.
  const vals = new Float64Array(nr);
  for (let j = 0; j < kl; j++) vals[j] = Math.sqrt(lam[j]!);
  for (let t = 0; t < dead.length; t++) vals[kl + t] = ds[dead[t]!]!;
  const order = Array.from({ length: nr }, (_, i) => i);
  order.sort((a, b) => vals[a]! - vals[b]! || a - b);
  // M's singular vectors, one contiguous row per vector (column `col` of Ũ, Ṽ, the col-th
  // smallest value): ut[col * nr + slot], vt[col * nc + slot].
  const ut = w.UT.subarray(0, nr * nr).fill(0);
  const vt = w.VT.subarray(0, nc * nc).fill(0);
  const slotOf = new Int32Array(kl);
  for (let i = 0; i < kl; i++) slotOf[i] = perm[live[i]!]!;
  for (let col = 0; col < nr; col++) {
    const j = order[col]!;
    const ub = col * nr;
    const vb = col * nc;
    if (j < kl) {
      const row = j * kl;
      let nu = 1;
      let nv = 0;
      for (let i = 0; i < kl; i++) {
        const w = zh[i]! / delta[row + i]!;
        delta[row + i] = w;
        nv += w * w;
        const x = dl[i]! * w;
        nu += x * x;
      }
      const iv = 1 / Math.sqrt(nv);
      const iu = 1 / Math.sqrt(nu);
      // Position 0 (live, first, d = 0) is slot 0: the z row for u, the d_0 column for v.
      ut[ub] = -iu;
      vt[vb] = delta[row]! * iv;
      for (let i = 1; i < kl; i++) {
        const slot = slotOf[i]!;
        const w = delta[row + i]!;
        ut[ub + slot] = dl[i]! * w * iu;
        vt[vb + slot] = w * iv;
      }
    } else {
      const p = dead[j - kl]!;
      const slot = perm[p]!;
      ut[ub + slot] = dsign[p]!;
      vt[vb + slot] = 1;
    }
  }
  if (sqre) vt[nr * nc + nr] = 1;
  // Undo the deflation rotations, last first, on the slot coordinates of every vector.
  for (let r = rotA.length - 1; r >= 0; r--) {
    const b = perm[rotB[r]!]!;
    const cr = rotC[r]!;
    const sr = rotS[r]!;
    if (rotA[r]! < 0) {
      // Columns 0 and b of M: only V.
      for (let vb = 0; vb < nc * nc; vb += nc) {
        const x0 = vt[vb]!;
        const xb = vt[vb + b]!;
        vt[vb] = cr * x0 - sr * xb;
        vt[vb + b] = sr * x0 + cr * xb;
      }
      continue;
    }
    const a = perm[rotA[r]!]!;
    for (let vb = 0; vb < nc * nc; vb += nc) {
      const xa = vt[vb + a]!;
      const xb = vt[vb + b]!;
      vt[vb + a] = cr * xa + sr * xb;
      vt[vb + b] = -sr * xa + cr * xb;
    }
    for (let ub = 0; ub < nr * nr; ub += nr) {
      const xa = ut[ub + a]!;
      const xb = ut[ub + b]!;
      ut[ub + a] = cr * xa + sr * xb;
      ut[ub + b] = -sr * xa + cr * xb;
    }
  }
  const sOut = new Float64Array(nr);
  for (let col = 0; col < nr; col++) sOut[col] = vals[order[col]!]!;
  // V's blocks: rows 0..k = V1 T1 with T1 = [Ṽ[1..k]; c Ṽ[0] - s Ṽ[nr]], rows k+1.. = V2 T2
  // with T2 = [Ṽ[k+1..nr-1]; s Ṽ[0] + c Ṽ[nr]] (the last rows only when sqre). Each vector
  // is rewritten in place into that order: [T1 rows, T2 rows].
  for (let vb = 0; vb < nc * nc; vb += nc) {
    const x0 = vt[vb]!;
    const xn = sqre ? vt[vb + nr]! : 0;
    vt.copyWithin(vb, vb + 1, vb + k1);
    vt[vb + k] = c * x0 - s * xn;
    if (sqre) vt[vb + nr] = s * x0 + c * xn;
  }
  // U: rows 0..k-1 = U1 Ũ[1..k], row k = Ũ[0], rows k+1.. = U2 Ũ[k+1..]; the transposed
  // operands are read by strides (rs 1, cs nr). The product goes to T, then into U's block.
  const b0 = off * N + off;
  const b1 = (off + k1) * N + off + k1;
  let t = w.T.subarray(0, nr * nr).fill(0);
  gemmAccumulate(k, nr, k, { data: U, off: b0, rs: N, cs: 1 }, { data: ut, off: 1, rs: 1, cs: nr }, t, nr);
  for (let col = 0; col < nr; col++) t[k * nr + col] = ut[col * nr]!;
  if (nr2 > 0) gemmAccumulate(nr2, nr, nr2, { data: U, off: b1, rs: N, cs: 1 }, { data: ut, off: k1, rs: 1, cs: nr }, t.subarray(k1 * nr), nr);
  for (let i = 0; i < nr; i++) U.set(t.subarray(i * nr, i * nr + nr), b0 + i * N);
  t = w.T.subarray(0, nc * nc).fill(0);
  gemmAccumulate(k1, nc, k1, { data: V, off: b0, rs: N, cs: 1 }, { data: vt, off: 0, rs: 1, cs: nc }, t, nc);
  if (nc2 > 0) gemmAccumulate(nc2, nc, nc2, { data: V, off: b1, rs: N, cs: 1 }, { data: vt, off: k1, rs: 1, cs: nc }, t.subarray(k1 * nc), nc);
  for (let i = 0; i < nc; i++) V.set(t.subarray(i * nc, i * nc + nc), b0 + i * N);
  return sOut;
}
