import { type Matrix, type Rng } from '@x/gpu';
import { throwIfAborted } from '@x/gpu/experiments';

/** Throws an AbortError when the signal has been aborted (experiments check between steps). */
export function checkAborted(signal?: AbortSignal): void {
  throwIfAborted(signal);
}

/** Milliseconds from a monotonic clock (performance.now exists in browsers and Node). */
export function now(): number {
  return globalThis.performance.now();
}

/** Yields to the event loop so progress can render. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A random n x n matrix with orthonormal columns (modified Gram-Schmidt, twice). */
export function randomOrthogonal(n: number, r: Rng): Matrix<Float64Array> {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < Q.length; i++) Q[i] = r.normal();
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < n; j++) {
      for (let q = 0; q < j; q++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + j]! * Q[i * n + q]!;
        for (let i = 0; i < n; i++) Q[i * n + j] = Q[i * n + j]! - d * Q[i * n + q]!;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += Q[i * n + j]! ** 2;
      const inv = 1 / Math.sqrt(s);
      for (let i = 0; i < n; i++) Q[i * n + j] = Q[i * n + j]! * inv;
    }
  }
  return { rows: n, cols: n, data: Q };
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? x.toFixed(digits) : x.toExponential(2);
}
