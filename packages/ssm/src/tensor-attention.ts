import { assertMatrix, DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkInt as checkIntIn, checkOptions, MAX_ELEMENTS } from '@x/gpu/checks';
import { checkInt, checkStruct } from './complex';

function checkQKV(fn: string, mats: Record<string, Matrix>): [number, number] {
  let n = -1;
  let d = -1;
  for (const [name, m] of Object.entries(mats)) {
    assertMatrix(fn, name, m);
    if (n < 0) {
      n = m.rows;
      d = m.cols;
    } else if (m.rows !== n || m.cols !== d) {
      throw new ShapeError(`${fn}: ${name} is ${m.rows}x${m.cols}, expected ${n}x${d} like Q`);
    }
    for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) throw new DomainError(`${fn}: ${name} has non-finite entries`);
  }
  return [n, d];
}

/** Inputs of tensor attention: Q, K1, K2, V1, V2, each n x d. */
export interface TensorAttentionInputs {
  Q: Matrix;
  K1: Matrix;
  K2: Matrix;
  V1: Matrix;
  V2: Matrix;
}

/**
 * Tensor (third-order) attention by its definition (Alman & Song, "How to Capture Higher-order
 * Correlations? Generalizing Matrix Softmax Attention to Kronecker Computation", ICLR 2024,
 * Def. 1.1): A = exp(Q (K1 ⊘ K2)ᵀ / d) (n x n²), D = diag(A 1), out = D⁻¹ A (V1 ⊘ V2), i.e.
 * out_i = sum_{j1,j2} e^{<q_i, k1_j1 ∘ k2_j2>/d} (v1_j1 ∘ v2_j2) / sum_{j1,j2} e^{...}.
 * Row maxima are subtracted before exponentiating (exact, avoids overflow). O(n³ d) time, O(d) memory.
 * @returns n x d.
 */
export function tensorAttention(x: TensorAttentionInputs): Matrix<Float64Array> {
  const fn = 'tensorAttention';
  checkStruct(fn, 'x', x);
  const [n, d] = checkQKV(fn, { Q: x.Q, K1: x.K1, K2: x.K2, V1: x.V1, V2: x.V2 });
  const out = new Float64Array(n * d);
  const qk = new Float64Array(d);
  const acc = new Float64Array(d);
  const { Q, K1, K2, V1, V2 } = x;
  for (let i = 0; i < n; i++) {
    // pass 1: max exponent
    let mx = -Infinity;
    for (let j1 = 0; j1 < n; j1++) {
      for (let a = 0; a < d; a++) qk[a] = Q.data[i * d + a]! * K1.data[j1 * d + a]!;
      for (let j2 = 0; j2 < n; j2++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += qk[a]! * K2.data[j2 * d + a]!;
        if (s > mx) mx = s;
      }
    }
    acc.fill(0);
    let den = 0;
    for (let j1 = 0; j1 < n; j1++) {
      for (let a = 0; a < d; a++) qk[a] = Q.data[i * d + a]! * K1.data[j1 * d + a]!;
      for (let j2 = 0; j2 < n; j2++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += qk[a]! * K2.data[j2 * d + a]!;
        const w = Math.exp((s - mx) / d);
        den += w;
        for (let a = 0; a < d; a++) acc[a] = acc[a]! + w * V1.data[j1 * d + a]! * V2.data[j2 * d + a]!;
      }
    }
    for (let a = 0; a < d; a++) out[i * d + a] = acc[a]! / den;
  }
  return { rows: n, cols: d, data: out };
}

/** All multi-indices alpha in N^d with |alpha| <= g, in graded order; r = C(d + g, g). */
export function monomialExponents(d: number, g: number): Int32Array[] {
  checkIntIn('monomialExponents', 'd', d, 1, MAX_ELEMENTS);
  checkIntIn('monomialExponents', 'g', g, 0, MAX_ELEMENTS);
  // r = C(d + g, g) index vectors of length d: bounded before recursing.
  let r = 1;
  for (let i = 1; i <= g; i++) {
    r = (r * (d + i)) / i;
    if (r * d > MAX_ELEMENTS) {
      throw new DomainError(`monomialExponents: C(${d} + ${g}, ${g}) multi-indices of length ${d} exceed the maximum ${MAX_ELEMENTS} (2^28) entries`);
    }
  }
  const out: Int32Array[] = [];
  const cur = new Int32Array(d);
  const rec = (pos: number, left: number) => {
    if (pos === d - 1) {
      for (let e = 0; e <= left; e++) {
        cur[pos] = e;
        out.push(Int32Array.from(cur));
      }
      cur[pos] = 0;
      return;
    }
    for (let e = 0; e <= left; e++) {
      cur[pos] = e;
      rec(pos + 1, left - e);
    }
    cur[pos] = 0;
  };
  if (d === 0) return [new Int32Array(0)];
  rec(0, g);
  out.sort((a, b) => a.reduce((s, v) => s + v, 0) - b.reduce((s, v) => s + v, 0));
  return out;
}

/**
 * Tensor attention by the polynomial method (Alman & Song 2024, Sec. 4 / Thm. 1.4's upper bound):
 * e^x is replaced by its degree-g Taylor polynomial and expanded in monomials, so
 * e^{<q, k1 ∘ k2>/d} ≈ sum_alpha U1[i,alpha] U2[j1,alpha] U3[j2,alpha] with
 * U1 = q^alpha / (d^|alpha| alpha!), U2 = k1^alpha, U3 = k2^alpha (the monomial feature map is
 * multiplicative: phi(k1 ∘ k2) = phi(k1) ∘ phi(k2)). Then
 * numerator = U1 ((U2ᵀ V1) ∘ (U3ᵀ V2)) and denominator = U1 ((U2ᵀ 1) ∘ (U3ᵀ 1)): the r x d Hadamard
 * product replaces the n² sum. O(n r d) with r = C(d + g, g) (GEMMs via @x/gpu matmul).
 * Accurate when all entries lie in [-B, B] with B³ small against g (error ~ B^{3(g+1)}/(g+1)!);
 * the paper shows n^{1+o(1)} time is possible iff B = o(∛log n) (under SETH).
 * @returns `{ out: n x d, r }`.
 */
export function tensorAttentionPoly(x: TensorAttentionInputs, opts: { degree?: number } = {}): { out: Matrix<Float64Array>; r: number } {
  const fn = 'tensorAttentionPoly';
  checkStruct(fn, 'x', x);
  const [n, d] = checkQKV(fn, { Q: x.Q, K1: x.K1, K2: x.K2, V1: x.V1, V2: x.V2 });
  checkOptions(fn, opts, ['degree']);
  const g = checkInt(fn, 'degree', opts.degree ?? 8, 0);
  const alphas = monomialExponents(d, g);
  const r = alphas.length;
  const feat = (M: Matrix, scale: number, weighted: boolean): Matrix<Float64Array> => {
    const U = new Float64Array(n * r);
    for (let c = 0; c < r; c++) {
      const al = alphas[c]!;
      let w = 1;
      if (weighted) for (let a = 0; a < d; a++) for (let k = 2; k <= al[a]!; k++) w /= k;
      for (let i = 0; i < n; i++) {
        let p = w;
        for (let a = 0; a < d; a++) p *= (M.data[i * d + a]! * scale) ** al[a]!;
        U[i * r + c] = p;
      }
    }
    return { rows: n, cols: r, data: U };
  };
  const U1 = feat(x.Q, 1 / d, true);
  const U2 = feat(x.K1, 1, false);
  const U3 = feat(x.K2, 1, false);
  // [V | 1] so the normalizer comes out of the same products
  const aug = (V: Matrix): Matrix<Float64Array> => {
    const out = new Float64Array(n * (d + 1));
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) out[i * (d + 1) + a] = V.data[i * d + a]!;
      out[i * (d + 1) + d] = 1;
    }
    return { rows: n, cols: d + 1, data: out };
  };
  const M1 = matmul(U2, aug(x.V1), { transA: true });
  const M2 = matmul(U3, aug(x.V2), { transA: true });
  const H = new Float64Array(r * (d + 1));
  for (let i = 0; i < H.length; i++) H[i] = M1.data[i]! * M2.data[i]!;
  const Y = matmul(U1, { rows: r, cols: d + 1, data: H });
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const den = Y.data[i * (d + 1) + d]!;
    for (let a = 0; a < d; a++) out[i * d + a] = Y.data[i * (d + 1) + a]! / den;
  }
  return { out: { rows: n, cols: d, data: out }, r };
}
