import { DomainError } from '@x/gpu';
import { checkNumber, checkVector, describe } from '@x/gpu/checks';

/** Number of numerator coefficients of KAT's rational unit (degree m = 5). */
export const RATIONAL_NUM = 6;
/** Number of denominator coefficients of KAT's rational unit (degree n = 4, no constant term). */
export const RATIONAL_DEN = 4;

/** Coefficients of a rational unit F = P/Q: `a` (6: a_0..a_5) and `b` (4: b_1..b_4). */
export interface RationalCoefficients {
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
}

/** F(x) and its derivatives at one point (see {@link rationalDerivatives}). */
export interface RationalDerivatives {
  f: number;
  /** ∂F/∂x. */
  dx: number;
  /** ∂F/∂a_i, i = 0..5. */
  da: Float64Array;
  /** ∂F/∂b_i, i = 1..4 (index i - 1). */
  db: Float64Array;
}

/** Throws unless a has 6 and b has 4 finite entries. */
export function checkRationalCoefficients(fn: string, c: RationalCoefficients): void {
  if (!c || typeof c !== 'object' || c.a?.length !== RATIONAL_NUM || c.b?.length !== RATIONAL_DEN) {
    throw new DomainError(`${fn}: a rational unit needs a (6 numerator coefficients) and b (4 denominator coefficients)`);
  }
  checkVector(fn, 'a', c.a, RATIONAL_NUM);
  checkVector(fn, 'b', c.b, RATIONAL_DEN);
}

/**
 * The denominator of KAT's rational unit; the official code has three (Yang & Wang,
 * "Kolmogorov-Arnold Transformer", 2024):
 * - 'A' (the paper, fit.py, gain.py): Q = 1 + |Σ_{i=1..4} b_i x^i|, Q ≥ 1, kinks where Σ b_i x^i = 0;
 * - 'B' (the CUDA/Triton kernel, the default here): Q = 1 + Σ |b_i| |x|^i, Q ≥ 1, a kink at x = 0;
 * - 'C' (kat_1dgroup_torch): Q = 1 + Σ |b_i| x^i, smooth in x but it can reach 0 for x < 0 (poles).
 * Coefficient sets are tied to their form (see {@link rationalInit}).
 */
export type RationalForm = 'A' | 'B' | 'C';

/** Throws a DomainError unless `form` is 'A', 'B' or 'C'; undefined means 'B'. */
export function checkRationalForm(fn: string, form: unknown): RationalForm {
  if (form === undefined) return 'B';
  if (form === 'A' || form === 'B' || form === 'C') return form;
  throw new DomainError(`${fn}: form must be 'A', 'B' or 'C', got ${describe(form)}`);
}

/**
 * Q(x) of KAT's rational unit in the given form (see {@link RationalForm}), by Horner's rule
 * (in |x| for form B, in x for A and C). O(1).
 */
export function rationalDenominator(x: number, b: ArrayLike<number>, form: RationalForm = 'B'): number {
  const fn = 'rationalDenominator';
  checkNumber(fn, 'x', x);
  checkVector(fn, 'b', b, RATIONAL_DEN);
  return denominatorRaw(x, b, checkRationalForm(fn, form));
}

/** {@link rationalDenominator} on checked arguments. */
function denominatorRaw(x: number, b: ArrayLike<number>, form: RationalForm): number {
  if (form === 'A') return 1 + Math.abs(x * (b[0]! + x * (b[1]! + x * (b[2]! + x * b[3]!))));
  const u = form === 'B' ? Math.abs(x) : x;
  return 1 + u * (Math.abs(b[0]!) + u * (Math.abs(b[1]!) + u * (Math.abs(b[2]!) + u * Math.abs(b[3]!))));
}

/**
 * KAT's rational unit (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024, the rational
 * ("Padé") activation of GR-KAN): F(x) = P(x)/Q(x), P = Σ_{i=0..5} a_i x^i, with Q in one of the
 * official code's three forms (default 'B', the safe kernel form, Q ≥ 1 so F has no poles; 'A'
 * is the paper's 1 + |Σ b_i x^i|, also ≥ 1; 'C' is 1 + Σ |b_i| x^i, which has poles where it
 * crosses 0 for x < 0). Coefficients are tied to their form: the published "gelu" set only fits
 * GELU under form A. O(1).
 */
export function rational(x: number, a: ArrayLike<number>, b: ArrayLike<number>, form: RationalForm = 'B'): number {
  const fn = 'rational';
  checkNumber(fn, 'x', x);
  checkVector(fn, 'a', a, RATIONAL_NUM);
  checkVector(fn, 'b', b, RATIONAL_DEN);
  return rationalRaw(x, a, b, checkRationalForm(fn, form));
}

/** {@link rational} on checked arguments. */
function rationalRaw(x: number, a: ArrayLike<number>, b: ArrayLike<number>, form: RationalForm): number {
  const p = a[0]! + x * (a[1]! + x * (a[2]! + x * (a[3]! + x * (a[4]! + x * a[5]!))));
  return p / denominatorRaw(x, b, form);
}

/**
 * F and its analytic gradients (KAT): ∂F/∂x = P'/Q − P Q'/Q², ∂F/∂a_i = x^i / Q, and by form
 * - A (S = Σ b_i x^i): Q' = sign(S) S'(x), ∂F/∂b_i = −P/Q² sign(S) x^i;
 * - B: Q' = sign(x) Σ i |b_i| |x|^{i−1}, ∂F/∂b_i = −P/Q² sign(b_i) |x|^i;
 * - C: Q' = Σ i |b_i| x^{i−1}, ∂F/∂b_i = −P/Q² sign(b_i) x^i.
 * At the kinks the subgradient sign(0) = 0 is used (b_i = 0 in B and C, S = 0 in A, as the
 * reference kernels do). O(1).
 */
export function rationalDerivatives(x: number, a: ArrayLike<number>, b: ArrayLike<number>, form: RationalForm = 'B'): RationalDerivatives {
  const fn = 'rationalDerivatives';
  checkNumber(fn, 'x', x);
  checkVector(fn, 'a', a, RATIONAL_NUM);
  checkVector(fn, 'b', b, RATIONAL_DEN);
  checkRationalForm(fn, form);
  const formA = form === 'A';
  // Q - 1 is a polynomial in u with coefficients c_i (A: b_i, u = x; B: |b_i|, u = |x|; C: |b_i|, u = x).
  const u = form === 'B' ? Math.abs(x) : x;
  let p = 0;
  let dp = 0;
  let xi = 1;
  const da = new Float64Array(RATIONAL_NUM);
  for (let i = 0; i < RATIONAL_NUM; i++) {
    p += a[i]! * xi;
    if (i + 1 < RATIONAL_NUM) dp += (i + 1) * a[i + 1]! * xi;
    da[i] = xi;
    xi *= x;
  }
  // For A this accumulates S = Σ b_i x^i (then Q = 1 + |S|), for B and C Q itself.
  let q = formA ? 0 : 1;
  let dq = 0;
  let ui = 1;
  for (let i = 1; i <= RATIONAL_DEN; i++) {
    const ci = formA ? b[i - 1]! : Math.abs(b[i - 1]!);
    dq += i * ci * ui;
    ui *= u;
    q += ci * ui;
  }
  // sS = sign(S), the derivative of |S| (A only); B's chain rule through |x| gives sign(x).
  const sS = formA ? Math.sign(q) : 1;
  if (formA) q = 1 + Math.abs(q);
  dq *= formA ? sS : form === 'B' ? Math.sign(x) : 1;
  const inv = 1 / q;
  for (let i = 0; i < RATIONAL_NUM; i++) da[i]! *= inv;
  const db = new Float64Array(RATIONAL_DEN);
  const pq2 = p * inv * inv;
  ui = 1;
  for (let i = 1; i <= RATIONAL_DEN; i++) {
    ui *= u;
    db[i - 1] = -pq2 * (formA ? sS : Math.sign(b[i - 1]!)) * ui;
  }
  return { f: p * inv, dx: dp * inv - pq2 * dq, da, db };
}

/**
 * E_{z~N(0,1)}[F(z)²] by composite Simpson quadrature on [−12, 12] with a node at 0 (the kink of
 * form B), 4800 panels: accurate to ~1e-10 for the fitted units (form A's other kinks, at the
 * roots of Σ b_i x^i, cost a few digits more). For form C a pole makes the moment infinite: a
 * DomainError is thrown when Q ≤ 0 at any node (the sign change of Q at a pole on [−12, 12]).
 */
export function rationalSecondMoment(c: RationalCoefficients, form: RationalForm = 'B'): number {
  checkRationalCoefficients('rationalSecondMoment', c);
  checkRationalForm('rationalSecondMoment', form);
  const L = 12;
  const n = 4800;
  const h = (2 * L) / n;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const z = -L + k * h;
    const q = denominatorRaw(z, c.b, form);
    if (!(q > 0)) throw new DomainError(`rationalSecondMoment: Q(${z}) = ${q} <= 0 (form ${form} has a pole there), E[F(z)²] is infinite`);
    const f = rationalRaw(z, c.a, c.b, form);
    const w = k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2;
    s += w * f * f * Math.exp(-0.5 * z * z);
  }
  return (s * h) / 3 / Math.sqrt(2 * Math.PI);
}

/**
 * KAT's variance-preserving gain: gain² = 1 / E_{z~N(0,1)}[F(z)²] for the unit in the given form
 * (default 'B'), so that a linear layer after F initialised with W ~ N(0, gain²/fan_in) keeps unit
 * activation variance (KAT, section on variance-preserving initialization). Returns gain² (the
 * code's constants: gelu 2.3568, swish 2.8178, for its own coefficient sets).
 */
export function rationalGain(c: RationalCoefficients, form: RationalForm = 'B'): number {
  return 1 / rationalSecondMoment(c, form);
}
