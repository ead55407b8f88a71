import { ShapeError } from '@x/gpu';
import { checkOptions as gpuCheckOptions } from '@x/gpu/checks';
import { checkInt } from './complex';
import { checkDeltaInputs, chunkedForward, type DeltaProductGrads, type DeltaProductInputs } from './deltaproduct';

/** Options of {@link deltaProductChunkedBackward}. */
export interface DeltaProductChunkOptions {
  /** Sub-steps per chunk C (default 16); any C >= 1, whether or not it divides T n_h. */
  chunk?: number;
}

/**
 * Reverse-mode gradient of the chunked (WY / UT-transform) DeltaProduct form
 * ({@link deltaProductChunked}), derived chunk by chunk instead of sub-step by sub-step: the
 * forward keeps only the state at the start of each chunk; the backward walks the chunks in
 * reverse, recomputes the chunk's U' = M⁻¹ diag(β)(V - diag(Γ) K S) and differentiates the three
 * chunk equations (notation of {@link deltaProductChunked}, Γ = e^γ the in-chunk cumulative gates):
 * - state S' = Γ_C S + Kᵀ diag(Γ_C/Γ) U': dS += Γ_C dS', dU' += diag(Γ_C/Γ) K dS', dK += diag(Γ_C/Γ) U' dS'ᵀ;
 * - outputs O = diag(Γ) Q S + (QKᵀ ⊙ Γ_i/Γ_j ⊙ causal) U';
 * - the triangular solve M U' = R: dR = M⁻ᵀ dU' (back substitution), dM = -dR U'ᵀ (strict lower part),
 *   which reaches β, K and γ through M = I + StrictLower(diag(β)(KKᵀ ⊙ Γ_i/Γ_j)), and R = diag(β)(V - diag(Γ) K S).
 * The gate gradient of a token sums dγ over the chunk positions at and after its sub-step 0.
 * Returns the same {@link DeltaProductGrads} as {@link deltaProductBackward} (they agree to
 * rounding; tested for chunk sizes that do and do not divide T n_h and n_h = 1, 2, 3).
 * O(T n_h (C (dk + dv) + dk dv)) time, O(T n_h dk dv / C) memory for the chunk states.
 * @throws ShapeError for inputs of the wrong length, DomainError for non-finite inputs or a bad chunk.
 */
export function deltaProductChunkedBackward(x: DeltaProductInputs, dO: Float64Array, dState?: Float64Array, opts: DeltaProductChunkOptions = {}): DeltaProductGrads {
  const fn = 'deltaProductChunkedBackward';
  checkDeltaInputs(fn, x);
  const { T, nh, dk, dv, q, k, v, beta, g } = x;
  if (!(dO instanceof Float64Array) || dO.length !== T * dv) throw new ShapeError(`${fn}: dO must be a Float64Array of length T * dv = ${T * dv}`);
  if (dState !== undefined && (!(dState instanceof Float64Array) || dState.length !== dk * dv)) throw new ShapeError(`${fn}: dState must be a Float64Array of length dk * dv = ${dk * dv}`);
  gpuCheckOptions(fn, opts, ['chunk']);
  const C = checkInt(fn, 'chunk', opts.chunk ?? 16, 1);
  const n = T * nh;
  const starts = chunkedForward(x, C, true).starts!;
  const gr: DeltaProductGrads = {
    dq: new Float64Array(T * dk),
    dk: new Float64Array(n * dk),
    dv: new Float64Array(n * dv),
    dbeta: new Float64Array(n),
    dg: new Float64Array(T),
    dh0: new Float64Array(dk * dv),
  };
  const G = dState ? Float64Array.from(dState) : new Float64Array(dk * dv);
  const dS = new Float64Array(dk * dv);
  const gam = new Float64Array(C);
  const kk = new Float64Array(C * C);
  const KS = new Float64Array(C * dv);
  const U = new Float64Array(C * dv);
  const dU = new Float64Array(C * dv);
  const dR = new Float64Array(C * dv);
  const dgam = new Float64Array(C);
  const vecV = new Float64Array(dv);
  const nChunks = Math.ceil(n / C);
  for (let ci = nChunks - 1; ci >= 0; ci--) {
    const c0 = ci * C;
    const m = Math.min(C, n - c0);
    const S = starts.subarray(ci * dk * dv, (ci + 1) * dk * dv);
    // --- recompute the chunk: gates, kk_ij = (k_i·k_j) Γ_i/Γ_j, KS_i = Sᵀk_i, U'
    let acc = 0;
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      if (g && s % nh === 0) acc += g[s / nh]!;
      gam[i] = acc;
    }
    for (let i = 0; i < m; i++) {
      const ki = (c0 + i) * dk;
      for (let j = 0; j < i; j++) {
        const kj = (c0 + j) * dk;
        let d = 0;
        for (let a = 0; a < dk; a++) d += k[ki + a]! * k[kj + a]!;
        kk[i * C + j] = d * Math.exp(gam[i]! - gam[j]!);
      }
      KS.fill(0, i * dv, (i + 1) * dv);
      for (let a = 0; a < dk; a++) {
        const ka = k[ki + a]!;
        if (ka === 0) continue;
        for (let c = 0; c < dv; c++) KS[i * dv + c] = KS[i * dv + c]! + ka * S[a * dv + c]!;
      }
      const b = beta[c0 + i]!;
      const Gi = Math.exp(gam[i]!);
      for (let c = 0; c < dv; c++) {
        let val = v[(c0 + i) * dv + c]! - Gi * KS[i * dv + c]!;
        for (let j = 0; j < i; j++) val -= kk[i * C + j]! * U[j * dv + c]!;
        U[i * dv + c] = b * val;
      }
    }
    dU.fill(0, 0, m * dv);
    dgam.fill(0, 0, m);
    // --- state update S' = Γ_C S + Σ_j (Γ_C/Γ_j) k_j U'_jᵀ, upstream G = dS'
    const gC = gam[m - 1]!;
    const eC = Math.exp(gC);
    let sg = 0;
    for (let i = 0; i < dk * dv; i++) {
      dS[i] = eC * G[i]!;
      sg += S[i]! * G[i]!;
    }
    dgam[m - 1] = dgam[m - 1]! + eC * sg;
    for (let j = 0; j < m; j++) {
      const E = Math.exp(gC - gam[j]!);
      const kj = (c0 + j) * dk;
      // vecV = Gᵀk_j, vecK = G U'_j
      vecV.fill(0);
      let t = 0;
      for (let a = 0; a < dk; a++) {
        const ka = k[kj + a]!;
        let s = 0;
        for (let c = 0; c < dv; c++) {
          const gac = G[a * dv + c]!;
          vecV[c] = vecV[c]! + ka * gac;
          s += gac * U[j * dv + c]!;
        }
        gr.dk[kj + a] = gr.dk[kj + a]! + E * s;
        t += ka * s;
      }
      for (let c = 0; c < dv; c++) dU[j * dv + c] = dU[j * dv + c]! + E * vecV[c]!;
      dgam[m - 1] = dgam[m - 1]! + E * t;
      dgam[j] = dgam[j]! - E * t;
    }
    // --- outputs o_t = Γ_i Sᵀq_t + Σ_{j<=i} (q_t·k_j) Γ_i/Γ_j U'_j at each token's last sub-step
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      if (s % nh !== nh - 1) continue;
      const t = (s - (nh - 1)) / nh;
      const qb = t * dk;
      const ob = t * dv;
      const Gi = Math.exp(gam[i]!);
      let x0 = 0;
      for (let a = 0; a < dk; a++) {
        const qa = q[qb + a]!;
        let sd = 0;
        for (let c = 0; c < dv; c++) {
          const d = dO[ob + c]!;
          sd += S[a * dv + c]! * d;
          dS[a * dv + c] = dS[a * dv + c]! + Gi * qa * d;
        }
        gr.dq[qb + a] = gr.dq[qb + a]! + Gi * sd;
        x0 += qa * sd;
      }
      dgam[i] = dgam[i]! + Gi * x0;
      for (let j = 0; j <= i; j++) {
        const kj = (c0 + j) * dk;
        let ud = 0;
        for (let c = 0; c < dv; c++) ud += U[j * dv + c]! * dO[ob + c]!;
        let qk = 0;
        for (let a = 0; a < dk; a++) qk += q[qb + a]! * k[kj + a]!;
        const e = Math.exp(gam[i]! - gam[j]!);
        const P = qk * e;
        for (let a = 0; a < dk; a++) {
          gr.dq[qb + a] = gr.dq[qb + a]! + e * ud * k[kj + a]!;
          gr.dk[kj + a] = gr.dk[kj + a]! + e * ud * q[qb + a]!;
        }
        for (let c = 0; c < dv; c++) dU[j * dv + c] = dU[j * dv + c]! + P * dO[ob + c]!;
        dgam[i] = dgam[i]! + P * ud;
        dgam[j] = dgam[j]! - P * ud;
      }
    }
    // --- triangular solve (I + A) U' = R with A_ij = β_i kk_ij: dR = (I + A)⁻ᵀ dU'
    for (let i = m - 1; i >= 0; i--) {
      for (let c = 0; c < dv; c++) {
        let val = dU[i * dv + c]!;
        for (let j = i + 1; j < m; j++) val -= beta[c0 + j]! * kk[j * C + i]! * dR[j * dv + c]!;
        dR[i * dv + c] = val;
      }
    }
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      const b = beta[s]!;
      const ki = s * dk;
      let db = 0;
      for (let j = 0; j < i; j++) {
        // dA_ij = -dR_i · U'_j
        let dA = 0;
        for (let c = 0; c < dv; c++) dA -= dR[i * dv + c]! * U[j * dv + c]!;
        const kkij = kk[i * C + j]!;
        db += dA * kkij;
        const cf = dA * b * Math.exp(gam[i]! - gam[j]!);
        const kj = (c0 + j) * dk;
        for (let a = 0; a < dk; a++) {
          gr.dk[ki + a] = gr.dk[ki + a]! + cf * k[kj + a]!;
          gr.dk[kj + a] = gr.dk[kj + a]! + cf * k[ki + a]!;
        }
        const w = dA * b * kkij;
        dgam[i] = dgam[i]! + w;
        dgam[j] = dgam[j]! - w;
      }
      // R_i = β_i (v_i - Γ_i Sᵀk_i)
      const Gi = Math.exp(gam[i]!);
      let ksz = 0;
      for (let c = 0; c < dv; c++) {
        const dr = dR[i * dv + c]!;
        db += dr * (v[s * dv + c]! - Gi * KS[i * dv + c]!);
        const z = b * dr;
        vecV[c] = z;
        gr.dv[s * dv + c] = gr.dv[s * dv + c]! + z;
        ksz += KS[i * dv + c]! * z;
      }
      gr.dbeta[s] = gr.dbeta[s]! + db;
      dgam[i] = dgam[i]! - Gi * ksz;
      for (let a = 0; a < dk; a++) {
        let sz = 0;
        const ka = k[ki + a]!;
        for (let c = 0; c < dv; c++) {
          sz += S[a * dv + c]! * vecV[c]!;
          dS[a * dv + c] = dS[a * dv + c]! - Gi * ka * vecV[c]!;
        }
        gr.dk[ki + a] = gr.dk[ki + a]! - Gi * sz;
      }
    }
    // --- gates: γ_i = Σ of the gates at sub-step 0 of tokens up to position i (in this chunk)
    if (g) {
      let suffix = 0;
      for (let i = m - 1; i >= 0; i--) {
        suffix += dgam[i]!;
        const s = c0 + i;
        if (s % nh === 0) gr.dg[s / nh] = gr.dg[s / nh]! + suffix;
      }
    }
    G.set(dS);
  }
  gr.dh0.set(G);
  return gr;
}
