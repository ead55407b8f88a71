import { MAX_DENSE_N, MAX_LENGTH, requireInt, requireOptions } from './checks';
import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import { type ComplexArray, type ComplexMatrix, checkComplex, checkReal, isComplexArray } from './complex';
import { eigh } from './eigh';
import { dftRaw, fft, rfft } from './fft';

// Frames for "Learning Without Augmenting: Unsupervised Time Series Representation Learning via
// Frame Projections" (NeurIPS 2025): the time view x, an orthonormal-basis view (unitary DFT) and
// overcomplete frame views (Gabor/STFT, Morlet wavelet). A frame is given by its analysis operator
// Phi (M x N, complex): c = Phi x, row i of Phi is conj(g_i)^T for atom g_i. Frame bounds
// A ||x||^2 <= ||Phi x||^2 <= B ||x||^2 are the extreme eigenvalues of S = Phi^H Phi.

/** Unitary DFT of a signal (numpy.fft.fft(x, norm='ortho')): an isometry, ||Fx|| = ||x||. O(n log n). */
export function unitaryDft(x: ComplexArray | ArrayLike<number>): ComplexArray {
  return fft(x, { norm: 'ortho' });
}

/**
 * The paper's basis view X_F = numpy.fft.rfft(x, norm='ortho') of a real signal of length n.
 * Parseval holds with {@link rfftParsevalWeights}: sum_k w_k |X_k|^2 = ||x||^2 (bins other than
 * DC and, for even n, Nyquist stand for two conjugate bins). O(n log n).
 */
export function unitaryRfft(x: ArrayLike<number>): ComplexArray {
  return rfft(x, { norm: 'ortho' });
}

/** Weights w_k (1 for DC and the even-n Nyquist bin, 2 otherwise) of length floor(n/2) + 1. */
export function rfftParsevalWeights(n: number): Float64Array {
  requireInt('rfftParsevalWeights', 'n', n, 1, MAX_LENGTH);
  const m = Math.floor(n / 2) + 1;
  const w = new Float64Array(m).fill(2);
  w[0] = 1;
  if (n % 2 === 0) w[m - 1] = 1;
  return w;
}

function checkComplexMatrix(fn: string, name: string, a: ComplexMatrix): void {
  const ok = (m: Matrix | undefined) =>
    !!m && Number.isInteger(m.rows) && Number.isInteger(m.cols) && (m.data instanceof Float64Array || m.data instanceof Float32Array) && m.data.length === m.rows * m.cols;
  if (!a || !ok(a.re) || !ok(a.im) || a.re.rows !== a.im.rows || a.re.cols !== a.im.cols) {
    throw new ShapeError(`${fn}: ${name} must be a ComplexMatrix { re: Matrix, im: Matrix } with equal shapes`);
  }
  for (const part of [a.re.data, a.im.data]) {
    for (let i = 0; i < part.length; i++) {
      if (!Number.isFinite(part[i]!)) throw new DomainError(`${fn}: ${name} has a non-finite entry ${part[i]} at flat index ${i}`);
    }
  }
}

/** Options of {@link gaborFrame}. */
export interface GaborFrameOptions {
  /** Window samples (length L <= n), or a named window of length `windowLength`. Default 'hann'. */
  window?: Float64Array | 'hann' | 'gaussian' | 'rect';
  /** Length L of a named window (default min(n, channels)). */
  windowLength?: number;
  /** Time step a between windows; must divide n (default L / 2, at least 1). */
  hop?: number;
  /** Number of frequency channels M (default L). */
  channels?: number;
}

function namedWindow(kind: 'hann' | 'gaussian' | 'rect', L: number): Float64Array {
  const w = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    if (kind === 'rect') w[t] = 1;
    // Periodic Hann (scipy.signal.get_window('hann', L)): sums to a constant at hop L/2.
    else if (kind === 'hann') w[t] = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / L);
    // Gaussian with std L/6 centred on the window.
    else w[t] = Math.exp(-0.5 * ((t - (L - 1) / 2) / (L / 6)) ** 2);
  }
  return w;
}

/**
 * Analysis operator of a discrete Gabor (STFT) frame on C^n with circular boundary: atoms
 * g_{m,k}[t] = w[t - k a] exp(2 pi i m (t - k a) / M) for channels m < M and shifts k < n / a
 * (the window placed at k a, indices mod n). Coefficients c[m n/a + k] = sum_t x[t] conj(g_{m,k}[t])
 * are the STFT with hop a and an M-point DFT per frame. Redundancy M / a. When L <= M
 * ("painless" case, Daubechies, Grossmann & Meyer 1986) S = Phi^H Phi is diagonal with
 * S_tt = M sum_k |w(t - k a)|^2, so A and B are its min and max.
 * @returns ComplexMatrix of shape (M n / a) x n. O(M n^2 / a) to build.
 */
export function gaborFrame(n: number, opts: GaborFrameOptions = {}): ComplexMatrix {
  requireOptions('gaborFrame', opts, ['window', 'windowLength', 'hop', 'channels']);
  requireInt('gaborFrame', 'n', n, 1, MAX_DENSE_N);
  let w: Float64Array;
  if (opts.window instanceof Float64Array) {
    w = checkReal('gaborFrame', 'window', opts.window);
  } else {
    const L = opts.windowLength ?? Math.min(n, opts.channels ?? n);
    if (!Number.isInteger(L) || L < 1 || L > n) throw new DomainError(`gaborFrame: windowLength must be an integer in [1, ${n}], got ${L}`);
    const kind = opts.window ?? 'hann';
    if (kind !== 'hann' && kind !== 'gaussian' && kind !== 'rect') throw new DomainError(`gaborFrame: unknown window '${String(kind)}'`);
    w = namedWindow(kind, L);
  }
  const L = w.length;
  if (L < 1 || L > n) throw new ShapeError(`gaborFrame: window length ${L} must be in [1, ${n}]`);
  const a = opts.hop ?? Math.max(1, Math.floor(L / 2));
  const M = opts.channels ?? L;
  if (!Number.isInteger(a) || a < 1 || n % a !== 0) throw new DomainError(`gaborFrame: hop must be a positive integer dividing n = ${n}, got ${a}`);
  requireInt('gaborFrame', 'channels', M, 1, MAX_DENSE_N);
  const K = n / a;
  const rows = M * K;
  const re = new Float64Array(rows * n);
  const im = new Float64Array(rows * n);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const row = (m * K + k) * n;
      for (let u = 0; u < L; u++) {
        const t = (k * a + u) % n;
        // conj(g)[t] = w[u] exp(-2 pi i m u / M); (m u) mod M keeps the angle exact.
        const ang = (-2 * Math.PI * ((m * u) % M)) / M;
        re[row + t] = re[row + t]! + w[u]! * Math.cos(ang);
        im[row + t] = im[row + t]! + w[u]! * Math.sin(ang);
      }
    }
  }
  return { re: { rows, cols: n, data: re }, im: { rows, cols: n, data: im } };
}

/** The keys of {@link MorletOptions}. */
const MORLET_KEYS = ['scales', 'bandwidth', 'center'];

/** Options of {@link morletFilters} and {@link morletFrame}. */
export interface MorletOptions {
  /** Scales s_j in samples (default: 48 scales geometrically spaced in [1, 128], as in the paper). */
  scales?: ArrayLike<number>;
  /** Bandwidth B of 'cmorB-C' (default 1). */
  bandwidth?: number;
  /** Center frequency C of 'cmorB-C' (default 1). */
  center?: number;
}

/** numpy.geomspace(start, stop, num). */
export function geomspace(start: number, stop: number, num: number): Float64Array {
  requireInt('geomspace', 'num', num, 1, MAX_LENGTH);
  if (!(start > 0 && stop > 0 && Number.isFinite(start) && Number.isFinite(stop))) {
    throw new DomainError(`geomspace: start and stop must be positive and num a positive integer, got ${start}, ${stop}, ${num}`);
  }
  const out = new Float64Array(num);
  const l0 = Math.log(start);
  const l1 = Math.log(stop);
  for (let i = 0; i < num; i++) out[i] = num === 1 ? start : Math.exp(l0 + ((l1 - l0) * i) / (num - 1));
  out[0] = start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * Complex Morlet filters on the circle of length n: psi_j[tau] = s_j^(-1/2) psi(tau / s_j) for the
 * circular offset tau in (-n/2, n/2], with psi(t) = (pi B)^(-1/2) exp(-t^2 / B) exp(2 pi i C t)
 * (PyWavelets' 'cmorB-C'; the paper uses cmor1-1). One filter per scale.
 */
export function morletFilters(n: number, opts: MorletOptions = {}): ComplexArray[] {
  return morletBank('morletFilters', n, opts);
}

/** {@link morletFilters} with errors naming `fn`, the function the user called. */
function morletBank(fn: string, n: number, opts: MorletOptions): ComplexArray[] {
  requireOptions(fn, opts, MORLET_KEYS);
  requireInt(fn, 'n', n, 1, MAX_LENGTH);
  const scales = opts.scales ? checkReal(fn, 'scales', opts.scales) : geomspace(1, 128, 48);
  const B = opts.bandwidth ?? 1;
  const C = opts.center ?? 1;
  if (!(B > 0) || !Number.isFinite(B)) throw new DomainError(`${fn}: bandwidth must be positive, got ${B}`);
  if (!Number.isFinite(C)) throw new DomainError(`${fn}: center must be finite, got ${C}`);
  const norm = 1 / Math.sqrt(Math.PI * B);
  const out: ComplexArray[] = [];
  for (let j = 0; j < scales.length; j++) {
    const s = scales[j]!;
    if (!(s > 0)) throw new DomainError(`${fn}: scales must be positive, got ${s} at ${j}`);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const f = norm / Math.sqrt(s);
    for (let t = 0; t < n; t++) {
      const tau = t <= n / 2 ? t : t - n;
      const u = tau / s;
      const g = f * Math.exp((-u * u) / B);
      re[t] = g * Math.cos(2 * Math.PI * C * u);
      im[t] = g * Math.sin(2 * Math.PI * C * u);
    }
    out.push({ re, im });
  }
  return out;
}

/**
 * Analysis operator of the undecimated Morlet wavelet frame on C^n: for each scale j and shift k,
 * the atom psi_j circularly shifted by k, so c[j n + k] = sum_t x[t] conj(psi_j[t - k]) (a
 * continuous wavelet transform sampled at every time step). Redundancy = number of scales (48 in
 * the paper). Shift-invariant: {@link filterBankFrameBounds} gives its bounds in O(J n log n).
 * @returns ComplexMatrix of shape (J n) x n. O(J n^2) to build.
 */
export function morletFrame(n: number, opts: MorletOptions = {}): ComplexMatrix {
  return filterBankFrame(morletBank('morletFrame', n, opts));
}

/**
 * Analysis operator of the shift-invariant frame generated by circular shifts of filters h_j:
 * row j n + k is conj(h_j[. - k]). O(J n^2).
 */
export function filterBankFrame(filters: ComplexArray[]): ComplexMatrix {
  const n = checkFilters('filterBankFrame', filters);
  const J = filters.length;
  const re = new Float64Array(J * n * n);
  const im = new Float64Array(J * n * n);
  for (let j = 0; j < J; j++) {
    const h = filters[j]!;
    for (let k = 0; k < n; k++) {
      const row = (j * n + k) * n;
      for (let t = 0; t < n; t++) {
        const idx = (t - k + n) % n;
        re[row + t] = h.re[idx]!;
        im[row + t] = -h.im[idx]!;
      }
    }
  }
  return { re: { rows: J * n, cols: n, data: re }, im: { rows: J * n, cols: n, data: im } };
}

function checkFilters(fn: string, filters: ComplexArray[]): number {
  if (!Array.isArray(filters) || filters.length === 0) throw new ShapeError(`${fn}: filters must be a non-empty array of ComplexArray`);
  const n = checkComplex(fn, 'filters[0]', filters[0]!);
  for (let j = 1; j < filters.length; j++) {
    if (checkComplex(fn, `filters[${j}]`, filters[j]!) !== n) {
      throw new ShapeError(`${fn}: filters[${j}] has length ${filters[j]!.re.length}, expected ${n}`);
    }
  }
  if (n === 0) throw new ShapeError(`${fn}: filters must have length >= 1`);
  return n;
}

/**
 * Coefficients of the shift-invariant frame of {@link filterBankFrame} without forming it:
 * c_j = IDFT(X .* conj(H_j)) (a circular cross-correlation), one FFT per filter.
 * O(J n log n). Returns one ComplexArray of length n per filter (the |.| of these is the paper's
 * |CWT| view for Morlet filters).
 */
export function filterBankAnalysis(filters: ComplexArray[], x: ComplexArray | ArrayLike<number>): ComplexArray[] {
  const n = checkFilters('filterBankAnalysis', filters);
  const X = fft(x);
  if (X.re.length !== n) throw new ShapeError(`filterBankAnalysis: x has length ${X.re.length}, expected ${n} (the filter length)`);
  const out: ComplexArray[] = [];
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (const h of filters) {
    const H = dftRaw(h.re, h.im, false);
    for (let w = 0; w < n; w++) {
      // X conj(H)
      pr[w] = X.re[w]! * H.re[w]! + X.im[w]! * H.im[w]!;
      pi[w] = X.im[w]! * H.re[w]! - X.re[w]! * H.im[w]!;
    }
    const c = dftRaw(pr, pi, true);
    for (let t = 0; t < n; t++) {
      c.re[t] = c.re[t]! / n;
      c.im[t] = c.im[t]! / n;
    }
    out.push(c);
  }
  return out;
}

/**
 * The paper's frame view |CWT|: magnitudes of the complex Morlet wavelet coefficients of a real
 * or complex signal, one row per scale (the modulus of {@link morletFrame}'s coefficients, computed
 * by FFT without forming the frame). O(J n log n).
 * @returns a J x n float64 matrix (J = number of scales).
 */
export function morletScalogram(x: ComplexArray | ArrayLike<number>, opts: MorletOptions = {}): Matrix<Float64Array> {
  requireOptions('morletScalogram', opts, MORLET_KEYS);
  const n = isComplexArray(x) ? x.re.length : checkReal('morletScalogram', 'x', x).length;
  const cs = filterBankAnalysis(morletBank('morletScalogram', n, opts), x);
  const data = new Float64Array(cs.length * n);
  for (let j = 0; j < cs.length; j++) {
    const c = cs[j]!;
    for (let t = 0; t < n; t++) data[j * n + t] = Math.hypot(c.re[t]!, c.im[t]!);
  }
  return { rows: cs.length, cols: n, data };
}

/** Frame bounds and the spectrum they come from. */
export interface FrameBounds {
  /** Lower frame bound A (smallest eigenvalue of S; 0 when the atoms do not span). */
  A: number;
  /** Upper frame bound B (largest eigenvalue of S). */
  B: number;
  /** All eigenvalues of S, ascending. */
  eigenvalues: Float64Array;
}

/**
 * Bounds of a shift-invariant frame from the DFT diagonalization of its circulant frame operator:
 * S = sum_j C_j^H C_j has eigenvalues lambda(w) = sum_j |H_j(w)|^2 for the DFTs H_j of the filters,
 * so A = min_w lambda(w), B = max_w lambda(w) (the discrete Littlewood-Paley sum). O(J n log n).
 */
export function filterBankFrameBounds(filters: ComplexArray[]): FrameBounds {
  const n = checkFilters('filterBankFrameBounds', filters);
  const lam = new Float64Array(n);
  for (const h of filters) {
    const H = dftRaw(h.re, h.im, false);
    for (let w = 0; w < n; w++) lam[w] = lam[w]! + H.re[w]! * H.re[w]! + H.im[w]! * H.im[w]!;
  }
  const eigenvalues = lam.slice().sort();
  return { A: eigenvalues[0]!, B: eigenvalues[n - 1]!, eigenvalues };
}

/**
 * Frame operator S = Phi^H Phi (n x n Hermitian positive semidefinite) of an analysis operator
 * Phi (M x n): S_re = Pr^T Pr + Pi^T Pi, S_im = Pr^T Pi - Pi^T Pr. O(M n^2).
 */
export function frameOperator(phi: ComplexMatrix): ComplexMatrix {
  checkComplexMatrix('frameOperator', 'phi', phi);
  const rr = matmul(phi.re, phi.re, { transA: true });
  const ii = matmul(phi.im, phi.im, { transA: true });
  const ri = matmul(phi.re, phi.im, { transA: true });
  const ir = matmul(phi.im, phi.re, { transA: true });
  const n = phi.re.cols;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      // Symmetrize: S is Hermitian exactly; rounding differs between (i,j) and (j,i).
      const kt = j * n + i;
      re[k] = 0.5 * (rr.data[k]! + ii.data[k]! + rr.data[kt]! + ii.data[kt]!);
      im[k] = 0.5 * (ri.data[k]! - ir.data[k]! - (ri.data[kt]! - ir.data[kt]!));
    }
  }
  return { re: { rows: n, cols: n, data: re }, im: { rows: n, cols: n, data: im } };
}

/**
 * Eigen-decomposition of a Hermitian H = X + iY through the real symmetric embedding
 * [[X, -Y], [Y, X]] (2n x 2n), whose spectrum is that of H with every eigenvalue appearing twice.
 */
function hermitianEigh(S: ComplexMatrix): { values: Float64Array; vectors: Matrix<Float64Array> } {
  const n = S.re.rows;
  const N = 2 * n;
  const E = new Float64Array(N * N);
  const X = S.re.data;
  const Y = S.im.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = X[i * n + j]!;
      const y = Y[i * n + j]!;
      E[i * N + j] = x;
      E[(i + n) * N + j + n] = x;
      E[i * N + j + n] = -y;
      E[(i + n) * N + j] = y;
    }
  }
  return eigh({ rows: N, cols: N, data: E });
}

/**
 * Frame bounds (A, B) of an analysis operator: the extreme eigenvalues of S = Phi^H Phi, from
 * the dense symmetric eigensolver ({@link eigh}) applied to S's real embedding. Eigenvalues are
 * accurate to O(eps B) absolutely. O(M n^2 + n^3).
 */
export function frameBounds(phi: ComplexMatrix): FrameBounds {
  checkComplexMatrix('frameBounds', 'phi', phi);
  const { phi: ps, e } = scaledFrame(phi);
  const b = scaledBounds('frameBounds', ps);
  if (e === 0) return b;
  // Back to phi's units: λ(S) scales by 4^e (Infinity or 0 where float64 cannot hold it).
  const f = (v: number): number => v * 2 ** e * 2 ** e;
  return { A: f(b.A), B: f(b.B), eigenvalues: b.eigenvalues.map(f) };
}

/** {@link frameBounds} of phi as given (checked); `fn` names the caller. */
function scaledBounds(fn: string, phi: ComplexMatrix): FrameBounds {
  const S = frameOperator(phi);
  const n = S.re.rows;
  if (n === 0) throw new ShapeError(`${fn}: phi must have at least one column`);
  const { values } = hermitianEigh(S);
  // Each eigenvalue of S appears twice in the embedding; take every other one.
  const eigenvalues = new Float64Array(n);
  for (let i = 0; i < n; i++) eigenvalues[i] = 0.5 * (values[2 * i]! + values[2 * i + 1]!);
  return { A: Math.max(0, eigenvalues[0]!), B: eigenvalues[n - 1]!, eigenvalues };
}

/**
 * phi times 2^−e, e chosen when phi's largest |entry| is outside 2^±400 (else e = 0 and phi
 * itself) so that the entry lands in [1/2, 1): S = Φ^H Φ sums squares, which overflow past about
 * 1e154 and underflow below 1e-154. |e| <= 1000 keeps 2^−e a normal number (exact scaling).
 */
function scaledFrame(phi: ComplexMatrix): { phi: ComplexMatrix; e: number } {
  let m = 0;
  for (const d of [phi.re.data, phi.im.data]) for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]!));
  if (m === 0 || (m >= 2 ** -400 && m <= 2 ** 400)) return { phi, e: 0 };
  const e = Math.max(-1000, Math.min(1000, Math.floor(Math.log2(m)) + 1));
  const f = 2 ** -e;
  const sc = (a: Matrix): Matrix => ({ rows: a.rows, cols: a.cols, data: Float64Array.from(a.data, (v) => v * f) });
  return { phi: { re: sc(phi.re), im: sc(phi.im) }, e };
}

/**
 * Whether a frame is tight (A = B, so S = A I and x = Phi^H Phi x / A): |B - A| <= rtol B.
 * The default rtol = 1e-10 allows the O(n eps) rounding of forming and diagonalizing S.
 */
export function isTightFrame(phi: ComplexMatrix, opts: { rtol?: number } = {}): boolean {
  requireOptions('isTightFrame', opts, ['rtol']);
  checkComplexMatrix('isTightFrame', 'phi', phi);
  // B/A is scale-free: compare the bounds of the scaled frame.
  const { A, B } = scaledBounds('isTightFrame', scaledFrame(phi).phi);
  return Math.abs(B - A) <= (opts.rtol ?? 1e-10) * B;
}

/**
 * Canonical dual frame (Duffin & Schaeffer 1952; Christensen, "An Introduction to Frames and
 * Riesz Bases", Thm 5.1.5): dual atoms S^{-1} g_i, i.e. the analysis operator Phi S^{-1}, so
 * that x = (Phi S^{-1})^H (Phi x) for every x (the minimum-norm reconstruction). S^{-1} comes
 * from the eigen-decomposition of S. O(M n^2 + n^3).
 * @throws DomainError when the atoms do not span C^n (A <= n eps B: not a frame).
 */
export function canonicalDual(phi: ComplexMatrix): ComplexMatrix {
  checkComplexMatrix('canonicalDual', 'phi', phi);
  // Φ S⁻¹ for Φ = 2^e Φ' is 2^−e Φ' S'⁻¹: work on the scaled frame, scale the dual back.
  const scaled = scaledFrame(phi);
  const dual = canonicalDualRaw(scaled.phi);
  if (scaled.e === 0) return dual;
  const f = 2 ** -scaled.e;
  for (const d of [dual.re.data, dual.im.data]) for (let i = 0; i < d.length; i++) d[i] = d[i]! * f;
  return dual;
}

/** {@link canonicalDual} of phi as given (checked). */
function canonicalDualRaw(phi: ComplexMatrix): ComplexMatrix {
  const S = frameOperator(phi);
  const n = S.re.rows;
  const N = 2 * n;
  const { values, vectors } = hermitianEigh(S);
  const Bmax = values[N - 1]!;
  if (!(values[0]! > n * 2.220446049250313e-16 * Bmax)) {
    throw new DomainError(`canonicalDual: lower frame bound ${values[0]} <= n eps B (B = ${Bmax}); the atoms do not span, so there is no dual frame`);
  }
  // Embedded inverse V diag(1/lambda) V^T; its top-left block is Re S^{-1}, bottom-left Im S^{-1}.
  const V = vectors.data;
  const invRe = new Float64Array(n * n);
  const invIm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < N; k++) {
        const f = V[j * N + k]! / values[k]!;
        sr += V[i * N + k]! * f;
        si += V[(i + n) * N + k]! * f;
      }
      invRe[i * n + j] = sr;
      invIm[i * n + j] = si;
    }
  }
  const Sr = { rows: n, cols: n, data: invRe };
  const Si = { rows: n, cols: n, data: invIm };
  // Phi S^{-1} = (Pr + i Pi)(Sr + i Si)
  const a = matmul(phi.re, Sr);
  const b = matmul(phi.im, Si);
  const c = matmul(phi.re, Si);
  const d = matmul(phi.im, Sr);
  const re = new Float64Array(a.data.length);
  const im = new Float64Array(a.data.length);
  for (let i = 0; i < re.length; i++) {
    re[i] = a.data[i]! - b.data[i]!;
    im[i] = c.data[i]! + d.data[i]!;
  }
  return { re: { rows: phi.re.rows, cols: n, data: re }, im: { rows: phi.re.rows, cols: n, data: im } };
}

/** Frame coefficients c = Phi x of a real or complex signal. O(M n). */
export function frameAnalysis(phi: ComplexMatrix, x: ComplexArray | ArrayLike<number>): ComplexArray {
  checkComplexMatrix('frameAnalysis', 'phi', phi);
  const n = phi.re.cols;
  const M = phi.re.rows;
  let xr: Float64Array;
  let xi: Float64Array | null = null;
  if (isComplexArray(x)) {
    checkComplex('frameAnalysis', 'x', x);
    xr = x.re;
    xi = x.im;
  } else xr = checkReal('frameAnalysis', 'x', x);
  if (xr.length !== n) throw new ShapeError(`frameAnalysis: x has length ${xr.length}, expected ${n} (phi is ${M}x${n})`);
  const Pr = phi.re.data;
  const Pi = phi.im.data;
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let sr = 0;
    let si = 0;
    const o = i * n;
    for (let t = 0; t < n; t++) {
      const ar = Pr[o + t]!;
      const ai = Pi[o + t]!;
      const vr = xr[t]!;
      const vi = xi ? xi[t]! : 0;
      sr += ar * vr - ai * vi;
      si += ar * vi + ai * vr;
    }
    re[i] = sr;
    im[i] = si;
  }
  return { re, im };
}

/** Synthesis Phi^H c (the adjoint of {@link frameAnalysis}). With the canonical dual's Phi it reconstructs x. O(M n). */
export function frameSynthesis(phi: ComplexMatrix, c: ComplexArray): ComplexArray {
  checkComplexMatrix('frameSynthesis', 'phi', phi);
  checkComplex('frameSynthesis', 'c', c);
  const n = phi.re.cols;
  const M = phi.re.rows;
  if (c.re.length !== M) throw new ShapeError(`frameSynthesis: c has length ${c.re.length}, expected ${M} (phi is ${M}x${n})`);
  const Pr = phi.re.data;
  const Pi = phi.im.data;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < M; i++) {
    const cr = c.re[i]!;
    const ci = c.im[i]!;
    const o = i * n;
    for (let t = 0; t < n; t++) {
      // conj(phi_it) c_i
      const ar = Pr[o + t]!;
      const ai = Pi[o + t]!;
      re[t] = re[t]! + ar * cr + ai * ci;
      im[t] = im[t]! + ar * ci - ai * cr;
    }
  }
  return { re, im };
}
