/**
 * Blocked Householder QR on a row-major float64 buffer (LAPACK dgeqrt/dorgqr layout): each
 * panel of NB columns is factored recursively (Elmroth & Gustavson; LAPACK dgeqrt3), which
 * gives its compact-WY factor T as it goes and puts all but the narrowest base cases of the
 * panel in GEMM; the trailing matrix is updated with I - V Tᵀ Vᵀ by three GEMMs, and Q is
 * formed block by block (backward) with the same T factors, so nearly all flops run in the
 * GEMM of @x/gpu.
 * Reference: Elmroth & Gustavson, "Applying recursion to serial and parallel QR factorization
 * leads to better performance", IBM J. Res. Dev. 44 (2000); Schreiber & Van Loan, "A
 * storage-efficient WY representation for products of Householder transformations", SIAM J.
 * Sci. Stat. Comput. 10 (1989); Golub & Van Loan, Matrix Computations, 4th ed., Alg. 5.1.1, 5.2.2.
 */
import { gemmAccumulate, withWorkspace } from '@x/gpu';
import { requireFiniteData } from './checks';

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

/**
 * Householder QR of the row-major m x n buffer `a`, in place: R on and above the diagonal,
 * the reflector vectors (without their unit leading entry) below it. Returns tau (min(m, n)).
 * When `ts` is given (length >= {@link qrTLength}(m, n)), the upper triangular T of each block
 * of NB reflectors is written there (block b at b NB², NB x NB), for {@link formQ} to reuse.
 * O(2 m n² - 2n³/3) flops.
 */
export function householderQrInPlace(a: Float64Array, m: number, n: number, ts?: Float64Array): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  if (k === 0) return tau;
  const nt = Math.ceil(k / NB) * NB * NB;
  // The matrix, the block buffers and the T factors live in a workspace (wasm linear memory
  // on the wasm route): the GEMMs of the panels and of the trailing updates then run on them
  // without copies.
  withWorkspace([a.subarray(0, m * n), 2 * NB * m, NB * m, NB * NB, NB * NB, NB * n, NB * n, nt], (a, scr, vb, t, sq, w, w2, tall) => {
    qrPanels(a, m, n, k, tau, scr, vb, t, sq, w, w2, tall);
    if (ts) ts.set(tall.subarray(0, nt));
  });
  return tau;
}

/**
 * QR of the m x n row-major `src` with R (rr x n) and the first qc columns of Q (m x qc) formed,
 * all in one workspace: the input is copied in once (and checked finite there, see
 * requireFiniteData), and the only fresh arrays are the two results.
 */
export function qrFactorAndForm(fn: string, src: Float64Array | Float32Array, m: number, n: number, qc: number, rr: number): { Q: Float64Array; R: Float64Array } {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const nt = qrTLength(m, n);
  const wn = NB * Math.max(n, qc);
  return withWorkspace([m * n, 2 * NB * m, NB * m, NB * NB, NB * NB, wn, wn, nt, m * qc, NB * NB], (a, scr, vb, t, sq, w, w2, tall, q, g) => {
    a.set(src.subarray(0, m * n));
    requireFiniteData(fn, 'a', a, n);
    if (k > 0) qrPanels(a, m, n, k, tau, scr, vb, t, sq, w, w2, tall);
    const R = new Float64Array(rr * n);
    for (let i = 0; i < Math.min(rr, m, n); i++) R.set(a.subarray(i * n + i, i * n + n), i * n + i);
    for (let i = 0; i < Math.min(m, qc); i++) q[i * qc + i] = 1;
    if (k > 0) applyBlocksFromLeft(a, m, n, tau, k, q, qc, true, vb, t, w, w2, g, tall);
    return { Q: q.slice(), R };
  });
}

/** Length of the `ts` buffer of {@link householderQrInPlace} for an m x n matrix. */
export function qrTLength(m: number, n: number): number {
  return Math.ceil(Math.min(m, n) / NB) * NB * NB;
}

/**
 * Blocked QR (LAPACK dgeqrt): each panel of NB columns is factored recursively (dgeqrt3,
 * Elmroth & Gustavson), which yields its T factor and puts all but the narrowest base cases
 * in GEMM; the trailing matrix is then updated with I - V Tᵀ Vᵀ by three GEMMs.
 */
function qrPanels(
  a: Float64Array,
  m: number,
  n: number,
  k: number,
  tau: Float64Array,
  scr: Float64Array,
  vb: Float64Array,
  t: Float64Array,
  sq: Float64Array,
  w: Float64Array,
  w2: Float64Array,
  tall: Float64Array,
): void {
  for (let j0 = 0; j0 < k; j0 += NB) {
    const nb = Math.min(NB, k - j0);
    const mr = m - j0;
    const tb = tall.subarray((j0 / NB) * NB * NB, (j0 / NB + 1) * NB * NB);
    tb.fill(0);
    panelRec(a, n, m, j0, nb, tau, tb, j0, scr, 0, sq);
    const n2 = n - j0 - nb;
    if (n2 <= 0) continue;
    extractV(a, n, j0, nb, mr, vb);
    // t <- -T (packed nb x nb) for the GEMM below.
    for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) t[i * nb + j] = -tb[i * NB + j]!;
    const off2 = j0 * n + j0 + nb;
    // W = Vᵀ A2; W2 = -Tᵀ W; A2 += V W2.
    w.fill(0, 0, nb * n2);
    gemmAccumulate(nb, n2, mr, { data: vb, off: 0, rs: 1, cs: nb }, { data: a, off: off2, rs: n, cs: 1 }, w, n2);
    w2.fill(0, 0, nb * n2);
    gemmAccumulate(nb, n2, nb, { data: t, off: 0, rs: 1, cs: nb }, { data: w, off: 0, rs: n2, cs: 1 }, w2, n2);
    gemmAccumulate(mr, n2, nb, { data: vb, off: 0, rs: nb, cs: 1 }, { data: w2, off: 0, rs: n2, cs: 1 }, a.subarray(off2), n);
  }
}

const BASE = 4;

/**
 * Recursive QR of the block of columns s..s+wd-1, rows s..m-1 of the row-major a (row stride
 * lda), with its T factor written at tb[(s - j0) NB + (s - j0)] (row stride NB). scr from
 * offset so is scratch for explicit reflector blocks; sq holds small products.
 */
function panelRec(
  a: Float64Array,
  lda: number,
  m: number,
  s: number,
  wd: number,
  tau: Float64Array,
  tb: Float64Array,
  j0: number,
  scr: Float64Array,
  so: number,
  sq: Float64Array,
): void {
  if (wd <= BASE) {
    panelBase(a, lda, m, s, wd, tau, tb, j0);
    return;
  }
  const w1 = wd >> 1;
  const w2 = wd - w1;
  const mm = m - s;
  panelRec(a, lda, m, s, w1, tau, tb, j0, scr, so, sq);
  // V1 explicit (mm x w1, unit lower trapezoidal) at scr[so].
  explicitV(a, lda, s, w1, mm, scr, so);
  // A2 <- (I - V1 T11 V1ᵀ)ᵀ A2 = A2 - V1 (T11ᵀ (V1ᵀ A2)).
  const off2 = s * lda + s + w1;
  sq.fill(0, 0, w1 * w2);
  gemmAccumulate(w1, w2, mm, { data: scr, off: so, rs: 1, cs: w1 }, { data: a, off: off2, rs: lda, cs: 1 }, sq, w2);
  const t0 = (s - j0) * NB + (s - j0);
  // sq <- -T11ᵀ sq (T11ᵀ lower triangular: bottom row first, in place).
  for (let i = w1 - 1; i >= 0; i--) {
    for (let j = 0; j < w2; j++) {
      let acc = 0;
      for (let l = 0; l <= i; l++) acc += tb[t0 + l * NB + i]! * sq[l * w2 + j]!;
      sq[i * w2 + j] = -acc;
    }
  }
  gemmAccumulate(mm, w2, w1, { data: scr, off: so, rs: w1, cs: 1 }, { data: sq, off: 0, rs: w2, cs: 1 }, a.subarray(off2), lda);
  const so2 = so + mm * w1;
  panelRec(a, lda, m, s + w1, w2, tau, tb, j0, scr, so2, sq);
  // T12 = -T11 (V1ᵀ V2) T22, V1ᵀ V2 over rows s+w1.. (V2 vanishes above).
  const mm2 = mm - w1;
  explicitV(a, lda, s + w1, w2, mm2, scr, so2);
  sq.fill(0, 0, w1 * w2);
  gemmAccumulate(w1, w2, mm2, { data: scr, off: so + w1 * w1, rs: 1, cs: w1 }, { data: scr, off: so2, rs: w2, cs: 1 }, sq, w2);
  const t22 = t0 + w1 * NB + w1;
  // sq <- sq T22 (T22 upper: rightmost column first, in place).
  for (let j = w2 - 1; j >= 0; j--) {
    for (let i = 0; i < w1; i++) {
      let acc = 0;
      for (let l = 0; l <= j; l++) acc += sq[i * w2 + l]! * tb[t22 + l * NB + j]!;
      sq[i * w2 + j] = acc;
    }
  }
  // T12 = -T11 sq (T11 upper: top row first, in place).
  for (let i = 0; i < w1; i++) {
    for (let j = 0; j < w2; j++) {
      let acc = 0;
      for (let l = i; l < w1; l++) acc += tb[t0 + i * NB + l]! * sq[l * w2 + j]!;
      tb[t0 + i * NB + w1 + j] = -acc;
    }
  }
}

/** Copies the reflectors of columns s..s+wd-1 (rows s.., mm of them) with explicit unit diagonal and zeros above into out[off] (mm x wd). */
function explicitV(a: Float64Array, lda: number, s: number, wd: number, mm: number, out: Float64Array, off: number): void {
  for (let i = 0; i < mm; i++) {
    const src = (s + i) * lda + s;
    const dst = off + i * wd;
    if (i >= wd) {
      for (let c = 0; c < wd; c++) out[dst + c] = a[src + c]!;
    } else {
      for (let c = 0; c < wd; c++) out[dst + c] = i < c ? 0 : i === c ? 1 : a[src + c]!;
    }
  }
}

/** Unblocked QR of at most BASE columns (level 2, strided columns) and its T factor (dlarft). */
function panelBase(a: Float64Array, lda: number, m: number, s: number, wd: number, tau: Float64Array, tb: Float64Array, j0: number): void {
  const sums = [0, 0, 0, 0];
  for (let c = 0; c < wd; c++) {
    const col = s + c;
    const tc = makeReflector(a, col * lda + col, m - col, lda);
    tau[col] = tc;
    const rest = wd - c - 1;
    if (tc === 0 || rest === 0) continue;
    // H = I - tc v vᵀ on columns col+1..s+wd-1: sums_j = vᵀ a[:, j], then a[:, j] -= tc sums_j v.
    for (let j = 0; j < rest; j++) sums[j] = a[col * lda + col + 1 + j]!;
    for (let i = col + 1; i < m; i++) {
      const r = i * lda;
      const vi = a[r + col]!;
      for (let j = 0; j < rest; j++) sums[j] = sums[j]! + vi * a[r + col + 1 + j]!;
    }
    for (let j = 0; j < rest; j++) {
      sums[j] = tc * sums[j]!;
      a[col * lda + col + 1 + j] = a[col * lda + col + 1 + j]! - sums[j]!;
    }
    for (let i = col + 1; i < m; i++) {
      const r = i * lda;
      const vi = a[r + col]!;
      for (let j = 0; j < rest; j++) a[r + col + 1 + j] = a[r + col + 1 + j]! - sums[j]! * vi;
    }
  }
  // T of these wd reflectors: T_cc = tau_c, T[0:c, c] = -tau_c T[0:c, 0:c] (V[:, 0:c]ᵀ v_c).
  const t0 = (s - j0) * NB + (s - j0);
  const y = [0, 0, 0, 0];
  for (let c = 0; c < wd; c++) {
    const col = s + c;
    const tc = tau[col]!;
    tb[t0 + c * NB + c] = tc;
    if (c === 0 || tc === 0) continue;
    // y_l = v_lᵀ v_c: v_c is 1 at row col and a[i, col] below; v_l is a[i, s+l] there.
    for (let l = 0; l < c; l++) y[l] = a[col * lda + s + l]!;
    for (let i = col + 1; i < m; i++) {
      const r = i * lda;
      const vi = a[r + col]!;
      for (let l = 0; l < c; l++) y[l] = y[l]! + a[r + s + l]! * vi;
    }
    for (let i = 0; i < c; i++) {
      let acc = 0;
      for (let l = i; l < c; l++) acc += tb[t0 + i * NB + l]! * y[l]!;
      tb[t0 + i * NB + c] = -tc * acc;
    }
  }
}

/**
 * Forms the first qc columns of Q = H_0 H_1 ... H_{k-1} (m x qc, row-major) from a factored
 * buffer (dorgqr, blocked backward accumulation). `ts`: the T factors householderQrInPlace
 * wrote (built again here when absent).
 */
export function formQ(a: Float64Array, m: number, n: number, tau: Float64Array, qc: number, ts?: Float64Array): Float64Array {
  const k = tau.length;
  const q = new Float64Array(m * qc);
  const d = Math.min(m, qc);
  for (let i = 0; i < d; i++) q[i * qc + i] = 1;
  if (k === 0) return q;
  // Q's first qc columns are the identity's until block j0 is applied, so block j0 only touches
  // columns j0.. of them.
  withWorkspace([q, NB * m, NB * NB, NB * qc, NB * qc, NB * NB, ts ?? 0], (q, vb, t, w, w2, g, tsw) =>
    applyBlocksFromLeft(a, m, n, tau, k, q, qc, true, vb, t, w, w2, g, ts ? tsw : null),
  );
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
  withWorkspace([c.subarray(0, m * p), NB * m, NB * NB, NB * p, NB * p, NB * NB], (c, vb, t, w, w2, g) =>
    applyBlocksFromLeft(a, m, n, tau, k, c, p, false, vb, t, w, w2, g, null),
  );
}

/**
 * T of the nb reflectors in vb (mr x nb, explicit; element (i, l) at vb[i rs + l cs], so
 * rs = nb, cs = 1 for row-major V and rs = 1, cs = mr for a row-major Vᵀ) through one GEMM for
 * G = Vᵀ V and the O(nb³) recurrence T[0:i, i] = -tau_i T[0:i, 0:i] G[0:i, i] (dlarft,
 * forward); t gets T with row stride ldt. g: nb x nb scratch.
 */
export function buildTGemm(
  vb: Float64Array,
  mr: number,
  nb: number,
  tau: Float64Array,
  tauOff: number,
  t: Float64Array,
  ldt: number,
  g: Float64Array,
  rs = nb,
  cs = 1,
): void {
  g.fill(0, 0, nb * nb);
  gemmAccumulate(nb, nb, mr, { data: vb, off: 0, rs: cs, cs: rs }, { data: vb, off: 0, rs, cs }, g, nb, true);
  for (let i = 0; i < nb; i++) t.fill(0, i * ldt, i * ldt + nb);
  for (let i = 0; i < nb; i++) {
    const ti = tau[tauOff + i]!;
    t[i * ldt + i] = ti;
    if (i === 0 || ti === 0) continue;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let l = j; l < i; l++) s += t[j * ldt + l]! * g[l * nb + i]!;
      t[j * ldt + i] = -ti * s;
    }
  }
}

/**
 * c <- H_0 ... H_{k-1} c for the m x p buffer c, one compact-WY block of NB reflectors at a time,
 * last block first: W = Vᵀ C, W2 = -T W, C += V W2 (three GEMMs per block). With
 * `fromBlockColumn` (forming Q from the identity) block j0 only updates columns j0.. of c.
 * `ts`: the blocks' T factors (NB x NB each) when known, else null (built here).
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
  w2: Float64Array,
  g: Float64Array,
  ts: Float64Array | null,
): void {
  const last = Math.floor((k - 1) / NB) * NB;
  for (let j0 = last; j0 >= 0; j0 -= NB) {
    const nb = Math.min(NB, k - j0);
    const mr = m - j0;
    const c0 = fromBlockColumn ? j0 : 0;
    const n2 = p - c0;
    if (n2 <= 0) continue;
    extractV(a, n, j0, nb, mr, vb);
    // t <- -T (packed nb x nb).
    if (ts) {
      const tb = (j0 / NB) * NB * NB;
      for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) t[i * nb + j] = -ts[tb + i * NB + j]!;
    } else {
      buildTGemm(vb, mr, nb, tau, j0, t, nb, g);
      for (let i = 0; i < nb * nb; i++) t[i] = -t[i]!;
    }
    w.fill(0, 0, nb * n2);
    const off2 = j0 * p + c0;
    gemmAccumulate(nb, n2, mr, { data: vb, off: 0, rs: 1, cs: nb }, { data: c, off: off2, rs: p, cs: 1 }, w, n2);
    w2.fill(0, 0, nb * n2);
    gemmAccumulate(nb, n2, nb, { data: t, off: 0, rs: nb, cs: 1 }, { data: w, off: 0, rs: n2, cs: 1 }, w2, n2);
    gemmAccumulate(mr, n2, nb, { data: vb, off: 0, rs: nb, cs: 1 }, { data: w2, off: 0, rs: n2, cs: 1 }, c.subarray(off2), p);
  }
}
