import { checkAlloc, checkBoolean, checkFinite, checkMatrix, checkNonNegative, checkOptions, checkVector, describe } from '@x/gpu/checks';
import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { eigh } from '@x/linalg';

/**
 * y = (A_1 ⊗ A_2 ⊗ ... ⊗ A_D) x for square or rectangular factors, without forming the product:
 * x is read as a row-major tensor of shape (n_1, ..., n_D) and each factor is applied along its
 * mode (Van Loan 2000, "The ubiquitous Kronecker product", §3; Saatçi 2012, thesis Alg. 16).
 * O(N Σ_d m_d) for N = Π n_d. `transpose` applies the factors' transposes.
 */
export function kronMatvecN(factors: readonly Matrix[], x: ArrayLike<number>, opts: { transpose?: boolean } = {}): Float64Array {
  const fn = 'kronMatvecN';
  checkFactors(fn, factors, false);
  checkVector(fn, 'x', x);
  checkOptions(fn, opts, ['transpose']);
  const tr = checkBoolean(fn, 'transpose', opts.transpose ?? false);
  const dimsIn = factors.map((f) => (tr ? f.rows : f.cols));
  const total = checkAlloc(fn, 'x', ...dimsIn);
  checkAlloc(fn, 'the result', ...factors.map((f) => (tr ? f.cols : f.rows)));
  if (x.length !== total) throw new ShapeError(`kronMatvecN: x has length ${x.length}, expected ${total} = ${dimsIn.join('*')}`);
  let cur = Float64Array.from(x);
  const shape = dimsIn.slice();
  for (let d = 0; d < factors.length; d++) {
    const A = factors[d]!;
    const nIn = shape[d]!;
    const nOut = tr ? A.cols : A.rows;
    const before = shape.slice(0, d).reduce((a, b) => a * b, 1);
    const after = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const out = new Float64Array(before * nOut * after);
    const ad = A.data;
    for (let p = 0; p < before; p++) {
      for (let i = 0; i < nOut; i++) {
        const o = (p * nOut + i) * after;
        for (let j = 0; j < nIn; j++) {
          const aij = tr ? ad[j * A.cols + i]! : ad[i * A.cols + j]!;
          if (aij === 0) continue;
          const s = (p * nIn + j) * after;
          for (let r = 0; r < after; r++) out[o + r]! += aij * cur[s + r]!;
        }
      }
    }
    cur = out;
    shape[d] = nOut;
  }
  return cur;
}

/** Per-dimension eigendecompositions of a Kronecker-structured SPD matrix ⊗_d K_d. */
export interface KronEigen {
  /** Eigenvectors Q_d (columns), one per factor. */
  vectors: Matrix<Float64Array>[];
  /** Eigenvalues of ⊗_d K_d in the row-major order of the grid: λ = ⊗_d λ_d. */
  values: Float64Array;
}

/**
 * Eigendecomposition of K = K_1 ⊗ ... ⊗ K_D from the factors' own (Saatçi 2012, §5.2.2;
 * GP-HM's grid solver): K = (⊗Q_d) diag(⊗λ_d) (⊗Q_d)ᵀ. O(Σ n_d³) instead of O(N³).
 */
export function kronEigh(factors: readonly Matrix[]): KronEigen {
  checkFactors('kronEigh', factors, true);
  const vectors: Matrix<Float64Array>[] = [];
  let values = Float64Array.of(1);
  for (const K of factors) {
    const { values: lam, vectors: Q } = eigh(K);
    vectors.push(Q);
    const next = new Float64Array(values.length * lam.length);
    for (let i = 0; i < values.length; i++) for (let j = 0; j < lam.length; j++) next[i * lam.length + j] = values[i]! * lam[j]!;
    values = next;
  }
  return { vectors, values };
}

/**
 * Solves (K_1 ⊗ ... ⊗ K_D + noise I) x = y through per-dimension eigendecompositions, with no
 * low-rank approximation (Saatçi 2012, Alg. 16; GP-HM's Kronecker-grid collocation):
 * x = Q (Λ + noise)⁻¹ Qᵀ y with Q = ⊗Q_d. Also returns log|K + noise I| = Σ log(λ + noise).
 * O(Σ n_d³ + N Σ n_d).
 * @throws DomainError if some λ + noise ≤ 0 (the system is not positive definite).
 */
export function kronSolve(factors: readonly Matrix[], y: ArrayLike<number>, noise: number, eig?: KronEigen): { x: Float64Array; logdet: number } {
  return solve('kronSolve', factors, y, noise, eig);
}

/** {@link kronSolve} with `fn` naming the caller in errors. */
function solve(fn: string, factors: readonly Matrix[], y: ArrayLike<number>, noise: number, eig?: KronEigen): { x: Float64Array; logdet: number } {
  checkFactors(fn, factors, true);
  checkVector(fn, 'y', y, checkAlloc(fn, 'y', ...factors.map((f) => f.rows)));
  checkNonNegative(fn, 'noise', noise);
  if (eig === undefined) eig = kronEigh(factors);
  else if (eig === null || typeof eig !== 'object' || !(eig.values instanceof Float64Array) || !Array.isArray(eig.vectors) || eig.vectors.length !== factors.length) {
    throw new DomainError(`${fn}: eig must be the KronEigen of the factors (kronEigh), got ${describe(eig)}`);
  }
  const t = kronMatvecN(eig.vectors, y, { transpose: true });
  let logdet = 0;
  for (let i = 0; i < t.length; i++) {
    const s = eig.values[i]! + noise;
    if (!(s > 0)) throw new DomainError(`${fn}: eigenvalue ${i} of K + noise I is ${s} <= 0`);
    t[i]! /= s;
    logdet += Math.log(s);
  }
  return { x: kronMatvecN(eig.vectors, t), logdet };
}

/**
 * NLML of a zero-mean GP on a full grid with a product kernel, K = ⊗_d K_d + noise I (GP-HM's
 * Kronecker collocation; Saatçi 2012, Alg. 16): ½ yᵀK⁻¹y + ½ log|K| + (N/2) log 2π, from the
 * per-dimension eigendecompositions. y is row-major over the grid (first factor slowest).
 * O(Σ n_d³ + N Σ n_d).
 */
export function kronNlml(factors: readonly Matrix[], y: ArrayLike<number>, noise: number): number {
  const { x, logdet } = solve('kronNlml', factors, y, noise);
  let q = 0;
  for (let i = 0; i < y.length; i++) q += y[i]! * x[i]!;
  return 0.5 * q + 0.5 * logdet + 0.5 * y.length * Math.log(2 * Math.PI);
}

/** Throws unless `factors` is a non-empty array of finite matrices (square when `square`). */
function checkFactors(fn: string, factors: readonly Matrix[], square: boolean): void {
  if (!Array.isArray(factors) || factors.length === 0) throw new DomainError(`${fn}: factors must be a non-empty array of matrices, got ${describe(factors)}`);
  factors.forEach((f, i) => {
    checkMatrix(fn, `factors[${i}]`, f);
    if (square && f.rows !== f.cols) throw new ShapeError(`${fn}: factors[${i}] is ${f.rows}x${f.cols}, expected square`);
    checkFinite(fn, `factors[${i}]`, f);
  });
}
