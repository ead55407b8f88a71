import { createDevice, DomainError, type Matrix, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  type AdamJSON,
  type FitCheckpoint,
  type FitProgress,
  fit,
  Linear,
  type LossResult,
  moduleFromJSON,
  mseLoss,
  type NonFiniteLossError,
  SGD,
  type SGDJSON,
  Sequential,
  softmaxCrossEntropyLoss,
  accuracy,
  Tanh,
} from '../src';
import { expectBitwiseEqual } from './helpers';

/** y = sin(3x) on n evenly spaced points of [-1, 1]. */
function sineData(n: number): { x: Matrix; y: Matrix } {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = -1 + (2 * i) / (n - 1);
    y[i] = Math.sin(3 * x[i]!);
  }
  return { x: { rows: n, cols: 1, data: x }, y: { rows: n, cols: 1, data: y } };
}

/** The two-layer MLP 1 -> 32 -> 1 with tanh, seeded. */
function mlp(seed = 0, deviceThreshold?: number): Sequential {
  return new Sequential(
    new Linear(1, 32, { seed, biasInit: { uniform: 1 }, deviceThreshold }),
    new Tanh(),
    new Linear(32, 1, { seed: seed + 1, deviceThreshold }),
  );
}

const flat = (m: Sequential): Float64Array => Float64Array.from(m.parameters().flatMap((p) => Array.from(p.value)));

describe('fit: toy regression', () => {
  it('a two-layer MLP fits y = sin(3x) on [-1, 1] to MSE < 5e-4 (seed 0, 2000 Adam steps)', async () => {
    const data = sineData(128);
    const model = mlp(0);
    const initial = mseLoss(model.forward(data.x), data.y).value;
    const res = await fit({ model, loss: mseLoss, optimizer: new Adam({ lr: 2e-2 }), data, batchSize: 32, steps: 2000, seed: 0 });
    const final = mseLoss(model.forward(data.x), data.y).value;
    // Measured: 1.65e-4 on all 128 points (0.65 at init).
    expect(final).toBeLessThan(5e-4);
    expect(final).toBeLessThan(initial / 1000);
    expect(res.losses.length).toBe(2000);
    expect(res.finalLoss).toBe(res.losses[1999]);
    expect(res.steps).toBe(2000);
  });

  it('is deterministic: same seed, same losses bit for bit; another seed, another order', async () => {
    const data = sineData(64);
    const go = (seed: number) => fit({ model: mlp(0), loss: mseLoss, optimizer: new Adam({ lr: 1e-2 }), data, batchSize: 16, steps: 60, seed });
    const [a, b, c] = await Promise.all([go(5), go(5), go(6)]);
    expectBitwiseEqual(a.losses, b.losses);
    expect(Array.from(a.losses)).not.toEqual(Array.from(c.losses));
  });
});

describe('fit: checkpoint and resume', () => {
  it.each([
    ['Adam, 128 rows, batch 32', 128, 32, () => new Adam({ lr: 2e-2 }), (j: unknown) => Adam.fromJSON(j as AdamJSON)],
    ['SGD momentum, 100 rows, batch 24 (ragged epochs)', 100, 24, () => new SGD({ lr: 0.05, momentum: 0.9 }), (j: unknown) => SGD.fromJSON(j as SGDJSON)],
  ] as const)('%s: resuming a mid-training checkpoint gives the identical final loss', async (_n, rows, batchSize, makeOpt, optFromJSON) => {
    const data = sineData(rows);
    const steps = 300;
    let ck: FitCheckpoint | undefined;
    const full = mlp(3);
    const ref = await fit({
      model: full,
      loss: mseLoss,
      optimizer: makeOpt(),
      data,
      batchSize,
      steps,
      seed: 11,
      onProgress: (p: FitProgress) => {
        if (p.step === 137) ck = p.checkpoint();
      },
    });
    expect(ck!.loop.step).toBe(137);
    // Through JSON text, as a page would store it.
    const saved: FitCheckpoint = JSON.parse(JSON.stringify(ck));
    const model = moduleFromJSON(saved.model) as Sequential;
    const resumed = await fit({ model, loss: mseLoss, optimizer: optFromJSON(saved.optimizer), data, batchSize, steps, seed: 11, resume: saved });
    expect(Object.is(resumed.finalLoss, ref.finalLoss)).toBe(true);
    expectBitwiseEqual(resumed.losses, ref.losses);
    expectBitwiseEqual(flat(model), flat(full));
    expect(resumed.checkpoint()).toEqual(ref.checkpoint());
  });

  it('rejects a checkpoint that does not fit the call', async () => {
    const data = sineData(32);
    const r = await fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 5 });
    const ck = r.checkpoint();
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 4, steps: 10, resume: ck })).rejects.toThrow(/batchSize 8/);
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data: sineData(40), batchSize: 8, steps: 10, resume: ck })).rejects.toThrow(DomainError);
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 3, resume: ck })).rejects.toThrow(/step 5/);
    const without = (loop: Record<string, unknown>) => ({ ...ck, loop: { ...ck.loop, ...loop } }) as FitCheckpoint;
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 10, resume: without({ rng: undefined }) })).rejects.toThrow(/loop\.rng/);
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 10, resume: without({ rng: { s: [1, 2, 3, 4], spare: Number.NaN } }) })).rejects.toThrow(/spare/);
    const dup = [...ck.loop.order];
    dup[1] = dup[0]!;
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 10, resume: without({ order: dup }) })).rejects.toThrow(/permutation/);
    await expect(fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 10, resume: without({ cursor: 99 }) })).rejects.toThrow(/cursor/);
  });
});

describe('fit: progress and abort', () => {
  const data = sineData(64);
  it('reports progress every progressEvery steps and at the end', async () => {
    const seen: number[] = [];
    await fit({ model: mlp(), loss: mseLoss, optimizer: new Adam(), data, batchSize: 16, steps: 23, progressEvery: 5, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([5, 10, 15, 20, 23]);
  });

  it('aborts between steps with an AbortError; the model holds the last completed step', async () => {
    const ac = new AbortController();
    const model = mlp();
    const run = fit({
      model,
      loss: mseLoss,
      optimizer: new Adam(),
      data,
      batchSize: 16,
      steps: 1000,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.step === 10) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const ten = mlp();
    await fit({ model: ten, loss: mseLoss, optimizer: new Adam(), data, batchSize: 16, steps: 10 });
    expectBitwiseEqual(flat(model), flat(ten));
  });

  it('an already aborted signal trains nothing; a timer abort stops a long run', async () => {
    const model = mlp();
    const before = flat(model);
    await expect(fit({ model, loss: mseLoss, optimizer: new Adam(), data, steps: 10, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expectBitwiseEqual(flat(model), before);
    const reason = new Error('user pressed stop');
    const ac = new AbortController();
    setTimeout(() => ac.abort(reason), 30);
    const t0 = performance.now();
    await expect(fit({ model, loss: mseLoss, optimizer: new Adam(), data, batchSize: 8, steps: 1e7, signal: ac.signal })).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('fit: bad input', () => {
  const data = sineData(16);
  it('a NaN loss stops with a DomainError naming the step, before that update', async () => {
    let calls = 0;
    const nanAt7 = (p: Matrix, t: Matrix): LossResult => {
      const r = mseLoss(p, t);
      return ++calls === 7 ? { value: Number.NaN, grad: r.grad } : r;
    };
    const model = mlp();
    const err = await fit({ model, loss: nanAt7, optimizer: new Adam(), data, batchSize: 4, steps: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/fit: loss is NaN at step 7 of 20/);
    expect((err as NonFiniteLossError).step).toBe(7);
    const six = mlp();
    await fit({ model: six, loss: mseLoss, optimizer: new Adam(), data, batchSize: 4, steps: 6 });
    expectBitwiseEqual(flat(model), flat(six));
  });

  it('divergence (a huge learning rate) is caught as a non-finite loss with its step', async () => {
    const err = await fit({ model: mlp(), loss: mseLoss, optimizer: new SGD({ lr: 1e6 }), data, steps: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/loss is (NaN|Infinity) at step \d+ of 200/);
  });

  it('shape and domain errors at the boundary', async () => {
    const base = { model: mlp(), loss: mseLoss, optimizer: new Adam(), steps: 3 };
    await expect(fit({ ...base, data: { x: data.x, y: sineData(15).y } })).rejects.toThrow(ShapeError);
    await expect(fit({ ...base, data: { x: data.x, y: sineData(15).y } })).rejects.toThrow(/data.x is 16x1 but data.y is 15x1/);
    await expect(fit({ ...base, data: { x: data.x, y: { rows: 16, cols: 2, data: new Float64Array(32) } } })).rejects.toThrow(/mseLoss: pred is 16x1, target is 16x2/);
    await expect(fit({ ...base, data, batchSize: 17 })).rejects.toThrow(/batchSize 17 exceeds the 16 examples/);
    await expect(fit({ ...base, data, batchSize: 0 })).rejects.toThrow(DomainError);
    await expect(fit({ ...base, data, steps: -1 })).rejects.toThrow(/steps/);
    const nanX = { rows: 16, cols: 1, data: data.x.data.slice() };
    nanX.data[3] = Number.NaN;
    await expect(fit({ ...base, data: { x: nanX, y: data.y } })).rejects.toThrow(/data.x\[3, 0\] is NaN/);
    await expect(fit({ ...base, data: { x: { rows: 16, cols: 3, data: new Float64Array(48) }, y: data.y } })).rejects.toThrow(/Linear\(1, 32\): x is 16x3/);
  });
});

describe('fit: device and classification', () => {
  it('with a device the async path gives the same losses as the CPU path', async () => {
    const dev = await createDevice({ backend: 'js' });
    const data = sineData(48);
    const cpu = await fit({ model: mlp(2, 0), loss: mseLoss, optimizer: new Adam({ lr: 1e-2 }), data, batchSize: 16, steps: 40, seed: 1 });
    const onDev = await fit({ model: mlp(2, 0), loss: mseLoss, optimizer: new Adam({ lr: 1e-2 }), data, batchSize: 16, steps: 40, seed: 1, device: dev });
    expectBitwiseEqual(onDev.losses, cpu.losses);
  });

  it('trains a softmax classifier on labels (two Gaussian blobs)', async () => {
    const n = 60;
    const x = new Float64Array(2 * n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      y[i] = c;
      x[2 * i] = (c ? 1 : -1) + 0.3 * Math.sin(7 * i);
      x[2 * i + 1] = (c ? -1 : 1) + 0.3 * Math.cos(5 * i);
    }
    const data = { x: { rows: n, cols: 2, data: x }, y: { rows: n, cols: 1, data: y } };
    const model = new Sequential(new Linear(2, 8, { seed: 1 }), new Tanh(), new Linear(8, 2, { seed: 2 }));
    const res = await fit({ model, loss: softmaxCrossEntropyLoss, optimizer: new Adam({ lr: 0.05 }), data, batchSize: 20, steps: 100 });
    expect(res.finalLoss).toBeLessThan(0.05);
    expect(accuracy(model.forward(data.x), data.y)).toBe(1);
  });
});
