import { DomainError, type Matrix } from '@x/gpu';
import { checkFinite, checkMatrix, checkVector } from '@x/gpu/checks';

function checkSpectrum(fn: string, s: ArrayLike<number>): number {
  checkVector(fn, 'singularValues', s);
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw new DomainError(`${fn}: singular values must be finite and >= 0, got ${v} at ${i}`);
    total += v;
  }
  if (total === 0) throw new DomainError(`${fn}: all singular values are zero`);
  return total;
}

/**
 * Entropy effective rank `exp(−Σ p_i log p_i)`, `p_i = σ_i/Σσ` (Roy & Vetterli, "The effective
 * rank", EUSIPCO 2007, Def. 1). Between 1 and the number of non-zero σ_i. Offered as a
 * documented measure for the rich/lazy experiments; the paper's official code sweeps the hard
 * rank and computes no effective rank (spec §8, verification notes).
 */
export function entropyEffectiveRank(singularValues: ArrayLike<number>): number {
  const total = checkSpectrum('entropyEffectiveRank', singularValues);
  let h = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const p = singularValues[i]! / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Participation ratio `(Σσ²)²/Σσ⁴` of a spectrum, an alternative effective rank (spec §8a). */
export function participationRatio(singularValues: ArrayLike<number>): number {
  checkSpectrum('participationRatio', singularValues);
  let s2 = 0;
  let s4 = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const v = singularValues[i]! ** 2;
    s2 += v;
    s4 += v * v;
  }
  return (s2 * s2) / s4;
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
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < k0.data.length; i++) {
    ab += k0.data[i]! * k1.data[i]!;
    aa += k0.data[i]! ** 2;
    bb += k1.data[i]! ** 2;
  }
  if (aa === 0 || bb === 0) {
    throw new DomainError(`kernelAlignment: ${aa === 0 ? 'k0' : 'k1'} is the zero kernel; the alignment <k0, k1> / (|k0| |k1|) is undefined`);
  }
  // Scaled so that huge kernels do not overflow the product of the squared norms.
  return ab / Math.sqrt(aa) / Math.sqrt(bb);
}
