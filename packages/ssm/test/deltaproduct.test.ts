import { ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeltaProductInputs, deltaProductBackward, deltaProductChunked, deltaProductRecurrence } from '../src';
import { loadFixture, relMax } from '@x/test-utils';
import type { Untyped } from './helpers';

const F = loadFixture<Untyped>(import.meta.url, 'deltaproduct-recurrence.json');

function fromCase(c: Record<string, number[] | number>): DeltaProductInputs {
  const f = (n: string) => Float64Array.from(c[n] as number[]);
  return {
    T: c.T as number,
    nh: c.nh as number,
    dk: c.dk as number,
    dv: c.dv as number,
    q: f('q'),
    k: f('k'),
    v: f('v'),
    beta: f('beta'),
    g: f('g'),
    h0: f('h0'),
  };
}

function random(T: number, nh: number, dk: number, dv: number, seed: number, gated: boolean): DeltaProductInputs {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const arr = (n: number, sc = 2) => Float64Array.from({ length: n }, () => sc * rnd());
  const k = arr(T * nh * dk);
  for (let i = 0; i < T * nh; i++) {
    let nrm = 0;
    for (let a = 0; a < dk; a++) nrm += k[i * dk + a]! ** 2;
    nrm = Math.sqrt(nrm) || 1;
    for (let a = 0; a < dk; a++) k[i * dk + a] = k[i * dk + a]! / nrm;
  }
  return {
    T,
    nh,
    dk,
    dv,
    q: arr(T * dk),
    k,
    v: arr(T * nh * dv),
    beta: Float64Array.from({ length: T * nh }, () => 1 + 2 * rnd()),
    g: gated ? Float64Array.from({ length: T }, () => -0.2 * (rnd() + 0.5)) : undefined,
    h0: arr(dk * dv, 1),
  };
}

describe('DeltaProduct recurrence', () => {
  for (const c of F.cases) {
    it(`matches the numpy naive recurrence (T=${c.T}, nh=${c.nh}, dk=${c.dk}, dv=${c.dv})`, () => {
      const x = fromCase(c);
      const r = deltaProductRecurrence(x);
      expect(relMax(r.o, c.o)).toBeLessThan(1e-13);
      expect(relMax(r.state, c.state)).toBeLessThan(1e-13);
    });
  }
  it('with v = 0 the state evolves by the product of Householder factors, norm-nonincreasing for beta in [0, 2]', () => {
    const x = random(20, 2, 3, 3, 5, false);
    x.v.fill(0);
    const r = deltaProductRecurrence(x);
    let n0 = 0;
    let n1 = 0;
    for (let i = 0; i < 9; i++) {
      n0 += x.h0![i]! ** 2;
      n1 += r.state[i]! ** 2;
    }
    expect(n1).toBeLessThanOrEqual(n0 * (1 + 1e-12));
    // beta = 2 everywhere: orthogonal transitions preserve the norm exactly
    x.beta.fill(2);
    const r2 = deltaProductRecurrence(x);
    let n2 = 0;
    for (let i = 0; i < 9; i++) n2 += r2.state[i]! ** 2;
    expect(n2).toBeCloseTo(n0, 12);
  });
  it('rejects malformed inputs', () => {
    const x = random(4, 2, 3, 2, 1, false);
    expect(() => deltaProductRecurrence({ ...x, k: new Float64Array(3) })).toThrow(ShapeError);
  });
});

describe('chunked WY form == recurrence', () => {
  it('property: any T, nh in 1..3, chunk size, gated or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.integer(),
        (T, nh, chunk, gated, seed) => {
          const x = random(T, nh, 4, 3, seed, gated);
          const a = deltaProductRecurrence(x);
          const b = deltaProductChunked(x, { chunk });
          expect(relMax(b.o, a.o)).toBeLessThan(1e-11);
          expect(relMax(b.state, a.state)).toBeLessThan(1e-11);
        },
      ),
      { numRuns: 60, seed: 9 },
    );
  });
  for (const c of F.cases) {
    it(`fixture T=${c.T}, nh=${c.nh}`, () => {
      const b = deltaProductChunked(fromCase(c), { chunk: 4 });
      expect(relMax(b.o, c.o)).toBeLessThan(1e-12);
    });
  }
});

describe('DeltaProduct backward (central finite differences)', () => {
  it('all input gradients match finite differences', () => {
    const x = random(6, 2, 3, 2, 42, true);
    // scalar loss L = <W, o> + <Ws, state>
    const W = Float64Array.from({ length: 6 * 2 }, (_, i) => Math.sin(1.3 * i + 0.4));
    const Ws = Float64Array.from({ length: 6 }, (_, i) => Math.cos(0.7 * i));
    const loss = (y: DeltaProductInputs) => {
      const r = deltaProductRecurrence(y);
      let s = 0;
      for (let i = 0; i < W.length; i++) s += W[i]! * r.o[i]!;
      for (let i = 0; i < Ws.length; i++) s += Ws[i]! * r.state[i]!;
      return s;
    };
    const gr = deltaProductBackward(x, W, Ws);
    const pairs: [keyof DeltaProductInputs, Float64Array][] = [
      ['q', gr.dq],
      ['k', gr.dk],
      ['v', gr.dv],
      ['beta', gr.dbeta],
      ['g', gr.dg],
      ['h0', gr.dh0],
    ];
    const eps = 1e-6;
    for (const [name, grad] of pairs) {
      const arr = x[name] as Float64Array;
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < arr.length; i++) {
        const old = arr[i]!;
        arr[i] = old + eps;
        const lp = loss(x);
        arr[i] = old - eps;
        const lm = loss(x);
        arr[i] = old;
        const fd = (lp - lm) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - grad[i]!));
        scale = Math.max(scale, Math.abs(fd));
      }
      // central differences: O(eps²) truncation + O(1e-16/eps) rounding ~ 1e-9 here
      expect(worst / Math.max(scale, 1e-3), name).toBeLessThan(1e-7);
    }
  });
});
