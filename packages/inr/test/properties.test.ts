import { rng } from '@x/gpu';
import { kron } from '@x/linalg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupRational, GrKan, kronMatvecN, kronSolve, rational, smKernelMatrix, spectralCentroid } from '../src/index';

const coef = fc.double({ min: -3, max: 3, noNaN: true });

describe('properties', () => {
  it('spectralCentroid is invariant to scaling and circular shifts (|Y| unchanged)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (n, seed, a) => {
        const y = rng(seed).fillNormal(new Float64Array(n));
        const c = spectralCentroid(y);
        const shift = seed % n;
        const ys = Float64Array.from({ length: n }, (_, i) => a * y[(i + shift) % n]!);
        expect(spectralCentroid(ys)).toBeCloseTo(c, 10);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(0.5);
      }),
      { numRuns: 50 },
    );
  });

  it('form B: Q >= 1, so |F(x)| <= |P(x)| for any coefficients', () => {
    fc.assert(
      fc.property(fc.array(coef, { minLength: 6, maxLength: 6 }), fc.array(coef, { minLength: 4, maxLength: 4 }), fc.double({ min: -50, max: 50, noNaN: true }), (a, b, x) => {
        const p = a.reduce((s, v, i) => s + v * x ** i, 0);
        const f = rational(x, a, b);
        expect(Number.isFinite(f)).toBe(true);
        expect(Math.abs(f)).toBeLessThanOrEqual(Math.abs(p) * (1 + 1e-12) + 1e-300);
      }),
      { numRuns: 200 },
    );
  });

  it('GroupRational and GrKan JSON round trips are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (g, per, seed) => {
        const ch = g * per;
        const m = new GrKan(ch, 2, { groups: g, seed });
        const r = rng(seed);
        for (let i = 0; i < 6; i++) m.rational.numerator[i] = r.normal();
        for (let i = 0; i < m.rational.denominator.length; i++) m.rational.denominator[i] = r.normal();
        const back = GrKan.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
        const x = { rows: 3, cols: ch, data: r.fillNormal(new Float64Array(3 * ch)) };
        expect(back.forward(x).data).toEqual(m.forward(x).data);
        const gr = GroupRational.fromJSON(JSON.parse(JSON.stringify(m.rational.toJSON())));
        expect(gr.forward(x).data).toEqual(m.rational.forward(x).data);
      }),
      { numRuns: 25 },
    );
  });

  it('kronMatvecN equals the dense product for random 2-factor shapes; kronSolve solves the system', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), (n1, n2, seed) => {
        const g = rng(seed);
        const x1 = g.fillUniform(new Float64Array(n1));
        const x2 = g.fillUniform(new Float64Array(n2));
        const th = Float64Array.of(0, 0.5, 1.3);
        const K1 = smKernelMatrix(x1, x1, th);
        const K2 = smKernelMatrix(x2, x2, th);
        const y = g.fillNormal(new Float64Array(n1 * n2));
        const K = kron(K1, K2);
        const kx = kronMatvecN([K1, K2], y);
        const { x } = kronSolve([K1, K2], y, 0.5);
        const n = n1 * n2;
        for (let i = 0; i < n; i++) {
          let s = 0;
          let t = 0.5 * x[i]!;
          for (let j = 0; j < n; j++) {
            s += K.data[i * n + j]! * y[j]!;
            t += K.data[i * n + j]! * x[j]!;
          }
          expect(kx[i]).toBeCloseTo(s, 10);
          // (K + 0.5 I) x = y; cond <= (λmax + 0.5)/0.5 <= 2n + 1.
          expect(t).toBeCloseTo(y[i]!, 9);
        }
      }),
      { numRuns: 40 },
    );
  });
});
