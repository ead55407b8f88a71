import { disableWasm, enableWasm, gram, matmul, randn } from '@x/gpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eig, eigh, qr, svd } from '../src/dense';
import { EPS, fro, froDiff, orthError, usvt } from './dense-helpers';

// The dense routines do their level-3 work through @x/gpu's gemmAccumulate, which routes to
// the wasm SIMD kernels after enableWasm(): same results to rounding, checked here on sizes
// that take the blocked paths (strided operands, C sub-views with a leading dimension,
// upper-triangle-only updates).
const growth = (m: number, n: number) => 4 * Math.max(m, n, 8) * EPS;

describe('dense decompositions with the wasm GEMM backend', () => {
  let ok = false;
  beforeAll(async () => {
    try {
      await enableWasm();
      ok = true;
    } catch {
      ok = false;
    }
  });
  afterAll(() => disableWasm());
  it('qr, eigh, svd, eig stay backward stable', () => {
    if (!ok) return;
    const a = randn(150, 120, 7);
    const { Q, R } = qr(a);
    expect(orthError(Q)).toBeLessThanOrEqual(growth(150, 120));
    expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(growth(150, 120) * fro(a.data));
    const s = gram(randn(130, 130, 8));
    const e = eigh(s);
    expect(orthError(e.vectors)).toBeLessThanOrEqual(growth(130, 130));
    const vl = { rows: 130, cols: 130, data: e.vectors.data.map((x, i) => x * e.values[i % 130]!) };
    expect(froDiff(matmul(vl, e.vectors, { transB: true }).data, s.data)).toBeLessThanOrEqual(growth(130, 130) * fro(s.data));
    const r = svd(a);
    expect(froDiff(usvt(r.U, r.S, r.V).data, a.data)).toBeLessThanOrEqual(growth(150, 120) * fro(a.data));
    expect(orthError(r.U)).toBeLessThanOrEqual(growth(150, 120));
    const g = randn(40, 40, 9);
    const ev = eig(g);
    expect(ev.values.re.length).toBe(40);
  });
});
