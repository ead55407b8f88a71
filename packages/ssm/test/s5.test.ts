import { DomainError, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fftConv, hippoNormalEig, parallelScan, s4dKernel, s5Apply, s5Init, sequentialScan } from '../src';
import { relMax } from '@x/test-utils';

describe('associative scan', () => {
  it('property: parallel scan == sequential scan (any T, P)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (T, P, seed) => {
        let s = seed >>> 0 || 1;
        const rnd = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32 - 0.5;
        };
        const mk = (scale: number) => Float64Array.from({ length: T * P }, () => scale * rnd());
        const e = { T, P, aRe: mk(1.9), aIm: mk(1.9), bRe: mk(2), bIm: mk(2) };
        const a = parallelScan(e);
        const b = sequentialScan(e);
        let m = 1;
        for (const v of b.re) m = Math.max(m, Math.abs(v));
        for (let i = 0; i < T * P; i++) {
          expect(Math.abs(a.re[i]! - b.re[i]!)).toBeLessThan(1e-12 * m);
          expect(Math.abs(a.im[i]! - b.im[i]!)).toBeLessThan(1e-12 * m);
        }
      }),
      { numRuns: 80, seed: 3 },
    );
  });
  it('rejects mismatched lengths', () => {
    const z = new Float64Array(3);
    expect(() => parallelScan({ T: 2, P: 2, aRe: z, aIm: z, bRe: z, bIm: z })).toThrow(ShapeError);
  });
});

describe('S5', () => {
  it('HiPPO-N init: eigenvalues of the LegS normal part, block-diagonal copies', () => {
    const p = s5Init(16, 3, { blocks: 2, seed: 1 });
    const { lambda } = hippoNormalEig(8);
    expect(p.Lambda.re.length).toBe(8); // 2 blocks x 4 kept states
    for (let j = 0; j < 2; j++) {
      for (let q = 0; q < 4; q++) {
        expect(p.Lambda.im[j * 4 + q]).toBeCloseTo(lambda.im[q]!, 12);
        expect(p.Lambda.re[j * 4 + q]).toBeCloseTo(-0.5, 12);
      }
    }
    expect(() => s5Init(10, 2, { blocks: 3 })).toThrow(DomainError);
  });
  it('parallel and sequential scans give the same outputs', () => {
    const p = s5Init(32, 4, { blocks: 4, seed: 7 });
    const T = 301;
    const u = { rows: T, cols: 4, data: Float64Array.from({ length: T * 4 }, (_, i) => Math.sin(0.37 * i) + Math.cos(0.011 * i * i)) };
    const a = s5Apply(p, u, { scan: 'parallel' });
    const b = s5Apply(p, u, { scan: 'sequential' });
    expect(relMax(a.data, b.data)).toBeLessThan(1e-12);
  });
  it('H = 1 with a shared step equals the S4D convolution', () => {
    const p = s5Init(16, 1, { seed: 2 });
    p.logDt.fill(Math.log(0.05));
    const T = 200;
    const u = Float64Array.from({ length: T }, (_, i) => Math.sin(0.2 * i) * Math.exp(-0.003 * i));
    const y = s5Apply(p, { rows: T, cols: 1, data: u });
    const K = s4dKernel(
      {
        A: p.Lambda,
        B: { re: p.B.re.data, im: p.B.im.data },
        C: { re: p.C.re.data, im: p.C.im.data },
        dt: 0.05,
      },
      T,
    );
    const yc = fftConv(u, K);
    for (let t = 0; t < T; t++) yc[t] = yc[t]! + p.D[0]! * u[t]!;
    expect(relMax(y.data, yc)).toBeLessThan(1e-12);
  });
  it('seeded: same seed, same parameters', () => {
    expect(Array.from(s5Init(8, 2, { seed: 5 }).B.re.data)).toEqual(Array.from(s5Init(8, 2, { seed: 5 }).B.re.data));
  });
  it('rejects a wrong input width', () => {
    const p = s5Init(8, 2, { seed: 5 });
    expect(() => s5Apply(p, { rows: 3, cols: 3, data: new Float64Array(9) })).toThrow(ShapeError);
  });
});

describe('S5-PTD', () => {
  it('H = 1, shared step: the S5-PTD layer equals the dense HiPPO-LegS + E system (ZOH)', async () => {
    const { ptdInit, denseSsmKernel, hippoLegS } = await import('../src');
    const { rng } = await import('@x/gpu');
    const P = 8;
    const p = s5Init(P, 1, { init: 'ptd', eps: 0.1, conjSym: false, seed: 4 });
    p.logDt.fill(Math.log(0.05));
    // replay s5Init's rng: the PTD perturbation is drawn first, then B and C
    expect(p.Lambda.re.length).toBe(P);
    expect(() => s5Init(P, 1, { init: 'ptd' , conjSym: true })).toThrow(DomainError);
    // y from the diagonal S5-PTD equals the dense system A + E with the same B, C
    const r = rng(4);
    const pt = ptdInit(P, { eps: 0.1, seed: r });
    const Bd = new Float64Array(P);
    for (let i = 0; i < P; i++) Bd[i] = r.normal();
    const Cre = new Float64Array(P);
    const Cim = new Float64Array(P);
    for (let i = 0; i < P; i++) Cre[i] = r.normal() / Math.sqrt(P);
    for (let i = 0; i < P; i++) Cim[i] = r.normal() / Math.sqrt(P);
    const { A } = hippoLegS(P);
    const Ae = { rows: P, cols: P, data: Float64Array.from(A.data, (v, i) => v + pt.E.data[i]!) };
    const T = 60;
    const u = Float64Array.from({ length: T }, (_, i) => Math.cos(0.3 * i));
    const y = s5Apply(p, { rows: T, cols: 1, data: u });
    // output Re(C̃ x) with C̃ = (Cre + i Cim) Ṽ: the real system with output row Cre (Im part of C does
    // not reach Re(C x) for a real state), so compare with the dense kernel of (A + E, B, Cre).
    const K = denseSsmKernel({ A: Ae, B: Bd, C: Cre, dt: 0.05 }, T);
    const yc = fftConv(u, K);
    for (let t = 0; t < T; t++) yc[t] = yc[t]! + p.D[0]! * u[t]!;
    expect(relMax(y.data, yc)).toBeLessThan(1e-9);
  });
});
