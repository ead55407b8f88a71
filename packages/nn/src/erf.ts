import { DomainError } from '@x/gpu';
import { describe } from '@x/gpu/checks';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;

/**
 * The error function erf(x), to about 1e-15 relative accuracy (checked against scipy).
 * |x| < 2.5: erf x = (2/sqrt(pi)) e^{-x^2} Σ_n 2^n x^{2n+1} / (1·3···(2n+1)) (Abramowitz &
 * Stegun 7.1.6), a series of positive terms, so nothing cancels. Beyond: 1 - erfc(|x|).
 */
export function erf(x: number): number {
  // Two cheap tests on the hot path (GELU calls this per element): NaN and non-numbers are refused.
  if (typeof x !== 'number' || Number.isNaN(x)) throw notANumber('erf', x);
  return erfOf(x);
}

/** {@link erf} without the argument check (NaN in, NaN out): for layers that check their whole input and name themselves. */
function erfOf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 2.5) {
    const v = 1 - erfcContinuedFraction(ax);
    return x < 0 ? -v : v;
  }
  const x2 = x * x;
  let term = x;
  let s = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    s += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(s)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * s;
}

/** The complementary error function 1 - erf(x), accurate in relative terms for large positive x. */
export function erfc(x: number): number {
  if (typeof x !== 'number' || Number.isNaN(x)) throw notANumber('erfc', x);
  return erfcOf(x);
}

/** {@link erfc} without the argument check (NaN in, NaN out), as {@link erfOf}. */
export function erfcOf(x: number): number {
  // Below 2, 1 - erf(x) loses at most a factor 1/erfc(2) ~ 200 in relative accuracy.
  if (x >= 2) return erfcContinuedFraction(x);
  return 1 - erfOf(x);
}

/**
 * erfc(x) = e^{-x^2}/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (A&S 7.1.14),
 * evaluated bottom-up with 60 levels: converged to machine precision for x >= 2.
 */
function erfcContinuedFraction(x: number): number {
  if (x > 27) return 0;
  let t = x;
  for (let k = 60; k >= 1; k--) t = x + k / 2 / t;
  return (INV_SQRT_PI * Math.exp(-x * x)) / t;
}

/** The DomainError for a NaN or non-number argument (±Infinity are in the domain: the limits). */
function notANumber(fn: string, x: unknown): DomainError {
  return new DomainError(`${fn}: x must be a number (±Infinity give the limits), got ${describe(x)}`);
}
