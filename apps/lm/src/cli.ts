#!/usr/bin/env node
/**
 * Headless command: pre-train a character-level TransformerLM on prose, fine-tune it on
 * TypeScript declarations with full fine-tuning and adapters, print a summary.
 *
 *   pnpm --filter @x/lm start [--quick] [--seed N] [--methods full,lora,pissa,lora-xs,lora-sb,loldu,svfit,sorsa] [--optimizers adamw,muon,dct-adamw]
 *                             [--checkpoint file.json] [--json out.json] [--no-wasm] [--safetensors pre.safetensors]
 *                             [--no-kat] [--adapters dir]   (writes dir/<run>/adapter_config.json + adapter_model.safetensors for LoRA/PiSSA)
 *
 * --checkpoint: if the file exists, the pre-trained model is loaded from it (pre-training is
 * skipped); otherwise it is written after pre-training. Ctrl-C aborts between steps.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { disableWasm, enableWasm } from '@x/gpu';
import { saveSafetensors, TransformerLM } from '@x/nn';
import { loadCorpora } from './corpus';
import { type Method, type OptimizerName, runLm } from './run';
import { formatReport } from './summary';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
const quick = flag('quick');
// The wasm GEMM kernels (one thread) roughly halve a training step of the default model;
// @x/gpu loads them on its own, this only makes the choice explicit.
if (flag('no-wasm')) disableWasm();
else await enableWasm();
const ckpt = value('checkpoint');
const corpora = loadCorpora();
const t0 = performance.now();
const report = await runLm(corpora, {
  mode: quick ? 'quick' : 'default',
  seed: Number(value('seed') ?? 0),
  methods: value('methods')?.split(',') as Method[] | undefined,
  optimizers: (value('optimizers')?.split(',') as OptimizerName[] | undefined) ?? (quick ? [] : ['adamw', 'muon', 'dct-adamw']),
  kat: !flag('no-kat'),
  pretrained: ckpt && existsSync(ckpt) ? JSON.parse(readFileSync(ckpt, 'utf8')) : undefined,
  signal: ac.signal,
  progressEvery: 25,
  onProgress: (p) => process.stderr.write(`\r${p.run.padEnd(14)} step ${String(p.step).padStart(4)}/${p.steps}  loss ${p.loss.toFixed(3)}   `),
});
process.stderr.write('\n');
if (ckpt && !existsSync(ckpt)) writeFileSync(ckpt, JSON.stringify(report.pretrained));
// The pre-trained model as a safetensors file under the Hugging Face llama names.
const st = value('safetensors');
if (st) writeFileSync(st, saveSafetensors(TransformerLM.fromJSON(report.pretrained)));
console.log(formatReport(report, corpora.sources, (performance.now() - t0) / 1000));
const dir = value('adapters');
if (dir) {
  for (const f of report.finetunes) {
    if (!f.peftAdapter) continue;
    const d = join(dir, f.run);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'adapter_config.json'), f.peftAdapter.config);
    writeFileSync(join(d, 'adapter_model.safetensors'), f.peftAdapter.weights);
  }
}
const out = value('json');
if (out) writeFileSync(out, JSON.stringify({ ...report, pretrained: undefined, finetunes: report.finetunes.map((f) => ({ ...f, peftAdapter: undefined })) }, null, 1));
