/**
 * Minimal Adam (Kingma & Ba, ICLR 2015, Alg. 1) over flat parameter arrays, used by this
 * package's own training loops (state: first/second moments and the step count, serializable).
 * @x/nn's Adam is the shared one; this stays internal until that lands.
 */
export class AdamState {
  m: Float64Array[];
  v: Float64Array[];
  t = 0;
  constructor(
    sizes: number[],
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = sizes.map((n) => new Float64Array(n));
    this.v = sizes.map((n) => new Float64Array(n));
  }
  step(params: Float64Array[], grads: Float64Array[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let p = 0; p < params.length; p++) {
      const x = params[p]!;
      const g = grads[p]!;
      const m = this.m[p]!;
      const v = this.v[p]!;
      for (let i = 0; i < x.length; i++) {
        const gi = g[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        x[i] = x[i]! - (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.eps);
      }
    }
  }
  toJSON(): { lr: number; beta1: number; beta2: number; eps: number; t: number; m: number[][]; v: number[][] } {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, t: this.t, m: this.m.map((a) => Array.from(a)), v: this.v.map((a) => Array.from(a)) };
  }
  static fromJSON(j: ReturnType<AdamState['toJSON']>): AdamState {
    const s = new AdamState(
      j.m.map((a) => a.length),
      j.lr,
      j.beta1,
      j.beta2,
      j.eps,
    );
    s.t = j.t;
    s.m = j.m.map((a) => Float64Array.from(a));
    s.v = j.v.map((a) => Float64Array.from(a));
    return s;
  }
}
