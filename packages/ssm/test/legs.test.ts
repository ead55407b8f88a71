import { describe, expect, it } from 'vitest';
import { denseSsmKernel, hippoLegS, hippoNormalEig, s4dInit } from '../src';
import { loadFixture, relMax } from '@x/test-utils';
import type { Untyped } from './helpers';

const F = loadFixture<Untyped>(import.meta.url, 's4d-kernels.json');

describe('stable diagonalization of the HiPPO-LegS normal part', () => {
  it('eigenvalues -1/2 + i w match numpy eigh(-iS), sorted by imaginary part', () => {
    const { lambda } = hippoNormalEig(16);
    expect(relMax(lambda.re, F.legsNormal16.lambda.re)).toBeLessThan(1e-13);
    expect(relMax(lambda.im, F.legsNormal16.lambda.im)).toBeLessThan(1e-13);
  });
  it('V is unitary and reconstructs -1/2 I + S', () => {
    const N = 16;
    const { lambda, V } = hippoNormalEig(N);
    let worstU = 0;
    let worstR = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        // (V* V)_ij and (V diag(lambda) V*)_ij
        let ur = 0;
        let ui = 0;
        let rr = 0;
        for (let k = 0; k < N; k++) {
          const ar = V.re.data[k * N + i]!;
          const ai = -V.im.data[k * N + i]!;
          const br = V.re.data[k * N + j]!;
          const bi = V.im.data[k * N + j]!;
          ur += ar * br - ai * bi;
          ui += ar * bi + ai * br;
          const vr = V.re.data[i * N + k]!;
          const vi = V.im.data[i * N + k]!;
          const lr = lambda.re[k]!;
          const li = lambda.im[k]!;
          const xr = vr * lr - vi * li;
          const xi = vr * li + vi * lr;
          const wr = V.re.data[j * N + k]!;
          const wi = -V.im.data[j * N + k]!;
          rr += xr * wr - xi * wi;
        }
        worstU = Math.max(worstU, Math.abs(ur - (i === j ? 1 : 0)), Math.abs(ui));
        const S = F.legsNormal16.S[i * N + j] as number;
        worstR = Math.max(worstR, Math.abs(rr - (S + (i === j ? -0.5 : 0))));
      }
    }
    expect(worstU).toBeLessThan(1e-13);
    expect(worstR).toBeLessThan(1e-12);
  });
  it("s4dInit 'legs': half the pairs (negative imaginary part) and |V* B| as numpy", () => {
    const { A, B } = s4dInit(16, { kind: 'legs' });
    for (let n = 0; n < 8; n++) {
      expect(A.im[n]!).toBeLessThan(0);
      expect(A.re[n]).toBeCloseTo(-0.5, 13);
      expect(Math.hypot(B.re[n]!, B.im[n]!)).toBeCloseTo(F.legsNormal16.absVB[n], 11);
    }
    const half = s4dInit(16, { kind: 'legs', bScale: 0.5, bClip: 0.1 });
    for (let n = 0; n < 8; n++) {
      expect(half.B.re[n]).toBeCloseTo(B.re[n]! / 2, 13);
      expect(Math.abs(half.B.im[n]!)).toBeLessThanOrEqual(0.1);
    }
    const dss = s4dInit(16, { kind: 'dss' });
    expect(Array.from(dss.A.im)).toEqual(Array.from(A.im));
    expect(dss.B.re[3]).toBe(1);
  });
  it('dense HiPPO-LegS bilinear kernel matches numpy', () => {
    const d = F.denseLegs16;
    const { A, B } = hippoLegS(16);
    const K = denseSsmKernel({ A, B, C: d.C, dt: d.dt }, d.L, { disc: 'bilinear' });
    expect(relMax(K, d.bilinear)).toBeLessThan(1e-11);
  });
});
