import { DomainError, gemmAccumulate, type Matrix, ShapeError } from '@x/gpu';
import { requireLuFactorization } from './checks';
import { f64Copy, f64VecCopy, ldexp, ldexpInPlace, mat, requireSquare, windowScaleExponent } from './dense-util';

/**
 * Compact LU factorization with partial pivoting, as returned by {@link luFactor}:
 * row i of (L U) is row perm[i] of a. `lu` holds U on and above the diagonal and the
 * multipliers of the unit lower L below it (LAPACK dgetrf storage, pivots as a permutation).
 */
export interface LuFactorization {
  /** m x n: U (upper part) and L without its unit diagonal (strictly lower part). */
  lu: Matrix<Float64Array>;
  /** Row permutation: row i of L U is row perm[i] of the input. */
  perm: Int32Array;
  /** Sign of the permutation (+1 or -1), for determinants. */
  sign: number;
}

/** Result of {@link lu}: a = P L U (the scipy.linalg.lu convention). */
export interface LuResult {
  /** m x m permutation matrix. */
  P: Matrix<Float64Array>;
  /** m x k unit lower triangular (k = min(m, n)). */
  L: Matrix<Float64Array>;
  /** k x n upper triangular. */
  U: Matrix<Float64Array>;
}

const NB = 32;

/**
 * Right-looking blocked LU with partial pivoting, in place (LAPACK dgetrf layout): each panel
 * of NB columns is factored with row swaps applied to whole rows, the block row of U is found
 * by forward substitution with the unit L11, and the trailing matrix gets one GEMM update
 * A22 -= L21 U12 per panel.
 */
function luInPlace(a: Float64Array, m: number, n: number): { perm: Int32Array; sign: number } {
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  let sign = 1;
  const k = Math.min(m, n);
  let negL = new Float64Array(0);
  for (let j0 = 0; j0 < k; j0 += NB) {
    const nb = Math.min(NB, k - j0);
    const jEnd = j0 + nb;
    // Panel: columns j0..jEnd-1.
    for (let j = j0; j < jEnd; j++) {
      let p = j;
      let best = Math.abs(a[j * n + j]!);
      for (let i = j + 1; i < m; i++) {
        const v = Math.abs(a[i * n + j]!);
        if (v > best) {
          best = v;
          p = i;
        }
      }
      if (p !== j) {
        const rj = j * n;
        const rp = p * n;
        for (let c = 0; c < n; c++) {
          const t = a[rj + c]!;
          a[rj + c] = a[rp + c]!;
          a[rp + c] = t;
        }
        const t = perm[j]!;
        perm[j] = perm[p]!;
        perm[p] = t;
        sign = -sign;
      }
      const piv = a[j * n + j]!;
      if (piv === 0) continue;
      const rj = j * n;
      for (let i = j + 1; i < m; i++) {
        const ri = i * n;
        const l = a[ri + j]! / piv;
        a[ri + j] = l;
        if (l === 0) continue;
        for (let c = j + 1; c < jEnd; c++) a[ri + c] = a[ri + c]! - l * a[rj + c]!;
      }
    }
    const n2 = n - jEnd;
    if (n2 <= 0) continue;
    // U12 = L11⁻¹ A12 (unit lower, forward substitution on whole row segments).
    for (let i = j0 + 1; i < jEnd; i++) {
      const ri = i * n;
      for (let l = j0; l < i; l++) {
        const lil = a[ri + l]!;
        if (lil === 0) continue;
        const rl = l * n;
        for (let c = jEnd; c < n; c++) a[ri + c] = a[ri + c]! - lil * a[rl + c]!;
      }
    }
    const m2 = m - jEnd;
    if (m2 <= 0) continue;
    // A22 -= L21 U12 through the GEMM.
    if (negL.length < m2 * nb) negL = new Float64Array(m2 * nb);
    for (let i = 0; i < m2; i++) {
      const src = (jEnd + i) * n + j0;
      for (let c = 0; c < nb; c++) negL[i * nb + c] = -a[src + c]!;
    }
    gemmAccumulate(m2, n2, nb, { data: negL, off: 0, rs: nb, cs: 1 }, { data: a, off: j0 * n + jEnd, rs: n, cs: 1 }, a.subarray(jEnd * n + jEnd), n);
  }
  return { perm, sign };
}

/**
 * LU factorization with partial (row) pivoting in compact form, for repeated solves.
 * Shapes: a is m x n; `lu` is m x n. Complexity: O(m n min(m, n)) flops.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 3.4.1.
 * @throws DomainError on NaN/Infinity entries.
 */
export function luFactor(a: Matrix): LuFactorization {
  // The scaling exponent is internal (always 0 here): the result holds only the documented fields.
  const { lu, perm, sign } = factorAs('luFactor', a);
  return { lu, perm, sign };
}

/**
 * luFactor with errors naming `fn`, the function the user called. With `scaled`, a is first
 * multiplied by 2^e (exact; e from windowScaleExponent, the dlascl-style safe range) so that
 * elimination on tiny or huge entries neither underflows nor overflows: the factors are those
 * of 2^e a, and e is returned for the caller to undo.
 */
function factorAs(fn: string, a: Matrix, scaled = false): LuFactorization & { e: number } {
  const data = f64Copy(fn, 'a', a);
  const e = scaled ? windowScaleExponent(data) : 0;
  ldexpInPlace(data, e);
  const { perm, sign } = luInPlace(data, a.rows, a.cols);
  return { lu: mat(a.rows, a.cols, data), perm, sign, e };
}

/**
 * Solves a x = b by LU with partial pivoting, errors naming `fn` (internal, used by solve).
 * `b` is a validated row-major n x p buffer.
 */
export function luFactorSolve(fn: string, a: Matrix, b: Float64Array, p: number): Float64Array {
  requireSquare(fn, 'a', a);
  const f = factorAs(fn, a, true);
  checkSolvable(fn, f);
  const n = a.rows;
  // (2^ea a) x' = 2^eb b, x = 2^(ea - eb) x'.
  const eb = windowScaleExponent(b);
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const s = f.perm[i]! * p;
    for (let c = 0; c < p; c++) x[i * p + c] = b[s + c]!;
  }
  ldexpInPlace(x, eb);
  luSubstitute(f.lu.data, n, x, p);
  ldexpInPlace(x, f.e - eb);
  return x;
}

/**
 * LU decomposition with partial pivoting, a = P L U (scipy.linalg.lu convention): P is an
 * m x m permutation matrix, L m x k unit lower triangular, U k x n upper triangular,
 * k = min(m, n). Complexity: O(m n k) flops.
 * Reference: Golub & Van Loan, Matrix Computations (4th ed.), Alg. 3.4.1.
 * @throws DomainError on NaN/Infinity entries.
 */
export function lu(a: Matrix): LuResult {
  const data = f64Copy('lu', 'a', a);
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const { perm } = luInPlace(data, m, n);
  const P = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[perm[i]! * m + i] = 1;
  const L = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < Math.min(i, k); j++) L[i * k + j] = data[i * n + j]!;
    if (i < k) L[i * k + i] = 1;
  }
  const U = new Float64Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < n; j++) U[i * n + j] = data[i * n + j]!;
  }
  return { P: mat(m, m, P), L: mat(m, k, L), U: mat(k, n, U) };
}

/** Result of {@link ldu}: a = P L diag(D) U with L unit lower and U unit upper triangular. */
export interface LduResult {
  P: Matrix<Float64Array>;
  /** m x k unit lower triangular. */
  L: Matrix<Float64Array>;
  /** The k pivots (diagonal of the LU factor U). */
  D: Float64Array;
  /** k x n unit upper triangular. */
  U: Matrix<Float64Array>;
}

/**
 * LDU decomposition a = P L diag(D) U from {@link lu}: D is the diagonal of the LU factor and
 * U is that factor with its rows divided by D (unit diagonal). Used by LoLDU.
 * Complexity: O(m n min(m, n)) flops.
 * @throws DomainError when a pivot D_i is exactly zero while the rest of row i of the LU
 * factor is not (then no unit-upper U reproduces a); a zero row is kept as a unit row.
 */
export function ldu(a: Matrix): LduResult {
  const { P, L, U } = lu(a);
  const k = U.rows;
  const n = U.cols;
  const D = new Float64Array(k);
  const Ud = U.data;
  for (let i = 0; i < k; i++) {
    const d = Ud[i * n + i]!;
    D[i] = d;
    if (d === 0) {
      for (let j = i + 1; j < n; j++) {
        if (Ud[i * n + j] !== 0) {
          throw new DomainError(`ldu: pivot ${i} is zero but row ${i} of U is not; a has no LDU form with unit U`);
        }
      }
      Ud[i * n + i] = 1;
      continue;
    }
    const inv = 1 / d;
    Ud[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) Ud[i * n + j] = Ud[i * n + j]! * inv;
  }
  return { P, L, D, U };
}

function checkSolvable(fn: string, f: { lu: Matrix }): void {
  const { lu: F } = f;
  const n = F.rows;
  for (let i = 0; i < n; i++) {
    if (F.data[i * n + i] === 0) throw new DomainError(`${fn}: matrix is singular (U[${i}, ${i}] = 0)`);
  }
}

/** Solves (L U) X = B[perm] in place on the n x p row-major x (already permuted). */
function luSubstitute(F: Float64Array, n: number, x: Float64Array, p: number): void {
  for (let i = 1; i < n; i++) {
    const ri = i * n;
    const xi = i * p;
    for (let j = 0; j < i; j++) {
      const l = F[ri + j]!;
      if (l === 0) continue;
      const xj = j * p;
      for (let c = 0; c < p; c++) x[xi + c] = x[xi + c]! - l * x[xj + c]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = i * p;
    for (let j = i + 1; j < n; j++) {
      const u = F[ri + j]!;
      if (u === 0) continue;
      const xj = j * p;
      for (let c = 0; c < p; c++) x[xi + c] = x[xi + c]! - u * x[xj + c]!;
    }
    const inv = 1 / F[ri + i]!;
    for (let c = 0; c < p; c++) x[xi + c] = x[xi + c]! * inv;
  }
}

/**
 * Solves a x = b from a factorization made by {@link luFactor}. `b` is an n-vector
 * (Float64Array or number array) or an n x p Matrix; the result has the same kind.
 * Complexity: O(n² p).
 * The factorization is validated first (O(n²)): `lu` a finite square Matrix, `perm` a
 * permutation of 0..n-1, `sign` ±1.
 * @throws ShapeError on a malformed factorization or mismatched shapes; DomainError when perm
 * is not a permutation, an entry is NaN/Infinity, or the factored matrix is singular.
 */
export function luSolve(f: LuFactorization, b: Matrix): Matrix<Float64Array>;
export function luSolve(f: LuFactorization, b: ArrayLike<number>): Float64Array;
export function luSolve(f: LuFactorization, b: Matrix | ArrayLike<number>): Matrix<Float64Array> | Float64Array {
  const { lu: F, perm } = requireLuFactorization('luSolve', f);
  checkSolvable('luSolve', { lu: F });
  const n = F.rows;
  const isVec = !(typeof b === 'object' && b !== null && 'rows' in b);
  let src: Float64Array;
  let p: number;
  if (isVec) {
    src = f64VecCopy('luSolve', 'b', b as ArrayLike<number>);
    p = 1;
    if (src.length !== n) throw new ShapeError(`luSolve: a is ${n}x${n} but b has length ${src.length}`);
  } else {
    const bm = b as Matrix;
    src = f64Copy('luSolve', 'b', bm);
    p = bm.cols;
    if (bm.rows !== n) throw new ShapeError(`luSolve: a is ${n}x${n} but b is ${bm.rows}x${bm.cols}`);
  }
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const s = perm[i]! * p;
    for (let c = 0; c < p; c++) x[i * p + c] = src[s + c]!;
  }
  luSubstitute(Float64Array.from(F.data), n, x, p);
  return isVec ? x : mat(n, p, x);
}

/**
 * Determinant of a square matrix via LU with partial pivoting. O(n³).
 * May overflow or underflow for large n: prefer {@link logdet}.
 * @throws ShapeError unless square; DomainError on NaN/Infinity.
 */
export function det(a: Matrix): number {
  requireSquare('det', 'a', a);
  const f = factorAs('det', a, true);
  const n = a.rows;
  // det(a) = det(2^e a) 2^(-e n): the product is formed as mantissa times a power of two, so
  // it over/underflows only when det(a) itself is out of float64's range.
  let d = f.sign;
  let ex = -f.e * n;
  for (let i = 0; i < n; i++) {
    d *= f.lu.data[i * n + i]!;
    if (d === 0) return 0;
    const k = Math.round(Math.log2(Math.abs(d)));
    if (k !== 0) {
      d = ldexp(d, -k);
      ex += k;
    }
  }
  return ldexp(d, ex);
}

/**
 * Sign and log of |det(a)| (numpy.linalg.slogdet): det(a) = sign * exp(logabsdet). A singular
 * matrix gives { sign: 0, logabsdet: -Infinity }. O(n³) via LU.
 * @throws ShapeError unless square; DomainError on NaN/Infinity.
 */
export function logdet(a: Matrix): { sign: number; logabsdet: number } {
  requireSquare('logdet', 'a', a);
  const f = factorAs('logdet', a, true);
  const n = a.rows;
  let sign = f.sign;
  let s = -f.e * n * Math.LN2;
  for (let i = 0; i < n; i++) {
    const u = f.lu.data[i * n + i]!;
    if (u === 0) return { sign: 0, logabsdet: -Infinity };
    if (u < 0) sign = -sign;
    s += Math.log(Math.abs(u));
  }
  return { sign, logabsdet: s };
}

/**
 * Inverse of a square matrix via LU with partial pivoting. O(n³). Prefer {@link luSolve} or
 * `solve` when the inverse is only applied to vectors.
 * @throws ShapeError unless square; DomainError when singular or on NaN/Infinity.
 */
export function inv(a: Matrix): Matrix<Float64Array> {
  requireSquare('inv', 'a', a);
  const f = factorAs('inv', a, true);
  const n = a.rows;
  checkSolvable('inv', f);
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + f.perm[i]!] = 1;
  luSubstitute(f.lu.data, n, x, n);
  // inv(a) = 2^e inv(2^e a); entries beyond float64's range become ±Infinity.
  ldexpInPlace(x, f.e);
  return mat(n, n, x);
}
