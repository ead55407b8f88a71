import type { Matrix } from '@x/gpu';
import { MAX_LENGTH, requireInt } from './checks';

// The complex types of @x/linalg (fft, eig, butterflies, frames) and their helpers; @x/ssm uses them too.

/**
 * A complex vector stored split: element k is `re[k] + i im[k]`. Both arrays have the same length.
 * Split storage (not interleaved) so real-only code can read `re` directly.
 */
export interface ComplexArray {
  re: Float64Array;
  im: Float64Array;
}

/**
 * A complex matrix stored as two real row-major matrices of the same shape:
 * element (i, j) is `re.data[i * cols + j] + i im.data[i * cols + j]`.
 */
export interface ComplexMatrix {
  re: Matrix;
  im: Matrix;
}

/**
 * A zero complex vector of length n.
 * @throws DomainError unless n is an integer in [0, 2^26].
 */
export function complexZeros(n: number): ComplexArray {
  requireInt('complexZeros', 'n', n, 0, MAX_LENGTH);
  return { re: new Float64Array(n), im: new Float64Array(n) };
}

export { checkComplex, checkMatrix, checkReal, isComplexArray } from './checks';
