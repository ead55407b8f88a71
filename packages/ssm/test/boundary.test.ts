import { DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { DeltaProductLayer, ptdInit, ptdOutput, S4DLayer, s3Compose, s4dInit, s4dKernelBank, s5Apply, s5Init, transferDiag } from '../src';
import { delayTaskBatch, smoothDelayBatch, trainS4DDelay } from '../src/experiments-entry';

// The public boundary (issue 16): bad arguments end in a typed error naming the function.
describe('ssm boundary checks', () => {
  const bank = (H: number, n2: number) => {
    const init = s4dInit(2 * n2, { kind: 'lin' });
    const rep = (x: Float64Array) => Float64Array.from({ length: H * n2 }, (_, i) => x[i % n2]!);
    return { A: { re: rep(init.A.re), im: rep(init.A.im) }, B: { re: rep(init.B.re), im: rep(init.B.im) }, C: { re: new Float64Array(H * n2).fill(1), im: new Float64Array(H * n2) }, dt: new Float64Array(H).fill(0.1) };
  };

  it('s4dKernelBank: a dt shorter than the channel count is a ShapeError with channels given', () => {
    const p = bank(6, 1);
    expect(s4dKernelBank(p, 8, { channels: 6 }).rows).toBe(6);
    // Three entries of dt for six single-mode channels used to read as 3 channels of 2 modes.
    const short = { ...p, dt: p.dt.slice(0, 3) };
    expect(s4dKernelBank(short, 8).rows).toBe(3);
    expect(() => s4dKernelBank(short, 8, { channels: 6 })).toThrow(/s4dKernelBank: dt has 3 entries for 6 channels/);
    expect(() => s4dKernelBank(p, 8, { fuzz: 1 } as object)).toThrow(/unknown option "fuzz"/);
  });

  it('experiment helpers check sizes, delays and generators before allocating', () => {
    expect(() => delayTaskBatch(2 ** 31, 8, 2, rng(1))).toThrow(/delayTaskBatch: B/);
    expect(() => delayTaskBatch(2, 8, 1.5, rng(1))).toThrow(/delayTaskBatch: delay/);
    expect(() => delayTaskBatch(2, 8, 2, { normal: () => 0 } as never)).toThrow(/delayTaskBatch: r/);
    expect(() => smoothDelayBatch(2, 8, 2, rng(1), { maxFreq: 2 ** 53 + 2 })).toThrow(/smoothDelayBatch: maxFreq/);
    return expect(trainS4DDelay('fast' as never)).rejects.toThrow(DomainError);
  });

  it('layers check their options', () => {
    expect(() => new S4DLayer({ channels: 2, dtMax: Number.POSITIVE_INFINITY })).toThrow(/S4DLayer: dtMax/);
    expect(() => new S4DLayer(null as never)).toThrow(DomainError);
    expect(() => new DeltaProductLayer({ dModel: 4, gate: 'yes' as unknown as boolean })).toThrow(/DeltaProductLayer: gate/);
  });

  it('structured parameters are validated where they enter', () => {
    const p = s5Init(4, 2, { seed: 1 });
    const u = { rows: 3, cols: 2, data: new Float64Array(6).fill(0.1) };
    expect(s5Apply(p, u).data.every(Number.isFinite)).toBe(true);
    expect(() => s5Apply({ ...p, D: p.D.slice(0, 1) }, u)).toThrow(/s5Apply: p.D has length 1, expected 2/);
    expect(() => s5Apply({ ...p, logDt: p.logDt.slice(0, 1) }, u)).toThrow(ShapeError);
    expect(() => s5Apply(p, u, { scan: 'fast' as 'parallel' })).toThrow(/s5Apply: scan/);
    const t = ptdInit(4, { seed: 1 });
    expect(() => ptdOutput({ ...t, Vinv: null as never }, [1, 2, 3, 4])).toThrow(ShapeError);
    expect(() => ptdOutput({ ...t, kappa: Number.NaN }, [1, 2, 3, 4])).toThrow(/ptdOutput: p.kappa/);
    expect(() => s3Compose(7, 0)).toThrow(/s3Compose: a/);
    const m = { re: Float64Array.of(-1), im: Float64Array.of(0) };
    expect(() => transferDiag({ A: m, B: m, C: m }, m, { conjPairs: 1 as unknown as boolean })).toThrow(/transferDiag: conjPairs/);
  });
});
