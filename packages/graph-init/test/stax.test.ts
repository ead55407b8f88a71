import { DomainError, rng, ShapeError } from '@x/gpu';
import { loadFixture, maxAbsDiff } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import {
  dualActivation,
  type KernelActivation,
  nngpPosterior,
  ntkMeanPrediction,
  type StaxLayer,
  type StaxTensor,
  staxApply,
  staxAvgPool,
  staxConv,
  staxDense,
  staxEmpiricalKernels,
  staxErf,
  staxFanInSum,
  staxFanOut,
  staxFlatten,
  staxGelu,
  staxGlobalAvgPool,
  staxIdentity,
  staxInit,
  staxInputKernel,
  staxKernel,
  staxLayerNorm,
  staxParallel,
  staxRelu,
  staxSerial,
  wideKernels,
} from '../src/index';
import { kernelConvergence, STAX_CONVERGENCE_CASES } from '../src/experiments/stax-convergence';
import { fdCheck, mat } from './helpers';

interface DualCase {
  act: KernelActivation;
  k11: number;
  k22: number;
  k12: number;
  ephi: number;
  edphi: number;
}
interface KernelCase {
  name: string;
  x: number[];
  shape: number[];
  K: number[][];
  T: number[][];
}

const tensor = (shape: number[], seed: number): StaxTensor => ({
  shape,
  data: rng(seed).fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))),
});

describe('dual activations against quadrature (tooling/fixtures/graph_init_stax.py)', () => {
  const { cases } = loadFixture<{ cases: DualCase[] }>(import.meta.url, 'stax-dual.json');
  for (const c of cases) {
    it(`${c.act} at (${c.k11}, ${c.k22}, ${c.k12})`, () => {
      const o = dualActivation(c.act, c.k11, c.k22, c.k12);
      // Closed forms vs 160-point Gauss–Hermite (relu: vs the arc-cosine closed form in numpy).
      expect(Math.abs(o.ephi - c.ephi)).toBeLessThan(1e-10);
      expect(Math.abs(o.edphi - c.edphi)).toBeLessThan(1e-10);
    });
  }
});

describe('stax kernels against numpy (full spatial covariance)', () => {
  const { cases } = loadFixture<{ cases: KernelCase[] }>(import.meta.url, 'stax-kernels.json');
  const nets: Record<string, StaxLayer> = {
    cnn2d: staxSerial(
      staxConv(5, [3, 3], { padding: 'SAME', wStd: 1.5, bStd: 0.2 }),
      staxRelu(),
      staxAvgPool([2, 2]),
      staxConv(5, [2, 2], { padding: 'SAME', wStd: 1.3, bStd: 0.1 }),
      staxGelu(),
      staxLayerNorm(),
      staxFlatten(),
      staxDense(1, { wStd: 1, bStd: 0.1 }),
    ),
    resnet1d: staxSerial(
      staxConv(4, [3], { padding: 'SAME', wStd: 1.2, bStd: 0.3 }),
      staxFanOut(2),
      staxParallel(staxIdentity(), staxSerial(staxErf(), staxConv(4, [3], { padding: 'SAME', wStd: 0.9 }))),
      staxFanInSum(),
      staxConv(4, [2], { padding: 'SAME', strides: [2], wStd: 1.4, bStd: 0.1 }),
      staxRelu(),
      staxGlobalAvgPool(),
      staxDense(1),
    ),
    spatial2d: staxSerial(
      staxConv(6, [3, 3], { strides: [2, 2], wStd: 1.1, bStd: 0.2 }),
      staxErf(),
      staxAvgPool([3, 3], { strides: [1, 1], padding: 'SAME' }),
    ),
    'standard-mlp': staxSerial(
      staxDense(7, { wStd: 1.3, bStd: 0.2, parameterization: 'standard' }),
      staxRelu(),
      staxDense(5, { wStd: 1.1, bStd: 0.4, parameterization: 'standard' }),
      staxErf(),
      staxDense(1, { wStd: 0.9, parameterization: 'standard' }),
    ),
    'standard-conv1d': staxSerial(
      staxConv(6, [3], { wStd: 1.2, bStd: 0.3, parameterization: 'standard' }),
      staxRelu(),
      staxFlatten(),
      staxDense(1, { wStd: 1, bStd: 0.2, parameterization: 'standard' }),
    ),
  };
  for (const c of cases) {
    it(`${c.name}: NNGP and NTK`, () => {
      const x = { shape: c.shape, data: Float64Array.from(c.x) };
      const k = staxKernel(nets[c.name]!, x);
      // The reference's erf/gelu entries come from quadrature (~1e-12); the rest is exact arithmetic.
      expect(maxAbsDiff(k.nngp.data, mat(c.K).data)).toBeLessThan(1e-9);
      expect(maxAbsDiff(k.ntk.data, mat(c.T).data)).toBeLessThan(1e-9);
      // x2 given explicitly: the cross kernel of a split batch is the matching block.
      const n = c.shape[0]!;
      const per = c.x.length / n;
      const x1 = { shape: [1, ...c.shape.slice(1)], data: Float64Array.from(c.x.slice(0, per)) };
      const x2 = { shape: [n - 1, ...c.shape.slice(1)], data: Float64Array.from(c.x.slice(per)) };
      const kc = staxKernel(nets[c.name]!, x1, x2);
      const S = k.nngp.rows / n;
      for (let p = 0; p < S; p++) {
        for (let q = 0; q < (n - 1) * S; q++) {
          expect(kc.nngp.data[p * kc.nngp.cols + q]).toBeCloseTo(k.nngp.data[p * k.nngp.cols + S + q]!, 12);
          expect(kc.ntk.data[p * kc.ntk.cols + q]).toBeCloseTo(k.ntk.data[p * k.ntk.cols + S + q]!, 12);
        }
      }
    });
  }
  it('an MLP reproduces wideKernels (relu, erf, gelu)', () => {
    const X = mat([
      [0.3, -1.2, 0.8],
      [1.1, 0.4, -0.5],
      [-0.7, 0.9, 0.2],
    ]);
    for (const act of ['relu', 'erf', 'gelu'] as const) {
      const A = { relu: staxRelu, erf: staxErf, gelu: staxGelu }[act];
      const o = { wStd: Math.SQRT2, bStd: Math.sqrt(0.1) };
      const net = staxSerial(staxDense(8, o), A(), staxDense(8, o), A(), staxDense(1, o));
      const w = wideKernels(X, { depth: 2, activation: act, sigmaW2: 2, sigmaB2: 0.1 });
      const k = staxKernel(net, { shape: [3, 3], data: X.data });
      expect(maxAbsDiff(k.nngp.data, w.K.data)).toBeLessThan(1e-13);
      expect(maxAbsDiff(k.ntk.data, w.Theta.data)).toBeLessThan(1e-13);
    }
  });
  it('the input kernel is x x′/C with a zero NTK', () => {
    const k = staxInputKernel({ shape: [2, 2], data: Float64Array.of(1, 2, 3, -1) });
    expect(Array.from(k.nngp.data)).toEqual([2.5, 0.5, 0.5, 5]);
    expect(Array.from(k.ntk.data)).toEqual([0, 0, 0, 0]);
  });
});

describe('finite networks from the same description', () => {
  const net = staxSerial(
    staxConv(3, [3, 3], { padding: 'SAME', strides: [2, 1], wStd: 1.3, bStd: 0.2 }),
    staxGelu(),
    staxFanOut(2),
    staxParallel(staxIdentity(), staxSerial(staxLayerNorm({ eps: 1e-6 }), staxConv(3, [2, 2], { padding: 'SAME' }))),
    staxFanInSum(),
    staxAvgPool([2, 2], { strides: [1, 1], padding: 'SAME' }),
    staxErf(),
    staxFlatten(),
    staxDense(2, { wStd: 0.8, bStd: 0.5, parameterization: 'standard' }),
    staxRelu(),
  );
  const x = tensor([2, 5, 4, 2], 3);
  it('shapes: init predicts what apply returns', () => {
    const { outShape, params } = staxInit(net, [5, 4, 2], 1);
    expect(outShape).toEqual([2]);
    expect(params.length).toBe(net.paramCount);
    expect(staxApply(net, params, x).shape).toEqual([2, 2]);
    const k = staxKernel(net, x);
    expect(k.spatial).toEqual([]);
    expect(k.nngp.rows).toBe(2);
  });
  it('backward is the gradient of ⟨dy, f(x)⟩ (central differences)', () => {
    const { params } = staxInit(net, [5, 4, 2], 2);
    const dy = tensor([2, 2], 9);
    const loss = (): number => {
      const y = staxApply(net, params, x);
      let s = 0;
      for (let i = 0; i < y.data.length; i++) s += y.data[i]! * dy.data[i]!;
      return s;
    };
    const { cache } = net.forward(params, x, 'test');
    const { grads, dx } = net.backward(params, cache, dy, 'test');
    let worst = fdCheck(x.data, (dx as StaxTensor).data, loss);
    params.forEach((p, a) => {
      worst = Math.max(worst, fdCheck(p, grads[a]!, loss));
    });
    expect(worst).toBeLessThan(1e-5);
  });
  it('standard parameterisation draws W ~ N(0, σ_w²/fanIn) and the empirical NTK matches J Jᵀ of a one-layer net', () => {
    const d = staxDense(1, { wStd: 2, bStd: 0.5, parameterization: 'standard' });
    const xs = tensor([3, 4], 5);
    const { params } = staxInit(d, [4], 1);
    const e = staxEmpiricalKernels(d, params, xs);
    // J = [x, 1]: Θ = x x′ + 1 exactly, whatever the draw.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 1;
        for (let c = 0; c < 4; c++) s += xs.data[i * 4 + c]! * xs.data[j * 4 + c]!;
        expect(e.ntk.data[i * 3 + j]).toBeCloseTo(s, 12);
      }
    }
  });
});

// ------------------------------------------------------------------ Monte-Carlo convergence

describe('Monte-Carlo: finite kernels converge to the analytic ones at rate 1/√width', () => {
  for (const c of STAX_CONVERGENCE_CASES) {
    it(`${c.name}: log-log slope of the error ≈ −½`, () => {
      const r = kernelConvergence(c, c.quickWidths, 8);
      const msg = `${c.name}: NNGP ${r.errNngp.map((e) => e.toFixed(4)).join(' ')} (slope ${r.slopeNngp.toFixed(2)}), NTK ${r.errNtk.map((e) => e.toFixed(4)).join(' ')} (slope ${r.slopeNtk.toFixed(2)})`;
      expect(r.slopeNngp, msg).toBeGreaterThan(-0.8);
      expect(r.slopeNngp, msg).toBeLessThan(-0.3);
      expect(r.slopeNtk, msg).toBeGreaterThan(-0.8);
      expect(r.slopeNtk, msg).toBeLessThan(-0.3);
    });
  }
});

// ------------------------------------------------------------------ prediction

describe('infinite-width prediction', () => {
  interface Pred {
    n: number;
    m: number;
    K: number[][];
    Theta: number[][];
    Y: number[][];
    nngpMean: number[][];
    nngpCov: number[][];
    diagReg: number;
    t: number;
    lr: number;
    ntkTrain: number[][];
    ntkTest: number[][];
    ntkTestInf: number[][];
  }
  const f = loadFixture<Pred>(import.meta.url, 'stax-predict.json');
  const block = (A: number[][], r0: number, r1: number, c0: number, c1: number) => mat(A.slice(r0, r1).map((r) => r.slice(c0, c1)));
  const n = f.n;
  const nm = f.n + f.m;
  it('NNGP posterior mean and covariance match scipy', () => {
    const p = nngpPosterior(block(f.K, 0, n, 0, n), block(f.K, n, nm, 0, n), mat(f.Y), { diagReg: f.diagReg, kTestTest: block(f.K, n, nm, n, nm) });
    expect(maxAbsDiff(p.mean.data, mat(f.nngpMean).data)).toBeLessThan(1e-10);
    expect(maxAbsDiff(p.cov!.data, mat(f.nngpCov).data)).toBeLessThan(1e-10);
  });
  it('NTK gradient-flow mean at time t and at t = ∞ match scipy expm / solve', () => {
    const T = block(f.Theta, 0, n, 0, n);
    const Tx = block(f.Theta, n, nm, 0, n);
    const p = ntkMeanPrediction(T, Tx, mat(f.Y), f.t, { learningRate: f.lr });
    expect(maxAbsDiff(p.train.data, mat(f.ntkTrain).data)).toBeLessThan(1e-10);
    expect(maxAbsDiff(p.test.data, mat(f.ntkTest).data)).toBeLessThan(1e-10);
    const inf = ntkMeanPrediction(T, Tx, mat(f.Y), 'infinity');
    expect(maxAbsDiff(inf.test.data, mat(f.ntkTestInf).data)).toBeLessThan(1e-9);
    expect(maxAbsDiff(inf.train.data, mat(f.Y).data)).toBeLessThan(1e-9);
    // t = 0 predicts the initial (zero) outputs; large t approaches t = ∞.
    expect(maxAbsDiff(ntkMeanPrediction(T, Tx, mat(f.Y), 0).test.data, new Float64Array(f.m * 2))).toBe(0);
    expect(maxAbsDiff(ntkMeanPrediction(T, Tx, mat(f.Y), 1e7).test.data, inf.test.data)).toBeLessThan(1e-6);
  });
  it('typed errors', () => {
    const K = mat([
      [2, 1],
      [1, 2],
    ]);
    const Y = mat([[1], [0]]);
    expect(() => nngpPosterior(K, mat([[1, 2, 3]]), Y)).toThrow(ShapeError);
    expect(() => nngpPosterior(mat([[1, 2], [0, 1]]), mat([[1, 2]]), Y)).toThrow(DomainError);
    expect(() => nngpPosterior(mat([[1, 0], [0, -1]]), mat([[1, 2]]), Y)).toThrow(DomainError);
    expect(() => ntkMeanPrediction(K, mat([[1, 2]]), Y, -1)).toThrow(DomainError);
    expect(() => ntkMeanPrediction(K, mat([[1, 2]]), Y, 1, { diagReg: -1 })).toThrow(DomainError);
  });
});

describe('stax typed errors', () => {
  it('refuses bad layers, shapes and options', () => {
    expect(() => staxDense(0)).toThrow(DomainError);
    expect(() => staxDense(3, { wStd: 0 })).toThrow(DomainError);
    expect(() => staxDense(3, { parameterization: 'mup' as 'ntk' })).toThrow(DomainError);
    expect(() => staxConv(3, [3, 3, 3])).toThrow(DomainError);
    expect(() => staxConv(3, [3], { strides: [1, 1] })).toThrow(DomainError);
    expect(() => staxAvgPool([2], { padding: 'FULL' as 'SAME' })).toThrow(DomainError);
    expect(() => staxSerial()).toThrow(DomainError);
    expect(() => staxSerial({} as StaxLayer)).toThrow(DomainError);
    const x = tensor([2, 3], 1);
    expect(() => staxKernel(staxConv(2, [2]), x)).toThrow(ShapeError);
    expect(() => staxKernel(staxGlobalAvgPool(), x)).toThrow(ShapeError);
    expect(() => staxKernel(staxFanOut(2), x)).toThrow(ShapeError);
    expect(() => staxKernel(staxConv(2, [5], { padding: 'VALID' }), tensor([2, 3, 1], 1))).toThrow(ShapeError);
    expect(() => staxKernel(staxRelu(), { shape: [2, 3], data: new Float64Array(5) })).toThrow(ShapeError);
    expect(() => staxKernel(staxRelu(), { shape: [1, 1], data: Float64Array.of(Number.NaN) })).toThrow(DomainError);
    const net = staxDense(2);
    const { params } = staxInit(net, [3], 0);
    expect(() => staxApply(net, [params[0]!], x)).toThrow(ShapeError);
    expect(() => staxApply(net, params, tensor([2, 4], 1))).toThrow(ShapeError);
    expect(() => staxInit(net, [0], 0)).toThrow(ShapeError);
  });
});
