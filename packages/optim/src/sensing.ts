import { assertFinite, assertMatrix, DomainError, type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkBoolean, checkOptions, checkRng, checkVector } from '@x/gpu/checks';
import { checkInt, checkNonNegative, checkUnit } from './validate';

/**
 * A linear measurement operator A: R^{d x d} -> R^m stored as an m x d² matrix whose row i is
 * vec(A_i) (row-major), so y_i = <A_i, X> = (A vec(X))_i.
 */
export type SensingOperator = Matrix<Float64Array>;

/**
 * m Gaussian measurement matrices of size d x d as rows of an m x d² matrix. `symmetric`
 * (default) uses A_i = (B_i + B_iᵀ)/2 with B_i i.i.d. N(0, 1) (the symmetric Gaussian ensemble
 * of Ma & Fattahi 2022, sec. 5). Deterministic in `seed`. O(m d²).
 */
export function gaussianSensing(d: number, m: number, opts: { seed?: number | Rng; symmetric?: boolean } = {}): SensingOperator {
  checkInt('gaussianSensing', 'd', d);
  checkInt('gaussianSensing', 'm', m);
  checkOptions('gaussianSensing', opts, ['seed', 'symmetric']);
  const r = checkRng('gaussianSensing', 'seed', opts.seed ?? 0);
  const sym = checkBoolean('gaussianSensing', 'symmetric', opts.symmetric ?? true);
  const n = d * d;
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let p = 0; p < n; p++) data[off + p] = r.normal();
    if (sym) {
      for (let a = 0; a < d; a++) {
        for (let b = a + 1; b < d; b++) {
          const v = 0.5 * (data[off + a * d + b]! + data[off + b * d + a]!);
          data[off + a * d + b] = v;
          data[off + b * d + a] = v;
        }
      }
    }
  }
  return { rows: m, cols: n, data };
}

/** y = A vec(X), the m measurements of a d x d matrix X. O(m d²). */
export function measure(A: SensingOperator, X: Matrix): Float64Array {
  assertMatrix('measure', 'A', A);
  assertMatrix('measure', 'X', X);
  if (X.rows * X.cols !== A.cols) throw new ShapeError(`measure: X is ${X.rows}x${X.cols} but A has ${A.cols} columns (expected d² entries)`);
  const m = A.rows;
  const n = A.cols;
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    const off = i * n;
    for (let p = 0; p < n; p++) s += A.data[off + p]! * X.data[p]!;
    y[i] = s;
  }
  return y;
}

/**
 * A copy of y with a `fraction` of entries (chosen uniformly, exactly round(fraction m) of them)
 * corrupted by additive N(0, magnitude²) outliers: the gross-error model of Ma & Fattahi 2022,
 * sec. 2. Returns the corrupted vector and the corrupted indices.
 */
export function addOutliers(y: Float64Array, opts: { fraction: number; magnitude: number; seed?: number | Rng }): { y: Float64Array; indices: Int32Array } {
  checkVector('addOutliers', 'y', y);
  if (opts === undefined) throw new DomainError('addOutliers: options { fraction, magnitude } are required');
  checkOptions('addOutliers', opts, ['fraction', 'magnitude', 'seed']);
  checkUnit('addOutliers', 'fraction', opts.fraction, 0, 1);
  checkNonNegative('addOutliers', 'magnitude', opts.magnitude);
  const r = checkRng('addOutliers', 'seed', opts.seed ?? 0);
  const m = y.length;
  const k = Math.round(opts.fraction * m);
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  r.shuffle(perm);
  const out = Float64Array.from(y);
  const idx = perm.slice(0, k).sort();
  for (const i of idx) out[i] = out[i]! + opts.magnitude * r.normal();
  return { y: out, indices: idx };
}

/** S = reshape(Aᵀ w, d x d): the adjoint of the measurement operator applied to w. O(m d²). */
export function adjoint(A: SensingOperator, w: Float64Array, d: number): Float64Array {
  checkInt('adjoint', 'd', d);
  checkSensing('adjoint', A, w, d);
  const m = A.rows;
  const n = A.cols;
  const S = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const c = w[i]!;
    if (c === 0) continue;
    const off = i * n;
    for (let p = 0; p < n; p++) S[p] += c * A.data[off + p]!;
  }
  if (n !== d * d) throw new DomainError(`adjoint: A has ${n} columns, expected d² = ${d * d}`);
  return S;
}

/** Validates a sensing problem's operator, measurements and dimension. */
export function checkSensing(fn: string, A: SensingOperator, y: Float64Array, d: number): void {
  assertMatrix(fn, 'A', A);
  assertFinite(fn, 'A', A);
  if (A.cols !== d * d) throw new ShapeError(`${fn}: A is ${A.rows}x${A.cols}, expected m x ${d * d} for d = ${d}`);
  if (!(y instanceof Float64Array) || y.length !== A.rows) throw new ShapeError(`${fn}: y must be a Float64Array of length ${A.rows}`);
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) throw new DomainError(`${fn}: y[${i}] is ${y[i]}`);
}
