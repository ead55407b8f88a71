import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { ARO, AdamW, aroRotationFixedPoint, DctAdamW, GaLoreAdamW, Muon, newtonSchulz5, optimizerFromJSON, type ParamLike, SGD, sinkhornStep, Trion, warmupCosine } from '../src/index';

const mk = (rows: number, cols: number, fill = 0.5): ParamLike => ({
  name: 'w',
  value: { rows, cols, data: new Float64Array(rows * cols).fill(1) },
  grad: { rows, cols, data: new Float64Array(rows * cols).fill(fill) },
});

describe('iteration counts are checked before iterating (a huge or infinite count used to hang)', () => {
  const X = { rows: 3, cols: 2, data: Float64Array.of(1, 2, 3, 4, 5, 7) };
  it.each([Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 53 + 2, -1, 1.5, Number.NaN])('count %s', (n) => {
    expect(() => sinkhornStep(X, { iterations: n })).toThrow(/sinkhornStep: iterations must be an integer in \[0, 10000000\]/);
    expect(() => newtonSchulz5(X, { steps: n })).toThrow(/newtonSchulz5: steps must be an integer in \[0, 10000000\]/);
    expect(() => aroRotationFixedPoint(X, n)).toThrow(DomainError);
    expect(() => aroRotationFixedPoint(X, n)).toThrow(/aroRotationFixedPoint: iterations/);
  });
  it('valid counts still run (0 iterations return the input)', () => {
    expect(sinkhornStep(X, { iterations: 0 }).data).toEqual(X.data);
    expect(newtonSchulz5(X, { steps: 2 }).rows).toBe(3);
  });
});

describe('bad hyperparameters get clear errors', () => {
  it('negative or non-finite learning rates', () => {
    for (const C of [SGD, AdamW, Muon, GaLoreAdamW, DctAdamW, ARO, Trion]) {
      expect(() => new C({ lr: -1 })).toThrow(DomainError);
      expect(() => new C({ lr: Number.NaN })).toThrow(/lr must be a finite number >= 0/);
    }
  });

  it('betas, momentum, eps, weight decay out of range', () => {
    expect(() => new AdamW({ betas: [1, 0.9] })).toThrow(DomainError);
    expect(() => new AdamW({ eps: -1 })).toThrow(DomainError);
    expect(() => new AdamW({ weightDecay: -0.1 })).toThrow(DomainError);
    expect(() => new Muon({ momentum: 1.5 })).toThrow(DomainError);
    expect(() => new Muon({ nsSteps: 2.5 })).toThrow(DomainError);
    expect(() => new SGD({ nesterov: true })).toThrow(/nesterov/);
    expect(() => new ARO({ base: 'adagrad' as 'sign' })).toThrow(DomainError);
    expect(() => new ARO({ base: 'adam', baseBeta2: 1 })).toThrow(DomainError);
    expect(() => new ARO({ base: 'adam', baseEps: -1 })).toThrow(DomainError);
    expect(() => new GaLoreAdamW({ projType: 'diag' as 'std' })).toThrow(DomainError);
    expect(() => new DctAdamW({ norm: 3 as 1 })).toThrow(DomainError);
    expect(() => new Trion({ momentum: 1.5 })).toThrow(/Trion/);
    expect(() => new Trion({ shapeScale: 'kimi' as 'none' })).toThrow(DomainError);
    expect(() => new AdamW({ schedule: { kind: 'warmupCosine', warmup: 10, total: 5 } })).toThrow(DomainError);
    expect(() => warmupCosine({ warmup: -1, total: 5 })).toThrow(DomainError);
  });

  it('rank above the matrix size is rejected before any state changes', () => {
    for (const opt of [new GaLoreAdamW({ rank: 5 }), new DctAdamW({ rank: 5 }), new Trion({ rank: 5 })]) {
      const p = mk(6, 4);
      expect(() => opt.step([p])).toThrow(/rank must be an integer in \[1, 4\] for a \d+x\d+ matrix, got 5/);
      expect(Array.from((p.value as { data: Float64Array }).data)).toEqual(new Array(24).fill(1));
      expect(opt.toJSON().state.t).toBe(0);
    }
  });

  it('NaN gradients are rejected and leave parameters and state unchanged', () => {
    for (const opt of [new SGD({ momentum: 0.9 }), new AdamW(), new Muon(), new GaLoreAdamW({ rank: 2 }), new DctAdamW({ rank: 2 }), new ARO(), new Trion({ rank: 2 })]) {
      const good = mk(5, 3);
      opt.step([good]);
      const before = JSON.stringify(opt.toJSON());
      const w = Float64Array.from((good.value as { data: Float64Array }).data);
      const bad = { ...good, grad: { rows: 5, cols: 3, data: new Float64Array(15).fill(0.1) } };
      bad.grad.data[7] = Number.NaN;
      const other: ParamLike = { name: 'b', value: new Float64Array(3), grad: new Float64Array(3).fill(1) };
      expect(() => opt.step([other, bad])).toThrow(/grad of "w"\[7\] is NaN/);
      expect(JSON.stringify(opt.toJSON())).toBe(before);
      expect(Array.from((good.value as { data: Float64Array }).data)).toEqual(Array.from(w));
      expect(Array.from(other.value as Float64Array)).toEqual([0, 0, 0]);
    }
  });

  it('shape changes, duplicate names and malformed parameters', () => {
    const opt = new AdamW();
    opt.step([mk(2, 3)]);
    expect(() => opt.step([mk(3, 3)])).toThrow(ShapeError);
    expect(() => opt.step([mk(2, 3), mk(2, 3)])).toThrow(/duplicate/);
    expect(() => opt.step([{ name: 'x', value: new Float64Array(3), grad: new Float64Array(2) }])).toThrow(ShapeError);
    expect(() => opt.step([{ name: 'x', value: new Float64Array(6), grad: new Float64Array(6), shape: [4, 2] }])).toThrow(ShapeError);
  });

  it('fromJSON rejects foreign or corrupt JSON', () => {
    const j = new AdamW().toJSON();
    expect(() => Muon.fromJSON(j as never)).toThrow(DomainError);
    expect(() => optimizerFromJSON({ ...j, type: 'Lion' })).toThrow(/unknown optimizer type/);
    const opt = new AdamW();
    opt.step([mk(2, 2)]);
    const bad = JSON.parse(JSON.stringify(opt.toJSON()));
    bad.state.params.w.m.b64 = '###';
    expect(() => AdamW.fromJSON(bad)).toThrow(DomainError);
  });
});
