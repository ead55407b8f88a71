import type { Matrix } from '@x/gpu';

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
