import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { requireOptions } from './checks';
import { checkMatrix, checkReal } from './complex';

/**
 * An elementary reflector H = I - tau v v^T with v[0] = 1 (LAPACK's dlarfg convention), chosen so
 * that H x = beta e_1. tau is 0 (H = I) or in [1, 2]; H is symmetric and orthogonal.
 */
export interface Householder {
  /** Householder vector, length m, v[0] = 1. */
  v: Float64Array;
  /** Scalar factor of the reflector. */
  tau: number;
  /** The value H x takes in its first entry; |beta| = ||x||_2. */
  beta: number;
}

/** Overflow-safe 2-norm of x[from..]. */
function norm2(x: Float64Array, from: number): number {
  let scale = 0;
  let ssq = 1;
  for (let i = from; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a === 0) continue;
    if (scale < a) {
      ssq = 1 + ssq * (scale / a) * (scale / a);
      scale = a;
    } else {
      ssq += (a / scale) * (a / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Householder reflector that maps x to beta e_1 (Golub & Van Loan, Matrix Computations 4th ed.,
 * Alg. 5.1.1, in LAPACK dlarfg's form): beta = -sign(x_0) ||x||, tau = (beta - x_0) / beta,
 * v = [1, x_1.. / (x_0 - beta)]. The sign choice avoids cancellation. When x_1.. is zero,
 * tau = 0 and H = I. O(m).
 * @param x vector of length m >= 1; not mutated.
 */
export function householder(x: ArrayLike<number>): Householder {
  const xv = checkReal('householder', 'x', x);
  const m = xv.length;
  if (m === 0) throw new ShapeError('householder: x must have length >= 1, got 0');
  const v = new Float64Array(m);
  v[0] = 1;
  const alpha0 = xv[0]!;
  if (norm2(xv, 1) === 0) return { v, tau: 0, beta: alpha0 };
  // v and tau are invariant under scaling x; near the ends of the exponent range scale x by an
  // exact power of two (LAPACK dlarfg rescales for the same reason) so alpha - beta and the
  // divisions by it neither overflow nor lose bits to subnormals.
  let maxAbs = 0;
  for (let i = 0; i < m; i++) maxAbs = Math.max(maxAbs, Math.abs(xv[i]!));
  if (maxAbs < 2 ** -400 || maxAbs > 2 ** 400) {
    // x * f1 * f2 with both factors representable (their product may not be: subnormal x).
    const e = Math.round(Math.log2(maxAbs));
    const k1 = Math.trunc(-e / 2);
    const f1 = 2 ** k1;
    const f2 = 2 ** (-e - k1);
    const xs = new Float64Array(m);
    for (let i = 0; i < m; i++) xs[i] = xv[i]! * f1 * f2;
    const r = Math.hypot(xs[0]!, norm2(xs, 1));
    const beta = xs[0]! >= 0 ? -r : r;
    const tau = (beta - xs[0]!) / beta;
    const d = xs[0]! - beta;
    for (let i = 1; i < m; i++) v[i] = xs[i]! / d;
    // beta / (f1 f2), applied one factor at a time so that no intermediate leaves the range.
    return { v, tau, beta: beta / f1 / f2 };
  }
  const alpha = alpha0;
  const r = Math.hypot(alpha, norm2(xv, 1));
  const beta = alpha >= 0 ? -r : r;
  const tau = (beta - alpha) / beta;
  const d = alpha - beta;
  for (let i = 1; i < m; i++) v[i] = xv[i]! / d;
  return { v, tau, beta };
}

/** Side on which an orthogonal factor multiplies a matrix. */
export type Side = 'left' | 'right';

/** Options of {@link applyHouseholder}. */
export interface ApplyHouseholderOptions {
  /** `'left'` (default): H A; `'right'`: A H. */
  side?: Side;
}

/**
 * Applies a reflector without forming it: H A = A - tau v (v^T A) (side 'left', A has v.length
 * rows) or A H = A - tau (A v) v^T (side 'right', A has v.length columns). O(m n).
 * @returns a new float64 matrix; `a` is not mutated.
 */
export function applyHouseholder(
  a: Matrix,
  h: Pick<Householder, 'v' | 'tau'>,
  opts: ApplyHouseholderOptions = {},
): Matrix<Float64Array> {
  checkMatrix('applyHouseholder', 'a', a);
  if (typeof h !== 'object' || h === null) throw new ShapeError('applyHouseholder: h must be a Householder reflector { v, tau }');
  requireOptions('applyHouseholder', opts, ['side']);
  const v = checkReal('applyHouseholder', 'v', h.v);
  const tau = h.tau;
  if (!Number.isFinite(tau)) throw new DomainError(`applyHouseholder: tau is ${tau}; it must be finite`);
  const side = opts.side ?? 'left';
  const { rows: m, cols: n } = a;
  const out = Float64Array.from(a.data);
  if (side === 'left') {
    if (v.length !== m) {
      throw new ShapeError(`applyHouseholder: v has length ${v.length}, expected ${m} (the rows of a ${m}x${n} a, side 'left')`);
    }
    const w = new Float64Array(n); // w = v^T A
    for (let i = 0; i < m; i++) {
      const vi = v[i]!;
      if (vi === 0) continue;
      for (let j = 0; j < n; j++) w[j] = w[j]! + vi * out[i * n + j]!;
    }
    for (let i = 0; i < m; i++) {
      const f = tau * v[i]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! - f * w[j]!;
    }
  } else if (side === 'right') {
    if (v.length !== n) {
      throw new ShapeError(`applyHouseholder: v has length ${v.length}, expected ${n} (the columns of a ${m}x${n} a, side 'right')`);
    }
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += out[i * n + j]! * v[j]!;
      const f = tau * s;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! - f * v[j]!;
    }
  } else {
    throw new DomainError(`applyHouseholder: side must be 'left' or 'right', got ${String(side)}`);
  }
  return { rows: m, cols: n, data: out };
}

/**
 * Compact WY representation of Q = H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T:
 * Q = I - W Y^T = I - Y T Y^T with Y = V (m x k), T upper triangular k x k, W = Y T (m x k).
 */
export interface WY {
  W: Matrix<Float64Array>;
  Y: Matrix<Float64Array>;
  T: Matrix<Float64Array>;
}

/**
 * Builds the compact WY form of a product of k reflectors (Schreiber & Van Loan 1989, SIAM J. Sci.
 * Stat. Comput. 10(1); LAPACK dlarft, forward/columnwise): T_ii = tau_i,
 * T[0:i, i] = -tau_i T[0:i, 0:i] (V[:, 0:i]^T v_i). O(m k^2 + k^3).
 * @param V m x k matrix whose column i is v_i (any entries; QR's reflectors are unit lower
 *   trapezoidal).
 * @param taus the k reflector scalars.
 */
export function wyForm(V: Matrix, taus: ArrayLike<number>): WY {
  checkMatrix('wyForm', 'V', V);
  const tv = checkReal('wyForm', 'taus', taus);
  const { rows: m, cols: k } = V;
  if (tv.length !== k) throw new ShapeError(`wyForm: taus has length ${tv.length}, expected ${k} (the columns of a ${m}x${k} V)`);
  const Y: Matrix<Float64Array> = { rows: m, cols: k, data: Float64Array.from(V.data) };
  const yd = Y.data;
  const T = new Float64Array(k * k);
  const g = new Float64Array(k); // g = V[:, 0:i]^T v_i
  for (let i = 0; i < k; i++) {
    const ti = tv[i]!;
    T[i * k + i] = ti;
    if (i === 0) continue;
    g.fill(0, 0, i);
    for (let r = 0; r < m; r++) {
      const vri = yd[r * k + i]!;
      if (vri === 0) continue;
      for (let j = 0; j < i; j++) g[j] = g[j]! + yd[r * k + j]! * vri;
    }
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let j = r; j < i; j++) s += T[r * k + j]! * g[j]!;
      T[r * k + i] = -ti * s;
    }
  }
  const Tm: Matrix<Float64Array> = { rows: k, cols: k, data: T };
  const W = matmul(Y, Tm) as Matrix<Float64Array>;
  return { W, Y, T: Tm };
}

/** Options of {@link applyWY}. */
export interface ApplyWYOptions {
  /** `'left'` (default): Q A; `'right'`: A Q. */
  side?: Side;
  /** Apply Q^T instead of Q. */
  transpose?: boolean;
}

/**
 * Applies Q = I - W Y^T (or Q^T) to a matrix with two matrix products and never forms Q:
 * Q A = A - W (Y^T A), Q^T A = A - Y (W^T A), A Q = A - (A W) Y^T, A Q^T = A - (A Y) W^T.
 * O(m n k) instead of O(m^2 n); this is the level-3 BLAS form blocked QR uses.
 * @returns a new float64 matrix; `a` is not mutated.
 */
export function applyWY(a: Matrix, wy: Pick<WY, 'W' | 'Y'>, opts: ApplyWYOptions = {}): Matrix<Float64Array> {
  checkMatrix('applyWY', 'a', a);
  requireWY('applyWY', wy);
  requireOptions('applyWY', opts, ['side', 'transpose']);
  const { W, Y } = wy;
  checkMatrix('applyWY', 'W', W);
  checkMatrix('applyWY', 'Y', Y);
  if (W.rows !== Y.rows || W.cols !== Y.cols) {
    throw new ShapeError(`applyWY: W is ${W.rows}x${W.cols} but Y is ${Y.rows}x${Y.cols}; they must match`);
  }
  const side = opts.side ?? 'left';
  const tr = opts.transpose === true;
  const m = W.rows;
  let upd: Matrix;
  if (side === 'left') {
    if (a.rows !== m) throw new ShapeError(`applyWY: a is ${a.rows}x${a.cols}, expected ${m} rows (Q is ${m}x${m}, side 'left')`);
    const [P, R] = tr ? [Y, W] : [W, Y];
    upd = matmul(P, matmul(R, a, { transA: true }));
  } else if (side === 'right') {
    if (a.cols !== m) throw new ShapeError(`applyWY: a is ${a.rows}x${a.cols}, expected ${m} columns (Q is ${m}x${m}, side 'right')`);
    const [P, R] = tr ? [Y, W] : [W, Y];
    upd = matmul(matmul(a, P), R, { transB: true });
  } else {
    throw new DomainError(`applyWY: side must be 'left' or 'right', got ${String(side)}`);
  }
  const out = Float64Array.from(a.data);
  const ud = upd.data;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! - ud[i]!;
  return { rows: a.rows, cols: a.cols, data: out };
}

/**
 * Forms Q = I - W Y^T explicitly, or only its first `cols` columns (the thin Q of a QR
 * factorization). O(m cols k).
 * @returns a new m x cols float64 matrix (cols defaults to m).
 */
export function wyToMatrix(wy: Pick<WY, 'W' | 'Y'>, opts: { cols?: number } = {}): Matrix<Float64Array> {
  requireWY('wyToMatrix', wy);
  requireOptions('wyToMatrix', opts, ['cols']);
  const { W, Y } = wy;
  checkMatrix('wyToMatrix', 'W', W);
  checkMatrix('wyToMatrix', 'Y', Y);
  if (W.rows !== Y.rows || W.cols !== Y.cols) {
    throw new ShapeError(`wyToMatrix: W is ${W.rows}x${W.cols} but Y is ${Y.rows}x${Y.cols}; they must match`);
  }
  const m = W.rows;
  const k = W.cols;
  const c = opts.cols ?? m;
  if (!Number.isInteger(c) || c < 0 || c > m) throw new DomainError(`wyToMatrix: cols must be an integer in [0, ${m}], got ${c}`);
  const out = new Float64Array(m * c);
  const wd = W.data;
  const yd = Y.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += wd[i * k + l]! * yd[j * k + l]!;
      out[i * c + j] = (i === j ? 1 : 0) - s;
    }
  }
  return { rows: m, cols: c, data: out };
}

/** Throws a ShapeError naming `fn` unless `wy` is an object (its W and Y are checked by the caller). */
function requireWY(fn: string, wy: unknown): void {
  if (typeof wy !== 'object' || wy === null) throw new ShapeError(`${fn}: wy must be a compact WY form { W, Y }`);
}
