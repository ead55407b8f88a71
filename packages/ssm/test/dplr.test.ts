import { describe, expect, it } from 'vitest';
import { denseDiscretize, denseSsmKernel, dplrKernel, hippoDplr, hippoLegS } from '../src';
import { loadFixture, relMax } from '@x/test-utils';
import type { Untyped } from './helpers';

const F = loadFixture<Untyped>(import.meta.url, 's4d-kernels.json');

/** Ct = (C (I - Ā^L)) V for the dense bilinear system. */
function truncatedC(N: number, C: ArrayLike<number>, dt: number, L: number, V: { re: { data: Float64Array }; im: { data: Float64Array } }) {
  const { A } = hippoLegS(N);
  const { dA } = denseDiscretize(A, new Float64Array(N), dt, 'bilinear');
  // row vector c Ā^L by L products with Āᵀ
  let c = Float64Array.from(C);
  for (let l = 0; l < L; l++) {
    const n = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += c[i]! * dA.data[i * N + j]!;
      n[j] = s;
    }
    c = n;
  }
  const ct = Float64Array.from(C, (v, i) => v - c[i]!);
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < N; i++) {
      re[j] = re[j]! + ct[i]! * V.re.data[i * N + j]!;
      im[j] = im[j]! + ct[i]! * V.im.data[i * N + j]!;
    }
  }
  return { re, im };
}

describe('S4 DPLR kernel (Algorithm 1: Cauchy + Woodbury at roots of unity)', () => {
  it('HiPPO-LegS N = 16: equals the dense bilinear kernel and the numpy fixture', () => {
    const d = F.denseLegs16;
    const N = 16;
    const h = hippoDplr(N);
    const Ct = truncatedC(N, d.C, d.dt, d.L, h.V);
    const K = dplrKernel({ Lambda: h.Lambda, P: h.P, Q: h.P, B: h.B, Ct, dt: d.dt }, d.L);
    expect(relMax(K, d.bilinear)).toBeLessThan(1e-10);
  });
  it('odd L and larger steps (z = -1 never sampled / sampled for even L)', () => {
    const N = 8;
    const h = hippoDplr(N);
    const C = Float64Array.from({ length: N }, (_, i) => Math.cos(i + 0.5));
    for (const [L, dt] of [
      [37, 0.2],
      [64, 0.5],
    ] as const) {
      const Ct = truncatedC(N, C, dt, L, h.V);
      const K = dplrKernel({ Lambda: h.Lambda, P: h.P, Q: h.P, B: h.B, Ct, dt }, L);
      const Kd = denseSsmKernel({ ...hippoLegS(N), C, dt }, L, { disc: 'bilinear' });
      expect(relMax(K, Kd)).toBeLessThan(1e-10);
    }
  });
});
