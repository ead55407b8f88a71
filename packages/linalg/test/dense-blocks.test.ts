// Blocked QR and eigh at their panel boundaries (32-column panels: sizes nb - 1, nb, nb + 1,
// 2nb + 1, tall and wide), against numpy (tooling/fixtures/linalg_blocks.py) and identities,
// on the default route and on the js route (`backend: 'js'` workspaces are plain arrays).
import { disableWasm, enableWasm, type Matrix, matmul } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { eigh, qr } from '../src/dense';
import { EPS, fro, froDiff, m64, orthError } from './helpers';
import { loadFixture, maxAbsDiff } from '@x/test-utils';

const fx = loadFixture<{
  qr: { m: number; n: number; rdiag: number[] }[];
  eigh: { n: number; values: number[]; norm: number }[];
}>(import.meta.url, 'dense-blocks.json');

/** The inputs of linalg_blocks.py: MINSTD x <- 48271 x mod (2^31 - 1) (exact in doubles), x / (2^31 - 1) - 0.5 row by row. */
function formula(m: number, n: number, seed = 1): Matrix<Float64Array> {
  const d = new Float64Array(m * n);
  let x = seed;
  for (let k = 0; k < m * n; k++) {
    x = (48271 * x) % 2147483647;
    d[k] = x / 2147483647 - 0.5;
  }
  return m64(m, n, d);
}

const growth = (m: number, n: number) => 8 * Math.max(m, n, 8) * EPS;

describe('blocked qr at panel boundaries', () => {
  for (const c of fx.qr) {
    it(`${c.m} x ${c.n}: Q R = A, QᵀQ = I, R upper with numpy's diagonal`, () => {
      const a = formula(c.m, c.n);
      const k = Math.min(c.m, c.n);
      const tol = growth(c.m, c.n);
      for (const mode of ['reduced', 'complete'] as const) {
        const { Q, R } = qr(a, { mode });
        expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(tol * fro(a.data));
        expect(orthError(Q)).toBeLessThanOrEqual(tol);
        for (let i = 0; i < R.rows; i++) for (let j = 0; j < Math.min(i, c.n); j++) expect(R.data[i * c.n + j]).toBe(0);
        const diag = Array.from({ length: k }, (_, i) => R.data[i * c.n + i]!);
        expect(maxAbsDiff(diag, c.rdiag)).toBeLessThanOrEqual(tol * fro(a.data));
      }
    });
  }
  it('rank-deficient 65 x 65 (rank 5) and a zero panel: Q stays orthonormal', () => {
    const l = formula(65, 5);
    const r = formula(5, 65, 2);
    const a = matmul(l, r) as Matrix<Float64Array>;
    // Columns 32..63 zero: a whole panel of zero columns (tau = 0 reflectors).
    for (let i = 0; i < 65; i++) for (let j = 32; j < 64; j++) a.data[i * 65 + j] = 0;
    const { Q, R } = qr(a);
    expect(orthError(Q)).toBeLessThanOrEqual(growth(65, 65));
    expect(froDiff(matmul(Q, R).data, a.data)).toBeLessThanOrEqual(growth(65, 65) * fro(a.data));
  });
});

describe('blocked eigh at panel boundaries', () => {
  for (const c of fx.eigh) {
    it(`n = ${c.n}: numpy's eigenvalues, A V = V Λ, VᵀV = I`, () => {
      const f = formula(c.n, c.n);
      const n = c.n;
      const s = m64(n, n, f.data.map((_, idx) => f.data[idx]! + f.data[(idx % n) * n + Math.floor(idx / n)]!));
      const { values, vectors } = eigh(s);
      const tol = growth(n, n) * c.norm;
      expect(maxAbsDiff(values, c.values)).toBeLessThanOrEqual(tol);
      const av = matmul(s, vectors);
      const vl = m64(n, n, vectors.data.map((x, i) => x * values[i % n]!));
      expect(froDiff(av.data, vl.data)).toBeLessThanOrEqual(tol * Math.sqrt(n));
      expect(orthError(vectors)).toBeLessThanOrEqual(growth(n, n));
      expect(maxAbsDiff(eigh(s, { vectors: false }).values, c.values)).toBeLessThanOrEqual(tol);
    });
  }
});

describe('blocked qr and eigh: js route against the default route', () => {
  it('qr 130 x 97 and eigh 67 agree to rounding with the wasm kernels switched off', async () => {
    const a = formula(130, 97);
    const f = formula(67, 67, 3);
    const s = m64(67, 67, f.data.map((_, idx) => f.data[idx]! + f.data[(idx % 67) * 67 + Math.floor(idx / 67)]!));
    const run = () => ({ q: qr(a), e: eigh(s) });
    const w = run();
    disableWasm();
    let j: ReturnType<typeof run>;
    try {
      j = run();
    } finally {
      await enableWasm();
    }
    // Well conditioned, so R and Q agree to a small multiple of the backward error (the two
    // GEMMs even share their accumulation order today); eigenvalues by Weyl.
    expect(maxAbsDiff(w.q.R.data, j.q.R.data)).toBeLessThanOrEqual(growth(130, 97) * fro(a.data));
    expect(maxAbsDiff(w.q.Q.data, j.q.Q.data)).toBeLessThanOrEqual(10 * growth(130, 97));
    expect(maxAbsDiff(w.e.values, j.e.values)).toBeLessThanOrEqual(growth(67, 67) * fro(s.data));
    expect(orthError(j.e.vectors)).toBeLessThanOrEqual(growth(67, 67));
  });
});
