import { DomainError, ShapeError } from '@x/gpu';
import { gradCheck } from '@x/nn';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conformalFactor,
  expMap,
  expMap0,
  gyration,
  logMap,
  logMap0,
  mobiusAdd,
  mobiusNeg,
  parallelTransport,
  poincareBatchNorm,
  poincareDistance,
  poincareLinear,
  poincareLinearInit,
  poincareMidpoint,
  PoincareLinear,
  ExpMap0,
  LogMap0,
} from '../src/index';
import fx from './fixtures/poincare-ops.json';
import { mat } from './helpers';
import { maxAbsDiff } from '@x/test-utils';

const c = fx.c;
const f = (a: number[]) => Float64Array.from(a);
const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

// Random points strictly inside the ball of curvature -c (norm up to 0.95/√c), dimension 5.
const point = (cc: number) =>
  fc
    .tuple(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), fc.double({ min: 0, max: 0.95, noNaN: true }))
    .map(([v, r]) => {
      const x = Float64Array.from(v);
      const n = norm(x);
      if (n < 1e-3) return new Float64Array(5);
      for (let i = 0; i < 5; i++) x[i] = (x[i]! / n) * (r / Math.sqrt(cc));
      return x;
    });

describe('Poincaré ball vs numpy', () => {
  for (const [k, t] of fx.cases.entries()) {
    it(`case ${k}`, () => {
      const [x, y, z, v] = [f(t.x), f(t.y), f(t.z), f(t.v)];
      // Rational functions of O(1) quantities; points up to 0.95/√c where λ ≈ 10: 1e-13.
      expect(maxAbsDiff(mobiusAdd(x, y, c), t.madd)).toBeLessThan(1e-14);
      expect(maxAbsDiff(gyration(x, y, z, c), t.gyr)).toBeLessThan(1e-14);
      expect(maxAbsDiff(expMap0(v, c), t.exp0)).toBeLessThan(1e-14);
      expect(maxAbsDiff(logMap0(y, c), t.log0)).toBeLessThan(1e-13);
      expect(maxAbsDiff(expMap(x, v, c), t.expx)).toBeLessThan(1e-14);
      expect(maxAbsDiff(logMap(x, y, c), t.logx)).toBeLessThan(1e-13);
      expect(Math.abs(poincareDistance(x, y, c) - t.dist)).toBeLessThan(1e-13);
      expect(maxAbsDiff(parallelTransport(x, y, v, c), t.pt)).toBeLessThan(1e-13);
      expect(conformalFactor(x, c)).toBeCloseTo(t.lam, 13);
    });
  }
  it('FC layer, midpoint and batch norm match numpy', () => {
    const X = mat(fx.fc.X);
    expect(maxAbsDiff(poincareLinear(X, { Z: mat(fx.fc.Z), r: f(fx.fc.r) }, c).data, mat(fx.fc.Y).data)).toBeLessThan(1e-13);
    expect(maxAbsDiff(poincareMidpoint(X, c), fx.midpoint)).toBeLessThan(1e-14);
    const bn = poincareBatchNorm(X, c, { gamma: fx.bn.gamma, bias: f(fx.bn.bias) });
    expect(maxAbsDiff(bn.Y.data, mat(fx.bn.Y).data)).toBeLessThan(1e-12);
    expect(maxAbsDiff(bn.mean, fx.bn.mean)).toBeLessThan(1e-14);
    expect(Math.abs(bn.variance - fx.bn.variance)).toBeLessThan(1e-12);
  });
});

describe('gyrogroup laws (c = 0.7, property tests)', () => {
  const tol = 1e-12;
  it('identity and inverse: x ⊕ 0 = x, (−x) ⊕ x = 0', () => {
    fc.assert(
      fc.property(point(c), (x) => {
        expect(maxAbsDiff(mobiusAdd(x, new Float64Array(5), c), x)).toBeLessThan(1e-15);
        expect(norm(mobiusAdd(mobiusNeg(x), x, c))).toBeLessThan(1e-15);
      }),
    );
  });
  it('left cancellation, gyroassociativity, gyrocommutativity, gyr preserves norms', () => {
    fc.assert(
      fc.property(point(c), point(c), point(c), (a, b, d) => {
        expect(maxAbsDiff(mobiusAdd(mobiusNeg(a), mobiusAdd(a, b, c), c), b)).toBeLessThan(tol);
        expect(maxAbsDiff(mobiusAdd(a, mobiusAdd(b, d, c), c), mobiusAdd(mobiusAdd(a, b, c), gyration(a, b, d, c), c))).toBeLessThan(tol);
        expect(maxAbsDiff(mobiusAdd(a, b, c), gyration(a, b, mobiusAdd(b, a, c), c))).toBeLessThan(tol);
        expect(Math.abs(norm(gyration(a, b, d, c)) - norm(d))).toBeLessThan(tol);
      }),
    );
  });
  it('exp/log are inverse, d(x,y) = λ_x‖log_x y‖, d is Möbius-translation invariant', () => {
    fc.assert(
      fc.property(point(c), point(c), point(c), (x, y, t) => {
        expect(maxAbsDiff(expMap0(logMap0(y, c), c), y)).toBeLessThan(1e-13);
        expect(maxAbsDiff(expMap(x, logMap(x, y, c), c), y)).toBeLessThan(1e-11);
        const d = poincareDistance(x, y, c);
        expect(Math.abs(d - conformalFactor(x, c) * norm(logMap(x, y, c)))).toBeLessThan(1e-10 * Math.max(1, d));
        expect(Math.abs(poincareDistance(mobiusAdd(t, x, c), mobiusAdd(t, y, c), c) - d)).toBeLessThan(1e-10 * Math.max(1, d));
      }),
    );
  });
  it('parallel transport preserves the Riemannian norm λ_x‖v‖', () => {
    fc.assert(
      fc.property(point(c), point(c), point(c), (x, y, v) => {
        const w = parallelTransport(x, y, v, c);
        expect(Math.abs(conformalFactor(y, c) * norm(w) - conformalFactor(x, c) * norm(v))).toBeLessThan(1e-11 * (1 + conformalFactor(x, c) * norm(v)));
      }),
    );
  });
  it('c → 0 gives x + y', () => {
    const x = f([0.3, -0.2, 0.5]);
    const y = f([-0.1, 0.4, 0.2]);
    const s = mobiusAdd(x, y, 1e-9);
    for (let i = 0; i < 3; i++) expect(Math.abs(s[i]! - (x[i]! + y[i]!))).toBeLessThan(2e-9);
  });
  it('typed errors', () => {
    expect(() => mobiusAdd(f([0.1]), f([0.1, 0.2]), c)).toThrow(ShapeError);
    expect(() => mobiusAdd(f([0.1]), f([0.1]), 0)).toThrow(DomainError);
  });
});

describe('Poincaré FC layer, midpoint, batch norm', () => {
  it('identity init Z = ½I, r = 0 is exactly the identity; the buggy λ = 2(1 − c‖x‖²) is not', () => {
    const p = poincareLinearInit(5, 5, 'identity');
    const X = mat(fx.fc.X);
    expect(maxAbsDiff(poincareLinear(X, p, c).data, X.data)).toBeLessThan(1e-14);
    // The poincare-resnet linreg bug multiplies by (1 − c‖x‖²): reproduce it to show the error is visible.
    let worst = 0;
    for (let b = 0; b < X.rows; b++) {
      const x = X.data.slice(b * 5, b * 5 + 5) as Float64Array;
      const x2 = x.reduce((s, v) => s + v * v, 0);
      const lamBug = 2 * (1 - c * x2);
      const w = x.map((v) => lamBug * v);
      const w2 = w.reduce((s, v) => s + v * v, 0);
      const y = w.map((v) => v / (1 + Math.sqrt(1 + c * w2)));
      worst = Math.max(worst, maxAbsDiff(y, x));
    }
    expect(worst).toBeGreaterThan(0.05);
  });
  it('midpoint: {x, x} = x, {x, −x} = 0, gyro-covariance m(d ⊕ X) = d ⊕ m(X)', () => {
    fc.assert(
      fc.property(point(c), point(c), point(c), point(c), (x, a, b, d) => {
        const twice = { rows: 2, cols: 5, data: Float64Array.from([...x, ...x]) };
        expect(maxAbsDiff(poincareMidpoint(twice, c), x)).toBeLessThan(1e-13);
        const anti = { rows: 2, cols: 5, data: Float64Array.from([...x, ...mobiusNeg(x)]) };
        expect(norm(poincareMidpoint(anti, c))).toBeLessThan(1e-14);
        const X = { rows: 3, cols: 5, data: Float64Array.from([...x, ...a, ...b]) };
        const moved = { rows: 3, cols: 5, data: Float64Array.from([...mobiusAdd(d, x, c), ...mobiusAdd(d, a, c), ...mobiusAdd(d, b, c)]) };
        expect(maxAbsDiff(poincareMidpoint(moved, c), mobiusAdd(d, poincareMidpoint(X, c), c))).toBeLessThan(1e-10);
      }),
      { numRuns: 50 },
    );
  });
  it('batch norm: distances to β are scaled so the mean squared distance is γσ²/(σ²+1e-6)', () => {
    const X = mat(fx.fc.X);
    const bias = f([0.1, 0, -0.2, 0.05, 0]);
    const out = poincareBatchNorm(X, c, { gamma: 0.3, bias });
    const beta = expMap0(bias, c);
    let ms = 0;
    for (let i = 0; i < X.rows; i++) ms += poincareDistance(beta, out.Y.data.slice(i * 5, i * 5 + 5) as Float64Array, c) ** 2;
    ms /= X.rows;
    expect(Math.abs(ms - (0.3 * out.variance) / (out.variance + 1e-6))).toBeLessThan(1e-12);
  });
});

describe('PoincareLinear module', () => {
  it("backward passes @x/nn's gradCheck (Z, r and the input)", () => {
    const layer = new PoincareLinear(5, 4, { c, init: 'gaussian', seed: 3 });
    // Move away from r = 0 and small Z so every term of the derivative is exercised.
    for (let i = 0; i < layer.Z.data.length; i++) layer.Z.data[i]! *= 20;
    layer.r.set([0.1, -0.2, 0.05, 0.3]);
    const report = gradCheck(layer, mat(fx.fc.X));
    expect(report.passed, JSON.stringify([report.parameters, report.inputs].flat().map((e) => e.maxRelError))).toBe(true);
  });
  it('identity init is the identity and round-trips through JSON', () => {
    const layer = new PoincareLinear(5, 5, { c });
    const X = mat(fx.fc.X);
    expect(maxAbsDiff(layer.forward(X).data, X.data)).toBeLessThan(1e-14);
    const copy = PoincareLinear.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
    expect(Array.from(copy.forward(X).data)).toEqual(Array.from(layer.forward(X).data));
    expect(() => layer.forward(mat([[0.1, 0.2]]))).toThrow(ShapeError);
  });
});

describe('ExpMap0 / LogMap0 modules', () => {
  it('are inverse and pass gradCheck', () => {
    const V = mat([
      [0.3, -0.2, 0.5, 0.1, 0],
      [1.2, 0.4, -0.7, 0.2, 0.9],
    ]);
    const e = new ExpMap0(c);
    const l = new LogMap0(c);
    expect(maxAbsDiff(l.forward(e.forward(V)).data, V.data)).toBeLessThan(1e-14);
    expect(gradCheck(new ExpMap0(c), V).passed).toBe(true);
    expect(gradCheck(new LogMap0(c), mat(fx.fc.X)).passed).toBe(true);
  });
});
