import { DomainError, type Matrix, matmul, rng } from '@x/gpu';
import { Adam, assertGradCheck, fit, Linear, lmCrossEntropy, type Module, moduleFromJSON, namedModules, stateDict, TransformerLM } from '@x/nn';
import { describe, expect, it } from 'vitest';
import { AdaptedLinear, type AdapterKindName, applyAdapters, loadPeftAdapter, registerAdaptedLinear, savePeftAdapter } from '../src';
import { maxAbsDiff } from '@x/test-utils';

const cfg = { vocabSize: 9, dim: 8, numLayers: 2, numHeads: 2, numKvHeads: 1, hidden: 12, initStd: 0.3, seed: 4 };
const ids: Matrix = { rows: 2, cols: 5, data: Float64Array.from([1, 4, 0, 8, 3, 2, 2, 7, 5, 6]) };
const targets: Matrix = { rows: 2, cols: 5, data: Float64Array.from([4, 0, 8, 3, 1, 2, 7, 5, 6, 0]) };

/** The full fine-tuning gradient of every q/v projection on one batch (LoRA-SB's input). */
function fullGradients(lm: TransformerLM): Map<string, Matrix> {
  lm.zeroGrad();
  lm.backward(lmCrossEntropy(lm.forward(ids), targets).grad);
  const out = new Map<string, Matrix>();
  for (const [n, m] of namedModules(lm)) if (m instanceof Linear) out.set(n, { rows: m.outFeatures, cols: m.inFeatures, data: Float64Array.from(m.weightGrad) });
  lm.zeroGrad();
  return out;
}

const kinds: AdapterKindName[] = ['lora', 'pissa', 'svfit', 'sorsa', 'lora-xs', 'lora-sb', 'loldu', 'eva'];

describe('applyAdapters on a TransformerLM', () => {
  for (const kind of kinds) {
    it(`${kind}: wraps the targets, keeps the function at init, trains only adapter parameters`, async () => {
      const lm = new TransformerLM(cfg);
      const y0 = lm.forward(ids).data.slice();
      const before = stateDict(lm);
      const peft = applyAdapters(lm, {
        targetModules: ['q_proj', 'v_proj'],
        kind,
        rank: 2,
        alpha: 4,
        seed: 1,
        gradients: kind === 'lora-sb' ? fullGradients(lm) : undefined,
        evaBatches: kind === 'eva' ? [ids, ids] : undefined,
      });
      const wrapped = [...peft.adapted.keys()];
      if (kind === 'eva') expect(wrapped.length).toBeGreaterThan(0);
      else expect(wrapped).toEqual(['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
      for (const n of wrapped) expect(n).toMatch(/self_attn\.[qv]_proj$/);
      // Function at init: unchanged to rounding, except LoRA-XS (R ~ N(0, 1e-5²), so ΔW = s B R diag(S) Vᵀ has
      // entries ~ s 1e-5 σ₁ ~ 1e-4 here: a small but nonzero change) and LoRA-SB (one approximate step ahead).
      const y1 = peft.forward(ids).data;
      if (kind === 'lora-xs') {
        expect(maxAbsDiff(y1, y0)).toBeGreaterThan(0);
        expect(maxAbsDiff(y1, y0)).toBeLessThan(1e-3);
      }
      else if (kind !== 'lora-sb') expect(maxAbsDiff(y1, y0)).toBeLessThan(1e-12);
      const params = peft.parameters();
      expect(params.length).toBeGreaterThan(0);
      expect(params.reduce((s, p) => s + p.value.length, 0)).toBe(peft.trainableCount());
      for (const p of params) expect(wrapped.some((n) => p.name.startsWith(`${n}.`))).toBe(true);

      const res = await fit({ model: peft, loss: lmCrossEntropy, optimizer: new Adam({ lr: 3e-2 }), data: { x: ids, y: targets }, steps: 8 });
      expect(res.finalLoss).toBeLessThan(res.losses[0]!);
      // Only the adapters moved: every other original parameter is bit-identical.
      const after = new Map(lm.parameters().map((p) => [p.name, p.value]));
      for (const [name, t] of before) {
        if (wrapped.some((n) => name.startsWith(`${n}.`))) continue;
        expect(Array.from(after.get(name)!), name).toEqual(Array.from(t.data));
      }
      // merge / unmerge: same function merged, bit-identical after unmerge.
      const yTrained = peft.forward(ids).data.slice();
      peft.merge();
      expect(maxAbsDiff(peft.forward(ids).data, yTrained)).toBeLessThan(1e-12);
      peft.unmerge();
      expect(Array.from(peft.forward(ids).data)).toEqual(Array.from(yTrained));
      // merge_and_unload: plain Linear layers under the llama names again.
      const bare = peft.mergeAndUnload() as TransformerLM;
      expect(namedModules(bare).some(([, m]) => m instanceof AdaptedLinear)).toBe(false);
      expect(new Set(bare.parameters().map((p) => p.name))).toEqual(new Set(before.keys()));
      expect(maxAbsDiff(bare.forward(ids).data, yTrained)).toBeLessThan(1e-12);
    });
  }

  it('parameter budget: LoRA has r (in + out) per layer, SVFit/LoLDU r, LoRA-XS r²', () => {
    const count = (kind: AdapterKindName) => applyAdapters(new TransformerLM(cfg), { targetModules: /mlp\.(gate|up)_proj$/, kind, rank: 3 }).trainableCount();
    // gate/up: 8 -> 12, two layers, two targets each.
    expect(count('lora')).toBe(4 * 3 * (8 + 12));
    expect(count('svfit')).toBe(4 * 3);
    expect(count('loldu')).toBe(4 * 3);
    expect(count('lora-xs')).toBe(4 * 9);
    // PEFT's string form: a regular expression over the whole path; 'all-linear' skips lm_head.
    expect(applyAdapters(new TransformerLM(cfg), { targetModules: 'model\\.layers\\.1\\..*_proj', kind: 'lora', rank: 2 }).adapted.size).toBe(7);
    expect(applyAdapters(new TransformerLM(cfg), { targetModules: 'all-linear', kind: 'lora', rank: 2 }).adapted.size).toBe(14);
  });

  it('the adapted model gradient passes gradCheck (PiSSA on all attention and MLP projections)', () => {
    const lm = new TransformerLM({ ...cfg, numLayers: 1 });
    const peft = applyAdapters(lm, { targetModules: /(proj)$/, kind: 'pissa', rank: 2 });
    const fixed: Module = {
      forward: () => peft.forward(ids),
      backward: (dy) => {
        peft.backward(dy);
        return { rows: 1, cols: 1, data: new Float64Array(1) };
      },
      parameters: () => peft.parameters(),
      zeroGrad: () => peft.zeroGrad(),
      toJSON: () => peft.toJSON(),
    };
    const rep = assertGradCheck(fixed, { rows: 1, cols: 1, data: new Float64Array(1) });
    expect(rep.parameters.length).toBe(7 * 2);
  });

  it('the adapted model round-trips through JSON once AdaptedLinear is registered', () => {
    registerAdaptedLinear();
    const lm = new TransformerLM(cfg);
    const peft = applyAdapters(lm, { targetModules: ['o_proj', 'down_proj'], kind: 'lora', rank: 2, seed: 3 });
    for (const p of peft.parameters()) rng(5).fillNormal(p.value, 0.1);
    const back = moduleFromJSON(JSON.parse(JSON.stringify(peft.toJSON())));
    expect(Array.from(back.forward(ids).data)).toEqual(Array.from(peft.forward(ids).data));
  });

  for (const kind of ['lora', 'pissa'] as const) {
    it(`${kind}: exports a PEFT LoRA adapter on the original weights (adapter_config.json + safetensors)`, async () => {
      const lm = new TransformerLM(cfg);
      const original = new Map(namedModules(lm).filter(([, m]) => m instanceof Linear) as Array<[string, Linear]>);
      const originalW = new Map([...original].map(([n, l]) => [n, Float64Array.from(l.weight.data)]));
      const peft = applyAdapters(lm, { targetModules: ['q_proj', 'down_proj'], kind, rank: 2, alpha: 4, seed: 2 });
      for (const p of peft.parameters()) for (let i = 0; i < p.value.length; i++) p.value[i]! += 0.05 * Math.sin(i + p.name.length);
      const adapter = peft.toPeftAdapter();
      const r = kind === 'pissa' ? 4 : 2; // PiSSA converts to rank 2r on the original W
      expect(adapter.config.r).toBe(r);
      expect(adapter.config.target_modules).toEqual(['down_proj', 'q_proj']);
      const files = savePeftAdapter(adapter);
      const back = await loadPeftAdapter({ config: files.config, weights: files.weights });
      expect(back.layers.map((l) => l.module)).toEqual([...peft.adapted.keys()].sort());
      for (const l of back.layers) {
        // W_original + s B A (from the file, F32) = the adapted layer's effective weight.
        const W = originalW.get(l.module)!;
        const eff = peft.adapted.get(l.module)!.effectiveWeight().data;
        const BA = matmul(l.B, l.A).data;
        let worst = 0;
        for (let i = 0; i < W.length; i++) worst = Math.max(worst, Math.abs(W[i]! + l.scale * BA[i]! - eff[i]!));
        expect(worst, l.module).toBeLessThan(1e-6);
      }
      // In memory (before F32 rounding) the conversion is exact to rounding.
      for (const l of adapter.layers) {
        const W = originalW.get(l.module)!;
        const eff = peft.adapted.get(l.module)!.effectiveWeight().data;
        const BA = matmul(l.B, l.A).data;
        for (let i = 0; i < W.length; i++) expect(Math.abs(W[i]! + l.scale * BA[i]! - eff[i]!)).toBeLessThan(1e-14);
      }
    });
  }

  it('typed errors', () => {
    expect(() => applyAdapters(new TransformerLM(cfg), { targetModules: ['q_proj'], kind: 'svfit', rank: 2 }).toPeftAdapter()).toThrow(/mergeAndUnload/);
    const lm = new TransformerLM(cfg);
    expect(() => applyAdapters(lm, { targetModules: ['nope'], kind: 'lora', rank: 2 })).toThrow(DomainError);
    expect(() => applyAdapters(lm, { targetModules: ['q_proj'], kind: 'lora', rank: 9 })).toThrow(/rank 9 exceeds/);
    expect(() => applyAdapters(lm, { targetModules: ['q_proj'], kind: 'lora-sb', rank: 2 })).toThrow(/no gradient/);
    expect(() => applyAdapters(lm, { targetModules: ['q_proj'], kind: 'eva', rank: 2 })).toThrow(/evaBatches/);
    applyAdapters(lm, { targetModules: ['q_proj'], kind: 'lora', rank: 2 });
    expect(() => applyAdapters(lm, { targetModules: ['q_proj'], kind: 'lora', rank: 2 })).toThrow(/already carry adapters/);
  });
});
