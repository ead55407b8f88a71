import { DomainError, type Matrix, matmul, randn, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { addOutliers, gaussianSensing, matrixSensing, measure, subgm } from '../src/index';
import { type FixtureMatrix, toMatrix } from './helpers';
import { loadFixture, mixedMax } from '@x/test-utils';

interface Fx {
  subgm: {
    d: number;
    rank: number;
    A: FixtureMatrix;
    y: number[];
    truth: FixtureMatrix;
    U0: FixtureMatrix;
    eta0: number;
    rho: number;
    steps: number;
    runs: Record<'l1' | 'l2', { U: FixtureMatrix; error: number[]; loss: number[] }>;
  };
  sensing: {
    target: FixtureMatrix;
    F0: FixtureMatrix;
    G0: FixtureMatrix;
    eta: number;
    steps: number;
    runs: Record<string, { F: FixtureMatrix; G: FixtureMatrix; error: number[]; A: FixtureMatrix | null; y: number[] | null; fixAt: number | null }>;
  };
}
const fx = loadFixture<Fx>(import.meta.url, 'recovery-subgm-sensing.json');

describe('subgm matches the numpy reference', () => {
  for (const loss of ['l1', 'l2'] as const) {
    it(loss, () => {
      const s = fx.subgm;
      const out = subgm(toMatrix(s.A), Float64Array.from(s.y), {
        d: s.d,
        rank: s.rank,
        init: toMatrix(s.U0),
        eta0: s.eta0,
        rho: s.rho,
        steps: s.steps,
        loss,
        truth: toMatrix(s.truth),
      });
      // sign(r_i) for residuals near 0 could flip under reassociation; none is within 1e-8 here
      expect(mixedMax(out.U.data, s.runs[loss].U.data)).toBeLessThan(1e-11);
      expect(mixedMax(out.error, s.runs[loss].error)).toBeLessThan(1e-11);
      expect(mixedMax(out.loss, s.runs[loss].loss)).toBeLessThan(1e-11);
    });
  }
});

describe('matrixSensing matches the numpy reference', () => {
  for (const [name, run] of Object.entries(fx.sensing.runs)) {
    it(name, () => {
      const s = fx.sensing;
      const sym = name.startsWith('symmetric');
      const out = matrixSensing(toMatrix(s.target), {
        mode: sym ? 'symmetric' : 'asymmetric',
        k: s.F0.cols,
        eta: s.eta,
        steps: s.steps,
        init: { F: toMatrix(s.F0), G: toMatrix(s.G0) },
        ...(run.A && run.y ? { operator: { A: toMatrix(run.A), y: Float64Array.from(run.y) } } : {}),
        ...(run.fixAt !== null ? { oneStep: { at: run.fixAt, c: 0.5 } } : {}),
      });
      expect(mixedMax(out.error, run.error)).toBeLessThan(1e-12);
      expect(mixedMax(out.F.data, run.F.data)).toBeLessThan(1e-12);
      if (!sym) expect(mixedMax(out.G!.data, run.G.data)).toBeLessThan(1e-12);
      expect(out.fixedAt).toBe(run.fixAt ?? -1);
    });
  }
});

function lowRankPsd(n: number, sigmas: number[], seed: number): Matrix<Float64Array> {
  // orthonormal U from Gram-Schmidt of a Gaussian, M = U diag(sigma) Uᵀ
  const r = sigmas.length;
  const G = randn(n, r, seed);
  const U = new Float64Array(n * r);
  for (let j = 0; j < r; j++) {
    for (let i = 0; i < n; i++) U[i * r + j] = G.data[i * r + j]!;
    for (let q = 0; q < j; q++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += U[i * r + j]! * U[i * r + q]!;
      for (let i = 0; i < n; i++) U[i * r + j] = U[i * r + j]! - d * U[i * r + q]!;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += U[i * r + j]! ** 2;
    for (let i = 0; i < n; i++) U[i * r + j] = U[i * r + j]! / Math.sqrt(s);
  }
  const US = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) US[i * r + j] = U[i * r + j]! * sigmas[j]!;
  return matmul({ rows: n, cols: r, data: US }, { rows: n, cols: r, data: U }, { transB: true }) as Matrix<Float64Array>;
}

describe('the papers’ qualitative claims (spec section 2.5/2.6 settings)', () => {
  it('symmetric k = r converges linearly, k > r only sublinearly (Xiong et al. Thm. 1)', () => {
    const M = lowRankPsd(50, [1, 0.8, 0.6], 1);
    const e3 = matrixSensing(M, { k: 3, alpha: 0.1, eta: 0.2, steps: 1000, seed: 2 }).error;
    const e4 = matrixSensing(M, { k: 4, alpha: 0.1, eta: 0.2, steps: 1000, seed: 2 }).error;
    expect(e3[1000]!).toBeLessThan(1e-10);
    expect(e4[1000]!).toBeGreaterThan(1e-6);
    // sublinear: going from 500 to 1000 steps gains less than a factor 10
    expect(e4[500]! / e4[1000]!).toBeLessThan(10);
  });

  it('asymmetric alpha-dependence and the one-step fix (Xiong et al. Thm. 2, sec. 5)', () => {
    const M = lowRankPsd(50, [1, 0.8, 0.6], 1);
    const opts = { mode: 'asymmetric' as const, k: 5, eta: 0.2, steps: 2000, seed: 3 };
    const big = matrixSensing(M, { ...opts, alpha: 0.5 }).error[2000]!;
    const small = matrixSensing(M, { ...opts, alpha: 0.1 }).error[2000]!;
    const fixed = matrixSensing(M, { ...opts, alpha: 0.1, oneStep: { at: 1500, c: 0.5 } });
    expect(big).toBeLessThan(1e-10);
    expect(small).toBeGreaterThan(1e-6);
    expect(fixed.error[2000]!).toBeLessThan(1e-10);
    expect(fixed.fixedAt).toBe(1500);
    // the fix keeps F Gᵀ, so the modified step does not throw the iterate away: the error keeps decreasing
    expect(fixed.error[1501]!).toBeLessThan(fixed.error[1500]!);
    expect(fixed.error[1500]!).toBeCloseTo(matrixSensing(M, { ...opts, alpha: 0.1, steps: 1500 }).error[1500]!, 15);
  });

  it('SubGM recovers X* under 20% gross outliers for r′ = 2 and 20 while l2 GD does not (Ma & Fattahi)', () => {
    const d = 20;
    const Xs = lowRankPsd(d, [1, 0.5], 4);
    const A = gaussianSensing(d, 600, { seed: 5 });
    const { y } = addOutliers(measure(A, Xs), { fraction: 0.2, magnitude: 100, seed: 6 });
    const base = { d, alpha: 1e-3, eta0: 0.3, rho: 0.99, steps: 400, truth: Xs, seed: 7 };
    const e2 = subgm(A, y, { ...base, rank: 2 }).error[400]!;
    const e20 = subgm(A, y, { ...base, rank: 20 }).error[400]!;
    const l2 = subgm(A, y, { ...base, rank: 2, loss: 'l2' });
    expect(e2).toBeLessThan(0.02);
    expect(e20).toBeLessThan(0.05);
    expect(l2.diverged || l2.error[400]! > 1).toBe(true);
  });
});

describe('recovery input errors', () => {
  it('rejects bad shapes and parameters', () => {
    const A = gaussianSensing(4, 10, { seed: 1 });
    const y = new Float64Array(10);
    expect(() => subgm(A, y, { d: 5, rank: 2 })).toThrow(ShapeError);
    expect(() => subgm(A, y, { d: 4, rank: 2, eta0: -1 })).toThrow(DomainError);
    expect(() => subgm(A, new Float64Array(10).fill(Number.NaN), { d: 4, rank: 2 })).toThrow(DomainError);
    expect(() => matrixSensing(randn(3, 4, 1), { k: 2 })).toThrow(ShapeError);
    expect(() => matrixSensing(randn(3, 3, 1), { k: 4 })).toThrow(DomainError);
    expect(() => matrixSensing(randn(3, 3, 1), { k: 2, oneStep: { at: 1 } })).toThrow(/asymmetric/);
    expect(() => addOutliers(y, { fraction: 1.5, magnitude: 1 })).toThrow(DomainError);
  });
});
