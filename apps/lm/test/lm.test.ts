import { describe, expect, it } from 'vitest';
import { loadCorpora } from '../src/corpus';
import { rng } from '@x/gpu';
import { assertGradCheck, type Module, TransformerLM } from '@x/nn';
import { katModel, type LmCheckpoint, type LmProgress, type LmRunOptions, QUICK, rankFor, runLm, split, windows } from '../src/run';
import { conclusions } from '../src/summary';
import { decode, encode, VOCAB_SIZE } from '../src/tokenizer';

describe('tokenizer and data', () => {
  it('encodes printable ASCII and newlines reversibly; everything else is one UNK id', () => {
    const s = 'interface Foo<T> {\n  bar(): T; // ~\n}';
    expect(decode(encode(s))).toBe(s);
    const ids = encode('a\u00e9\tb');
    expect(Array.from(ids)).toEqual([66, 96, 1, 1, 67]);
    expect(Math.max(...encode(s))).toBeLessThan(VOCAB_SIZE);
  });
  it('windows pair each token with the next one; the split holds out every 10th block', () => {
    const w = windows(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 3, 2);
    expect(w.x.rows).toBe(2); // starts 0 and 2; a third (tokens 4..7) would run past the end
    expect(Array.from(w.x.data.subarray(3, 6))).toEqual([2, 3, 4]);
    expect(Array.from(w.y.data.subarray(3, 6))).toEqual([3, 4, 5]);
    const text = Array.from({ length: 10 }, (_, b) => String.fromCharCode(97 + b).repeat(500)).join('');
    const s = split(text, { trainChars: 4500, heldOutChars: 500 });
    expect(decode(s.heldOut)).toBe('j'.repeat(500));
    expect(decode(s.train).includes('j')).toBe(false);
  });
});

describe('pre-train on prose, fine-tune on TypeScript (quick mode)', () => {
  it('pre-training and LoRA/PiSSA fine-tuning lower the held-out losses; adapters train only their own parameters', async () => {
    const corpora = loadCorpora();
    expect(corpora.sources.map((s) => s.package)).toEqual(['typescript', 'typescript']);
    const r = await runLm(corpora, { mode: 'quick', methods: ['lora', 'pissa', 'lora-sb'], seed: 0 });
    // Untrained: about ln(97) = 4.57 nats per character on both corpora.
    expect(Math.abs(r.initProseLoss - Math.log(VOCAB_SIZE))).toBeLessThan(0.1);
    // Pre-training on prose helps prose far more than code: the domain shift is real.
    expect(r.proseLossBefore).toBeLessThan(r.initProseLoss - 1.5);
    expect(r.codeLossBefore - r.proseLossBefore).toBeGreaterThan(0.5);
    expect(r.finetunes.map((f) => f.run)).toEqual(['lora', 'pissa', 'lora-sb']);
    for (const f of r.finetunes) {
      // Fine-tuning on code lowers the held-out code loss, clearly.
      expect(f.codeLoss, f.run).toBeLessThan(r.codeLossBefore - 0.3);
      expect(f.frozenUnchanged, f.run).toBe(true);
      expect(f.trainable).toBeLessThan(r.parameters / 4);
      expect(f.sample.startsWith('interface ')).toBe(true);
      if (f.run === 'lora-sb') continue;
      // The adapter exports as a PEFT directory on the pre-trained weights (PiSSA converted to rank 2r).
      const cfg = JSON.parse(f.peftAdapter!.config) as { r: number; target_modules: string[] };
      expect(cfg.r).toBe(f.run === 'pissa' ? 2 * f.rank! : f.rank);
      expect(cfg.target_modules).toContain('q_proj');
    }
    // LoRA-SB (r x r core from real full fine-tuning gradients) sits at LoRA's budget as far as
    // the narrowest projection (16 wide here) allows: r = 16 <= sqrt(LoRA's mean per target).
    const [lora, , sb] = r.finetunes;
    expect(sb!.rank).toBe(rankFor('lora-sb', QUICK));
    expect(sb!.trainable).toBe(2 * 7 * sb!.rank! ** 2);
    expect(sb!.trainable).toBeLessThanOrEqual(lora!.trainable);
    expect(sb!.trainable).toBeGreaterThan(0.8 * lora!.trainable);
    // The summary names each method's held-out loss and budget.
    const text = conclusions(r).join('\n');
    expect(text).toContain(`lora-sb ${sb!.codeLoss.toFixed(3)} (${sb!.trainable})`);
    // Seeded: the same run reproduces its pre-training losses bit for bit (first steps).
    const again = await runLm(corpora, { mode: 'quick', methods: [], config: { pretrainSteps: 3 }, seed: 0 });
    expect(again.pretrainLosses).toEqual(r.pretrainLosses.slice(0, 3));
  });
});

describe('SORSA with its regularizer in the training loop', () => {
  it('keeps A and B closer to orthonormal than the same run with γ = 0, trains only its adapters, and lowers the code loss', async () => {
    const corpora = loadCorpora();
    const base = { mode: 'quick', methods: ['sorsa'], seed: 0, config: { pretrainSteps: 30, finetuneSteps: 15 } } as const;
    const withReg = await runLm(corpora, base);
    const without = await runLm(corpora, { ...base, sorsaGamma: 0, pretrained: withReg.pretrained });
    const [a] = withReg.finetunes;
    const [b] = without.finetunes;
    expect(a!.rank).toBe(rankFor('sorsa', QUICK));
    expect(a!.frozenUnchanged).toBe(true);
    expect(a!.codeLoss).toBeLessThan(withReg.codeLossBefore);
    // SORSA starts orthonormal (deviation 0); training moves A and B off it, the regularizer less so.
    expect(b!.sorsaDeviation).toBeGreaterThan(0);
    expect(a!.sorsaDeviation).toBeLessThan(b!.sorsaDeviation!);
  });
});

describe('abort and resume', () => {
  it('a run aborted in each phase and resumed from runCheckpoint() ends with the uninterrupted run\'s report', async () => {
    const corpora = loadCorpora();
    const opts: LmRunOptions = { mode: 'quick', seed: 3, methods: ['lora', 'full'], optimizers: ['muon'], kat: true, config: { pretrainSteps: 8, finetuneSteps: 6 }, progressEvery: 2 };
    const stages: string[] = [];
    const whole = await runLm(corpora, { ...opts, onStage: (s) => stages.push(s.type === 'finetune' ? s.result.run : s.type) });
    expect(stages).toEqual(['pretrained', 'kat', 'lora', 'full', 'full/muon']);
    // Abort at these (run, step) points in turn, resuming each time from a structured clone of the checkpoint (what a worker posts).
    const stops: Array<[string, number]> = [['pretrain', 4], ['pretrain/kat', 2], ['lora', 4], ['full/muon', 2]];
    let resume: LmCheckpoint | undefined;
    const firsts: Array<[string, number]> = [];
    for (const [run, step] of stops) {
      const ac = new AbortController();
      let last: LmProgress | undefined;
      let first = true;
      await expect(
        runLm(corpora, {
          ...opts,
          resume,
          signal: ac.signal,
          onProgress: (p) => {
            if (first) firsts.push([p.run, p.step]);
            first = false;
            last = p;
            if (p.run === run && p.step === step) ac.abort();
          },
        }),
      ).rejects.toThrow();
      expect([last!.run, last!.step]).toEqual([run, step]);
      resume = structuredClone(last!.runCheckpoint());
      expect(resume.current?.fit.loop.step).toBe(step);
    }
    const resumed = await runLm(corpora, { ...opts, resume, onProgress: (p) => firsts.length === stops.length && firsts.push([p.run, p.step]) });
    // Each call continued the interrupted run at its next step (nothing finished was redone).
    expect(firsts).toEqual([['pretrain', 2], ['pretrain', 6], ['pretrain/kat', 4], ['lora', 6], ['full/muon', 4]]);
    const strip = (r: typeof whole) => ({ ...r, pretrainMs: 0, kat: { ...r.kat!, ms: 0 }, finetunes: r.finetunes.map((f) => ({ ...f, ms: 0 })) });
    expect(strip(resumed)).toEqual(strip(whole));
    // A checkpoint of another setting is refused.
    await expect(runLm(corpora, { ...opts, seed: 4, resume })).rejects.toThrow(/another seed or setting/);
  });
});

describe('KAT variant', () => {
  it('GR-KAN MLPs at about the SwiGLU parameter count; whole-model gradient passes gradCheck', () => {
    const { model, hidden } = katModel(QUICK, 0);
    expect(hidden % 8).toBe(0);
    const mlp = new TransformerLM({ ...QUICK.model, vocabSize: VOCAB_SIZE });
    expect(Math.abs(model.numParameters - mlp.numParameters) / mlp.numParameters).toBeLessThan(0.02);
    expect(model.parameters().some((p) => p.name.startsWith('model.layers.0.mlp.0.rational.'))).toBe(true);
    const tiny = katModel({ ...QUICK, model: { dim: 8, numLayers: 1, numHeads: 2, hidden: 8 } }, 1).model;
    const ids = { rows: 2, cols: 4, data: Float64Array.from([1, 5, 9, 2, 40, 3, 3, 7]) };
    // Form B's denominator uses |b_i|, which has a kink at b_i = 0 (some fitted coefficients sit
    // there); check the gradient at a generic point, every b_i away from 0.
    const r = rng(3);
    for (const p of tiny.parameters()) if (p.name.endsWith('rational.denominator')) for (let i = 0; i < p.value.length; i++) p.value[i] = (r.uniform() < 0.5 ? -1 : 1) * r.uniformIn(0.1, 0.5);
    const fixed: Module = {
      forward: () => tiny.forward(ids),
      backward: (dy) => {
        tiny.backward(dy);
        return { rows: 1, cols: 1, data: new Float64Array(1) };
      },
      parameters: () => tiny.parameters(),
      zeroGrad: () => tiny.zeroGrad(),
      toJSON: () => tiny.toJSON(),
    };
    assertGradCheck(fixed, { rows: 1, cols: 1, data: new Float64Array(1) }, { maxEntries: 40 });
  });
});
