import { DomainError, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  denseSsmKernel,
  directConv,
  expm,
  fftConv,
  hippoLegS,
  hippoLegT,
  hippoNplr,
  s4dDiscretize,
  s4dInit,
  s4dKernel,
  s4dKernelBank,
  s4dRecurrence,
} from '../src';
import { cx, type Untyped } from './helpers';
import { loadFixture, relMax } from '@x/test-utils';

const F = loadFixture<Untyped>(import.meta.url, 's4d-kernels.json');

describe('HiPPO matrices', () => {
  it('LegS matches the numpy fixture and the contract formula', () => {
    const { A, B } = hippoLegS(8);
    expect(relMax(A.data, F.legs8.A)).toBe(0);
    expect(relMax(B, F.legs8.B)).toBe(0);
    expect(A.data[2 * 8 + 1]).toBeCloseTo(-Math.sqrt(5) * Math.sqrt(3), 14);
    expect(A.data[1 * 8 + 2]).toBe(0);
    expect(A.data[3 * 8 + 3]).toBe(-4);
  });
  it('LegT matches the numpy fixture', () => {
    const { A, B } = hippoLegT(6);
    expect(relMax(A.data, F.legt6.A)).toBeLessThan(1e-15);
    expect(relMax(B, F.legt6.B)).toBe(0);
  });
  it('NPLR: A + P Pᵀ = -1/2 I + S with S skew-symmetric', () => {
    const N = 16;
    const { A, P, S, diagShift } = hippoNplr(N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const s = S.data[i * N + j]!;
        expect(s).toBeCloseTo(-S.data[j * N + i]!, 13);
        const lhs = A.data[i * N + j]! + P[i]! * P[j]!;
        expect(lhs).toBeCloseTo(s + (i === j ? diagShift : 0), 12);
        expect(s).toBeCloseTo(F.legsNormal16.S[i * N + j] - (i === j ? 0 : 0), 12);
      }
    }
  });
  it('rejects bad sizes', () => {
    expect(() => hippoLegS(0)).toThrow(DomainError);
    expect(() => hippoLegS(2.5)).toThrow(DomainError);
  });
});

describe('s4dInit', () => {
  it('lin / inv / real follow the contract formulas', () => {
    const N = 16;
    const lin = s4dInit(N, { kind: 'lin' });
    const inv = s4dInit(N, { kind: 'inv' });
    const real = s4dInit(N, { kind: 'real' });
    expect(lin.A.re.length).toBe(8);
    for (let n = 0; n < 8; n++) {
      expect(lin.A.re[n]).toBe(-0.5);
      expect(lin.A.im[n]).toBeCloseTo(Math.PI * n, 14);
      expect(inv.A.im[n]).toBeCloseTo((N / Math.PI) * (N / (2 * n + 1) - 1), 12);
      expect(real.A.re[n]).toBe(-(n + 1));
      expect(real.A.im[n]).toBe(0);
      expect(lin.B.re[n]).toBe(1);
    }
  });
  it('rejects odd N and unknown kinds', () => {
    expect(() => s4dInit(7, { kind: 'lin' })).toThrow(DomainError);
    expect(() => s4dInit(8, { kind: 'nope' as 'lin' })).toThrow(DomainError);
  });
});

describe('s4dKernel vs numpy (real block realizations, explicit powers)', () => {
  for (const e of F.kernels) {
    for (const disc of ['zoh', 'bilinear', 'dss'] as const) {
      it(`${e.kind} / ${disc}`, () => {
        const K = s4dKernel({ A: cx(e.A), B: cx(e.B), C: cx(e.C), dt: e.dt }, e.L, { disc });
        expect(K.length).toBe(e.L);
        expect(relMax(K, e[disc])).toBeLessThan(1e-11);
      });
    }
  }
  it('dss: growing modes (Re A > 0) use the stable form', () => {
    const g = F.dssGrowing;
    const K = s4dKernel({ A: cx(g.A), B: cx(g.B), C: cx(g.C), dt: g.dt }, g.L, { disc: 'dss' });
    expect(relMax(K, g.K)).toBeLessThan(1e-11);
  });
  it('stays accurate for long kernels (re-anchored powers)', () => {
    const p = { ...s4dInit(64, { kind: 'lin' }), C: s4dInit(64, { kind: 'lin' }).B, dt: 0.01 };
    const L = 20000;
    const K = s4dKernel(p, L);
    // direct evaluation of a few entries with exp(l dt A)
    for (const l of [0, 1, 63, 64, 12345, L - 1]) {
      let s = 0;
      for (let n = 0; n < 32; n++) {
        const ar = p.A.re[n]!;
        const ai = p.A.im[n]!;
        const m = Math.exp(p.dt * ar);
        const er = m * Math.cos(p.dt * ai) - 1;
        const ei = m * Math.sin(p.dt * ai);
        const den = ar * ar + ai * ai;
        const fr = (er * ar + ei * ai) / den;
        const fi = (ei * ar - er * ai) / den;
        const ml = Math.exp(l * p.dt * ar);
        s += 2 * (fr * ml * Math.cos(l * p.dt * ai) - fi * ml * Math.sin(l * p.dt * ai));
      }
      expect(Math.abs(K[l]! - s)).toBeLessThan(1e-12 * Math.max(1, Math.abs(K[0]!)));
    }
  });
  it('bank rows equal single-channel kernels', () => {
    const H = 3;
    const a = s4dInit(8, { kind: 'inv' });
    const A = { re: new Float64Array(12), im: new Float64Array(12) };
    const B = { re: new Float64Array(12), im: new Float64Array(12) };
    const C = { re: new Float64Array(12), im: new Float64Array(12) };
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < 4; n++) {
        A.re[h * 4 + n] = a.A.re[n]!;
        A.im[h * 4 + n] = a.A.im[n]!;
        B.re[h * 4 + n] = 1;
        C.re[h * 4 + n] = Math.cos(h + n);
        C.im[h * 4 + n] = Math.sin(2 * h - n);
      }
    }
    const dt = Float64Array.from([0.01, 0.05, 0.2]);
    const K = s4dKernelBank({ A, B, C, dt }, 50, { disc: 'bilinear' });
    for (let h = 0; h < H; h++) {
      const sl = (x: typeof A) => ({ re: x.re.slice(h * 4, h * 4 + 4), im: x.im.slice(h * 4, h * 4 + 4) });
      const k1 = s4dKernel({ A: sl(A), B: sl(B), C: sl(C), dt: dt[h]! }, 50, { disc: 'bilinear' });
      expect(relMax(K.data.subarray(h * 50, h * 50 + 50), k1)).toBe(0);
    }
  });
  it('rejects bad input with typed errors', () => {
    const p = { ...s4dInit(8, { kind: 'lin' }), C: s4dInit(8, { kind: 'lin' }).B, dt: 0.1 };
    expect(() => s4dKernel({ ...p, dt: -1 }, 10)).toThrow(DomainError);
    expect(() => s4dKernel(p, 0)).toThrow(DomainError);
    expect(() => s4dKernel({ ...p, C: { re: new Float64Array(3), im: new Float64Array(3) } }, 10)).toThrow(ShapeError);
    expect(() => s4dKernel(p, 10, { disc: 'euler' as 'zoh' })).toThrow(DomainError);
    const bad = { re: Float64Array.from(p.A.re), im: Float64Array.from(p.A.im) };
    bad.re[1] = Number.NaN;
    expect(() => s4dKernel({ ...p, A: bad }, 10)).toThrow(DomainError);
  });
});

describe('dense S4 reference', () => {
  it('expm overflows to Infinity, not NaN (scaling and squaring keeps zeros exact)', () => {
    const E = expm({ rows: 2, cols: 2, data: Float64Array.from([1e6, 0, 0, 1e6]) });
    expect(Array.from(E.data)).toEqual([Number.POSITIVE_INFINITY, 0, 0, Number.POSITIVE_INFINITY]);
    const D = expm({ rows: 2, cols: 2, data: Float64Array.from([-1e6, 0, 0, 2]) });
    expect(D.data[0]).toBe(0);
    // 21 squarings (driven by the -1e6 entry) amplify rounding by about 2^21: ~1e-10 relative.
    expect(Math.abs(D.data[3]! / Math.exp(2) - 1)).toBeLessThan(2 ** 21 * 4 * 2 ** -52);
    const H = expm({ rows: 2, cols: 2, data: Float64Array.from([1e308, 1e308, 1e308, 1e308]) });
    expect(H.data.every((v) => v === Number.POSITIVE_INFINITY)).toBe(true);
    expect(() => expm({ rows: 1, cols: 1, data: Float64Array.from([Number.NaN]) })).toThrow(/^expm: a\[0, 0\] is NaN/);
  });
  it('expm matches scipy (small and large norm)', () => {
    const A = { rows: 6, cols: 6, data: Float64Array.from(F.expm6.A) };
    expect(relMax(expm(A).data, F.expm6.E)).toBeLessThan(1e-13);
    const A40 = { rows: 6, cols: 6, data: Float64Array.from(F.expm6.A.map((v: number) => 40 * v)) };
    expect(relMax(expm(A40).data, F.expm6.E40)).toBeLessThan(1e-11);
  });
  it('dense HiPPO-LegS ZOH kernel matches scipy cont2discrete', () => {
    const d = F.denseLegs16;
    const { A, B } = hippoLegS(16);
    const K = denseSsmKernel({ A, B, C: d.C, dt: d.dt }, d.L, { disc: 'zoh' });
    expect(relMax(K, d.zoh)).toBeLessThan(1e-11);
  });
});

describe('FFT convolution', () => {
  it('matches numpy.convolve for non-power-of-two lengths', () => {
    expect(relMax(fftConv(F.conv.u, F.conv.k), F.conv.y)).toBeLessThan(1e-13);
    expect(relMax(directConv(F.conv.u, F.conv.k), F.conv.y)).toBeLessThan(1e-14);
  });
  it('property: fftConv == directConv for any lengths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 70 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 0, maxLength: 90 }),
        (u, k) => {
          const a = fftConv(u, k);
          const b = directConv(u, k);
          let s = 0;
          for (const v of u) s += Math.abs(v);
          for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-13 * (1 + s));
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
  it('empty input', () => {
    expect(fftConv([], [1, 2]).length).toBe(0);
  });
});

describe('recurrent mode == convolutional mode', () => {
  for (const kind of ['lin', 'inv', 'real'] as const) {
    for (const disc of ['zoh', 'bilinear'] as const) {
      it(`${kind} / ${disc}`, () => {
        const init = s4dInit(32, { kind });
        const C = { re: new Float64Array(16), im: new Float64Array(16) };
        for (let n = 0; n < 16; n++) {
          C.re[n] = Math.cos(1.3 * n + 0.2);
          C.im[n] = Math.sin(0.7 * n - 1);
        }
        const p = { A: init.A, B: init.B, C, dt: 0.03 };
        const T = 777;
        const u = new Float64Array(T);
        for (let t = 0; t < T; t++) u[t] = Math.sin(0.05 * t) + 0.3 * Math.cos(0.71 * t * t);
        const D = 0.37;
        const yr = s4dRecurrence(p, u, { disc, D }).y;
        const K = s4dKernel(p, T, { disc });
        const yc = fftConv(u, K);
        for (let t = 0; t < T; t++) yc[t] = yc[t]! + D * u[t]!;
        expect(relMax(yr, yc)).toBeLessThan(1e-12);
      });
    }
  }
  it('resuming from the returned state continues the stream exactly', () => {
    const init = s4dInit(8, { kind: 'lin' });
    const p = { A: init.A, B: init.B, C: init.B, dt: 0.1 };
    const u = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const full = s4dRecurrence(p, u).y;
    const a = s4dRecurrence(p, u.subarray(0, 17));
    const b = s4dRecurrence(p, u.subarray(17), { state: a.state });
    expect(Array.from(b.y)).toEqual(Array.from(full.subarray(17)));
  });
  it('discretize: ZOH pole is exp(dt A), bilinear is (1+dtA/2)/(1-dtA/2)', () => {
    const A = { re: Float64Array.from([-0.5, -2]), im: Float64Array.from([3, 0]) };
    const B = { re: Float64Array.from([1, 1]), im: new Float64Array(2) };
    const z = s4dDiscretize({ A, B, dt: 0.1 }, 'zoh');
    expect(z.dA.re[0]).toBeCloseTo(Math.exp(-0.05) * Math.cos(0.3), 15);
    const b = s4dDiscretize({ A, B, dt: 0.1 }, 'bilinear');
    expect(b.dA.re[1]).toBeCloseTo(0.9 / 1.1, 15);
    expect(b.dB.re[1]).toBeCloseTo(0.1 / 1.1, 15);
  });
});

describe('properties', () => {
  it('recurrent == convolutional for random stable diagonal systems (zoh and bilinear)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 120 }),
        fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
        fc.boolean(),
        fc.integer(),
        (n2, T, dt, zoh, seed) => {
          let s = seed >>> 0 || 1;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const arr = (f: () => number) => Float64Array.from({ length: n2 }, f);
          const p = {
            A: { re: arr(() => -0.01 - 3 * (rnd() + 0.5)), im: arr(() => 20 * rnd()) },
            B: { re: arr(rnd), im: arr(rnd) },
            C: { re: arr(rnd), im: arr(rnd) },
            dt,
          };
          const u = Float64Array.from({ length: T }, rnd);
          const disc = zoh ? 'zoh' : 'bilinear';
          const yr = s4dRecurrence(p, u, { disc }).y;
          const yc = fftConv(u, s4dKernel(p, T, { disc }));
          let m = 1e-12;
          for (const v of yc) m = Math.max(m, Math.abs(v));
          for (let t = 0; t < T; t++) expect(Math.abs(yr[t]! - yc[t]!)).toBeLessThan(1e-11 * m);
        },
      ),
      { numRuns: 80, seed: 21 },
    );
  });
  it('edge sizes: N = 2, L = 1', () => {
    const p = { ...s4dInit(2, { kind: 'lin' }), C: s4dInit(2, { kind: 'lin' }).B, dt: 0.1 };
    const K = s4dKernel(p, 1);
    expect(K.length).toBe(1);
    expect(K[0]).toBeCloseTo((2 * (Math.exp(-0.05) - 1)) / -0.5, 14);
  });
});

describe('bilinear singularity', () => {
  it('dt A = 2 is rejected with a DomainError, not a NaN', () => {
    const A = { re: Float64Array.from([20]), im: new Float64Array(1) };
    const B = { re: Float64Array.from([1]), im: new Float64Array(1) };
    expect(() => s4dDiscretize({ A, B, dt: 0.1 }, 'bilinear')).toThrow(DomainError);
    expect(() => s4dKernel({ A, B, C: B, dt: 0.1 }, 4, { disc: 'bilinear' })).toThrow(DomainError);
  });
});
