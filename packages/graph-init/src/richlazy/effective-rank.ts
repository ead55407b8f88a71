import { DomainError, type Matrix } from '@x/gpu';
import { checkFinite, checkMatrix, checkVector } from '@x/gpu/checks';
import { effectiveRank } from '@x/linalg';

/**
 * Checks the spectrum here, so that errors name the function the user called (and an all-zero
 * spectrum, rank 0 in `@x/linalg`, is refused), then computes with `@x/linalg`'s `effectiveRank`.
 */
function spectrumRank(fn: string, s: ArrayLike<number>, kind: 'entropy' | 'participation'): number {
  checkVector(fn, 'singularValues', s);
  let top = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw new DomainError(`${fn}: singular values must be finite and >= 0, got ${v} at ${i}`);
    top = Math.max(top, v);
  }
  if (top === 0) throw new DomainError(`${fn}: all singular values are zero`);
  return effectiveRank(s, { kind });
}

/**
 * Entropy effective rank `exp(−Σ p_i log p_i)`, `p_i = σ_i/Σσ` (Roy & Vetterli, "The effective
 * rank", EUSIPCO 2007, Def. 1). Between 1 and the number of non-zero σ_i. Offered as a
 * documented measure for the rich/lazy experiments; the paper's official code sweeps the hard
 * rank and computes no effective rank (spec §8, verification notes). The p_i are formed from
 * σ_i/max σ, so the measure is the same at any scale (Σσ overflows near 1e308): `@x/linalg`'s
 * `effectiveRank` with kind `'entropy'`.
 */
export function entropyEffectiveRank(singularValues: ArrayLike<number>): number {
  return spectrumRank('entropyEffectiveRank', singularValues, 'entropy');
}

/**
 * Participation ratio `(Σσ²)²/Σσ⁴` of a spectrum, an alternative effective rank (spec §8a),
 * formed from σ/max σ (σ⁴ alone overflows past about 1e77 and underflows below 1e-81):
 * `@x/linalg`'s `effectiveRank` with kind `'participation'`.
 */
export function participationRatio(singularValues: ArrayLike<number>): number {
  return spectrumRank('participationRatio', singularValues, 'participation');
}

/**
 * Centered-free kernel alignment `⟨K0, K1⟩_F / (‖K0‖_F ‖K1‖_F)` (Cristianini et al. 2002), used
 * by the rich/lazy paper for tangent-kernel and representation alignment (spec §8a). 1 means
 * the kernel did not rotate (lazy); smaller is richer.
 */
export function kernelAlignment(k0: Matrix, k1: Matrix): number {
  checkMatrix('kernelAlignment', 'k0', k0);
  checkMatrix('kernelAlignment', 'k1', k1);
  checkFinite('kernelAlignment', 'k0', k0);
  checkFinite('kernelAlignment', 'k1', k1);
  if (k0.rows !== k1.rows || k0.cols !== k1.cols) throw new DomainError(`kernelAlignment: shapes ${k0.rows}x${k0.cols} and ${k1.rows}x${k1.cols} differ`);
  // Each kernel divided by its largest |entry| first: the measure is scale-free, and the sums of
  // squares of the raw entries over- or underflow past about 1e±154.
  let m0 = 0;
  let m1 = 0;
  for (let i = 0; i < k0.data.length; i++) {
    m0 = Math.max(m0, Math.abs(k0.data[i]!));
    m1 = Math.max(m1, Math.abs(k1.data[i]!));
  }
  if (m0 === 0 || m1 === 0) {
    throw new DomainError(`kernelAlignment: ${m0 === 0 ? 'k0' : 'k1'} is the zero kernel; the alignment <k0, k1> / (|k0| |k1|) is undefined`);
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < k0.data.length; i++) {
    const a = k0.data[i]! / m0;
    const b = k1.data[i]! / m1;
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return ab / Math.sqrt(aa) / Math.sqrt(bb);
}
