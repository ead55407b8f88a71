// Adversarial suite (issue 15): matrices from numpy's test_linalg.py LinalgCase families,
// scipy's test_decomp.py, ml-matrix's decomposition tests (incl. the 73x73 svdbug matrix) and
// LAPACK's test-matrix types, with numpy/scipy references from
// tooling/fixtures/linalg_adversarial.py. Factors are checked by backward error
// (reconstruction, orthogonality, residuals at 50 max(m, n) eps, scaled by ||a||); only
// basis-independent quantities (singular values, eigenvalues, slogdet) are compared entry-wise.
import { DomainError, disableWasm, enableWasm, type Matrix, matmul } from '@x/gpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cholesky,
  dct,
  det,
  eig,
  eigh,
  fft,
  idct,
  ifft,
  inv,
  kpsvd,
  kron,
  logdet,
  lstsq,
  lu,
  matrixRank,
  pinv,
  qr,
  solve,
  svd,
  svdvals,
} from '../src/index';
import { EPS, fro, froDiff, m64, orthError, usvt } from './helpers';
import { loadFixture } from '@x/test-utils';

interface Case {
  name: string;
  family: string;
  m: number;
  n: number;
  a?: number[];
  gen?: { kind: string; big?: number; at?: [number, number]; theta?: number };
  s: number[];
  rank: number;
  norm2: number;
  cond: number | 'Infinity';
  slogdet?: [number, number | '-Infinity'];
  symmetric?: boolean;
  eigh?: number[];
  eig_re?: number[];
  eig_im?: number[];
  spd?: boolean;
}
interface Fixture {
  cases: Case[];
  kpsvd: { m1: number; n1: number; m2: number; n2: number; a: number[]; sigma: number[] }[];
  transforms: { n: number; idx: number[]; fft_re: number[]; fft_im: number[]; dct: number[]; norm: number }[];
}

const fx = loadFixture<Fixture>(import.meta.url, 'adversarial-families.json');

/** Rebuilds a case's matrix (stored, or from the same formula the fixture script used). */
function build(c: Case): Matrix<Float64Array> {
  const { m, n } = c;
  if (c.a) return m64(m, n, c.a);
  const g = c.gen!;
  const d = new Float64Array(m * n);
  if (g.kind === 'identity') for (let i = 0; i < Math.min(m, n); i++) d[i * n + i] = 1;
  if (g.kind === 'ones') d.fill(1);
  if (g.kind === 'sin') for (let k = 0; k < m * n; k++) d[k] = Math.sin(k);
  if (g.kind === 'hilbert') for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = 1 / (i + j + 1);
  if (g.kind === 'kahan') {
    const s = Math.sin(g.theta!);
    const co = Math.cos(g.theta!);
    for (let i = 0; i < m; i++) {
      const f = s ** i;
      for (let j = i; j < n; j++) d[i * n + j] = f * (i === j ? 1 : -co);
    }
  }
  if (g.at) d[g.at[0] * n + g.at[1]] = g.big!;
  return m64(m, n, d);
}

/**
 * Per case: tol = 50 max(m, n) eps (relative), and unfl, the absolute floor of a Frobenius
 * error made of roundings to the subnormal grid (2^-1074 apart): results of a matrix with
 * subnormal entries cannot be closer than that.
 */
const cases = fx.cases.map((c) => ({ ...c, A: build(c), tol: 50 * Math.max(c.m, c.n, 1) * EPS, unfl: 8 * Math.max(c.m, c.n, 1) * 2 ** -1074 }));
const square = cases.filter((c) => c.m === c.n);
const cond = (c: Case) => (c.cond === 'Infinity' ? Number.POSITIVE_INFINITY : c.cond);
const allFinite = (x: ArrayLike<number>) => Array.prototype.every.call(x, Number.isFinite);

/** max_i |x_i - y_i|. */
function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  return e;
}

/** a x for a column vector x (as a Float64Array). */
function matvec(a: Matrix, x: ArrayLike<number>): Float64Array {
  return matmul(a, m64(a.cols, 1, x)).data as Float64Array;
}

describe(`adversarial fixture (${fx.header.generator}, numpy ${fx.header.versions.numpy}, scipy ${fx.header.versions.scipy})`, () => {
  it('covers every family the issue names', () => {
    const names = fx.cases.map((c) => c.name).join('\n');
    for (const w of ['svdbug', 'graded', 'clustered', 'exact rank', 'zero', 'identity', 'kahan', 'hilbert', 'vandermonde', 'overflow', 'underflow', 'subnormal', '1e+300', 'sin(k)']) {
      expect(names).toContain(w);
    }
  });
});

describe('svd (exact): U diag(S) Vᵀ = a, orthonormal U and V, S = numpy', () => {
  it.each(cases)('$name', ({ A, s, tol, unfl }) => {
    const { U, S, V } = svd(A);
    const s0 = s[0] ?? 0;
    expect(orthError(U)).toBeLessThanOrEqual(tol);
    expect(orthError(V)).toBeLessThanOrEqual(tol);
    expect(froDiff(usvt(U, S, V).data, A.data)).toBeLessThanOrEqual(tol * fro(A.data) + unfl);
    expect(maxAbsDiff(S, s)).toBeLessThanOrEqual(tol * s0 + unfl);
    for (let i = 1; i < S.length; i++) expect(S[i]!).toBeLessThanOrEqual(S[i - 1]!);
    expect(S.every((v) => v >= 0)).toBe(true);
  });
});

describe('svd (truncated k = ceil(min/2)): leading triplets, orthonormal, residual a v = σ u', () => {
  it.each(cases.filter((c) => Math.min(c.m, c.n) > 0))('$name', ({ A, s, tol, unfl }) => {
    const k = Math.ceil(Math.min(A.rows, A.cols) / 2);
    const { U, S, V } = svd(A, { k });
    expect(S.length).toBe(k);
    expect(orthError(U)).toBeLessThanOrEqual(tol);
    expect(orthError(V)).toBeLessThanOrEqual(tol);
    expect(maxAbsDiff(S, s.slice(0, k))).toBeLessThanOrEqual(tol * s[0]! + unfl);
    // a V_k - U_k S_k, column by column.
    const av = matmul(A, V);
    const us = new Float64Array(U.rows * k);
    for (let i = 0; i < U.rows; i++) for (let j = 0; j < k; j++) us[i * k + j] = U.data[i * k + j]! * S[j]!;
    expect(froDiff(av.data, us)).toBeLessThanOrEqual(tol * Math.sqrt(k) * s[0]! + unfl);
  });
});

describe('svd (randomized): orthonormal factors, Ritz values below the true ones, exact on low rank', () => {
  it.each(cases.filter((c) => Math.min(c.m, c.n) > 0))('$name', ({ A, s, rank, tol, unfl }) => {
    const k = Math.ceil(Math.min(A.rows, A.cols) / 2);
    const { U, S, V } = svd(A, { k, method: 'randomized', seed: 3 });
    expect(orthError(U)).toBeLessThanOrEqual(tol);
    expect(orthError(V)).toBeLessThanOrEqual(tol);
    const s0 = s[0]!;
    for (let i = 0; i < k; i++) expect(S[i]!).toBeLessThanOrEqual(s[i]! + tol * s0 + unfl);
    // With oversampling the range of a rank <= k matrix is found exactly.
    if (rank <= k) expect(maxAbsDiff(S, s.slice(0, k))).toBeLessThanOrEqual(tol * s0 + unfl);
  });
});

describe('wasm route (enableWasm): svd exact, truncated and randomized stay orthonormal on the hard cases', () => {
  beforeAll(async () => {
    await enableWasm();
  });
  afterAll(() => disableWasm());
  const hard = cases.filter((c) => /svdbug|1e\+300|exact rank 7|subnormal 2\^-1060 40|near overflow 2\^1000 40|repeated eigenvalues 40/.test(c.name));
  it.each(hard)('$name', ({ A, s, tol, unfl }) => {
    const k = Math.ceil(Math.min(A.rows, A.cols) / 2);
    for (const r of [svd(A), svd(A, { k }), svd(A, { k, method: 'randomized', seed: 5 })]) {
      expect(orthError(r.U)).toBeLessThanOrEqual(tol);
      expect(orthError(r.V)).toBeLessThanOrEqual(tol);
    }
    const { U, S, V } = svd(A);
    expect(froDiff(usvt(U, S, V).data, A.data)).toBeLessThanOrEqual(tol * fro(A.data) + unfl);
    expect(maxAbsDiff(S, s)).toBeLessThanOrEqual(tol * s[0]! + unfl);
  });
});

describe('svdvals = numpy singular values (absolute accuracy eps ||a||)', () => {
  it.each(cases)('$name', ({ A, s, tol, unfl }) => {
    expect(maxAbsDiff(svdvals(A), s)).toBeLessThanOrEqual(tol * (s[0] ?? 0) + unfl);
  });
});

describe('pinv: Penrose conditions a X a = a, X a X = X (backward error, kappa of the kept part)', () => {
  it.each(cases.filter((c) => Math.min(c.m, c.n) > 0))('$name', ({ A, tol }) => {
    const X = pinv(A);
    expect(X.data.some(Number.isNaN)).toBe(false);
    const sv = svdvals(A);
    const cut = EPS * Math.max(A.rows, A.cols) * sv[0]!;
    const kept = sv.filter((v) => v > cut && v > 0);
    if (kept.length === 0) {
      expect(X.data.every((v) => v === 0)).toBe(true);
      return;
    }
    // 1/σ beyond float64's range: the entries overflow to ±Infinity (never NaN), as numpy's.
    if (1 / kept[kept.length - 1]! > 1e300) return;
    expect(allFinite(X.data)).toBe(true);
    const kappa = kept[0]! / kept[kept.length - 1]!;
    let tail = 0;
    for (const v of sv) if (!(v > cut)) tail += (v / sv[0]!) ** 2;
    const axa = matmul(matmul(A, X), A);
    const bound = sv[0]! * (tol * (2 + kappa) * Math.sqrt(kept.length) + Math.sqrt(tail));
    expect(froDiff(axa.data, A.data)).toBeLessThanOrEqual(bound);
    const xax = matmul(matmul(X, A), X);
    expect(froDiff(xax.data, X.data)).toBeLessThanOrEqual(tol * (2 + kappa) * Math.sqrt(kept.length) * fro(X.data));
  });
});

describe('lstsq: consistent systems b = a x0 have residual O(eps (||a|| ||x|| + ||b||))', () => {
  it.each(cases.filter((c) => Math.min(c.m, c.n) > 0))('$name', ({ A, s, tol, unfl }) => {
    const x0 = new Float64Array(A.cols).fill(1);
    const b = matvec(A, x0);
    const { x } = lstsq(A, b);
    expect(allFinite(x)).toBe(true);
    const r = matvec(A, x).map((v, i) => v - b[i]!);
    expect(fro(r)).toBeLessThanOrEqual(tol * (s[0]! * (fro(x) + fro(x0)) + fro(b)) + unfl * fro(x));
  });
});

describe('matrixRank = numpy matrix_rank on exactly structured matrices', () => {
  it.each(cases.filter((c) => /exact rank|zero|identity|ones|ml-matrix \[\[1, 1\]/.test(c.name)))('$name', ({ A, rank }) => {
    expect(matrixRank(A)).toBe(rank);
  });
});

describe('eig: finite unit eigenvectors, residual a V = V Λ, eigenvalues = numpy on symmetric input', () => {
  it.each(square.filter((c) => c.n > 0))('$name', (c) => {
    const { A, tol, unfl } = c;
    const n = A.rows;
    const { values, vectors } = eig(A);
    expect(allFinite(vectors.re.data) && allFinite(vectors.im.data)).toBe(true);
    const vr = vectors.re.data;
    const vi = vectors.im.data;
    for (let j = 0; j < n; j++) {
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += vr[i * n + j]! ** 2 + vi[i * n + j]! ** 2;
      expect(Math.abs(Math.sqrt(nrm) - 1)).toBeLessThanOrEqual(tol);
    }
    // ||a V - V Λ||_F <= tol ||a||_F sqrt(n) (complex residual, real and imaginary parts).
    const avr = matmul(A, vectors.re).data;
    const avi = matmul(A, vectors.im).data;
    const res = new Float64Array(2 * n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const lr = values.re[j]!;
        const li = values.im[j]!;
        res[2 * (i * n + j)] = avr[i * n + j]! - (vr[i * n + j]! * lr - vi[i * n + j]! * li);
        res[2 * (i * n + j) + 1] = avi[i * n + j]! - (vr[i * n + j]! * li + vi[i * n + j]! * lr);
      }
    }
    expect(fro(res)).toBeLessThanOrEqual(tol * Math.sqrt(n) * fro(A.data) + unfl);
    if (c.symmetric) {
      // A general (non-symmetric) solver on symmetric input: eigenvalues are well-conditioned,
      // so they match to eps ||a||; a repeated one may come out as a pair with a tiny imaginary part.
      const got = Array.from(values.re).sort((x, y) => x - y);
      expect(maxAbsDiff(got, c.eigh!)).toBeLessThanOrEqual(tol * c.norm2 + unfl);
      expect(Math.max(...values.im.map(Math.abs))).toBeLessThanOrEqual(tol * c.norm2 + unfl);
    }
  });
  it('the zero matrix (2x2, 6x6, with and without balancing) gives the identity, as numpy', () => {
    for (const n of [2, 6]) {
      for (const balance of [true, false]) {
        const { values, vectors } = eig(m64(n, n, new Float64Array(n * n)), { balance });
        expect(Array.from(values.re)).toEqual(new Array(n).fill(0));
        const I = new Float64Array(n * n);
        for (let i = 0; i < n; i++) I[i * n + i] = 1;
        expect(Array.from(vectors.re.data)).toEqual(Array.from(I));
      }
    }
  });
  it('repeated and defective spectra give finite unit vectors', () => {
    for (const a of [m64(2, 2, [1, 1, 0, 1]), m64(3, 3, [2, 0, 0, 0, 2, 0, 0, 0, 2]), m64(3, 3, [0, 1, 0, 0, 0, 1, 0, 0, 0])]) {
      for (const balance of [true, false]) {
        const { vectors } = eig(a, { balance });
        const n = a.rows;
        for (let j = 0; j < n; j++) {
          let nrm = 0;
          for (let i = 0; i < n; i++) nrm += vectors.re.data[i * n + j]! ** 2 + vectors.im.data[i * n + j]! ** 2;
          expect(Math.abs(Math.sqrt(nrm) - 1)).toBeLessThanOrEqual(1e-15);
        }
      }
    }
  });
});

describe('eigh: symmetric inputs match numpy; non-symmetric inputs are a DomainError', () => {
  it.each(square.filter((c) => c.n > 0))('$name', (c) => {
    const { A, tol } = c;
    const n = A.rows;
    if (!c.symmetric) {
      let asym = 0;
      let amax = 0;
      for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(A.data[i]!));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(A.data[i * n + j]! - A.data[j * n + i]!));
      if (asym > 64 * n * EPS * amax) expect(() => eigh(A)).toThrow(/eigh: a must be symmetric/);
      return;
    }
    const { values, vectors } = eigh(A);
    expect(maxAbsDiff(values, c.eigh!)).toBeLessThanOrEqual(tol * c.norm2 + c.unfl);
    expect(orthError(vectors)).toBeLessThanOrEqual(tol);
    const av = matmul(A, vectors).data;
    const vl = vectors.data.map((v, i) => v * values[i % n]!);
    expect(froDiff(av, vl)).toBeLessThanOrEqual(tol * Math.sqrt(n) * c.norm2 + c.unfl);
  });
});

describe('qr: Q R = a, QᵀQ = I, R upper triangular', () => {
  it.each(cases)('$name', ({ A, tol, unfl }) => {
    const { Q, R } = qr(A);
    expect(orthError(Q)).toBeLessThanOrEqual(tol);
    expect(froDiff(matmul(Q, R).data, A.data)).toBeLessThanOrEqual(tol * fro(A.data) + unfl);
    for (let i = 0; i < R.rows; i++) for (let j = 0; j < Math.min(i, R.cols); j++) expect(R.data[i * R.cols + j]).toBe(0);
  });
});

describe('lu: P L U = a with |L| <= 1 (backward error scaled by the growth max|U| / max|a|)', () => {
  it.each(cases)('$name', ({ A, tol, unfl }) => {
    const { P, L, U } = lu(A);
    expect(L.data.every((v) => Math.abs(v) <= 1)).toBe(true);
    const amax = Math.max(...A.data.map(Math.abs), 0);
    const umax = Math.max(...U.data.map(Math.abs), 0);
    const growth = amax > 0 ? Math.max(1, umax / amax) : 1;
    expect(froDiff(matmul(P, matmul(L, U)).data, A.data)).toBeLessThanOrEqual(tol * growth * fro(A.data) + unfl);
  });
});

describe('cholesky: L Lᵀ = a on SPD input; other symmetric input is a DomainError or factors', () => {
  it.each(square.filter((c) => c.n > 0 && c.symmetric))('$name', (c) => {
    const { A, tol } = c;
    if (!c.spd) {
      // Not positive definite in exact arithmetic (or numerically singular): a typed error, or a
      // factor that reproduces a (near-singular PSD input may factor), never NaN.
      try {
        const L = cholesky(A);
        expect(allFinite(L.data)).toBe(true);
        expect(froDiff(matmul(L, L, { transB: true }).data, A.data)).toBeLessThanOrEqual(tol * fro(A.data));
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
      }
      return;
    }
    const L = cholesky(A);
    const n = A.rows;
    for (let i = 0; i < n; i++) {
      expect(L.data[i * n + i]!).toBeGreaterThan(0);
      for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
    }
    expect(froDiff(matmul(L, L, { transB: true }).data, A.data)).toBeLessThanOrEqual(tol * fro(A.data));
  });
});

describe('solve / inv / det / logdet on nonsingular input; singular input is a DomainError or finite', () => {
  it.each(square.filter((c) => c.n > 0))('$name', (c) => {
    const { A, tol, unfl } = c;
    const n = A.rows;
    const k = cond(c);
    const x0 = new Float64Array(n).fill(1);
    const b = matvec(A, x0);
    if (!(k < 1e12)) {
      for (const f of [() => solve(A, b), () => inv(A)]) {
        try {
          expect(allFinite(f() as ArrayLike<number>)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
        }
      }
      return;
    }
    const x = solve(A, b);
    const r = matvec(A, x).map((v, i) => v - b[i]!);
    const { U } = lu(A);
    const growth = Math.max(1, Math.max(...U.data.map(Math.abs)) / Math.max(...A.data.map(Math.abs)));
    expect(fro(r)).toBeLessThanOrEqual(tol * growth * (c.norm2 * fro(x) + fro(b)) + unfl * fro(x));
    const X = inv(A);
    expect(X.data.some(Number.isNaN)).toBe(false);
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    // (An inverse beyond float64's range, of a matrix of subnormals, is ±Infinity: not checked.)
    if (c.s[n - 1]! > 1e-300) expect(froDiff(matmul(A, X).data, I)).toBeLessThanOrEqual(tol * growth * k * Math.sqrt(n));
    const ld = logdet(A);
    expect(ld.sign).toBe(c.slogdet![0]);
    expect(Math.abs(ld.logabsdet - (c.slogdet![1] as number))).toBeLessThanOrEqual(tol * n * k);
    const d = det(A);
    if (Number.isFinite(d) && d !== 0) expect(Math.abs(Math.log(Math.abs(d)) - ld.logabsdet)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ld.logabsdet)));
  });
  it('the zero matrix: det 0, logdet { sign 0, -Infinity }, solve/inv a DomainError naming themselves', () => {
    const z = m64(3, 3, new Float64Array(9));
    expect(det(z)).toBe(0);
    expect(logdet(z)).toEqual({ sign: 0, logabsdet: Number.NEGATIVE_INFINITY });
    expect(() => solve(z, [1, 2, 3])).toThrow(/^solve: /);
    expect(() => inv(z)).toThrow(/^inv: /);
  });
});

describe('kpsvd: sigma = numpy svd of the rearrangement; all terms reproduce a', () => {
  it.each(fx.kpsvd)('$m1 x $n1 ⊗ $m2 x $n2', ({ m1, n1, m2, n2, a, sigma }) => {
    const A = m64(m1 * m2, n1 * n2, a);
    const tol = 50 * Math.max(m1 * n1, m2 * n2) * EPS;
    const r = kpsvd(A, [m1, n1], [m2, n2]);
    expect(maxAbsDiff(r.sigma, sigma)).toBeLessThanOrEqual(tol * sigma[0]!);
    const sum = new Float64Array(A.data.length);
    for (let t = 0; t < r.sigma.length; t++) {
      const kt = kron(r.A[t]!, r.B[t]!).data;
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + r.sigma[t]! * kt[i]!;
    }
    expect(froDiff(sum, A.data)).toBeLessThanOrEqual(tol * Math.sqrt(r.sigma.length) * fro(A.data));
  });
});

describe('fft / dct against numpy / scipy for lengths 1, 2, 3, 5, 7, 97, 1000, 1024, 4096', () => {
  it.each(fx.transforms)('n = $n', ({ n, idx, fft_re, fft_im, dct: dref, norm }) => {
    const x = new Float64Array(n);
    for (let k = 0; k < n; k++) x[k] = Math.sin(0.7 * k + 0.3) + 0.5 * Math.cos(0.013 * k * k);
    const bound = 10 * (Math.log2(n) + 1) * EPS * norm;
    const F = fft(x);
    for (let t = 0; t < idx.length; t++) {
      expect(Math.abs(F.re[idx[t]!]! - fft_re[t]!)).toBeLessThanOrEqual(bound * Math.sqrt(n));
      expect(Math.abs(F.im[idx[t]!]! - fft_im[t]!)).toBeLessThanOrEqual(bound * Math.sqrt(n));
    }
    const back = ifft(F);
    expect(maxAbsDiff(back.re, x)).toBeLessThanOrEqual(bound);
    const D = dct(x, { norm: 'ortho' });
    for (let t = 0; t < idx.length; t++) expect(Math.abs(D[idx[t]!]! - dref[t]!)).toBeLessThanOrEqual(bound);
    expect(maxAbsDiff(idct(D, { norm: 'ortho' }), x)).toBeLessThanOrEqual(bound);
  });
});
