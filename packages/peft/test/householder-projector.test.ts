import { describe, expect, it } from 'vitest';
import { eye, matmul, randn } from '@x/gpu';
import { eigh, svd } from '@x/linalg';
import { householderProduct, householderProjector, householderProjectorInit, householderVectorsOf, semanticDirections } from '../src';
import { relFro } from '@x/test-utils';

describe('Householder projector', () => {
  it('Q(V) is orthogonal and equals the sequential product of reflectors', () => {
    const V = randn(8, 5, 1);
    const Q = householderProduct(V);
    expect(relFro(matmul(Q, Q, { transA: true }), eye(8))).toBeLessThan(1e-14);
    let seq = eye(8);
    for (let j = 0; j < 5; j++) {
      const v = Array.from({ length: 8 }, (_, i) => V.data[i * 5 + j]!);
      const nn = v.reduce((s, x) => s + x * x, 0);
      const H = eye(8);
      for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) H.data[a * 8 + b]! -= (2 * v[a]! * v[b]!) / nn;
      seq = matmul(seq, H);
    }
    expect(relFro(Q, seq)).toBeLessThan(1e-14);
  });

  it('Householder vectors of an orthogonal matrix rebuild it up to column signs', () => {
    const { U } = svd(randn(6, 6, 2));
    const { V, signs } = householderVectorsOf(U);
    const Q = householderProduct(V);
    const Qs = { rows: 6, cols: 6, data: Q.data.map((v, i) => v * signs[i % 6]!) };
    expect(relFro(Qs, U)).toBeLessThan(1e-13);
    expect(() => householderVectorsOf(randn(4, 4, 3))).toThrow(/not orthogonal/);
  });

  it('PᵀP has eigenvalues {0 x (d-k), 1 x k}; semantic directions span W’s top-k right singular vectors', () => {
    const W = randn(7, 7, 4);
    const init = householderProjectorInit(W);
    const k = 3;
    const P = householderProjector(init.U, init.V, k);
    const ev = eigh(matmul(P, P, { transA: true })).values;
    for (let i = 0; i < 7; i++) expect(ev[i]).toBeCloseTo(i < 7 - k ? 0 : 1, 12);
    const dirs = semanticDirections(init.V, k);
    expect(relFro(matmul(dirs, dirs, { transB: true }), eye(k))).toBeLessThan(1e-13);
    // Projector onto span(dirs) equals the projector onto W's top-k right singular vectors.
    const Vk = svd(W, { k }).V;
    expect(relFro(matmul(dirs, dirs, { transA: true }), matmul(Vk, Vk, { transB: true }))).toBeLessThan(1e-12);
  });
});
