import { describe, expect, it } from 'vitest';
import { hippoLegS, hippoNormalEig, ptdInit, ptdOutput, transferDense, transferDiag } from '../src';
import { cx, type Untyped } from './helpers';
import { loadFixture } from '@x/test-utils';

const F = loadFixture<Untyped>(import.meta.url, 'ptd-transfer.json');
const s = { re: new Float64Array(F.w.length), im: Float64Array.from(F.w as number[]) };

function maxAbsDiff(a: { re: Float64Array; im: Float64Array }, b: { re: number[]; im: number[] }): number {
  let d = 0;
  for (let i = 0; i < b.re.length; i++) d = Math.max(d, Math.hypot(a.re[i]! - b.re[i]!, a.im[i]! - b.im[i]!));
  return d;
}
function maxAbs(b: { re: number[]; im: number[] }): number {
  let d = 0;
  for (let i = 0; i < b.re.length; i++) d = Math.max(d, Math.hypot(b.re[i]!, b.im[i]!));
  return d;
}

describe('transfer functions', () => {
  it('dense HiPPO-LegS G(iw) matches numpy solves', () => {
    const { A, B } = hippoLegS(16);
    const G = transferDense(A, B, F.C, s);
    expect(maxAbsDiff(G, F.Gdense) / maxAbs(F.Gdense)).toBeLessThan(1e-11);
  });
  it('S4D-LegS (N/2 stored conjugate pairs, B/2) equals the dense normal-part system', () => {
    const N = 16;
    const { lambda, V, B } = hippoNormalEig(N);
    const h = N / 2;
    const mk = () => ({ re: new Float64Array(h), im: new Float64Array(h) });
    const Ad = mk();
    const Bd = mk();
    const Cd = mk();
    for (let j = 0; j < h; j++) {
      Ad.re[j] = lambda.re[j]!;
      Ad.im[j] = lambda.im[j]!;
      for (let i = 0; i < N; i++) {
        Bd.re[j] = Bd.re[j]! + 0.5 * V.re.data[i * N + j]! * B[i]!;
        Bd.im[j] = Bd.im[j]! - 0.5 * V.im.data[i * N + j]! * B[i]!;
        Cd.re[j] = Cd.re[j]! + F.C[i] * V.re.data[i * N + j]!;
        Cd.im[j] = Cd.im[j]! + F.C[i] * V.im.data[i * N + j]!;
      }
    }
    const G = transferDiag({ A: Ad, B: Bd, C: Cd }, s, { conjPairs: true });
    expect(maxAbsDiff(G, F.Gnormal) / maxAbs(F.Gnormal)).toBeLessThan(1e-11);
  });
});

describe('PTD', () => {
  const E = { rows: 16, cols: 16, data: Float64Array.from(F.E as number[]) };
  it('eigenvalues of A + E match numpy; the diagonal system reproduces G of A + E', () => {
    const p = ptdInit(16, { E });
    expect(p.normE).toBeCloseTo(0.1, 10);
    const got = Array.from({ length: 16 }, (_, i) => [p.Lambda.re[i]!, p.Lambda.im[i]!] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const want = cx(F.eigSorted);
    for (let i = 0; i < 16; i++) {
      expect(Math.abs(got[i]![0] - want.re[i]!)).toBeLessThan(1e-8 * 16);
      expect(Math.abs(got[i]![1] - want.im[i]!)).toBeLessThan(1e-8 * 16);
    }
    const G = transferDiag({ A: p.Lambda, B: p.B, C: ptdOutput(p, F.C) }, s);
    // accuracy ~ kappa(V) eps: kappa ~ 1e3 here
    expect(maxAbsDiff(G, F.Gptd) / maxAbs(F.Gptd)).toBeLessThan(1e-9);
    expect(p.kappa / F.kappaV).toBeGreaterThan(0.5);
    expect(p.kappa / F.kappaV).toBeLessThan(2);
  });
  it('PTD is uniformly close to HiPPO where S4D-LegS has spikes (numpy values)', () => {
    expect(F.supPtd).toBeLessThan(F.supS4dLegs / 10);
  });
  it('random E: seeded and scaled to ||E||_2 = eps; eigenvalues stay stable', () => {
    const a = ptdInit(16, { eps: 0.05, seed: 3 });
    const b = ptdInit(16, { eps: 0.05, seed: 3 });
    expect(Array.from(a.E.data)).toEqual(Array.from(b.E.data));
    expect(a.normE).toBeCloseTo(0.05, 10);
    for (let i = 0; i < 16; i++) expect(a.Lambda.re[i]!).toBeLessThan(0);
  });
});
