import { DomainError, ShapeError } from '@x/gpu';
import { gradCheck } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { DeltaProductLayer } from '../src';

function input(B: number, T: number, D: number, seed: number) {
  let s = seed;
  const data = Float64Array.from({ length: B * T * D }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  return { rows: B, cols: T * D, data };
}

describe('DeltaProductLayer (@x/nn Module)', () => {
  for (const [nh, neg, gate] of [
    [2, true, true],
    [1, false, false],
    [3, true, false],
  ] as const) {
    it(`gradCheck passes (n_h=${nh}, beta in [0, ${neg ? 2 : 1}], gate ${gate})`, () => {
      const layer = new DeltaProductLayer({ dModel: 3, dk: 3, dv: 2, nh, negativeEigenvalues: neg, gate, seed: nh });
      const report = gradCheck(layer, input(2, 5, 3, 7 + nh), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
      expect(report.passed).toBe(true);
      expect(report.parameters.length).toBe(gate ? 9 : 6);
    });
  }
  it('toJSON/fromJSON round trip is bit-identical', () => {
    const a = new DeltaProductLayer({ dModel: 4, nh: 2, seed: 3 });
    const b = DeltaProductLayer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    const x = input(2, 6, 4, 1);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });
  it('typed errors; a rejected forward keeps the cache', () => {
    const a = new DeltaProductLayer({ dModel: 2, seed: 1 });
    expect(() => a.backward({ rows: 1, cols: 4, data: new Float64Array(4) })).toThrow(DomainError);
    a.forward(input(1, 3, 2, 2));
    expect(() => a.forward({ rows: 1, cols: 3, data: new Float64Array(3) })).toThrow(ShapeError);
    expect(a.backward({ rows: 1, cols: 6, data: new Float64Array(6).fill(1) }).cols).toBe(6);
  });
});
