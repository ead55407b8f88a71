/**
 * S4DLayer as s4's full S4D layer: bidirectional kernels, ZOH and bilinear, GELU + GLU output,
 * tied dropout, the state envelope, S4DAdamW's parameter groups and the deep S4DClassifier.
 * Gradients against central finite differences; the forward against numpy lives in
 * s4d-layer-fixture.test.ts.
 */
import { DomainError, type Matrix, randn, ShapeError } from '@x/gpu';
import { gradCheck, type Parameter } from '@x/nn';
import { AdamW } from '@x/optim';
import { resumeCheck, trainingCase } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { directConv, isS4DSsmParameter, S4DAdamW, type S4DAdamWJSON, S4DClassifier, type S4DClassifierJSON, S4DLayer, type S4DLayerJSON, type S4DLayerOptions } from '../src';

function input(B: number, L: number, H: number, seed: number): Matrix<Float64Array> {
  let s = seed;
  const data = Float64Array.from({ length: B * L * H }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  return { rows: B, cols: L * H, data };
}

/**
 * Max relative error of every parameter gradient and of dL/dx against central differences of
 * L = sum W ⊙ y. Each evaluation rebuilds the layer from the same JSON, so dropout draws the same
 * masks every time.
 */
function fdErrors(opts: S4DLayerOptions, B: number, L: number): Record<string, number> {
  const json = JSON.parse(JSON.stringify(new S4DLayer(opts).toJSON())) as S4DLayerJSON;
  const x = input(B, L, opts.channels, 5);
  const W = Float64Array.from({ length: x.data.length }, (_, i) => Math.sin(0.9 * i + 0.3));
  const lossOf = (layer: S4DLayer, xx: Matrix) => {
    const y = layer.forward(xx);
    let s = 0;
    for (let i = 0; i < W.length; i++) s += W[i]! * y.data[i]!;
    return s;
  };
  const layer = S4DLayer.fromJSON(json);
  lossOf(layer, x);
  const dx = layer.backward({ rows: x.rows, cols: x.cols, data: W });
  const eps = 1e-6;
  const out: Record<string, number> = {};
  layer.parameters().forEach((p, k) => {
    let worst = 0;
    let scale = 1e-3;
    for (let i = 0; i < p.value.length; i++) {
      const at = (d: number) => {
        const l = S4DLayer.fromJSON(json);
        const q = l.parameters()[k]!;
        q.value[i] = q.value[i]! + d;
        return lossOf(l, x);
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - p.grad[i]!));
      scale = Math.max(scale, Math.abs(fd));
    }
    out[p.name] = worst / scale;
  });
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < x.data.length; i += 3) {
    const at = (d: number) => {
      const xx = { ...x, data: Float64Array.from(x.data) };
      xx.data[i] = xx.data[i]! + d;
      return lossOf(S4DLayer.fromJSON(json), xx);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    worst = Math.max(worst, Math.abs(fd - dx.data[i]!));
    scale = Math.max(scale, Math.abs(fd));
  }
  out.x = worst / scale;
  return out;
}

describe('S4DLayer (full layer) gradients', () => {
  const cases: [string, Partial<S4DLayerOptions>][] = [
    ['zoh, causal', { disc: 'zoh' }],
    ['zoh, bidirectional', { disc: 'zoh', bidirectional: true }],
    ['bilinear, causal', { disc: 'bilinear' }],
    ['bilinear, bidirectional', { disc: 'bilinear', bidirectional: true }],
  ];
  for (const [name, o] of cases) {
    for (const glu of [false, true]) {
      it(`${name}${glu ? ', GELU + GLU output, dropout 0.3' : ''}: every parameter and the input match central differences`, () => {
        const opts: S4DLayerOptions = { channels: 3, stateSize: 6, seed: 3, dtMin: 0.05, dtMax: 0.3, init: 'inv', ...o, glu, dropout: glu ? 0.3 : 0 };
        const err = fdErrors(opts, 2, 9);
        const names = new S4DLayer(opts).parameters().map((p) => p.name);
        expect(Object.keys(err).sort()).toEqual([...names, 'x'].sort());
        for (const [k, e] of Object.entries(err)) expect(e, k).toBeLessThan(1e-6);
      });
    }
  }
  it("bidirectional GLU layer passes @x/nn's gradCheck in eval mode", () => {
    const layer = new S4DLayer({ channels: 2, stateSize: 4, seed: 11, bidirectional: true, glu: true, disc: 'bilinear', dtMin: 0.02, dtMax: 0.2, dropout: 0.5 }).eval();
    const report = gradCheck(layer, input(2, 7, 2, 4), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
    expect(report.passed, `max rel error ${report.maxRelError}`).toBe(true);
  });
});

describe('S4DLayer (full layer) forward', () => {
  it('bidirectional: y_t = sum_{j<=t} K0_j u_{t-j} + sum_{s>=1} K1_{s-1} u_{t+s} + D u_t (direct sums)', () => {
    for (const disc of ['zoh', 'bilinear'] as const) {
      const layer = new S4DLayer({ channels: 2, stateSize: 8, seed: 2, bidirectional: true, disc });
      const L = 13;
      const x = input(2, L, 2, 7);
      const y = layer.forward(x);
      const [K0, K1] = [layer.kernels(L, 0), layer.kernels(L, 1)];
      const D = layer.parameters().find((p) => p.name === 'D')!.value;
      for (let b = 0; b < 2; b++) {
        for (let h = 0; h < 2; h++) {
          const u = Float64Array.from({ length: L }, (_, t) => x.data[b * L * 2 + t * 2 + h]!);
          const causal = directConv(u, K0[h]!);
          for (let t = 0; t < L; t++) {
            let anti = 0;
            for (let s = 1; t + s < L; s++) anti += K1[h]![s - 1]! * u[t + s]!;
            expect(y.data[b * L * 2 + t * 2 + h]).toBeCloseTo(causal[t]! + anti + D[h]! * u[t]!, 12);
          }
        }
      }
    }
  });
  it('the causal layer ignores the future; the bidirectional one does not', () => {
    for (const bidirectional of [false, true]) {
      const layer = new S4DLayer({ channels: 1, stateSize: 4, seed: 1, bidirectional });
      const x = input(1, 10, 1, 3);
      const y0 = layer.forward(x).data;
      x.data[9] = x.data[9]! + 1;
      const y1 = layer.forward(x).data;
      expect(Math.abs(y1[2]! - y0[2]!) > 1e-9).toBe(bidirectional);
      for (let t = 0; t < 9 && !bidirectional; t++) expect(Math.abs(y1[t]! - y0[t]!)).toBeLessThan(1e-14);
    }
  });
  it('one-sided layers with the old options draw the same parameters as before (seed stream unchanged)', () => {
    const a = new S4DLayer({ channels: 2, stateSize: 4, seed: 5 });
    const b = new S4DLayer({ channels: 2, stateSize: 4, seed: 5, bidirectional: true, glu: true, dropout: 0.1 });
    const pa = a.parameters();
    const pb = b.parameters();
    for (const p of pa) {
      const q = pb.find((r) => r.name === p.name)!;
      expect(Array.from(q.value.subarray(0, p.value.length))).toEqual(Array.from(p.value));
    }
    expect(pb.map((p) => p.name)).toEqual([...pa.map((p) => p.name), 'output.weight', 'output.bias']);
  });
  it('dropout is tied over time, scales survivors by 1/(1-p), and is off in eval mode', () => {
    const p = 0.5;
    const layer = new S4DLayer({ channels: 4, stateSize: 4, seed: 9, dropout: p });
    const ref = S4DLayer.fromJSON({ ...layer.toJSON(), config: { ...layer.toJSON().config, dropout: 0 } });
    const L = 6;
    const x = input(8, L, 4, 1);
    const full = ref.forward(x).data;
    const y = layer.forward(x).data;
    let dropped = 0;
    for (let b = 0; b < 8; b++) {
      for (let h = 0; h < 4; h++) {
        const idx = Array.from({ length: L }, (_, t) => b * L * 4 + t * 4 + h);
        const zero = idx.every((i) => y[i] === 0);
        if (zero) dropped++;
        else for (const i of idx) expect(y[i]).toBeCloseTo(full[i]! / (1 - p), 12);
      }
    }
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(28);
    layer.eval();
    expect(Array.from(layer.forward(x).data)).toEqual(Array.from(full));
    // two training forwards draw different masks
    layer.train();
    expect(Array.from(layer.forward(x).data)).not.toEqual(Array.from(layer.forward(x).data));
  });
});

describe('S4DLayer (full layer) state and errors', () => {
  it('save → JSON → restore → continue is bit-identical with dropout, GLU and both directions', () => {
    const c = trainingCase<Matrix, Parameter, S4DLayer, S4DAdamW>({
      model: () => new S4DLayer({ channels: 2, stateSize: 4, seed: 3, bidirectional: true, glu: true, disc: 'bilinear', dropout: 0.25 }),
      restoreModel: S4DLayer.fromJSON,
      optimizer: () => new S4DAdamW({ lr: 1e-2, ssmLr: 1e-3 }),
      restoreOptimizer: (j: S4DAdamWJSON) => S4DAdamW.fromJSON(j),
      batch: (t: number) => randn(2, 2 * 5, 100 + t),
      probe: randn(2, 2 * 5, 99),
    });
    for (const cut of [0, 2]) expect(resumeCheck(c, cut, 2)).toEqual({ resaved: true, restored: true, continued: true });
  });
  it('reads an envelope of the earlier format (only channels and stateSize) as a causal ZOH layer', () => {
    const l = new S4DLayer({ channels: 2, stateSize: 4, seed: 1 });
    const j = l.toJSON();
    const old = { ...j, config: { channels: 2, stateSize: 4 } } as S4DLayerJSON;
    const r = S4DLayer.fromJSON(old);
    expect([r.disc, r.bidirectional, r.glu, r.dropout]).toEqual(['zoh', false, false, 0]);
    const x = input(1, 5, 2, 2);
    expect(Array.from(r.forward(x).data)).toEqual(Array.from(l.forward(x).data));
  });
  it('refuses bad options, inputs and state with typed errors naming the function', () => {
    expect(() => new S4DLayer({ channels: 2, disc: 'dss' as never })).toThrow(/S4DLayer: disc/);
    expect(() => new S4DLayer({ channels: 2, bidirectional: 1 as never })).toThrow(DomainError);
    expect(() => new S4DLayer({ channels: 2, glu: 'yes' as never })).toThrow(DomainError);
    expect(() => new S4DLayer({ channels: 2, dropout: 1 })).toThrow(/S4DLayer: dropout/);
    expect(() => new S4DLayer({ channels: 2, dropout: -0.1 })).toThrow(DomainError);
    const l = new S4DLayer({ channels: 2, stateSize: 4, glu: true, bidirectional: true });
    expect(() => l.forward({ rows: 1, cols: 5, data: new Float64Array(5) })).toThrow(ShapeError);
    expect(() => l.forward({ rows: 1, cols: 4, data: Float64Array.of(0, 1, Number.NaN, 2) })).toThrow(/S4DLayer.forward: x has non-finite/);
    l.forward(input(1, 3, 2, 1));
    expect(() => l.backward({ rows: 1, cols: 6, data: new Float64Array(6).fill(Number.POSITIVE_INFINITY) })).toThrow(DomainError);
    expect(() => l.backward({ rows: 2, cols: 6, data: new Float64Array(12) })).toThrow(ShapeError);
    expect(() => l.channelParams(0, 2 as never)).toThrow(DomainError);
    expect(() => new S4DLayer({ channels: 1 }).channelParams(0, 1)).toThrow(/one-sided/);
    const j = JSON.parse(JSON.stringify(l.toJSON())) as S4DLayerJSON;
    expect(() => S4DLayer.fromJSON({ ...j, config: { ...j.config, disc: 'foh' as never } })).toThrow(DomainError);
    expect(() => S4DLayer.fromJSON({ ...j, config: { ...j.config, bidirectional: false } })).toThrow(ShapeError);
    const { 'output.weight': _w, ...noOutput } = j.state;
    expect(() => S4DLayer.fromJSON({ ...j, state: noOutput as never })).toThrow(/S4DLayer.fromJSON/);
    expect(() => S4DLayer.fromJSON({ ...j, config: { ...j.config, rng: { s: [1] } as never } })).toThrow(/S4DLayer.fromJSON: rng/);
    const small = new S4DLayer({ channels: 1, stateSize: 2, glu: true }).toJSON();
    expect(() => S4DLayer.fromJSON({ ...j, state: { ...j.state, 'output.bias': small.state['output.bias'] } })).toThrow(ShapeError);
  });
});

describe('S4DAdamW parameter groups', () => {
  it('Δ, A and B step with ssmLr and no weight decay; C, D and the output linear with lr and weight decay', () => {
    const mk = () => new S4DLayer({ channels: 2, stateSize: 4, seed: 4, glu: true });
    const a = mk();
    const b = mk();
    const opt = new S4DAdamW({ lr: 1e-2, ssmLr: 1e-3, weightDecay: 0.1 });
    const ssm = new AdamW({ lr: 1e-3, weightDecay: 0 });
    const rest = new AdamW({ lr: 1e-2, weightDecay: 0.1 });
    for (let t = 0; t < 3; t++) {
      for (const m of [a, b]) {
        m.zeroGrad();
        m.forward(randn(2, 2 * 6, t));
        m.backward(randn(2, 2 * 6, 50 + t));
      }
      opt.step(a.parameters());
      ssm.step(b.parameters().filter((p) => ['logDt', 'logAReal', 'AImag', 'BRe', 'BIm'].includes(p.name)));
      rest.step(b.parameters().filter((p) => !['logDt', 'logAReal', 'AImag', 'BRe', 'BIm'].includes(p.name)));
    }
    const pa = a.parameters();
    b.parameters().forEach((p, i) => {
      expect(Array.from(pa[i]!.value), p.name).toEqual(Array.from(p.value));
    });
    expect(isS4DSsmParameter('layers.3.logDt')).toBe(true);
    expect(isS4DSsmParameter('layers.3.CRe')).toBe(false);
    expect(isS4DSsmParameter('output.weight')).toBe(false);
  });
  it('checks every parameter before either group moves', () => {
    const l = new S4DLayer({ channels: 1, stateSize: 2 });
    const opt = new S4DAdamW();
    const ps = l.parameters();
    const before = ps.map((p) => Float64Array.from(p.value));
    ps.find((p) => p.name === 'D')!.grad[0] = Number.NaN;
    expect(() => opt.step(ps)).toThrow(/S4DAdamW.step: parameter "D"/);
    ps.forEach((p, i) => {
      expect(Array.from(p.value)).toEqual(Array.from(before[i]!));
    });
    expect(() => new S4DAdamW({ lr: -1 })).toThrow(DomainError);
    expect(() => new S4DAdamW({ ssmLr: Number.NaN })).toThrow(DomainError);
    expect(() => new S4DAdamW({ foo: 1 } as never)).toThrow(/S4DAdamW/);
    expect(() => opt.step(null as never)).toThrow(ShapeError);
    expect(() => S4DAdamW.fromJSON({ ...opt.toJSON(), state: {} } as never)).toThrow(/S4DAdamW.fromJSON/);
  });
});

describe('S4DClassifier', () => {
  for (const prenorm of [true, false]) {
    it(`${prenorm ? 'pre' : 'post'}-norm: gradients of every parameter and the input match central differences`, () => {
      const m = new S4DClassifier({ classes: 3, inputDim: 2, dModel: 3, depth: 2, stateSize: 4, prenorm, bidirectional: true, dtMin: 0.05, dtMax: 0.3, seed: 2 });
      const report = gradCheck(m, input(2, 5, 2, 8), { eps: 1e-6, tol: 1e-5, atol: 1e-8 });
      expect(report.passed, `max rel error ${report.maxRelError}`).toBe(true);
    });
  }
  it('restores bit-identically (training continues identically) and refuses bad JSON and input', () => {
    const c = trainingCase<Matrix, Parameter, S4DClassifier, S4DAdamW>({
      model: () => new S4DClassifier({ classes: 2, dModel: 3, depth: 2, stateSize: 4, dropout: 0.2, seed: 1 }),
      restoreModel: S4DClassifier.fromJSON,
      optimizer: () => new S4DAdamW({ lr: 1e-2, ssmLr: 1e-3 }),
      restoreOptimizer: (j: S4DAdamWJSON) => S4DAdamW.fromJSON(j),
      batch: (t: number) => randn(2, 6, 10 + t),
      probe: randn(2, 6, 9),
    });
    expect(resumeCheck(c, 1, 2)).toEqual({ resaved: true, restored: true, continued: true });
    const m = new S4DClassifier({ classes: 2, dModel: 3, depth: 2, stateSize: 4 });
    const j = JSON.parse(JSON.stringify(m.toJSON())) as S4DClassifierJSON;
    expect(() => S4DClassifier.fromJSON({ ...j, config: { ...j.config, depth: 3 } })).toThrow(/S4DClassifier.fromJSON: norms/);
    expect(() => S4DClassifier.fromJSON({ ...j, config: { ...j.config, classes: 5 } })).toThrow(ShapeError);
    expect(() => new S4DClassifier({ classes: 0 })).toThrow(/S4DClassifier: classes/);
    expect(() => new S4DClassifier({ classes: 2, glu: false } as never)).toThrow(DomainError);
    expect(() => m.forward({ rows: 1, cols: 0, data: new Float64Array(0) })).toThrow(ShapeError);
    expect(() => m.backward({ rows: 1, cols: 2, data: new Float64Array(2) })).toThrow(DomainError);
    expect(m.parameters().filter((p) => isS4DSsmParameter(p.name)).length).toBe(10);
  });
});
