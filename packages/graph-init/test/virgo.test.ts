import { DomainError, ShapeError, type Matrix, rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { edgesToCsr, gcnInitVariances, measureGcnVariances, normalizedAdjacency, randomRegular, virgoVariances } from '../src/index';
import fx from './fixtures/virgo-variances.json';
import { mat } from './helpers';
import { entryRel } from '@x/test-utils';

const ah = normalizedAdjacency(
  edgesToCsr({ n: fx.n, src: Int32Array.from(fx.edges.map((e) => e[0]!)), dst: Int32Array.from(fx.edges.map((e) => e[1]!)) }),
);

describe('virgoVariances', () => {
  const opts = { depth: fx.depth, hidden: fx.hidden, numClasses: fx.numClasses };
  it('forward/backward terms, harmonic and arithmetic variances match numpy', () => {
    const r = virgoVariances(ah, mat(fx.X), opts);
    // Ratios of sums of O(N) positive terms: relative error ~ N eps.
    expect(entryRel(r.S, fx.S)).toBeLessThan(1e-12);
    expect(entryRel(r.T, fx.T)).toBeLessThan(1e-12);
    expect(entryRel(r.forward, fx.forward)).toBeLessThan(1e-12);
    expect(entryRel(r.backward, fx.backward)).toBeLessThan(1e-12);
    expect(entryRel(r.variance, fx.harmonic)).toBeLessThan(1e-12);
    expect(entryRel(virgoVariances(ah, mat(fx.X), { ...opts, mean: 'arithmetic' }).variance, fx.arithmetic)).toBeLessThan(1e-12);
    for (let l = 0; l < fx.depth; l++) expect(r.gain[l]).toBeCloseTo(Math.sqrt(r.variance[l]! * r.fanIn[l]!), 14);
  });
  it('variants and baselines', () => {
    const x = mat(fx.X);
    const r = virgoVariances(ah, x, opts);
    expect(Array.from(gcnInitVariances('virgofor', ah, x, opts))).toEqual(Array.from(r.forward));
    expect(Array.from(gcnInitVariances('virgoback', ah, x, opts))).toEqual(Array.from(r.backward));
    const k = gcnInitVariances('kaiming', ah, x, opts);
    expect(k[0]).toBeCloseTo(2 / 6, 15);
    expect(k[1]).toBeCloseTo(2 / 16, 15);
    const xa = gcnInitVariances('xavier', ah, x, opts);
    expect(xa[0]).toBeCloseTo(2 / (6 + 16), 15);
    expect(xa[fx.depth - 1]).toBeCloseTo(2 / (16 + 3), 15);
  });
  it('d-regular fixture: Â1 = 1, so T_k = N and hidden c_b = 2/m_hid exactly', () => {
    const g = normalizedAdjacency(edgesToCsr(randomRegular(60, 4, { seed: 4 })));
    const x: Matrix = { rows: 60, cols: 5, data: rng(1).fillNormal(new Float64Array(300)) };
    const r = virgoVariances(g, x, { depth: 6, hidden: 32, numClasses: 4 });
    for (let k = 0; k < 6; k++) expect(Math.abs(r.T[k]! - 60)).toBeLessThan(1e-12);
    for (let l = 0; l < 5; l++) expect(Math.abs(r.backward[l]! - 2 / 32)).toBeLessThan(1e-15);
    expect(r.backward[5]).toBeCloseTo(60 / (3 * 60), 14);
  });
  it('features with a Perron-vector mean make Virgo ≈ Kaiming forward (spec caveat)', () => {
    const g = normalizedAdjacency(edgesToCsr(randomRegular(60, 4, { seed: 4 })));
    // On a regular graph the Perron vector is constant: a constant feature mean is an eigenvector with eigenvalue 1.
    const x: Matrix = { rows: 60, cols: 5, data: new Float64Array(300).fill(1.5) };
    const r = virgoVariances(g, x, { depth: 4, hidden: 32, numClasses: 4 });
    for (let l = 1; l < 4; l++) expect(Math.abs(r.forward[l]! - 2 / 32)).toBeLessThan(1e-14);
  });
  it('typed errors', () => {
    expect(() => virgoVariances(ah, mat([[1]]), opts)).toThrow(ShapeError);
    expect(() => virgoVariances(ah, mat(fx.X), { ...opts, depth: 0 })).toThrow(DomainError);
    expect(() => virgoVariances(ah, mat(fx.X), { ...opts, numClasses: 1 })).toThrow(DomainError);
  });
});

describe('measured variance propagation', () => {
  it('gradients and forward variances are finite and Virgo keeps the last/first ratio above Kaiming and Xavier', () => {
    const g = normalizedAdjacency(edgesToCsr({ n: 300, ...pick(300) }));
    const x: Matrix = { rows: 300, cols: 16, data: rng(3).fillNormal(new Float64Array(300 * 16)) };
    const opts = { depth: 6, hidden: 32, numClasses: 4 };
    const ratio = (s: 'virgo' | 'kaiming' | 'xavier') => {
      const v = gcnInitVariances(s, g, x, opts);
      const p = measureGcnVariances(g, x, v, { hidden: 32, numClasses: 4, seed: 1 });
      return p.forward[5]! / p.forward[0]!;
    };
    const rv = ratio('virgo');
    const rk = ratio('kaiming');
    const rx = ratio('xavier');
    expect(rv).toBeGreaterThan(rk);
    expect(rk).toBeGreaterThan(rx);
  });
});

function pick(n: number) {
  const r = rng(11);
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (r.uniform() < 5 / n) {
        src.push(i);
        dst.push(j);
      }
    }
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst) };
}
