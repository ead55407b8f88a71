import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { Adam, type Optimizer, type Parameter, SGD } from '../src';
import { expectBitwiseEqual } from './helpers';

const param = (name: string, value: number[], grad: number[]): Parameter => ({
  name,
  value: Float64Array.from(value),
  grad: Float64Array.from(grad),
  shape: [value.length],
});

describe('Adam', () => {
  it('follows Kingma & Ba, Algorithm 1, step by step', () => {
    const p = param('w', [1, -2], [0.5, -1]);
    const adam = new Adam({ lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8 });
    let m = [0, 0];
    let v = [0, 0];
    const w = [1, -2];
    for (let t = 1; t <= 3; t++) {
      const g = [0.5 * t, -1 / t];
      p.grad.set(g);
      adam.step([p]);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]!);
      v = v.map((vi, i) => 0.99 * vi + 0.01 * g[i]! * g[i]!);
      for (let i = 0; i < 2; i++) w[i]! -= (0.1 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.99 ** t)) + 1e-8);
      expect(p.value[0]).toBeCloseTo(w[0]!, 14);
      expect(p.value[1]).toBeCloseTo(w[1]!, 14);
    }
    // First step moves every coordinate by about lr (the sign of g): bias correction works.
    const q = param('q', [0, 0], [1e-4, -3]);
    new Adam({ lr: 0.01 }).step([q]);
    expect(q.value[0]).toBeCloseTo(-0.01, 4);
    expect(q.value[1]).toBeCloseTo(0.01, 8);
  });

  it('decoupled weight decay shrinks weights with zero gradient', () => {
    const p = param('w', [2], [0]);
    new Adam({ lr: 0.1, weightDecay: 0.5 }).step([p]);
    expect(p.value[0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 15);
  });

  it('resumes from toJSON bit-identically', () => {
    const run = (opt: Optimizer, p: Parameter, from: number, to: number) => {
      for (let t = from; t < to; t++) {
        p.grad.set([Math.sin(t), Math.cos(3 * t), t % 3]);
        opt.step([p]);
      }
    };
    const a = param('w', [1, 2, 3], [0, 0, 0]);
    const adam = new Adam({ lr: 0.05, weightDecay: 0.01 });
    run(adam, a, 0, 10);
    const snap = JSON.parse(JSON.stringify(adam.toJSON()));
    const b = param('w', Array.from(a.value), [0, 0, 0]);
    run(adam, a, 10, 20);
    const resumed = Adam.fromJSON(snap);
    expect(resumed.t).toBe(10);
    run(resumed, b, 10, 20);
    expectBitwiseEqual(b.value, a.value);
  });

  it('rejects bad hyperparameters and mismatched state', () => {
    expect(() => new Adam({ lr: -1 })).toThrow(DomainError);
    expect(() => new Adam({ beta1: 1 })).toThrow(/beta1/);
    const adam = new Adam();
    adam.step([param('w', [1, 2], [0, 0])]);
    expect(() => adam.step([param('w', [1, 2, 3], [0, 0, 0])])).toThrow(ShapeError);
    adam.lr = Number.NaN;
    expect(() => adam.step([param('w', [1, 2], [0, 0])])).toThrow(/lr/);
    expect(() => Adam.fromJSON({ type: 'SGD' } as never)).toThrow(DomainError);
  });
});

describe('SGD', () => {
  it('plain, momentum and Nesterov updates', () => {
    const p = param('w', [1], [2]);
    new SGD({ lr: 0.1 }).step([p]);
    expect(p.value[0]).toBeCloseTo(0.8, 15);

    const q = param('w', [0], [1]);
    const mom = new SGD({ lr: 1, momentum: 0.9 });
    mom.step([q]); // b = 1, w = -1
    mom.step([q]); // b = 1.9, w = -2.9
    expect(q.value[0]).toBeCloseTo(-2.9, 14);

    const r = param('w', [0], [1]);
    const nes = new SGD({ lr: 1, momentum: 0.9, nesterov: true });
    nes.step([r]); // b = 1, w -= 1 + 0.9
    nes.step([r]); // b = 1.9, w -= 1 + 1.71
    expect(r.value[0]).toBeCloseTo(-(1.9 + 2.71), 14);
  });

  it('resumes from toJSON bit-identically and validates options', () => {
    const a = param('w', [1, -1], [0, 0]);
    const sgd = new SGD({ lr: 0.1, momentum: 0.5, weightDecay: 0.1 });
    for (let t = 0; t < 5; t++) {
      a.grad.set([t, -t * t]);
      sgd.step([a]);
    }
    const again = SGD.fromJSON(JSON.parse(JSON.stringify(sgd)));
    const b = param('w', Array.from(a.value), [0, 0]);
    for (let t = 5; t < 9; t++) {
      a.grad.set([t, 1 / t]);
      b.grad.set([t, 1 / t]);
      sgd.step([a]);
      again.step([b]);
    }
    expectBitwiseEqual(b.value, a.value);
    expect(() => new SGD({ momentum: 1 })).toThrow(DomainError);
    expect(() => new SGD({ nesterov: true })).toThrow(/nesterov/);
  });
});
