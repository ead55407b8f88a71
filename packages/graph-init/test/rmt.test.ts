import { DomainError, type Matrix, ShapeError, rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  bayesOptimalMmse,
  denoisingMmse,
  gampRie,
  quadraticTeacher,
  rieDenoise,
  spectralGrid,
  wishartSemicircleStieltjes,
} from '../src/index';
import { cubicRoots } from '../src/rmt/cubic';
import fx from './fixtures/rmt-rie.json';
import { mat } from './helpers';
import { maxAbsDiff } from '@x/test-utils';

describe('Wishart ⊞ semicircle spectrum', () => {
  for (const c of fx.density) {
    it(`Stieltjes transform matches numpy.roots (κ=${c.kappa}, Δ=${c.delta})`, () => {
      for (let i = 0; i < c.x.length; i++) {
        if (c.delta === 0 && c.x[i] === 0) continue; // the atom of a rank-deficient Wishart at 0
        const g = wishartSemicircleStieltjes(c.x[i]!, c.kappa, c.delta);
        expect(Math.abs(g.im - c.gIm[i]!)).toBeLessThan(1e-9);
        if (c.gIm[i]! > 1e-9) expect(Math.abs(g.re - c.gRe[i]!)).toBeLessThan(1e-9);
      }
    });
  }
  it('the density integrates to 1 and has mean √κ (Tr S/D)', () => {
    for (const [kappa, delta] of [
      [0.5, 0.6],
      [0.2, 0.1],
      [2, 0.3],
    ] as const) {
      const g = spectralGrid(kappa, delta, 6000);
      let mass = 0;
      let mean = 0;
      for (let i = 0; i < g.x.length; i++) {
        mass += g.rho[i]! * g.dx;
        mean += g.x[i]! * g.rho[i]! * g.dx;
      }
      expect(Math.abs(mass - 1)).toBeLessThan(1e-4);
      expect(Math.abs(mean - Math.sqrt(kappa))).toBeLessThan(1e-3);
    }
  });
  it('cubic roots satisfy the polynomial', () => {
    const r = cubicRoots(2, -3, 0.5, 7);
    for (let k = 0; k < 3; k++) {
      const [x, y] = [r[2 * k]!, r[2 * k + 1]!];
      // evaluate 2z³ − 3z² + 0.5z + 7 in complex arithmetic
      const z2r = x * x - y * y;
      const z2i = 2 * x * y;
      const z3r = z2r * x - z2i * y;
      const z3i = z2r * y + z2i * x;
      expect(Math.hypot(2 * z3r - 3 * z2r + 0.5 * x + 7, 2 * z3i - 3 * z2i + 0.5 * y)).toBeLessThan(1e-12);
    }
  });
});

describe('denoising MMSE and the Bayes-optimal error', () => {
  for (const c of fx.mmseDen) {
    it(`Δ − (4π²/3)Δ²∫ρ³ matches scipy quad (κ=${c.kappa}, Δ=${c.delta})`, () => {
      // 3000-point grid vs adaptive quadrature: the square-root edges limit agreement to ~1e-6.
      expect(Math.abs(denoisingMmse(c.kappa, c.delta) - c.mmse)).toBeLessThan(2e-6);
    });
  }
  it('Bayes-optimal MMSE matches brentq on the same equation (spec: .724/.392/.128/.025; noisy .737/.216)', () => {
    for (const c of fx.bayes) expect(Math.abs(bayesOptimalMmse(c.alpha, c.kappa, c.delta).mmse - c.mmse)).toBeLessThan(1e-7);
  });
  it('MMSE → 1 as α → 0 and is decreasing in α', () => {
    expect(Math.abs(bayesOptimalMmse(0.001, 0.5, 0).mmse - 1)).toBeLessThan(0.01);
    expect(bayesOptimalMmse(0.05, 0.5, 0).mmse).toBeGreaterThan(bayesOptimalMmse(0.15, 0.5, 0).mmse);
    expect(() => bayesOptimalMmse(1.2, 0.5, 0)).toThrow(DomainError);
  });
});

describe('RIE denoiser', () => {
  it('prior and empirical versions match numpy on a D = 40 instance', () => {
    const Y = mat(fx.rie.Y);
    expect(maxAbsDiff(rieDenoise(Y, { delta: fx.rie.delta, kappa: fx.rie.kappa }).data, mat(fx.rie.prior).data)).toBeLessThan(1e-10);
    expect(maxAbsDiff(rieDenoise(Y, { delta: fx.rie.delta }).data, mat(fx.rie.empirical).data)).toBeLessThan(1e-10);
  });
  it('reaches the closed-form MMSE (D = 300, κ = .5, Δ = .6: theory 0.2839; Y itself ≈ Δ)', () => {
    const D = 300;
    const m = 150;
    const delta = 0.6;
    const r = rng(11);
    const W: Matrix<Float64Array> = { rows: D, cols: m, data: r.fillNormal(new Float64Array(D * m)) };
    const S = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += W.data[i * m + k]! * W.data[j * m + k]!;
        S[i * D + j] = S[j * D + i] = s / Math.sqrt(m * D);
      }
    }
    const Y = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        const z = r.normal() * (i === j ? Math.SQRT2 : 1);
        Y[i * D + j] = Y[j * D + i] = S[i * D + j]! + (Math.sqrt(delta) * z) / Math.sqrt(D);
      }
    }
    const est = rieDenoise({ rows: D, cols: D, data: Y }, { delta, kappa: 0.5 });
    let e = 0;
    let e0 = 0;
    for (let i = 0; i < D * D; i++) {
      e += (est.data[i]! - S[i]!) ** 2;
      e0 += (Y[i]! - S[i]!) ** 2;
    }
    const theory = denoisingMmse(0.5, delta);
    // Finite-D fluctuations of the MSE are O(1/D); 0.01 is ~3 of them at D = 300.
    expect(Math.abs(e / D - theory)).toBeLessThan(0.01);
    expect(Math.abs(e0 / D - delta)).toBeLessThan(0.03);
  });
  it('typed errors', () => {
    expect(() => rieDenoise(mat([[1, 2]]), { delta: 0.1 })).toThrow(ShapeError);
    expect(() => rieDenoise(mat([[1]]), { delta: -1 })).toThrow(DomainError);
  });
});

describe('GAMP-RIE', () => {
  it('D = 40, α = .3, noiseless: converges near the Bayes-optimal error', () => {
    const data = quadraticTeacher(40, 0.5, 0.3, 0, { seed: 102 });
    expect(data.X.rows).toBe(480);
    const r = gampRie(data, { seed: 2, maxIter: 150 });
    expect(r.converged).toBe(true);
    const th = bayesOptimalMmse(0.3, 0.5, 0).mmse;
    const last = r.errors[r.errors.length - 1]!;
    expect(last).toBeLessThan(r.errors[0]!);
    // Spec §9c: at D = 40, GAMP-RIE gives .154 ± .013 over seeds against the asymptotic .128;
    // finite-size runs scatter on both sides of the theory by a few hundredths.
    expect(Math.abs(last - th)).toBeLessThan(0.07);
  });
  it('noisy data (√Δ = .25, α = .3): the mean of 3 seeds is near the Bayes-optimal .216', () => {
    let mean = 0;
    for (let k = 0; k < 3; k++) {
      const r = gampRie(quadraticTeacher(40, 0.5, 0.3, 0.0625, { seed: 100 + k }), { seed: k, maxIter: 150 });
      mean += r.errors[r.errors.length - 1]! / 3;
    }
    // Measured .249/.260/.183 at D = 40; the same finite-size allowance as the noiseless case.
    expect(Math.abs(mean - bayesOptimalMmse(0.3, 0.5, 0.0625).mmse)).toBeLessThan(0.07);
  });
});
