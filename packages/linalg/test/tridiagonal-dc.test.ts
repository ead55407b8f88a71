import { describe, expect, it } from 'vitest';
import { tridiagQl } from '../src/tridiagonal';
import { tridiagEigDc } from '../src/tridiagonal-dc';
import { maxAbsDiff } from '@x/test-utils';
import { EPS, m64, orthError } from './helpers';

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
