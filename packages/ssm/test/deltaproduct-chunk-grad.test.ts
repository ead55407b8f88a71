import { DomainError, ShapeError } from '@x/gpu';
import { relMax } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { type DeltaProductInputs, deltaProductBackward, deltaProductChunked, deltaProductChunkedBackward, deltaProductRecurrence } from '../src';

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function random(T: number, nh: number, dk: number, dv: number, seed: number, gated: boolean): DeltaProductInputs {
  const rnd = lcg(seed);
  const arr = (n: number, sc = 2) => Float64Array.from({ length: n }, () => sc * rnd());
  const k = arr(T * nh * dk);
  for (let i = 0; i < T * nh; i++) {
    let nrm = 0;
    for (let a = 0; a < dk; a++) nrm += k[i * dk + a]! ** 2;
    for (let a = 0; a < dk; a++) k[i * dk + a] = k[i * dk + a]! / Math.sqrt(nrm);
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
    g: gated ? Float64Array.from({ length: T }, () => -0.3 * (rnd() + 0.5)) : undefined,
    h0: arr(dk * dv, 1),
  };
}

const KEYS = ['dq', 'dk', 'dv', 'dbeta', 'dg', 'dh0'] as const;

describe('deltaProductChunkedBackward (the WY/UT form differentiated chunk by chunk)', () => {
  // T nh = 13, 26, 39 sub-steps: chunks 1, 4, 5, 13, 64 divide some of them and not others.
  for (const nh of [1, 2, 3]) {
    for (const gated of [false, true]) {
      it(`every gradient equals the recurrence's to 1e-10 (n_h=${nh}, gated ${gated}, C = 1/4/5/13/64)`, () => {
        const T = 13;
        const x = random(T, nh, 4, 3, 11 + nh + (gated ? 100 : 0), gated);
        const rnd = lcg(5 + nh);
        const dO = Float64Array.from({ length: T * 3 }, rnd);
        const dState = Float64Array.from({ length: 12 }, rnd);
        const ref = deltaProductBackward(x, dO, dState);
        const fwd = deltaProductRecurrence(x);
        for (const chunk of [1, 4, 5, 13, 64]) {
          const c = deltaProductChunked(x, { chunk });
          expect(relMax(c.o, fwd.o)).toBeLessThan(1e-12);
          expect(relMax(c.state, fwd.state)).toBeLessThan(1e-12);
          const gr = deltaProductChunkedBackward(x, dO, dState, { chunk });
          for (const key of KEYS) {
            if (key === 'dg' && !gated) {
              expect(gr.dg.every((d) => d === 0)).toBe(true);
              continue;
            }
            expect(relMax(gr[key], ref[key]), `${key} at C=${chunk}`).toBeLessThan(1e-10);
          }
        }
      });
    }
  }

  it('matches central finite differences of <dO, o> + <dState, S_T> on its own', () => {
    const x = random(5, 2, 3, 2, 9, true);
    const rnd = lcg(3);
    const dO = Float64Array.from({ length: 10 }, rnd);
    const dState = Float64Array.from({ length: 6 }, rnd);
    const gr = deltaProductChunkedBackward(x, dO, dState, { chunk: 3 });
    const f = (y: DeltaProductInputs) => {
      const r = deltaProductChunked(y, { chunk: 3 });
      let s = 0;
      for (let i = 0; i < r.o.length; i++) s += r.o[i]! * dO[i]!;
      for (let i = 0; i < r.state.length; i++) s += r.state[i]! * dState[i]!;
      return s;
    };
    const map = { q: 'dq', k: 'dk', v: 'dv', beta: 'dbeta', g: 'dg', h0: 'dh0' } as const;
    for (const [name, gname] of Object.entries(map) as [keyof typeof map, (typeof map)[keyof typeof map]][]) {
      const a = x[name] as Float64Array;
      for (let i = 0; i < a.length; i++) {
        const keep = a[i]!;
        a[i] = keep + 1e-6;
        const up = f(x);
        a[i] = keep - 1e-6;
        const dn = f(x);
        a[i] = keep;
        expect(Math.abs((up - dn) / 2e-6 - gr[gname][i]!)).toBeLessThan(1e-7 * (1 + Math.abs(gr[gname][i]!)));
      }
    }
  });

  it('typed errors for bad gradients and chunk sizes', () => {
    const x = random(3, 2, 2, 2, 1, false);
    expect(() => deltaProductChunkedBackward(x, new Float64Array(5))).toThrow(ShapeError);
    expect(() => deltaProductChunkedBackward(x, new Float64Array(6), new Float64Array(3))).toThrow(ShapeError);
    expect(() => deltaProductChunkedBackward(x, new Float64Array(6), undefined, { chunk: 0 })).toThrow(DomainError);
    expect(() => deltaProductChunkedBackward(x, new Float64Array(6), undefined, { chunk: 2.5 })).toThrow(DomainError);
    expect(() => deltaProductChunkedBackward(x, new Float64Array(6), undefined, { chnk: 2 } as never)).toThrow(DomainError);
  });
});
