import { randn, rng } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARO, AdamW, DctAdamW, GaLoreAdamW, Muon, type Optimizer, optimizerFromJSON, type ParamLike, SGD, Trion, warmupCosine } from '../src/index';
import { bitEqual } from '@x/test-utils';

const makers: ((r: number) => Optimizer)[] = [
  () => new SGD({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  () => new AdamW({ lr: 0.01, schedule: warmupCosine({ warmup: 2, total: 8 }) }),
  () => new Muon({ lr: 0.02, weightDecay: 0.1 }),
  (r) => new GaLoreAdamW({ lr: 0.01, rank: r, updateProjGap: 2, projType: 'full' }),
  (r) => new DctAdamW({ lr: 0.01, rank: r, rotateSubspace: true, errorFeedback: true, norm: 2 }),
  () => new ARO({ lr: 0.02, base: 'sinkhorn', weightDecay: 0.01 }),
  () => new ARO({ lr: 0.02, base: 'adam', orientation: 'rows' }),
  (r) => new Trion({ lr: 0.02, rank: r, weightDecay: 0.01 }),
];

function params(m: number, n: number, seed: number): { ps: ParamLike[]; grads: Float64Array[] } {
  const W = randn(m, n, seed);
  const b = new Float64Array(m);
  const gW = new Float64Array(m * n);
  const gb = new Float64Array(m);
  return {
    ps: [
      { name: 'W', value: W.data, grad: gW, shape: [m, n] },
      { name: 'b', value: b, grad: gb, shape: [m] },
    ],
    grads: [gW, gb],
  };
}

describe('properties', () => {
  it('any optimizer, any shape, any cut: resuming from JSON is bit-identical', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: makers.length - 1 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (k, m, n, steps, seed) => {
          const r = Math.min(m, n) > 1 ? 2 : 1;
          const run = (cut: number): Float64Array => {
            let opt = makers[k]!(r);
            const { ps, grads } = params(m, n, seed);
            const g = rng(seed + 1);
            for (let t = 0; t < steps; t++) {
              if (t === cut) opt = optimizerFromJSON(JSON.parse(JSON.stringify(opt.toJSON())));
              for (const a of grads) g.fillNormal(a);
              opt.step(ps);
            }
            return Float64Array.from([...(ps[0]!.value as Float64Array), ...(ps[1]!.value as Float64Array)]);
          };
          const straight = run(-1);
          const resumed = run(Math.floor(steps / 2));
          expect(bitEqual(straight, resumed)).toBe(true);
          expect(straight.every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('zero gradients and 1x1 / 1xn / nx1 matrices stay finite for every optimizer', () => {
    for (const [m, n] of [
      [1, 1],
      [1, 5],
      [5, 1],
      [3, 3],
    ] as const) {
      for (const mk of makers) {
        const opt = mk(1);
        const { ps } = params(m, n, 3);
        opt.step(ps); // zero gradients
        const W = ps[0]!.value as Float64Array;
        expect(W.every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('float32 parameters are updated in place in float32', () => {
    const value = new Float32Array([1, 2, 3, 4, 5, 6]);
    const grad = new Float32Array([0.1, -0.2, 0.3, -0.4, 0.5, -0.6]);
    new Muon({ lr: 0.1 }).step([{ name: 'w', value: { rows: 2, cols: 3, data: value }, grad: { rows: 2, cols: 3, data: grad } }]);
    expect(value[0]).not.toBe(1);
    expect(value).toBeInstanceOf(Float32Array);
  });
});
