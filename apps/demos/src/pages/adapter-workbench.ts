// Adapter workbench: drop a .safetensors model, list its tensors, see any weight's singular
// values, run PiSSA or merge a PEFT adapter into it, and download the result. All of it runs in
// a Web Worker on the file itself; nothing leaves the browser.
// ?selftest=1 drives the same path on a generated BF16 model and publishes the checks (e2e).
import { bf16ToNumber } from '@x/safetensors';
import { el } from '../lib/dom';
import { mountShell } from '../lib/page';
import { linePlot } from '../lib/plot';
import type { OutFile, TensorRow, WorkbenchReply, WorkbenchRequest } from '../workbench/protocol';
import '../workbench/workbench.css';

type Req = WorkbenchRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const shell = mountShell({
  page: 'adapter-workbench',
  pkg: '@x/peft',
  title: 'Adapter workbench',
  intro:
    'Drop a .safetensors model: every tensor is listed from the header alone, a weight’s singular values are one click away, and PiSSA (PEFT’s init_lora_weights="pissa") or merging a PEFT LoRA adapter produces files that load in Hugging Face PEFT. Everything runs in a Web Worker on your file, read one tensor at a time; nothing is uploaded.',
});

const worker = new Worker(new URL('../workbench/worker.ts', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map<number, { resolve: (r: WorkbenchReply) => void; reject: (e: Error) => void; onProgress?: (r: Extract<WorkbenchReply, { type: 'progress' }>) => void }>();
worker.onmessage = (e: MessageEvent<WorkbenchReply>) => {
  const r = e.data;
  const p = pending.get(r.id);
  if (!p) return;
  if (r.type === 'progress') return p.onProgress?.(r);
  pending.delete(r.id);
  if (r.type === 'error') p.reject(new Error(r.message));
  else p.resolve(r);
};

function call<T extends WorkbenchReply['type']>(req: Req, onProgress?: (r: Extract<WorkbenchReply, { type: 'progress' }>) => void): Promise<Extract<WorkbenchReply, { type: T }>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (r: WorkbenchReply) => void, reject, onProgress });
    worker.postMessage({ ...req, id } as WorkbenchRequest);
  });
}

// --- layout ------------------------------------------------------------------------------------
const fileInput = el('input', { type: 'file', accept: '.safetensors' });
const drop = el('div', { class: 'card dropzone', 'data-testid': 'dropzone' }, el('p', {}, 'Drop a .safetensors file here, or choose one: '), fileInput);
const info = el('p', { class: 'muted' }, 'No file yet.');
const table = el('table', { class: 'tensors' });
const tableCard = el('article', { class: 'card' }, el('h3', {}, 'Tensors'), info, el('div', { class: 'table-scroll' }, table));
const plotBox = el('div', { class: 'plot' });
const spectrumNote = el('p', { class: 'muted' }, 'Click a 2-D weight in the table to see its singular values.');
const spectrumCard = el('article', { class: 'card', 'data-testid': 'spectrum' }, el('h3', {}, 'Singular values'), spectrumNote, plotBox);

const target = el('input', { type: 'text', value: 'q_proj,v_proj', size: '24' });
const rank = el('input', { type: 'number', value: '8', min: '1', size: '4' });
const alpha = el('input', { type: 'number', value: '16', min: '0', step: 'any', size: '4' });
const niter = el('input', { type: 'number', value: '', min: '0', placeholder: 'exact', size: '5' });
const pissaBtn = el('button', { type: 'button', disabled: '' }, 'Run PiSSA');
const cfgInput = el('input', { type: 'file', accept: '.json' });
const wInput = el('input', { type: 'file', accept: '.safetensors' });
const mergeBtn = el('button', { type: 'button', disabled: '' }, 'Merge into base');
const progress = el('progress', { max: '1', value: '0' });
const progressMsg = el('span', { class: 'progress-message muted' });
const downloads = el('ul', { class: 'downloads' });
const actions = el(
  'article',
  { class: 'card' },
  el('h3', {}, 'PiSSA or merge'),
  el('p', { class: 'controls' }, 'target_modules ', target, ' r ', rank, ' lora_alpha ', alpha, ' niter ', niter, ' ', pissaBtn),
  el('p', { class: 'controls' }, 'adapter_config.json ', cfgInput, ' adapter_model.safetensors ', wInput, ' ', mergeBtn),
  el('p', { class: 'controls' }, progress, ' ', progressMsg),
  downloads,
);
shell.main.append(drop, tableCard, spectrumCard, actions);

let rows: TensorRow[] = [];

function setProgress(done: number, total: number, message: string) {
  progress.max = Math.max(total, 1);
  progress.value = done;
  progressMsg.textContent = message;
}

function offer(files: OutFile[]) {
  downloads.replaceChildren(
    ...files.map((f) => {
      const url = URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>]));
      return el('li', {}, el('a', { href: url, download: f.name, 'data-file': f.name }, f.name), ` (${f.bytes.length.toLocaleString()} bytes)`);
    }),
  );
}

async function open(file: Blob, name: string): Promise<TensorRow[]> {
  setProgress(0, 1, `reading the header of ${name}`);
  const r = await call<'opened'>({ type: 'open', file });
  rows = r.tensors;
  const total = rows.reduce((s, t) => s + t.bytes, 0);
  info.textContent = `${name}: ${rows.length} tensors, ${(total / 2 ** 20).toFixed(2)} MiB of data${Object.keys(r.metadata).length ? `, metadata ${JSON.stringify(r.metadata)}` : ''}`;
  table.replaceChildren(
    el('tr', {}, el('th', {}, 'name'), el('th', {}, 'dtype'), el('th', {}, 'shape'), el('th', {}, 'bytes')),
    ...rows.map((t) => {
      const tr = el('tr', { 'data-tensor': t.name }, el('td', {}, el('code', {}, t.name)), el('td', {}, t.dtype), el('td', {}, `[${t.shape.join(', ')}]`), el('td', {}, t.bytes.toLocaleString()));
      if (t.shape.length === 2 && ['F64', 'F32', 'F16', 'BF16'].includes(t.dtype)) {
        tr.classList.add('clickable');
        tr.addEventListener('click', () => void showSpectrum(t.name).catch(fail));
      }
      return tr;
    }),
  );
  pissaBtn.disabled = false;
  mergeBtn.disabled = false;
  setProgress(1, 1, 'ready');
  return rows;
}

async function showSpectrum(name: string) {
  spectrumNote.textContent = `computing the SVD of ${name}…`;
  const r = await call<'spectrum'>({ type: 'spectrum', name });
  spectrumNote.textContent = `${name}: σ₁ = ${r.S[0]?.toPrecision(4)}, effective rank ${r.effectiveRank.toFixed(2)} of ${r.S.length}`;
  plotBox.replaceChildren();
  linePlot(plotBox, { title: name, xLabel: 'index', yLabel: 'singular value', logY: true, series: [{ name: 'σ', x: r.S.map((_, i) => i + 1), y: r.S }] });
  return r;
}

async function runPissa(): Promise<Extract<WorkbenchReply, { type: 'files' }>> {
  const t = target.value.trim();
  const req: Req = {
    type: 'pissa',
    target: t.includes(',') || /^[\w.]+$/.test(t) ? t.split(',').map((s) => s.trim()).filter(Boolean) : t,
    rank: Number(rank.value),
    alpha: Number(alpha.value),
    niter: niter.value === '' ? undefined : Number(niter.value),
  };
  const r = await call<'files'>(req, (p) => setProgress(p.done, p.total, p.message));
  setProgress(1, 1, r.summary);
  offer(r.files);
  return r;
}

async function runMerge(config: string, weights: Blob): Promise<Extract<WorkbenchReply, { type: 'files' }>> {
  const r = await call<'files'>({ type: 'merge', config, weights }, (p) => setProgress(p.done, p.total, p.message));
  setProgress(1, 1, r.summary);
  offer(r.files);
  return r;
}

function fail(e: unknown) {
  const message = (e as Error).message ?? String(e);
  setProgress(0, 1, `error: ${message}`);
  shell.publish({ error: message });
}

async function openFile(f: File) {
  try {
    await open(f, f.name);
    shell.setStatus('done', `Opened ${f.name}.`);
  } catch (e) {
    fail(e);
  }
}

fileInput.addEventListener('change', () => fileInput.files?.[0] && void openFile(fileInput.files[0]));
drop.addEventListener('dragover', (e) => e.preventDefault());
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files?.[0];
  if (f) void openFile(f);
});
pissaBtn.addEventListener('click', () => void runPissa().catch(fail));
mergeBtn.addEventListener('click', async () => {
  const c = cfgInput.files?.[0];
  const w = wInput.files?.[0];
  if (!c || !w) return fail(new Error('choose adapter_config.json and adapter_model.safetensors'));
  await runMerge(await c.text(), w).catch(fail);
});

// --- self-test: the same calls on a generated model, with checks ---------------------------------
async function selftest() {
  const { bytes } = await call<'model'>({ type: 'selftest' });
  const listed = await open(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'tiny-llama (generated)');
  const q = 'model.layers.0.self_attn.q_proj.weight';
  const spec = await showSpectrum(q);
  rank.value = '4';
  alpha.value = '8';
  const pissa = await runPissa();
  const file = (n: string) => pissa.files.find((f) => f.name === n)!;
  const adapterConfig = new TextDecoder().decode(file('adapter_config.json').bytes);
  // Merging the PiSSA adapter back into its own residual must rebuild the original weights.
  const residual = new Blob([file('residual_model.safetensors').bytes as Uint8Array<ArrayBuffer>]);
  await open(residual, 'residual_model.safetensors');
  const merged = await runMerge(adapterConfig, new Blob([file('adapter_model.safetensors').bytes as Uint8Array<ArrayBuffer>]));
  const err = maxRelErrBf16(bytes, merged.files[0]!.bytes, q);
  const config = JSON.parse(adapterConfig);
  const ok = listed.length === 21 && spec.S.length === 32 && config.init_lora_weights === 'pissa' && config.r === 4 && err <= 2 ** -7;
  shell.publish({
    done: true,
    ok,
    tensors: listed.length,
    spectrumLength: spec.S.length,
    effectiveRank: spec.effectiveRank,
    files: pissa.files.map((f) => f.name),
    mergeRelErr: err,
  });
  shell.setStatus(ok ? 'done' : 'error', `Self-test ${ok ? 'passed' : 'failed'}: PiSSA wrote ${pissa.files.length} files; residual + adapter rebuilds ${q} within ${err.toExponential(2)} (bf16 rounding twice).`);
}

/** Largest |merged − original| / |original| over one BF16 tensor of two files (parsed here, independently of the worker). */
function maxRelErrBf16(a: Uint8Array, b: Uint8Array, name: string): number {
  const read = (f: Uint8Array) => {
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const n = dv.getUint32(0, true);
    const h = JSON.parse(new TextDecoder().decode(f.subarray(8, 8 + n)));
    const [s, e] = h[name].data_offsets as [number, number];
    const out: number[] = [];
    for (let i = 8 + n + s; i < 8 + n + e; i += 2) out.push(bf16ToNumber(dv.getUint16(i, true)));
    return out;
  };
  const x = read(a);
  const y = read(b);
  let m = 0;
  const scale = Math.max(...x.map(Math.abs));
  x.forEach((v, i) => {
    m = Math.max(m, Math.abs(v - y[i]!) / scale);
  });
  return m;
}

if (new URLSearchParams(location.search).has('selftest')) {
  selftest().catch((e) => {
    fail(e);
    shell.setStatus('error', `Self-test failed: ${(e as Error).message}`);
  });
} else {
  shell.publish({ done: true, ok: true });
  shell.setStatus('done', 'Ready: drop a .safetensors file.');
}
