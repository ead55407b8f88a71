import { DomainError } from '@x/gpu';
import { checkNonNegative, checkNumber, checkOneOf } from '@x/gpu/checks';

/** Activations with closed-form Gaussian expectations. */
export type KernelActivation = 'relu' | 'erf';

/**
 * The two Gaussian expectations the wide-network recursions need, for (u, v) ~ N(0, [[k11,
 * k12],[k12, k22]]): `ephi = E[φ(u)φ(v)]` and `edphi = E[φ'(u)φ'(v)]`.
 *
 * - ReLU: the arc-cosine kernels of Cho & Saul (2009, eq. 6) of degree 1 and 0:
 *   `E[φφ] = √(k11 k22)(sin θ + (π−θ) cos θ)/(2π)`, `E[φ'φ'] = (π−θ)/(2π)`, with θ computed
 *   as `atan2(√(k11k22−k12²), k12)` for stability near θ = 0 (neural-tangents#180).
 * - erf: Williams (1997, eq. 11): `E[φφ] = (2/π) asin(2k12/√((1+2k11)(1+2k22)))`,
 *   `E[φ'φ'] = (4/π)/√((1+2k11)(1+2k22) − 4k12²)`.
 */
export function dualActivation(act: KernelActivation, k11: number, k22: number, k12: number): { ephi: number; edphi: number } {
  const fn = 'dualActivation';
  checkOneOf(fn, 'act', act, ['relu', 'erf'] as const);
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
  throw new DomainError(`dualActivation: activation must be 'relu' or 'erf', got ${String(act)}`);
}
