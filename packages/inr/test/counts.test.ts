import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { fitGp, fitNestedBasis, lbfgs } from '../src/index';

// Iteration counts are checked before iterating (an infinite or 2^31 count used to hang).
describe('iteration counts and input matrices are checked up front', () => {
  const quad = (t: Float64Array) => ({ value: t[0]! ** 2 + t[1]! ** 2, grad: Float64Array.of(2 * t[0]!, 2 * t[1]!) });
  it('lbfgs: maxIter and memory', () => {
    for (const bad of [Number.POSITIVE_INFINITY, 2 ** 31, -1, 1.5]) expect(() => lbfgs(quad, [1, 1], { maxIter: bad })).toThrow(/lbfgs: maxIter must be an integer/);
    expect(() => lbfgs(quad, [1, 1], { memory: 0 })).toThrow(/lbfgs: memory must be an integer/);
    expect(lbfgs(quad, [1, 1], { maxIter: 50 }).value).toBeLessThan(1e-12);
  });
  it('fitGp: maxIter names fitGp', () => {
    expect(() => fitGp([0, 1], [0, 1], [0, 0, 0], { maxIter: 2 ** 31 })).toThrow(/fitGp: maxIter must be an integer/);
  });
  it('fitNestedBasis: steps and a malformed probe matrix', () => {
    const probes = { rows: 3, cols: 2, data: Float64Array.of(1, 0, 0, 1, 1, 1) };
    expect(() => fitNestedBasis(probes, 1, { steps: Number.POSITIVE_INFINITY })).toThrow(DomainError);
    expect(() => fitNestedBasis({ rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(6) }, 1)).toThrow(ShapeError);
    expect(fitNestedBasis(probes, 1, { steps: 3 }).basis.rows).toBe(3);
  });
});
