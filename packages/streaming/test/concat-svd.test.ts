import { DomainError, type Matrix, randn, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConcatEstimator, clusterBlocks, compressionRatio, concatError, concatErrorBound } from '../src';
import fixture from './fixtures/concat-svd.json';
import { mat } from './helpers';

const EPS = 2.220446049250313e-16;
const ESTIMATORS: ConcatEstimator[] = ['maxNorm', 'residual', 'approximate'];

interface Case {
  name: string;
  r: number;
  m: number;
  widths: number[];
  blocks: number[][];
  true: number;
  maxNorm: number;
  residual: number;
  approximate: number;
}
const cases = (fixture as { cases: Case[] }).cases.map((c) => ({
  ...c,
  M: c.blocks.map((b, i) => mat(c.m, c.widths[i]!, b)),
}));

/** est >= true up to roundoff, compared in squared form (err² is an energy ratio). */
function expectUpperBound(est: number, truth: number, m: number, n: number): void {
  expect(est * est).toBeGreaterThanOrEqual(truth * truth - 64 * EPS * Math.max(m, n));
}

describe('concatenated SVD estimators against numpy', () => {
  for (const c of cases) {
    it(`${c.name}: true error and the three estimates match numpy; each is an upper bound`, () => {
      const n = c.widths.reduce((a, b) => a + b, 0);
      expect(Math.abs(concatError(c.M, c.r) - c.true)).toBeLessThan(1e-12);
      for (const e of ESTIMATORS) {
        const got = concatErrorBound(c.M, c.r, { estimator: e });
        expect(Math.abs(got - c[e])).toBeLessThan(1e-9);
        expectUpperBound(got, c.true, c.m, n);
      }
    });
  }

  it('err_r is scale-invariant: blocks times 2^±600 (σ² overflows / underflows) give the numpy values', () => {
    const scaled = (M: Matrix[], s: number): Matrix[] => M.map((b) => ({ rows: b.rows, cols: b.cols, data: b.data.map((v) => v * s) }));
    for (const c of cases) {
      for (const s of [2 ** 600, 2 ** -600]) {
        const M = scaled(c.M, s);
        expect(Math.abs(concatError(M, c.r) - c.true), `${c.name} × ${s}`).toBeLessThan(1e-12);
        for (const e of ESTIMATORS) expect(Math.abs(concatErrorBound(M, c.r, { estimator: e }) - c[e]), `${c.name} ${e} × ${s}`).toBeLessThan(1e-9);
        const opts = { rank: c.r, eps: 0.5 };
        expect(clusterBlocks(M, opts)).toEqual(clusterBlocks(c.M, opts));
      }
    }
  });

  it('the approximate estimate is the tightest on the shared-subspace set (the paper\'s recommendation)', () => {
    const c = cases.find((x) => x.name === 'shared-subspace')!;
    const a = concatErrorBound(c.M, c.r, { estimator: 'approximate' });
    expect(a).toBeLessThan(1.05 * c.true);
    expect(a).toBeLessThan(concatErrorBound(c.M, c.r, { estimator: 'residual' }));
    expect(a).toBeLessThan(concatErrorBound(c.M, c.r, { estimator: 'maxNorm' }));
  });

  it('property: on random and adversarial block sets no estimate is below the true error', () => {
    const blockSet = fc.record({
      m: fc.integer({ min: 1, max: 12 }),
      widths: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 7 }),
      r: fc.integer({ min: 1, max: 6 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
      // Adversarial structure: shared low-rank parts, duplicated blocks, zero blocks, huge scale ranges.
      shared: fc.integer({ min: 0, max: 3 }),
      dup: fc.boolean(),
      zero: fc.boolean(),
      logScale: fc.integer({ min: 0, max: 8 }),
      oversample: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(blockSet, (p) => {
        const base = p.shared > 0 ? randn(p.m, p.shared, p.seed + 7) : null;
        const blocks: Matrix[] = p.widths.map((w, i) => {
          const b = randn(p.m, w, p.seed + i);
          if (base) {
            const coef = randn(p.shared, w, p.seed + 100 + i);
            for (let r = 0; r < p.m; r++)
              for (let j = 0; j < w; j++) {
                let s = 0;
                for (let k = 0; k < p.shared; k++) s += base.data[r * p.shared + k]! * coef.data[k * w + j]!;
                b.data[r * w + j] = 10 * s + 0.1 * b.data[r * w + j]!;
              }
          }
          const scale = 10 ** (((i * 3) % (p.logScale + 1)) - p.logScale / 2);
          for (let k = 0; k < b.data.length; k++) b.data[k]! *= scale;
          return b;
        });
        if (p.dup && blocks.length > 1) blocks[blocks.length - 1] = blocks[0]!;
        if (p.zero) blocks.push({ rows: p.m, cols: 2, data: new Float64Array(2 * p.m) });
        const n = blocks.reduce((a, b) => a + b.cols, 0);
        const truth = concatError(blocks, p.r);
        for (const e of ESTIMATORS) {
          const est = concatErrorBound(blocks, p.r, { estimator: e, oversample: p.oversample });
          expect(est).toBeGreaterThanOrEqual(0);
          expect(est).toBeLessThanOrEqual(1);
          expectUpperBound(est, truth, p.m, n);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('bad input: mismatched rows, NaN, empty list, bad estimator', () => {
    const a = randn(4, 2, 1);
    expect(() => concatErrorBound([a, randn(5, 2, 2)], 2)).toThrow(ShapeError);
    const bad = randn(4, 2, 3);
    bad.data[3] = Number.NaN;
    expect(() => concatErrorBound([a, bad], 2)).toThrow(/blocks\[1\]\[1, 1\] is NaN/);
    expect(() => concatError([], 2)).toThrow(ShapeError);
    expect(() => concatErrorBound([a], 2, { estimator: 'magic' as never })).toThrow(DomainError);
    expect(concatError([{ rows: 3, cols: 2, data: new Float64Array(6) }], 1)).toBe(0);
  });
});

/** Three groups of blocks, each group in its own 3-dim subspace plus small noise. */
function groupedBlocks(seed: number): { blocks: Matrix[]; group: number[] } {
  const m = 24;
  const bases = [0, 1, 2].map((g) => randn(m, 3, seed + g));
  const blocks: Matrix[] = [];
  const group: number[] = [];
  for (let i = 0; i < 18; i++) {
    const g = i % 3;
    const coef = randn(3, 4, seed + 10 + i);
    const noise = randn(m, 4, seed + 50 + i, 0.01);
    const b = new Float64Array(m * 4);
    for (let r = 0; r < m; r++)
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += bases[g]!.data[r * 3 + k]! * coef.data[k * 4 + j]!;
        b[r * 4 + j] = s * (1 + 0.3 * i) + noise.data[r * 4 + j]!;
      }
    blocks.push({ rows: m, cols: 4, data: b });
    group.push(g);
  }
  return { blocks, group };
}

describe('greedy error-constrained clustering', () => {
  for (const estimator of ESTIMATORS) {
    for (const ordering of ['norm', 'residual'] as const) {
      it(`${estimator}/${ordering}: a partition whose clusters all meet eps (true error), labels consistent`, () => {
        const { blocks } = groupedBlocks(5);
        const eps = 0.05;
        const r = 4;
        const res = clusterBlocks(blocks, { rank: r, eps, estimator, ordering });
        const seen = res.clusters.flat().sort((a, b) => a - b);
        expect(seen).toEqual(blocks.map((_, i) => i));
        res.clusters.forEach((c, k) => {
          for (const i of c) expect(res.labels[i]).toBe(k);
          const truth = concatError(
            c.map((i) => blocks[i]!),
            r,
          );
          expect(truth).toBeLessThanOrEqual(eps + 1e-12);
          expect(res.estimatedErrors[k]!).toBeLessThanOrEqual(eps);
        });
        const ratio = compressionRatio(blocks, res.clusters, r);
        expect(ratio).toBeGreaterThanOrEqual(1);
      });
    }
  }

  it('with residual ordering the approximate estimator recovers the three groups and compresses most', () => {
    const { blocks, group } = groupedBlocks(9);
    const ratios: Record<string, number> = {};
    for (const estimator of ESTIMATORS) {
      const res = clusterBlocks(blocks, { rank: 3, eps: 0.05, estimator, ordering: 'residual' });
      ratios[estimator] = compressionRatio(blocks, res.clusters, 3);
      if (estimator === 'approximate') {
        expect(res.clusters.length).toBe(3);
        for (const c of res.clusters) expect(new Set(c.map((i) => group[i])).size).toBe(1);
      }
    }
    expect(ratios.approximate!).toBeGreaterThan(ratios.residual!);
    expect(ratios.approximate!).toBeGreaterThan(ratios.maxNorm!);
    expect(ratios.approximate!).toBeGreaterThan(3);
  });

  it('compression ratio by hand; patience turns the rest into singletons', () => {
    const b = [randn(10, 2, 1), randn(10, 3, 2), randn(10, 5, 3)];
    // one cluster {0, 1} (K = 5) at rank 1: min(1*(10+5), 50) = 15; singleton {2}: 50.
    expect(compressionRatio(b, [[0, 1], [2]], 1)).toBeCloseTo((10 * 10) / (15 + 50), 14);
    const iid = Array.from({ length: 8 }, (_, i) => randn(10, 3, 20 + i));
    const res = clusterBlocks(iid, { rank: 2, eps: 0.01, patience: 2 });
    expect(res.clusters.every((c) => c.length === 1)).toBe(true);
    expect(res.clusters.length).toBe(8);
    expect(compressionRatio(iid, res.clusters, 2)).toBe(1);
    expect(() => clusterBlocks(iid, { rank: 2, eps: 1.5 })).toThrow(DomainError);
  });
});
