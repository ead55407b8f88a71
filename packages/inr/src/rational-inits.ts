import { DomainError } from '@x/gpu';
import { checkRationalForm, type RationalCoefficients, type RationalForm } from './rational';

/** Names of the fitted rational-unit coefficient sets. */
export type RationalInit = 'identity' | 'gelu' | 'swish';

const IDENTITY: RationalCoefficients = { a: [0, 1, 0, 0, 0, 0], b: [0, 0, 0, 0] };

/**
 * Coefficient sets for KAT's rational unit, per denominator form (Yang & Wang,
 * "Kolmogorov-Arnold Transformer", 2024): identity (exact in every form) and gelu/swish refit
 * with scipy.optimize.least_squares on 1000 points of [-3, 3] (tooling/fixtures/inr_rational.py;
 * the fixture test/fixtures/rational-fits.json holds the same numbers). Max error on [-3, 3]:
 * - A (1 + |Σ b_i x^i|): gelu 9.1e-04, swish 1.2e-06 (the paper's published gelu set: 3.0e-03);
 * - B (1 + Σ |b_i||x|^i): gelu 4.1e-03, swish 1.2e-06 (the published gelu set is off by 1.46);
 * - C (1 + Σ |b_i| x^i): gelu 2.2e-03, swish 1.2e-06, both pole-free: every free form-C gelu fit
 *   put a pole on x < 0, so the kept fits have b_1 = b_3 = 0 (Q ≥ 1; those b_i get a zero
 *   gradient, sign(0) = 0, so training keeps Q ≥ 1).
 * Outside [-3, 3] the fits are extrapolations (the gelu sets grow like x²).
 */
export const RATIONAL_INITS_BY_FORM: Readonly<Record<RationalForm, Readonly<Record<RationalInit, RationalCoefficients>>>> = {
  A: {
    identity: IDENTITY,
    gelu: {
      a: [-0.00042398754081264127, 0.49999999998588845, 0.4026934970361418, 0.07376071786512765, -0.01288376494936753, -0.0037279696028632166],
      b: [-1.907122089623553e-9, -0.14752143413415064, -4.375395210161966e-10, 0.007455939244532841],
    },
    swish: {
      a: [3.2764648450515997e-7, 0.4999999999970616, 0.24999734406874044, 0.05326481578669725, 0.005802396888567263, 0.00027511379891772495],
      b: [-1.514010486459799e-8, 0.10652963913076473, -1.4684297564682414e-9, 0.0005502277087043708],
    },
  },
  B: {
    identity: IDENTITY,
    gelu: {
      a: [-0.0012458032854276875, 0.5076605795475372, 0.41559508552027374, 0.13031811297454696, 0.02444204157960949, 0.0029153646733505816],
      b: [0.06530635110360936, 0.180126041118991, 0.0374482654794006, 8.332928598391829e-10],
    },
    swish: {
      a: [3.084422374307868e-07, 0.5000007819950475, 0.24999781313393782, 0.053265621263092575, 0.005802722878623196, 0.0002751536252500706],
      b: [4.080444118444913e-06, 0.10652770900265801, 1.2512571143699794e-06, 0.0005501508906847422],
    },
  },
  C: {
    identity: IDENTITY,
    gelu: {
      a: [-0.00123381030266034, 0.4999887804994641, 0.40781115406990986, 0.10610070654712551, 0.008361719201597013, -7.177459914351955e-7],
      b: [0, 0.21218792757860488, 0, 6.224312918326127e-18],
    },
    swish: {
      a: [3.276464831969426e-7, 0.5, 0.24999735163879966, 0.053264819565524944, 0.005802397622847978, 0.0002751138543608893],
      b: [0, 0.10652963913104985, 0, 0.0005502277087217816],
    },
  },
};

/**
 * The form-B coefficient sets (the default form), i.e. `RATIONAL_INITS_BY_FORM.B`; see
 * {@link RATIONAL_INITS_BY_FORM} for the fits and their errors. The paper's published "gelu" set
 * belongs to form A and is off by 1.46 under form B, so it is not used.
 */
export const RATIONAL_INITS: Readonly<Record<RationalInit, RationalCoefficients>> = RATIONAL_INITS_BY_FORM.B;

/** The fitted coefficient set `name` for denominator form `form` (default 'B'); DomainError on unknown names or forms. */
export function rationalInit(name: RationalInit, form: RationalForm = 'B'): RationalCoefficients {
  const sets = RATIONAL_INITS_BY_FORM[checkRationalForm('rationalInit', form)];
  if (!Object.hasOwn(sets, name)) throw new DomainError(`rationalInit: unknown init ${String(name)} (expected identity, gelu or swish)`);
  return sets[name];
}
