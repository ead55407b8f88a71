// Value builders for fuzz templates. Every builder is deterministic (fixed seeds), so a failure
// reproduces from its template name and mutation index alone.
//
// Templates write plain values; a few markers tell the mutator what a value means:
//   real(x)   a real-valued scalar (mutated to NaN/Infinity/strings, never to 1.5 or -1);
//   int(x)    an integer that may legitimately be negative (mutated like real);
//   keep(x)   a value never mutated (a callback's fixed argument, a shared object);
// An integer number written plainly is a count/size/index: it is also mutated to -1, 1.5,
// huge values and Infinity, which must all be refused (or, for huge values, handled in time).

const MARK = Symbol.for('x-fuzz-mark');

/** A real-valued scalar argument. */
export function real(x) {
  return { [MARK]: 'real', value: x };
}
/** An integer that may be negative or zero (mutated like a real). */
export function int(x) {
  return { [MARK]: 'real', value: x };
}
/** An encoded byte buffer (a file's contents): mutated to truncated, empty, a string and null. */
export function bytes(x) {
  return { [MARK]: 'bytes', value: x };
}
/** A value the mutator leaves alone. */
export function keep(x) {
  return { [MARK]: 'keep', value: x };
}
export function markOf(v) {
  return v !== null && typeof v === 'object' && MARK in v ? v[MARK] : null;
}
/** Replaces markers by their values, recursively through arrays and plain objects. */
export function unwrap(v) {
  const m = markOf(v);
  if (m === 'data') return unwrap(v.value);
  if (m) return v.value;
  if (Array.isArray(v)) return v.map(unwrap);
  if (isPlain(v)) {
    const o = {};
    for (const k of Object.keys(v)) o[k] = unwrap(v[k]);
    return o;
  }
  return v;
}
export function isPlain(v) {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Small seeded generator (mulberry32), independent of the packages under test. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [-1, 1) from `seed`. */
export function vals(n, seed = 1) {
  const r = prng(seed * 7919 + n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * r() - 1;
  return out;
}
/** A rows x cols float64 matrix with entries in [-1, 1). */
export function M(rows, cols = rows, seed = 1) {
  return { rows, cols, data: vals(rows * cols, seed) };
}
/** A symmetric positive definite n x n matrix (A Aᵀ + n I). */
export function spd(n, seed = 1) {
  const a = M(n, n, seed).data;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * a[j * n + k];
      d[i * n + j] = s + (i === j ? n : 0);
    }
  }
  return { rows: n, cols: n, data: d };
}
/** A symmetric n x n matrix. */
export function sym(n, seed = 1) {
  const a = M(n, n, seed).data;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = (a[i * n + j] + a[j * n + i]) / 2;
  return { rows: n, cols: n, data: d };
}
/** A float64 vector of length n. */
export function V(n, seed = 1) {
  return vals(n, seed);
}
/** A vector of n positive values in [0.5, 1.5). */
export function P(n, seed = 1) {
  return vals(n, seed).map((v) => 1 + v / 2);
}
/** A plain number[] of length n. */
export function A(n, seed = 1) {
  return Array.from(vals(n, seed));
}
/** A ComplexArray { re, im } of length n. */
export function C(n, seed = 1) {
  return { re: vals(n, seed), im: vals(n, seed + 1) };
}
/** A ComplexMatrix { re: Matrix, im: Matrix } (the @x/linalg layout). */
export function CM(rows, cols = rows, seed = 1) {
  return { re: M(rows, cols, seed), im: M(rows, cols, seed + 1) };
}
/** Marks a plain object as structured data (a CSR, parameters), not options: no unknown-key mutation. */
export function data(x) {
  return { [MARK]: 'data', value: x };
}
/** Integer labels in [0, k). */
export function labels(n, k, seed = 1) {
  const r = prng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * k));
}
/** A one-hot n x k matrix. */
export function onehot(n, k, seed = 1) {
  const l = labels(n, k, seed);
  const d = new Float64Array(n * k);
  l.forEach((c, i) => {
    d[i * k + c] = 1;
  });
  return { rows: n, cols: k, data: d };
}
/** A rows x cols matrix with entries in (0, 1), rows summing to 1. */
export function probs(rows, cols, seed = 1) {
  const m = M(rows, cols, seed);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m.data[i * cols + j] = Math.exp(m.data[i * cols + j]);
    for (let j = 0; j < cols; j++) m.data[i * cols + j] /= s;
  }
  return m;
}
/** A fresh, never-aborted signal (mutated to an aborted one). */
export function signal() {
  return new AbortController().signal;
}
/** An aborted signal. */
export function aborted() {
  const c = new AbortController();
  c.abort();
  return c.signal;
}
/** A ring graph's CSR adjacency on n nodes (symmetric, no self loops). */
export function ringCsr(n) {
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(2 * n);
  const values = new Float64Array(2 * n).fill(1);
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = 2 * (i + 1);
    const a = (i + n - 1) % n;
    const b = (i + 1) % n;
    indices[2 * i] = Math.min(a, b);
    indices[2 * i + 1] = Math.max(a, b);
  }
  return { n, indptr, indices, values };
}
