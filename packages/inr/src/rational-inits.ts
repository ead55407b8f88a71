import type { RationalCoefficients } from './rational';

/** Names of the fitted rational-unit coefficient sets. */
export type RationalInit = 'identity' | 'gelu' | 'swish';

/**
 * Coefficient sets for KAT's rational unit in the safe form B (Q = 1 + Σ|b_i||x|^i), refit with
 * scipy.optimize.least_squares on 1000 points of [-3, 3] (tooling/fixtures/inr_rational.py; the
 * fixture test/fixtures/rational.json holds the same numbers). Max error on [-3, 3]: identity 0
 * (exact), gelu 4.1e-03, swish 1.2e-06. The paper's published "gelu" set belongs to form A and is off
 * by 1.46 under form B, so it is not used (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024).
 * Outside [-3, 3] the fits are extrapolations (the gelu set grows like x²).
 */
export const RATIONAL_INITS: Readonly<Record<RationalInit, RationalCoefficients>> = {
  identity: { a: [0, 1, 0, 0, 0, 0], b: [0, 0, 0, 0] },
  gelu: {
    a: [-0.0012458032854276875, 0.5076605795475372, 0.41559508552027374, 0.13031811297454696, 0.02444204157960949, 0.0029153646733505816],
    b: [0.06530635110360936, 0.180126041118991, 0.0374482654794006, 8.332928598391829e-10],
  },
  swish: {
    a: [3.084422374307868e-07, 0.5000007819950475, 0.24999781313393782, 0.053265621263092575, 0.005802722878623196, 0.0002751536252500706],
    b: [4.080444118444913e-06, 0.10652770900265801, 1.2512571143699794e-06, 0.0005501508906847422],
  },
};
