import { DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  conformalFactor,
  ExpMap0,
  fanInNormalize,
  GcnLayer,
  GcnNet,
  kaimingMlp,
  LogMap0,
  lowRankDecoderParameterCount,
  mlpLossAndGrads,
  PoincareLinear,
  poincareDistance,
  poincareLinear,
  poincareLinearInit,
  spirals,
  TinyGhn,
  virgoVariances,
} from '../src';
import { deepPoincareMlp, trainTinyGhn, virgoSbmConfig } from '../src/experiments-entry';

// The public boundary (issue 16): bad arguments end in a typed error that names the function,
// before anything is allocated or looped over; layers name the tensor and index of a NaN.
const ring = (n: number) => {
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = 2 * (i + 1);
    indices[2 * i] = (i + 1) % n;
    indices[2 * i + 1] = (i + n - 1) % n;
  }
  return { n, indptr, indices, values: new Float64Array(2 * n).fill(0.5) };
};

describe('graph-init boundary checks', () => {
  it('experiments bound their sizes and steps up front (these hung)', () => {
    expect(() => deepPoincareMlp(2 ** 31, 3, 1, 'gaussian', 1)).toThrow(/deepPoincareMlp: depth/);
    expect(() => deepPoincareMlp(Number.POSITIVE_INFINITY, 3, 1, 'gaussian', 1)).toThrow(DomainError);
    expect(() => deepPoincareMlp(2, 3, 1, 'gaussian', 1.5)).toThrow(/deepPoincareMlp: seed/);
    expect(() => trainTinyGhn('lowrank', 2 ** 31, 1)).toThrow(/trainTinyGhn: steps/);
    expect(() => trainTinyGhn('lowrank', Number.POSITIVE_INFINITY, 1)).toThrow(DomainError);
    expect(() => trainTinyGhn('lowrank', 2, Number.NaN)).toThrow(/trainTinyGhn: seed/);
    expect(() => virgoSbmConfig('yes' as unknown as boolean)).toThrow(DomainError);
  });

  it('layers refuse NaN input naming layer, tensor and index', () => {
    const x = { rows: 2, cols: 3, data: Float64Array.of(0.1, 0.2, 0.1, 0.1, Number.NaN, 0.2) };
    expect(() => new ExpMap0(1).forward(x)).toThrow(/ExpMap0: x\[1, 1\] is NaN/);
    expect(() => new LogMap0(1).forward(x)).toThrow(/LogMap0: y\[1, 1\] is NaN/);
    expect(() => new PoincareLinear(3, 2, { seed: 1 }).forward(x)).toThrow(/PoincareLinear: x\[1, 1\] is NaN/);
    const g = new GcnLayer(ring(6), 3, 2, { seed: 1 });
    const h = { rows: 6, cols: 3, data: new Float64Array(18).fill(0.1) };
    h.data[7] = Number.POSITIVE_INFINITY;
    expect(() => g.forward(h)).toThrow(/GcnLayer: x\[2, 1\] is Infinity/);
    g.weight.data[3] = Number.NaN;
    expect(() => g.forward({ rows: 6, cols: 3, data: new Float64Array(18).fill(0.1) })).toThrow(/GcnLayer: weight\[1, 0\] is NaN/);
    const p = poincareLinearInit(3, 2, 'gaussian', { seed: 1 });
    p.r[1] = Number.NaN;
    expect(() => poincareLinear({ rows: 1, cols: 3, data: Float64Array.of(0.1, 0.1, 0.1) }, p, 1)).toThrow(/poincareLinear: r\[1\] is NaN/);
  });

  it('finite inputs give the same results as before the checks', () => {
    const x = { rows: 2, cols: 3, data: Float64Array.of(0.1, 0.2, 0.1, 0.1, 0.3, 0.2) };
    const y = new ExpMap0(1).forward(x);
    expect(Array.from(new LogMap0(1).forward(y).data).map((v, i) => v - x.data[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
  });

  it('points outside the ball are refused', () => {
    expect(() => conformalFactor(Float64Array.of(1, 0), 1)).toThrow(/conformalFactor: x is outside the Poincaré ball/);
    expect(() => poincareDistance(Float64Array.of(0, 0), Float64Array.of(2, 0), 1)).toThrow(DomainError);
  });

  it('constructors check options, sizes and seeds', () => {
    expect(() => new GcnLayer(ring(6), 2 ** 31, 2)).toThrow(/GcnLayer: inFeatures/);
    expect(() => new GcnLayer(ring(6), 3, 2, { bias: 'yes' as unknown as boolean })).toThrow(/GcnLayer: bias/);
    expect(() => new GcnLayer(ring(6), 3, 2, { fuzz: 1 } as object)).toThrow(/unknown option "fuzz"/);
    expect(() => new GcnNet(ring(6), [3, 4, 2], { variances: [1, 1], seed: 1.5 })).toThrow(/GcnNet: seed/);
    expect(() => new GcnNet(ring(6), [3, 4, 2], null as never)).toThrow(DomainError);
    expect(() => new PoincareLinear(3, 2, { c: Number.POSITIVE_INFINITY })).toThrow(/PoincareLinear: c/);
    expect(() => new TinyGhn({ block: -1 })).toThrow(/TinyGhn: block/);
    expect(() => lowRankDecoderParameterCount(4, 1.5, 8)).toThrow(/lowRankDecoderParameterCount: rank/);
    expect(() => virgoVariances(ring(6), { rows: 6, cols: 3, data: new Float64Array(18).fill(1) }, { depth: 2, hidden: 2 ** 53 + 2, numClasses: 2 })).toThrow(/virgoVariances: hidden/);
  });

  it('MLP helpers check the weight chain and the labels', () => {
    const { Ws, bs } = kaimingMlp([2, 4, 2], 1);
    const d = spirals(8, { seed: 1 });
    const y = Int32Array.from(d.y);
    y[0] = -1;
    expect(() => mlpLossAndGrads(Ws, bs, d.X, y)).toThrow(/mlpLossAndGrads: y\[0\] = -1/);
    expect(() => mlpLossAndGrads(Ws.slice(1), bs.slice(1), d.X, d.y)).toThrow(ShapeError);
    expect(() => kaimingMlp([2, -1, 2], 1)).toThrow(/kaimingMlp: widths\[1\]/);
    expect(() => spirals(2 ** 53 + 2)).toThrow(/spirals: n/);
    expect(() => fanInNormalize({ rows: 1, cols: 2, data: Float64Array.of(1, 2) }, { fanIn: 1.5 })).toThrow(/fanInNormalize: fanIn/);
    expect(() => spirals(4, { seed: rng(1) as unknown as number, noise: Number.NaN })).toThrow(/spirals: noise/);
  });
});
