// The Adapter workbench's compute: everything runs here, off the main thread, on the dropped
// file itself (Blob.slice reads one tensor at a time; nothing is uploaded).
import { rng } from '@x/gpu';
import {
  loadPeftAdapter,
  materialize,
  mergeIntoBase,
  pissaFromModel,
  readWeight,
  savePeftAdapter,
  spectrum,
} from '@x/peft';
import { readSafetensors, type SafetensorsReader, type TensorToWrite, writeSafetensors } from '@x/safetensors';
import type { WorkbenchReply, WorkbenchRequest } from './protocol';

let model: SafetensorsReader | null = null;

const post = (m: WorkbenchReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

function need(): SafetensorsReader {
  if (!model) throw new Error('open a .safetensors file first');
  return model;
}

async function handle(req: WorkbenchRequest): Promise<void> {
  const { id } = req;
  switch (req.type) {
    case 'open': {
      const r = await readSafetensors(req.file);
      model = r;
      post({ id, type: 'opened', tensors: r.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], bytes: t.byteLength })), metadata: { ...r.metadata }, fileSize: r.fileSize });
      return;
    }
    case 'spectrum': {
      const W = await readWeight('spectrum', need(), req.name.replace(/\.weight$/, ''));
      const { S, effectiveRank } = spectrum(W);
      post({ id, type: 'spectrum', name: req.name, S: Array.from(S), effectiveRank });
      return;
    }
    case 'pissa': {
      const { adapter, residual } = await pissaFromModel(need(), {
        target: req.target,
        rank: req.rank,
        alpha: req.alpha,
        niter: req.niter,
        onProgress: (p) => post({ id, type: 'progress', done: p.done, total: p.total, message: `PiSSA ${p.module}` }),
      });
      post({ id, type: 'progress', done: 0, total: 1, message: 'writing residual_model.safetensors' });
      const saved = savePeftAdapter(adapter);
      const res = await materialize(residual);
      const files = [
        { name: 'adapter_config.json', bytes: new TextEncoder().encode(saved.config) },
        { name: 'adapter_model.safetensors', bytes: saved.weights },
        { name: 'residual_model.safetensors', bytes: res },
      ];
      post({ id, type: 'files', files, summary: `${adapter.layers.length} modules, r = ${req.rank}, scaling = ${adapter.layers[0]!.scale}` }, files.map((f) => f.bytes.buffer as ArrayBuffer));
      return;
    }
    case 'merge': {
      const adapter = await loadPeftAdapter({ config: req.config, weights: req.weights });
      const plan = mergeIntoBase(need(), adapter);
      post({ id, type: 'progress', done: 0, total: 1, message: `merging ${adapter.layers.length} modules` });
      const bytes = await materialize(plan);
      post({ id, type: 'files', files: [{ name: 'merged_model.safetensors', bytes }], summary: `merged ${adapter.layers.length} modules` }, [bytes.buffer as ArrayBuffer]);
      return;
    }
    case 'selftest': {
      post({ id, type: 'model', bytes: tinyModel() });
      return;
    }
  }
}

/**
 * A small BF16 llama-shaped model (seeded) for the page's self-test: 2 layers, hidden 32, with
 * decaying spectra so a low-rank adapter captures most of each weight.
 */
function tinyModel(): Uint8Array {
  const g = rng(7);
  const H = 32;
  const I = 48;
  const tensors: Record<string, TensorToWrite> = {};
  const weight = (rows: number, cols: number) => {
    // Sum of rank-one terms with geometric weights: a spectrum that decays like 0.7^k.
    const data = new Float64Array(rows * cols);
    for (let k = 0; k < Math.min(rows, cols); k++) {
      const u = g.fillNormal(new Float64Array(rows));
      const v = g.fillNormal(new Float64Array(cols));
      const s = 0.7 ** k / Math.sqrt(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j]! += s * u[i]! * v[j]!;
    }
    return { dtype: 'BF16' as const, shape: [rows, cols], data };
  };
  tensors['model.embed_tokens.weight'] = weight(64, H);
  tensors['lm_head.weight'] = weight(64, H);
  tensors['model.norm.weight'] = { dtype: 'BF16', shape: [H], data: new Float64Array(H).fill(1) };
  for (let l = 0; l < 2; l++) {
    const p = `model.layers.${l}`;
    for (const m of ['q', 'k', 'v', 'o']) tensors[`${p}.self_attn.${m}_proj.weight`] = weight(H, H);
    tensors[`${p}.mlp.gate_proj.weight`] = weight(I, H);
    tensors[`${p}.mlp.up_proj.weight`] = weight(I, H);
    tensors[`${p}.mlp.down_proj.weight`] = weight(H, I);
    tensors[`${p}.input_layernorm.weight`] = { dtype: 'BF16', shape: [H], data: new Float64Array(H).fill(1) };
    tensors[`${p}.post_attention_layernorm.weight`] = { dtype: 'BF16', shape: [H], data: new Float64Array(H).fill(1) };
  }
  return writeSafetensors(tensors, { format: 'pt' });
}

self.onmessage = (e: MessageEvent<WorkbenchRequest>) => {
  handle(e.data).catch((err: unknown) => post({ id: e.data.id, type: 'error', message: (err as Error)?.message ?? String(err) }));
};
