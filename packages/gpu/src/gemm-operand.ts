/** A strided GEMM operand: storage, offset and row/column strides (element (i, p) is `data[off + i * rs + p * cs]`). */
export interface GemmOperand {
  data: Float64Array | Float32Array;
  off: number;
  rs: number;
  cs: number;
}
