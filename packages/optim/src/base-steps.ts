import { assertMatrix, type Matrix } from '@x/gpu';
import { checkFinite, checkOneOf, checkOptions, checkSteps } from '@x/gpu/checks';

/** Guards divisions by zero-norm rows and columns. */
const TINY = 1e-30;

/**
 * Row normalization f_RN(X) = sqrt(n) diag(||X_i||)^-1 X: every row rescaled to l2 norm
 * sqrt(n) (the base step under which ARO recovers Muon, Gong et al., ARO, arXiv 2602.09006,
 * App. A). Zero rows stay zero. Shapes m x n -> m x n; O(m n).
 */
export function rowNormalize(X: Matrix): Matrix<Float64Array> {
  assertMatrix('rowNormalize', 'X', X);
  checkFinite('rowNormalize', 'X', X);
  const { rows: m, cols: n, data } = X;
  const out = new Float64Array(m * n);
  const target = Math.sqrt(n);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += data[i * n + j]! * data[i * n + j]!;
    const f = s > TINY ? target / Math.sqrt(s) : 0;
    for (let j = 0; j < n; j++) out[i * n + j] = data[i * n + j]! * f;
  }
  return { rows: m, cols: n, data: out };
}

/** Elementwise sign (0 stays 0): the SignGD base step. O(m n). */
export function signStep(X: Matrix): Matrix<Float64Array> {
  assertMatrix('signStep', 'X', X);
  const out = new Float64Array(X.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.sign(X.data[i]!);
  return { rows: X.rows, cols: X.cols, data: out };
}

/** Options of {@link sinkhornStep}. */
export interface SinkhornOptions {
  /** Number of normalization rounds L, default 5. */
  iterations?: number;
  /**
   * 'alternating' (default; SinkGD's Alg. 1 and microsoft/dion's ARO): rows to norm sqrt(n),
   * then columns to norm sqrt(m), L times. 'simultaneous': both scalings computed from the same
   * X each round and apply their geometric mean (see {@link sinkhornStep}).
   */
  mode?: 'alternating' | 'simultaneous';
}

/**
 * The SinkGD base step (Scetbon et al., "Gradient Multi-Normalization for Stateless and
 * Scalable LLM Training", 2025, Alg. 1; ARO's default "ARO-Sinkhorn"): L rounds of l2 row and
 * column normalization, rows to norm sqrt(n) and columns to norm sqrt(m), so the output has
 * unit RMS. 'alternating' normalizes rows then columns each round. 'simultaneous' (one reading
 * of the ARO paper, unverified) computes both norms from the same X and applies the geometric
 * mean of the two scalings, X_ij <- X_ij sqrt((sqrt(n)/r_i) (sqrt(m)/c_j)), which has the same
 * fixed points. Zero rows/columns stay zero. Shapes m x n -> m x n; O(L m n).
 * @throws DomainError when `iterations` is not an integer in [0, MAX_STEPS] (checked before iterating).
 */
export function sinkhornStep(X: Matrix, opts: SinkhornOptions = {}): Matrix<Float64Array> {
  assertMatrix('sinkhornStep', 'X', X);
  checkOptions('sinkhornStep', opts, ['iterations', 'mode']);
  const L = checkSteps('sinkhornStep', 'iterations', opts.iterations ?? 5);
  const mode = checkOneOf('sinkhornStep', 'mode', opts.mode ?? 'alternating', ['alternating', 'simultaneous'] as const);
  const { rows: m, cols: n } = X;
  const out = Float64Array.from(X.data);
  const rn = new Float64Array(m);
  const cn = new Float64Array(n);
  const sn = Math.sqrt(n);
  const sm = Math.sqrt(m);
  for (let it = 0; it < L; it++) {
    rn.fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) rn[i] += out[i * n + j]! * out[i * n + j]!;
    if (mode === 'alternating') {
      for (let i = 0; i < m; i++) {
        const f = rn[i]! > TINY ? sn / Math.sqrt(rn[i]!) : 0;
        for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! * f;
      }
    }
    cn.fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) cn[j] += out[i * n + j]! * out[i * n + j]!;
    if (mode === 'alternating') {
      for (let j = 0; j < n; j++) cn[j] = cn[j]! > TINY ? sm / Math.sqrt(cn[j]!) : 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! * cn[j]!;
    } else {
      for (let i = 0; i < m; i++) rn[i] = rn[i]! > TINY ? sn / Math.sqrt(rn[i]!) : 0;
      for (let j = 0; j < n; j++) cn[j] = cn[j]! > TINY ? sm / Math.sqrt(cn[j]!) : 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! * Math.sqrt(rn[i]! * cn[j]!);
    }
  }
  return { rows: m, cols: n, data: out };
}
