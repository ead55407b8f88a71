import { DomainError, ShapeError } from '@x/gpu';
import { readSafetensors, writeSafetensors } from '@x/safetensors';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors, stateDict, TransformerLM } from '../src';
import { expectBitwiseEqual } from './helpers';

const cfg = { vocabSize: 11, dim: 8, numLayers: 2, numHeads: 2, numKvHeads: 1, hidden: 12 };
const ids = { rows: 1, cols: 5, data: Float64Array.from([1, 3, 10, 0, 7]) };

describe('saveSafetensors / loadSafetensors', () => {
  it('F64 round trip is bit-exact under the llama names; the bytes are deterministic', async () => {
    const a = new TransformerLM({ ...cfg, seed: 1 });
    const bytes = saveSafetensors(a, { dtype: 'F64' });
    expect(saveSafetensors(a, { dtype: 'F64' })).toEqual(bytes);
    const r = await readSafetensors(bytes);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(new Set(r.names)).toEqual(new Set(stateDict(a).keys()));
    expect(r.info('model.layers.1.mlp.down_proj.weight').shape).toEqual([8, 12]);
    expect(r.info('lm_head.weight').dtype).toBe('F64');
    const b = new TransformerLM({ ...cfg, seed: 2 });
    expect(await loadSafetensors(b, bytes)).toEqual({ missing: [], unexpected: [] });
    expectBitwiseEqual(b.forward(ids).data, a.forward(ids).data);
  });

  it('F32 (the default) stores each value rounded to float32', async () => {
    const a = new TransformerLM({ ...cfg, seed: 3 });
    const b = new TransformerLM({ ...cfg, seed: 4 });
    await loadSafetensors(b, saveSafetensors(a));
    const pb = new Map(b.parameters().map((p) => [p.name, p.value]));
    for (const p of a.parameters()) expectBitwiseEqual(pb.get(p.name)!, Float64Array.from(p.value, Math.fround));
  });

  it('missing, extra and mis-shaped tensors are refused (strict) or reported', async () => {
    const a = new TransformerLM({ ...cfg, seed: 1 });
    const tensors: Record<string, { dtype: 'F32'; shape: readonly number[]; data: Float64Array }> = {};
    for (const [n, t] of stateDict(a)) if (n !== 'model.norm.weight') tensors[n] = { dtype: 'F32', shape: t.shape, data: t.data };
    const partial = writeSafetensors(tensors);
    await expect(loadSafetensors(new TransformerLM(cfg), partial)).rejects.toThrow(DomainError);
    expect(await loadSafetensors(new TransformerLM(cfg), partial, { strict: false })).toEqual({ missing: ['model.norm.weight'], unexpected: [] });
    tensors['model.norm.weight'] = { dtype: 'F32', shape: [4, 2], data: new Float64Array(8) };
    await expect(loadSafetensors(new TransformerLM(cfg), writeSafetensors(tensors))).rejects.toThrow(ShapeError);
    expect(() => saveSafetensors(a, { dtype: 'I8' as 'F32' })).toThrow(DomainError);
  });
});
