import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { svdvals } from '@x/linalg';
import { gradCheck, parameterCount } from '@x/nn';
import { describe, expect, it } from 'vitest';
import {
  fanInNormalize,
  kaimingMlp,
  LowRankDecoder,
  lowRankDecoderParameterCount,
  mlpGraph,
  mlpLossAndGrads,
  predictWeight,
  spirals,
  squashBias,
  squashNormWeight,
  TinyGhn,
  tileWeight,
} from '../src/index';
import { fdCheck } from './helpers';

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

describe('tiny graph hypernetwork', () => {
  it('MLP computation graph: nodes, features, mean adjacency', () => {
    const g = mlpGraph([2, 16, 16, 2]);
    // input + 3 x (linear, bias) + 2 relu
    expect(g.features.rows).toBe(9);
    expect(g.linearNodes).toEqual([1, 4, 7]);
    expect(Array.from(g.features.data.subarray(6, 12))).toEqual([0, 1, 0, 0, 2 / 64, 16 / 64]);
    for (let i = 0; i < 9; i++) {
      let s = 0;
      for (let j = 0; j < 9; j++) s += g.meanAdj.data[i * 9 + j]!;
      expect(s).toBeCloseTo(1, 15);
    }
    expect(() => mlpGraph([2])).toThrow(DomainError);
  });
  it('target-MLP gradients match finite differences', () => {
    const { Ws, bs } = kaimingMlp([2, 5, 4, 2], 3);
    const data = spirals(12, { seed: 1 });
    const g = mlpLossAndGrads(Ws, bs, data.X, data.y);
    const loss = () => mlpLossAndGrads(Ws, bs, data.X, data.y).loss;
    for (let l = 0; l < 3; l++) {
      expect(fdCheck(Ws[l]!.data, g.dW[l]!.data, loss)).toBeLessThan(1e-6);
      expect(fdCheck(bs[l]!, g.db[l]!, loss)).toBeLessThan(1e-6);
    }
  });
  for (const kind of ['lowrank', 'tile'] as const) {
    it(`${kind} hypernetwork backward matches finite differences`, () => {
      const ghn = new TinyGhn({ decoder: kind, hidden: 6, rank: 2, maxSide: 8, block: 4, seed: 2 });
      const graph = mlpGraph([2, 6, 10, 2]);
      const data = spirals(10, { seed: 4 });
      const loss = () => {
        const Ws = ghn.predict(graph);
        return mlpLossAndGrads(Ws, Ws.map((W) => new Float64Array(W.rows)), data.X, data.y).loss;
      };
      const Ws = ghn.predict(graph);
      const res = mlpLossAndGrads(Ws, Ws.map((W) => new Float64Array(W.rows)), data.X, data.y);
      ghn.zeroGrad();
      ghn.backward(res.dW);
      // ReLU kinks make a few finite differences unreliable; check a smooth random subset.
      for (const p of ghn.parameters()) {
        const n = Math.min(p.value.length, 12);
        const idx = Float64Array.from({ length: n }, (_, i) => Math.floor((i * p.value.length) / n));
        let worst = 0;
        for (const i of idx) {
          const v0 = p.value[i]!;
          p.value[i] = v0 + 1e-6;
          const lp = loss();
          p.value[i] = v0 - 1e-6;
          const lm = loss();
          p.value[i] = v0;
          const fd = (lp - lm) / 2e-6;
          // Units sitting on a ReLU kink give O(eps) one-sided differences against an exact 0: atol 1e-8.
          const diff = Math.abs(fd - p.grad[i]!);
          if (diff > 1e-8) worst = Math.max(worst, diff / Math.max(1e-7, Math.abs(fd) + Math.abs(p.grad[i]!)));
        }
        expect(worst, p.name).toBeLessThan(1e-4);
      }
    });
  }
  it('toJSON/fromJSON round trip predicts identical weights', () => {
    const ghn = new TinyGhn({ decoder: 'lowrank', hidden: 8, rank: 2, maxSide: 16, seed: 4 });
    const copy = TinyGhn.fromJSON(JSON.parse(JSON.stringify(ghn.toJSON())));
    const g = mlpGraph([2, 12, 2]);
    expect(Array.from(copy.predict(g)[0]!.data)).toEqual(Array.from(ghn.predict(g)[0]!.data));
    expect(() => TinyGhn.fromJSON({ type: 'nope' } as never)).toThrow(DomainError);
  });
  it('tiling beyond the block side repeats rows; the low-rank decoder does not below ck', () => {
    const tile = new TinyGhn({ decoder: 'tile', block: 16, seed: 1 });
    const lr = new TinyGhn({ decoder: 'lowrank', maxSide: 64, seed: 1 });
    const g = mlpGraph([2, 48, 48, 2]);
    const Wt = tile.predict(g)[1]!;
    const Wl = lr.predict(g)[1]!;
    for (let j = 0; j < 48; j++) expect(Wt.data[j]).toBe(Wt.data[16 * 48 + j]);
    let same = true;
    for (let j = 0; j < 48; j++) if (Wl.data[j] !== Wl.data[16 * 48 + j]) same = false;
    expect(same).toBe(false);
  });
});
