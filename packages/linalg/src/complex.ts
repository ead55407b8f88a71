import { MAX_LENGTH, requireInt } from './checks';
import type { ComplexArray } from './complex-types';

export type { ComplexArray, ComplexMatrix } from './complex-types';

// The complex types of @x/linalg (fft, eig, butterflies, frames) and their helpers; @x/ssm uses them too.



/**
 * A zero complex vector of length n.
 * @throws DomainError unless n is an integer in [0, 2^26].
 */
export function complexZeros(n: number): ComplexArray {
  requireInt('complexZeros', 'n', n, 0, MAX_LENGTH);
  return { re: new Float64Array(n), im: new Float64Array(n) };
}

export { checkComplex, checkMatrix, checkReal, isComplexArray } from './checks';
