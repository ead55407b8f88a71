import type { CorpusSource } from './sources';
import type { LmReport } from './run';

/** The run as plain text: corpora, model, held-out losses per method and budget, samples. */
export function formatReport(r: LmReport, sources: readonly CorpusSource[], seconds: number): string {
  const c = r.config;
  const lines: string[] = [];
  for (const s of sources) lines.push(`corpus ${s.name}: ${s.package}@${s.version} ${s.files.join(', ')} (${s.chars} chars, ${s.license})`);
  lines.push(
    `model: llama-style, dim ${c.model.dim}, ${c.model.numLayers} layers, ${c.model.numHeads} heads (${c.model.numKvHeads} kv), SwiGLU ${c.model.hidden}, ${r.parameters} parameters; T ${c.seqLen}, batch ${c.batchSize}`,
  );
  lines.push(`held-out loss (nats/char), untrained: prose ${r.initProseLoss.toFixed(3)}, code ${r.initCodeLoss.toFixed(3)}`);
  lines.push(`after ${c.pretrainSteps} pre-training steps on prose: prose ${r.proseLossBefore.toFixed(3)}, code ${r.codeLossBefore.toFixed(3)} (${(r.pretrainMs / 1000).toFixed(1)} s)`);
  if (r.kat) {
    const k = r.kat;
    lines.push(
      `KAT variant (GR-KAN MLPs, hidden ${k.hidden}, ${k.parameters} parameters vs ${k.mlpParameters}): held-out prose ${k.proseLoss.toFixed(3)} vs ${r.proseLossBefore.toFixed(3)} (SwiGLU), code ${k.codeLoss.toFixed(3)} vs ${r.codeLossBefore.toFixed(3)} (${(k.ms / 1000).toFixed(1)} s)`,
    );
  }
  lines.push('');
  lines.push(`fine-tuning on code, ${c.finetuneSteps} steps each, from the same pre-trained (SwiGLU) weights:`);
  lines.push('run              trainable   budget   rank   code before -> after   prose after   frozen intact   s');
  const ref = r.finetunes.find((f) => f.method === 'lora')?.trainable;
  for (const f of r.finetunes) {
    const budget = ref ? `${((100 * f.trainable) / ref).toFixed(0)}%` : '-';
    lines.push(
      `${f.run.padEnd(16)} ${String(f.trainable).padStart(9)}   ${budget.padStart(6)}   ${String(f.rank ?? '-').padStart(4)}   ${r.codeLossBefore.toFixed(3)} -> ${f.codeLoss.toFixed(3)}        ${f.proseLoss.toFixed(3)}         ${f.method === 'full' ? 'n/a' : String(f.frozenUnchanged).padEnd(5)}     ${(f.ms / 1000).toFixed(1)}`,
    );
  }
  if (ref) lines.push('(budget: trainable parameters relative to LoRA\'s)');
  lines.push('');
  lines.push(...conclusions(r));
  lines.push('');
  lines.push(`sample before fine-tuning (prose prompt): ${JSON.stringify(r.proseSampleBefore)}`);
  lines.push(`sample before fine-tuning (code prompt):  ${JSON.stringify(r.sampleBefore)}`);
  for (const f of r.finetunes) lines.push(`sample after ${f.run}: ${JSON.stringify(f.sample)}`);
  lines.push(`total ${seconds.toFixed(1)} s, seed ${r.seed}`);
  return lines.join('\n');
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;

/** The outcome in sentences, with numbers: which method reached which held-out loss at which budget, and KAT vs MLP. */
export function conclusions(r: LmReport): string[] {
  const out: string[] = [];
  const fts = [...r.finetunes].sort((a, b) => a.codeLoss - b.codeLoss);
  const ref = r.finetunes.find((f) => f.method === 'lora');
  const matched = ref ? fts.filter((f) => f.method !== 'full' && Math.abs(f.trainable - ref.trainable) <= 0.15 * ref.trainable) : [];
  if (matched.length > 0) {
    const m = Math.round(matched.reduce((s, f) => s + f.trainable, 0) / matched.length);
    out.push(
      `At about ${m} trainable parameters (${pct(m, r.parameters)} of the model): ${matched.map((f) => `${f.run} ${f.codeLoss.toFixed(3)} (${f.trainable})`).join(', ')}; best ${matched[0]!.run}.`,
    );
  }
  const under = ref ? fts.filter((f) => f.method !== 'full' && !matched.includes(f)) : fts.filter((f) => f.method !== 'full');
  for (const f of under) {
    out.push(`${f.run} cannot reach that budget (rank at most min(in, out) per projection): ${f.trainable} trainable parameters reached ${f.codeLoss.toFixed(3)}.`);
  }
  const full = fts.filter((f) => f.method === 'full');
  if (full.length > 0) out.push(`Full fine-tuning (${full[0]!.trainable} trainable): ${full.map((f) => `${f.run} ${f.codeLoss.toFixed(3)} (prose after ${f.proseLoss.toFixed(3)})`).join(', ')}.`);
  if (fts[0]) out.push(`Lowest held-out code loss: ${fts[0].run}, ${fts[0].codeLoss.toFixed(3)} from ${r.codeLossBefore.toFixed(3)} with ${fts[0].trainable} trainable parameters.`);
  if (r.kat) {
    const k = r.kat;
    const d = k.proseLoss - r.proseLossBefore;
    out.push(
      `KAT vs MLP at ${k.parameters} vs ${k.mlpParameters} parameters (${pct(Math.abs(k.parameters - k.mlpParameters), k.mlpParameters)} apart), same data, steps and learning rate: held-out prose ${k.proseLoss.toFixed(3)} vs ${r.proseLossBefore.toFixed(3)}, so ${d < 0 ? 'KAT' : 'the MLP'} is lower by ${Math.abs(d).toFixed(3)} nats/char${r.pretrainLosses.length > 0 ? `; ${(k.ms / r.pretrainMs).toFixed(2)}x the SwiGLU pre-training time` : ''}.`,
    );
  }
  return out;
}
