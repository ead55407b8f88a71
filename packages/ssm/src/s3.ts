import { DomainError, type Rng } from '@x/gpu';
import { checkInt, checkNumber, checkOptions, checkRng, checkSize, describe } from '@x/gpu/checks';
import { deltaProductRecurrence } from './deltaproduct';

/** The six permutations of {0, 1, 2}: S3 in a fixed order (identity first). perm[i] = image of i. */
export const S3_ELEMENTS: readonly (readonly [number, number, number])[] = [
  [0, 1, 2],
  [1, 0, 2],
  [0, 2, 1],
  [2, 1, 0],
  [1, 2, 0],
  [2, 0, 1],
];

/** Index of (a ∘ b): first b, then a (x -> a[b[x]]). */
export function s3Compose(a: number, b: number): number {
  checkInt('s3Compose', 'a', a, 0, S3_ELEMENTS.length - 1);
  checkInt('s3Compose', 'b', b, 0, S3_ELEMENTS.length - 1);
  const pa = S3_ELEMENTS[a]!;
  const pb = S3_ELEMENTS[b]!;
  const c = [pa[pb[0]]!, pa[pb[1]]!, pa[pb[2]]!];
  return S3_ELEMENTS.findIndex((p) => p[0] === c[0] && p[1] === c[1] && p[2] === c[2]);
}

/**
 * A random S3 word problem (Merrill et al., "The Illusion of State in State-Space Models",
 * ICML 2024; DeltaProduct paper Sec. 5.1): tokens are group elements g_1 .. g_T (uniform), the
 * label at t is the prefix product g_t ∘ ... ∘ g_1.
 * @throws DomainError when `T` is not an integer size (checked before allocating) or `r` is not an Rng.
 */
export function s3WordProblem(T: number, r: Rng): { tokens: Int32Array; labels: Int32Array } {
  checkSize('s3WordProblem', 'T', T);
  checkRng('s3WordProblem', 'r', r);
  const tokens = new Int32Array(T);
  const labels = new Int32Array(T);
  let p = 0;
  for (let t = 0; t < T; t++) {
    tokens[t] = r.int(6);
    p = s3Compose(tokens[t]!, p);
    labels[t] = p;
  }
  return { tokens, labels };
}

/**
 * Writes g's permutation matrix as a product of at most two reflections I - 2 k kᵀ with
 * k = (e_a - e_b)/sqrt(2) (a transposition): returns the keys and betas of sub-steps 0 and 1
 * (beta 0 for an unused sub-step), so that P(g) = A_1 A_0 (DeltaProduct paper Sec. 4: any
 * permutation of m items is a product of <= m - 1 transpositions, i.e. Householder reflections).
 */
export function s3Householder(g: number): { k: Float64Array; beta: Float64Array } {
  checkInt('s3Householder', 'g', g, 0, S3_ELEMENTS.length - 1);
  const p = S3_ELEMENTS[g]!;
  const k = new Float64Array(6);
  const beta = new Float64Array(2);
  const refl = (slot: number, a: number, b: number) => {
    k[slot * 3 + a] = Math.SQRT1_2;
    k[slot * 3 + b] = -Math.SQRT1_2;
    beta[slot] = 2;
  };
  const fixed = [0, 1, 2].filter((i) => p[i] === i).length;
  if (fixed === 3) {
    k[0] = 1;
    k[3] = 1;
  } else if (fixed === 1) {
    const [a, b] = [0, 1, 2].filter((i) => p[i] !== i) as [number, number];
    refl(0, a, b);
    k[3] = 1;
  } else {
    // 3-cycle p = (0 -> p0 ...): p = (0 p[0]) ∘ (0 p[p[0]])  applied right to left: first
    // swap 0 with p^{-1}(0)... find it by search over the three transposition pairs.
    const pairs: [number, number][] = [
      [0, 1],
      [0, 2],
      [1, 2],
    ];
    for (const [a, b] of pairs) {
      for (const [c, d] of pairs) {
        // matrix action: e_x -> P e_x = e_{p[x]}; A_1 A_0 e_x with A = swap
        const sw = (x: number, u: number, w: number) => (x === u ? w : x === w ? u : x);
        let ok = true;
        for (let x = 0; x < 3; x++) if (sw(sw(x, a, b), c, d) !== p[x]) ok = false;
        if (ok) {
          refl(0, a, b);
          refl(1, c, d);
          return { k, beta };
        }
      }
    }
  }
  return { k, beta };
}

/**
 * The constructive exact S3 tracker with DeltaProduct_2 (n_h = 2, beta in {0, 2}, v = 0,
 * H_0 = I_3, dk = dv = 3; DeltaProduct paper Sec. 4 and Thm. 1): each token's transition is its
 * permutation matrix, so H_t = P(g_t) ... P(g_1), and o_t = H_tᵀ q with q = (1, 2, 3) identifies
 * the prefix product by nearest match. Returns the predicted labels.
 *
 * `options.beta` replaces the reflections' beta = 2 (default) by another value, for controls:
 * with beta != 2 a factor is no longer a permutation (beta = 1 is a projection, DeltaNet's
 * range), and the state is lost as the sequence grows.
 */
export function s3TrackDeltaProduct(tokens: Int32Array, options: { beta?: number } = {}): Int32Array {
  const fn = 's3TrackDeltaProduct';
  if (!(tokens instanceof Int32Array)) throw new DomainError(`${fn}: tokens must be an Int32Array, got ${describe(tokens)}`);
  for (let t = 0; t < tokens.length; t++) checkInt(fn, `tokens[${t}]`, tokens[t], 0, S3_ELEMENTS.length - 1);
  checkOptions(fn, options, ['beta']);
  const reflectionBeta = checkNumber(fn, 'beta', options.beta ?? 2);
  const T = tokens.length;
  const nh = 2;
  const k = new Float64Array(T * nh * 3);
  const beta = new Float64Array(T * nh);
  for (let t = 0; t < T; t++) {
    const h = s3Householder(tokens[t]!);
    k.set(h.k, t * 6);
    for (let j = 0; j < 2; j++) beta[t * 2 + j] = h.beta[j] === 2 ? reflectionBeta : h.beta[j]!;
  }
  const qv = [1, 2, 3];
  const q = new Float64Array(T * 3);
  for (let t = 0; t < T; t++) q.set(qv, t * 3);
  const h0 = new Float64Array(9);
  h0[0] = h0[4] = h0[8] = 1;
  const { o } = deltaProductRecurrence({ T, nh, dk: 3, dv: 3, q, k, v: new Float64Array(T * nh * 3), beta, h0 });
  // templates: P(g)ᵀ q, entry x = q[p[x]]
  const pred = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    let best = -1;
    let bd = Infinity;
    for (let g = 0; g < 6; g++) {
      const p = S3_ELEMENTS[g]!;
      let d = 0;
      for (let x = 0; x < 3; x++) d += (o[t * 3 + x]! - qv[p[x]!]!) ** 2;
      if (d < bd) {
        bd = d;
        best = g;
      }
    }
    pred[t] = best;
  }
  return pred;
}
