import { disableWasm, enableWasm, gram, matmul, randn, wasmThreads } from '@x/gpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eig, eigh, qr, svd } from '../src/dense';
import { bidiagonalize } from '../src/svd-bidiag';
import { tridiagQl } from '../src/tridiagonal';
import { tridiagonalizeBlocked } from '../src/tridiagonal-blocked';
import { EPS, fro, froDiff, orthError, usvt } from './helpers';

// The dense routines do their level-3 work through @x/gpu's gemmAccumulate, which routes to
// the wasm SIMD kernels after enableWasm(): same results to rounding, checked here on sizes
// that take the blocked paths (strided operands, C sub-views with a leading dimension,
// upper-triangle-only updates).
const growth = (m: number, n: number) => 4 * Math.max(m, n, 8) * EPS;

describe('dense decompositions with the wasm GEMM backend', () => {
  // Node >= 16 has WebAssembly SIMD: a failure to load is a failure here, not a skip.
  beforeAll(async () => {
    await enableWasm();
  });
  afterAll(() => disableWasm());
  it('qr, eigh, svd, eig stay backward stable', () => {
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

  it('the panel phases (matrix-vector products in linear memory) match the js route', async () => {
    // Sizes past the blocked thresholds, with partial last panels. The reductions are backward
    // stable, not forward stable (later reflectors may move by cond * eps), so the check is on
    // what they must preserve: the spectrum of T and the singular values of B, which move by
    // no more than the backward error (Weyl), and the first reflectors, which agree closely.
    const s = gram(randn(150, 150, 21));
    const a = randn(170, 140, 22);
    const run = () => ({ t: tridiagonalizeBlocked(Float64Array.from(s.data), 150), b: bidiagonalize(Float64Array.from(a.data), 170, 140) });
    const w = run();
    disableWasm();
    const j = run();
    await enableWasm();
    const spectrumT = (t: { d: Float64Array; e: Float64Array }) => {
      const d = t.d.slice();
      tridiagQl(d, t.e.slice(), null, d.length, 'test');
      return d.sort();
    };
    const spectrumB = (b: { d: Float64Array; e: Float64Array }) => {
      const n = b.d.length;
      const e = new Float64Array(2 * n - 1);
      for (let i = 0; i < n; i++) {
        e[2 * i] = b.d[i]!;
        if (i < n - 1) e[2 * i + 1] = b.e[i]!;
      }
      const d = new Float64Array(2 * n);
      tridiagQl(d, e, null, 2 * n, 'test');
      return d.sort();
    };
    const worst = (x: Float64Array, y: Float64Array, len = x.length) => {
      let w = 0;
      for (let i = 0; i < len; i++) w = Math.max(w, Math.abs(x[i]! - y[i]!));
      return w;
    };
    const ns = fro(s.data);
    const na = fro(a.data);
    expect(worst(spectrumT(w.t), spectrumT(j.t))).toBeLessThanOrEqual(growth(150, 150) * ns);
    expect(worst(spectrumB(w.b), spectrumB(j.b))).toBeLessThanOrEqual(growth(170, 140) * na);
    // The first column's data depend on A alone: forward agreement there.
    expect(Math.abs(w.t.d[0]! - j.t.d[0]!)).toBeLessThanOrEqual(EPS * ns);
    expect(Math.abs(w.t.e[0]! - j.t.e[0]!)).toBeLessThanOrEqual(4 * EPS * ns);
    expect(Math.abs(w.b.d[0]! - j.b.d[0]!)).toBeLessThanOrEqual(4 * EPS * na);
    expect(Math.abs(w.b.e[0]! - j.b.e[0]!)).toBeLessThanOrEqual(8 * EPS * na);
  });

  it('with a worker pool (2 threads) qr, eigh and svd are bit-identical to one thread', async () => {
    // Each element of a sliced GEMM keeps its accumulation order, so nothing may change.
    const a = randn(300, 260, 31);
    const s = gram(randn(280, 280, 32));
    const run = () => ({ q: qr(a), e: eigh(s), v: svd(a) });
    const one = run();
    await enableWasm({ threads: 2 });
    try {
      expect(wasmThreads().threads).toBe(2);
      const two = run();
      expect(Array.from(two.q.R.data)).toEqual(Array.from(one.q.R.data));
      expect(Array.from(two.q.Q.data)).toEqual(Array.from(one.q.Q.data));
      expect(Array.from(two.e.values)).toEqual(Array.from(one.e.values));
      expect(Array.from(two.e.vectors.data)).toEqual(Array.from(one.e.vectors.data));
      expect(Array.from(two.v.S)).toEqual(Array.from(one.v.S));
      expect(Array.from(two.v.U.data)).toEqual(Array.from(one.v.U.data));
    } finally {
      await enableWasm();
    }
  });
});
