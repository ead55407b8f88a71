import { checkBoolean as gpuCheckBoolean, checkOptions as gpuCheckOptions } from '@x/gpu/checks';
import { DomainError, ShapeError } from '@x/gpu';
import { checkInt, checkStruct } from './complex';

/**
 * Inputs of a (gated) DeltaProduct recurrence over T tokens with n_h Householder sub-steps per
 * token (Siems et al., "DeltaProduct: Improving State-Tracking in Linear RNNs via Householder
 * Products", 2025, eq. (4)-(5)). All row-major Float64Arrays:
 * - q: T x dk (queries, read after the last sub-step of each token);
 * - k: (T nh) x dk keys, row t nh + j for sub-step j (used as given: normalize them for ||k|| = 1);
 * - v: (T nh) x dv values;
 * - beta: T nh step sizes (beta in [0, 2] keeps every factor's spectrum in [-1, 1]);
 * - g (optional): T log-gates (<= 0), applied as H <- exp(g_t) H before sub-step 0;
 * - h0 (optional): the dk x dv initial state (zero by default).
 */
export interface DeltaProductInputs {
  T: number;
  nh: number;
  dk: number;
  dv: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  beta: Float64Array;
  g?: Float64Array;
  h0?: Float64Array;
}

/** Validates shapes and finiteness of {@link DeltaProductInputs}. */
export function checkDeltaInputs(fn: string, x: DeltaProductInputs): void {
  checkStruct(fn, 'x', x);
  checkInt(fn, 'T', x.T, 0);
  checkInt(fn, 'nh', x.nh, 1);
  checkInt(fn, 'dk', x.dk, 1);
  checkInt(fn, 'dv', x.dv, 1);
  const want: [string, Float64Array | undefined, number][] = [
    ['q', x.q, x.T * x.dk],
    ['k', x.k, x.T * x.nh * x.dk],
    ['v', x.v, x.T * x.nh * x.dv],
    ['beta', x.beta, x.T * x.nh],
  ];
  if (x.g !== undefined) want.push(['g', x.g, x.T]);
  if (x.h0 !== undefined) want.push(['h0', x.h0, x.dk * x.dv]);
  for (const [name, a, n] of want) {
    if (!(a instanceof Float64Array) || a.length !== n) {
      throw new ShapeError(`${fn}: ${name} must be a Float64Array of length ${n}, got ${a instanceof Float64Array ? a.length : typeof a}`);
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(a[i]!)) throw new DomainError(`${fn}: ${name}[${i}] is not finite`);
  }
}

/** Output of {@link deltaProductRecurrence}. */
export interface DeltaProductOutput {
  /** T x dv outputs o_t = H_tᵀ q_t. */
  o: Float64Array;
  /** Final state, dk x dv. */
  state: Float64Array;
  /** With `keepStates`: the state before every sub-step (and after the gate), (T nh) x dk x dv. */
  states?: Float64Array;
}

/**
 * The DeltaProduct recurrence, token by token (DeltaProduct paper eq. (5); fla-org
 * flash-linear-attention `naive_recurrent_gated_delta_product`): for token t,
 * H <- exp(g_t) H; then for j = 0 .. nh-1: H <- (I - beta k kᵀ) H + beta k vᵀ
 * (= one gradient step on 1/2 ||Hᵀk - v||²); o_t = Hᵀ q_t. The transition of a token is the
 * product of nh generalized Householder matrices (identity plus rank nh); beta = 2 gives exact
 * reflections (eigenvalue -1). O(T nh dk dv).
 */
export function deltaProductRecurrence(x: DeltaProductInputs, opts: { keepStates?: boolean } = {}): DeltaProductOutput {
  const fn = 'deltaProductRecurrence';
  checkDeltaInputs(fn, x);
  gpuCheckOptions(fn, opts, ['keepStates']);
  gpuCheckBoolean(fn, 'keepStates', opts.keepStates ?? false);
  const { T, nh, dk, dv, q, k, v, beta, g } = x;
  const H = x.h0 ? Float64Array.from(x.h0) : new Float64Array(dk * dv);
  const o = new Float64Array(T * dv);
  const states = opts.keepStates ? new Float64Array(T * nh * dk * dv) : undefined;
  const w = new Float64Array(dv);
  for (let t = 0; t < T; t++) {
    if (g) {
      const e = Math.exp(g[t]!);
      for (let i = 0; i < dk * dv; i++) H[i] = H[i]! * e;
    }
    for (let j = 0; j < nh; j++) {
      const s = t * nh + j;
      if (states) states.set(H, s * dk * dv);
      const kb = s * dk;
      const vb = s * dv;
      const b = beta[s]!;
      // w = Hᵀ k
      w.fill(0);
      for (let a = 0; a < dk; a++) {
        const ka = k[kb + a]!;
        if (ka === 0) continue;
        for (let c = 0; c < dv; c++) w[c] = w[c]! + ka * H[a * dv + c]!;
      }
      // H += beta k (v - w)ᵀ
      for (let a = 0; a < dk; a++) {
        const f = b * k[kb + a]!;
        if (f === 0) continue;
        for (let c = 0; c < dv; c++) H[a * dv + c] = H[a * dv + c]! + f * (v[vb + c]! - w[c]!);
      }
    }
    for (let c = 0; c < dv; c++) {
      let s = 0;
      for (let a = 0; a < dk; a++) s += H[a * dv + c]! * q[t * dk + a]!;
      o[t * dv + c] = s;
    }
  }
  return states ? { o, state: H, states } : { o, state: H };
}

/** Gradients of a scalar loss w.r.t. every input of {@link deltaProductRecurrence}. */
export interface DeltaProductGrads {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  dbeta: Float64Array;
  dg: Float64Array;
  dh0: Float64Array;
}

/**
 * Reverse-mode gradient of the DeltaProduct recurrence given dL/do (T x dv) and optionally
 * dL/d(final state). Per sub-step H' = H + beta k (v - Hᵀk)ᵀ with upstream G = dL/dH':
 * dH = (I - beta k kᵀ) G, dv = beta Gᵀk, dbeta = kᵀ G (v - Hᵀk), dk = beta G (v - Hᵀk) - beta H (Gᵀk);
 * the output o = Hᵀq adds q doᵀ to G and gives dq = H do; the gate H <- e^g H gives
 * dg = <e^g H, G>, dH <- e^g G. Replays the forward with stored states. O(T nh dk dv) time and
 * memory. Checked against central finite differences in the tests.
 */
export function deltaProductBackward(x: DeltaProductInputs, dO: Float64Array, dState?: Float64Array): DeltaProductGrads {
  const fn = 'deltaProductBackward';
  checkDeltaInputs(fn, x);
  const { T, nh, dk, dv, q, k, v, beta, g } = x;
  if (!(dO instanceof Float64Array) || dO.length !== T * dv) throw new ShapeError(`${fn}: dO must have length T * dv = ${T * dv}`);
  if (dState !== undefined && dState.length !== dk * dv) throw new ShapeError(`${fn}: dState must have length dk * dv`);
  const fwd = deltaProductRecurrence(x, { keepStates: true });
  const states = fwd.states!;
  const G = dState ? Float64Array.from(dState) : new Float64Array(dk * dv);
  const gr: DeltaProductGrads = {
    dq: new Float64Array(T * dk),
    dk: new Float64Array(T * nh * dk),
    dv: new Float64Array(T * nh * dv),
    dbeta: new Float64Array(T * nh),
    dg: new Float64Array(T),
    dh0: new Float64Array(dk * dv),
  };
  const H = new Float64Array(dk * dv);
  const w = new Float64Array(dv);
  const r = new Float64Array(dv);
  const gk = new Float64Array(dv);
  const Gr = new Float64Array(dk);
  const Hgk = new Float64Array(dk);
  for (let t = T - 1; t >= 0; t--) {
    // State after the token's last sub-step: replay it from the stored pre-state.
    const last = t * nh + nh - 1;
    H.set(states.subarray(last * dk * dv, (last + 1) * dk * dv));
    subStep(H, k, v, beta[last]!, last, dk, dv, w);
    // o_t = Hᵀ q_t
    for (let a = 0; a < dk; a++) {
      let s = 0;
      for (let c = 0; c < dv; c++) {
        const d = dO[t * dv + c]!;
        s += H[a * dv + c]! * d;
        G[a * dv + c] = G[a * dv + c]! + q[t * dk + a]! * d;
      }
      gr.dq[t * dk + a] = s;
    }
    for (let j = nh - 1; j >= 0; j--) {
      const s = t * nh + j;
      H.set(states.subarray(s * dk * dv, (s + 1) * dk * dv));
      const kb = s * dk;
      const vb = s * dv;
      const b = beta[s]!;
      // w = Hᵀk, r = v - w, gk = Gᵀk, Gr = G r, Hgk = H gk
      w.fill(0);
      gk.fill(0);
      for (let a = 0; a < dk; a++) {
        const ka = k[kb + a]!;
        for (let c = 0; c < dv; c++) {
          w[c] = w[c]! + ka * H[a * dv + c]!;
          gk[c] = gk[c]! + ka * G[a * dv + c]!;
        }
      }
      for (let c = 0; c < dv; c++) r[c] = v[vb + c]! - w[c]!;
      let db = 0;
      for (let a = 0; a < dk; a++) {
        let s1 = 0;
        let s2 = 0;
        for (let c = 0; c < dv; c++) {
          s1 += G[a * dv + c]! * r[c]!;
          s2 += H[a * dv + c]! * gk[c]!;
        }
        Gr[a] = s1;
        Hgk[a] = s2;
        db += k[kb + a]! * s1;
      }
      gr.dbeta[s] = db;
      for (let c = 0; c < dv; c++) gr.dv[vb + c] = b * gk[c]!;
      for (let a = 0; a < dk; a++) gr.dk[kb + a] = b * (Gr[a]! - Hgk[a]!);
      // G <- (I - beta k kᵀ) G
      for (let a = 0; a < dk; a++) {
        const f = b * k[kb + a]!;
        if (f === 0) continue;
        for (let c = 0; c < dv; c++) G[a * dv + c] = G[a * dv + c]! - f * gk[c]!;
      }
    }
    if (g) {
      // states[t nh] is the gated state e^g H_{t-1}.
      const first = t * nh;
      const Hg = states.subarray(first * dk * dv, (first + 1) * dk * dv);
      let s = 0;
      for (let i = 0; i < dk * dv; i++) s += Hg[i]! * G[i]!;
      gr.dg[t] = s;
      const e = Math.exp(g[t]!);
      for (let i = 0; i < dk * dv; i++) G[i] = G[i]! * e;
    }
  }
  gr.dh0.set(G);
  return gr;
}

function subStep(H: Float64Array, k: Float64Array, v: Float64Array, b: number, s: number, dk: number, dv: number, w: Float64Array): void {
  const kb = s * dk;
  const vb = s * dv;
  w.fill(0);
  for (let a = 0; a < dk; a++) {
    const ka = k[kb + a]!;
    for (let c = 0; c < dv; c++) w[c] = w[c]! + ka * H[a * dv + c]!;
  }
  for (let a = 0; a < dk; a++) {
    const f = b * k[kb + a]!;
    for (let c = 0; c < dv; c++) H[a * dv + c] = H[a * dv + c]! + f * (v[vb + c]! - w[c]!);
  }
}

/**
 * The chunked (WY / UT-transform) form of the same computation (Yang et al., "Parallelizing
 * Linear Transformers with the Delta Rule over Sequence Length", NeurIPS 2024, Sec. 3.2;
 * gated form: Yang et al., "Gated Delta Networks", ICLR 2025, eq. (8)-(9)), run on the
 * interleaved sequence of length T nh (DeltaProduct = DeltaNet over sub-steps; the gate acts on
 * sub-step 0, the query on the last one). Per chunk of C sub-steps with start state S and
 * in-chunk cumulative log-gates γ (Γ = e^γ):
 *   M = I + StrictLower(diag(β) (K Kᵀ ⊙ Γ_i/Γ_j)),  U' = M⁻¹ diag(β) (V - diag(Γ) K S)   (forward substitution)
 *   O = diag(Γ) Q S + ((Q Kᵀ) ⊙ Γ_i/Γ_j ⊙ causal) U',  S <- Γ_C S + Kᵀ diag(Γ_C/Γ) U'.
 * Equals {@link deltaProductRecurrence} up to rounding; the chunk products are GEMM-shaped,
 * which is what makes the form fast on accelerators. O(T nh (C + dk) dv).
 */
export function deltaProductChunked(x: DeltaProductInputs, opts: { chunk?: number } = {}): { o: Float64Array; state: Float64Array } {
  const fn = 'deltaProductChunked';
  checkDeltaInputs(fn, x);
  gpuCheckOptions(fn, opts, ['chunk']);
  const C = checkInt(fn, 'chunk', opts.chunk ?? 16, 1);
  const { o, state } = chunkedForward(x, C, false);
  return { o, state };
}

/**
 * {@link deltaProductChunked} on checked inputs; with `keep`, also the state at the start of every
 * chunk (ceil(T nh / C) x dk x dv), which the chunked backward starts each chunk from.
 * @internal
 */
export function chunkedForward(x: DeltaProductInputs, C: number, keep: boolean): { o: Float64Array; state: Float64Array; starts?: Float64Array } {
  const { T, nh, dk, dv, q, k, v, beta, g } = x;
  const n = T * nh;
  const S = x.h0 ? Float64Array.from(x.h0) : new Float64Array(dk * dv);
  const o = new Float64Array(T * dv);
  const gam = new Float64Array(C);
  const U = new Float64Array(C * dv);
  const KS = new Float64Array(dv);
  const kk = new Float64Array(C * C);
  const starts = keep ? new Float64Array(Math.ceil(n / C) * dk * dv) : undefined;
  for (let c0 = 0; c0 < n; c0 += C) {
    const m = Math.min(C, n - c0);
    if (starts) starts.set(S, (c0 / C) * dk * dv);
    // cumulative log-gates within the chunk (gate only on sub-step 0 of each token)
    let acc = 0;
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      if (g && s % nh === 0) acc += g[s / nh]!;
      gam[i] = acc;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let a = 0; a < dk; a++) d += k[(c0 + i) * dk + a]! * k[(c0 + j) * dk + a]!;
        kk[i * C + j] = d * Math.exp(gam[i]! - gam[j]!);
      }
    }
    // U'_i = beta_i (v_i - Γ_i S ᵀk_i) - beta_i sum_{j<i} kk_ij U'_j  (forward substitution)
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      const b = beta[s]!;
      const Gi = Math.exp(gam[i]!);
      KS.fill(0);
      for (let a = 0; a < dk; a++) {
        const ka = k[s * dk + a]!;
        for (let c = 0; c < dv; c++) KS[c] = KS[c]! + ka * S[a * dv + c]!;
      }
      for (let c = 0; c < dv; c++) {
        let val = v[s * dv + c]! - Gi * KS[c]!;
        for (let j = 0; j < i; j++) val -= kk[i * C + j]! * U[j * dv + c]!;
        U[i * dv + c] = b * val;
      }
    }
    // outputs at each token's last sub-step
    for (let i = 0; i < m; i++) {
      const s = c0 + i;
      if (s % nh !== nh - 1) continue;
      const t = (s - (nh - 1)) / nh;
      const Gi = Math.exp(gam[i]!);
      for (let c = 0; c < dv; c++) {
        let val = 0;
        for (let a = 0; a < dk; a++) val += q[t * dk + a]! * S[a * dv + c]!;
        o[t * dv + c] = Gi * val;
      }
      for (let j = 0; j <= i; j++) {
        let d = 0;
        for (let a = 0; a < dk; a++) d += q[t * dk + a]! * k[(c0 + j) * dk + a]!;
        d *= Math.exp(gam[i]! - gam[j]!);
        for (let c = 0; c < dv; c++) o[t * dv + c] = o[t * dv + c]! + d * U[j * dv + c]!;
      }
    }
    // S <- Γ_C S + sum_j (Γ_C/Γ_j) k_j U'_jᵀ
    const gC = gam[m - 1]!;
    const eC = Math.exp(gC);
    for (let i = 0; i < dk * dv; i++) S[i] = S[i]! * eC;
    for (let j = 0; j < m; j++) {
      const f = Math.exp(gC - gam[j]!);
      for (let a = 0; a < dk; a++) {
        const ka = f * k[(c0 + j) * dk + a]!;
        if (ka === 0) continue;
        for (let c = 0; c < dv; c++) S[a * dv + c] = S[a * dv + c]! + ka * U[j * dv + c]!;
      }
    }
  }
  return starts ? { o, state: S, starts } : { o, state: S };
}
