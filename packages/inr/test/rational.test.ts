import { DomainError, type Matrix, rng } from '@x/gpu';
import { experimentResultProblems } from '@x/gpu/experiments';
import { gradCheck } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { GroupRational, type GroupRationalJSON, GrKan, RATIONAL_INITS, RATIONAL_INITS_BY_FORM, type RationalCoefficients, type RationalForm, type RationalInit, rational, rationalDenominator, rationalDerivatives, rationalGain, rationalInit, rationalSecondMoment } from '../src/index';
import { experiments, grkanNet, grkanRandomInit, grkanVsMlp, randomizeRationals, trainMse } from '../src/experiments-entry';
import { loadFixture } from '@x/test-utils';

interface Fit {
  a: number[];
  b: number[];
  maxErr: number;
  gain: number;
  targetGain: number;
  /** Form C only: real roots of Q (none for the kept fits). */
  poles?: number[];
}
interface Probe {
  a: number[];
  b: number[];
  x: number[];
  /** Kinks (A: roots of Σ b_i x^i, B: 0) or poles (C: roots of Q), from numpy.roots. */
  kinks: number[];
  f: number[];
  dx: number[];
  da: number[][];
  db: number[][];
}
interface RationalFixture {
  fitGrid: { lo: number; hi: number; n: number };
  fits: Record<RationalForm, Record<RationalInit, Fit>>;
  formCWithPolesMaxErr: Record<'gelu' | 'swish', number>;
  published: Record<'gelu' | 'swish', { a: number[]; b: number[]; maxErr: Record<RationalForm, number> }>;
  probes: Record<RationalForm, Probe>;
}
const fx = loadFixture<RationalFixture>(import.meta.url, 'rational-fits.json');
const FORMS = ['A', 'B', 'C'] as const;
const INITS = ['identity', 'gelu', 'swish'] as const;
const { lo, hi, n: gridN } = fx.fitGrid;
const grid = Float64Array.from({ length: gridN }, (_, i) => lo + ((hi - lo) * i) / (gridN - 1));
const targets = {
  gelu: (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)),
  swish: (x: number) => x / (1 + Math.exp(-x)),
};

/** max |F(x) − target(x)| on the fit grid. */
function maxErrOnGrid(c: RationalCoefficients, form: RationalForm, target: (x: number) => number): number {
  let m = 0;
  for (const x of grid) m = Math.max(m, Math.abs(rational(x, c.a, c.b, form) - target(x)));
  return m;
}

/** The form-B-only implementation this change started from, kept verbatim as the bit-identity reference. */
function legacyRationalB(x: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ax = Math.abs(x);
  const p = a[0]! + x * (a[1]! + x * (a[2]! + x * (a[3]! + x * (a[4]! + x * a[5]!))));
  const q = 1 + ax * (Math.abs(b[0]!) + ax * (Math.abs(b[1]!) + ax * (Math.abs(b[2]!) + ax * Math.abs(b[3]!))));
  return p / q;
}

describe('rational unit, denominator forms A, B, C (KAT)', () => {
  it('committed inits equal the scipy least_squares fits in the fixture, per form', () => {
    for (const form of FORMS) {
      for (const k of INITS) {
        const c = rationalInit(k, form);
        expect(c).toBe(RATIONAL_INITS_BY_FORM[form][k]);
        expect(Array.from(c.a)).toEqual(fx.fits[form][k].a);
        expect(Array.from(c.b)).toEqual(fx.fits[form][k].b);
      }
    }
    // The form-B export and the default form are unchanged.
    expect(RATIONAL_INITS).toBe(RATIONAL_INITS_BY_FORM.B);
    for (const k of INITS) expect(rationalInit(k)).toBe(RATIONAL_INITS[k]);
  });

  it("each form's gelu and swish fits are within the max error the fit script measured", () => {
    for (const form of FORMS) {
      for (const k of ['gelu', 'swish'] as const) {
        const m = maxErrOnGrid(rationalInit(k, form), form, targets[k]);
        // erfRef is accurate to 1e-15; the rational evaluation to a few ulps.
        expect(m).toBeLessThanOrEqual(fx.fits[form][k].maxErr + 1e-12 + 1e-9 * fx.fits[form][k].maxErr);
        expect(Math.abs(m - fx.fits[form][k].maxErr)).toBeLessThan(1e-12 + 1e-9 * fx.fits[form][k].maxErr);
      }
      // Refitting per form beats the published gelu set under every form (including its own, A).
      expect(fx.fits[form].gelu.maxErr).toBeLessThan(fx.published.gelu.maxErr[form]);
      expect(maxErrOnGrid(rationalInit('identity', form), form, (x) => x)).toBe(0);
    }
    // Form C's kept fits have no real pole; the free form-C gelu fits all had one.
    expect(fx.fits.C.gelu.poles).toEqual([]);
    expect(fx.fits.C.swish.poles).toEqual([]);
    expect(fx.formCWithPolesMaxErr.gelu).toBeGreaterThan(0);
  });

  it('the published "gelu" set fits GELU only under form A (~3e-3); under B and C it is off by ~1.47', () => {
    const { a, b } = fx.published.gelu;
    for (const form of FORMS) {
      expect(Math.abs(maxErrOnGrid({ a, b }, form, targets.gelu) - fx.published.gelu.maxErr[form])).toBeLessThan(1e-12);
    }
    expect(fx.published.gelu.maxErr.A).toBeLessThan(0.005);
    expect(fx.published.gelu.maxErr.B).toBeGreaterThan(1.4);
    expect(fx.published.gelu.maxErr.C).toBeGreaterThan(1.4);
    const sw = fx.published.swish;
    for (const form of FORMS) expect(Math.abs(maxErrOnGrid(sw, form, targets.swish) - sw.maxErr[form])).toBeLessThan(1e-12);
  });

  it('form B values are bit-identical to the form-B-only implementation (default form = B)', () => {
    const g = rng(12);
    for (let t = 0; t < 5000; t++) {
      const a = Array.from({ length: 6 }, () => g.normal());
      const b = Array.from({ length: 4 }, () => (g.uniform() < 0.1 ? 0 : g.normal()));
      const x = t % 9 === 0 ? 0 : 4 * g.normal();
      const ref = legacyRationalB(x, a, b);
      expect(rational(x, a, b)).toBe(ref);
      expect(rational(x, a, b, 'B')).toBe(ref);
    }
    const m = randomGroupRational(8, 2, 4);
    expect(m.form).toBe('B');
    const x: Matrix<Float64Array> = { rows: 3, cols: 8, data: Float64Array.from({ length: 24 }, (_, i) => 3 * Math.cos(1.7 * i)) };
    const y = m.forward(x);
    x.data.forEach((v, i) => {
      const k = Math.floor((i % 8) / 4);
      expect(y.data[i]).toBe(legacyRationalB(v, m.numerator, m.denominator.subarray(4 * k, 4 * k + 4)));
    });
  });

  it('identity init is exact in every form; Q >= 1 for forms A and B, so F is finite for any coefficients', () => {
    for (const form of FORMS) {
      const { a, b } = rationalInit('identity', form);
      for (const x of [-1e3, -2.5, 0, 0.3, 7, 1e6]) expect(rational(x, a, b, form)).toBe(x);
    }
    const g = rng(3);
    for (let t = 0; t < 2000; t++) {
      const ca = Array.from({ length: 6 }, () => g.normal());
      const cb = Array.from({ length: 4 }, () => 3 * g.normal());
      const x = 10 * g.normal();
      const p = ca.reduce((s, v, i) => s + v * x ** i, 0);
      for (const form of ['A', 'B'] as const) {
        expect(rationalDenominator(x, cb, form)).toBeGreaterThanOrEqual(1);
        const f = rational(x, ca, cb, form);
        expect(Number.isFinite(f)).toBe(true);
        // |F| = |P| / Q <= |P| because Q >= 1.
        expect(Math.abs(f)).toBeLessThanOrEqual(Math.abs(p) * (1 + 1e-12));
      }
    }
  });

  it('form C has poles for x < 0 (Q crosses 0) where form B, same coefficients, keeps Q >= 1', () => {
    const { a, b, kinks: poles } = fx.probes.C;
    expect(poles.length).toBeGreaterThan(0);
    for (const r of poles) {
      expect(r).toBeLessThan(0);
      // numpy's root: Q changes sign across it and F blows up.
      expect(rationalDenominator(r - 1e-6, b, 'C') * rationalDenominator(r + 1e-6, b, 'C')).toBeLessThan(0);
      expect(Math.abs(rational(r + 1e-9, a, b, 'C'))).toBeGreaterThan(1e6);
    }
    let minC = Infinity;
    for (let x = -8; x <= 8; x += 1e-3) {
      expect(rationalDenominator(x, b, 'B')).toBeGreaterThanOrEqual(1);
      minC = Math.min(minC, rationalDenominator(x, b, 'C'));
      // x >= 0: C and B coincide.
      if (x >= 0) expect(rationalDenominator(x, b, 'C')).toBe(rationalDenominator(x, b, 'B'));
    }
    expect(minC).toBeLessThan(0);
    // The committed form-C fits are pole-free: Q >= 1 on a wide sweep.
    for (const k of INITS) for (let x = -100; x <= 100; x += 0.01) expect(rationalDenominator(x, rationalInit(k, 'C').b, 'C')).toBeGreaterThanOrEqual(1);
  });

  it('analytic derivatives match the numpy fixture and central differences, per form (away from kinks and poles)', () => {
    for (const form of FORMS) {
      const { a, b, x } = fx.probes[form];
      x.forEach((xi, k) => {
        const d = rationalDerivatives(xi, a, b, form);
        const close = (got: ArrayLike<number>, want: ArrayLike<number>) => {
          for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want[i]!)));
        };
        close([d.f, d.dx], [fx.probes[form].f[k]!, fx.probes[form].dx[k]!]);
        close(d.da, fx.probes[form].da[k]!);
        close(d.db, fx.probes[form].db[k]!);
        // Central differences, step 1e-6 (the probes sit > 0.1 from every kink and pole).
        const h = 1e-6;
        const fd = (fp: number, fm: number, want: number) => expect(Math.abs((fp - fm) / (2 * h) - want)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want)));
        fd(rational(xi + h, a, b, form), rational(xi - h, a, b, form), d.dx);
        for (let i = 0; i < 6; i++) {
          fd(rational(xi, bump(a, i, h), b, form), rational(xi, bump(a, i, -h), b, form), d.da[i]!);
        }
        for (let i = 0; i < 4; i++) {
          fd(rational(xi, a, bump(b, i, h), form), rational(xi, a, bump(b, i, -h), form), d.db[i]!);
        }
      });
    }
  });

  it('subgradients at kinks use sign(0) = 0 (form A at S = 0, forms B and C at b_i = 0)', () => {
    const a = [0.3, 1, -0.5, 0.2, 0.1, -0.05];
    const dA = rationalDerivatives(0, a, [0.4, -0.2, 0.3, 0.1], 'A');
    expect(Array.from(dA.db)).toEqual([-0, -0, -0, -0]);
    expect(dA.dx).toBe(a[1]);
    for (const form of ['B', 'C'] as const) {
      const d = rationalDerivatives(1.3, a, [0, 0.5, 0, 0.2], form);
      expect(d.db[0]).toBe(-0);
      expect(d.db[2]).toBe(-0);
      expect(d.db[1]).not.toBe(0);
    }
  });

  it('variance-preserving gain 1/E[F(z)²] matches scipy quad for every form and init', () => {
    for (const form of FORMS) {
      for (const k of INITS) {
        // Simpson with 4800 panels on [-12, 12] vs adaptive quad split at the kinks.
        expect(Math.abs(rationalGain(rationalInit(k, form), form) / fx.fits[form][k].gain - 1)).toBeLessThan(1e-8);
      }
      // The fitted units' gains are within 0.1% of the exact activations' 1/E[f(z)²].
      for (const k of ['gelu', 'swish'] as const) expect(Math.abs(fx.fits[form][k].gain / fx.fits[form][k].targetGain - 1)).toBeLessThan(1e-3);
    }
    expect(() => rationalGain({ a: [1], b: [0, 0, 0, 0] })).toThrow(DomainError);
    // A form-C unit with a pole has E[F²] = ∞.
    expect(() => rationalSecondMoment(fx.probes.C, 'C')).toThrow(DomainError);
    expect(Number.isFinite(rationalSecondMoment(fx.probes.C, 'B'))).toBe(true);
  });

  it('bad forms and init names raise a DomainError', () => {
    const { a, b } = RATIONAL_INITS.gelu;
    const bad = 'D' as unknown as RationalForm;
    expect(() => rational(1, a, b, bad)).toThrow(DomainError);
    expect(() => rationalDenominator(1, b, bad)).toThrow(DomainError);
    expect(() => rationalDerivatives(1, a, b, bad)).toThrow(DomainError);
    expect(() => rationalGain(RATIONAL_INITS.gelu, bad)).toThrow(DomainError);
    expect(() => rationalInit('gelu', bad)).toThrow(DomainError);
    expect(() => rationalInit('relu' as RationalInit, 'A')).toThrow(DomainError);
    expect(() => rationalInit('toString' as RationalInit)).toThrow(DomainError);
    expect(() => new GroupRational(8, { form: bad })).toThrow(DomainError);
    expect(() => new GrKan(8, 2, { form: bad })).toThrow(DomainError);
    const saved = new GroupRational(8).toJSON();
    const json = { ...saved, config: { ...saved.config, form: 'b' } } as unknown as GroupRationalJSON;
    expect(() => GroupRational.fromJSON(json)).toThrow(DomainError);
  });
});

function bump(v: ArrayLike<number>, i: number, h: number): number[] {
  const out = Array.from(v);
  out[i]! += h;
  return out;
}

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

function randomGroupRational(channels: number, groups: number, seed: number, form: RationalForm = 'B'): GroupRational {
  const g = rng(seed);
  const m = new GroupRational(channels, { groups, init: 'swish', form });
  for (let i = 0; i < 6; i++) m.numerator[i] = 0.5 * g.normal();
  for (let i = 0; i < m.denominator.length; i++) m.denominator[i] = 0.2 + 0.5 * g.uniform() * (g.uniform() < 0.5 ? -1 : 1);
  return m;
}

/**
 * rows x channels inputs ±(0.2 + 2u), redrawn where the unit of the entry's group is within reach
 * of a kink (form A: |S(x)| < 0.05) or a pole (form C: |Q(x)| < 0.2), so central differences do
 * not straddle one.
 */
function inputsAwayFromKinks(m: GroupRational, rows: number, seed: number): Matrix<Float64Array> {
  const g = rng(seed);
  const per = m.channels / m.groups;
  const data = new Float64Array(rows * m.channels);
  for (let i = 0; i < data.length; i++) {
    const k = Math.floor((i % m.channels) / per);
    const b = m.denominator.subarray(4 * k, 4 * k + 4);
    for (;;) {
      const v = (g.uniform() < 0.5 ? -1 : 1) * (0.2 + 2 * g.uniform());
      const q = rationalDenominator(v, b, m.form);
      if ((m.form === 'A' && q - 1 < 0.05) || (m.form === 'C' && Math.abs(q) < 0.2)) continue;
      data[i] = v;
      break;
    }
  }
  return { rows, cols: m.channels, data };
}

describe('GroupRational (numerator shared, denominator per group, kat#15)', () => {
  it('parameters: one shared numerator (6), g x 4 denominators; each group uses its own Q, in every form', () => {
    for (const form of FORMS) {
      const m = randomGroupRational(12, 3, 1, form);
      expect(m.parameters().map((p) => [p.name, p.shape])).toEqual([
        ['numerator', [6]],
        ['denominator', [3, 4]],
      ]);
      const x: Matrix<Float64Array> = { rows: 2, cols: 12, data: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 2) };
      const y = m.forward(x);
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 12; c++) {
          const k = Math.floor(c / 4);
          const want = rational(x.data[r * 12 + c]!, m.numerator, m.denominator.subarray(4 * k, 4 * k + 4), form);
          expect(Math.abs(y.data[r * 12 + c]! - want)).toBeLessThan(1e-14 * Math.max(1, Math.abs(want)));
        }
      }
    }
  });

  it('init by name takes the fit for the layer\'s form', () => {
    for (const form of FORMS) {
      const m = new GroupRational(16, { init: 'gelu', form });
      expect(m.form).toBe(form);
      expect(m.coefficients(3)).toEqual({ a: Float64Array.from(rationalInit('gelu', form).a), b: Float64Array.from(rationalInit('gelu', form).b) });
    }
  });

  it('gradCheck: input, shared numerator and per-group denominators (form B)', () => {
    const m = randomGroupRational(8, 4, 2);
    const g = rng(5);
    // Keep inputs away from x = 0, where Q has a kink through |x|.
    const x = { rows: 5, cols: 8, data: Float64Array.from({ length: 40 }, () => (g.uniform() < 0.5 ? -1 : 1) * (0.2 + 2 * g.uniform())) };
    expect(gradCheck(m, x, { tol: 1e-6 }).passed).toBe(true);
  });

  it('gradCheck with forms A and C (inputs away from the kinks of |S| and the poles of Q)', () => {
    for (const form of ['A', 'C'] as const) {
      for (const seed of [2, 6]) {
        const m = randomGroupRational(8, 4, seed, form);
        const x = inputsAwayFromKinks(m, 5, seed + 3);
        const r = gradCheck(m, x, { tol: 1e-6 });
        expect(r.passed, `${form}, seed ${seed}`).toBe(true);
      }
    }
  });

  it('toJSON round trip keeps the form; JSON without a form loads as B; shape errors', () => {
    const x = { rows: 1, cols: 8, data: Float64Array.from([1, -2, 0.5, 3, -0.1, 0, 2, -3]) };
    for (const form of FORMS) {
      const m = randomGroupRational(8, 2, 3, form);
      const json = JSON.parse(JSON.stringify(m.toJSON())) as GroupRationalJSON;
      expect(json.config.form).toBe(form);
      const r = GroupRational.fromJSON(json);
      expect(r.form).toBe(form);
      expect(r.forward(x).data).toEqual(m.forward(x).data);
    }
    const saved = randomGroupRational(8, 2, 3, 'B').toJSON();
    const { form: _omit, ...config } = saved.config;
    expect(GroupRational.fromJSON({ ...saved, config } as GroupRationalJSON).form).toBe('B');
    expect(() => new GroupRational(10, { groups: 3 })).toThrow(DomainError);
    expect(() => randomGroupRational(8, 2, 3).forward({ rows: 1, cols: 7, data: new Float64Array(7) })).toThrow();
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

  it('form option: passes through to the rational unit, default gain is that of the form\'s fit, JSON keeps it', () => {
    for (const form of ['A', 'C'] as const) {
      const m = new GrKan(8, 3, { groups: 4, init: 'gelu', form, seed: 2 });
      expect(m.rational.form).toBe(form);
      expect(Array.from(m.rational.numerator)).toEqual(Array.from(rationalInit('gelu', form).a));
      const explicit = new GrKan(8, 3, { groups: 4, init: 'gelu', form, seed: 2, gain: rationalGain(rationalInit('gelu', form), form) });
      expect(m.linear.weight.data).toEqual(explicit.linear.weight.data);
      const r = GrKan.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(r.rational.form).toBe(form);
      const x = inputsAwayFromKinks(m.rational, 3, 9);
      expect(r.forward(x).data).toEqual(m.forward(x).data);
      // The gelu fits have b_i = 0 or ~1e-9 entries (kinks of |b_i| in C): move them off 0 first.
      for (let i = 0; i < m.rational.denominator.length; i++) m.rational.denominator[i]! += 0.05 + 0.1 * (i % 3);
      expect(gradCheck(m, inputsAwayFromKinks(m.rational, 3, 9), { tol: 1e-6 }).passed).toBe(true);
    }
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
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
  });
});

describe('experiment inr/grkan-random-init (quick)', () => {
  it('random coefficients: form C diverges in >= 1 of 5 seeds, form B and the fitted inits never do', async () => {
    expect(experiments).toContain(grkanRandomInit);
    const r = await grkanRandomInit.run({ quick: true, seed: 0 });
    const m = r.metrics!;
    expect(m.divergedRandC!).toBeGreaterThanOrEqual(1);
    expect(m.divergedRandB).toBe(0);
    expect(m.divergedFitB).toBe(0);
    expect(m.divergedFitC).toBe(0);
    // Q >= 1 bounds form B's loss; form C's poles let it explode.
    expect(m.peakLossRandC!).toBeGreaterThan(1e3 * m.peakLossRandB!);
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
    expect(r.plots).toHaveLength(2);
  });

  it('randomizeRationals is seeded; trainMse stops at a non-finite loss only when asked', () => {
    const a = grkanNet(16, 8, 0, 'C');
    const b = grkanNet(16, 8, 0, 'C');
    randomizeRationals(a, 0.5, 7);
    randomizeRationals(b, 0.5, 7);
    expect(a.toJSON()).toEqual(b.toJSON());
    expect((a.layers[1] as GrKan).rational.numerator).not.toEqual(Float64Array.from(rationalInit('gelu', 'C').a));
    // Form C with Q = 1 + x has a pole at x = -1: the loss is infinite there.
    const pole = new GroupRational(1, { groups: 1, form: 'C', init: { a: [1, 0, 0, 0, 0, 0], b: [1, 0, 0, 0] } });
    const x = { rows: 2, cols: 1, data: Float64Array.from([-1, 0.5]) };
    const y = { rows: 2, cols: 1, data: new Float64Array(2) };
    expect(() => trainMse(pole, x, y, { steps: 3, lr: 1e-3 })).toThrow(DomainError);
    const curve = trainMse(pole, x, y, { steps: 3, lr: 1e-3, stopOnNonFinite: true });
    expect(curve).toHaveLength(1);
    expect(Number.isFinite(curve[0])).toBe(false);
  });
});
