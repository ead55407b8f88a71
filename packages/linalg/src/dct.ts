import { MAX_DENSE_N, MAX_LENGTH, requireInt, requireOptions } from './checks';
import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkMatrix, checkReal } from './complex';
import { irfft, rfft } from './fft';

/** Options of {@link dct} and {@link idct} (scipy.fft's `type` and `norm`). */
export interface DctOptions {
  /** DCT type: 2 (the "DCT") or 3 (its inverse up to scale). Default 2. */
  type?: 2 | 3;
  /** `'ortho'` for the orthonormal transform; `null`/`'backward'` (default) for scipy's unnormalized one. */
  norm?: 'ortho' | 'backward' | null;
}

function checkDim(fn: string, n: number, max = MAX_LENGTH): void {
  requireInt(fn, 'n', n, 1, max);
}

/**
 * The n x n orthonormal DCT-II matrix: C[k, j] = s_k cos(pi k (2j + 1) / (2n)), s_0 = sqrt(1/n),
 * s_k = sqrt(2/n). `matmul(dctMatrix(n), x)` equals scipy.fft.dct(x, type=2, norm='ortho');
 * its transpose is the orthonormal DCT-III (the inverse). O(n^2) time and memory; use
 * {@link dct} for O(n log n) transforms.
 * The angle is reduced exactly (k (2j+1) mod 4n) before the cosine, so entries are correct to
 * an ulp for every n.
 */
export function dctMatrix(n: number): Matrix<Float64Array> {
  checkDim('dctMatrix', n, MAX_DENSE_N);
  const data = new Float64Array(n * n);
  const s0 = Math.sqrt(1 / n);
  const s = Math.sqrt(2 / n);
  const fourN = 4 * n;
  for (let k = 0; k < n; k++) {
    const sk = k === 0 ? s0 : s;
    for (let j = 0; j < n; j++) {
      const r = (k * (2 * j + 1)) % fourN;
      data[k * n + j] = sk * Math.cos((Math.PI * r) / (2 * n));
    }
  }
  return { rows: n, cols: n, data };
}

const twiddles = new Map<number, { c: Float64Array; s: Float64Array }>();

/** cos/sin(pi k / (2n)), k < n, cached per n. */
function getTwiddles(n: number): { c: Float64Array; s: Float64Array } {
  let t = twiddles.get(n);
  if (t) return t;
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    c[k] = Math.cos((Math.PI * k) / (2 * n));
    s[k] = Math.sin((Math.PI * k) / (2 * n));
  }
  t = { c, s };
  if (twiddles.size >= 64) twiddles.delete(twiddles.keys().next().value as number);
  twiddles.set(n, t);
  return t;
}

/**
 * scipy's unnormalized DCT-II, y_k = 2 sum_j x_j cos(pi k (2j+1) / (2n)), by Makhoul's
 * algorithm (IEEE TASSP 1980): reorder v = [x_0, x_2, ..., x_3, x_1], V = FFT_n(v),
 * y_k = 2 Re(exp(-i pi k / (2n)) V_k). One real FFT of length n (half a complex one for even n;
 * Bluestein when n is not a power of two).
 */
function dct2Raw(x: Float64Array): Float64Array {
  const n = x.length;
  const vr = new Float64Array(n);
  for (let j = 0; 2 * j < n; j++) vr[j] = x[2 * j]!;
  for (let j = 0; 2 * j + 1 < n; j++) vr[n - 1 - j] = x[2 * j + 1]!;
  // v is real: its half spectrum suffices, V_{n-k} = conj(V_k).
  const V = rfft(vr);
  const h = V.re.length;
  const { c, s } = getTwiddles(n);
  const y = new Float64Array(n);
  for (let k = 0; k < h; k++) y[k] = 2 * (c[k]! * V.re[k]! + s[k]! * V.im[k]!);
  for (let k = h; k < n; k++) y[k] = 2 * (c[k]! * V.re[n - k]! - s[k]! * V.im[n - k]!);
  return y;
}

/**
 * Inverse of {@link dct2Raw}: V_k = exp(i pi k / (2n)) (y_k - i y_{n-k}) / 2 (y_n = 0),
 * v = IFFT_n(V), then undo Makhoul's reordering.
 */
function dct2RawInverse(y: Float64Array): Float64Array {
  const n = y.length;
  // V is Hermitian (v is real): build bins 0..floor(n/2) and let irfft do the rest.
  const h = Math.floor(n / 2) + 1;
  const Vr = new Float64Array(h);
  const Vi = new Float64Array(h);
  const { c, s } = getTwiddles(n);
  for (let k = 0; k < h; k++) {
    const a = 0.5 * y[k]!;
    const b = k === 0 ? 0 : -0.5 * y[n - k]!;
    Vr[k] = c[k]! * a - s[k]! * b;
    Vi[k] = c[k]! * b + s[k]! * a;
  }
  const v = irfft({ re: Vr, im: Vi }, n); // includes the 1/n of the inverse DFT
  const x = new Float64Array(n);
  for (let j = 0; 2 * j < n; j++) x[2 * j] = v[j]!;
  for (let j = 0; 2 * j + 1 < n; j++) x[2 * j + 1] = v[n - 1 - j]!;
  return x;
}

function parse(fn: string, opts: DctOptions, keys: readonly string[] = ['type', 'norm']): { type: 2 | 3; ortho: boolean } {
  requireOptions(fn, opts, keys);
  const type = opts.type ?? 2;
  if (type !== 2 && type !== 3) throw new DomainError(`${fn}: type must be 2 or 3, got ${String(type)}`);
  const norm = opts.norm ?? null;
  if (norm !== null && norm !== 'ortho' && norm !== 'backward') {
    throw new DomainError(`${fn}: norm must be 'ortho', 'backward' or null, got ${String(norm)}`);
  }
  return { type, ortho: norm === 'ortho' };
}

/** Orthonormal DCT-II from the raw one: y_0 / sqrt(4n), y_k / sqrt(2n). */
function dct2Ortho(x: Float64Array): Float64Array {
  const n = x.length;
  const y = dct2Raw(x);
  y[0] = y[0]! * Math.sqrt(1 / (4 * n));
  const s = Math.sqrt(1 / (2 * n));
  for (let k = 1; k < n; k++) y[k] = y[k]! * s;
  return y;
}

/** Orthonormal DCT-III = inverse (= transpose) of the orthonormal DCT-II. */
function dct3Ortho(x: Float64Array): Float64Array {
  const n = x.length;
  const X = new Float64Array(n);
  X[0] = x[0]! * Math.sqrt(4 * n);
  const s = Math.sqrt(2 * n);
  for (let k = 1; k < n; k++) X[k] = x[k]! * s;
  return dct2RawInverse(X);
}

function scaled(y: Float64Array, f: number): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! * f;
  return y;
}

function run(x: Float64Array, type: 2 | 3, ortho: boolean, inverse: boolean): Float64Array {
  const n = x.length;
  // scipy: idct type 2 = dct type 3 / (2n) (unnormalized) and the ortho DCT-III (ortho); likewise
  // idct type 3 = dct type 2 / (2n). Unnormalized DCT-III = 2n * (raw DCT-II)^{-1}.
  const t = inverse ? (type === 2 ? 3 : 2) : type;
  if (ortho) return t === 2 ? dct2Ortho(x) : dct3Ortho(x);
  if (t === 2) return inverse ? scaled(dct2Raw(x), 1 / (2 * n)) : dct2Raw(x);
  return inverse ? dct2RawInverse(x) : scaled(dct2RawInverse(x), 2 * n);
}

/**
 * Fast discrete cosine transform of any length n >= 1, matching scipy.fft.dct(x, type, norm):
 * type 2: y_k = 2 sum_j x_j cos(pi k (2j+1) / (2n)); type 3: y_k = x_0 + 2 sum_{j>=1} x_j
 * cos(pi j (2k+1) / (2n)); `norm: 'ortho'` makes both orthonormal (then type 3 is the inverse and
 * the transpose of type 2, and type 2 equals `dctMatrix(n) x`). Makhoul's algorithm: one real
 * FFT of length n, O(n log n).
 * @param x real input of length n; not mutated.
 * @returns a new Float64Array of length n.
 */
export function dct(x: ArrayLike<number>, opts: DctOptions = {}): Float64Array {
  const { type, ortho } = parse('dct', opts);
  const v = checkReal('dct', 'x', x);
  if (v.length === 0) throw new ShapeError('dct: x must have length >= 1, got 0');
  return run(v, type, ortho, false);
}

/**
 * Inverse DCT matching scipy.fft.idct(x, type, norm): `idct(dct(x, o), o) = x` for the same
 * options `o`. O(n log n), any n >= 1.
 * @param x real input of length n; not mutated.
 */
export function idct(x: ArrayLike<number>, opts: DctOptions = {}): Float64Array {
  const { type, ortho } = parse('idct', opts);
  const v = checkReal('idct', 'x', x);
  if (v.length === 0) throw new ShapeError('idct: x must have length >= 1, got 0');
  return run(v, type, ortho, true);
}

/** The keys of {@link DctMatrixOptions}. */
const MATRIX_KEYS = ['type', 'norm', 'inverse'];

/** Options of {@link dctCols} and {@link dctRows}. */
export interface DctMatrixOptions extends DctOptions {
  /** Apply the inverse transform ({@link idct}) instead. */
  inverse?: boolean;
}

/**
 * DCT of every column of a matrix (scipy.fft.dct(a, axis=0)): for the orthonormal DCT-II this is
 * `dctMatrix(rows) a`, in O(cols * rows log rows). Returns a new float64 matrix of the same shape.
 */
export function dctCols(a: Matrix, opts: DctMatrixOptions = {}): Matrix<Float64Array> {
  checkMatrix('dctCols', 'a', a);
  const { type, ortho } = parse('dctCols', opts, MATRIX_KEYS);
  const { rows: m, cols: n, data } = a;
  const out = new Float64Array(m * n);
  if (m === 0) return { rows: m, cols: n, data: out };
  const col = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) col[i] = data[i * n + j]!;
    const y = run(col, type, ortho, opts.inverse === true);
    for (let i = 0; i < m; i++) out[i * n + j] = y[i]!;
  }
  return { rows: m, cols: n, data: out };
}

/**
 * DCT of every row of a matrix (scipy.fft.dct(a, axis=1)): for the orthonormal DCT-II this is
 * `a dctMatrix(cols)^T`, in O(rows * cols log cols). Returns a new float64 matrix of the same shape.
 */
export function dctRows(a: Matrix, opts: DctMatrixOptions = {}): Matrix<Float64Array> {
  checkMatrix('dctRows', 'a', a);
  const { type, ortho } = parse('dctRows', opts, MATRIX_KEYS);
  const { rows: m, cols: n, data } = a;
  const out = new Float64Array(m * n);
  if (n === 0) return { rows: m, cols: n, data: out };
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) row[j] = data[i * n + j]!;
    out.set(run(row, type, ortho, opts.inverse === true), i * n);
  }
  return { rows: m, cols: n, data: out };
}

/**
 * Two-dimensional DCT of a matrix (scipy.fft.dctn(a, type, norm) over both axes): the DCT of every
 * row, then of every column. With `norm: 'ortho'` and type 2 this is C_m a C_n^T for
 * C = {@link dctMatrix}. O(m n (log m + log n)). Returns a new float64 matrix.
 */
export function dct2d(a: Matrix, opts: DctMatrixOptions = {}): Matrix<Float64Array> {
  parse('dct2d', opts, MATRIX_KEYS);
  return dctCols(dctRows(a, opts), opts);
}
