import { disableWasm, enableWasm, matmul, randn, withWorkspace } from '@x/gpu';
import { afterAll, describe, expect, it } from 'vitest';
import { hypot2 } from '../src/dense-util';
import { eigh } from '../src/eigh';
import { tridiagQl } from '../src/tridiagonal';
import { secularSystem, tridiagEigDc } from '../src/tridiagonal-dc';
import { maxAbsDiff } from '@x/test-utils';
import { EPS, fro, froDiff, m64, orthError } from './helpers';

// Backward-stable bound as in eigh.test.ts: p(n) = 4 max(n, 8).
const growth = (n: number) => 4 * Math.max(n, 8) * EPS;

/** Checks T V = V Λ, VᵀV = I and ascending values against implicit QL (an independent solver). */
function check(d: Float64Array, e: Float64Array) {
  const n = d.length;
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i - 1] ?? 0) + Math.abs(e[i] ?? 0));
  const vals = d.slice();
  const v = tridiagEigDc(vals, e.slice(), n, 'eigh');
  const ql = d.slice();
  tridiagQl(ql, e, null, n);
  ql.sort();
  expect(maxAbsDiff(vals, ql)).toBeLessThanOrEqual(growth(n) * norm);
  for (let i = 1; i < n; i++) expect(vals[i]!).toBeGreaterThanOrEqual(vals[i - 1]!);
  let res = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < n; c++) {
      let tv = d[i]! * v[i * n + c]!;
      if (i > 0) tv += e[i - 1]! * v[(i - 1) * n + c]!;
      if (i + 1 < n) tv += e[i]! * v[(i + 1) * n + c]!;
      res = Math.max(res, Math.abs(tv - vals[c]! * v[i * n + c]!));
    }
  }
  expect(res).toBeLessThanOrEqual(growth(n) * norm);
  expect(orthError(m64(n, n, v))).toBeLessThanOrEqual(growth(n));
}

describe('tridiagonal divide and conquer (one workspace, deflated columns outside the GEMMs)', () => {
  it('mirrored halves: equal poles from both children deflate by rotations across them', () => {
    // The same 64-periodic pattern in every leaf, so every merge sees (nearly) equal poles
    // from its upper and lower child: their rotations make columns that span both children.
    for (const [n, coupling] of [
      [256, 0.5],
      [300, 1e-3],
      [200, 1e-9],
    ] as const) {
      const d = new Float64Array(n);
      const e = new Float64Array(n - 1);
      for (let i = 0; i < n; i++) d[i] = Math.sin(((i % 64) + 1) * 0.7) * 2;
      for (let i = 0; i < n - 1; i++) e[i] = (i + 1) % 64 === 0 ? coupling : 0.3 + 0.2 * Math.cos(i % 64);
      check(d, e);
    }
  });
  it('glued Wilkinson matrices (pairs of nearly equal eigenvalues) and a zero coupling', () => {
    // W21+ blocks glued by a small off-diagonal: the classic stress case of tridiagonal solvers.
    for (const glue of [1e-6, 1e-14, 0]) {
      const blocks = 12;
      const n = 21 * blocks;
      const d = new Float64Array(n);
      const e = new Float64Array(n - 1);
      for (let i = 0; i < n; i++) d[i] = Math.abs((i % 21) - 10);
      for (let i = 0; i < n - 1; i++) e[i] = (i + 1) % 21 === 0 ? glue : 1;
      check(d, e);
    }
  });
  it('constant diagonal with one tiny off-diagonal run (mostly deflated merges)', () => {
    const n = 180;
    const d = new Float64Array(n).fill(3);
    const e = new Float64Array(n - 1);
    for (let i = 0; i < n - 1; i++) e[i] = i % 7 === 0 ? 1 : 1e-18;
    check(d, e);
  });
});

describe('wasm secular passes and the one-workspace eigh against the js route', () => {
  afterAll(() => enableWasm());

  it('secularSystem gives bitwise the same roots, δ and ẑ with its passes in a workspace (wasm) as on plain arrays', () => {
    for (const [k, sq] of [
      [3, false],
      [64, false],
      [257, false],
      [65, true],
    ] as const) {
      const d = new Float64Array(k);
      const z = new Float64Array(k);
      // Graded gaps (1e-8 .. 1) and weights, so roots sit both near and far from their poles.
      let x = sq ? 0 : -1;
      for (let i = 0; i < k; i++) {
        d[i] = x;
        x += 10 ** (-8 * ((i * 7) % k) / k);
        z[i] = (i % 3 === 0 ? -1 : 1) * (0.1 + ((i * 13) % 17) / 17);
      }
      const plainVals = new Float64Array(k);
      const plainDelta = new Float64Array(k * k);
      const plainZh = secularSystem(d, z, 0.75, k, 'eigh', sq, plainVals, plainDelta);
      const ws = withWorkspace([k * k, k + 4, k], (delta, work, vals) => {
        const zh = secularSystem(d, z, 0.75, k, 'eigh', sq, vals, delta, work);
        return { vals: vals.slice(), delta: delta.slice(), zh };
      });
      expect(Array.from(ws.vals)).toEqual(Array.from(plainVals));
      expect(Array.from(ws.delta)).toEqual(Array.from(plainDelta));
      expect(Array.from(ws.zh)).toEqual(Array.from(plainZh));
      for (let j = 1; j < k; j++) expect(plainVals[j]!).toBeGreaterThan(plainVals[j - 1]!);
    }
  });

  it('eigh (n >= 64) on repeated, graded and glued-Wilkinson spectra: default and js routes both backward stable and equal to rounding', async () => {
    const n = 96;
    const q = randn(n, n, 17);
    const { vectors: orth } = eigh(m64(n, n, matmul(q, q, { transB: true }).data));
    const withSpectrum = (lam: (i: number) => number) => {
      const vd = orth.data.map((v, idx) => v * lam(idx % n));
      return m64(n, n, matmul(m64(n, n, vd), orth, { transB: true }).data);
    };
    const cases = [
      // Three eigenvalues, each 32-fold (every merge deflates most of its poles).
      withSpectrum((i) => [1, 2, 4][i % 3]!),
      // Graded: eigenvalues 1 .. 1e-12.
      withSpectrum((i) => 10 ** (-12 * (i / (n - 1)))),
    ];
    // Glued Wilkinson W21+ blocks (pairs of nearly equal eigenvalues) as a tridiagonal matrix.
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      w[i * n + i] = Math.abs((i % 21) - 10);
      if (i + 1 < n) w[i * n + i + 1] = w[(i + 1) * n + i] = (i + 1) % 21 === 0 ? 1e-14 : 1;
    }
    cases.push(m64(n, n, w));
    for (const s of cases) {
      const norm = fro(s.data);
      const def = eigh(s);
      disableWasm();
      let js: ReturnType<typeof eigh>;
      try {
        js = eigh(s);
      } finally {
        await enableWasm();
      }
      for (const r of [def, js]) {
        const av = matmul(s, r.vectors);
        const vl = m64(n, n, r.vectors.data.map((v, i) => v * r.values[i % n]!));
        expect(froDiff(av.data, vl.data)).toBeLessThanOrEqual(growth(n) * norm * Math.sqrt(n));
        expect(orthError(r.vectors)).toBeLessThanOrEqual(growth(n));
      }
      expect(maxAbsDiff(def.values, js.values)).toBeLessThanOrEqual(growth(n) * norm);
    }
  });
});

describe('hypot2 (the rotations\' allocation-free hypot)', () => {
  it('equals Math.hypot to 2 ulps over 1e-300 .. 1e300 and keeps its edge cases', () => {
    let s = 7;
    const next = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    for (let t = 0; t < 20000; t++) {
      const a = (next() - 0.5) * 10 ** Math.round(600 * next() - 300);
      const b = (next() - 0.5) * 10 ** Math.round(600 * next() - 300);
      const want = Math.hypot(a, b);
      expect(Math.abs(hypot2(a, b) - want)).toBeLessThanOrEqual(2 * EPS * want);
    }
    expect(hypot2(0, 0)).toBe(0);
    expect(hypot2(-3, 4)).toBe(5);
    expect(hypot2(5e-324, 0)).toBe(5e-324);
    expect(hypot2(Number.POSITIVE_INFINITY, Number.NaN)).toBe(Number.POSITIVE_INFINITY);
    expect(hypot2(Number.NaN, Number.NEGATIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(hypot2(Number.NaN, 1)).toBeNaN();
    expect(hypot2(0, Number.NaN)).toBeNaN();
  });
});
