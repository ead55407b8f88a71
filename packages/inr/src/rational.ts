import { DomainError } from '@x/gpu';

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
  if (!c || c.a?.length !== RATIONAL_NUM || c.b?.length !== RATIONAL_DEN) {
    throw new DomainError(`${fn}: a rational unit needs a (6 numerator coefficients) and b (4 denominator coefficients)`);
  }
  for (let i = 0; i < RATIONAL_NUM; i++) if (!Number.isFinite(c.a[i]!)) throw new DomainError(`${fn}: a[${i}] is ${c.a[i]}`);
  for (let i = 0; i < RATIONAL_DEN; i++) if (!Number.isFinite(c.b[i]!)) throw new DomainError(`${fn}: b[${i}] is ${c.b[i]}`);
}

/**
 * KAT's rational unit in the safe form B (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024,
 * eq. for the "safe Padé activation"; the official CUDA/Triton kernel):
 * F(x) = P(x)/Q(x), P = Σ_{i=0..5} a_i x^i, Q = 1 + Σ_{i=1..4} |b_i| |x|^i.
 * Q ≥ 1 everywhere, so F has no poles. The paper's own form (A: 1 + |Σ b_i x^i|) and the grouped
 * torch form (C: 1 + Σ |b_i| x^i, which reaches 0 for x < 0) are not implemented; coefficients
 * are tied to their form (the published "gelu" set only fits GELU under form A). O(1).
 */
export function rational(x: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ax = Math.abs(x);
  // Horner in x for P, in |x| for Q - 1.
  const p = a[0]! + x * (a[1]! + x * (a[2]! + x * (a[3]! + x * (a[4]! + x * a[5]!))));
  const q = 1 + ax * (Math.abs(b[0]!) + ax * (Math.abs(b[1]!) + ax * (Math.abs(b[2]!) + ax * Math.abs(b[3]!))));
  return p / q;
}

/**
 * F and its analytic gradients for form B (KAT): ∂F/∂x = P'/Q − P Q'/Q², with
 * Q' = sign(x) Σ i |b_i| |x|^{i−1}; ∂F/∂a_i = x^i / Q; ∂F/∂b_i = −P/Q² sign(b_i) |x|^i.
 * At b_i = 0 the subgradient sign(0) = 0 is used (as the reference kernel does). O(1).
 */
export function rationalDerivatives(x: number, a: ArrayLike<number>, b: ArrayLike<number>): RationalDerivatives {
  const ax = Math.abs(x);
  const sx = Math.sign(x);
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
  let q = 1;
  let dq = 0;
  let axi = 1;
  for (let i = 1; i <= RATIONAL_DEN; i++) {
    const bi = Math.abs(b[i - 1]!);
    dq += i * bi * axi;
    axi *= ax;
    q += bi * axi;
  }
  dq *= sx;
  const inv = 1 / q;
  for (let i = 0; i < RATIONAL_NUM; i++) da[i]! *= inv;
  const db = new Float64Array(RATIONAL_DEN);
  const pq2 = p * inv * inv;
  axi = 1;
  for (let i = 1; i <= RATIONAL_DEN; i++) {
    axi *= ax;
    db[i - 1] = -pq2 * Math.sign(b[i - 1]!) * axi;
  }
  return { f: p * inv, dx: dp * inv - pq2 * dq, da, db };
}

/**
 * E_{z~N(0,1)}[F(z)²] by composite Simpson quadrature on [−12, 12] with a node at 0 (F is only
 * piecewise smooth there, through |x|), 4800 panels: accurate to ~1e-10 for the fitted units.
 */
export function rationalSecondMoment(c: RationalCoefficients): number {
  checkRationalCoefficients('rationalSecondMoment', c);
  const L = 12;
  const n = 4800;
  const h = (2 * L) / n;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const z = -L + k * h;
    const f = rational(z, c.a, c.b);
    const w = k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2;
    s += w * f * f * Math.exp(-0.5 * z * z);
  }
  return (s * h) / 3 / Math.sqrt(2 * Math.PI);
}

/**
 * KAT's variance-preserving gain: gain² = 1 / E_{z~N(0,1)}[F(z)²], so that a linear layer after
 * F initialised with W ~ N(0, gain²/fan_in) keeps unit activation variance (KAT, section on
 * variance-preserving initialization). Returns gain² (the code's constants: gelu 2.3568, swish
 * 2.8178, for its own coefficient sets).
 */
export function rationalGain(c: RationalCoefficients): number {
  return 1 / rationalSecondMoment(c);
}
