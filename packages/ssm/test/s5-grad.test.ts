import { rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { type S5Params, s5Apply, s5Backward, s5Init } from '../src';

type Disc = 'zoh' | 'bilinear';

/** L = Σ r ⊙ s5Apply(p, u) with the sequential loop (the reference recurrence). */
function loss(p: S5Params, u: { rows: number; cols: number; data: Float64Array }, r: Float64Array, disc: Disc): number {
  const y = s5Apply(p, u, { scan: 'sequential', disc });
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * y.data[i]!;
  return s;
}

/** Central difference of L w.r.t. every entry of arr (restored afterwards). */
function fd(arr: Float64Array, f: () => number, h = 1e-6): Float64Array {
  const g = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i]!;
    arr[i] = v + h;
    const a = f();
    arr[i] = v - h;
    const b = f();
    arr[i] = v;
    g[i] = (a - b) / (2 * h);
  }
  return g;
}

function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
}

function setup(kind: 'hippo-n' | 'ptd', seed: number) {
  const p = kind === 'ptd' ? s5Init(8, 3, { init: 'ptd', seed, conjSym: false }) : s5Init(8, 3, { seed, blocks: 2 });
  // larger steps than the default so that every discretization term matters
  for (let s = 0; s < p.logDt.length; s++) p.logDt[s] = Math.log(0.05 + 0.1 * s);
  const r = rng(seed + 7);
  const T = 13;
  const u = { rows: T, cols: 3, data: Float64Array.from({ length: T * 3 }, () => r.normal()) };
  const w = Float64Array.from({ length: T * 3 }, () => r.normal());
  return { p, u, w };
}

describe('s5Backward', () => {
  for (const kind of ['hippo-n', 'ptd'] as const) {
    for (const disc of ['zoh', 'bilinear'] as const) {
      it(`matches central differences of the sequential recurrence (${kind}, ${disc})`, () => {
        const { p, u, w } = setup(kind, 3);
        const g = s5Backward(p, u, { rows: u.rows, cols: 3, data: w }, { disc });
        const L = () => loss(p, u, w, disc);
        const pairs: [Float64Array, Float64Array][] = [
          [g.u.data, fd(u.data, L)],
          [g.Lambda.re, fd(p.Lambda.re, L)],
          [g.Lambda.im, fd(p.Lambda.im, L)],
          [g.B.re.data, fd(p.B.re.data, L)],
          [g.B.im.data, fd(p.B.im.data, L)],
          [g.C.re.data, fd(p.C.re.data, L)],
          [g.C.im.data, fd(p.C.im.data, L)],
          [g.D, fd(p.D, L)],
          [g.logDt, fd(p.logDt, L)],
        ];
        for (const [a, b] of pairs) expect(relErr(a, b)).toBeLessThan(1e-6);
      });
    }
  }
  it('parallel and sequential scans give the same gradients (T = 1..40)', () => {
    for (const T of [1, 2, 5, 17, 40]) {
      const p = s5Init(6, 2, { seed: T });
      const r = rng(T);
      const u = { rows: T, cols: 2, data: Float64Array.from({ length: T * 2 }, () => r.normal()) };
      const dy = { rows: T, cols: 2, data: Float64Array.from({ length: T * 2 }, () => r.normal()) };
      const a = s5Backward(p, u, dy);
      const b = s5Backward(p, u, dy, { scan: 'sequential' });
      for (const [x, y] of [
        [a.u.data, b.u.data],
        [a.Lambda.re, b.Lambda.re],
        [a.Lambda.im, b.Lambda.im],
        [a.B.re.data, b.B.re.data],
        [a.C.im.data, b.C.im.data],
        [a.logDt, b.logDt],
      ] as const) {
        expect(relErr(x, y)).toBeLessThan(1e-12);
      }
    }
  });
  it('rejects dy of the wrong shape', () => {
    const p = s5Init(4, 2);
    const u = { rows: 3, cols: 2, data: new Float64Array(6) };
    expect(() => s5Backward(p, u, { rows: 2, cols: 2, data: new Float64Array(4) })).toThrow(ShapeError);
    expect(() => s5Backward(p, { rows: 3, cols: 1, data: new Float64Array(3) }, u)).toThrow(/s5Backward/);
  });
});
