import { DomainError, rng, ShapeError } from '@x/gpu';
import { Linear } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { checkRationalCoefficients, fitGp, GroupRational, gpNlml, kronSolve, lbfgs, poissonApply2d, rational, rbfProbes, sirenModel, sirenInit, smInit, winnerScales } from '../src';
import { bandSignal, circlePoints, grkanData, trainMse } from '../src/experiments-entry';

// The public boundary (issue 16): bad arguments end in a typed error naming the function.
describe('inr boundary checks', () => {
  it('experiment helpers bound sizes and steps before allocating or looping (these hung)', () => {
    expect(() => bandSignal(2 ** 31, 0.1, 0.3, 1)).toThrow(/bandSignal: n/);
    expect(() => grkanData(2 ** 31)).toThrow(/grkanData: n/);
    const model = new Linear(1, 1, { seed: 1 });
    const x = { rows: 2, cols: 1, data: Float64Array.of(0, 1) };
    expect(() => trainMse(model, x, x, { steps: Number.POSITIVE_INFINITY, lr: 0.01 })).toThrow(/trainMse: steps/);
    expect(() => trainMse(model, x, x, { steps: 2 ** 31, lr: 0.01 })).toThrow(DomainError);
    expect(() => trainMse(model, x, x, { steps: 2, lr: 0.01, stopOnNonFinite: 'yes' as unknown as boolean })).toThrow(/stopOnNonFinite/);
    expect(() => circlePoints(4, 5, rng(1))).toThrow(/circlePoints: a/);
  });

  it('bandSignal refuses an empty band (lo > hi gave NaN)', () => {
    expect(() => bandSignal(64, 0.3, 0.1, 1)).toThrow(/bandSignal: the band \[lo, hi\] = \[0.3, 0.1\] is empty/);
    expect(bandSignal(64, 0.1, 0.3, 1).every(Number.isFinite)).toBe(true);
  });

  it('GroupRational refuses NaN inputs and coefficients naming the tensor and index', () => {
    const g = new GroupRational(4, { groups: 2 });
    const x = { rows: 2, cols: 4, data: Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, Number.NaN, 0.7, 0.8) };
    expect(() => g.forward(x)).toThrow(/GroupRational\(4\): x\[1, 1\] is NaN/);
    g.denominator[5] = Number.POSITIVE_INFINITY;
    expect(() => g.forward({ rows: 1, cols: 4, data: Float64Array.of(0.1, 0.2, 0.3, 0.4) })).toThrow(/denominator\[5\] is Infinity/);
    expect(() => new GroupRational(4, { groups: 2, fuzz: 1 } as object)).toThrow(/unknown option "fuzz"/);
  });

  it('scalar helpers check their vectors', () => {
    const c = { a: [0, 1, 0, 0, 0, 0], b: [0, 0, 0, 0] };
    expect(() => rational(0.3, c.a.slice(0, 5), c.b)).toThrow(ShapeError);
    expect(() => rational(Number.NaN, c.a, c.b)).toThrow(/rational: x/);
    expect(() => checkRationalCoefficients('f', { a: c.a, b: [0, 0, 0, Number.NaN] })).toThrow(/f: b\[3\] is NaN/);
    expect(() => winnerScales('0.2' as unknown as number, 1)).toThrow(/winnerScales/);
  });

  it('GP, Kronecker and Poisson helpers check inputs and options', () => {
    const theta = smInit(2, 1).theta;
    const xs = Float64Array.of(0, 1, 2);
    expect(() => gpNlml(xs, null as never, theta)).toThrow(ShapeError);
    expect(() => gpNlml(xs, xs, theta, { noise: 1, fuzz: 1 } as object)).toThrow(/gpNlml: unknown option/);
    expect(() => fitGp(xs, xs, theta, { method: 'sgd' as 'adam' })).toThrow(/fitGp: method/);
    expect(() => lbfgs(null as never, [1])).toThrow(/lbfgs: f/);
    const eye = { rows: 2, cols: 2, data: Float64Array.of(1, 0, 0, 1) };
    expect(() => kronSolve([eye], Float64Array.of(1, 2), Number.POSITIVE_INFINITY)).toThrow(/kronSolve: noise/);
    expect(() => poissonApply2d(new Float64Array(11), 3, 4)).toThrow(/poissonApply2d: 11 values/);
    expect(() => rbfProbes({ rows: 2, cols: 1, data: Float64Array.of(0, 1) }, 2 ** 31, 0.5, rng(1))).toThrow(DomainError);
  });

  it('sirenModel checks the parameter structure', () => {
    const p = sirenInit([1, 4, 1], { seed: 1 });
    expect(() => sirenModel({ ...p, biases: [p.biases[0]!] })).toThrow(ShapeError);
    expect(() => sirenModel(p, { deviceThreshold: 1.5 })).toThrow(/sirenModel: deviceThreshold/);
  });
});
