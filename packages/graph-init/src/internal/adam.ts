import type { GraphParameter } from '../graph/gcn-layer';

/**
 * Minimal Adam (Kingma & Ba 2015, Algorithm 1) over named parameters, updating values in
 * place. Internal helper for experiments until @x/optim / @x/nn's Adam is published.
 */
export class TinyAdam {
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();
  private t = 0;
  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(params: readonly GraphParameter[]): void {
    this.t++;
    const b1 = 1 - this.beta1 ** this.t;
    const b2 = 1 - this.beta2 ** this.t;
    for (const p of params) {
      let m = this.m.get(p.name);
      let v = this.v.get(p.name);
      if (!m || !v) {
        m = new Float64Array(p.value.length);
        v = new Float64Array(p.value.length);
        this.m.set(p.name, m);
        this.v.set(p.name, v);
      }
      for (let i = 0; i < p.value.length; i++) {
        const g = p.grad[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * g;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * g * g;
        p.value[i]! -= (this.lr * (m[i]! / b1)) / (Math.sqrt(v[i]! / b2) + this.eps);
      }
    }
  }
}
