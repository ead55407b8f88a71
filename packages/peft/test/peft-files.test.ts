import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError, ShapeError } from '@x/gpu';
import { readSafetensors, writeSafetensors } from '@x/safetensors';
import { describe, expect, it } from 'vitest';
import {
  convertPissaToLora,
  isTargetModule,
  loadPeftAdapter,
  materialize,
  mergeIntoBase,
  mergePeftAdapters,
  moduleScaling,
  type PeftAdapter,
  patternKey,
  peftLoraConfig,
  pissaFromModel,
  savePeftAdapter,
} from '../src/index';
import { loadPeftAdapterDir } from '../src/node';
import { bf16HalfUlp, expected, MODEL, MODEL_DIR, product } from './model-fixtures';
import { maxAbsDiff } from '@x/test-utils';

const dir = (name: string) => join(MODEL_DIR, name);
const files = (name: string) => ({
  config: readFileSync(join(dir(name), 'adapter_config.json'), 'utf8'),
  weights: new Uint8Array(readFileSync(join(dir(name), 'adapter_model.safetensors'))),
});

describe('PEFT adapter directories', () => {
  it('loads the numpy-written adapters: module paths, [r, in] / [out, r] shapes, scaling with alpha_pattern', async () => {
    for (const name of ['adapter_a', 'adapter_b'] as const) {
      const a = await loadPeftAdapter(files(name));
      expect(a.layers.map((l) => l.module)).toEqual(Object.keys(expected.scaling[name]).sort());
      for (const l of a.layers) {
        expect(l.A.rows).toBe(2);
        expect(l.B.cols).toBe(2);
        expect(l.scale).toBe(expected.scaling[name][l.module]);
      }
    }
    const b = await loadPeftAdapter(files('adapter_b'));
    expect(b.layers.find((l) => l.module === 'model.layers.0.self_attn.v_proj')!.scale).toBe(3);
    const q = b.layers.find((l) => l.module === 'model.layers.1.mlp.down_proj')!;
    expect([q.A.rows, q.A.cols, q.B.rows, q.B.cols]).toEqual([2, 24, 16, 2]);
  });

  it('saves what it loads byte for byte (weights) and field for field (config)', async () => {
    for (const name of ['adapter_a', 'adapter_b', 'pissa_initial']) {
      const f = files(name);
      const saved = savePeftAdapter(await loadPeftAdapter(f));
      expect(Buffer.from(saved.weights).equals(Buffer.from(f.weights)), name).toBe(true);
      expect(JSON.parse(saved.config)).toEqual(JSON.parse(f.config));
      const keys = Object.keys(JSON.parse(saved.config));
      expect(keys).toEqual([...keys].sort());
    }
  });

  it('the Node entry reads a directory', async () => {
    const a = await loadPeftAdapterDir(dir('adapter_a'));
    expect(a.layers).toHaveLength(6);
    expect(a.config.target_modules).toEqual(['q_proj', 'v_proj', 'down_proj']);
  });

  it('refuses bad configs and unpaired or inconsistent tensors with typed errors', async () => {
    const f = files('adapter_a');
    const cfg = JSON.parse(f.config);
    await expect(loadPeftAdapter({ ...f, config: '{nope' })).rejects.toBeInstanceOf(DomainError);
    await expect(loadPeftAdapter({ ...f, config: { ...cfg, peft_type: 'IA3' } })).rejects.toThrow(/only "LORA"/);
    await expect(loadPeftAdapter({ ...f, config: { ...cfg, use_dora: true } })).rejects.toThrow(/DoRA/);
    await expect(loadPeftAdapter({ ...f, config: { ...cfg, r: 3 } })).rejects.toThrow(/rank 2 but the config gives r = 3/);
    const onlyA = writeSafetensors({ 'base_model.model.x.lora_A.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } });
    await expect(loadPeftAdapter({ config: cfg, weights: onlyA })).rejects.toThrow(/no lora_B/);
    const bad = writeSafetensors({
      'base_model.model.x.lora_A.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) },
      'base_model.model.x.lora_B.weight': { dtype: 'F32', shape: [4, 3], data: new Float32Array(12) },
    });
    await expect(loadPeftAdapter({ config: cfg, weights: bad })).rejects.toBeInstanceOf(ShapeError);
    await expect(loadPeftAdapter({ config: cfg, weights: f.weights.subarray(0, 100) })).rejects.toMatchObject({ code: 'TRUNCATED' });
    const a = await loadPeftAdapter(f);
    expect(() => savePeftAdapter({ ...a, layers: a.layers.map((l) => ({ ...l, scale: 5 })) })).toThrow(/scale 5 but the config gives 2/);
  });
});

describe('target modules and patterns, as PEFT matches them', () => {
  it('a list matches the whole path or its dotted tail; a string is a full-match regular expression', () => {
    const m = 'model.layers.0.self_attn.q_proj';
    expect(isTargetModule(m, ['q_proj'])).toBe(true);
    expect(isTargetModule(m, ['self_attn.q_proj'])).toBe(true);
    expect(isTargetModule(m, ['proj'])).toBe(false);
    expect(isTargetModule('model.layers.0.self_attn.xq_proj', ['q_proj'])).toBe(false);
    expect(isTargetModule(m, [m])).toBe(true);
    expect(isTargetModule(m, '.*\\.(q|v)_proj')).toBe(true);
    expect(isTargetModule(m, 'q_proj')).toBe(false); // a regex must match the whole path
    expect(isTargetModule(m, '.*layers\\.1\\..*')).toBe(false);
    expect(isTargetModule(m, null)).toBe(false);
    expect(isTargetModule('lm_head', 'all-linear')).toBe(false);
    expect(isTargetModule('model.embed_tokens', 'all-linear')).toBe(false);
    expect(isTargetModule(m, 'all-linear')).toBe(true);
  });

  it('rank_pattern / alpha_pattern keys match exactly or by tail; rsLoRA divides by √r', () => {
    expect(patternKey(['v_proj', 'layers.1.self_attn.q_proj'], 'model.layers.1.self_attn.q_proj')).toBe('layers.1.self_attn.q_proj');
    expect(patternKey(['v_proj'], 'model.layers.1.self_attn.q_proj')).toBeUndefined();
    const c = peftLoraConfig({ r: 4, lora_alpha: 8, rank_pattern: { down_proj: 16 }, alpha_pattern: { v_proj: 2 } });
    expect(moduleScaling(c, 'model.layers.0.mlp.down_proj')).toEqual({ r: 16, alpha: 8, scale: 0.5 });
    expect(moduleScaling(c, 'model.layers.0.self_attn.v_proj')).toEqual({ r: 4, alpha: 2, scale: 0.5 });
    expect(moduleScaling({ ...c, use_rslora: true }, 'model.layers.0.self_attn.q_proj').scale).toBe(4);
  });
});

describe('model files', () => {
  it('PiSSA: scaling·B·A is the top-r SVD part of each W (numpy) and the residual rebuilds W to bf16 rounding', async () => {
    const reader = await readSafetensors(new Uint8Array(readFileSync(MODEL)));
    const { r, alpha, target } = expected.pissa_args;
    const { adapter, residual } = await pissaFromModel(reader, { target, rank: r, alpha });
    expect(adapter.config.init_lora_weights).toBe('pissa');
    expect(adapter.layers.map((l) => l.module)).toEqual(Object.keys(expected.pissa).sort());
    const res = await readSafetensors(await materialize(residual));
    for (const l of adapter.layers) {
      const e = expected.pissa[l.module]!;
      expect(l.scale).toBe(alpha / r);
      const sBA = product(l.B, l.A).map((v) => v * l.scale);
      expect(maxAbsDiff(sBA, e.topr)).toBeLessThan(1e-4);
      const R = (await res.float64(`${l.module}.weight`)).data;
      expect(res.info(`${l.module}.weight`).dtype).toBe('BF16');
      for (let i = 0; i < R.length; i++) {
        const exact = e.W[i]! - sBA[i]!;
        expect(Math.abs(R[i]! + sBA[i]! - e.W[i]!)).toBeLessThanOrEqual(bf16HalfUlp(exact) * 1.0001 + 1e-12);
      }
    }
    for (const name of reader.names) {
      if (adapter.layers.some((l) => `${l.module}.weight` === name)) continue;
      expect(Buffer.from(await res.bytes(name)).equals(Buffer.from(await reader.bytes(name))), name).toBe(true);
    }
    expect(res.metadata).toEqual(reader.metadata);
  });

  it('PiSSA with niter: the config says "pissa_niter_K" and rsLoRA changes the scaling', async () => {
    const reader = await readSafetensors(new Uint8Array(readFileSync(MODEL)));
    const { adapter } = await pissaFromModel(reader, { target: '.*\\.0\\.self_attn\\.q_proj', rank: 2, alpha: 4, niter: 4, rslora: true });
    expect(adapter.config.init_lora_weights).toBe('pissa_niter_4');
    expect(adapter.layers.map((l) => l.module)).toEqual(['model.layers.0.self_attn.q_proj']);
    expect(adapter.layers[0]!.scale).toBeCloseTo(4 / Math.SQRT2, 14);
    expect(JSON.parse(savePeftAdapter(adapter).config).use_rslora).toBe(true);
    await expect(pissaFromModel(reader, { target: ['nothing'], rank: 2 })).rejects.toBeInstanceOf(DomainError);
    await expect(pissaFromModel(reader, { target: ['k_proj'], rank: 9 })).rejects.toThrow(/rank must be an integer in \[1, 8\] for a 8x16 matrix, got 9/);
  });

  it('fan_in_fan_out: a weight stored [in, out] is adapted as its transpose and written back in its layout', async () => {
    // 3 x 5 (out x in) stored transposed as [5, 3], F64 so the check is exact to rounding.
    const W = Float64Array.from({ length: 15 }, (_, i) => Math.sin(i + 1));
    const stored = new Float64Array(15);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) stored[j * 3 + i] = W[i * 5 + j]!;
    const reader = await readSafetensors(writeSafetensors({ 'h.0.attn.c_attn.weight': { dtype: 'F64', shape: [5, 3], data: stored } }));
    const { adapter, residual } = await pissaFromModel(reader, { target: ['c_attn'], rank: 2, fanInFanOut: true });
    expect(adapter.config.fan_in_fan_out).toBe(true);
    const l = adapter.layers[0]!;
    expect([l.A.rows, l.A.cols, l.B.rows, l.B.cols]).toEqual([2, 5, 3, 2]);
    const res = await readSafetensors(await materialize(residual));
    const R = (await res.float64('h.0.attn.c_attn.weight')).data;
    expect(res.info('h.0.attn.c_attn.weight').shape).toEqual([5, 3]);
    const sBA = product(l.B, l.A);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(R[j * 3 + i]! + l.scale * sBA[i * 5 + j]!).toBeCloseTo(W[i * 5 + j]!, 14);
    const merged = await readSafetensors(await materialize(mergeIntoBase(res, adapter)));
    expect(maxAbsDiff((await merged.float64('h.0.attn.c_attn.weight')).data, stored)).toBeLessThan(1e-14);
  });

  it('merge into base: W + scaling·B·A in BF16 (within half a bf16 ulp), other tensors byte-identical', async () => {
    const reader = await readSafetensors(new Uint8Array(readFileSync(MODEL)));
    const a = await loadPeftAdapter(files('adapter_a'));
    const out = await readSafetensors(await materialize(mergeIntoBase(reader, a)));
    for (const [m, want] of Object.entries(expected.merged_a)) {
      const got = (await out.float64(`${m}.weight`)).data;
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bf16HalfUlp(want[i]!) * 1.0001);
    }
    const untouched = reader.names.filter((n) => !(n.replace(/\.weight$/, '') in expected.merged_a));
    for (const n of untouched) expect(Buffer.from(await out.bytes(n)).equals(Buffer.from(await reader.bytes(n)))).toBe(true);
    const wrong: PeftAdapter = { ...a, layers: [{ ...a.layers[0]!, module: 'model.layers.9.mlp.down_proj' }] };
    expect(() => mergeIntoBase(reader, wrong)).toThrow(/has no model.layers.9.mlp.down_proj.weight/);
  });

  it('add_weighted_adapter: linear, ties, svd and cat equal the numpy re-implementation of PEFT', async () => {
    const a = await loadPeftAdapter(files('adapter_a'));
    const b = await loadPeftAdapter(files('adapter_b'));
    const { weights, density } = expected.merge;
    const lin = mergePeftAdapters([a, b], { method: 'linear', weights });
    const tie = mergePeftAdapters([a, b], { method: 'ties', weights, density });
    const svd = mergePeftAdapters([a, b], { method: 'svd', weights });
    const cat = mergePeftAdapters([a, b], { method: 'cat', weights });
    for (const merged of [lin, tie, svd]) {
      expect(merged.config.r).toBe(2);
      expect(merged.config.lora_alpha).toBe(2);
      expect(merged.layers.every((l) => l.scale === 1)).toBe(true);
    }
    expect(cat.config.r).toBe(4);
    for (const l of lin.layers) {
      expect(maxAbsDiff(l.A.data, expected.merge.linear[l.module]!.A)).toBeLessThan(1e-12);
      expect(maxAbsDiff(l.B.data, expected.merge.linear[l.module]!.B)).toBeLessThan(1e-12);
    }
    for (const l of tie.layers) {
      expect(maxAbsDiff(l.A.data, expected.merge.ties[l.module]!.A)).toBeLessThan(1e-12);
      expect(maxAbsDiff(l.B.data, expected.merge.ties[l.module]!.B)).toBeLessThan(1e-12);
    }
    for (const l of svd.layers) expect(maxAbsDiff(product(l.B, l.A), expected.merge.svd_product[l.module]!)).toBeLessThan(1e-10);
    for (const l of cat.layers) expect(maxAbsDiff(product(l.B, l.A), expected.merge.cat_product[l.module]!)).toBeLessThan(1e-12);
    // Saved and reloaded, the merged adapter keeps its scale (the config describes every layer).
    const back = await loadPeftAdapter(savePeftAdapter(cat));
    expect(back.layers.map((l) => l.scale)).toEqual(cat.layers.map(() => 1));
    const dare = mergePeftAdapters([a, b], { method: 'dare_ties', weights, density: 0.5, seed: 3 });
    expect(dare.layers[0]!.A.data).toEqual(mergePeftAdapters([a, b], { method: 'dare_ties', weights, density: 0.5, seed: 3 }).layers[0]!.A.data);
    expect(() => mergePeftAdapters([a, b], { method: 'ties', weights })).toThrow(/density/);
    expect(() => mergePeftAdapters([a, b], { method: 'linear', weights: [1] })).toThrow(/2 adapters but 1 weights/);
  });

  it('PiSSA -> LoRA conversion: [A1; A0], [B1 | -B0], r and alpha doubled, same scaling', async () => {
    const init = await loadPeftAdapter(files('pissa_initial'));
    const trained = await loadPeftAdapter(files('pissa_trained'));
    const lora = convertPissaToLora(init, trained);
    expect(lora.config).toMatchObject({ r: 4, lora_alpha: 8, init_lora_weights: true });
    for (const l of lora.layers) {
      const e = expected.convert[l.module]!;
      expect(l.scale).toBe(2);
      expect(maxAbsDiff(l.A.data, e.A)).toBe(0);
      expect(maxAbsDiff(l.B.data, e.B)).toBe(0);
      expect(maxAbsDiff(product(l.B, l.A).map((v) => v * l.scale), e.delta)).toBeLessThan(1e-12);
    }
    const reloaded = await loadPeftAdapter(savePeftAdapter(lora));
    expect(reloaded.layers.map((l) => l.scale)).toEqual(lora.layers.map(() => 2));
    // rsLoRA adapters: the layers carry the rsLoRA scaling α/√r their config gives them.
    const rsl = (a: typeof init) => ({ ...a, config: { ...a.config, use_rslora: true }, layers: a.layers.map((l) => ({ ...l, scale: a.config.lora_alpha / Math.sqrt(a.config.r) })) });
    const rs = convertPissaToLora(rsl(init), rsl(trained));
    expect(rs.config.lora_alpha).toBeCloseTo(4 * Math.SQRT2, 14);
    expect(() => convertPissaToLora(init, { ...trained, layers: trained.layers.slice(1) })).toThrow(/same modules/);
  });
});
