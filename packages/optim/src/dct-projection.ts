import { assertFinite, assertMatrix, DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { checkInt, checkOneOf, checkOptions } from '@x/gpu/checks';
import { dctCols, dctMatrix, dctRows } from '@x/linalg';
import { checkRank } from './validate';

/** Options of {@link dctProjection}. */
export interface DctProjectionOptions {
  /** Score columns by their l1 norm (1, the paper's default) or l2 norm (2, optimal for a fixed basis). */
  norm?: 1 | 2;
  /** 'right' (default when rows >= cols): select columns of G Q; 'left': select rows of Qᵀ G. */
  side?: 'right' | 'left';
}

/** Result of {@link dctProjection}. */
export interface DctProjection {
  /** The r selected DCT frequencies, ascending. */
  indices: Int32Array;
  /** right: rows x r, the selected columns of S = G Q; left: r x cols, the selected rows of S = Qᵀ G. */
  projected: Matrix<Float64Array>;
  side: 'right' | 'left';
}

const cache = new Map<number, Matrix<Float64Array>>();

/** dctMatrix(n), memoized (a few sizes at a time). */
export function cachedDct(n: number): Matrix<Float64Array> {
  let c = cache.get(n);
  if (!c) {
    c = dctMatrix(n);
    if (cache.size >= 16) cache.delete(cache.keys().next().value as number);
    cache.set(n, c);
  }
  return c;
}

/**
 * Picks the r indices with the largest scores; ties go to the lower index. Returned ascending
 * (a stable slot order, so moments stay attached to frequencies across steps when the set is stable).
 */
export function topIndices(scores: Float64Array, r: number): Int32Array {
  const order = Array.from(scores.keys());
  order.sort((i, j) => scores[j]! - scores[i]! || i - j);
  const idx = Int32Array.from(order.slice(0, r));
  idx.sort();
  return idx;
}

/**
 * Dynamic column selection of the SVD-free optimizer (Modoranu et al., "SVD-Free Low-Rank
 * Adaptive Gradient Optimization for Large Language Models", arXiv 2505.17967, sec. 3): with the
 * fixed orthonormal DCT basis Q = dctMatrix(n)ᵀ, S = G Q (right; S = Qᵀ G for left), score each
 * column (row) by its l1 (the paper) or l2 norm and keep the r best. Only the indices need to
 * be stored: Q is recomputed from n. For an orthonormal Q, ||G Q_I||_F² = Σ_{j∈I} ||S_j||², so
 * l2 selection is the exact optimum over column subsets of Q; l1 is the paper's heuristic.
 *
 * Shapes: G m x n; right: projected m x r, indices in [0, n); left: projected r x n, indices in
 * [0, m). Complexity: O(m n log n) with the fast DCT of @x/linalg, plus O(n log n) for the sort.
 * @throws ShapeError when G is not a Matrix; DomainError on NaN/Infinity, a bad norm or side,
 * or r outside [1, n] (right) / [1, m] (left).
 */
export function dctProjection(G: Matrix, r: number, opts: DctProjectionOptions = {}): DctProjection {
  assertMatrix('dctProjection', 'G', G);
  assertFinite('dctProjection', 'G', G);
  checkOptions('dctProjection', opts, ['norm', 'side']);
  const norm = opts.norm ?? 1;
  if (norm !== 1 && norm !== 2) throw new DomainError(`dctProjection: norm must be 1 or 2, got ${String(norm)}`);
  const side = opts.side ?? (G.rows >= G.cols ? 'right' : 'left');
  if (side !== 'right' && side !== 'left') throw new DomainError(`dctProjection: side must be 'right' or 'left', got ${String(side)}`);
  const m = G.rows;
  const n = G.cols;
  const size = side === 'right' ? n : m;
  checkRank('dctProjection', r, m, n, size);
  const S = side === 'right' ? dctRows(G, { norm: 'ortho' }) : dctCols(G, { norm: 'ortho' });
  const scores = new Float64Array(size);
  const d = S.data;
  if (side === 'right') {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) scores[j] += norm === 1 ? Math.abs(d[i * n + j]!) : d[i * n + j]! * d[i * n + j]!;
    }
  } else {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += norm === 1 ? Math.abs(d[i * n + j]!) : d[i * n + j]! * d[i * n + j]!;
      scores[i] = s;
    }
  }
  const indices = topIndices(scores, r);
  if (side === 'right') {
    const out = new Float64Array(m * r);
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) out[i * r + k] = d[i * n + indices[k]!]!;
    return { indices, projected: { rows: m, cols: r, data: out }, side };
  }
  const out = new Float64Array(r * n);
  for (let k = 0; k < r; k++) out.set(d.subarray(indices[k]! * n, (indices[k]! + 1) * n), k * n);
  return { indices, projected: { rows: r, cols: n, data: out }, side };
}

/** Throws unless `indices` is an Int32Array of indices in [0, size). */
function checkIndices(fn: string, size: number, indices: unknown): asserts indices is Int32Array {
  if (!(indices instanceof Int32Array)) throw new ShapeError(`${fn}: indices must be an Int32Array`);
  for (let k = 0; k < indices.length; k++) {
    const v = indices[k]!;
    if (v < 0 || v >= size) throw new DomainError(`${fn}: indices[${k}] = ${v} is outside [0, ${size}) (the DCT size)`);
  }
}

/**
 * The r x size matrix of selected DCT rows C[I, :] (= Q[:, I]ᵀ).
 * @throws DomainError when size is not an integer in [1, 2^13] or an index is outside [0, size).
 */
export function dctRowsAt(size: number, indices: Int32Array, fn = 'dctRowsAt'): Matrix<Float64Array> {
  checkInt(fn, 'size', size, 1, 2 ** 13);
  checkIndices(fn, size, indices);
  const C = cachedDct(size);
  const r = indices.length;
  const out = new Float64Array(r * size);
  for (let k = 0; k < r; k++) out.set(C.data.subarray(indices[k]! * size, (indices[k]! + 1) * size), k * size);
  return { rows: r, cols: size, data: out };
}

/**
 * Projects G onto stored DCT indices without re-ranking: right G Q[:, I] (m x r), left
 * Q[:, I]ᵀ G (r x n). O(m n r).
 */
export function dctProject(G: Matrix, indices: Int32Array, side: 'right' | 'left'): Matrix<Float64Array> {
  assertMatrix('dctProject', 'G', G);
  checkOneOf('dctProject', 'side', side, ['right', 'left'] as const);
  const CI = dctRowsAt(side === 'right' ? G.cols : G.rows, indices, 'dctProject');
  return (side === 'right' ? matmul(G, CI, { transB: true }) : matmul(CI, G)) as Matrix<Float64Array>;
}

/**
 * Maps a low-rank matrix back: right x Q[:, I]ᵀ (m x n from m x r), left Q[:, I] x (m x n from
 * r x n). Inverse of {@link dctProject} on the selected subspace. O(m n r).
 */
export function dctBackProject(x: Matrix, indices: Int32Array, side: 'right' | 'left', size: number): Matrix<Float64Array> {
  assertMatrix('dctBackProject', 'x', x);
  checkOneOf('dctBackProject', 'side', side, ['right', 'left'] as const);
  const CI = dctRowsAt(size, indices, 'dctBackProject');
  return (side === 'right' ? matmul(x, CI) : matmul(CI, x, { transA: true })) as Matrix<Float64Array>;
}
