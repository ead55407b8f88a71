/** Adam moments and step count for {@link adamStep} (internal). */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  t: number;
}

/**
 * One Adam step (Kingma & Ba 2015; β1 = 0.9, β2 = 0.999, ε = 1e-8, bias-corrected) on a flat
 * parameter vector, in place. Internal: shared by the package's full-batch fits. O(params).
 */
export function adamStep(params: Float64Array, grad: ArrayLike<number>, s: AdamState, lr: number): void {
  s.t += 1;
  const c1 = 1 - 0.9 ** s.t;
  const c2 = 1 - 0.999 ** s.t;
  for (let i = 0; i < params.length; i++) {
    const g = grad[i]!;
    s.m[i] = 0.9 * s.m[i]! + 0.1 * g;
    s.v[i] = 0.999 * s.v[i]! + 0.001 * g * g;
    params[i]! -= (lr * s.m[i]! / c1) / (Math.sqrt(s.v[i]! / c2) + 1e-8);
  }
}
