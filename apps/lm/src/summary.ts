import type { CorpusSource } from './corpus';
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
  lines.push(`fine-tuning on code, ${c.finetuneSteps} steps each:`);
  lines.push('run              trainable   rank   code before -> after   prose after   frozen intact   s');
  for (const f of r.finetunes) {
    lines.push(
      `${f.run.padEnd(16)} ${String(f.trainable).padStart(9)}   ${String(f.rank ?? '-').padStart(4)}   ${r.codeLossBefore.toFixed(3)} -> ${f.codeLoss.toFixed(3)}        ${f.proseLoss.toFixed(3)}         ${f.method === 'full' ? 'n/a' : String(f.frozenUnchanged).padEnd(5)}     ${(f.ms / 1000).toFixed(1)}`,
    );
  }
  const best = [...r.finetunes].sort((a, b) => a.codeLoss - b.codeLoss)[0];
  if (best) lines.push(`lowest held-out code loss: ${best.run} (${best.codeLoss.toFixed(3)} with ${best.trainable} trainable parameters)`);
  lines.push('');
  lines.push(`sample before fine-tuning (prose prompt): ${JSON.stringify(r.proseSampleBefore)}`);
  lines.push(`sample before fine-tuning (code prompt):  ${JSON.stringify(r.sampleBefore)}`);
  for (const f of r.finetunes) lines.push(`sample after ${f.run}: ${JSON.stringify(f.sample)}`);
  lines.push(`total ${seconds.toFixed(1)} s, seed ${r.seed}`);
  return lines.join('\n');
}
