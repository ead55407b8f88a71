import { describe, expect, it } from 'vitest';
import { ARO, AdamW, DctAdamW, GaLoreAdamW, Muon, optimizerFromJSON, type OptimizerJSON, SGD, Trion } from '../src/index';

// A copy of @x/nn's Parameter and Optimizer interfaces (packages/nn/src/module.ts, optimizer.ts):
// @x/optim must satisfy them structurally without depending on @x/nn.
interface NnParameter {
  readonly name: string;
  readonly value: Float64Array;
  readonly grad: Float64Array;
  readonly shape: readonly number[];
}
interface NnOptimizer {
  step(params: NnParameter[]): void;
  toJSON(): unknown;
}

describe('drop-in for @x/nn', () => {
  it('every optimizer satisfies the nn Optimizer interface and trains nn-style parameters', () => {
    const make = (): NnOptimizer[] => [
      new SGD({ lr: 0.1, momentum: 0.9 }),
      new AdamW({ lr: 0.05 }),
      new Muon({ lr: 0.05, adamLr: 0.05 }),
      new GaLoreAdamW({ lr: 0.2, rank: 2, updateProjGap: 5, scale: 0.25 }),
      new DctAdamW({ lr: 0.05, rank: 2 }),
      new ARO({ lr: 0.25, adamLr: 0.05 }),
      new Trion({ lr: 0.05, rank: 2, adamLr: 0.05 }),
    ];
    for (const opt of make()) {
      // minimize ||W - T||² / 2 + ||b - c||² / 2 through the interface only
      const T = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i));
      const W: NnParameter = { name: '0.weight', value: new Float64Array(12), grad: new Float64Array(12), shape: [4, 3] };
      const b: NnParameter = { name: '0.bias', value: new Float64Array(4), grad: new Float64Array(4), shape: [4] };
      const loss = () => {
        let s = 0;
        for (let i = 0; i < 12; i++) s += (W.value[i]! - T[i]!) ** 2;
        for (let i = 0; i < 4; i++) s += (b.value[i]! - 1) ** 2;
        return s / 2;
      };
      const l0 = loss();
      for (let t = 0; t < 60; t++) {
        for (let i = 0; i < 12; i++) W.grad[i] = W.value[i]! - T[i]!;
        for (let i = 0; i < 4; i++) b.grad[i] = b.value[i]! - 1;
        opt.step([W, b]);
      }
      expect(loss(), opt.constructor.name).toBeLessThan(0.3 * l0);
      const back = optimizerFromJSON(opt.toJSON() as OptimizerJSON);
      expect(back.constructor).toBe(opt.constructor);
    }
  });
});
