import { DomainError } from '@x/gpu';
import { checkNonNegative, checkNumber, checkOneOf } from '@x/gpu/checks';

/** Activations with closed-form Gaussian expectations. */
export type KernelActivation = 'relu' | 'erf' | 'gelu';

/**
 * The two Gaussian expectations the wide-network recursions need, for (u, v) ~ N(0, [[k11,
 * k12],[k12, k22]]): `ephi = E[φ(u)φ(v)]` and `edphi = E[φ'(u)φ'(v)]`.
 *
 * - ReLU: the arc-cosine kernels of Cho & Saul (2009, eq. 6) of degree 1 and 0:
 *   `E[φφ] = √(k11 k22)(sin θ + (π−θ) cos θ)/(2π)`, `E[φ'φ'] = (π−θ)/(2π)`, with θ computed
 *   as `atan2(√(k11k22−k12²), k12)` for stability near θ = 0 (neural-tangents#180).
 * - erf: Williams (1997, eq. 11): `E[φφ] = (2/π) asin(2k12/√((1+2k11)(1+2k22)))`,
 *   `E[φ'φ'] = (4/π)/√((1+2k11)(1+2k22) − 4k12²)`.
 * - GELU `φ(x) = x Φ(x)`: the closed form of Tsuchida, Pearce, van der Heide, Roosta & Gallagher,
 *   "Avoiding Kernel Fixed Points: Computing with ELU and GELU Infinite Networks" (2021), with
 *   `Δ = √((1+k11)(1+k22) − k12²)` and `α = atan2(k12, Δ)`:
 *   `E[φφ] = k12/4 + (k12 α + (k12² + k11 k22 Δ²)/((1+k11)(1+k22) Δ))/(2π)`,
 *   `E[φ'φ'] = 1/4 + α/(2π) + k12 (1/Δ² + (1 − k11 k22)/((1+k11)(1+k22)) + 1)/(2π Δ)`
 *   (the form neural-tangents' `Gelu` uses; checked against 2-D Gauss–Hermite quadrature in
 *   tooling/fixtures/graph_init_stax.py).
 */
export function dualActivation(act: KernelActivation, k11: number, k22: number, k12: number): { ephi: number; edphi: number } {
  const fn = 'dualActivation';
  checkOneOf(fn, 'act', act, ['relu', 'erf', 'gelu'] as const);
  checkNonNegative(fn, 'k11', k11);
  checkNonNegative(fn, 'k22', k22);
  checkNumber(fn, 'k12', k12);
  return dualActivationRaw(act, k11, k22, k12);
}

/** {@link dualActivation} without argument checks (the kernel recursions' inner loop). */
export function dualActivationRaw(act: KernelActivation, k11: number, k22: number, k12: number): { ephi: number; edphi: number } {
  if (act === 'relu') {
    const s = Math.sqrt(k11 * k22);
    const theta = Math.atan2(Math.sqrt(Math.max(0, k11 * k22 - k12 * k12)), k12);
    const ephi = s === 0 ? 0 : (s * (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta))) / (2 * Math.PI);
    return { ephi, edphi: (Math.PI - theta) / (2 * Math.PI) };
  }
  if (act === 'erf') {
    const a = 1 + 2 * k11;
    const b = 1 + 2 * k22;
    const r = Math.max(-1, Math.min(1, (2 * k12) / Math.sqrt(a * b)));
    return { ephi: (2 / Math.PI) * Math.asin(r), edphi: 4 / Math.PI / Math.sqrt(Math.max(a * b - 4 * k12 * k12, 1e-300)) };
  }
  if (act === 'gelu') {
    const a1 = 1 + k11;
    const b1 = 1 + k22;
    const d2 = Math.max(a1 * b1 - k12 * k12, 1e-300);
    const d = Math.sqrt(d2);
    const alpha = Math.atan2(k12, d);
    const ephi = k12 / 4 + (k12 * alpha + (k12 * k12 + k11 * k22 * d2) / (a1 * b1 * d)) / (2 * Math.PI);
    const edphi = 0.25 + alpha / (2 * Math.PI) + (k12 * (1 / d2 + (1 - k11 * k22) / (a1 * b1) + 1)) / (2 * Math.PI * d);
    return { ephi, edphi };
  }
  throw new DomainError(`dualActivation: activation must be 'relu', 'erf' or 'gelu', got ${String(act)}`);
}
