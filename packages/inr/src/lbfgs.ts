import { DomainError } from '@x/gpu';
import { checkAborted, checkFunction, checkNonNegative, checkSize, checkSteps, checkVector } from '@x/gpu/checks';
import { checkLoopOptions } from './internal-checks';

/** A smooth objective: value and gradient at θ. May throw (treated as +∞ during line search). */
export type Objective = (theta: Float64Array) => { value: number; grad: Float64Array };

/** Options of {@link lbfgs}. */
export interface LbfgsOptions {
  /** Iterations (default 200). */
  maxIter?: number;
  /** History size m (default 10). */
  memory?: number;
  /** Stop when ‖g‖∞ < gtol (default 1e-8). */
  gtol?: number;
  onProgress?: (info: { iter: number; value: number }) => void;
  signal?: AbortSignal;
}

/** Result of {@link lbfgs}. */
export interface LbfgsResult {
  theta: Float64Array;
  value: number;
  iterations: number;
  /** Objective value after each iteration. */
  history: number[];
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function safeEval(f: Objective, theta: Float64Array): { value: number; grad: Float64Array } | null {
  try {
    const r = f(theta);
    return Number.isFinite(r.value) && r.grad.every(Number.isFinite) ? r : null;
  } catch (e) {
    if (e instanceof DomainError) return null;
    throw e;
  }
}

/**
 * Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 7.4 two-loop
 * recursion) with a backtracking Armijo line search (Alg. 3.1, c1 = 1e-4), skipping curvature
 * pairs with sᵀy ≤ 0. Points where the objective throws a DomainError (e.g. a Cholesky
 * failure) are treated as +∞. Stops at ‖g‖∞ < gtol, at maxIter, when no step decreases the
 * objective, or once the accepted step had to shrink below 2^-30 (the decrease is then at
 * rounding level; continuing would only spend line searches of ~40 evaluations each).
 * O(m · dim) per iteration plus the objective.
 * @throws DomainError when `maxIter` is not an integer in [0, MAX_STEPS] or `memory` not an integer size >= 1 (checked before iterating).
 */
export function lbfgs(f: Objective, theta0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  checkFunction('lbfgs', 'f', f);
  checkVector('lbfgs', 'theta0', theta0);
  checkLoopOptions('lbfgs', opts, ['maxIter', 'memory', 'gtol', 'onProgress', 'signal'], false);
  const maxIter = checkSteps('lbfgs', 'maxIter', opts.maxIter ?? 200);
  const m = checkSize('lbfgs', 'memory', opts.memory ?? 10, 1);
  const gtol = checkNonNegative('lbfgs', 'gtol', opts.gtol ?? 1e-8);
  let x = Float64Array.from(theta0);
  const first = safeEval(f, x);
  if (!first) throw new DomainError('lbfgs: the objective is not finite at the starting point');
  let { value, grad } = first;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const history: number[] = [];
  let iter = 0;
  for (; iter < maxIter; iter++) {
    checkAborted('lbfgs', opts.signal);
    let gmax = 0;
    for (const v of grad) gmax = Math.max(gmax, Math.abs(v));
    if (gmax < gtol) break;
    // Two-loop recursion: direction p = −H g.
    const q = Float64Array.from(grad);
    const alphas: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      const a = dot(S[i]!, q) / dot(Y[i]!, S[i]!);
      alphas[i] = a;
      for (let j = 0; j < q.length; j++) q[j]! -= a * Y[i]![j]!;
    }
    const gamma = S.length ? dot(S.at(-1)!, Y.at(-1)!) / dot(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1, gmax);
    for (let j = 0; j < q.length; j++) q[j]! *= gamma;
    for (let i = 0; i < S.length; i++) {
      const b = dot(Y[i]!, q) / dot(Y[i]!, S[i]!);
      for (let j = 0; j < q.length; j++) q[j]! += S[i]![j]! * (alphas[i]! - b);
    }
    const p = q.map((v) => -v);
    let slope = dot(p, grad);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      for (let j = 0; j < p.length; j++) p[j] = -grad[j]! / Math.max(1, gmax);
      slope = dot(p, grad);
    }
    let step = 1;
    let next: { value: number; grad: Float64Array } | null = null;
    let xn = x;
    for (let ls = 0; ls < 40; ls++) {
      xn = x.map((v, j) => v + step * p[j]!);
      next = safeEval(f, xn);
      if (next && next.value <= value + 1e-4 * step * slope) break;
      next = null;
      step *= 0.5;
    }
    if (!next) break;
    const s = xn.map((v, j) => v - x[j]!);
    const yv = next.grad.map((v, j) => v - grad[j]!);
    if (dot(s, yv) > 1e-12 * Math.sqrt(dot(s, s) * dot(yv, yv))) {
      S.push(s);
      Y.push(yv);
      if (S.length > m) {
        S.shift();
        Y.shift();
      }
    }
    x = xn;
    value = next.value;
    grad = next.grad;
    history.push(value);
    opts.onProgress?.({ iter, value });
    if (step < 2 ** -30) {
      iter++;
      break;
    }
  }
  return { theta: x, value, iterations: iter, history };
}
