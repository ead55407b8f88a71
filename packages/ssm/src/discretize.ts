import { complexZeros } from '@x/linalg';
import { DomainError } from '@x/gpu';
import { type ComplexArray, checkComplexArray, checkPositive } from './complex';

/** Discretization rule of a diagonal SSM (S4D paper, Sec. 2.3 and Appendix A). */
export type S4DDisc = 'zoh' | 'bilinear' | 'dss';

/** Parameters of a diagonal SSM with N/2 conjugate-pair modes: x' = A x + B u, y = 2 Re(C x). */
export interface S4DParams {
  A: ComplexArray;
  B: ComplexArray;
  C: ComplexArray;
  /** Step size Delta > 0. */
  dt: number;
}

/** Validates diagonal SSM parameters; returns the number of modes. */
export function checkS4DParams(fn: string, p: S4DParams): number {
  if (!p || typeof p !== 'object') throw new DomainError(`${fn}: params must be { A, B, C, dt }`);
  checkComplexArray(fn, 'A', p.A);
  const n = p.A.re.length;
  checkComplexArray(fn, 'B', p.B, n);
  checkComplexArray(fn, 'C', p.C, n);
  checkPositive(fn, 'dt', p.dt);
  return n;
}

/** Returns `disc` if it names a supported discretization, else throws a DomainError. */
export function checkDisc(fn: string, disc: unknown, allowDss: boolean): S4DDisc {
  if (disc === 'zoh' || disc === 'bilinear' || (allowDss && disc === 'dss')) return disc;
  throw new DomainError(`${fn}: unknown disc "${String(disc)}"; expected 'zoh' | 'bilinear'${allowDss ? " | 'dss'" : ''}`);
}

/**
 * Discretizes a diagonal SSM mode-wise (S4D paper, eq. (4) and Appendix A):
 * - ZOH:      dA = exp(dt A),                dB = (exp(dt A) - 1) / A * B;
 * - bilinear: dA = (1 + dt A/2)/(1 - dt A/2), dB = dt / (1 - dt A/2) * B
 *   (state-spaces/s4 convention: C is left unchanged).
 * The recurrence x_k = dA x_{k-1} + dB u_k, y_k = 2 Re(C x_k) then has the kernel of
 * {@link s4dKernel}. O(N). Near A = 0 the ZOH factor uses its series ((exp(dt A) - 1)/A -> dt).
 * @throws ShapeError/DomainError on malformed or non-finite parameters, dt <= 0, unknown disc.
 */
export function s4dDiscretize(
  params: Pick<S4DParams, 'A' | 'B' | 'dt'>,
  disc: 'zoh' | 'bilinear' = 'zoh',
): { dA: ComplexArray; dB: ComplexArray } {
  const fn = 's4dDiscretize';
  if (!params || typeof params !== 'object') throw new DomainError(`${fn}: params must be { A, B, dt }`);
  checkComplexArray(fn, 'A', params.A);
  const n = params.A.re.length;
  checkComplexArray(fn, 'B', params.B, n);
  // C is not used here, but a params object that carries one must carry a consistent one.
  if ((params as Partial<S4DParams>).C !== undefined) checkComplexArray(fn, 'C', (params as Partial<S4DParams>).C, n);
  checkPositive(fn, 'dt', params.dt);
  checkDisc(fn, disc, false);
  const { A, B, dt } = params;
  const dA = complexZeros(n);
  const dB = complexZeros(n);
  for (let i = 0; i < n; i++) {
    const ar = A.re[i]!;
    const ai = A.im[i]!;
    let fr: number;
    let fi: number;
    if (disc === 'zoh') {
      const m = Math.exp(dt * ar);
      const er = m * Math.cos(dt * ai);
      const ei = m * Math.sin(dt * ai);
      dA.re[i] = er;
      dA.im[i] = ei;
      ({ fr, fi } = zohFactor(ar, ai, dt, er, ei));
    } else {
      if (1 - (dt * ar) / 2 === 0 && (dt * ai) / 2 === 0) throw new DomainError(`s4dDiscretize: bilinear pole at dt A_${i} = 2 (1 - dt A/2 = 0)`);
      const b = bilinearFactor(ar, ai, dt);
      dA.re[i] = b.zr;
      dA.im[i] = b.zi;
      fr = b.fr;
      fi = b.fi;
    }
    const br = B.re[i]!;
    const bi = B.im[i]!;
    dB.re[i] = fr * br - fi * bi;
    dB.im[i] = fr * bi + fi * br;
  }
  return { dA, dB };
}

/**
 * (exp(dt a) - 1) / a for complex a, given e = exp(dt a); uses a series near a = 0, where the
 * quotient cancels catastrophically.
 */
export function zohFactor(ar: number, ai: number, dt: number, er: number, ei: number): { fr: number; fi: number } {
  const zr = dt * ar;
  const zi = dt * ai;
  if (zr * zr + zi * zi < 1e-8) {
    // dt (1 + z/2 + z²/6 + z³/24)
    const z2r = zr * zr - zi * zi;
    const z2i = 2 * zr * zi;
    const z3r = z2r * zr - z2i * zi;
    const z3i = z2r * zi + z2i * zr;
    return { fr: dt * (1 + zr / 2 + z2r / 6 + z3r / 24), fi: dt * (zi / 2 + z2i / 6 + z3i / 24) };
  }
  const nr = er - 1;
  const ni = ei;
  const den = ar * ar + ai * ai;
  return { fr: (nr * ar + ni * ai) / den, fi: (ni * ar - nr * ai) / den };
}

/**
 * The bilinear discretization of one mode a (complex): q⁻¹ = 1/(1 - dt a/2), the pole
 * z = (1 + dt a/2) q⁻¹ and the input factor f = dt q⁻¹ (dB = f B). At dt a = 2 the values are
 * not finite (callers that allow it check).
 */
export function bilinearFactor(ar: number, ai: number, dt: number): { zr: number; zi: number; fr: number; fi: number; qr: number; qi: number } {
  const dr = 1 - (dt * ar) / 2;
  const di = -(dt * ai) / 2;
  const den = dr * dr + di * di;
  const qr = dr / den;
  const qi = -di / den;
  const nr = 1 + (dt * ar) / 2;
  const ni = (dt * ai) / 2;
  return { zr: nr * qr - ni * qi, zi: nr * qi + ni * qr, fr: dt * qr, fi: dt * qi, qr, qi };
}
