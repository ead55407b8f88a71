/**
 * Poincaré ResNet layers: the convolution (β-concatenation + Poincaré FC), the trainable batch
 * norm and the residual block. Gradients against central finite differences; the batch norm's
 * forward against the log/transport/exp form of poincareBatchNorm; init properties.
 */
import { DomainError, type Matrix, randn, ShapeError } from '@x/gpu';
import type { Module } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { betaConcat, betaConcatScale, expMap0, gyration, logMap0, mobiusAdd, PoincareBatchNorm, poincareBatchNorm, PoincareConv2d, poincareDistance, poincareFrechetMean, PoincareResBlock } from '../src';
import { digitsData } from '../src/experiments/poincare-resnet-digits';
import digitsFx from './fixtures/dataset-digits.json';
import fx from './fixtures/poincare-resnet.json';
import { fdCheck } from './helpers';

const f64 = (a: number[]) => Float64Array.from(a);
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tol);
};

describe('against the numpy fixture (tooling/fixtures/graph_init_poincare_resnet.py)', () => {
  it('Möbius addition and gyration match; gyroassociativity and gyrocommutativity hold', () => {
    const { c, a, b, d } = fx.gyro;
    const [A, Bv, D] = [f64(a), f64(b), f64(d)];
    close(mobiusAdd(A, Bv, c), fx.gyro.aPlusB, 2e-15);
    // numpy computes gyr[a,b]d from its definition −(a⊕b) ⊕ (a ⊕ (b ⊕ d)); the library uses the closed form.
    close(gyration(A, Bv, D, c), fx.gyro.gyrABd, 1e-14);
    close(mobiusAdd(mobiusAdd(A, Bv, c), gyration(A, Bv, D, c), c), fx.gyro.aPlusBPlusD, 1e-14);
    close(gyration(A, Bv, mobiusAdd(Bv, A, c), c), fx.gyro.aPlusB, 1e-14);
  });

  it('β-concatenation matches scipy.special.beta and the numpy concatenation', () => {
    const { c, P, scale, y } = fx.betaConcat;
    expect(betaConcatScale(4, 3)).toBeCloseTo(scale, 14);
    close(betaConcat({ rows: 3, cols: 4, data: f64(P.flat()) }, c), y, 1e-14);
  });

  it('the Fréchet mean (Karcher flow) matches scipy BFGS on Σ w d², and is at least as good', () => {
    const { c, X, weights, mean, objective } = fx.frechet;
    const Xm = { rows: X.length, cols: 3, data: f64(X.flat()) };
    const { mean: m } = poincareFrechetMean(Xm, c, { weights });
    close(m, mean, 1e-7);
    let obj = 0;
    for (let i = 0; i < X.length; i++) obj += weights[i]! * poincareDistance(m, f64(X[i]!), c) ** 2;
    expect(obj).toBeLessThanOrEqual(objective + 1e-10);
  });

  it('PoincareConv2d (stride 2, padding 1) matches the numpy unfold → β-scale → exp_0 → FC → log_0', () => {
    const f = fx.conv;
    const conv = new PoincareConv2d(f.inChannels, f.outChannels, { height: f.height, width: f.width, kernel: f.kernel, stride: f.stride, padding: f.padding, c: f.c, init: 'gaussian' });
    conv.fc.Z.data.set(f.Z);
    conv.fc.r.set(f.r);
    const y = conv.forward({ rows: 2, cols: f.x[0]!.length, data: f64(f.x.flat()) });
    close(y.data, f.y.flat(), 1e-13);
  });

  it('PoincareBatchNorm matches the numpy midpoint batch norm (log_μ, transport, exp_β)', () => {
    const f = fx.batchNorm;
    const bn = new PoincareBatchNorm(3, { c: f.c, momentum: 1 });
    bn.mean.set(f.mean);
    bn.variance[0] = f.gamma;
    const y = bn.forward({ rows: 6, cols: 6, data: f64(f.x.flat()) });
    close(y.data, f.y.flat(), 1e-13);
    // momentum 1: the running statistics are the batch's.
    close(bn.runningMean, f.batchMean, 1e-14);
    expect(bn.runningVariance[0]!).toBeCloseTo(f.batchVariance, 13);
  });
});

describe('UCI digits data', () => {
  it('src/data/digits.ts decodes to the committed fixture (720 images, pixels 0..16, every class present)', () => {
    const { X, y } = digitsData();
    expect(X.rows).toBe(720);
    expect(Array.from(y)).toEqual(digitsFx.labels);
    close(X.data, digitsFx.pixels.map((v) => v / 16), 1e-16);
    const counts = new Array(10).fill(0);
    for (const v of y) counts[v]++;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(70);
  });
});

const scaled = (m: Matrix<Float64Array>, s: number): Matrix<Float64Array> => ({ ...m, data: m.data.map((v) => v * s) });

/** L = Σ R ⊙ m(x) for a fixed random R; checks dx and every parameter gradient by central differences. */
function gradCheck(m: Module, x: Matrix<Float64Array>, seed: number): { dx: number; params: number[] } {
  const y0 = m.forward(x);
  const R = randn(y0.rows, y0.cols, seed);
  const loss = () => {
    const y = m.forward(x);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += R.data[i]! * y.data[i]!;
    return s;
  };
  m.zeroGrad();
  m.forward(x);
  const dx = m.backward(R).data as Float64Array;
  const grads = m.parameters().map((p) => Float64Array.from(p.grad));
  const errX = fdCheck(x.data, dx, loss);
  const params = m.parameters().map((p, i) => fdCheck(p.value, grads[i]!, loss));
  return { dx: errX, params };
}

describe('betaConcat', () => {
  it('the scale is B(nK/2, ½)/B(n/2, ½): 1 for K = 1, and tends to 1/√K for large n', () => {
    expect(betaConcatScale(5, 1)).toBe(1);
    // B(1, ½) = 2, B(½, ½) = π.
    expect(betaConcatScale(1, 2)).toBeCloseTo(2 / Math.PI, 14);
    expect(betaConcatScale(400, 9) * 3).toBeCloseTo(1, 2);
  });

  it('one point concatenates to itself; log_0 of the result is the scaled concatenation of the log_0s', () => {
    const p = Float64Array.of(0.3, -0.2, 0.1);
    const one = betaConcat({ rows: 1, cols: 3, data: p }, 0.7);
    for (let j = 0; j < 3; j++) expect(one[j]!).toBeCloseTo(p[j]!, 14);
    const P = { rows: 2, cols: 3, data: Float64Array.of(0.3, -0.2, 0.1, -0.5, 0.4, 0.2) };
    const y = logMap0(betaConcat(P, 0.7), 0.7);
    const s = betaConcatScale(3, 2);
    const a = logMap0(P.data.slice(0, 3), 0.7);
    const b = logMap0(P.data.slice(3), 0.7);
    const want = [...a, ...b].map((v) => v * s);
    for (let j = 0; j < 6; j++) expect(y[j]!).toBeCloseTo(want[j]!, 13);
  });

  it('refuses points off the ball and NaN with typed errors', () => {
    expect(() => betaConcat({ rows: 1, cols: 2, data: Float64Array.of(1, 1) }, 1)).toThrow(DomainError);
    expect(() => betaConcat({ rows: 1, cols: 2, data: Float64Array.of(Number.NaN, 0) }, 1)).toThrow(DomainError);
    expect(() => betaConcat({ rows: 0, cols: 2, data: new Float64Array(0) }, 1)).toThrow(ShapeError);
    expect(() => betaConcatScale(0, 2)).toThrow(DomainError);
  });
});

describe('PoincareConv2d', () => {
  it('a 1x1 identity-initialised conv is the identity map; a padded 3x3 one is the β-scaled identity near the origin', () => {
    const x = scaled(randn(2, 4 * 5 * 3, 1), 0.3);
    const one = new PoincareConv2d(3, 3, { height: 4, width: 5, kernel: 1, c: 0.1 });
    const y = one.forward(x);
    for (let i = 0; i < x.data.length; i++) expect(y.data[i]!).toBeCloseTo(x.data[i]!, 12);
    // The centre tap passes through, scaled by B(9n/2, ½)/B(n/2, ½) as the paper's conv scales every input
    // (exactly so to first order in ‖x‖: the exp/log maps and the FC layer are the identity there).
    const conv = new PoincareConv2d(3, 3, { height: 4, width: 5, kernel: 3, padding: 1, c: 0.1 });
    const small = scaled(x, 1e-4);
    const y3 = conv.forward(small);
    const b = betaConcatScale(3, 9);
    for (let i = 0; i < small.data.length; i++) expect(Math.abs(y3.data[i]! - b * small.data[i]!)).toBeLessThan(1e-9 * Math.abs(b * small.data[i]!) + 1e-12);
  });

  it('output size follows ⌊(H + 2p − k)/s⌋ + 1', () => {
    const conv = new PoincareConv2d(2, 3, { height: 7, width: 6, kernel: 3, stride: 2, padding: 1, init: 'gaussian', seed: 1 });
    expect([conv.outHeight, conv.outWidth]).toEqual([4, 3]);
    expect(conv.forward(scaled(randn(2, 7 * 6 * 2, 2), 0.5)).cols).toBe(4 * 3 * 3);
  });

  it.each([
    ['3x3, stride 1, padding 1, identity init', { kernel: 3, stride: 1, padding: 1, init: 'identity' as const }],
    ['3x3, stride 2, padding 1, Gaussian init', { kernel: 3, stride: 2, padding: 1, init: 'gaussian' as const }],
    ['2x2, stride 1, no padding, Gaussian init', { kernel: 2, stride: 1, padding: 0, init: 'gaussian' as const }],
  ])('gradients match finite differences (%s)', (_, o) => {
    // n_in = n_out = 3: an identity-initialised n_in < n_out conv has zero columns z_k, where the FC layer's ‖z_k‖ is not differentiable.
    const conv = new PoincareConv2d(3, 3, { height: 4, width: 5, c: 0.7, seed: 3, ...o });
    // Perturb r away from 0 so its gradient is exercised off the symmetric point.
    conv.fc.r.set([0.1, -0.2, 0.05]);
    const g = gradCheck(conv, scaled(randn(2, 4 * 5 * 3, 4), 0.5), 5);
    expect(g.dx).toBeLessThan(1e-6);
    for (const e of g.params) expect(e).toBeLessThan(1e-6);
  });

  it('refuses bad input with typed errors', () => {
    const conv = new PoincareConv2d(2, 2, { height: 3, width: 3, padding: 1 });
    expect(() => conv.forward(randn(1, 17, 1))).toThrow(ShapeError);
    const bad = randn(1, 18, 1);
    bad.data[4] = Number.NaN;
    expect(() => conv.forward(bad)).toThrow(DomainError);
    expect(() => new PoincareConv2d(2, 2, { height: 2, width: 2, kernel: 3 })).toThrow(ShapeError);
    expect(() => new PoincareConv2d(2, 2, { height: 3, width: 3, c: -1 })).toThrow(DomainError);
    expect(() => new PoincareConv2d(2, 2, { height: 3, width: 3, init: 'xavier' as never })).toThrow(DomainError);
    expect(() => new PoincareConv2d(2, 2, { height: 3, width: 3 }).backward(randn(1, 18, 1))).toThrow(DomainError);
  });
});

describe('PoincareBatchNorm', () => {
  it('training forward equals poincareBatchNorm (log_μ, parallel transport, exp_β) on the same points', () => {
    const c = 0.7;
    const bn = new PoincareBatchNorm(3, { c });
    bn.mean.set([0.2, -0.1, 0.3]);
    bn.variance[0] = 0.6;
    const T = scaled(randn(8, 3, 11), 0.6);
    const y = bn.forward(T);
    const X = new Float64Array(24);
    for (let i = 0; i < 8; i++) X.set(expMap0(T.data.slice(i * 3, i * 3 + 3), c), i * 3);
    const ref = poincareBatchNorm({ rows: 8, cols: 3, data: X }, c, { gamma: 0.6, bias: bn.mean });
    for (let i = 0; i < 8; i++) {
      const want = logMap0(ref.Y.data.slice(i * 3, i * 3 + 3), c);
      for (let j = 0; j < 3; j++) expect(y.data[i * 3 + j]!).toBeCloseTo(want[j]!, 12);
    }
  });

  it('the output has midpoint β and mean squared distance γσ²/(σ² + 1e-6) to it', () => {
    const c = 1;
    const bn = new PoincareBatchNorm(2, { c });
    bn.variance[0] = 0.3;
    const y = bn.forward(scaled(randn(50, 4, 2), 0.8));
    // m = 2 points per row: 100 points of dimension 2 with β = origin.
    let ms = 0;
    for (let i = 0; i < 100; i++) ms += (2 * Math.hypot(y.data[2 * i]!, y.data[2 * i + 1]!)) ** 2;
    expect(ms / 100).toBeGreaterThan(0.29);
    expect(ms / 100).toBeLessThan(0.3);
  });

  it.each([['training', true], ['eval', false]])('gradients match finite differences (%s mode)', (_, training) => {
    const bn = new PoincareBatchNorm(3, { c: 0.7 });
    bn.mean.set([0.2, -0.1, 0.3]);
    bn.variance[0] = 0.8;
    const x = scaled(randn(4, 6, 21), 0.7);
    if (!training) {
      bn.forward(x);
      bn.eval();
    }
    const g = gradCheck(bn, x, 22);
    expect(g.dx).toBeLessThan(1e-6);
    for (const e of g.params) expect(e).toBeLessThan(1e-6);
  });

  it('running statistics move towards the batch statistics and are used in eval mode', () => {
    const bn = new PoincareBatchNorm(2, { c: 1, momentum: 0.5 });
    const x = { rows: 4, cols: 2, data: Float64Array.of(0.5, 0.1, 0.6, -0.1, 0.4, 0.0, 0.5, 0.05) };
    bn.forward(x);
    expect(bn.runningMean[0]!).toBeGreaterThan(0.1);
    const before = Float64Array.from(bn.runningMean);
    bn.eval();
    const a = bn.forward(x).data;
    expect(Array.from(bn.runningMean)).toEqual(Array.from(before));
    const b = bn.forward({ rows: 1, cols: 2, data: x.data.slice(0, 2) }).data;
    // In eval mode each row is normalised on its own (no batch coupling).
    expect(b[0]!).toBeCloseTo(a[0]!, 14);
    expect(b[1]!).toBeCloseTo(a[1]!, 14);
  });

  it('refuses bad input with typed errors', () => {
    const bn = new PoincareBatchNorm(3);
    expect(() => bn.forward(randn(2, 4, 1))).toThrow(ShapeError);
    const bad = randn(2, 3, 1);
    bad.data[1] = Number.POSITIVE_INFINITY;
    expect(() => bn.forward(bad)).toThrow(DomainError);
    bn.variance[0] = -1;
    expect(() => bn.forward(randn(2, 3, 1))).toThrow(DomainError);
    expect(() => new PoincareBatchNorm(3, { momentum: 2 })).toThrow(DomainError);
    expect(() => new PoincareBatchNorm(3).backward(randn(2, 3, 1))).toThrow(DomainError);
  });
});

describe('PoincareResBlock', () => {
  it.each([
    ['identity', 'identity' as const],
    ['gaussian', 'gaussian' as const],
  ])('gradients match finite differences (%s init)', (_, init) => {
    const block = new PoincareResBlock(2, { height: 3, width: 3, c: 0.5, init, seed: 4 });
    const x = scaled(randn(2, 18, 31), 0.5);
    // Keep pre-ReLU values away from the kink so central differences are valid.
    const g = gradCheck(block, x, 32);
    expect(g.dx).toBeLessThan(1e-5);
    for (const e of g.params) expect(e).toBeLessThan(1e-5);
  });

  it('without batch norm (the ablation): gradients match finite differences, and the state round-trips', () => {
    const block = new PoincareResBlock(2, { height: 3, width: 3, c: 0.5, init: 'gaussian', batchNorm: false, seed: 5 });
    expect(block.parameters().map((p) => p.name)).toEqual(['conv1.Z', 'conv1.r', 'conv2.Z', 'conv2.r']);
    const g = gradCheck(block, scaled(randn(2, 18, 33), 0.5), 34);
    expect(g.dx).toBeLessThan(1e-5);
    for (const e of g.params) expect(e).toBeLessThan(1e-5);
    const j = JSON.parse(JSON.stringify(block.toJSON()));
    const again = PoincareResBlock.fromJSON(j);
    expect(again.bn1).toBeNull();
    const x = scaled(randn(2, 18, 35), 0.5);
    expect(Array.from(again.forward(x).data)).toEqual(Array.from(block.forward(x).data));
  });

  it('refuses bad input with typed errors', () => {
    expect(() => new PoincareResBlock(2, { height: 3, width: 3, batchNorm: 1 as never })).toThrow(DomainError);
    expect(() => new PoincareResBlock(2, { height: 3, width: 3, kernel: 2 })).toThrow(DomainError);
    const block = new PoincareResBlock(2, { height: 3, width: 3 });
    expect(() => block.forward(randn(2, 17, 1))).toThrow(ShapeError);
    expect(() => block.backward(randn(2, 18, 1))).toThrow(DomainError);
  });
});
