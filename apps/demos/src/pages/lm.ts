// The language-model app's page (@x/lm): pre-train a character-level TransformerLM on prose,
// fine-tune it on TypeScript with full fine-tuning and adapters (and Muon / DCT-AdamW), KAT vs
// MLP — live loss curves, held-out losses, samples before and after. Training runs in a Web
// Worker (../lm/worker.ts); Abort keeps a checkpoint that Resume continues from.
// ?preset=full picks the command's setting, ?seed=N the seed, ?autorun=0 waits for Run.
import type { ExperimentPlot } from '@x/gpu/experiments';
import type { FinetuneResult, KatResult, LmCheckpoint, LmStage } from '@x/lm';
import type { CpuKernels } from '../lib/worker-protocol';
import { el, fmt } from '../lib/dom';
import { mountShell } from '../lib/page';
import { linePlot, type PlotHandle } from '../lib/plot';
import type { LmPreset, LmReply, LmRequest } from '../lm/protocol';
import { PRESET_TEXT, presetConfig, progressEvery, RUN_LABELS } from '../lm/settings';

const shell = mountShell({
  page: 'lm',
  pkg: '@x/lm',
  title: 'pre-train a small language model, then fine-tune it',
  intro:
    'A character-level, llama-style TransformerLM (@x/nn) pre-trained on English prose (the license texts and READMEs the typescript npm package ships), then adapted to TypeScript declarations (its lib.es5.d.ts) with full fine-tuning and model-wide adapters from @x/peft — LoRA, PiSSA, LoRA-XS, LoRA-SB, LoLDU — and full fine-tuning again with @x/optim’s Muon and DCT-AdamW; the KAT variant (GR-KAN MLPs from @x/inr) is pre-trained beside the SwiGLU model at equal parameters. Everything trains in a Web Worker in this tab, seeded; Abort keeps a checkpoint, Resume continues from it.',
});

const params = new URLSearchParams(location.search);

// --- controls -------------------------------------------------------------------------------------
const presetSelect = el(
  'select',
  { 'data-testid': 'preset' },
  el('option', { value: 'quick' }, 'quick (default)'),
  el('option', { value: 'full' }, 'full (the command’s default)'),
);
presetSelect.value = params.get('preset') === 'full' ? 'full' : 'quick';
const presetNote = el('p', { class: 'muted', 'data-testid': 'preset-note' });
const seedInput = el('input', { type: 'number', value: String(Number(params.get('seed') ?? 0) || 0), min: '0', step: '1', size: '5' });
const runBtn = el('button', { type: 'button', 'data-action': 'run' }, 'Run');
const abortBtn = el('button', { type: 'button', 'data-action': 'abort', disabled: '' }, 'Abort');
const resumeBtn = el('button', { type: 'button', 'data-action': 'resume', disabled: '' }, 'Resume from checkpoint');
const saveLink = el('a', { 'data-action': 'save', hidden: '' }, 'Save checkpoint');
const loadInput = el('input', { type: 'file', accept: '.json', 'data-action': 'load' });
const progress = el('progress', { max: '1', value: '0' });
const progressMsg = el('span', { class: 'progress-message muted' }, 'starting the worker…');
const info = el('p', { class: 'muted', 'data-testid': 'info' });
shell.main.append(
  el(
    'article',
    { class: 'card' },
    el('p', { class: 'controls' }, 'setting ', presetSelect, ' seed ', seedInput, ' ', runBtn, ' ', abortBtn, ' ', resumeBtn),
    presetNote,
    el('p', { class: 'controls' }, progress, ' ', progressMsg),
    el('p', { class: 'controls muted' }, saveLink, ' load a saved checkpoint ', loadInput),
    info,
  ),
);
const showPreset = () => {
  presetNote.textContent = `${PRESET_TEXT[presetSelect.value as LmPreset]}. Full fine-tuning, LoRA, PiSSA, LoRA-XS, LoRA-SB, LoLDU (AdamW), full fine-tuning with Muon and DCT-AdamW, and the KAT variant.`;
};
presetSelect.addEventListener('change', showPreset);
showPreset();

// --- live curves ----------------------------------------------------------------------------------
interface Curve {
  title: string;
  runs: readonly string[];
  names: readonly string[];
  plot: ExperimentPlot;
  handle: PlotHandle | null;
  host: HTMLElement;
}
function curve(title: string, runs: readonly string[], names: readonly string[], testid: string): Curve {
  const host = el('div', { class: 'plot', 'data-testid': testid });
  const plot: ExperimentPlot = { title, xLabel: 'step', yLabel: 'minibatch loss (nats/char)', series: names.map((name) => ({ name, x: [], y: [] })) };
  return { title, runs, names, plot, handle: null, host };
}
const PRE = curve('Pre-training on prose (live)', ['pretrain', 'pretrain/kat'], ['SwiGLU MLP', 'KAT (GR-KAN)'], 'curve-pretrain');
const METHOD_RUNS = RUN_LABELS.filter((r) => !r.includes('/'));
const OPT_RUNS = ['full', ...RUN_LABELS.filter((r) => r.startsWith('full/'))];
const FT = curve('Fine-tuning on TypeScript: methods (AdamW)', METHOD_RUNS, METHOD_RUNS, 'curve-methods');
const OPT = curve('Full fine-tuning: optimizers', OPT_RUNS, ['full', 'full/muon', 'full/dct-adamw'], 'curve-optimizers');
const CURVES = [PRE, FT, OPT];
shell.main.append(
  el('article', { class: 'card' }, el('h3', {}, 'Loss curves'), el('div', { class: 'plots' }, PRE.host), el('div', { class: 'plots two' }, FT.host, OPT.host)),
);
for (const c of CURVES) c.handle = linePlot(c.host, c.plot);

let redraw = 0;
function scheduleRedraw() {
  if (redraw) return;
  redraw = requestAnimationFrame(() => {
    redraw = 0;
    for (const c of CURVES) c.handle?.update(c.plot);
  });
}
function addPoint(run: string, step: number, loss: number) {
  for (const c of CURVES) {
    const i = c.runs.indexOf(run);
    if (i < 0) continue;
    const s = c.plot.series[i]!;
    s.x.push(step);
    s.y.push(loss);
  }
  scheduleRedraw();
}
/** Drops every point after `keep(run)` steps (all of a run that is not kept). */
function trimCurves(keep: (run: string) => number) {
  for (const c of CURVES) {
    c.runs.forEach((run, i) => {
      const s = c.plot.series[i]!;
      const n = s.x.filter((x) => x <= keep(run)).length;
      s.x.length = n;
      s.y.length = n;
    });
  }
  scheduleRedraw();
}
const pointCounts = () => Object.fromEntries(CURVES.flatMap((c) => c.runs.map((run, i) => [run, c.plot.series[i]!.x.length])));

// --- results --------------------------------------------------------------------------------------
const heldOut = el('table', { class: 'data', 'data-testid': 'held-out' });
const ftTable = el('table', { class: 'data', 'data-testid': 'finetunes' });
const samples = el('div', { 'data-testid': 'samples' });
const outcome = el('ul', { 'data-testid': 'conclusions' });
shell.main.append(
  el('article', { class: 'card' }, el('h3', {}, 'Held-out loss (nats per character; ln 97 = 4.57 is a uniform guess)'), heldOut, el('h3', {}, 'Fine-tuning on TypeScript, from the same pre-trained weights'), ftTable, outcome),
  el('article', { class: 'card' }, el('h3', {}, 'Generated samples (temperature 0.7, top-10)'), samples),
);

interface Pretrained {
  parameters: number;
  initProseLoss: number;
  initCodeLoss: number;
  proseLossBefore: number;
  codeLossBefore: number;
  sampleBefore: string;
  proseSampleBefore: string;
}
let pre: Pretrained | null = null;
let kat: KatResult | null = null;
let finetunes: FinetuneResult[] = [];

function renderResults() {
  const row = (cells: string[], head = false) => el('tr', {}, ...cells.map((c) => el(head ? 'th' : 'td', {}, c)));
  heldOut.replaceChildren(row(['model', 'parameters', 'prose', 'code'], true));
  if (pre) {
    heldOut.append(row(['untrained', String(pre.parameters), fmt(pre.initProseLoss, 3), fmt(pre.initCodeLoss, 3)]));
    heldOut.append(row(['SwiGLU MLP, pre-trained on prose', String(pre.parameters), fmt(pre.proseLossBefore, 3), fmt(pre.codeLossBefore, 3)]));
  }
  if (kat) heldOut.append(row([`KAT (GR-KAN ×2, hidden ${kat.hidden}), same data and steps`, String(kat.parameters), fmt(kat.proseLoss, 3), fmt(kat.codeLoss, 3)]));
  const lora = finetunes.find((f) => f.method === 'lora')?.trainable;
  ftTable.replaceChildren(row(['run', 'trainable', 'budget vs LoRA', 'rank', 'code before → after', 'prose after', 'frozen weights intact', 's'], true));
  for (const f of finetunes) {
    const tr = row([
      f.run,
      String(f.trainable),
      lora ? `${Math.round((100 * f.trainable) / lora)}%` : '-',
      f.rank === null ? '-' : String(f.rank),
      `${fmt(pre?.codeLossBefore, 3)} → ${fmt(f.codeLoss, 3)}`,
      fmt(f.proseLoss, 3),
      f.method === 'full' ? 'n/a' : f.frozenUnchanged ? 'yes' : 'NO',
      fmt(f.ms / 1000, 1),
    ]);
    tr.dataset.run = f.run;
    ftTable.append(tr);
  }
  const sample = (label: string, text: string) => el('div', { class: 'sample' }, el('p', { class: 'muted' }, label), el('pre', {}, text));
  samples.replaceChildren(
    ...(pre ? [sample('before fine-tuning, prose prompt', pre.proseSampleBefore), sample('before fine-tuning, code prompt', pre.sampleBefore)] : [el('p', { class: 'muted' }, 'After pre-training.')]),
    ...finetunes.map((f) => sample(`after ${f.run}`, f.sample)),
  );
}

function onStage(s: LmStage) {
  if (s.type === 'pretrained') pre = s;
  else if (s.type === 'kat') kat = s.kat;
  else if (!finetunes.some((f) => f.run === s.result.run)) finetunes.push(s.result);
  renderResults();
}

// --- the worker -----------------------------------------------------------------------------------
// ?threads=N caps the wasm thread pool (the worker reads its name).
const worker = new Worker(new URL('../lm/worker.ts', import.meta.url), { type: 'module', name: `lm threads=${params.get('threads') ?? 'auto'}` });
let cpu: CpuKernels | null = null;
let runId = 0;
let running = false;
let checkpoint: { ck: LmCheckpoint; preset: LmPreset; seed: number; at: string } | null = null;
let current: { preset: LmPreset; seed: number; totalSteps: number; resumedFrom: string | null } | null = null;
let progressReports = 0;
let lastProgress: { run: string; step: number; loss: number } | null = null;
let firstProgress: { run: string; step: number; loss: number } | null = null;
const runsLog: Array<Record<string, unknown>> = [];

function totalSteps(preset: LmPreset): number {
  const c = presetConfig(preset);
  return 2 * c.pretrainSteps + RUN_LABELS.length * c.finetuneSteps;
}
/** Steps done so far across all runs, from the curves' last points. */
function stepsDone(preset: LmPreset, run: string, step: number): number {
  const c = presetConfig(preset);
  if (run === 'pretrain') return step;
  if (run === 'pretrain/kat') return c.pretrainSteps + step;
  return 2 * c.pretrainSteps + RUN_LABELS.indexOf(run) * c.finetuneSteps + step;
}

function setButtons() {
  runBtn.disabled = running || !cpu;
  abortBtn.disabled = !running;
  resumeBtn.disabled = running || !checkpoint;
  presetSelect.disabled = running;
  seedInput.disabled = running;
  loadInput.disabled = running;
  if (saveLink.href) URL.revokeObjectURL(saveLink.href);
  saveLink.hidden = running || !checkpoint;
  if (checkpoint && !running) {
    // The adapters' PEFT bytes stay out of the file (the page does not show them).
    const ck = { ...checkpoint, ck: { ...checkpoint.ck, finetunes: checkpoint.ck.finetunes.map((f) => ({ ...f, peftAdapter: undefined })) } };
    saveLink.href = URL.createObjectURL(new Blob([JSON.stringify(ck)], { type: 'application/json' }));
    saveLink.download = `lm-checkpoint-${checkpoint.preset}-seed${checkpoint.seed}.json`;
  } else saveLink.removeAttribute('href');
}

/** A saved checkpoint: its curves are redrawn from the losses it holds; Resume continues it. */
async function loadCheckpoint(file: File) {
  try {
    const saved = JSON.parse(await file.text()) as NonNullable<typeof checkpoint>;
    if (saved?.ck?.version !== 1 || (saved.preset !== 'quick' && saved.preset !== 'full') || !Number.isInteger(saved.seed)) throw new Error('not a checkpoint saved by this page');
    checkpoint = saved;
    presetSelect.value = saved.preset;
    seedInput.value = String(saved.seed);
    showPreset();
    const every = progressEvery(saved.preset);
    const losses = new Map<string, number[]>();
    if (saved.ck.pretrainLosses) losses.set('pretrain', saved.ck.pretrainLosses);
    if (saved.ck.kat) losses.set('pretrain/kat', saved.ck.kat.losses);
    for (const f of saved.ck.finetunes) losses.set(f.run, f.losses);
    if (saved.ck.current) losses.set(saved.ck.current.run, saved.ck.current.fit.losses);
    trimCurves(() => 0);
    for (const [run, ls] of losses) {
      for (let i = every - 1; i < ls.length; i += every) addPoint(run, i + 1, ls[i]!);
    }
    pre = null;
    kat = saved.ck.kat ?? null;
    finetunes = [...saved.ck.finetunes];
    renderResults();
    progressMsg.textContent = `loaded a checkpoint at ${saved.at}`;
    shell.setStatus('done', `Loaded a checkpoint at ${saved.at} (${saved.preset}, seed ${saved.seed}): Resume continues from there.`);
    publish('loaded', { done: true, ok: true });
  } catch (e) {
    shell.setStatus('done', `Could not load ${file.name}: ${(e as Error).message}`);
  }
  setButtons();
}

function publish(state: string, extra: Record<string, unknown> = {}) {
  shell.publish({
    state,
    runner: 'worker',
    cpu,
    preset: current?.preset ?? (presetSelect.value as LmPreset),
    seed: current?.seed ?? Number(seedInput.value),
    progressEvery: progressEvery(current?.preset ?? (presetSelect.value as LmPreset)),
    resumedFrom: current?.resumedFrom ?? null,
    checkpointAt: checkpoint?.at ?? null,
    progressReports,
    lastProgress,
    firstProgress,
    points: pointCounts(),
    pretrainLosses: PRE.plot.series[0]!.y.slice(),
    heldOut: pre && { parameters: pre.parameters, untrained: { prose: pre.initProseLoss, code: pre.initCodeLoss }, pretrained: { prose: pre.proseLossBefore, code: pre.codeLossBefore } },
    kat: kat && { parameters: kat.parameters, prose: kat.proseLoss, code: kat.codeLoss },
    finetunes: finetunes.map((f) => ({ run: f.run, trainable: f.trainable, rank: f.rank, codeLoss: f.codeLoss, proseLoss: f.proseLoss, frozenUnchanged: f.frozenUnchanged })),
    runs: runsLog,
    ...extra,
  });
}

function start(resume: typeof checkpoint) {
  const preset = resume ? resume.preset : (presetSelect.value as LmPreset);
  const seed = resume ? resume.seed : Math.max(0, Math.floor(Number(seedInput.value) || 0));
  runId++;
  running = true;
  current = { preset, seed, totalSteps: totalSteps(preset), resumedFrom: resume?.at ?? null };
  progressReports = 0;
  firstProgress = null;
  if (resume) {
    // Keep what the checkpoint holds: finished runs whole, the interrupted one up to its step.
    const ck = resume.ck;
    const doneRuns = new Set(ck.finetunes.map((f) => f.run));
    if (ck.pretrained) doneRuns.add('pretrain');
    if (ck.kat) doneRuns.add('pretrain/kat');
    trimCurves((run) => (doneRuns.has(run) ? Number.POSITIVE_INFINITY : ck.current?.run === run ? ck.current.fit.loop.step : 0));
    finetunes = finetunes.filter((f) => doneRuns.has(f.run));
    if (!ck.kat) kat = null;
  } else {
    trimCurves(() => 0);
    pre = null;
    kat = null;
    finetunes = [];
    checkpoint = null;
  }
  outcome.replaceChildren();
  renderResults();
  setButtons();
  shell.setStatus('running', resume ? `Resuming from ${resume.at} (${preset}, seed ${seed})…` : `Training (${preset}, seed ${seed})…`);
  publish('running');
  const req: LmRequest = { type: 'run', runId, preset, seed, resume: resume?.ck };
  worker.postMessage(req);
}

worker.onmessage = (e: MessageEvent<LmReply>) => {
  const m = e.data;
  if (m.type === 'ready') {
    cpu = m.cpu;
    info.textContent = `Corpora (bundled, from typescript@${m.corpora[0]?.version}, ${m.corpora[0]?.license}): ${m.corpora.map((c) => `${c.name} ${c.chars.toLocaleString()} characters (${c.files.join(', ')})`).join('; ')}. Kernels: ${cpu.backend}${cpu.backend === 'wasm' ? `, ${cpu.threads} thread${cpu.threads > 1 ? 's' : ''}` : ''}.`;
    shell.publish({ corpora: m.corpora });
    setButtons();
    if (params.get('autorun') === '0') {
      shell.setStatus('done', 'Ready: press Run.');
      publish('idle', { done: true, ok: true });
    } else start(null);
    return;
  }
  if (m.runId !== runId || !current) return;
  if (m.type === 'progress') {
    progressReports++;
    lastProgress = { run: m.run, step: m.step, loss: m.loss };
    firstProgress ??= lastProgress;
    addPoint(m.run, m.step, m.loss);
    progress.max = current.totalSteps;
    progress.value = stepsDone(current.preset, m.run, m.step);
    progressMsg.textContent = `${m.run}: step ${m.step}/${m.steps}, minibatch loss ${m.loss.toFixed(3)}`;
    publish('running');
  } else if (m.type === 'stage') {
    onStage(m.stage);
    publish('running');
  } else {
    running = false;
    const entry: Record<string, unknown> = { runId, preset: current.preset, seed: current.seed, resumedFrom: current.resumedFrom, progressReports, end: m.type };
    if (m.type === 'done') {
      progress.value = progress.max;
      progressMsg.textContent = `done in ${(m.ms / 1000).toFixed(1)} s`;
      outcome.replaceChildren(...m.conclusions.map((t) => el('li', {}, t)));
      checkpoint = null;
      const ok = finetunes.length === RUN_LABELS.length && finetunes.every((f) => f.codeLoss < m.report.codeLossBefore && (f.method === 'full' || f.frozenUnchanged));
      entry.ms = m.ms;
      runsLog.push(entry);
      shell.setStatus(ok ? 'done' : 'error', `Done in ${(m.ms / 1000).toFixed(1)} s: ${m.conclusions.at(-1) ?? ''}`);
      publish('done', { done: true, ok, conclusions: m.conclusions });
    } else if (m.type === 'aborted') {
      checkpoint = m.checkpoint ? { ck: m.checkpoint, preset: current.preset, seed: current.seed, at: m.at } : null;
      progressMsg.textContent = `aborted at ${m.at}`;
      entry.at = m.at;
      runsLog.push(entry);
      shell.setStatus('done', `Aborted at ${m.at}. ${checkpoint ? 'Resume continues from there.' : ''}`);
      publish('aborted', { done: true, ok: true });
    } else {
      entry.error = m.message;
      runsLog.push(entry);
      shell.setStatus('error', `Error: ${m.message}`);
      publish('error', { done: true, ok: false, error: m.message });
    }
    setButtons();
  }
};
worker.onerror = (e) => {
  running = false;
  setButtons();
  shell.setStatus('error', `The worker failed: ${e.message}`);
  publish('error', { done: true, ok: false, error: e.message });
};

runBtn.addEventListener('click', () => !running && cpu && start(null));
resumeBtn.addEventListener('click', () => !running && checkpoint && start(checkpoint));
loadInput.addEventListener('change', () => loadInput.files?.[0] && void loadCheckpoint(loadInput.files[0]));
abortBtn.addEventListener('click', () => {
  if (!running) return;
  worker.postMessage({ type: 'abort', runId } satisfies LmRequest);
  progressMsg.textContent = 'aborting…';
});
setButtons();
renderResults();
