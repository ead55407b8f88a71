import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkBoolean, checkFinite, checkOptions, checkSize, describe } from '@x/gpu/checks';

/**
 * Throws unless `a` is a well-formed {@link Csr}: `n` an integer in [0, 2^28], `indptr` an
 * Int32Array of length n + 1 starting at 0 and non-decreasing, `indices`/`values` of length
 * indptr[n] with column ids in [0, n) and finite values. O(n + nnz); checked where a CSR enters
 * (a CSR claiming n = 1e9 with short arrays is refused before anything is allocated).
 */
export function checkCsr(fn: string, name: string, a: unknown): Csr {
  if (a === null || typeof a !== 'object') throw new ShapeError(`${fn}: ${name} must be a Csr { n, indptr, indices, values }, got ${describe(a)}`);
  const c = a as Partial<Csr>;
  const n = checkSize(fn, `${name}.n`, c.n);
  if (!(c.indptr instanceof Int32Array) || !(c.indices instanceof Int32Array) || !(c.values instanceof Float64Array)) {
    throw new ShapeError(`${fn}: ${name} must have Int32Array indptr and indices and a Float64Array values`);
  }
  const { indptr, indices, values } = c;
  if (indptr.length !== n + 1) throw new ShapeError(`${fn}: ${name}.indptr has length ${indptr.length}, expected n + 1 = ${n + 1}`);
  if (indptr[0] !== 0) throw new DomainError(`${fn}: ${name}.indptr[0] is ${indptr[0]}, expected 0`);
  for (let i = 0; i < n; i++) {
    if (indptr[i + 1]! < indptr[i]!) throw new DomainError(`${fn}: ${name}.indptr decreases at ${i + 1} (${indptr[i]} > ${indptr[i + 1]})`);
  }
  const nnz = indptr[n]!;
  if (indices.length !== nnz || values.length !== nnz) {
    throw new ShapeError(`${fn}: ${name} has ${indices.length} indices and ${values.length} values, expected indptr[n] = ${nnz}`);
  }
  for (let p = 0; p < nnz; p++) {
    const j = indices[p]!;
    if (j < 0 || j >= n) throw new DomainError(`${fn}: ${name}.indices[${p}] is ${j}, outside [0, ${n})`);
  }
  checkFinite(fn, `${name}.values`, values);
  return c as Csr;
}

/**
 * A sparse square matrix in compressed sparse row form: row i's non-zeros are
 * `values[indptr[i]..indptr[i+1]]` at columns `indices[...]` (sorted ascending, no duplicates).
 */
export interface Csr {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** An undirected or directed edge list: `src[k] -> dst[k]`, node ids in `[0, n)`. */
export interface EdgeList {
  readonly n: number;
  readonly src: Int32Array;
  readonly dst: Int32Array;
}

/** Options of {@link edgesToCsr}. */
export interface EdgesToCsrOptions {
  /** Also insert every edge reversed (default true: undirected graphs). */
  symmetric?: boolean;
  /** Edge weights (default all 1). Duplicate edges are merged by summing their weights. */
  weights?: ArrayLike<number>;
  /** Drop `i -> i` edges (default true; self-loops are added explicitly by {@link normalizedAdjacency}). */
  dropSelfLoops?: boolean;
}

/**
 * Builds the n x n adjacency matrix of an edge list in CSR form. O(E log deg).
 * Duplicate edges are merged (weights summed, so a repeated unweighted edge counts twice).
 * @throws DomainError for node ids outside [0, n) or non-finite weights; ShapeError when
 * `src`/`dst`/`weights` lengths differ.
 */
export function edgesToCsr(edges: EdgeList, opts: EdgesToCsrOptions = {}): Csr {
  if (edges === null || typeof edges !== 'object') throw new ShapeError(`edgesToCsr: edges must be { n, src, dst }, got ${describe(edges)}`);
  opts = checkOptions('edgesToCsr', opts, ['symmetric', 'weights', 'dropSelfLoops']);
  const { n, src, dst } = edges;
  const symmetric = checkBoolean('edgesToCsr', 'symmetric', opts.symmetric ?? true);
  const dropSelf = checkBoolean('edgesToCsr', 'dropSelfLoops', opts.dropSelfLoops ?? true);
  checkSize('edgesToCsr', 'n', n);
  if (!(src instanceof Int32Array) || !(dst instanceof Int32Array)) throw new ShapeError('edgesToCsr: src and dst must be Int32Arrays');
  if (src.length !== dst.length) throw new ShapeError(`edgesToCsr: src has ${src.length} entries, dst has ${dst.length}`);
  const w = opts.weights;
  if (w && w.length !== src.length) throw new ShapeError(`edgesToCsr: weights has ${w.length} entries, expected ${src.length}`);
  const m = src.length;
  for (let k = 0; k < m; k++) {
    const a = src[k]!;
    const b = dst[k]!;
    if (a < 0 || a >= n || b < 0 || b >= n || !Number.isInteger(a) || !Number.isInteger(b)) {
      throw new DomainError(`edgesToCsr: edge ${k} (${a} -> ${b}) has a node id outside [0, ${n})`);
    }
    if (w && !Number.isFinite(w[k]!)) throw new DomainError(`edgesToCsr: weight ${k} is ${w[k]}`);
  }
  const count = new Int32Array(n + 1);
  const push = (a: number, b: number): boolean => !(dropSelf && a === b);
  for (let k = 0; k < m; k++) {
    const a = src[k]!;
    const b = dst[k]!;
    if (!push(a, b)) continue;
    count[a + 1]!++;
    if (symmetric && a !== b) count[b + 1]!++;
  }
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const total = count[n]!;
  const cols = new Int32Array(total);
  const vals = new Float64Array(total);
  const fill = count.slice(0, n);
  for (let k = 0; k < m; k++) {
    const a = src[k]!;
    const b = dst[k]!;
    if (!push(a, b)) continue;
    const wk = w ? w[k]! : 1;
    let p = fill[a]!++;
    cols[p] = b;
    vals[p] = wk;
    if (symmetric && a !== b) {
      p = fill[b]!++;
      cols[p] = a;
      vals[p] = wk;
    }
  }
  // Sort each row by column and merge duplicates.
  const indptr = new Int32Array(n + 1);
  const outCols: number[] = [];
  const outVals: number[] = [];
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const lo = count[i]!;
    const hi = count[i + 1]!;
    order.length = 0;
    for (let p = lo; p < hi; p++) order.push(p);
    order.sort((x, y) => cols[x]! - cols[y]!);
    let last = -1;
    for (const p of order) {
      const c = cols[p]!;
      if (c === last) outVals[outVals.length - 1]! += vals[p]!;
      else {
        outCols.push(c);
        outVals.push(vals[p]!);
        last = c;
      }
    }
    indptr[i + 1] = outCols.length;
  }
  return { n, indptr, indices: Int32Array.from(outCols), values: Float64Array.from(outVals) };
}

/** Number of stored non-zeros. */
export function csrNnz(a: Csr): number {
  checkCsr('csrNnz', 'a', a);
  return a.indptr[a.n]!;
}

/** Row sums (weighted degrees) of a CSR matrix. O(nnz). */
export function csrRowSums(a: Csr): Float64Array {
  checkCsr('csrRowSums', 'a', a);
  const d = new Float64Array(a.n);
  for (let i = 0; i < a.n; i++) {
    let s = 0;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) s += a.values[p]!;
    d[i] = s;
  }
  return d;
}

/** Dense n x n copy (tests and small graphs). */
export function csrToDense(a: Csr): Matrix<Float64Array> {
  checkCsr('csrToDense', 'a', a);
  checkAlloc('csrToDense', 'the dense matrix', a.n, a.n);
  const out = new Float64Array(a.n * a.n);
  for (let i = 0; i < a.n; i++) {
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) out[i * a.n + a.indices[p]!] += a.values[p]!;
  }
  return { rows: a.n, cols: a.n, data: out };
}

/** Transpose of a CSR matrix (also CSR, rows sorted). O(nnz + n). */
export function csrTranspose(a: Csr): Csr {
  checkCsr('csrTranspose', 'a', a);
  const { n } = a;
  const nnz = a.indptr[n]!;
  const indptr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) indptr[a.indices[p]! + 1]!++;
  for (let i = 0; i < n; i++) indptr[i + 1]! += indptr[i]!;
  const fill = indptr.slice(0, n);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const q = fill[a.indices[p]!]!++;
      indices[q] = i;
      values[q] = a.values[p]!;
    }
  }
  return { n, indptr, indices, values };
}

/**
 * Sparse times dense: `A X` (n x n by n x k), O(nnz k). The result is float64.
 * @throws ShapeError when `x.rows != n`.
 */
export function spmm(a: Csr, x: Matrix): Matrix<Float64Array> {
  checkCsr('spmm', 'a', a);
  assertMatrix('spmm', 'x', x);
  if (x.rows !== a.n) throw new ShapeError(`spmm: A is ${a.n}x${a.n}, x is ${x.rows}x${x.cols}`);
  return spmmInto(a, x, new Float64Array(a.n * x.cols));
}

/**
 * {@link spmm} on checked operands into `out` (length n·x.cols, not sharing storage with x),
 * which it overwrites; returns it as an n x x.cols matrix. Internal: the layers' preallocated path.
 */
export function spmmInto(a: Csr, x: Matrix, out: Float64Array): Matrix<Float64Array> {
  const k = x.cols;
  const xd = x.data;
  out.fill(0);
  for (let i = 0; i < a.n; i++) {
    const oi = i * k;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const v = a.values[p]!;
      const oj = a.indices[p]! * k;
      for (let c = 0; c < k; c++) out[oi + c]! += v * xd[oj + c]!;
    }
  }
  return { rows: a.n, cols: k, data: out };
}

/** Sparse matrix-vector product `A x`. O(nnz). */
export function spmv(a: Csr, x: ArrayLike<number>): Float64Array {
  checkCsr('spmv', 'a', a);
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new ShapeError(`spmv: x must be an array of numbers, got ${describe(x)}`);
  }
  if (x.length !== a.n) throw new ShapeError(`spmv: A is ${a.n}x${a.n}, x has length ${x.length}`);
  const out = new Float64Array(a.n);
  for (let i = 0; i < a.n; i++) {
    let s = 0;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) s += a.values[p]! * x[a.indices[p]!]!;
    out[i] = s;
  }
  return out;
}
