import { DomainError, ShapeError } from '@x/gpu';
import { checkAborted, checkBoolean, checkFunction, checkInt, checkNonNegative, checkOneOf, checkOptions, checkPositive, checkSeed, checkSteps, checkUnit } from '@x/gpu/checks';
import { type Butterfly, bitReversal, log2Exact } from './butterfly';
import { type ButterflyLearnProgress, unitaryDftMatrix, unitaryInit } from './butterfly-learn';
import { checkMatrix, MAX_DENSE_N } from './checks';
import type { ComplexMatrix } from './complex';

/**
 * The relaxed permutation of Dao et al. 2019 (Sec. 3.3; `butterfly/permutation.py` of
 * HazyResearch/butterfly): P = F_{L-2} ... F_1 F_0 for n = 2^L, where level k acts on every block
 * of s = n / 2^k consecutive entries (s = n, n/2, ..., 4) as three lerps applied in turn,
 *   x <- (1 - p0) x + p0 E x   (E: even/odd separation, [x_0, x_2, ..., x_1, x_3, ...]),
 *   x <- (1 - p1) x + p1 R1 x  (R1: reverses the first half of the block),
 *   x <- (1 - p2) x + p2 R2 x  (R2: reverses the second half of the block),
 * with (p0, p1, p2) = sigmoid(logits). With every p in {0, 1} P is a permutation; p0 = 1 at every
 * level (and p1 = p2 = 0) gives bit reversal.
 *
 * Logit layouts (`logits` option): `'shared'` uses one triple for every block of every level (3
 * logits, the reference's `share_logit=True`, which its `learning_transforms.py` search sets);
 * `'level'` shares one triple among the blocks of a level (3 (L - 1) logits, the reference's
 * `share_logit=False`); `'block'` gives every block of every level its own
 * triple (3 (n/2 - 1) logits: level k, block b at 3 (2^k - 1 + b)), the finer relaxation where each
 * sub-problem of the recursion picks its own reordering. The `'BPP'` model appends one more
 * full-size factor X (3 logits, last) applied to the input before P, as the reference's DCT runs do:
 * M = B P X.
 *
 * Evaluation (O(n^2) per loss and gradient, not O(n^2 log n)): B P = B_{L-1} ... B_0 F_{L-2} ... F_0,
 * and both B_l and F_{L-1-l} are block diagonal with blocks of 2^{l+1}, so
 * Z_0 = B_0, Z_t = B_t Z_{t-1} F_{L-1-t} stays block diagonal with blocks of 2^{t+1}; step t costs
 * O(n 2^t) and the sum over t is O(n^2). The backward pass runs the same recursion in reverse on
 * block-diagonal gradients (entries outside a block never influence the loss).
 */
const FACTORS = 3;

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** How the permutation logits are laid out; see the module notes. */
export type ButterflyPermutationLogits = 'shared' | 'level' | 'block';

/** `'BP'`: M = B P; `'BPP'`: M = B P X with one more full-size relaxed factor X (the reference's DCT model). */
export type ButterflyPermutedModel = 'BP' | 'BPP';

/** Number of permutation logits for size n (n a power of two >= 2). */
function logitCount(n: number, layout: ButterflyPermutationLogits, model: ButterflyPermutedModel): number {
  const K = Math.max(0, Math.log2(n) - 1);
  const base = layout === 'shared' ? (K > 0 ? FACTORS : 0) : layout === 'level' ? FACTORS * K : FACTORS * ((1 << K) - 1);
  return base + (model === 'BPP' ? FACTORS : 0);
}

/** @internal Scratch of the block-diagonal recursion at one size (allocated once per run). */
interface Engine {
  n: number;
  L: number;
  K: number;
  /** Z_t for t = 0..L-1, n 2^{t+1} entries each (blocks of 2^{t+1} x 2^{t+1}, row-major). */
  zr: Float64Array[];
  zi: Float64Array[];
  /** The model output M (n x n) when the extra factor is used, else aliases Z_{L-1}. */
  mr: Float64Array;
  mi: Float64Array;
  y0r: Float64Array;
  y0i: Float64Array;
  y1r: Float64Array;
  y1i: Float64Array;
  y2r: Float64Array;
  y2i: Float64Array;
  gr: Float64Array;
  gi: Float64Array;
  hr: Float64Array;
  hi: Float64Array;
  rowR: Float64Array;
  rowI: Float64Array;
  /** einv[bs][c]: the column E moves to c; esrc[bs][i]: the column E takes for i (by log2 bs). */
  einv: Int32Array[];
  esrc: Int32Array[];
  /** Per-block probabilities: level k block b at 3 (2^k - 1 + b); the extra factor last. */
  probs: Float64Array;
  /** Gradient of the loss with respect to `probs`. */
  gprobs: Float64Array;
  extra: boolean;
}

function createEngine(n: number, extra: boolean): Engine {
  const L = Math.round(Math.log2(n));
  const K = Math.max(0, L - 1);
  const zr: Float64Array[] = [];
  const zi: Float64Array[] = [];
  for (let t = 0; t < L; t++) {
    zr.push(new Float64Array(n << (t + 1)));
    zi.push(new Float64Array(n << (t + 1)));
  }
  const nn = n * n;
  const einv: Int32Array[] = [];
  const esrc: Int32Array[] = [];
  for (let e = 0; e <= L; e++) {
    const bs = 1 << e;
    const h = bs >> 1;
    const inv = new Int32Array(bs);
    const src = new Int32Array(bs);
    for (let i = 0; i < bs; i++) {
      src[i] = i < h ? 2 * i : 2 * (i - h) + 1;
      inv[src[i]!] = i;
    }
    einv.push(inv);
    esrc.push(src);
  }
  const np = FACTORS * ((1 << K) - 1) + (extra ? FACTORS : 0);
  return {
    n,
    L,
    K,
    zr,
    zi,
    mr: extra ? new Float64Array(nn) : zr[L - 1]!,
    mi: extra ? new Float64Array(nn) : zi[L - 1]!,
    y0r: new Float64Array(nn),
    y0i: new Float64Array(nn),
    y1r: new Float64Array(nn),
    y1i: new Float64Array(nn),
    y2r: new Float64Array(nn),
    y2i: new Float64Array(nn),
    gr: new Float64Array(nn),
    gi: new Float64Array(nn),
    hr: new Float64Array(nn),
    hi: new Float64Array(nn),
    rowR: new Float64Array(n),
    rowI: new Float64Array(n),
    einv,
    esrc,
    probs: new Float64Array(np),
    gprobs: new Float64Array(np),
    extra,
  };
}

/** Y = B_t Z_{t-1} into (yr, yi), blocks of bs = 2^{t+1}; Z_{t-1} has blocks of s = 2^t. */
function applyStage(tr: Float64Array, ti: Float64Array, n: number, t: number, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const s = 1 << t;
  const bs = 2 * s;
  const nb = n / bs;
  const half = n / 2;
  for (let b = 0; b < nb; b++) {
    const yb = b * bs * bs;
    const x0b = 2 * b * s * s;
    const x1b = x0b + s * s;
    for (let j = 0; j < s; j++) {
      const tw = 4 * (t * half + b * s + j);
      const ar = tr[tw]!;
      const ai = ti[tw]!;
      const br = tr[tw + 1]!;
      const bi = ti[tw + 1]!;
      const cr = tr[tw + 2]!;
      const ci = ti[tw + 2]!;
      const dr = tr[tw + 3]!;
      const di = ti[tw + 3]!;
      const r0 = yb + j * bs;
      const r1 = yb + (j + s) * bs;
      const u0 = x0b + j * s;
      const u1 = x1b + j * s;
      for (let c = 0; c < s; c++) {
        const pr = xr[u0 + c]!;
        const pi = xi[u0 + c]!;
        const qr = xr[u1 + c]!;
        const qi = xi[u1 + c]!;
        yr[r0 + c] = ar * pr - ai * pi;
        yi[r0 + c] = ar * pi + ai * pr;
        yr[r0 + s + c] = br * qr - bi * qi;
        yi[r0 + s + c] = br * qi + bi * qr;
        yr[r1 + c] = cr * pr - ci * pi;
        yi[r1 + c] = cr * pi + ci * pr;
        yr[r1 + s + c] = dr * qr - di * qi;
        yi[r1 + s + c] = dr * qi + di * qr;
      }
    }
  }
}

/**
 * Backward of applyStage: given G = dLoss/dY (blocks of 2s), accumulates the twiddle gradient of
 * stage t into (Gr, Gi) and writes dLoss/dZ_{t-1} (blocks of s) into (hr, hi).
 */
function stageBackward(
  tr: Float64Array,
  ti: Float64Array,
  n: number,
  t: number,
  xr: Float64Array,
  xi: Float64Array,
  gr: Float64Array,
  gi: Float64Array,
  hr: Float64Array,
  hi: Float64Array,
  Gr: Float64Array,
  Gi: Float64Array,
): void {
  const s = 1 << t;
  const bs = 2 * s;
  const nb = n / bs;
  const half = n / 2;
  for (let b = 0; b < nb; b++) {
    const yb = b * bs * bs;
    const x0b = 2 * b * s * s;
    const x1b = x0b + s * s;
    for (let j = 0; j < s; j++) {
      const tw = 4 * (t * half + b * s + j);
      const ar = tr[tw]!;
      const ai = ti[tw]!;
      const br = tr[tw + 1]!;
      const bi = ti[tw + 1]!;
      const cr = tr[tw + 2]!;
      const ci = ti[tw + 2]!;
      const dr = tr[tw + 3]!;
      const di = ti[tw + 3]!;
      const r0 = yb + j * bs;
      const r1 = yb + (j + s) * bs;
      const u0 = x0b + j * s;
      const u1 = x1b + j * s;
      let gar = 0;
      let gai = 0;
      let gbr = 0;
      let gbi = 0;
      let gcr = 0;
      let gci = 0;
      let gdr = 0;
      let gdi = 0;
      for (let c = 0; c < s; c++) {
        const pr = xr[u0 + c]!;
        const pi = xi[u0 + c]!;
        const qr = xr[u1 + c]!;
        const qi = xi[u1 + c]!;
        const g0r = gr[r0 + c]!;
        const g0i = gi[r0 + c]!;
        const g1r = gr[r1 + c]!;
        const g1i = gi[r1 + c]!;
        const h0r = gr[r0 + s + c]!;
        const h0i = gi[r0 + s + c]!;
        const h1r = gr[r1 + s + c]!;
        const h1i = gi[r1 + s + c]!;
        // g_a += g conj(u) over the entries each twiddle produced.
        gar += g0r * pr + g0i * pi;
        gai += g0i * pr - g0r * pi;
        gcr += g1r * pr + g1i * pi;
        gci += g1i * pr - g1r * pi;
        gbr += h0r * qr + h0i * qi;
        gbi += h0i * qr - h0r * qi;
        gdr += h1r * qr + h1i * qi;
        gdi += h1i * qr - h1r * qi;
        // dZ0 = conj(a) g0 + conj(c) g1, dZ1 = conj(b) h0 + conj(d) h1.
        hr[u0 + c] = ar * g0r + ai * g0i + cr * g1r + ci * g1i;
        hi[u0 + c] = ar * g0i - ai * g0r + cr * g1i - ci * g1r;
        hr[u1 + c] = br * h0r + bi * h0i + dr * h1r + di * h1i;
        hi[u1 + c] = br * h0i - bi * h0r + dr * h1i - di * h1r;
      }
      Gr[tw] = gar;
      Gi[tw] = gai;
      Gr[tw + 1] = gbr;
      Gi[tw + 1] = gbi;
      Gr[tw + 2] = gcr;
      Gi[tw + 2] = gci;
      Gr[tw + 3] = gdr;
      Gi[tw + 3] = gdi;
    }
  }
}

/**
 * In place, on the columns of every bs x bs block of (yr, yi) (total `len` entries):
 * Y <- (1 - p) Y + p Y E (the even/odd factor applied on the right), p per block.
 */
function lerpEvenOdd(e: Engine, yr: Float64Array, yi: Float64Array, len: number, bs: number, probs: Float64Array, p0: number): void {
  const map = e.einv[Math.round(Math.log2(bs))]!;
  const nb = len / (bs * bs);
  const rr = e.rowR;
  const ri = e.rowI;
  for (let b = 0; b < nb; b++) {
    const p = probs[p0 + FACTORS * b]!;
    if (p === 0) continue;
    const q = 1 - p;
    for (let r = 0; r < bs; r++) {
      const o = (b * bs + r) * bs;
      for (let c = 0; c < bs; c++) {
        rr[c] = yr[o + c]!;
        ri[c] = yi[o + c]!;
      }
      for (let c = 0; c < bs; c++) {
        const m = map[c]!;
        yr[o + c] = q * rr[c]! + p * rr[m]!;
        yi[o + c] = q * ri[c]! + p * ri[m]!;
      }
    }
  }
}

/** In place: Y <- (1 - p) Y + p Y R on columns [off, off + bs/2) of every block (R reverses them; self-adjoint). */
function lerpReverse(yr: Float64Array, yi: Float64Array, len: number, bs: number, half: 0 | 1, probs: Float64Array, p0: number): void {
  const h = bs >> 1;
  const off = half * h;
  const nb = len / (bs * bs);
  for (let b = 0; b < nb; b++) {
    const p = probs[p0 + FACTORS * b]!;
    if (p === 0) continue;
    const q = 1 - p;
    for (let r = 0; r < bs; r++) {
      const o = (b * bs + r) * bs + off;
      for (let c = 0, d = h - 1; c < d; c++, d--) {
        const ar = yr[o + c]!;
        const ai = yi[o + c]!;
        const cr = yr[o + d]!;
        const ci = yi[o + d]!;
        yr[o + c] = q * ar + p * cr;
        yi[o + c] = q * ai + p * ci;
        yr[o + d] = q * cr + p * ar;
        yi[o + d] = q * ci + p * ai;
      }
    }
  }
}

/** Out of place: (dr, di) <- (1 - p) Y + p Y R for the reversal of one half of every block of Y = (sr, si). */
function lerpReverseInto(sr: Float64Array, si: Float64Array, dr: Float64Array, di: Float64Array, len: number, bs: number, half: 0 | 1, probs: Float64Array, p0: number): void {
  const h = bs >> 1;
  const off = half * h;
  const keep = half === 0 ? h : 0;
  const nb = len / (bs * bs);
  for (let b = 0; b < nb; b++) {
    const p = probs[p0 + FACTORS * b]!;
    const q = 1 - p;
    for (let r = 0; r < bs; r++) {
      const row = (b * bs + r) * bs;
      // The other half is copied as is.
      for (let c = keep; c < keep + h; c++) {
        dr[row + c] = sr[row + c]!;
        di[row + c] = si[row + c]!;
      }
      const o = row + off;
      for (let c = 0, d = h - 1; c <= d; c++, d--) {
        const ar = sr[o + c]!;
        const ai = si[o + c]!;
        const cr = sr[o + d]!;
        const ci = si[o + d]!;
        dr[o + c] = q * ar + p * cr;
        di[o + c] = q * ai + p * ci;
        dr[o + d] = q * cr + p * ar;
        di[o + d] = q * ci + p * ai;
      }
    }
  }
}

/**
 * Backward through Z = (1 - p) Y + p Y R (one half reversed), fused: per block, out[p0 + 3 b] =
 * sum Re(conj(G) (Y R - Y)), then G <- (1 - p) G + p G R in place (R is symmetric).
 */
function reverseBackward(gr: Float64Array, gi: Float64Array, yr: Float64Array, yi: Float64Array, len: number, bs: number, half: 0 | 1, probs: Float64Array, p0: number, out: Float64Array | null): void {
  const h = bs >> 1;
  const off = half * h;
  const nb = len / (bs * bs);
  for (let b = 0; b < nb; b++) {
    const p = probs[p0 + FACTORS * b]!;
    const q = 1 - p;
    let acc = 0;
    for (let r = 0; r < bs; r++) {
      const o = (b * bs + r) * bs + off;
      for (let c = 0, d = h - 1; c < d; c++, d--) {
        const g0r = gr[o + c]!;
        const g0i = gi[o + c]!;
        const g1r = gr[o + d]!;
        const g1i = gi[o + d]!;
        if (out) acc += (g0r - g1r) * (yr[o + d]! - yr[o + c]!) + (g0i - g1i) * (yi[o + d]! - yi[o + c]!);
        gr[o + c] = q * g0r + p * g1r;
        gi[o + c] = q * g0i + p * g1i;
        gr[o + d] = q * g1r + p * g0r;
        gi[o + d] = q * g1i + p * g0i;
      }
    }
    if (out) out[p0 + FACTORS * b] = acc;
  }
}

/**
 * Backward through Z = (1 - p) Y + p Y E, fused: per block, out[p0 + 3 b] = sum Re(conj(G) (Y E - Y)),
 * then G <- (1 - p) G + p G E^T in place.
 */
function evenOddBackward(e: Engine, gr: Float64Array, gi: Float64Array, yr: Float64Array, yi: Float64Array, len: number, bs: number, probs: Float64Array, p0: number, out: Float64Array | null): void {
  const lg = Math.round(Math.log2(bs));
  const inv = e.einv[lg]!;
  const src = e.esrc[lg]!;
  const nb = len / (bs * bs);
  const rr = e.rowR;
  const ri = e.rowI;
  for (let b = 0; b < nb; b++) {
    const p = probs[p0 + FACTORS * b]!;
    const q = 1 - p;
    let acc = 0;
    for (let r = 0; r < bs; r++) {
      const o = (b * bs + r) * bs;
      for (let c = 0; c < bs; c++) {
        const g0r = gr[o + c]!;
        const g0i = gi[o + c]!;
        rr[c] = g0r;
        ri[c] = g0i;
        if (out) {
          const m = o + inv[c]!;
          acc += g0r * (yr[m]! - yr[o + c]!) + g0i * (yi[m]! - yi[o + c]!);
        }
      }
      if (p === 0) continue;
      for (let c = 0; c < bs; c++) {
        const m = src[c]!;
        gr[o + c] = q * rr[c]! + p * rr[m]!;
        gi[o + c] = q * ri[c]! + p * ri[m]!;
      }
    }
    if (out) out[p0 + FACTORS * b] = acc;
  }
}

/** Right-multiplies (yr, yi) (blocks of bs) by the relaxed factor F = L2 L1 L0 whose probabilities start at p0. */
function applyFactor(e: Engine, yr: Float64Array, yi: Float64Array, len: number, bs: number, p0: number): void {
  lerpReverse(yr, yi, len, bs, 1, e.probs, p0 + 2);
  lerpReverse(yr, yi, len, bs, 0, e.probs, p0 + 1);
  lerpEvenOdd(e, yr, yi, len, bs, e.probs, p0);
}

/**
 * Backward through Z = Y F (F at p0): (gr, gi) holds dLoss/dZ and becomes dLoss/dY; y0 holds Y
 * (clobbered: it is used to rebuild the two inner lerp inputs); probability gradients into e.gprobs.
 */
function factorBackward(e: Engine, gr: Float64Array, gi: Float64Array, len: number, bs: number, p0: number, withProbs: boolean): void {
  const out = withProbs ? e.gprobs : null;
  if (withProbs) {
    // Y1 = Y L2, Y2 = Y1 L1; Z = Y2 L0.
    lerpReverseInto(e.y0r, e.y0i, e.y1r, e.y1i, len, bs, 1, e.probs, p0 + 2);
    lerpReverseInto(e.y1r, e.y1i, e.y2r, e.y2i, len, bs, 0, e.probs, p0 + 1);
  }
  evenOddBackward(e, gr, gi, e.y2r, e.y2i, len, bs, e.probs, p0, out);
  reverseBackward(gr, gi, e.y1r, e.y1i, len, bs, 0, e.probs, p0 + 1, out);
  reverseBackward(gr, gi, e.y0r, e.y0i, len, bs, 1, e.probs, p0 + 2, out);
}

/** Offset of level k's first probability (per-block layout). */
const levelOffset = (k: number) => FACTORS * ((1 << k) - 1);

/** Forward: the Z_t recursion and the extra factor; returns nothing (output in e.mr, e.mi). */
function engineForward(e: Engine, tw: { re: Float64Array; im: Float64Array }): void {
  const { n, L } = e;
  const z0r = e.zr[0]!;
  const z0i = e.zi[0]!;
  // Z_0 = B_0: block b is [[a, b], [c, d]] of pair b at stage 0.
  z0r.set(tw.re.subarray(0, 2 * n));
  z0i.set(tw.im.subarray(0, 2 * n));
  for (let t = 1; t < L; t++) {
    const bs = 2 << t;
    const len = n * bs;
    applyStage(tw.re, tw.im, n, t, e.zr[t - 1]!, e.zi[t - 1]!, e.zr[t]!, e.zi[t]!);
    applyFactor(e, e.zr[t]!, e.zi[t]!, len, bs, levelOffset(L - 1 - t));
  }
  if (e.extra) {
    e.mr.set(e.zr[L - 1]!);
    e.mi.set(e.zi[L - 1]!);
    if (n >= 4) applyFactor(e, e.mr, e.mi, n * n, n, e.probs.length - FACTORS);
  }
}

/**
 * Loss MSE(M, T) = ||M - T||_F^2 / n^2 (only the real parts with realOnly) and its gradient:
 * twiddles into gt, probabilities into e.gprobs (when withProbs).
 */
function engineLossGrad(e: Engine, tw: { re: Float64Array; im: Float64Array }, Tr: Float64Array, Ti: Float64Array, realOnly: boolean, gt: { re: Float64Array; im: Float64Array }, withProbs: boolean): number {
  const { n, L } = e;
  engineForward(e, tw);
  const nn = n * n;
  const f = 2 / nn;
  let loss = 0;
  let gr = e.gr;
  let gi = e.gi;
  let hr = e.hr;
  let hi = e.hi;
  const mr = e.mr;
  const mi = e.mi;
  for (let k = 0; k < nn; k++) {
    const er = mr[k]! - Tr[k]!;
    const ei = realOnly ? 0 : mi[k]! - Ti[k]!;
    loss += er * er + ei * ei;
    gr[k] = f * er;
    gi[k] = f * ei;
  }
  loss /= nn;
  if (withProbs) e.gprobs.fill(0);
  if (e.extra && n >= 4) {
    e.y0r.set(e.zr[L - 1]!);
    e.y0i.set(e.zi[L - 1]!);
    factorBackward(e, gr, gi, nn, n, e.probs.length - FACTORS, withProbs);
  }
  for (let t = L - 1; t >= 1; t--) {
    const bs = 2 << t;
    const len = n * bs;
    applyStage(tw.re, tw.im, n, t, e.zr[t - 1]!, e.zi[t - 1]!, e.y0r, e.y0i);
    factorBackward(e, gr, gi, len, bs, levelOffset(L - 1 - t), withProbs);
    stageBackward(tw.re, tw.im, n, t, e.zr[t - 1]!, e.zi[t - 1]!, gr, gi, hr, hi, gt.re, gt.im);
    const sr = gr;
    const si = gi;
    gr = hr;
    gi = hi;
    hr = sr;
    hi = si;
  }
  // Stage 0: Z_0 holds the twiddles themselves.
  gt.re.set(gr.subarray(0, 2 * n), 0);
  gt.im.set(gi.subarray(0, 2 * n), 0);
  return loss;
}

/** Index of level k's first logit in the `'level'` / `'shared'` layouts. */
const levelLogit = (layout: ButterflyPermutationLogits, k: number) => (layout === 'shared' ? 0 : FACTORS * k);

/** Writes the per-block probabilities of `logits` (layout as in the module notes) into `probs`. */
function expandProbs(logits: Float64Array, n: number, layout: ButterflyPermutationLogits, extra: boolean, probs: Float64Array, hard: boolean): void {
  const K = Math.max(0, Math.round(Math.log2(n)) - 1);
  const p = (t: number) => (hard ? (t >= 0 ? 1 : 0) : sigmoid(t));
  if (layout === 'block') {
    for (let k = 0; k < FACTORS * ((1 << K) - 1); k++) probs[k] = p(logits[k]!);
  } else {
    for (let k = 0; k < K; k++) {
      for (let b = 0; b < 1 << k; b++) {
        for (let f = 0; f < FACTORS; f++) probs[levelOffset(k) + FACTORS * b + f] = p(logits[levelLogit(layout, k) + f]!);
      }
    }
  }
  if (extra) {
    const lo = logits.length - FACTORS;
    const po = probs.length - FACTORS;
    for (let f = 0; f < FACTORS; f++) probs[po + f] = p(logits[lo + f]!);
  }
}

/** dLoss/dlogits from dLoss/dprobs (per block) through p = sigmoid(logit), summed over shared blocks. */
function reduceGrads(e: Engine, layout: ButterflyPermutationLogits, gl: Float64Array): void {
  const { K, probs, gprobs } = e;
  if (layout === 'block') {
    for (let k = 0; k < FACTORS * ((1 << K) - 1); k++) gl[k] = gprobs[k]! * probs[k]! * (1 - probs[k]!);
  } else {
    gl.fill(0, 0, layout === 'shared' ? Math.min(K, 1) * FACTORS : FACTORS * K);
    for (let k = 0; k < K; k++) {
      for (let f = 0; f < FACTORS; f++) {
        let acc = 0;
        for (let b = 0; b < 1 << k; b++) {
          const i = levelOffset(k) + FACTORS * b + f;
          acc += gprobs[i]! * probs[i]! * (1 - probs[i]!);
        }
        gl[levelLogit(layout, k) + f] = gl[levelLogit(layout, k) + f]! + acc;
      }
    }
  }
  if (e.extra) {
    const lo = gl.length - FACTORS;
    const po = probs.length - FACTORS;
    for (let f = 0; f < FACTORS; f++) gl[lo + f] = gprobs[po + f]! * probs[po + f]! * (1 - probs[po + f]!);
  }
}

/**
 * In place on a vector of length n: x <- P x (the extra factor first, then levels 0 .. K-1), with
 * per-block probabilities (the relaxed lerps; with probabilities in {0, 1}, a hard permutation).
 */
function permuteVector(probs: Float64Array, n: number, extra: boolean, x: Float64Array): void {
  const K = Math.max(0, Math.round(Math.log2(n)) - 1);
  const t = new Float64Array(n);
  const factor = (s: number, p0: number, b0: number) => {
    const h = s / 2;
    const pe = probs[p0]!;
    for (let i = 0; i < s; i++) t[i] = x[b0 + i]!;
    for (let i = 0; i < s; i++) x[b0 + i] = (1 - pe) * t[i]! + pe * t[i < h ? 2 * i : 2 * (i - h) + 1]!;
    for (let half = 0; half < 2; half++) {
      const p = probs[p0 + 1 + half]!;
      const o = b0 + half * h;
      for (let i = 0, j = h - 1; i < j; i++, j--) {
        const a = x[o + i]!;
        const c = x[o + j]!;
        x[o + i] = (1 - p) * a + p * c;
        x[o + j] = (1 - p) * c + p * a;
      }
    }
  };
  if (extra && n >= 4) factor(n, probs.length - FACTORS, 0);
  for (let k = 0; k < K; k++) {
    const s = n >> k;
    for (let b = 0; b < 1 << k; b++) factor(s, levelOffset(k) + FACTORS * b, b * s);
  }
}

/** The hard permutation of a set of logits, every choice rounded (p >= 1/2 taken, the paper's argmax). */
function roundPermutation(logits: Float64Array, n: number, layout: ButterflyPermutationLogits, extra: boolean): Int32Array {
  const probs = new Float64Array(logitCount(n, 'block', extra ? 'BPP' : 'BP'));
  expandProbs(logits, n, layout, extra, probs, true);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i;
  permuteVector(probs, n, extra, v);
  return Int32Array.from(v);
}
/** Options of {@link learnButterflyPermuted}. */
export interface LearnButterflyPermutedOptions {
  /** Adam steps (default 2000). */
  steps?: number;
  /** Peak Adam learning rate of twiddles and permutation logits (default 0.01). */
  lr?: number;
  /** `'cosine'` (default: lr down to lr * 1e-3) or `'constant'`. */
  schedule?: 'cosine' | 'constant';
  /** Adam moment decay rates and epsilon (defaults 0.9, 0.999, 1e-12). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Seed of the random unitary twiddle initialization (default 0). */
  seed?: number;
  /** Initial value of every permutation logit (default 0: every choice at probability 1/2). */
  logitInit?: number;
  /**
   * Layout of the permutation logits: `'level'` (default; one triple per level shared by its
   * blocks, as the reference's `Permutation(share_logit=False)`), `'shared'` (one triple for all
   * levels, `share_logit=True`, what the reference's transform search runs) or `'block'` (a triple
   * per block of every level: 3 (n/2 - 1) logits, each sub-problem choosing its own reordering).
   */
  logits?: ButterflyPermutationLogits;
  /**
   * `'BP'` (default): M = B P. `'BPP'`: M = B P X with one more full-size relaxed factor X applied
   * first (the model the reference's `run_exp.sh` uses for the DCT; it reaches Makhoul's reordering
   * followed by bit reversal, the exact DCT route, which no single P of either layout contains).
   */
  model?: ButterflyPermutedModel;
  /**
   * Weight of a penalty mean(p (1 - p)) over the permutation probabilities, ramped linearly from 0
   * to this value over the joint steps (default 0: none, the paper's objective). It drives each
   * choice to 0 or 1 so the relaxation ends near the permutation it is rounded to. Not in the
   * paper; the reported losses stay the plain MSE.
   */
  sharpen?: number;
  /**
   * Compare only the real part of the butterfly with the target (default false). This is how a
   * real transform such as the DCT is fitted: DCT = Re(diag(d) B P), and the diagonal folds into
   * the last factor's twiddles.
   */
  realPart?: boolean;
  /**
   * Adam steps on the twiddles alone after the permutation is rounded (default: `steps`), as the
   * paper's search polishes its best trials with the permutation fixed.
   */
  polishSteps?: number;
  /** Stop a phase as soon as its loss is below this (default 0: run every step). */
  tol?: number;
  /** Called every `progressEvery` steps (default 100) and at the end. */
  onProgress?: (info: ButterflyLearnProgress) => void;
  progressEvery?: number;
  /** Stops the run (the result holds the steps done so far). */
  signal?: AbortSignal;
}

const PERMUTED_KEYS = ['steps', 'lr', 'schedule', 'beta1', 'beta2', 'eps', 'seed', 'logitInit', 'logits', 'model', 'sharpen', 'realPart', 'polishSteps', 'tol', 'onProgress', 'progressEvery', 'signal'] as const;

/** Result of {@link learnButterflyPermuted}. */
export interface LearnButterflyPermutedResult {
  /** The learned twiddles with the rounded (hard) permutation. */
  butterfly: Butterfly;
  /**
   * Learned permutation logits, triples (even/odd, reverse first half, reverse second half) per
   * level or per block as the `logits` option says, the `'BPP'` model's extra factor last.
   */
  logits: Float64Array;
  /** Relaxed loss before each step, then the final one: length stepsRun + 1. */
  losses: Float64Array;
  /** Final loss with the relaxed permutation. */
  relaxedLoss: number;
  /** Loss of the same twiddles with the permutation rounded to a hard one. */
  hardLoss: number;
  /** Loss after polishing the twiddles with the hard permutation (= hardLoss with polishSteps 0). */
  polishedLoss: number;
  /** True when the rounded permutation is the bit reversal. */
  isBitReversal: boolean;
  /** Joint steps run (fewer than `steps` when `tol` was reached or the run was aborted). */
  stepsRun: number;
  /** True when the run was stopped through the signal. */
  aborted: boolean;
}

/** Twiddles + relaxed permutation against one target, with the engine's scratch. */
interface PermutedModel {
  n: number;
  b: Butterfly;
  logits: Float64Array;
  layout: ButterflyPermutationLogits;
  engine: Engine;
  Tr: Float64Array;
  Ti: Float64Array;
  realPart: boolean;
}

/** Relaxed loss; gradients into gt (twiddles) and gl (logits). */
function modelLossGrad(m: PermutedModel, gt: { re: Float64Array; im: Float64Array }, gl: Float64Array): number {
  const e = m.engine;
  expandProbs(m.logits, m.n, m.layout, e.extra, e.probs, false);
  const loss = engineLossGrad(e, m.b.twiddle, m.Tr, m.Ti, m.realPart, gt, true);
  reduceGrads(e, m.layout, gl);
  return loss;
}

/** Loss with every permutation choice rounded (the hard permutation); twiddle gradient into gt. */
function hardLossGrad(m: PermutedModel, gt: { re: Float64Array; im: Float64Array }): number {
  return engineLossGrad(m.engine, m.b.twiddle, m.Tr, m.Ti, m.realPart, gt, false);
}

function createModel(fn: string, target: ComplexMatrix, seed: number, logitInit: number, realPart: boolean, layout: ButterflyPermutationLogits, model: ButterflyPermutedModel): PermutedModel {
  if (typeof target !== 'object' || target === null) throw new ShapeError(`${fn}: target must be a ComplexMatrix { re, im }`);
  checkMatrix(fn, 'target.re', target.re);
  checkMatrix(fn, 'target.im', target.im);
  const n = target.re.rows;
  if (target.re.cols !== n || target.im.rows !== n || target.im.cols !== n) {
    throw new ShapeError(`${fn}: target must be square n x n with re and im of equal shape, got ${target.re.rows}x${target.re.cols}`);
  }
  const L = log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  const b: Butterfly = { n, perm: bitReversal(n), twiddle: unitaryInit(n, L, seed) };
  const logits = new Float64Array(logitCount(n, layout, model)).fill(logitInit);
  return {
    n,
    b,
    logits,
    layout,
    engine: createEngine(n, model === 'BPP'),
    Tr: Float64Array.from(target.re.data),
    Ti: Float64Array.from(target.im.data),
    realPart,
  };
}

/**
 * Learns a butterfly together with its input permutation (the "BP" model of Dao et al. 2019,
 * Sec. 3.3 and 4.1): twiddles and the logits of the relaxed permutation P = F_{L-2} ... F_0 (see
 * the module notes: each level lerps the identity with even/odd separation and the two half
 * reversals, probabilities sigmoid(logit)) are trained jointly by Adam on
 * MSE(B P, T) = ||B P - T||_F^2 / n^2, with the exact reverse-mode gradient through both. At the
 * end every probability is rounded (>= 1/2 taken) and the loss is reported both relaxed and with
 * the hard permutation, then the twiddles are polished with it fixed. The logit layout (per level,
 * shared by all levels or per block) and the `'BPP'` model (one more full-size factor, for the DCT)
 * are options. O((steps + polishSteps) n^2) time (a block-diagonal recursion, see the module
 * notes), O(n^2) memory allocated once per call; n a power of two in [2, 2^13].
 * @throws ShapeError for a non-square target; DomainError for bad sizes or options.
 */
export function learnButterflyPermuted(target: ComplexMatrix, opts?: LearnButterflyPermutedOptions): LearnButterflyPermutedResult {
  const fn = 'learnButterflyPermuted';
  const o = checkOptions(fn, opts, PERMUTED_KEYS);
  const steps = checkSteps(fn, 'steps', o.steps ?? 2000);
  const lr = checkPositive(fn, 'lr', o.lr ?? 0.01);
  const schedule = checkOneOf(fn, 'schedule', o.schedule ?? 'cosine', ['cosine', 'constant'] as const);
  const b1 = checkUnit(fn, 'beta1', o.beta1 ?? 0.9, 0, 1, '[)');
  const b2 = checkUnit(fn, 'beta2', o.beta2 ?? 0.999, 0, 1, '[)');
  const eps = checkNonNegative(fn, 'eps', o.eps ?? 1e-12);
  const seed = checkSeed(fn, 'seed', o.seed ?? 0);
  const logitInit = o.logitInit ?? 0;
  if (typeof logitInit !== 'number' || !Number.isFinite(logitInit) || Math.abs(logitInit) > 50) {
    throw new DomainError(`${fn}: logitInit must be a finite number in [-50, 50], got ${String(logitInit)}`);
  }
  const realPart = checkBoolean(fn, 'realPart', o.realPart ?? false);
  const layout = checkOneOf(fn, 'logits', o.logits ?? 'level', ['shared', 'level', 'block'] as const);
  const model = checkOneOf(fn, 'model', o.model ?? 'BP', ['BP', 'BPP'] as const);
  const tol = checkNonNegative(fn, 'tol', o.tol ?? 0);
  const sharpen = checkNonNegative(fn, 'sharpen', o.sharpen ?? 0);
  const polishSteps = checkSteps(fn, 'polishSteps', o.polishSteps ?? steps);
  const every = checkInt(fn, 'progressEvery', o.progressEvery ?? 100, 1);
  const onProgress = o.onProgress === undefined ? undefined : checkFunction<(info: ButterflyLearnProgress) => void>(fn, 'onProgress', o.onProgress);
  checkAborted(fn, o.signal);
  const m = createModel(fn, target, seed, logitInit, realPart, layout, model);
  const tw = m.b.twiddle;
  const gt = { re: new Float64Array(tw.re.length), im: new Float64Array(tw.re.length) };
  const gl = new Float64Array(m.logits.length);
  const adam = { lr, schedule, b1, b2, eps, tol, every, onProgress, signal: o.signal, fn };
  let call = 0;
  const jointGrad = () => {
    const loss = modelLossGrad(m, gt, gl);
    const w = (sharpen * call++) / Math.max(1, steps) / gl.length;
    if (w > 0) {
      for (let k = 0; k < gl.length; k++) {
        const p = sigmoid(m.logits[k]!);
        gl[k] = gl[k]! + w * (1 - 2 * p) * p * (1 - p);
      }
    }
    return loss;
  };
  const run = adamRun([tw.re, tw.im, m.logits], [gt.re, gt.im, gl], jointGrad, steps, adam);
  const perm = roundPermutation(m.logits, m.n, layout, model === 'BPP');
  m.b.perm = perm;
  expandProbs(m.logits, m.n, layout, model === 'BPP', m.engine.probs, true);
  const hardGrad = () => hardLossGrad(m, gt);
  const hardLoss = hardGrad();
  let polishedLoss = hardLoss;
  let aborted = run.aborted;
  if (!aborted && polishSteps > 0) {
    const pol = adamRun([tw.re, tw.im], [gt.re, gt.im], hardGrad, polishSteps, adam);
    polishedLoss = pol.losses[pol.losses.length - 1]!;
    aborted = pol.aborted;
  }
  const br = bitReversal(m.n);
  let isBitReversal = true;
  for (let i = 0; i < m.n; i++) if (perm[i] !== br[i]) isBitReversal = false;
  const relaxedLoss = run.losses[run.losses.length - 1]!;
  return { butterfly: m.b, logits: m.logits, losses: run.losses, relaxedLoss, hardLoss, polishedLoss, isBitReversal, stepsRun: run.stepsRun, aborted };
}

interface AdamSettings {
  lr: number;
  schedule: 'cosine' | 'constant';
  b1: number;
  b2: number;
  eps: number;
  tol: number;
  every: number;
  onProgress: ((info: ButterflyLearnProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  fn: string;
}

/** Adam over several parameter arrays; lossGrad refreshes `grads` and returns the loss. */
function adamRun(params: Float64Array[], grads: Float64Array[], lossGrad: () => number, steps: number, o: AdamSettings): { losses: Float64Array; stepsRun: number; aborted: boolean } {
  const ms = params.map((p) => new Float64Array(p.length));
  const vs = params.map((p) => new Float64Array(p.length));
  const losses: number[] = [];
  let loss = lossGrad();
  losses.push(loss);
  let step = 0;
  let aborted = false;
  for (; step < steps; step++) {
    if (loss < o.tol) break;
    if (o.signal?.aborted) {
      aborted = true;
      break;
    }
    const t = step + 1;
    const rate = o.schedule === 'cosine' ? o.lr * (1e-3 + (1 - 1e-3) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, steps)))) : o.lr;
    const a = (rate * Math.sqrt(1 - o.b2 ** t)) / (1 - o.b1 ** t);
    for (let q = 0; q < params.length; q++) {
      const p = params[q]!;
      const g = grads[q]!;
      const mq = ms[q]!;
      const vq = vs[q]!;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        mq[k] = o.b1 * mq[k]! + (1 - o.b1) * gk;
        vq[k] = o.b2 * vq[k]! + (1 - o.b2) * gk * gk;
        p[k] = p[k]! - (a * mq[k]!) / (Math.sqrt(vq[k]!) + o.eps);
      }
    }
    loss = lossGrad();
    losses.push(loss);
    if (!Number.isFinite(loss)) throw new DomainError(`${o.fn}: loss became ${loss} at step ${t}; lower lr (${o.lr})`);
    if (o.onProgress && t % o.every === 0) o.onProgress({ step: t, steps, loss });
  }
  o.onProgress?.({ step, steps, loss });
  return { losses: Float64Array.from(losses), stepsRun: step, aborted };
}

/**
 * @internal Loss of twiddles + logits and its exact gradient (for finite-difference tests).
 */
export function permutedLossGradient(
  target: ComplexMatrix,
  twiddle: { re: Float64Array; im: Float64Array },
  logits: Float64Array,
  realPart = false,
  layout: ButterflyPermutationLogits = 'level',
  model: ButterflyPermutedModel = 'BP',
): { loss: number; gradTwiddle: { re: Float64Array; im: Float64Array }; gradLogits: Float64Array } {
  const m = createModel('permutedLossGradient', target, 0, 0, realPart, layout, model);
  m.b.twiddle.re.set(twiddle.re);
  m.b.twiddle.im.set(twiddle.im);
  m.logits.set(logits);
  const gt = { re: new Float64Array(twiddle.re.length), im: new Float64Array(twiddle.re.length) };
  const gl = new Float64Array(logits.length);
  const loss = modelLossGrad(m, gt, gl);
  return { loss, gradTwiddle: gt, gradLogits: gl };
}

/** @internal The relaxed permutation matrix (row-major n x n, P e_j as column j) of a set of logits. */
export function relaxedPermutationMatrix(logits: Float64Array, n: number, layout: ButterflyPermutationLogits = 'level', model: ButterflyPermutedModel = 'BP'): Float64Array {
  const extra = model === 'BPP';
  const probs = new Float64Array(logitCount(n, 'block', model));
  expandProbs(logits, n, layout, extra, probs, false);
  const P = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    permuteVector(probs, n, extra, col);
    for (let i = 0; i < n; i++) P[i * n + j] = col[i]!;
  }
  return P;
}

/** @internal The hard permutation of rounded logits. */
export function roundedPermutation(logits: Float64Array, n: number, layout: ButterflyPermutationLogits = 'level', model: ButterflyPermutedModel = 'BP'): Int32Array {
  return roundPermutation(logits, n, layout, model === 'BPP');
}

/** @internal Number of permutation logits of a layout and model at size n. */
export function permutationLogitCount(n: number, layout: ButterflyPermutationLogits = 'level', model: ButterflyPermutedModel = 'BP'): number {
  return logitCount(n, layout, model);
}

/** The targets {@link butterflyTransformTarget} builds. */
export type ButterflyTransform = 'dft' | 'dct' | 'hadamard';

/**
 * Target matrix of a named transform, unitary-normalized as in the paper's experiments:
 * `'dft'` F_jk = exp(-2 pi i jk / n) / sqrt(n) (scipy.linalg.dft(n, 'sqrtn')), `'dct'` the
 * orthonormal DCT-II (scipy.fft.dct(I, norm='ortho', axis=0), real), `'hadamard'` the Sylvester
 * Hadamard matrix / sqrt(n) (scipy.linalg.hadamard(n) / sqrt(n)). n a power of two in [2, 2^13].
 */
export function butterflyTransformTarget(transform: ButterflyTransform, n: number): ComplexMatrix {
  const fn = 'butterflyTransformTarget';
  checkOneOf(fn, 'transform', transform, ['dft', 'dct', 'hadamard'] as const);
  log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  if (transform === 'dft') return unitaryDftMatrix(n);
  const re = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (transform === 'dct') {
        const s = i === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
        // Reduce the angle's integer numerator mod 4n for exact angles at every n.
        re[i * n + j] = s * Math.cos((Math.PI * ((i * (2 * j + 1)) % (4 * n))) / (2 * n));
      } else {
        let b = i & j;
        let parity = 0;
        while (b) {
          parity ^= b & 1;
          b >>= 1;
        }
        re[i * n + j] = (parity ? -1 : 1) / Math.sqrt(n);
      }
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: new Float64Array(n * n) } };
}

/** Options of {@link learnButterflyTransform}. */
export interface LearnButterflyTransformOptions extends LearnButterflyPermutedOptions {
  /** Which transform to recover. */
  transform: ButterflyTransform;
  /** Its size, a power of two in [2, 2^13]. */
  n: number;
}

/**
 * Recovers the DFT, DCT-II or Hadamard transform of size n with a butterfly whose permutation is
 * learned ({@link learnButterflyPermuted} on {@link butterflyTransformTarget}; the DCT is fitted
 * through the real part). The paper's claim (Dao et al. 2019, Sec. 4.1) is recovery to loss
 * < 1e-8 for n = 8 ... 1024.
 */
export function learnButterflyTransform(opts: LearnButterflyTransformOptions): LearnButterflyPermutedResult {
  const fn = 'learnButterflyTransform';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object with transform and n`);
  const { transform, n, ...rest } = checkOptions(fn, opts, ['transform', 'n', ...PERMUTED_KEYS]);
  const t = checkOneOf(fn, 'transform', transform, ['dft', 'dct', 'hadamard'] as const);
  log2Exact(fn, n, MAX_DENSE_N);
  if (n < 2) throw new DomainError(`${fn}: n must be a power of two >= 2, got ${n}`);
  return learnButterflyPermuted(butterflyTransformTarget(t, n), { realPart: t === 'dct', model: t === 'dct' ? 'BPP' : 'BP', ...rest });
}

/**
 * @internal One reusable relaxed loss-and-gradient evaluation (the work of one joint Adam step,
 * without the update) on a fixed model, for benchmarks: returns a function computing it.
 */
export function permutedStepRunner(target: ComplexMatrix, layout: ButterflyPermutationLogits = 'level', model: ButterflyPermutedModel = 'BP', realPart = false): () => number {
  const m = createModel('permutedStepRunner', target, 0, 0, realPart, layout, model);
  const len = m.b.twiddle.re.length;
  const gt = { re: new Float64Array(len), im: new Float64Array(len) };
  const gl = new Float64Array(m.logits.length);
  return () => modelLossGrad(m, gt, gl);
}
