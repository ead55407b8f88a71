import { describe, expect, it } from 'vitest';
import { DomainError, ShapeError } from '@x/gpu';
import { denseSsmKernel, hippoLegS, hippoNormalEig, ptdInit, ptdOptimize, ptdOutput, S4DClassifier, S4DLayer, s4dInit, s4dPtdInit, transferDense, transferDiag } from '../src';
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

describe('S4-PTD as an S4D initialization (s4dPtdInit, S4DLayer modes)', () => {
  it('s4dPtdInit at state size N: all N/2 eigenvalues of the perturbed HiPPO-LegS of size N/2, B = Ṽ⁻¹B, its Ṽ, and bScale', () => {
    const N = 16;
    const ref = ptdInit(N / 2, { eps: 0.1, seed: 0 });
    const r = s4dPtdInit(N);
    expect(Array.from(r.A.re)).toEqual(Array.from(ref.Lambda.re));
    expect(Array.from(r.A.im)).toEqual(Array.from(ref.Lambda.im));
    expect(Array.from(r.B.re)).toEqual(Array.from(ref.B.re));
    expect(Array.from(r.V!.re)).toEqual(Array.from(ref.V.re.data));
    for (const v of r.A.re) expect(v).toBeLessThan(0);
    const half = s4dPtdInit(N, { bScale: 0.5, eps: 0.05, seed: 3 });
    const ref2 = ptdInit(N / 2, { eps: 0.05, seed: 3 });
    expect(Array.from(half.B.im)).toEqual(Array.from(ref2.B.im, (v) => 0.5 * v));
    expect(s4dInit(N, { kind: 'legs' }).V).toBeUndefined();
  });
  it('rejects a bad N, option, eps, seed or E, and an eps that pushes an eigenvalue into Re >= 0, with a typed error naming s4dPtdInit', () => {
    for (const eps of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => s4dPtdInit(8, { eps })).toThrow(/s4dPtdInit: eps must be a finite number >= 0/);
    expect(() => s4dPtdInit(8, { seed: -1 })).toThrow(/s4dPtdInit: seed/);
    expect(() => s4dPtdInit(8, { bScale: Number.NaN })).toThrow(/s4dPtdInit: bScale/);
    expect(() => s4dPtdInit(8, { kind: 'ptd' } as never)).toThrow(/s4dPtdInit: .*kind/);
    expect(() => s4dPtdInit(7)).toThrow(/s4dPtdInit: N must be even/);
    expect(() => s4dPtdInit(8, { E: { rows: 3, cols: 3, data: new Float64Array(9) } })).toThrow(ShapeError);
    expect(() => s4dPtdInit(16, { eps: 10 })).toThrow(/s4dPtdInit: \|\|E\|\|_2 = 10.* gives an eigenvalue with Re .* >= 0/);
    expect(() => s4dPtdInit(8, { E: { rows: 4, cols: 4, data: new Float64Array(16) }, seed: 1 })).toThrow(/s4dPtdInit: seed draws a random E; give seed or E, not both/);
  });
  it("s4dInit has no 'ptd' kind (it bundles no general eigensolver): asking for it is a DomainError that names s4dPtdInit", () => {
    expect(() => s4dInit(8, { kind: 'ptd' } as never)).toThrow(DomainError);
    expect(() => s4dInit(8, { kind: 'ptd', eps: 0.1 } as never)).toThrow(/s4dInit: kind 'ptd' .*s4dPtdInit\(8/);
    expect(() => s4dInit(8, { kind: 'lin', eps: 0.1 } as never)).toThrow(/s4dInit: .*eps/);
  });
  it('the S4-PTD layer kernel equals the dense ZOH kernel of the perturbed HiPPO-LegS system with C = 2 Re(C̃ Ṽ⁻¹) (C̃ = C Ṽ)', () => {
    const n = 6;
    const layer = new S4DLayer({ channels: 3, stateSize: 2 * n, modes: s4dPtdInit(2 * n), seed: 5, dtMin: 0.01, dtMax: 0.5 });
    const ref = ptdInit(n, { eps: 0.1, seed: 0 });
    const { A, B } = hippoLegS(n);
    const Ap = { rows: n, cols: n, data: Float64Array.from(A.data, (v, i) => v + ref.E.data[i]!) };
    const L = 40;
    const K = layer.kernels(L);
    let worst = 0;
    for (let h = 0; h < 3; h++) {
      const p = layer.channelParams(h);
      // c = C̃ Ṽ⁻¹ (row vector), then the kernel of the real system is 2 Re(c) dA^l dB
      const c = new Float64Array(n);
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) c[j] = c[j]! + p.C.re[k]! * ref.Vinv.re.data[k * n + j]! - p.C.im[k]! * ref.Vinv.im.data[k * n + j]!;
      const dense = denseSsmKernel({ A: Ap, B, C: Array.from(c, (v) => 2 * v), dt: p.dt }, L);
      let scale = 0;
      for (const v of dense) scale = Math.max(scale, Math.abs(v));
      for (let l = 0; l < L; l++) worst = Math.max(worst, Math.abs(K[h]![l]! - dense[l]!) / scale);
    }
    // measured 1.7e-14; the bound leaves room for kappa(Ṽ) amplifying rounding on other platforms
    expect(worst).toBeLessThan(1e-9);
  });
});

describe('S4-PTD with a given perturbation, and precomputed modes in the layer', () => {
  it('s4dPtdInit E is used as given; S4DLayer / S4DClassifier take the modes; misuse is a typed error naming the function called', async () => {
    const { E } = await ptdOptimize(4, { steps: 20, seed: 1 });
    const ref = ptdInit(4, { E });
    const modes = s4dPtdInit(8, { E });
    expect(Array.from(modes.A.re)).toEqual(Array.from(ref.Lambda.re));
    const layer = new S4DLayer({ channels: 2, stateSize: 8, modes, seed: 1 });
    expect(Array.from(layer.channelParams(1).A.im)).toEqual(Array.from(ref.Lambda.im));
    const clf = new S4DClassifier({ classes: 3, dModel: 2, depth: 1, stateSize: 8, modes });
    expect(Array.from(clf.blocks()[0]!.channelParams(0).B.re)).toEqual(Array.from(ref.B.re));
    // without V, C is used as drawn (as for every other init)
    const noV = new S4DLayer({ channels: 2, stateSize: 8, modes: { A: modes.A, B: modes.B }, seed: 1 });
    const legs = new S4DLayer({ channels: 2, stateSize: 8, init: 'legs', seed: 1 });
    expect(Array.from(noV.channelParams(1).C.re)).toEqual(Array.from(legs.channelParams(1).C.re));
    expect(() => new S4DLayer({ channels: 2, stateSize: 8, init: 'ptd' as never })).toThrow(/S4DLayer: init 'ptd' needs an eigensolver; pass modes/);
    expect(() => new S4DLayer({ channels: 2, stateSize: 8, init: 'lin', modes })).toThrow(/S4DLayer: give init or modes/);
    expect(() => new S4DLayer({ channels: 2, stateSize: 6, modes })).toThrow(ShapeError);
    expect(() => new S4DLayer({ channels: 2, stateSize: 8, modes: 3 as never })).toThrow(/S4DLayer: modes must be/);
    const unstable = { A: { re: Float64Array.from([-1, 0.5, -1, -1]), im: new Float64Array(4) }, B: modes.B };
    expect(() => new S4DLayer({ channels: 1, stateSize: 8, modes: unstable })).toThrow(/S4DLayer: modes.A must have Re < 0/);
    expect(() => s4dPtdInit(6, { E })).toThrow(/s4dPtdInit: E/);
    const big = { rows: 4, cols: 4, data: Float64Array.from(E.data, (v) => 1e3 * v) };
    expect(() => s4dPtdInit(8, { E: big })).toThrow(/^s4dPtdInit: \|\|E\|\|_2 = /);
  });
});
