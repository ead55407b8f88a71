import { DomainError, type Matrix, rng } from '@x/gpu';
import { gradCheck } from '@x/nn';
import { describe, expect, it } from 'vitest';
import {
  GroupRational,
  GrKan,
  grkanVsMlp,
  RATIONAL_INITS,
  rational,
  rationalDerivatives,
  rationalGain,
} from '../src/index';
import { fixture } from './fixtures';

interface Fit {
  a: number[];
  b: number[];
  maxErr: number;
  gain: number;
  targetGain: number;
}
interface RationalFixture {
  fits: Record<'identity' | 'gelu' | 'swish', Fit>;
  publishedGeluFormBMaxErr: number;
  probe: { a: number[]; b: number[]; x: number[]; f: number[]; dx: number[]; da: number[][]; db: number[][] };
}
const fx = fixture<RationalFixture>('rational.json');
const grid = Float64Array.from({ length: 1000 }, (_, i) => -3 + (6 * i) / 999);

describe('rational unit, form B (KAT)', () => {
  it('committed inits equal the scipy least_squares fits in the fixture', () => {
    for (const k of ['identity', 'gelu', 'swish'] as const) {
      Array.from(RATIONAL_INITS[k].a).forEach((v, i) => {
        expect(v).toBe(fx.fits[k].a[i]);
      });
      Array.from(RATIONAL_INITS[k].b).forEach((v, i) => {
        expect(v).toBe(fx.fits[k].b[i]);
      });
    }
  });

  it('max error on [-3, 3] against GELU / Swish matches the fixture (gelu ~4e-3, swish ~1.2e-6)', () => {
    const targets = {
      gelu: (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)),
      swish: (x: number) => x / (1 + Math.exp(-x)),
    };
    for (const k of ['gelu', 'swish'] as const) {
      const { a, b } = RATIONAL_INITS[k];
      let m = 0;
      for (const x of grid) m = Math.max(m, Math.abs(rational(x, a, b) - targets[k](x)));
      // erfRef is accurate to 1e-15; the rational evaluation to a few ulps.
      expect(Math.abs(m - fx.fits[k].maxErr)).toBeLessThan(1e-12 + 1e-9 * fx.fits[k].maxErr);
    }
    expect(fx.fits.gelu.maxErr).toBeLessThan(0.005);
    expect(fx.fits.swish.maxErr).toBeLessThan(2e-6);
  });

  it('the published "gelu" coefficients (fit for form A) do not give GELU under form B (error ~1.47)', () => {
    const a = [-0.00153969, 0.51692871, 0.44075827, 0.0972553, -0.00884418, -0.00378675];
    const b = [-0.14171056, -0.06481231, -0.0444695, 0.01283776];
    let m = 0;
    for (const x of grid) m = Math.max(m, Math.abs(rational(x, a, b) - 0.5 * x * (1 + erfRef(x / Math.SQRT2))));
    expect(m).toBeCloseTo(fx.publishedGeluFormBMaxErr, 9);
    expect(m).toBeGreaterThan(1.4);
  });

  it('identity init is exact; Q >= 1 so F is finite for any coefficients', () => {
    const { a, b } = RATIONAL_INITS.identity;
    for (const x of [-1e3, -2.5, 0, 0.3, 7, 1e6]) expect(rational(x, a, b)).toBe(x);
    const g = rng(3);
    for (let t = 0; t < 2000; t++) {
      const ca = Array.from({ length: 6 }, () => g.normal());
      const cb = Array.from({ length: 4 }, () => 3 * g.normal());
      const x = 10 * g.normal();
      const p = ca.reduce((s, v, i) => s + v * x ** i, 0);
      const f = rational(x, ca, cb);
      expect(Number.isFinite(f)).toBe(true);
      // |F| = |P| / Q <= |P| because Q >= 1.
      expect(Math.abs(f)).toBeLessThanOrEqual(Math.abs(p) * (1 + 1e-12));
    }
  });

  it('analytic derivatives match the numpy fixture and central differences', () => {
    const { a, b, x } = fx.probe;
    x.forEach((xi, k) => {
      const d = rationalDerivatives(xi, a, b);
      expect(d.f).toBeCloseTo(fx.probe.f[k]!, 12);
      expect(d.dx).toBeCloseTo(fx.probe.dx[k]!, 11);
      Array.from(d.da).forEach((v, i) => {
        expect(v).toBeCloseTo(fx.probe.da[k]![i]!, 12);
      });
      Array.from(d.db).forEach((v, i) => {
        expect(v).toBeCloseTo(fx.probe.db[k]![i]!, 12);
      });
      // Finite differences (step 1e-6; F is smooth away from x = 0 and b_i = 0).
      const h = 1e-6;
      const fdx = (rational(xi + h, a, b) - rational(xi - h, a, b)) / (2 * h);
      expect(Math.abs(fdx - d.dx)).toBeLessThan(1e-6 * Math.max(1, Math.abs(d.dx)));
      for (let i = 0; i < 4; i++) {
        const bp = b.slice();
        const bm = b.slice();
        bp[i]! += h;
        bm[i]! -= h;
        const fd = (rational(xi, a, bp) - rational(xi, a, bm)) / (2 * h);
        expect(Math.abs(fd - d.db[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(d.db[i]!)));
      }
    });
  });

  it('variance-preserving gain 1/E[F(z)²] matches scipy quad (gelu 2.3516, swish 2.8108)', () => {
    for (const k of ['identity', 'gelu', 'swish'] as const) {
      // Simpson with 4800 panels on [-12, 12] vs adaptive quad: agreement to ~1e-9.
      expect(Math.abs(rationalGain(RATIONAL_INITS[k]) / fx.fits[k].gain - 1)).toBeLessThan(1e-8);
    }
    // The fitted units' gains are within 0.1% of the exact activations' 1/E[f(z)²].
    expect(Math.abs(fx.fits.gelu.gain / fx.fits.gelu.targetGain - 1)).toBeLessThan(1e-3);
    expect(Math.abs(fx.fits.swish.gain / fx.fits.swish.targetGain - 1)).toBeLessThan(1e-3);
    expect(() => rationalGain({ a: [1], b: [0, 0, 0, 0] })).toThrow(DomainError);
  });
});

function erfRef(x: number): number {
  // erf via its Maclaurin series for |x| <= 3 (all terms alternate; 80 terms reach 1e-16 at |x| = 3
  // with float64 cancellation below 1e-13 in the worst case) and erfc's continued fraction beyond.
  const ax = Math.abs(x);
  if (ax > 3) {
    // Lentz continued fraction for erfc.
    let f = ax;
    let c = ax;
    let d = 0;
    for (let n = 1; n < 200; n++) {
      const an = n / 2;
      d = ax + an * d;
      d = 1 / d;
      c = ax + an / c;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
    return Math.sign(x) * (1 - erfc);
  }
  let term = x;
  let s = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    s += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}

function randomGroupRational(channels: number, groups: number, seed: number): GroupRational {
  const g = rng(seed);
  const m = new GroupRational(channels, { groups, init: 'swish' });
  for (let i = 0; i < 6; i++) m.numerator[i] = 0.5 * g.normal();
  for (let i = 0; i < m.denominator.length; i++) m.denominator[i] = 0.2 + 0.5 * g.uniform() * (g.uniform() < 0.5 ? -1 : 1);
  return m;
}

describe('GroupRational (numerator shared, denominator per group, kat#15)', () => {
  it('parameters: one shared numerator (6), g x 4 denominators; each group uses its own Q', () => {
    const m = randomGroupRational(12, 3, 1);
    expect(m.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['numerator', [6]],
      ['denominator', [3, 4]],
    ]);
    const x: Matrix<Float64Array> = { rows: 2, cols: 12, data: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 2) };
    const y = m.forward(x);
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 12; c++) {
        const k = Math.floor(c / 4);
        expect(y.data[r * 12 + c]).toBeCloseTo(rational(x.data[r * 12 + c]!, m.numerator, m.denominator.subarray(4 * k, 4 * k + 4)), 14);
      }
    }
  });

  it('gradCheck: input, shared numerator and per-group denominators', () => {
    const m = randomGroupRational(8, 4, 2);
    const g = rng(5);
    // Keep inputs away from x = 0, where Q has a kink through |x|.
    const x = { rows: 5, cols: 8, data: Float64Array.from({ length: 40 }, () => (g.uniform() < 0.5 ? -1 : 1) * (0.2 + 2 * g.uniform())) };
    expect(gradCheck(m, x, { tol: 1e-6 }).passed).toBe(true);
  });

  it('toJSON round trip and shape errors', () => {
    const m = randomGroupRational(8, 2, 3);
    const r = GroupRational.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const x = { rows: 1, cols: 8, data: Float64Array.from([1, -2, 0.5, 3, -0.1, 0, 2, -3]) };
    expect(r.forward(x).data).toEqual(m.forward(x).data);
    expect(() => new GroupRational(10, { groups: 3 })).toThrow(DomainError);
    expect(() => m.forward({ rows: 1, cols: 7, data: new Float64Array(7) })).toThrow();
  });
});

describe('GrKan layer', () => {
  it('gradCheck and JSON round trip', () => {
    const m = new GrKan(8, 3, { groups: 4, init: 'gelu', seed: 1 });
    // The gelu fit has b_4 ~ 8e-10: |b| has a kink there, so move every b_i at least 0.05 away from 0.
    for (let i = 0; i < m.rational.denominator.length; i++) m.rational.denominator[i]! += 0.05 + 0.1 * (i % 3);
    const g = rng(8);
    const x = { rows: 4, cols: 8, data: Float64Array.from({ length: 32 }, () => (g.uniform() < 0.5 ? -1 : 1) * (0.2 + 2 * g.uniform())) };
    expect(gradCheck(m, x, { tol: 1e-6 }).passed).toBe(true);
    const r = GrKan.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(r.forward(x).data).toEqual(m.forward(x).data);
  });

  it('variance propagation: 12 stacked x <- F(x) W (d = 192, no residual) keep std ~1 with the VP gain, collapse with gain 1', () => {
    const d = 192;
    const depth = 12;
    const batch = 128;
    const run = (gain?: number): number => {
      let h: Matrix = { rows: batch, cols: d, data: rng(0).fillNormal(new Float64Array(batch * d)) };
      for (let l = 0; l < depth; l++) {
        const layer = new GrKan(d, d, { groups: 8, init: 'gelu', seed: 10 + l, bias: false, ...(gain === undefined ? {} : { gain }) });
        h = layer.forward(h);
      }
      let s = 0;
      for (const v of h.data) s += v * v;
      return Math.sqrt(s / h.data.length);
    };
    const vp = run();
    const one = run(1);
    // Spec (numpy, published coefficients): 0.76 with the gain, 0.0018 with gain 1.
    expect(vp).toBeGreaterThan(0.5);
    expect(vp).toBeLessThan(1.5);
    expect(one).toBeLessThan(0.02);
  });
});

describe('experiment inr/grkan-vs-mlp (quick)', () => {
  it('GR-KAN reaches an MSE comparable to or below the GELU MLP of near-equal size', async () => {
    const r = await grkanVsMlp.run({ quick: true, seed: 0 });
    const m = r.metrics!;
    expect(m.mseGrKan!).toBeLessThanOrEqual(1.5 * m.mseMlp!);
    expect(Math.abs(m.paramsGrKan! - m.paramsMlp!) / m.paramsMlp!).toBeLessThan(0.1);
    expect(r.ok).toBe(true);
  });
});
