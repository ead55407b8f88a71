import { describe, expect, it } from 'vitest';
import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { DEFAULT_RDP_ORDERS, dpFedAvg, dpMean, dpNoiseMultiplier, MAX_RDP_ORDER, rdpEpsilon, rdpSubsampledGaussian } from '../src';
import fx from './fixtures/dp-rdp.json';
import { entryRel } from '@x/test-utils';

/** |a - b| / |b| of two scalars. */
const rel = (a: number, b: number) => entryRel([a], [b]);

describe('RDP accountant for the subsampled Gaussian', () => {
  it('q = 1 is the Gaussian mechanism: ε(α) = α / (2σ²); q = 0 costs nothing', () => {
    for (const [s, a] of [[0.5, 2], [1.3, 7], [3, 40]] as const) expect(rel(rdpSubsampledGaussian(s, 1, a), a / (2 * s * s))).toBeLessThan(1e-15);
    expect(rdpSubsampledGaussian(1, 0, 5)).toBe(0);
    // The binomial sum at q -> 1 approaches the closed form from below.
    const near = rdpSubsampledGaussian(1.3, 1 - 1e-9, 7);
    expect(rel(near, 7 / (2 * 1.3 ** 2))).toBeLessThan(1e-6);
  });

  it('matches quadrature of the mixture moment (numpy/scipy reference) to 1e-8', () => {
    for (const c of fx.single) expect(rel(rdpSubsampledGaussian(c.sigma, c.q, c.alpha), c.rdp), JSON.stringify(c)).toBeLessThan(1e-8);
  });

  it('composed (ε, δ) over the default orders matches the reference (both conversions), including DP-SGD on MNIST (σ 1.1, batch 256/60000, 60 epochs)', () => {
    for (const c of fx.composed) {
      const b = rdpEpsilon(c.sigma, c.q, c.steps, c.delta);
      expect(rel(b.epsilon, c.balle)).toBeLessThan(1e-7);
      expect(b.order).toBe(c.balleOrder);
      const m = rdpEpsilon(c.sigma, c.q, c.steps, c.delta, { conversion: 'mironov' });
      expect(rel(m.epsilon, c.mironov)).toBeLessThan(1e-7);
      expect(m.order).toBe(c.mironovOrder);
    }
    expect(DEFAULT_RDP_ORDERS[0]).toBe(2);
  });

  it('ε grows with steps and q and shrinks with σ; dpNoiseMultiplier inverts rdpEpsilon', () => {
    const e = (s: number, q: number, t: number) => rdpEpsilon(s, q, t, 1e-5).epsilon;
    expect(e(1, 0.1, 200)).toBeGreaterThan(e(1, 0.1, 100));
    expect(e(1, 0.2, 100)).toBeGreaterThan(e(1, 0.1, 100));
    expect(e(2, 0.1, 100)).toBeLessThan(e(1, 0.1, 100));
    const sigma = dpNoiseMultiplier(3, 1e-5, 0.5, 40);
    expect(rdpEpsilon(sigma, 0.5, 40, 1e-5).epsilon).toBeLessThanOrEqual(3);
    expect(rdpEpsilon(sigma * (1 - 1e-4), 0.5, 40, 1e-5).epsilon).toBeGreaterThan(3);
  });

  it('bad input: typed errors naming the function', () => {
    expect(() => rdpSubsampledGaussian(0, 0.5, 2)).toThrow(DomainError);
    expect(() => rdpSubsampledGaussian(1, 1.5, 2)).toThrow(/rdpSubsampledGaussian: sampling rate q must be in \[0, 1\]/);
    expect(() => rdpSubsampledGaussian(1, 0.5, 1.5)).toThrow(/Rényi order α must be an integer in \[2, 1000000\]/);
    // A huge order used to loop for α + 1 terms (2^31 of them): now refused up front, in lists too.
    expect(() => rdpSubsampledGaussian(1, 0.5, 2 ** 31)).toThrow(DomainError);
    expect(() => rdpSubsampledGaussian(1, 0.5, MAX_RDP_ORDER + 1)).toThrow(/rdpSubsampledGaussian: Rényi order/);
    expect(Number.isFinite(rdpSubsampledGaussian(1, 0.5, MAX_RDP_ORDER))).toBe(true);
    expect(() => rdpEpsilon(1, 0.5, 10, 1e-5, { orders: [2, 2 ** 31] })).toThrow(/rdpEpsilon: Rényi order/);
    expect(() => dpNoiseMultiplier(1, 1e-5, 0.5, 10, { orders: [2 ** 31, 4] })).toThrow(DomainError);
    expect(() => rdpEpsilon(1, 0.5, 10, 0)).toThrow(/rdpEpsilon: δ/);
    expect(() => rdpEpsilon(1, 0.5, 10, 1e-5, { orders: [] })).toThrow(DomainError);
    expect(() => dpNoiseMultiplier(-1, 1e-5, 0.5, 10)).toThrow(/dpNoiseMultiplier/);
    expect(() => rdpEpsilon(1, 0.5, 10, 1e-5, { conversion: 'opacus' as 'balle' })).toThrow(/conversion must be one of/);
    expect(() => rdpEpsilon(1, 0.5, 10, 1e-5, { order: [2] } as never)).toThrow(/unknown option "order"/);
  });
});

describe('dpFedAvg (DP-FedAvg server step)', () => {
  const m = (data: number[]): Matrix => ({ rows: 2, cols: 2, data: Float64Array.from(data) });
  it('clips each client update to C and averages with the fixed denominator; σ = 0 is deterministic', () => {
    const prev = m([1, 1, 1, 1]);
    // Updates of norm 10 (clipped to C = 2) and norm 1 (kept).
    const out = dpFedAvg(prev, [m([7, 9, 1, 1]), m([1, 1, 1, 2])], { clip: 2, noiseMultiplier: 0, expectedCount: 4 });
    const want = [1 + (1.2 + 0) / 4, 1 + (1.6 + 0) / 4, 1, 1 + 1 / 4];
    for (const [i, v] of out.data.entries()) expect(v).toBeCloseTo(want[i]!, 14);
  });
  it('noise has std σ C / denominator per entry', () => {
    const n = 20000;
    const prev: Matrix = { rows: 1, cols: n, data: new Float64Array(n) };
    const out = dpFedAvg(prev, [], { clip: 0.5, noiseMultiplier: 1.5, expectedCount: 3, seed: 4 });
    let s = 0;
    for (const v of out.data) s += v * v;
    expect(rel(Math.sqrt(s / n), (1.5 * 0.5) / 3)).toBeLessThan(0.03);
  });
  it('dpMean clips per contribution (DP-SGD): rank-1 per-example gradients, σ = 0', () => {
    const g1 = m([3, 0, 0, 4]); // norm 5 -> scaled to 1
    const g2 = m([0.1, 0.2, 0, 0]); // kept
    const out = dpMean({ rows: 2, cols: 2 }, [g1, g2], { clip: 1, noiseMultiplier: 0, expectedCount: 2 });
    for (const [i, v] of [0.35, 0.1, 0, 0.4].entries()) expect(out.data[i]).toBeCloseTo(v, 14);
  });
  it('dpMean clips huge and tiny contributions by their true norm (Σx² over- or underflows)', () => {
    for (const s of [2 ** 600, 2 ** 1020]) {
      // norm 5s -> scaled to norm 1: (0.6, 0, 0, 0.8), whatever s.
      const out = dpMean({ rows: 2, cols: 2 }, [m([3 * s, 0, 0, 4 * s])], { clip: 1, noiseMultiplier: 0, expectedCount: 1 });
      for (const [i, v] of [0.6, 0, 0, 0.8].entries()) expect(out.data[i], `× ${s}`).toBeCloseTo(v, 14);
    }
    // Under the clip: kept as it is, even where its square underflows.
    const tiny = dpMean({ rows: 2, cols: 2 }, [m([3e-200, 0, 0, 4e-200])], { clip: 1, noiseMultiplier: 0, expectedCount: 1 });
    expect(Array.from(tiny.data)).toEqual([3e-200, 0, 0, 4e-200]);
    // clip far below the norm: the clipped norm is C.
    const small = dpMean({ rows: 2, cols: 2 }, [m([3e-200, 0, 0, 4e-200])], { clip: 1e-210, noiseMultiplier: 0, expectedCount: 1 });
    expect(Math.hypot(...small.data) / 1e-210).toBeCloseTo(1, 12);
  });
  it('bad input: typed errors', () => {
    expect(() => dpMean({ rows: 2, cols: 2 }, [], { clip: 1, noiseMultiplier: -1, expectedCount: 1 })).toThrow(/dpMean: noiseMultiplier/);
    const prev = m([0, 0, 0, 0]);
    expect(() => dpFedAvg(prev, [{ rows: 1, cols: 4, data: new Float64Array(4) }], { clip: 1, noiseMultiplier: 1 })).toThrow(ShapeError);
    expect(() => dpFedAvg(prev, [prev], { clip: 0, noiseMultiplier: 1 })).toThrow(/dpFedAvg: clip/);
    expect(() => dpFedAvg(prev, [], { clip: 1, noiseMultiplier: 1 })).toThrow(/expected count/);
  });
});
