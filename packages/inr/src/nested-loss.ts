import { checkMatrix, checkVector } from '@x/gpu/checks';
import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { cholesky } from '@x/linalg';

/** Value and gradient returned by {@link nestedReconstructionLoss}. */
export interface NestedLossResult {
  value: number;
  /** ∂value/∂Φ, N x K. */
  grad: Matrix<Float64Array>;
}

/**
 * The nested reconstruction loss of "Learning Eigenstructures of Unstructured Data Manifolds"
 * (neural_laplacian losses): value = (1/P) Σ_p Σ_{k=1..K} ‖f_p − P_k f_p‖²_w, with P_k the
 * w-orthogonal projection onto the first k columns of the basis Φ (N x K), probes F (N x P) and
 * vertex weights w (N). Every k is summed (the reference samples one k per item and divides by
 * √K; same minimiser). Its minimisers are the probe covariance's eigenvectors in order
 * (Aflalo-Brezis-Kimmel optimality).
 *
 * Computed through the w-orthonormal Ψ = Φ R⁻¹, R = chol(Φᵀ W Φ)ᵀ (Gram-Schmidt keeps the
 * nested spans): with c = Ψᵀ W F, value = (1/P) Σ_p [K ‖f_p‖²_w − Σ_j (K − j) c_jp²] (j from
 * 0). The gradient goes back through the (weighted) thin QR: Φ̄ = W^{1/2}(Ψ̄' + Ψ' sym_l(−Ψ̄'ᵀΨ'))R⁻ᵀ,
 * sym_l copying the lower triangle up (Walter & Lehmann 2018, QR pullback). O(N K (K + P)).
 * @throws ShapeError on mismatched shapes; DomainError when Φ is rank-deficient.
 */
export function nestedReconstructionLoss(phi: Matrix, probes: Matrix, w: ArrayLike<number>): NestedLossResult {
  const fn = 'nestedReconstructionLoss';
  checkMatrix(fn, 'phi', phi);
  checkMatrix(fn, 'probes', probes);
  checkVector(fn, 'w', w);
  const n = phi.rows;
  const K = phi.cols;
  const P = probes.cols;
  if (probes.rows !== n || w.length !== n) {
    throw new ShapeError(`nestedReconstructionLoss: phi is ${n}x${K}, probes ${probes.rows}x${P}, w has ${w.length}; rows must match`);
  }
  const f = phi.data;
  // Gram G = Φᵀ W Φ and its Cholesky G = L Lᵀ (R = Lᵀ).
  const G = new Float64Array(K * K);
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    for (let a = 0; a < K; a++) {
      const fa = wi * f[i * K + a]!;
      for (let b = 0; b <= a; b++) G[a * K + b]! += fa * f[i * K + b]!;
    }
  }
  for (let a = 0; a < K; a++) for (let b = 0; b < a; b++) G[b * K + a] = G[a * K + b]!;
  let L: Matrix<Float64Array>;
  try {
    L = cholesky({ rows: K, cols: K, data: G });
  } catch {
    throw new DomainError('nestedReconstructionLoss: the basis Φ is rank-deficient under the weights w');
  }
  // Rinv = (Lᵀ)⁻¹ = (L⁻¹)ᵀ: invert the lower-triangular L by forward substitution.
  const Li = new Float64Array(K * K);
  for (let c = 0; c < K; c++) {
    for (let r = c; r < K; r++) {
      let s = r === c ? 1 : 0;
      for (let t = c; t < r; t++) s -= L.data[r * K + t]! * Li[t * K + c]!;
      Li[r * K + c] = s / L.data[r * K + r]!;
    }
  }
  // Ψ = Φ R⁻¹ = Φ L⁻ᵀ: Ψ_ij = Σ_t Φ_it Li_jt.
  const psi = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let t = 0; t <= j; t++) s += f[i * K + t]! * Li[j * K + t]!;
      psi[i * K + j] = s;
    }
  }
  // c = Ψᵀ W F (K x P) and Σ_p ‖f_p‖²_w.
  const F = probes.data;
  const c = new Float64Array(K * P);
  let fnorm = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    for (let p = 0; p < P; p++) {
      const v = wi * F[i * P + p]!;
      fnorm += v * F[i * P + p]!;
      for (let j = 0; j < K; j++) c[j * P + p]! += psi[i * K + j]! * v;
    }
  }
  let value = K * fnorm;
  for (let j = 0; j < K; j++) for (let p = 0; p < P; p++) value -= (K - j) * c[j * P + p]! ** 2;
  value /= P;
  // Ψ̄ = −(2/P) W F cᵀ D, D = diag(K − j). In the scaled space Ψ' = W^{1/2}Ψ: Ψ̄' = W^{-1/2} Ψ̄,
  // so Ψ̄'_ij = −(2/P) √w_i Σ_p F_ip c_jp (K − j).
  const gq = new Float64Array(n * K);
  const qs = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const sw = Math.sqrt(w[i]!);
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += F[i * P + p]! * c[j * P + p]!;
      gq[i * K + j] = (-2 / P) * sw * s * (K - j);
      qs[i * K + j] = sw * psi[i * K + j]!;
    }
  }
  // M = −Ψ̄'ᵀ Ψ' (K x K), symmetrised from its lower triangle.
  const M = new Float64Array(K * K);
  for (let i = 0; i < n; i++) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) M[a * K + b]! -= gq[i * K + a]! * qs[i * K + b]!;
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) M[a * K + b] = M[b * K + a]!;
  // Φ̄' = (Ψ̄' + Ψ' M) R⁻ᵀ = (…) L⁻¹; Φ̄ = W^{1/2} Φ̄'.
  const grad = new Float64Array(n * K);
  const row = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < K; a++) {
      let s = gq[i * K + a]!;
      for (let b = 0; b < K; b++) s += qs[i * K + b]! * M[b * K + a]!;
      row[a] = s;
    }
    const sw = Math.sqrt(w[i]!);
    for (let t = 0; t < K; t++) {
      let s = 0;
      for (let a = t; a < K; a++) s += row[a]! * Li[a * K + t]!;
      grad[i * K + t] = sw * s;
    }
  }
  return { value, grad: { rows: n, cols: K, data: grad } };
}
