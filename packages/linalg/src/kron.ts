import { type Matrix, ShapeError } from '@x/gpu';
import { checkMatrix, checkReal } from './complex';

/**
 * Kronecker product kron(a, b) of an m1 x n1 and an m2 x n2 matrix: the (m1 m2) x (n1 n2) block
 * matrix whose block (i, j) is a[i, j] * b (numpy.kron). O(m1 n1 m2 n2) time and memory.
 * Mixed-product identity: kron(A, B) kron(C, D) = kron(A C, B D).
 * @returns a new float64 matrix.
 */
export function kron(a: Matrix, b: Matrix): Matrix<Float64Array> {
  checkMatrix('kron', 'a', a);
  checkMatrix('kron', 'b', b);
  const { rows: m1, cols: n1, data: ad } = a;
  const { rows: m2, cols: n2, data: bd } = b;
  const rows = m1 * m2;
  const cols = n1 * n2;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m1; i++) {
    for (let p = 0; p < m2; p++) {
      const rowOff = (i * m2 + p) * cols;
      for (let j = 0; j < n1; j++) {
        const aij = ad[i * n1 + j]!;
        const off = rowOff + j * n2;
        const bOff = p * n2;
        for (let q = 0; q < n2; q++) out[off + q] = aij * bd[bOff + q]!;
      }
    }
  }
  return { rows, cols, data: out };
}

/**
 * Kronecker matrix-vector product y = kron(a, b) x without forming the product: with X the
 * n1 x n2 row-major reshape of x, y is the row-major flattening of A X B^T (Van Loan 2000,
 * "The ubiquitous Kronecker product", eq. 4). O(m1 n1 n2 + m1 n2 m2) time instead of
 * O(m1 n1 m2 n2), and O(m1 n2) scratch.
 * @param x vector of length n1 n2; not mutated.
 * @returns a new Float64Array of length m1 m2.
 */
export function kronMatvec(a: Matrix, b: Matrix, x: ArrayLike<number>): Float64Array {
  checkMatrix('kronMatvec', 'a', a);
  checkMatrix('kronMatvec', 'b', b);
  const xv = checkReal('kronMatvec', 'x', x);
  const { rows: m1, cols: n1, data: ad } = a;
  const { rows: m2, cols: n2, data: bd } = b;
  if (xv.length !== n1 * n2) {
    throw new ShapeError(
      `kronMatvec: x has length ${xv.length}, expected ${n1 * n2} = ${n1}*${n2} for kron of ${m1}x${n1} and ${m2}x${n2}`,
    );
  }
  // T = A X (m1 x n2), then Y = T B^T (m1 x m2). Ordered this way T is the smaller scratch when
  // m1 <= n1; either order has the same asymptotic cost.
  const t = new Float64Array(m1 * n2);
  for (let i = 0; i < m1; i++) {
    const tOff = i * n2;
    for (let j = 0; j < n1; j++) {
      const aij = ad[i * n1 + j]!;
      if (aij === 0) continue;
      const xOff = j * n2;
      for (let q = 0; q < n2; q++) t[tOff + q] = t[tOff + q]! + aij * xv[xOff + q]!;
    }
  }
  const y = new Float64Array(m1 * m2);
  for (let i = 0; i < m1; i++) {
    const tOff = i * n2;
    for (let p = 0; p < m2; p++) {
      const bOff = p * n2;
      let s = 0;
      for (let q = 0; q < n2; q++) s += t[tOff + q]! * bd[bOff + q]!;
      y[i * m2 + p] = s;
    }
  }
  return y;
}
