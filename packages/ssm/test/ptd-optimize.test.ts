import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { type PtdOptimizeProgress, eigConditionLoss, hippoLegS, ptdInit, ptdOptimize, spectralNorm } from '../src';


describe('optimized PTD perturbation', () => {
  it('eigenvalue-condition loss: gradient matches central finite differences', () => {
    const N = 6;
    const At = Float64Array.from(hippoLegS(N).A.data);
    let s = 7;
    for (let i = 0; i < N * N; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      At[i] = At[i]! + 0.3 * (s / 2 ** 32 - 0.5);
    }
    const { grad } = eigConditionLoss({ rows: N, cols: N, data: At });
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < N * N; i++) {
      const o = At[i]!;
      const h = 1e-6 * Math.max(1, Math.abs(o));
      At[i] = o + h;
      const lp = eigConditionLoss({ rows: N, cols: N, data: At }).loss;
      At[i] = o - h;
      const lm = eigConditionLoss({ rows: N, cols: N, data: At }).loss;
      At[i] = o;
      const fd = (lp - lm) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - grad[i]!));
      scale = Math.max(scale, Math.abs(fd));
    }
    // measured 2.7e-10; finite differences of an O(1e3) loss at h = 1e-6
    expect(worst / scale).toBeLessThan(1e-6);
  });
  it('fixed-norm optimization: same ||E||_2, lower kappa than a random direction', async () => {
    const N = 16;
    const { E } = await ptdOptimize(N, { norm: 0.1, gamma: 0, lr: 0.003, steps: 150, seed: 0 });
    const opt = ptdInit(N, { E });
    expect(opt.normE).toBeCloseTo(0.1, 8);
    const rnd = ptdInit(N, { eps: 0.1, seed: 1 });
    expect(opt.kappa).toBeLessThan(rnd.kappa / 2);
  });
  it('optimized E: better conditioned than a random E of the same norm, ||E||/||A|| in the paper range', async () => {
    const N = 16;
    const { E, history } = await ptdOptimize(N, { steps: 200, seed: 0 });
    expect(history[history.length - 1]!).toBeLessThan(history[0]! / 10);
    const opt = ptdInit(N, { E });
    const rnd = ptdInit(N, { eps: opt.normE, seed: 1 });
    expect(opt.kappa).toBeLessThan(rnd.kappa / 2);
    const ratio = opt.normE / spectralNorm(hippoLegS(N).A);
    expect(ratio).toBeGreaterThan(0.01);
    expect(ratio).toBeLessThan(0.2);
  });
  it('onProgress: every 20 steps and after the last, with the objective of that step; the result is bit-identical without a listener', async () => {
    const seen: PtdOptimizeProgress[] = [];
    const live = await ptdOptimize(8, { steps: 45, seed: 2, onProgress: (p) => seen.push(p) });
    const quiet = await ptdOptimize(8, { steps: 45, seed: 2 });
    expect(seen.map((p) => p.step)).toEqual([20, 40, 45]);
    expect(seen.map((p) => p.fraction)).toEqual([20 / 45, 40 / 45, 1]);
    for (const p of seen) expect(p.loss).toBe(live.history[p.step - 1]);
    expect(Array.from(live.E.data)).toEqual(Array.from(quiet.E.data));
    expect(live.history).toEqual(quiet.history);
  });
  it('rejects a non-function onProgress and a bad lr with a DomainError naming ptdOptimize; an abort from onProgress stops the loop', async () => {
    await expect(ptdOptimize(4, { onProgress: 3 as never })).rejects.toThrow(DomainError);
    await expect(ptdOptimize(4, { onProgress: 3 as never })).rejects.toThrow(/ptdOptimize: onProgress must be a function/);
    for (const lr of [0, -1, Number.NaN, '0.1' as never]) await expect(ptdOptimize(4, { lr })).rejects.toThrow(/ptdOptimize: lr must be a finite number > 0/);
    const ac = new AbortController();
    let calls = 0;
    const run = ptdOptimize(6, { steps: 100, signal: ac.signal, onProgress: () => {
        calls++;
        ac.abort();
      },
    });
    await expect(run).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(calls).toBe(1);
  });
});
