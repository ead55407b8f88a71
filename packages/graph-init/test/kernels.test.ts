import { DomainError, type Matrix, rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { dualActivation, empiricalKernels, erf, nngpKernel, ntkKernel } from '../src/index';
import fx from './fixtures/kernels-nngp-ntk.json';
import { mat } from './helpers';
import { maxAbsDiff, relFro } from '@x/test-utils';

describe('NNGP/NTK recursions', () => {
  const X = mat(fx.X);
  for (const c of fx.cases) {
    it(`${c.activation} depth ${c.depth} matches numpy`, () => {
      const o = { depth: c.depth, activation: c.activation as 'relu' | 'erf', sigmaW2: fx.sigmaW2, sigmaB2: fx.sigmaB2 };
      // Arc-cosine/arcsin compositions of O(1) entries: agreement to ~1e-13 absolute.
      expect(maxAbsDiff(nngpKernel(X, o).data, mat(c.K).data)).toBeLessThan(1e-12);
      expect(maxAbsDiff(ntkKernel(X, o).data, mat(c.Theta).data)).toBeLessThan(1e-12);
    });
  }
  it('depth 0 is the base case K¹ = σ_w² x·x′/d + σ_b², and Θ¹ = K¹', () => {
    const Y = mat([[1, 2], [3, -1]]);
    const o = { depth: 0, activation: 'relu' as const, sigmaW2: 2, sigmaB2: 0.5 };
    expect(Array.from(nngpKernel(Y, o).data)).toEqual([5.5, 1.5, 1.5, 10.5]);
    expect(Array.from(ntkKernel(Y, o).data)).toEqual([5.5, 1.5, 1.5, 10.5]);
  });
  it('arc-cosine closed forms', () => {
    // Orthogonal unit-variance inputs: E[relu relu] = 1/(2π), E[step step] = 1/4.
    const o = dualActivation('relu', 1, 1, 0);
    expect(o.ephi).toBeCloseTo(1 / (2 * Math.PI), 15);
    expect(o.edphi).toBeCloseTo(0.25, 15);
    // Identical inputs: E[relu(u)²] = k/2, E[step²] = 1/2 (θ = 0; atan2 keeps it exact).
    const s = dualActivation('relu', 2.5, 2.5, 2.5);
    expect(s.ephi).toBeCloseTo(1.25, 14);
    expect(s.edphi).toBe(0.5);
    // Antipodal: θ = π gives zero.
    expect(dualActivation('relu', 1, 1, -1).ephi).toBeCloseTo(0, 15);
    // erf with k11 = k22 = k12 = k: (2/π) asin(2k/(1+2k)).
    expect(dualActivation('erf', 0.7, 0.7, 0.7).ephi).toBeCloseTo((2 / Math.PI) * Math.asin(1.4 / 2.4), 15);
  });
  it('ReLU NNGP equals the contract formula: the orthogonal-inputs fixture E[relu·relu] = 1/(2π)', () => {
    // X = √d·e_i rows: K¹ = σ_w² δ_ij (σ_b² = 0); with σ_w² = 1 one layer gives 1/(2π) off the diagonal.
    const Y = mat([[2, 0, 0, 0], [0, 2, 0, 0]]);
    const K = nngpKernel(Y, { depth: 1, activation: 'relu', sigmaW2: 1, sigmaB2: 0 });
    expect(K.data[1]).toBeCloseTo(1 / (2 * Math.PI), 15);
    expect(K.data[0]).toBeCloseTo(0.5, 15);
  });
  it('erf matches a high-precision reference', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(erf(-1.7)).toBeCloseTo(-0.9837904585907746, 15);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 15);
    expect(erf(0)).toBe(0);
  });
  it('typed errors on bad options', () => {
    const Y = mat([[1, 2]]);
    expect(() => nngpKernel(Y, { depth: -1, activation: 'relu', sigmaW2: 1, sigmaB2: 0 })).toThrow(DomainError);
    expect(() => nngpKernel(Y, { depth: 1, activation: 'tanh' as 'relu', sigmaW2: 1, sigmaB2: 0 })).toThrow(DomainError);
    expect(() => ntkKernel(Y, { depth: 1, activation: 'relu', sigmaW2: 0, sigmaB2: 0 })).toThrow(DomainError);
    expect(() => ntkKernel(mat([[Number.NaN]]), { depth: 1, activation: 'relu', sigmaW2: 1, sigmaB2: 0 })).toThrow(DomainError);
  });
});

describe('empirical kernels of finite random nets (Tensor Programs I)', () => {
  // Spec §7c: 6 inputs, d = 8, σ_w² = 2, σ_b² = 0.1, ReLU, L = 2; error·√n ≈ 2-3, tol 5/√n.
  const r = rng(77);
  const X: Matrix = { rows: 6, cols: 8, data: r.fillNormal(new Float64Array(48)) };
  const o = { depth: 2, activation: 'relu' as const, sigmaW2: 2, sigmaB2: 0.1 };
  const K = nngpKernel(X, o);
  const T = ntkKernel(X, o);
  const meanErr = (width: number, seeds: number, indep = false) => {
    let ek = 0;
    let et = 0;
    for (let s = 0; s < seeds; s++) {
      const e = empiricalKernels(X, { ...o, width, seed: 100 + s, independentBackward: indep });
      ek += relFro(e.K.data, K.data);
      et += relFro(e.Theta.data, T.data);
    }
    return { ek: ek / seeds, et: et / seeds };
  };
  it('error is within 5/√n and shrinks from n = 64 to n = 1024', () => {
    const small = meanErr(64, 6);
    const big = meanErr(1024, 6);
    expect(big.ek).toBeLessThan(5 / Math.sqrt(1024));
    expect(big.et).toBeLessThan(5 / Math.sqrt(1024));
    expect(small.ek).toBeLessThan(5 / Math.sqrt(64));
    // 16× the width: ~4× smaller error; ask for at least 2×.
    expect(big.ek).toBeLessThan(small.ek / 2);
    expect(big.et).toBeLessThan(small.et / 2);
  });
  it('gradient independence: backprop with an independent Wᵀ gives the same limit', () => {
    const e = meanErr(1024, 4, true);
    expect(e.et).toBeLessThan(5 / Math.sqrt(1024));
  });
  it('erf network converges too', () => {
    const oe = { ...o, activation: 'erf' as const };
    const Ke = nngpKernel(X, oe);
    const Te = ntkKernel(X, oe);
    const e = empiricalKernels(X, { ...oe, width: 1024, seed: 5 });
    expect(relFro(e.K.data, Ke.data)).toBeLessThan(5 / Math.sqrt(1024));
    expect(relFro(e.Theta.data, Te.data)).toBeLessThan(5 / Math.sqrt(1024));
  });
});

describe('edge cases', () => {
  it('a single input gives a 1 x 1 kernel equal to the diagonal recursion', () => {
    const x = mat([[0.5, -1, 2]]);
    const o = { depth: 3, activation: 'relu' as const, sigmaW2: 2, sigmaB2: 0 };
    // With σ_b² = 0 and σ_w² = 2, ReLU preserves the diagonal: K^{l+1}(x,x) = 2·K^l(x,x)/2.
    const k1 = (2 * (0.25 + 1 + 4)) / 3;
    expect(nngpKernel(x, o).data[0]).toBeCloseTo(k1, 13);
    // NTK diagonal: Θ^{l+1} = K + 2·(1/2)·Θ^l = k1 (l + 1).
    expect(ntkKernel(x, o).data[0]).toBeCloseTo(4 * k1, 12);
  });
});
