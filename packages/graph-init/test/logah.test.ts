import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { svdvals } from '@x/linalg';
import { gradCheck, parameterCount } from '@x/nn';
import { describe, expect, it } from 'vitest';
import {
  fanInNormalize,
  LowRankDecoder,
  lowRankDecoderParameterCount,
  predictWeight,
  squashBias,
  squashNormWeight,
  tileWeight,
} from '../src/index';

const randMat = (rows: number, cols: number, seed: number): Matrix<Float64Array> => ({
  rows,
  cols,
  data: rng(seed).fillNormal(new Float64Array(rows * cols)),
});

describe('LoGAH low-rank decoder', () => {
  const dec = new LowRankDecoder({ hidden: 8, rank: 3, maxSide: 20, seed: 1 });
  const E = randMat(4, 8, 2);
  it('every predicted W has rank <= r (SVD)', () => {
    const W = dec.forward(E);
    for (let t = 0; t < 4; t++) {
      const s = svdvals(predictWeight(W, t, 20, 20, 20));
      expect(s[0]).toBeGreaterThan(0);
      for (let i = 3; i < s.length; i++) expect(s[i]! / s[0]!).toBeLessThan(1e-12);
      // a sliced sub-block keeps the bound
      const sub = svdvals(predictWeight(W, t, 20, 12, 7));
      for (let i = 3; i < sub.length; i++) expect(sub[i]! / s[0]!).toBeLessThan(1e-12);
    }
  });
  it('the parameter count formula is exact', () => {
    expect(parameterCount(dec)).toBe(lowRankDecoderParameterCount(8, 3, 20));
    // hid = 64, r = 8, ck = 64: the part that grows with ck is r·ck + ck.
    expect(lowRankDecoderParameterCount(64, 8, 128) - lowRankDecoderParameterCount(64, 8, 64)).toBe(64 * 8 + 64);
  });
  it("passes @x/nn's gradCheck (module form)", () => {
    const small = new LowRankDecoder({ hidden: 4, rank: 2, maxSide: 5, seed: 3 });
    const report = gradCheck(small, randMat(3, 4, 4), { tol: 1e-5 });
    expect(report.passed, JSON.stringify(report.parameters.map((p) => p.maxRelError))).toBe(true);
  });
  it('toJSON/fromJSON round trip is exact', () => {
    const copy = LowRankDecoder.fromJSON(JSON.parse(JSON.stringify(dec.toJSON())));
    expect(Array.from(copy.forward(E).data)).toEqual(Array.from(dec.forward(E).data));
  });
  it('typed errors', () => {
    expect(() => dec.forward(randMat(2, 5, 1))).toThrow(ShapeError);
    expect(() => new LowRankDecoder({ hidden: 0, rank: 1, maxSide: 2 })).toThrow(DomainError);
    expect(() => new LowRankDecoder({ hidden: 2, rank: 1, maxSide: 2 }).backward(randMat(1, 4, 1))).toThrow(DomainError);
  });
});

describe('GHN-3 tiling, fan-in normalisation, squashing', () => {
  it('tiling repeats rows and columns with the block period exactly', () => {
    const block = randMat(16, 16, 5);
    const W = tileWeight(block, 40, 48);
    for (let i = 0; i + 16 < 40; i++) for (let j = 0; j < 48; j++) expect(W.data[i * 48 + j]).toBe(W.data[(i + 16) * 48 + j]);
    for (let i = 0; i < 40; i++) for (let j = 0; j + 16 < 48; j++) expect(W.data[i * 48 + j]).toBe(W.data[i * 48 + j + 16]);
    // so its rank cannot exceed the block's
    expect(svdvals(W)[16]! / svdvals(W)[0]!).toBeLessThan(1e-12);
  });
  it('fan-in normalised W has Var = β/fan_in · Var(AB′)', () => {
    const W = randMat(64, 128, 6);
    const v = (m: Matrix) => {
      let s = 0;
      for (let i = 0; i < m.data.length; i++) s += m.data[i]! ** 2;
      return s / m.data.length;
    };
    expect(v(fanInNormalize(W)) / v(W)).toBeCloseTo(2 / 128, 14);
    expect(v(fanInNormalize(W, { relu: false })) / v(W)).toBeCloseTo(1 / 128, 14);
  });
  it('1-D squashing', () => {
    expect(squashNormWeight(0)).toBe(1);
    expect(squashNormWeight(100)).toBeCloseTo(2, 12);
    expect(squashBias(0)).toBe(0);
    expect(squashBias(5)).toBeCloseTo(Math.tanh(1), 15);
  });
});
