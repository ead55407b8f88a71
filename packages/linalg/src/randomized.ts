import { gemmAccumulate, type Matrix, randn } from '@x/gpu';
import { MAX_DIM, requireInt, requireOptions, requireSeed } from './checks';
import { f64Copy, firstCols, ldexpArray, ldexpInPlace, mat, unitScaleExponent } from './dense-util';
import { formQ, householderQrInPlace, qrTLength } from './householder-qr';
import type { SvdParts } from './jacobi-svd';
import { exactSvdParts } from './svd-exact';

/** Largest number of power iterations (each costs two passes over a). */
const MAX_NITER = 1000;

/** Orthonormal basis (m x l, row-major) of the columns of the m x l buffer y. */
function orth(y: Float64Array, m: number, l: number): Float64Array {
  const ts = new Float64Array(qrTLength(m, l));
  const tau = householderQrInPlace(y, m, l, ts);
  return formQ(y, m, l, tau, Math.min(m, l), ts);
}

/** C = op(A) op(B) for row-major buffers; A is ar x ac. */
function mm(a: Float64Array, ar: number, ac: number, transA: boolean, b: Float64Array, bc: number): Float64Array {
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const c = new Float64Array(m * bc);
  gemmAccumulate(m, bc, k, { data: a, off: 0, rs: transA ? 1 : ac, cs: transA ? ac : 1 }, { data: b, off: 0, rs: bc, cs: 1 }, c, bc);
  return c;
}

/** Randomized SVD on a validated row-major buffer (internal). */
export function randomizedSvdParts(
  a: Float64Array,
  m: number,
  n: number,
  k: number,
  niter: number,
  oversample: number,
  seed: number,
  fn: string,
): SvdParts {
  requireInt(fn, 'niter', niter, 0, MAX_NITER);
  requireInt(fn, 'oversample', oversample, 0, MAX_DIM);
  requireSeed(fn, 'seed', seed);
  const kmax = Math.min(m, n);
  if (k === 0 || kmax === 0) return { u: new Float64Array(0), s: new Float64Array(0), v: new Float64Array(0) };
  // Scaled by a power of two (exact) to max |a| ~ 1, so A Ω and the power iterations neither
  // overflow nor underflow; singular values are scaled back at the end.
  const ex = unitScaleExponent(a);
  if (ex !== 0) a = ldexpArray(a, ex);
  const l = Math.min(k + oversample, kmax);
  const omega = randn(n, l, seed).data;
  let q = orth(mm(a, m, n, false, omega, l), m, l); // m x l
  for (let it = 0; it < niter; it++) {
    const z = orth(mm(a, m, n, true, q, l), n, l); // n x l
    q = orth(mm(a, m, n, false, z, l), m, l);
  }
  const b = mm(q, m, l, true, a, n); // l x n = Qᵀ A
  const p = exactSvdParts(b, l, n, fn, k); // u: l x g, s: g, v: n x g (g >= k)
  const g = p.s.length;
  const u = mm(q, m, l, false, p.u, g); // m x g
  const uk = firstCols(u, m, g, k);
  const vk = firstCols(p.v, n, g, k);
  const s = p.s.slice(0, k);
  ldexpInPlace(s, -ex);
  return { u: uk, s, v: vk };
}

/**
 * Rank-q randomized SVD with torch.svd_lowrank's convention (no oversampling, `niter` power
 * iterations, each re-orthonormalized): Q = orth(A Ω), Ω ~ N(0, 1)^{n x q}, then niter times
 * { Q = orth(Aᵀ Q); Q = orth(A Q) }, then svd(Qᵀ A). This is what PiSSA's fast init
 * (`init_lora_weights='pissa_niter_K'`) and LoRA-SB call. Equivalent to
 * `svd(a, { k: q, method: 'randomized', oversample: 0, niter })`.
 * Shapes: U m x q, S q (descending), V n x q. Complexity: O(m n q (2 niter + 2)).
 * Reference: Halko, Martinsson & Tropp, SIAM Rev. 53 (2011), Alg. 4.4; torch.svd_lowrank.
 * @throws ShapeError when a is not a Matrix; DomainError on NaN/Infinity, q outside
 * [1, min(m, n)], niter outside [0, 1000], a seed that is not a non-negative safe integer or an
 * unknown option.
 */
export function svdLowrank(
  a: Matrix,
  q: number,
  opts: { niter?: number; seed?: number } = {},
): { U: Matrix<Float64Array>; S: Float64Array; V: Matrix<Float64Array> } {
  requireOptions('svdLowrank', opts, ['niter', 'seed']);
  const data = f64Copy('svdLowrank', 'a', a);
  const kmax = Math.min(a.rows, a.cols);
  requireInt('svdLowrank', 'q', q, Math.min(1, kmax), kmax);
  const r = randomizedSvdParts(data, a.rows, a.cols, q, opts.niter ?? 2, 0, opts.seed ?? 0, 'svdLowrank');
  return { U: mat(a.rows, q, r.u), S: r.s, V: mat(a.cols, q, r.v) };
}
