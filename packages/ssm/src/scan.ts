import { checkSize } from '@x/gpu/checks';
import { checkStruct } from './complex';
import { ShapeError } from '@x/gpu';

/**
 * Elements of a diagonal linear recurrence x_t = a_t ⊙ x_{t-1} + b_t over T steps and P complex
 * lanes, stored split and time-major: index t * P + p.
 */
export interface ScanElems {
  T: number;
  P: number;
  aRe: Float64Array;
  aIm: Float64Array;
  bRe: Float64Array;
  bIm: Float64Array;
}

function check(fn: string, e: ScanElems): void {
  checkStruct(fn, 'e', e);
  checkSize(fn, 'T', e.T);
  checkSize(fn, 'P', e.P);
  const n = e.T * e.P;
  if (!(e.T >= 0 && e.P >= 0) || [e.aRe, e.aIm, e.bRe, e.bIm].some((x) => !(x instanceof Float64Array) || x.length !== n)) {
    throw new ShapeError(`${fn}: aRe, aIm, bRe, bIm must be Float64Arrays of length T * P = ${n}`);
  }
}

/**
 * x_t = a_t x_{t-1} + b_t from x_{-1} = 0, one step at a time. O(T P). Returns x (re, im; T * P).
 */
export function sequentialScan(e: ScanElems): { re: Float64Array; im: Float64Array } {
  check('sequentialScan', e);
  const { T, P } = e;
  const re = new Float64Array(T * P);
  const im = new Float64Array(T * P);
  for (let p = 0; p < P; p++) {
    let xr = 0;
    let xi = 0;
    for (let t = 0; t < T; t++) {
      const k = t * P + p;
      const ar = e.aRe[k]!;
      const ai = e.aIm[k]!;
      const nr = ar * xr - ai * xi + e.bRe[k]!;
      xi = ar * xi + ai * xr + e.bIm[k]!;
      xr = nr;
      re[k] = xr;
      im[k] = xi;
    }
  }
  return { re, im };
}

/**
 * Parallel associative scan (S5 paper, Smith et al. ICLR 2023, Sec. 2.2 and Appendix H;
 * Blelloch 1990) with the operator (a_i, b_i) • (a_j, b_j) = (a_j a_i, a_j b_i + b_j): the
 * odd/even recursion of jax.lax.associative_scan — combine neighbouring pairs, scan the half-length
 * sequence recursively, then fill in the even positions. O(T P) work, O(log T) depth: each level's
 * loop is data-parallel. Equals {@link sequentialScan} up to rounding (the products associate
 * differently). Returns the inclusive prefix x_t (re, im; T * P).
 */
export function parallelScan(e: ScanElems): { re: Float64Array; im: Float64Array } {
  check('parallelScan', e);
  const r = scanRec(e.aRe, e.aIm, e.bRe, e.bIm, e.T, e.P);
  return { re: r[2], im: r[3] };
}

type Quad = [Float64Array, Float64Array, Float64Array, Float64Array];

function scanRec(aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array, n: number, P: number): Quad {
  if (n <= 1) return [aRe.slice(), aIm.slice(), bRe.slice(), bIm.slice()];
  const m = Math.floor(n / 2);
  const rAr = new Float64Array(m * P);
  const rAi = new Float64Array(m * P);
  const rBr = new Float64Array(m * P);
  const rBi = new Float64Array(m * P);
  // reduced[k] = e[2k] • e[2k+1]
  for (let k = 0; k < m; k++) {
    const i0 = 2 * k * P;
    const i1 = (2 * k + 1) * P;
    const o = k * P;
    for (let p = 0; p < P; p++) {
      combine(aRe, aIm, bRe, bIm, i0 + p, aRe, aIm, bRe, bIm, i1 + p, rAr, rAi, rBr, rBi, o + p);
    }
  }
  const [sAr, sAi, sBr, sBi] = scanRec(rAr, rAi, rBr, rBi, m, P);
  const oAr = new Float64Array(n * P);
  const oAi = new Float64Array(n * P);
  const oBr = new Float64Array(n * P);
  const oBi = new Float64Array(n * P);
  for (let p = 0; p < P; p++) {
    oAr[p] = aRe[p]!;
    oAi[p] = aIm[p]!;
    oBr[p] = bRe[p]!;
    oBi[p] = bIm[p]!;
  }
  for (let k = 0; k < m; k++) {
    const dst = (2 * k + 1) * P;
    const src = k * P;
    for (let p = 0; p < P; p++) {
      oAr[dst + p] = sAr[src + p]!;
      oAi[dst + p] = sAi[src + p]!;
      oBr[dst + p] = sBr[src + p]!;
      oBi[dst + p] = sBi[src + p]!;
    }
  }
  // out[2k] = scanned[k-1] • e[2k] for k >= 1
  for (let k = 1; 2 * k < n; k++) {
    const src = (k - 1) * P;
    const ei = 2 * k * P;
    for (let p = 0; p < P; p++) {
      combine(sAr, sAi, sBr, sBi, src + p, aRe, aIm, bRe, bIm, ei + p, oAr, oAi, oBr, oBi, ei + p);
    }
  }
  return [oAr, oAi, oBr, oBi];
}

/** out = x • y = (a_y a_x, a_y b_x + b_y) at the given indices. */
function combine(
  xAr: Float64Array,
  xAi: Float64Array,
  xBr: Float64Array,
  xBi: Float64Array,
  i: number,
  yAr: Float64Array,
  yAi: Float64Array,
  yBr: Float64Array,
  yBi: Float64Array,
  j: number,
  oAr: Float64Array,
  oAi: Float64Array,
  oBr: Float64Array,
  oBi: Float64Array,
  o: number,
): void {
  const ar = yAr[j]!;
  const ai = yAi[j]!;
  const xar = xAr[i]!;
  const xai = xAi[i]!;
  const xbr = xBr[i]!;
  const xbi = xBi[i]!;
  oAr[o] = ar * xar - ai * xai;
  oAi[o] = ar * xai + ai * xar;
  oBr[o] = ar * xbr - ai * xbi + yBr[j]!;
  oBi[o] = ar * xbi + ai * xbr + yBi[j]!;
}
