import { DomainError } from '@x/gpu';
import { checkNumber, checkOptions, checkSize, checkUnit } from '@x/gpu/checks';
import { cubicRoots } from './cubic';

function checkKD(fn: string, kappa: number, delta: number): void {
  if (!(kappa > 0) || !Number.isFinite(kappa)) throw new DomainError(`${fn}: kappa must be finite and > 0, got ${kappa}`);
  if (!(delta >= 0) || !Number.isFinite(delta)) throw new DomainError(`${fn}: delta must be finite and >= 0, got ${delta}`);
}

/**
 * Stieltjes transform `g(z) = ∫ρ(x)/(z − x) dx` at `z = x − i0` of the spectrum of
 * `Y = S + √Δ Z/√D`, with S = WWᵀ/√(mD) (W ∈ R^{D×m}, κ = m/D) and Z a GOE matrix (semicircle
 * on [−2, 2]): the root with the largest imaginary part of
 * `√a Δ g³ − (√a z + Δ) g² + (z + √a − 1/√a) g − 1 = 0`, a = 1/κ (Maillard, Troiani, Martin,
 * Krzakala & Zdeborová, "Bayes-optimal learning of an extensive-width neural network from
 * quadratically many samples", 2024; spec §9a). Returns `{ re, im }` with `im = πρ(x)`.
 */
export function wishartSemicircleStieltjes(x: number, kappa: number, delta: number): { re: number; im: number } {
  checkNumber('wishartSemicircleStieltjes', 'x', x);
  checkKD('wishartSemicircleStieltjes', kappa, delta);
  const sa = Math.sqrt(1 / kappa);
  const r = delta > 0 ? cubicRoots(sa * delta, -(sa * x + delta), x + sa - 1 / sa, -1) : quadratic(-sa * x, x + sa - 1 / sa, -1);
  let best = 0;
  for (let k = 1; k < r.length / 2; k++) if (r[2 * k + 1]! > r[2 * best + 1]!) best = k;
  // Outside the support the roots are real: pick the branch that decays like 1/x.
  if (r[2 * best + 1]! <= 1e-12) {
    let pick = 0;
    let err = Infinity;
    for (let k = 0; k < r.length / 2; k++) {
      const e = Math.abs(r[2 * k]! - 1 / x);
      if (e < err) {
        err = e;
        pick = k;
      }
    }
    return { re: r[2 * pick]!, im: 0 };
  }
  return { re: r[2 * best]!, im: r[2 * best + 1]! };
}

function quadratic(a: number, b: number, c: number): Float64Array {
  // Δ = 0: the cubic degenerates to a quadratic (Marchenko–Pastur); a = 0 only at x = 0.
  if (a === 0) return Float64Array.of(-c / b, 0);
  const disc = b * b - 4 * a * c;
  if (disc >= 0) {
    const s = Math.sqrt(disc);
    return Float64Array.of((-b + s) / (2 * a), 0, (-b - s) / (2 * a), 0);
  }
  const s = Math.sqrt(-disc) / (2 * Math.abs(a));
  return Float64Array.of(-b / (2 * a), s, -b / (2 * a), -s);
}

/** Spectral density ρ(x) = Im g(x − i0)/π of Wishart(κ) ⊞ semicircle(Δ) (see {@link wishartSemicircleStieltjes}). */
export function wishartSemicircleDensity(x: number, kappa: number, delta: number): number {
  checkNumber('wishartSemicircleDensity', 'x', x);
  checkKD('wishartSemicircleDensity', kappa, delta);
  return Math.max(wishartSemicircleStieltjes(x, kappa, delta).im, 0) / Math.PI;
}

/** A uniform grid covering the support of Wishart(κ) ⊞ semicircle(Δ), with the density on it. */
export interface SpectralGrid {
  x: Float64Array;
  rho: Float64Array;
  /** Real part of g on the grid. */
  gRe: Float64Array;
  dx: number;
}

/**
 * Tabulates ρ and Re g on `points` (default 3000) uniform points over
 * `[−2√Δ − 0.3, √κ(1 + 1/√κ)² + 2√Δ + 0.3]` (S is PSD with top edge √κ(1 + √(1/κ))²).
 */
export function spectralGrid(kappa: number, delta: number, points = 3000): SpectralGrid {
  checkKD('spectralGrid', kappa, delta);
  checkSize('spectralGrid', 'points', points, 2);
  const sd = 2 * Math.sqrt(delta);
  const lo = -sd - 0.3;
  const hi = Math.sqrt(kappa) * (1 + 1 / Math.sqrt(kappa)) ** 2 + sd + 0.3;
  const x = new Float64Array(points);
  const rho = new Float64Array(points);
  const gRe = new Float64Array(points);
  const dx = (hi - lo) / (points - 1);
  for (let i = 0; i < points; i++) {
    x[i] = lo + i * dx;
    const g = wishartSemicircleStieltjes(x[i]!, kappa, delta);
    rho[i] = Math.max(g.im, 0) / Math.PI;
    gRe[i] = g.re;
  }
  return { x, rho, gRe, dx };
}

/**
 * Closed-form MMSE of denoising `Y = S + √Δ Z` with the rotation-invariant estimator:
 * `Δ − (4π²/3) Δ² ∫ρ_Y³` (Bun, Bouchaud & Potters 2017; spec §9a), ρ_Y on a `points` grid.
 */
export function denoisingMmse(kappa: number, delta: number, points = 3000): number {
  checkSize('denoisingMmse', 'points', points, 2);
  const g = spectralGrid(kappa, delta, points);
  let s = 0;
  for (let i = 0; i < points; i++) s += g.rho[i]! ** 3;
  return delta - ((4 * Math.PI * Math.PI) / 3) * delta * delta * s * g.dx;
}

/**
 * Bayes-optimal generalisation-free error of learning `S* = WWᵀ/√m` from n = αD² samples
 * `y = Tr[(xxᵀ − I)S*]/D + √Δ ξ` (Maillard et al. 2024, main theorem; spec §9a): solve
 * `(4π²/(3q̂)) ∫ρ_{1/q̂}³ − Δq̂/2 = 1 − 2α` for q̂ (bisection in log q̂), then
 * `MMSE = 2α/q̂ − Δ/2`, where ρ_{σ²} is Wishart(κ) ⊞ semicircle(σ²). MMSE(α → 0) = 1; in the
 * noiseless case it reaches 0 at α_PR = κ − κ²/2 (κ < 1) or ½ (κ ≥ 1).
 * @throws DomainError for α outside (0, 1) or bad κ, Δ.
 */
export function bayesOptimalMmse(alpha: number, kappa: number, delta: number, opts: { points?: number } = {}): { mmse: number; qHat: number } {
  checkKD('bayesOptimalMmse', kappa, delta);
  checkUnit('bayesOptimalMmse', 'alpha', alpha, 0, 1, '()');
  checkOptions('bayesOptimalMmse', opts, ['points']);
  const points = checkSize('bayesOptimalMmse', 'points', opts.points ?? 3000, 2);
  const f = (q: number) => {
    const g = spectralGrid(kappa, 1 / q, points);
    let s = 0;
    for (let i = 0; i < points; i++) s += g.rho[i]! ** 3;
    return ((4 * Math.PI * Math.PI) / (3 * q)) * s * g.dx - (delta * q) / 2 - (1 - 2 * alpha);
  };
  let lo = Math.log(1e-3);
  let hi = Math.log(1e4);
  let flo = f(Math.exp(lo));
  for (let it = 0; it < 50; it++) {
    const mid = (lo + hi) / 2;
    const fm = f(Math.exp(mid));
    if (fm > 0 === flo > 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  const q = Math.exp((lo + hi) / 2);
  return { mmse: (2 * alpha) / q - delta / 2, qHat: q };
}
