import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkMatrix, checkOneOf, checkOptions, checkPositive, checkRng, checkSize, describe } from '@x/gpu/checks';

/** Projection margin of the ball in float64: ‖y‖ <= (1 − ε)/√c (spec §4a numerics). */
export const BALL_EPS = 1e-5;

/** Parameters of a Poincaré fully-connected layer: `Z` (n_in x n_out, column k is z_k) and offsets `r` (n_out). */
export interface PoincareLinearParams {
  Z: Matrix<Float64Array>;
  r: Float64Array;
}

/**
 * The Poincaré FC layer of HNN++ (Shimizu et al. 2021, eq. 11; used by Poincaré ResNet,
 * van Spengler et al. 2023), per row x of the batch:
 * `v_k = (2‖z_k‖/√c) asinh(√c λ_x ⟨x, z_k⟩/‖z_k‖ · cosh(2√c r_k) − (λ_x − 1) sinh(2√c r_k))`,
 * `w = sinh(√c v)/√c`, `y = w/(1 + √(1 + c‖w‖²))`, with `λ_x = 2/(1 − c‖x‖²)`
 * (divided, not multiplied: the λ = 2(1 − c‖x‖²) of poincare-resnet's linreg is a bug, spec §4e).
 * Outputs are projected to ‖y‖ <= (1 − ε)/√c, ε = 1e-5 (float64), as the spec's numerics advise.
 * ‖z_k‖ and z_k/‖z_k‖ are formed after scaling by the column's largest entry (no 1e-15 clamp):
 * tiny and huge columns keep their exact v_k, and a zero column gives v_k = 0.
 * X is batch x n_in; returns batch x n_out. O(batch · n_in · n_out).
 */
export function poincareLinear(X: Matrix, params: PoincareLinearParams, c: number): Matrix<Float64Array> {
  const fn = 'poincareLinear';
  assertMatrix(fn, 'X', X);
  if (params === null || typeof params !== 'object') throw new DomainError(`${fn}: params must be { Z, r }, got ${describe(params)}`);
  const { Z, r } = params;
  checkMatrix(fn, 'params.Z', Z);
  if (!(r instanceof Float64Array)) throw new ShapeError(`${fn}: params.r must be a Float64Array, got ${describe(r)}`);
  checkPositive(fn, 'c', c);
  if (Z.rows !== X.cols) throw new ShapeError(`${fn}: X is ${X.rows}x${X.cols}, Z is ${Z.rows}x${Z.cols}; need X.cols = Z.rows`);
  if (r.length !== Z.cols) throw new ShapeError(`${fn}: r has length ${r.length}, expected ${Z.cols}`);
  return poincareLinearRaw(fn, X, Z, r, c);
}

/**
 * {@link poincareLinear} on checked shapes; `fn` names the caller in errors. A non-finite entry
 * of X, Z or r is refused (DomainError naming the tensor and index) from the sums this pass
 * computes anyway: the entries are searched only when a sum is not finite.
 */
export function poincareLinearRaw(fn: string, X: Matrix, Z: Matrix, r: Float64Array, c: number): Matrix<Float64Array> {
  const nIn = Z.rows;
  const nOut = Z.cols;
  const sc = Math.sqrt(c);
  const { norm: znorm, dir: D, dirNorm: dn } = columnFrames(Z);
  if (!allFinite(znorm)) checkFinite(fn, 'Z', Z, 'weights must be finite');
  const out = new Float64Array(X.rows * nOut);
  const w = new Float64Array(nOut);
  const maxNorm = (1 - BALL_EPS) / sc;
  // cosh/sinh(2√c r_k) do not depend on the row: hoist them (transcendentals dominate the cost).
  const ch = new Float64Array(nOut);
  const shv = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) {
    ch[k] = Math.cosh(2 * sc * r[k]!);
    shv[k] = Math.sinh(2 * sc * r[k]!);
  }
  if (!allFinite(r)) checkFinite(fn, 'r', r, 'weights must be finite');
  let bad = 0;
  for (let b = 0; b < X.rows; b++) {
    let x2 = 0;
    for (let i = 0; i < nIn; i++) x2 += X.data[b * nIn + i]! ** 2;
    bad += x2 - x2;
    const lam = 2 / (1 - c * x2);
    let wmax = 0;
    for (let k = 0; k < nOut; k++) {
      let xz = 0;
      for (let i = 0; i < nIn; i++) xz += X.data[b * nIn + i]! * D[i * nOut + k]!;
      const as = Math.asinh(((sc * lam * xz) / dn[k]!) * ch[k]! - (lam - 1) * shv[k]!);
      // A zero column gives v = 0 (and so does asinh = 0 with an overflowed ‖z‖).
      const v = as === 0 ? as : ((2 * znorm[k]!) / sc) * as;
      // |√c v| <= 700 keeps sinh finite; beyond it the point is on the projected shell anyway.
      w[k] = Math.sinh(Math.max(-700, Math.min(700, sc * v))) / sc;
      wmax = Math.max(wmax, Math.abs(w[k]!));
    }
    // ‖w‖ by scaling (no overflow), then y = w/(1 + √(1 + c‖w‖²)), projected to ‖y‖ <= (1 − ε)/√c.
    let s2 = 0;
    if (wmax > 0) for (let k = 0; k < nOut; k++) s2 += (w[k]! / wmax) ** 2;
    const wn = wmax * Math.sqrt(s2);
    let scale = wn > 1e150 ? 1 / (sc * wn) : 1 / (1 + Math.sqrt(1 + c * wn * wn));
    if (wn * scale > maxNorm) scale = maxNorm / wn;
    for (let k = 0; k < nOut; k++) out[b * nOut + k] = w[k]! * scale;
  }
  if (bad !== 0) checkFinite(fn, 'x', X);
  return { rows: X.rows, cols: nOut, data: out };
}

/**
 * Column norms ‖z_k‖ of Z (n_in x n_out) and directions: `dir` column k divided by `dirNorm[k]`
 * is z_k/‖z_k‖. Where Σ z_ik² is in the safe range, dir is Z itself and dirNorm = ‖z_k‖ (the
 * plain formula, bit for bit); where it underflows or overflows, the column is scaled by its
 * largest entry first, so tiny (even subnormal) and huge columns keep their exact norm and
 * direction. A zero column has norm 0 and direction 0 (dirNorm 1). A non-finite entry gives a
 * non-finite norm.
 */
export function columnFrames(Z: Matrix): { norm: Float64Array; dir: ArrayLike<number>; dirNorm: Float64Array } {
  const nIn = Z.rows;
  const nOut = Z.cols;
  const norm = new Float64Array(nOut);
  const dirNorm = new Float64Array(nOut);
  let dir: Float64Array | null = null;
  for (let k = 0; k < nOut; k++) {
    let s = 0;
    for (let i = 0; i < nIn; i++) s += Z.data[i * nOut + k]! ** 2;
    if (s >= 1e-250 && s < Number.POSITIVE_INFINITY) {
      norm[k] = dirNorm[k] = Math.sqrt(s);
      continue;
    }
    let m = 0;
    for (let i = 0; i < nIn; i++) m = Math.max(m, Math.abs(Z.data[i * nOut + k]!));
    if (!(m < Number.POSITIVE_INFINITY)) {
      norm[k] = Number.NaN;
      continue;
    }
    dir ??= Float64Array.from(Z.data);
    if (m === 0) {
      dirNorm[k] = 1;
      continue;
    }
    let t = 0;
    for (let i = 0; i < nIn; i++) {
      const v = Z.data[i * nOut + k]! / m;
      dir[i * nOut + k] = v;
      t += v * v;
    }
    dirNorm[k] = Math.sqrt(t);
    norm[k] = m * dirNorm[k]!;
  }
  return { norm, dir: dir ?? Z.data, dirNorm };
}

function allFinite(v: Float64Array): boolean {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! - v[i]!;
  return s === 0;
}

/**
 * Initial parameters of a Poincaré FC layer (van Spengler et al., "Poincaré ResNet", ICCV 2023, §4):
 * `'identity'` sets `Z = ½I` (square layers), r = 0, which makes the layer exactly the identity
 * map; `'gaussian'` draws `Z ~ N(0, std²)` with std = (2 n_in n_out)^{−1/2}, r = 0 (the
 * alternative the paper shows collapsing signals toward the origin with depth).
 */
export function poincareLinearInit(nIn: number, nOut: number, scheme: 'identity' | 'gaussian', opts: { seed?: number } = {}): PoincareLinearParams {
  return poincareInit('poincareLinearInit', nIn, nOut, scheme, opts);
}

/** {@link poincareLinearInit} with `fn` naming the caller in errors. */
export function poincareInit(fn: string, nIn: number, nOut: number, scheme: 'identity' | 'gaussian', opts: { seed?: number } = {}): PoincareLinearParams {
  checkSize(fn, 'nIn', nIn, 1);
  checkSize(fn, 'nOut', nOut, 1);
  checkAlloc(fn, 'Z', nIn, nOut);
  checkOptions(fn, opts, ['seed']);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  checkOneOf(fn, 'init', scheme, ['identity', 'gaussian'] as const);
  const Z = new Float64Array(nIn * nOut);
  if (scheme === 'identity') {
    if (nIn !== nOut) throw new ShapeError(`${fn}: identity init needs n_in = n_out, got ${nIn} x ${nOut}`);
    for (let i = 0; i < nIn; i++) Z[i * nOut + i] = 0.5;
  } else if (scheme === 'gaussian') {
    r.fillNormal(Z, 1 / Math.sqrt(2 * nIn * nOut));
  } else {
    throw new DomainError(`${fn}: unknown scheme ${String(scheme)}`);
  }
  return { Z: { rows: nIn, cols: nOut, data: Z }, r: new Float64Array(nOut) };
}
