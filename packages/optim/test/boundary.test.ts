// Issue 16, @x/optim: one representative call per cause the fuzz suite found. Optimizers refuse
// unknown options, non-finite weights (not only gradients) and shapes that do not hold their
// values; Muon refuses a state built for another shape of the same size.
import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { AdamW, Muon, muonShapeScale, scheduleFactor, SGD, sinkhornStep, warmupCosine } from '../src';

const param = (rows: number, cols: number, w = 0.5) => ({
  name: 'w',
  value: new Float64Array(rows * cols).fill(w),
  grad: new Float64Array(rows * cols).fill(0.1),
  shape: [rows, cols],
});

describe('issue 16: bad input to @x/optim is a typed error naming the optimizer or function', () => {
  it('Muon: a 6x4 state is not reused for a 4x6 parameter of the same name', () => {
    const m = new Muon({ lr: 0.02 });
    m.step([param(6, 4)]);
    expect(() => m.step([param(4, 6)])).toThrow(ShapeError);
    expect(() => m.step([param(4, 6)])).toThrow(/Muon: parameter "w" is 4x6, but the optimizer state was built for 6x4/);
    m.step([param(6, 4)]);
    expect(m.stepCount).toBe(2);
  });

  it('weights are checked as well as gradients, and the shape must hold the values', () => {
    const p = param(2, 3);
    p.value[4] = Number.NaN;
    expect(() => new AdamW().step([p])).toThrow(/AdamW: value of "w"\[4\] is NaN/);
    expect(() => new SGD().step([{ ...param(2, 3), shape: 'list' as never }])).toThrow(ShapeError);
  });

  it('options: unknown keys, non-objects and non-boolean flags', () => {
    expect(() => new AdamW({ weightDecy: 0.1 } as never)).toThrow(/AdamW: unknown option "weightDecy"/);
    expect(() => new SGD(null as never)).toThrow(DomainError);
    expect(() => new Muon({ nesterov: 1 } as never)).toThrow(/Muon: nesterov must be true or false/);
    expect(() => sinkhornStep({ rows: 1, cols: 1, data: new Float64Array(1) }, { mode: 'both' } as never)).toThrow(DomainError);
    expect(() => warmupCosine(null as never)).toThrow(DomainError);
  });

  it('scheduleFactor and muonShapeScale check their arguments', () => {
    const s = warmupCosine({ warmup: 2, total: 10 });
    expect(() => scheduleFactor(s, 1.5)).toThrow(/scheduleFactor: t/);
    expect(() => scheduleFactor({ ...s, minFactor: Number.NaN } as never, 3)).toThrow(DomainError);
    expect(() => muonShapeScale('kellr' as never, 6, 4)).toThrow(/muonShapeScale: kind/);
    expect(muonShapeScale('keller', 6, 4)).toBeCloseTo(Math.sqrt(1.5), 15);
  });
});
