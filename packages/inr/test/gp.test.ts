import { DomainError, rng, ShapeError } from '@x/gpu';
import { experimentResultProblems } from '@x/gpu/experiments';
import { cholesky, eigh, kron } from '@x/linalg';
import { describe, expect, it } from 'vitest';
import { fitGp, gpNlml, gpPredict, kronMatvecN, kronNlml, kronSolve, lbfgs, poissonApply2d, poissonSolve2d, smInit, smKernelMatrix, smKernelValue } from '../src/index';
import { smGpExtrapolation } from '../src/experiments-entry';
import { loadFixture } from '@x/test-utils';

interface GpFixture {
  Q: number;
  x: number[];
  y: number[];
  theta: number[];
  noise: number;
  nlml: number;
  grad: number[];
  gradFd: number[];
  kernel: { x1: number[]; x2: number[]; K: number[] };
  matern: { K: number[]; nlml: number; gradFd: number[] };
  kron: { g1: number[]; g2: number[]; theta1: number[]; theta2: number[]; y: number[]; noise: number; x: number[]; logdet: number };
}
const fx = loadFixture<GpFixture>(import.meta.url, 'gp-spectral-mixture.json');

describe('spectral-mixture kernel (GP-HM code form)', () => {
  it('matches numpy; k(0) = Σ w; K is PSD', () => {
    const K = smKernelMatrix(fx.kernel.x1, fx.kernel.x2, fx.theta);
    K.data.forEach((v, i) => {
      expect(v).toBeCloseTo(fx.kernel.K[i]!, 13);
    });
    const wsum = fx.theta.slice(0, fx.Q).reduce((s, v) => s + Math.exp(v), 0);
    expect(smKernelValue(0, fx.theta)).toBeCloseTo(wsum, 14);
    const x = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 2);
    const { values } = eigh(smKernelMatrix(x, x, smInit(10, 30).theta));
    expect(values[0]!).toBeGreaterThan(-1e-10);
  });

  it('rejects a theta whose length is not 3Q', () => {
    expect(() => smKernelMatrix([0], [0], [1, 2])).toThrow(ShapeError);
    expect(() => smKernelMatrix([0], [0], [Number.NaN, 0, 0])).toThrow(DomainError);
  });
});

describe('Matérn-5/2 spectral mixture (GP-HM-StM)', () => {
  it('kernel and NLML match numpy; the analytic gradient matches numpy central differences', () => {
    const K = smKernelMatrix(fx.kernel.x1, fx.kernel.x2, fx.theta, 'matern52');
    K.data.forEach((v, i) => {
      expect(v).toBeCloseTo(fx.matern.K[i]!, 13);
    });
    const r = gpNlml(fx.x, fx.y, fx.theta, { noise: fx.noise, base: 'matern52' });
    expect(r.value).toBeCloseTo(fx.matern.nlml, 9);
    r.grad.forEach((g, i) => {
      expect(Math.abs(g - fx.matern.gradFd[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g)));
    });
  });

  it('k(0) = Σ w, K is PSD, the envelope is even in d and decays like e^(−√5 r|d|)', () => {
    const theta = smInit(6, 25).theta;
    const wsum = Array.from(theta.slice(0, 6)).reduce((s, v) => s + Math.exp(v), 0);
    expect(smKernelValue(0, theta, 'matern52')).toBeCloseTo(wsum, 14);
    expect(smKernelValue(0.3, theta, 'matern52')).toBeCloseTo(smKernelValue(-0.3, theta, 'matern52'), 15);
    const x = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) * 2);
    const { values } = eigh(smKernelMatrix(x, x, theta, 'matern52'));
    expect(values[0]!).toBeGreaterThan(-1e-10);
    // One component with μ = 0 and r = 2: at d = 3 the value is (1 + u + u²/3) e^{−u}, u = 6√5.
    const one = Float64Array.of(0, Math.log(2), 0);
    const u = 6 * Math.sqrt(5);
    expect(smKernelValue(3, one, 'matern52')).toBeCloseTo((1 + u + (u * u) / 3) * Math.exp(-u), 15);
  });

  it('analytic gradient matches JS central differences at a random point', () => {
    const g = rng(5);
    const x = Float64Array.from({ length: 30 }, () => g.uniform());
    const y = x.map((v) => Math.sin(9 * v) + 0.1 * g.normal());
    const theta = Float64Array.from([Math.log(0.7), Math.log(0.2), Math.log(3), Math.log(0.5), 1.4, 0.3]);
    const opts = { noise: 0.01, base: 'matern52' } as const;
    const r = gpNlml(x, y, theta, opts);
    const h = 1e-6;
    for (let j = 0; j < theta.length; j++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[j]! += h;
      tm[j]! -= h;
      const fd = (gpNlml(x, y, tp, opts).value - gpNlml(x, y, tm, opts).value) / (2 * h);
      expect(Math.abs(fd - r.grad[j]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it('rejects an unknown base', () => {
    expect(() => smKernelMatrix([0], [0], [0, 0, 0], 'cauchy' as 'matern52')).toThrow(DomainError);
    expect(() => gpNlml([0, 1], [0, 1], [0, 0, 0], { base: 'cauchy' as 'matern52' })).toThrow(DomainError);
    expect(() => fitGp([0, 1], [0, 1], [0, 0, 0], { base: 'cauchy' as 'matern52' })).toThrow(DomainError);
  });
});

describe('gpNlml', () => {
  it('value and analytic gradient match numpy (trace formula and central differences)', () => {
    const r = gpNlml(fx.x, fx.y, fx.theta, { noise: fx.noise });
    expect(r.value).toBeCloseTo(fx.nlml, 9);
    r.grad.forEach((g, i) => {
      // numpy's analytic gradient agrees with its own central differences to 2e-8.
      expect(Math.abs(g - fx.grad[i]!)).toBeLessThan(1e-8 * Math.max(1, Math.abs(fx.grad[i]!)));
      expect(Math.abs(g - fx.gradFd[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g)));
    });
  });

  it('analytic gradient matches JS central differences at a random point', () => {
    const g = rng(4);
    const x = Float64Array.from({ length: 30 }, () => g.uniform());
    const y = x.map((v) => Math.sin(9 * v) + 0.1 * g.normal());
    const theta = Float64Array.from([Math.log(0.7), Math.log(0.2), Math.log(3), Math.log(0.5), 1.4, 0.3]);
    const r = gpNlml(x, y, theta, { noise: 0.01 });
    const h = 1e-6;
    for (let j = 0; j < theta.length; j++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[j]! += h;
      tm[j]! -= h;
      const fd = (gpNlml(x, y, tp, { noise: 0.01 }).value - gpNlml(x, y, tm, { noise: 0.01 }).value) / (2 * h);
      expect(Math.abs(fd - r.grad[j]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it('shape and domain errors', () => {
    expect(() => gpNlml([0, 1], [0], [0, 0, 0])).toThrow(ShapeError);
    expect(() => gpNlml([0, 1], [0, 1], [0, 0, 0], { noise: -1 })).toThrow(DomainError);
  });
});

describe('lbfgs and fitGp', () => {
  it('lbfgs minimises the Rosenbrock function', () => {
    const f = (t: Float64Array) => ({
      value: (1 - t[0]!) ** 2 + 100 * (t[1]! - t[0]! ** 2) ** 2,
      grad: Float64Array.of(-2 * (1 - t[0]!) - 400 * t[0]! * (t[1]! - t[0]! ** 2), 200 * (t[1]! - t[0]! ** 2)),
    });
    const r = lbfgs(f, [-1.2, 1], { maxIter: 200, gtol: 1e-10 });
    expect(r.theta[0]).toBeCloseTo(1, 6);
    expect(r.theta[1]).toBeCloseTo(1, 6);
  });

  it('Adam lowers the NLML, reports progress and honours an AbortSignal', () => {
    const x = Float64Array.from({ length: 20 }, (_, i) => i / 19);
    const y = x.map((v) => Math.sin(6 * v));
    const seen: number[] = [];
    const r = fitGp(x, y, smInit(2, 5).theta, { method: 'adam', maxIter: 40, noise: 1e-3, onProgress: (i) => seen.push(i.nlml) });
    expect(seen).toHaveLength(40);
    expect(r.nlml).toBeLessThan(r.history[0]!);
    const ac = new AbortController();
    ac.abort();
    expect(() => fitGp(x, y, smInit(2, 5).theta, { signal: ac.signal })).toThrow();
  });
});

describe('Kronecker grids', () => {
  it('kronMatvecN equals the dense Kronecker product (3 rectangular factors, and transposed)', () => {
    const g = rng(2);
    const mk = (r: number, c: number) => ({ rows: r, cols: c, data: g.fillNormal(new Float64Array(r * c)) });
    const A = mk(2, 3);
    const B = mk(4, 2);
    const C = mk(3, 3);
    const K = kron(kron(A, B), C);
    const x = g.fillNormal(new Float64Array(K.cols));
    const y = kronMatvecN([A, B, C], x);
    for (let i = 0; i < K.rows; i++) {
      let s = 0;
      for (let j = 0; j < K.cols; j++) s += K.data[i * K.cols + j]! * x[j]!;
      expect(y[i]).toBeCloseTo(s, 12);
    }
    const z = g.fillNormal(new Float64Array(K.rows));
    const yt = kronMatvecN([A, B, C], z, { transpose: true });
    for (let j = 0; j < K.cols; j++) {
      let s = 0;
      for (let i = 0; i < K.rows; i++) s += K.data[i * K.cols + j]! * z[i]!;
      expect(yt[j]).toBeCloseTo(s, 12);
    }
    expect(() => kronMatvecN([A], [1, 2])).toThrow(ShapeError);
  });

  it('kronSolve (per-dimension eigh) matches numpy dense solve and log-determinant', () => {
    const k = fx.kron;
    const K1 = smKernelMatrix(k.g1, k.g1, k.theta1);
    const K2 = smKernelMatrix(k.g2, k.g2, k.theta2);
    const { x, logdet } = kronSolve([K1, K2], k.y, k.noise);
    // cond(K + 0.05 I) <= (λmax + 0.05) / 0.05 ~ 200: 1e-10 relative leaves a wide margin.
    x.forEach((v, i) => {
      expect(Math.abs(v - k.x[i]!)).toBeLessThan(1e-10 * Math.max(1, Math.abs(k.x[i]!)));
    });
    expect(logdet).toBeCloseTo(k.logdet, 10);
    // The grid NLML equals the dense one: ½ yᵀx + ½ log|A| + (N/2) log 2π with A = K1 ⊗ K2 + s I.
    const A = kron(K1, K2);
    for (let i = 0; i < 30; i++) A.data[i * 30 + i]! += k.noise;
    const L = cholesky(A);
    let dense = 15 * Math.log(2 * Math.PI);
    for (let i = 0; i < 30; i++) dense += 0.5 * k.y[i]! * k.x[i]! + Math.log(L.data[i * 30 + i]!);
    expect(kronNlml([K1, K2], k.y, k.noise)).toBeCloseTo(dense, 9);
    expect(() => kronSolve([K1, K2], k.y, -100)).toThrow(DomainError);
  });

  it('Poisson on a grid by Kronecker matvecs: exact discrete solve and O(h²) convergence', () => {
    const exact = (x: number, y: number) => Math.sin(Math.PI * x) * Math.sin(3 * Math.PI * y) * (1 + x);
    // −Δ of the exact solution, by hand.
    const rhs = (x: number, y: number) => {
      const s1 = Math.sin(Math.PI * x);
      const c1 = Math.cos(Math.PI * x);
      const s3 = Math.sin(3 * Math.PI * y);
      const uxx = (-Math.PI * Math.PI * s1 * (1 + x) + 2 * Math.PI * c1) * s3;
      const uyy = -9 * Math.PI * Math.PI * s1 * (1 + x) * s3;
      return -(uxx + uyy);
    };
    const errs: number[] = [];
    for (const n of [15, 31]) {
      const h = 1 / (n + 1);
      const f = new Float64Array(n * n);
      const ue = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          f[i * n + j] = rhs((i + 1) * h, (j + 1) * h);
          ue[i * n + j] = exact((i + 1) * h, (j + 1) * h);
        }
      }
      const u = poissonSolve2d(f, n, n);
      const back = poissonApply2d(u, n, n);
      let res = 0;
      let fn = 0;
      let err = 0;
      for (let i = 0; i < n * n; i++) {
        res = Math.max(res, Math.abs(back[i]! - f[i]!));
        fn = Math.max(fn, Math.abs(f[i]!));
        err = Math.max(err, Math.abs(u[i]! - ue[i]!));
      }
      // The discrete system is solved to rounding (cond ~ 4/(π h)² ~ 400 for n = 31).
      expect(res / fn).toBeLessThan(1e-11);
      errs.push(err);
    }
    // Second-order scheme: halving h divides the error by ~4.
    expect(errs[0]! / errs[1]!).toBeGreaterThan(3.5);
    expect(errs[0]! / errs[1]!).toBeLessThan(4.5);
  });
});

describe('experiment inr/sm-gp-extrapolation (quick)', () => {
  it('SM recovers μ = 20, 3 and extrapolates; SE reverts to the mean', async () => {
    const r = await smGpExtrapolation.run({ quick: true });
    const m = r.metrics!;
    expect(m.smRelL2!).toBeLessThan(1e-2);
    expect(m.stmRelL2!).toBeLessThan(1e-2);
    expect(m.seRelL2!).toBeGreaterThan(0.5);
    expect([m.mu1!, m.mu2!].map((v) => Math.round(v)).sort((a, b) => a - b)).toEqual([3, 20]);
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
  });
});

describe('real data: Mauna Loa CO2, 1990-1999 (vega-datasets slice)', () => {
  interface Co2 {
    t: number[];
    co2: number[];
    trainTrend: { slope: number; intercept: number };
  }
  it('SM finds the annual period and extrapolates 1998-99 better than SE', () => {
    const d = loadFixture<Co2>(import.meta.url, 'gp-co2.json');
    const t = Float64Array.from(d.t, (v) => v - 1990);
    const { slope, intercept } = d.trainTrend;
    const r = Float64Array.from(d.co2, (v, i) => v - (intercept + slope * t[i]!));
    const ntr = 96;
    const [xtr, ytr, xte, yte] = [t.slice(0, ntr), r.slice(0, ntr), t.slice(ntr), r.slice(ntr)];
    const rmse = (p: Float64Array) => Math.sqrt(p.reduce((s, v, i) => s + (v - yte[i]!) ** 2, 0) / p.length);
    const q = 10;
    // μ in cycles per year, initialised on [0, 3].
    const sm = fitGp(xtr, ytr, smInit(q, 3).theta, { noise: 0.05, maxIter: 150 });
    const top = Array.from({ length: q }, (_, i) => ({ w: Math.exp(sm.theta[i]!), mu: sm.theta[2 * q + i]! })).sort((a, b) => b.w - a.w);
    expect(Math.abs(top[0]!.mu - 1)).toBeLessThan(0.01);
    const se = fitGp(xtr, ytr, Float64Array.of(0, 0, 0), { noise: 0.05, maxIter: 60, frozen: [2] });
    const smErr = rmse(gpPredict(xtr, ytr, sm.theta, xte, { noise: 0.05 }));
    const seErr = rmse(gpPredict(xtr, ytr, se.theta, xte, { noise: 0.05 }));
    expect(smErr).toBeLessThan(0.75 * seErr);
  });
});
