/**
 * Blocked Householder QR on a row-major float64 buffer (LAPACK dgeqrf/dorgqr layout):
 * panels of NB columns are factored with level-2 reflections on a column-major copy, and
 * the trailing matrix is updated with the compact WY form I - V T Vᵀ through the GEMM of
 * @x/gpu, so that level-3 work dominates for large matrices.
 * Reference: Schreiber & Van Loan, "A storage-efficient WY representation for products of
 * Householder transformations", SIAM J. Sci. Stat. Comput. 10 (1989); Golub & Van Loan,
 * Matrix Computations, 4th ed., Alg. 5.1.1, 5.2.2.
 */
import { gemmAccumulate, withWorkspace } from '@x/gpu';

const NB = 32;

/**
 * Generates a Householder reflector H = I - tau v vᵀ with H x = beta e1 (v[0] = 1), in place
 * on x[off], x[off + stride], ..., len entries: x[off] becomes beta, the rest become v[1:].
 * Returns tau (0 when x[1:] is zero: H = I).
 */
export function makeReflector(x: Float64Array, off: number, len: number, stride: number): number {
  if (len <= 1) return 0;
  let scale = 0;
  const end = off + len * stride;
  for (let i = off + stride; i < end; i += stride) {
    const v = Math.abs(x[i]!);
    if (v > scale) scale = v;
  }
  if (scale === 0) return 0;
  // Near the underflow threshold the norm would be computed from subnormal numbers (few
  // significant bits, so tau and v would disagree and H would not be orthogonal), and
  // 1/(alpha - beta) could overflow: work on x * 2^k (exact), as LAPACK dlarfg does; v and tau
  // are scale-invariant, beta is scaled back.
  let back = 1;
  const top = Math.max(scale, Math.abs(x[off]!));
  if (top < 2 ** -600) {
    const k = -Math.round(Math.log2(top));
    const f1 = 2 ** Math.trunc(k / 2);
    const f2 = 2 ** (k - Math.trunc(k / 2));
    for (let i = off; i < end; i += stride) x[i] = x[i]! * f1 * f2;
    scale = scale * f1 * f2;
    back = 1 / f1 / f2;
  }
  let ss = 0;
  for (let i = off + stride; i < end; i += stride) {
    const v = x[i]! / scale;
    ss += v * v;
  }
  const alpha = x[off]!;
  const norm = Math.hypot(alpha, scale * Math.sqrt(ss));
  const beta = alpha >= 0 ? -norm : norm;
  const tau = (beta - alpha) / beta;
  const inv = 1 / (alpha - beta);
  for (let i = off + stride; i < end; i += stride) x[i] = x[i]! * inv;
  x[off] = back === 1 ? beta : beta * back;
  return tau;
}

/** Copies the unit lower trapezoidal V (rows j0.., columns j0..j0+nb) of a factored `a` into vb (mr x nb). */
function extractV(a: Float64Array, n: number, j0: number, nb: number, mr: number, vb: Float64Array): void {
  for (let i = 0; i < mr; i++) {
    const src = (j0 + i) * n + j0;
    const dst = i * nb;
    for (let c = 0; c < nb; c++) vb[dst + c] = i < c ? 0 : i === c ? 1 : a[src + c]!;
  }
}

/** Builds the upper triangular T (nb x nb) with H_0 H_1 ... H_{nb-1} = I - V T Vᵀ (dlarft, forward). */
export function buildT(vb: Float64Array, mr: number, nb: number, tau: Float64Array, tauOff: number, t: Float64Array): void {
  t.fill(0, 0, nb * nb);
  const y = new Float64Array(nb);
  for (let i = 0; i < nb; i++) {
    const ti = tau[tauOff + i]!;
    t[i * nb + i] = ti;
    if (i === 0 || ti === 0) continue;
    // y_l = V[:, l]ᵀ v_i for l < i (v_i vanishes above row i).
    for (let l = 0; l < i; l++) y[l] = 0;
    for (let r = i; r < mr; r++) {
      const row = r * nb;
      const vi = vb[row + i]!;
      if (vi === 0) continue;
      for (let l = 0; l < i; l++) y[l] = y[l]! + vb[row + l]! * vi;
    }
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let l = j; l < i; l++) s += t[j * nb + l]! * y[l]!;
      t[j * nb + i] = -ti * s;
    }
  }
}

/**
 * Householder QR of the row-major m x n buffer `a`, in place: R on and above the diagonal,
 * the reflector vectors (without their unit leading entry) below it. Returns tau (min(m, n)).
 * O(2 m n² - 2n³/3) flops.
 */
export function householderQrInPlace(a: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  if (k === 0) return tau;
  // The matrix and the block buffers live in a workspace (wasm linear memory after
  // enableWasm()): the trailing-update GEMMs then run on them without copying A per panel.
  withWorkspace([a.subarray(0, m * n), NB * m, NB * m, NB * NB, NB * n], (a, panel, vb, t, w) => qrPanels(a, m, n, k, tau, panel, vb, t, w));
  return tau;
}

function qrPanels(a: Float64Array, m: number, n: number, k: number, tau: Float64Array, panel: Float64Array, vb: Float64Array, t: Float64Array, w: Float64Array): void {
  for (let j0 = 0; j0 < k; j0 += NB) {
    const nb = Math.min(NB, k - j0);
    const mr = m - j0;
    // Column-major copy of the panel: column c is contiguous.
    for (let i = 0; i < mr; i++) {
      const src = (j0 + i) * n + j0;
      for (let c = 0; c < nb; c++) panel[c * mr + i] = a[src + c]!;
    }
    for (let c = 0; c < nb; c++) {
      const col = c * mr;
      const tc = makeReflector(panel, col + c, mr - c, 1);
      tau[j0 + c] = tc;
      if (tc === 0) continue;
      for (let c2 = c + 1; c2 < nb; c2++) {
        const col2 = c2 * mr;
        let s = panel[col2 + c]!;
        for (let i = c + 1; i < mr; i++) s += panel[col + i]! * panel[col2 + i]!;
        s *= tc;
        panel[col2 + c] = panel[col2 + c]! - s;
        for (let i = c + 1; i < mr; i++) panel[col2 + i] = panel[col2 + i]! - s * panel[col + i]!;
      }
    }
    for (let i = 0; i < mr; i++) {
      const dst = (j0 + i) * n + j0;
      for (let c = 0; c < nb; c++) a[dst + c] = panel[c * mr + i]!;
    }
    const n2 = n - j0 - nb;
    if (n2 <= 0) continue;
    extractV(a, n, j0, nb, mr, vb);
    buildT(vb, mr, nb, tau, j0, t);
    w.fill(0, 0, nb * n2);
    const off2 = j0 * n + j0 + nb;
    // W = Vᵀ A2
    gemmAccumulate(nb, n2, mr, { data: vb, off: 0, rs: 1, cs: nb }, { data: a, off: off2, rs: n, cs: 1 }, w, n2);
    // W <- -Tᵀ W (in place, bottom row first)
    for (let i = nb - 1; i >= 0; i--) {
      const wi = i * n2;
      const tii = t[i * nb + i]!;
      for (let j = 0; j < n2; j++) w[wi + j] = w[wi + j]! * tii;
      for (let l = 0; l < i; l++) {
        const tli = t[l * nb + i]!;
        if (tli === 0) continue;
        const wl = l * n2;
        for (let j = 0; j < n2; j++) w[wi + j] = w[wi + j]! + tli * w[wl + j]!;
      }
      for (let j = 0; j < n2; j++) w[wi + j] = -w[wi + j]!;
    }
    // A2 += V (-Tᵀ Vᵀ A2)
    gemmAccumulate(mr, n2, nb, { data: vb, off: 0, rs: nb, cs: 1 }, { data: w, off: 0, rs: n2, cs: 1 }, a.subarray(off2), n);
  }
}

/**
 * Forms the first qc columns of Q = H_0 H_1 ... H_{k-1} (m x qc, row-major) from a factored
 * buffer (dorgqr, blocked backward accumulation).
 */
export function formQ(a: Float64Array, m: number, n: number, tau: Float64Array, qc: number): Float64Array {
  const k = tau.length;
  const q = new Float64Array(m * qc);
  const d = Math.min(m, qc);
  for (let i = 0; i < d; i++) q[i * qc + i] = 1;
  if (k === 0) return q;
  // Q's first qc columns are the identity's until block j0 is applied, so block j0 only touches
  // columns j0.. of them.
  withWorkspace([q, NB * m, NB * NB, NB * qc], (q, vb, t, w) => applyBlocksFromLeft(a, m, n, tau, k, q, qc, true, vb, t, w));
  return q;
}

/**
 * Applies Qᵀ (Q from a factored buffer, m x m implicit) to the m x p row-major buffer b, in place.
 */
export function applyQt(a: Float64Array, m: number, n: number, tau: Float64Array, b: Float64Array, p: number): void {
  const k = tau.length;
  for (let j = 0; j < k; j++) {
    const tj = tau[j]!;
    if (tj === 0) continue;
    for (let c = 0; c < p; c++) {
      let s = b[j * p + c]!;
      for (let i = j + 1; i < m; i++) s += a[i * n + j]! * b[i * p + c]!;
      s *= tj;
      b[j * p + c] = b[j * p + c]! - s;
      for (let i = j + 1; i < m; i++) b[i * p + c] = b[i * p + c]! - s * a[i * n + j]!;
    }
  }
}

/**
 * c <- Q c for Q = H_0 ... H_{k-1} from a factored m x n buffer and a row-major m x p buffer c
 * (dormqr 'L','N', blocked backward application through GEMM).
 */
export function applyQLeft(a: Float64Array, m: number, n: number, tau: Float64Array, c: Float64Array, p: number): void {
  const k = tau.length;
  if (k === 0 || p === 0) return;
  withWorkspace([c.subarray(0, m * p), NB * m, NB * NB, NB * p], (c, vb, t, w) => applyBlocksFromLeft(a, m, n, tau, k, c, p, false, vb, t, w));
}

/**
 * c <- H_0 ... H_{k-1} c for the m x p buffer c, one compact-WY block of NB reflectors at a time,
 * last block first: W = Vᵀ C, W <- -T W, C += V W (two GEMMs per block). With `fromBlockColumn`
 * (forming Q from the identity) block j0 only updates columns j0.. of c.
 */
function applyBlocksFromLeft(
  a: Float64Array,
  m: number,
  n: number,
  tau: Float64Array,
  k: number,
  c: Float64Array,
  p: number,
  fromBlockColumn: boolean,
  vb: Float64Array,
  t: Float64Array,
  w: Float64Array,
): void {
  const last = Math.floor((k - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    const nb = Math.min(NB, k - j0);
    const mr = m - j0;
    const c0 = fromBlockColumn ? j0 : 0;
    const n2 = p - c0;
    if (n2 <= 0) continue;
    extractV(a, n, j0, nb, mr, vb);
    buildT(vb, mr, nb, tau, j0, t);
    w.fill(0, 0, nb * n2);
    const off2 = j0 * p + c0;
    gemmAccumulate(nb, n2, mr, { data: vb, off: 0, rs: 1, cs: nb }, { data: c, off: off2, rs: p, cs: 1 }, w, n2);
    // W <- -T W (in place, top row first)
    for (let i = 0; i < nb; i++) {
      const wi = i * n2;
      const tii = t[i * nb + i]!;
      for (let j = 0; j < n2; j++) w[wi + j] = w[wi + j]! * tii;
      for (let l = i + 1; l < nb; l++) {
        const til = t[i * nb + l]!;
        if (til === 0) continue;
        const wl = l * n2;
        for (let j = 0; j < n2; j++) w[wi + j] = w[wi + j]! + til * w[wl + j]!;
      }
      for (let j = 0; j < n2; j++) w[wi + j] = -w[wi + j]!;
    }
    gemmAccumulate(mr, n2, nb, { data: vb, off: 0, rs: nb, cs: 1 }, { data: w, off: 0, rs: n2, cs: 1 }, c.subarray(off2), p);
  }
}
