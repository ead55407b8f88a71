import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkBoolean } from '@x/gpu/checks';
import { requireOptions } from './checks';
import { EPS, f64Copy, f64VecCopy, ldexpInPlace, mat, requireSquare, unitScaleExponent } from './dense-util';
import { luFactorSolve } from './lu';
import { exactSvdParts } from './svd-exact';

function asRhs(fn: string, b: Matrix | ArrayLike<number>, rows: number, aShape: string): { data: Float64Array; p: number; isVec: boolean } {
  if (typeof b === 'object' && b !== null && 'rows' in b) {
    const data = f64Copy(fn, 'b', b);
    if (b.rows !== rows) throw new ShapeError(`${fn}: a is ${aShape} but b is ${b.rows}x${b.cols}`);
    return { data, p: b.cols, isVec: false };
  }
  const data = f64VecCopy(fn, 'b', b);
  if (data.length !== rows) throw new ShapeError(`${fn}: a is ${aShape} but b has length ${data.length}`);
  return { data, p: 1, isVec: true };
}

/**
 * Solves the square system a x = b by LU with partial pivoting. `b` is an n-vector or an
 * n x p Matrix; the result has the same kind. Complexity: 2n³/3 + 2n²p flops.
 * Reference: Golub & Van Loan (4th ed.) §3.4.
 * @throws ShapeError unless a is square and b has n rows; DomainError when a is exactly
 * singular or on NaN/Infinity.
 */
export function solve(a: Matrix, b: Matrix): Matrix<Float64Array>;
export function solve(a: Matrix, b: ArrayLike<number>): Float64Array;
export function solve(a: Matrix, b: Matrix | ArrayLike<number>): Matrix<Float64Array> | Float64Array {
  requireSquare('solve', 'a', a);
  const rhs = asRhs('solve', b, a.rows, `${a.rows}x${a.cols}`);
  const x = luFactorSolve('solve', a, rhs.data, rhs.p);
  return rhs.isVec ? x : mat(a.rows, rhs.p, x);
}

/**
 * Solves a triangular system t x = b by substitution. `lower` (default true) selects the
 * triangle of t that is read; `unitDiagonal` treats the diagonal as ones. O(n² p).
 * @throws ShapeError on mismatched shapes; DomainError on a zero diagonal entry.
 */
export function solveTriangular(t: Matrix, b: Matrix, opts?: { lower?: boolean; unitDiagonal?: boolean }): Matrix<Float64Array>;
export function solveTriangular(t: Matrix, b: ArrayLike<number>, opts?: { lower?: boolean; unitDiagonal?: boolean }): Float64Array;
export function solveTriangular(
  t: Matrix,
  b: Matrix | ArrayLike<number>,
  opts: { lower?: boolean; unitDiagonal?: boolean } = {},
): Matrix<Float64Array> | Float64Array {
  requireSquare('solveTriangular', 't', t);
  requireOptions('solveTriangular', opts, ['lower', 'unitDiagonal']);
  const td = f64Copy('solveTriangular', 't', t);
  const n = t.rows;
  const rhs = asRhs('solveTriangular', b, n, `${n}x${n}`);
  const x = rhs.data;
  const p = rhs.p;
  const lower = checkBoolean('solveTriangular', 'lower', opts.lower ?? true);
  const unit = checkBoolean('solveTriangular', 'unitDiagonal', opts.unitDiagonal ?? false);
  for (let step = 0; step < n; step++) {
    const i = lower ? step : n - 1 - step;
    const j0 = lower ? 0 : i + 1;
    const j1 = lower ? i : n;
    for (let j = j0; j < j1; j++) {
      const tij = td[i * n + j]!;
      if (tij === 0) continue;
      for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! - tij * x[j * p + c]!;
    }
    if (!unit) {
      const dii = td[i * n + i]!;
      if (dii === 0) throw new DomainError(`solveTriangular: t[${i}, ${i}] is zero (singular)`);
      for (let c = 0; c < p; c++) x[i * p + c] = x[i * p + c]! / dii;
    }
  }
  return rhs.isVec ? x : mat(n, p, x);
}

/** Result of {@link lstsq}. */
export interface LstsqResult<X> {
  /** The minimum-norm least-squares solution (n or n x p). */
  x: X;
  /** ||b - a x||² per right-hand side. */
  residuals: Float64Array;
  /** Effective rank: number of singular values above rcond * S[0]. */
  rank: number;
  /** Singular values of a, descending. */
  singularValues: Float64Array;
}

/**
 * Minimum-norm least-squares solution of a x ≈ b (numpy.linalg.lstsq): x = V diag(1/S) Uᵀ b
 * over the singular values S_i > rcond * S_0 (rank-revealing; default rcond = eps * max(m, n)).
 * `b` is an m-vector or an m x p Matrix. Complexity: one exact SVD plus O(mnp).
 * Reference: Golub & Van Loan (4th ed.) §5.5.
 * @throws ShapeError when b's row count differs from a's; DomainError on NaN/Infinity or a
 * negative rcond.
 */
export function lstsq(a: Matrix, b: Matrix, opts?: { rcond?: number }): LstsqResult<Matrix<Float64Array>>;
export function lstsq(a: Matrix, b: ArrayLike<number>, opts?: { rcond?: number }): LstsqResult<Float64Array>;
export function lstsq(
  a: Matrix,
  b: Matrix | ArrayLike<number>,
  opts: { rcond?: number } = {},
): LstsqResult<Matrix<Float64Array> | Float64Array> {
  requireOptions('lstsq', opts, ['rcond']);
  const ad = f64Copy('lstsq', 'a', a);
  const m = a.rows;
  const n = a.cols;
  const rhs = asRhs('lstsq', b, m, `${m}x${n}`);
  const rcond = opts.rcond ?? EPS * Math.max(m, n);
  if (!(rcond >= 0)) throw new DomainError(`lstsq: rcond must be >= 0, got ${rcond}`);
  const p = rhs.p;
  const k = Math.min(m, n);
  // a and b are scaled by powers of two (exact) to max |entry| ~ 1, as LAPACK dgelsd does, so
  // products with tiny or huge entries neither underflow nor overflow: x = 2^(ea - eb) x'.
  const ea = unitScaleExponent(ad);
  const eb = unitScaleExponent(rhs.data);
  ldexpInPlace(ad, ea);
  ldexpInPlace(rhs.data, eb);
  const sv = k === 0 ? { u: new Float64Array(0), s: new Float64Array(0), v: new Float64Array(0) } : exactSvdParts(ad, m, n, 'lstsq');
  const cut = k === 0 ? 0 : rcond * sv.s[0]!;
  let rank = 0;
  while (rank < k && sv.s[rank]! > cut && sv.s[rank]! > 0) rank++;
  // c = diag(1/s) Uᵀ b over the first rank triplets (rank x p).
  const c = new Float64Array(rank * p);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < rank; j++) {
      const uij = sv.u[i * k + j]!;
      if (uij === 0) continue;
      for (let q = 0; q < p; q++) c[j * p + q] = c[j * p + q]! + uij * rhs.data[i * p + q]!;
    }
  }
  for (let j = 0; j < rank; j++) {
    const inv = 1 / sv.s[j]!;
    for (let q = 0; q < p; q++) c[j * p + q] = c[j * p + q]! * inv;
  }
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < rank; j++) {
      const vij = sv.v[i * k + j]!;
      if (vij === 0) continue;
      for (let q = 0; q < p; q++) x[i * p + q] = x[i * p + q]! + vij * c[j * p + q]!;
    }
  }
  const residuals = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < p; q++) {
      let r = rhs.data[i * p + q]!;
      for (let j = 0; j < n; j++) r -= ad[i * n + j]! * x[j * p + q]!;
      residuals[q] = residuals[q]! + r * r;
    }
  }
  // Back to the caller's scale (a result out of float64's range becomes ±Infinity or 0).
  ldexpInPlace(residuals, -2 * eb);
  ldexpInPlace(x, ea - eb);
  ldexpInPlace(sv.s, -ea);
  return { x: rhs.isVec ? x : mat(n, p, x), residuals, rank, singularValues: sv.s };
}

/**
 * Moore-Penrose pseudo-inverse (n x m) of an m x n matrix from its exact SVD, dropping singular
 * values <= rcond * S[0] (default rcond = eps * max(m, n), numpy's rtol default).
 * Complexity: one exact SVD plus O(m n k).
 * Reference: Golub & Van Loan (4th ed.) §5.5.2.
 * @throws DomainError on NaN/Infinity or a negative rcond.
 */
export function pinv(a: Matrix, opts: { rcond?: number } = {}): Matrix<Float64Array> {
  requireOptions('pinv', opts, ['rcond']);
  const ad = f64Copy('pinv', 'a', a);
  const m = a.rows;
  const n = a.cols;
  const rcond = opts.rcond ?? EPS * Math.max(m, n);
  if (!(rcond >= 0)) throw new DomainError(`pinv: rcond must be >= 0, got ${rcond}`);
  const k = Math.min(m, n);
  const out = new Float64Array(n * m);
  if (k === 0) return mat(n, m, out);
  // pinv(a) = 2^e pinv(2^e a): the SVD and the products run on max |entry| ~ 1 and only the
  // result is scaled (entries beyond float64's range become ±Infinity, never NaN).
  const ea = unitScaleExponent(ad);
  ldexpInPlace(ad, ea);
  const sv = exactSvdParts(ad, m, n, 'pinv');
  const cut = rcond * sv.s[0]!;
  // out = V diag(1/s) Uᵀ
  const vs = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const s = sv.s[j]!;
      vs[i * k + j] = s > cut && s > 0 ? sv.v[i * k + j]! / s : 0;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const x = vs[i * k + j]!;
      if (x === 0) continue;
      for (let r = 0; r < m; r++) out[i * m + r] = out[i * m + r]! + x * sv.u[r * k + j]!;
    }
  }
  ldexpInPlace(out, ea);
  return mat(n, m, out);
}
