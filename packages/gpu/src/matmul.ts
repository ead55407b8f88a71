import { checkBoolean, checkOptions } from './checks';
import { matmulShape } from './device/validate';
import { ShapeError } from './errors';
import { checkRoute, gemmRun } from './gemm';
import { alloc, assertMatrix, type DType, dtypeOf, type Matrix } from './matrix';
import type { GramOptions, MatmulOptions } from './matmul-options';

export type { GramOptions, MatmulOptions } from './matmul-options';

const MATMUL_KEYS = ['transA', 'transB', 'out', 'accumulate', 'backend'];


/** Result dtype of a binary op: float32 only when both operands are float32. */
export function resultDtype(a: Matrix, b: Matrix): DType {
  assertMatrix('resultDtype', 'a', a);
  assertMatrix('resultDtype', 'b', b);
  return dtypeOf(a) === 'float32' && dtypeOf(b) === 'float32' ? 'float32' : 'float64';
}

/**
 * Matrix product op(A) * op(B), where op is identity or transpose per `transA`/`transB`.
 * Cache-blocked, register-tiled GEMM; O(m n k). The result is float32 only when both inputs are
 * float32. float64 results are the same on both routes; float32 operands accumulate in float64
 * on the js route and in float32 on the wasm route (relative error ~ sqrt(k) 2^-24).
 * @throws ShapeError when the inner dimensions differ; the message contains both shapes.
 */
export function matmul(a: Matrix, b: Matrix, opts: MatmulOptions = {}): Matrix {
  assertMatrix('matmul', 'a', a);
  assertMatrix('matmul', 'b', b);
  checkOptions('matmul', opts, MATMUL_KEYS);
  const { transA = false, transB = false } = opts;
  checkBoolean('matmul', 'transA', transA);
  checkBoolean('matmul', 'transB', transB);
  checkRoute('matmul', opts.backend);
  const { m, n, k } = matmulShape(a, b, transA, transB);
  let out = opts.out;
  if (out !== undefined) {
    assertMatrix('matmul', 'out', out);
    if (out.rows !== m || out.cols !== n) {
      throw new ShapeError(`matmul: out is ${out.rows}x${out.cols}, expected ${m}x${n} for a ${a.rows}x${a.cols} by b ${b.rows}x${b.cols}`);
    }
    if (out.data.buffer === a.data.buffer || out.data.buffer === b.data.buffer) {
      throw new ShapeError('matmul: out must not share storage with a or b');
    }
    if (!opts.accumulate) out.data.fill(0);
  } else {
    if (opts.accumulate) throw new ShapeError('matmul: accumulate needs an out matrix to accumulate into');
    out = { rows: m, cols: n, data: alloc(resultDtype(a, b), m * n) };
  }
  // The operands are valid by construction (checked above): the unchecked entry. Unless
  // accumulating, out now holds only zeros, which spares the wasm route copying it in.
  gemmRun(
    m,
    n,
    k,
    { data: a.data, off: 0, rs: transA ? 1 : a.cols, cs: transA ? a.cols : 1 },
    { data: b.data, off: 0, rs: transB ? 1 : b.cols, cs: transB ? b.cols : 1 },
    out.data,
    n,
    false,
    opts.backend,
    !opts.accumulate,
  );
  return out;
}


/**
 * The Gram matrix AᵀA (or AAᵀ with `outer`), exactly symmetric. Computes only the upper
 * triangle's tiles with the blocked GEMM and mirrors it: about half the flops of matmul.
 */
export function gram(a: Matrix, opts: GramOptions = {}): Matrix {
  assertMatrix('gram', 'a', a);
  checkOptions('gram', opts, ['outer', 'backend']);
  const outer = checkBoolean('gram', 'outer', opts.outer ?? false);
  checkRoute('gram', opts.backend);
  const n = outer ? a.rows : a.cols;
  const k = outer ? a.cols : a.rows;
  const dtype = dtypeOf(a);
  const c = alloc(dtype, n * n);
  const op = outer
    ? { A: { data: a.data, off: 0, rs: a.cols, cs: 1 }, B: { data: a.data, off: 0, rs: 1, cs: a.cols } }
    : { A: { data: a.data, off: 0, rs: 1, cs: a.cols }, B: { data: a.data, off: 0, rs: a.cols, cs: 1 } };
  gemmRun(n, n, k, op.A, op.B, c, n, true, opts.backend, true);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) c[j * n + i] = c[i * n + j]!;
  }
  return { rows: n, cols: n, data: c };
}
