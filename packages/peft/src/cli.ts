#!/usr/bin/env node
// x-peft: PEFT adapter directories and safetensors models from the command line (Node only).
import { parseArgs } from 'node:util';
import { EvaCollector } from './eva';
import { convertPissaToLora, type ModelProgress, mergeIntoBase, pissaFromModel, spectrum, targetedModules } from './model-files';
import { configForLayers, type PeftAdapter, type PeftLoraLayer } from './peft-adapter';
import { type PeftLoraConfig, peftLoraConfig } from './peft-config';
import { mergePeftAdapters, type PeftMergeMethod } from './peft-merge';
import { adapterFiles, loadPeftAdapterDir, modelFile, writeModelPlan, writeOutputs } from './node';
import { readSafetensors } from '@x/safetensors/node';

const USAGE = `usage:
  x-peft inspect FILE.safetensors [--json] [--spectrum] [--top K]
  x-peft pissa --model MODEL.safetensors (--target a,b | --target-regex RE) --rank R [--alpha A] [--niter K] [--rslora] [--fan-in-fan-out] [--seed S] [--base-model NAME] [--task-type T] --out DIR [--json]
  x-peft eva --model MODEL.safetensors --inputs INPUTS.safetensors (--target a,b | --target-regex RE) --rank R [--alpha A] [--rho P] [--tau T] [--batch N] --out DIR [--json]
  x-peft merge-into-base --model MODEL.safetensors --adapter DIR --out OUT.safetensors [--json]
  x-peft convert-pissa --initial DIR0 --trained DIR1 --out DIR [--json]
  x-peft merge --method linear|svd|cat|ties|dare_linear|dare_ties --weights w1,w2 [--density D] [--rank K] [--seed S] ADAPTER_DIR... --out DIR [--json]`;

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function need(v: Values, name: string): string {
  const x = v[name];
  if (typeof x !== 'string' || x === '') throw new UsageError(`--${name} is required`);
  return x;
}

function number(v: Values, name: string, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  const x = v[name];
  if (x === undefined) return undefined;
  const n = Number(x);
  if (typeof x !== 'string' || x.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got ${JSON.stringify(x)}`);
  }
  return n;
}

function targetOf(v: Values): PeftLoraConfig['target_modules'] {
  if (typeof v['target-regex'] === 'string') return v['target-regex'];
  const t = need(v, 'target')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (t.length === 0) throw new UsageError('--target is empty');
  return t;
}

function progress(quiet: boolean) {
  return (p: ModelProgress) => {
    if (!quiet) process.stderr.write(`[${p.done}/${p.total}] ${p.stage} ${p.module}\n`);
  };
}

function out(v: Values, data: unknown, text: string): void {
  process.stdout.write(v.json ? `${JSON.stringify(data, null, 2)}\n` : text);
}

function fmtBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(w[j]!))).join('  ').trimEnd()).join('\n') + '\n';
}

async function inspect(v: Values, files: string[]): Promise<void> {
  if (files.length !== 1) throw new UsageError('inspect takes one FILE');
  const top = number(v, 'top', { integer: true, min: 1 }) ?? 8;
  const r = await readSafetensors(files[0]!);
  try {
    const tensors = [];
    for (const t of r.tensors) {
      const row: Record<string, unknown> = { name: t.name, dtype: t.dtype, shape: [...t.shape], bytes: t.byteLength };
      if (v.spectrum && t.shape.length === 2 && ['F64', 'F32', 'F16', 'BF16'].includes(t.dtype) && t.size > 0) {
        const { data } = await r.float64(t.name);
        const { S, effectiveRank } = spectrum({ rows: t.shape[0]!, cols: t.shape[1]!, data });
        row.spectrum = { top: Array.from(S.subarray(0, top)), effectiveRank };
      }
      tensors.push(row);
    }
    const total = r.tensors.reduce((s, t) => s + t.byteLength, 0);
    const rows = [['name', 'dtype', 'shape', 'bytes', ...(v.spectrum ? ['eff.rank', `top singular values`] : [])]];
    for (const t of tensors) {
      const s = t.spectrum as { top: number[]; effectiveRank: number } | undefined;
      rows.push([
        t.name as string,
        t.dtype as string,
        `[${(t.shape as number[]).join(', ')}]`,
        String(t.bytes),
        ...(v.spectrum ? (s ? [s.effectiveRank.toFixed(2), s.top.map((x) => x.toPrecision(4)).join(' ')] : ['', '']) : []),
      ]);
    }
    const meta = Object.keys(r.metadata).length ? `metadata: ${JSON.stringify(r.metadata)}\n` : '';
    out(v, { tensors, metadata: r.metadata }, `${table(rows)}${r.tensors.length} tensors, ${fmtBytes(total)} of data\n${meta}`);
  } finally {
    await r.close();
  }
}

function adapterSummary(dir: string, a: PeftAdapter, files: string[]) {
  return {
    out: dir,
    files,
    r: a.config.r,
    lora_alpha: a.config.lora_alpha,
    init_lora_weights: a.config.init_lora_weights,
    modules: a.layers.map((l) => ({ module: l.module, r: l.A.rows, in: l.A.cols, out: l.B.rows, scaling: l.scale })),
  };
}

function adapterText(a: PeftAdapter, files: string[]): string {
  const l = a.layers[0]!;
  return `${a.layers.length} modules, r = ${a.config.r}, lora_alpha = ${a.config.lora_alpha}, scaling = ${l.scale}\n${files.map((f) => `wrote ${f}\n`).join('')}`;
}

async function pissa(v: Values): Promise<void> {
  const dir = need(v, 'out');
  const rank = number(v, 'rank', { integer: true, min: 1 });
  if (rank === undefined) throw new UsageError('--rank is required');
  const reader = await readSafetensors(need(v, 'model'));
  try {
    const { adapter, residual } = await pissaFromModel(reader, {
      target: targetOf(v),
      rank,
      alpha: number(v, 'alpha'),
      niter: number(v, 'niter', { integer: true, min: 0 }),
      seed: number(v, 'seed', { integer: true }),
      rslora: v.rslora === true,
      fanInFanOut: v['fan-in-fan-out'] === true,
      baseModel: typeof v['base-model'] === 'string' ? v['base-model'] : null,
      taskType: typeof v['task-type'] === 'string' ? v['task-type'] : null,
      onProgress: progress(v.quiet === true),
    });
    const files = await writeOutputs(dir, [...adapterFiles(adapter), modelFile('residual_model.safetensors', residual)]);
    out(v, adapterSummary(dir, adapter, files), adapterText(adapter, files));
  } finally {
    await reader.close();
  }
}

async function eva(v: Values): Promise<void> {
  const dir = need(v, 'out');
  const rank = number(v, 'rank', { integer: true, min: 1 });
  if (rank === undefined) throw new UsageError('--rank is required');
  const alpha = number(v, 'alpha') ?? rank;
  const batch = number(v, 'batch', { integer: true, min: 1 }) ?? 64;
  const model = await readSafetensors(need(v, 'model'));
  const inputs = await readSafetensors(need(v, 'inputs'));
  try {
    const target = targetOf(v);
    const modules = targetedModules(model, target);
    if (modules.length === 0) throw new Error(`eva: no 2-D float weight matches the target ${JSON.stringify(target)}`);
    const shapes = new Map<string, { out: number; in: number }>();
    for (const m of modules) {
      const s = model.info(`${m}.weight`).shape;
      shapes.set(m, { out: s[0]!, in: s[1]! });
      if (!inputs.has(m)) throw new Error(`eva: the inputs file has no tensor "${m}" (tokens x ${s[1]} inputs of that layer)`);
      const x = inputs.info(m).shape;
      if (x.length !== 2 || x[1] !== s[1]) throw new Error(`eva: inputs "${m}" is [${x.join(', ')}], expected [tokens, ${s[1]}]`);
    }
    const collector = new EvaCollector(
      modules.map((m) => ({ name: m, inFeatures: shapes.get(m)!.in, rank })),
      { rho: number(v, 'rho'), tau: number(v, 'tau') },
    );
    const report = progress(v.quiet === true);
    for (const [i, m] of modules.entries()) {
      const { data, shape } = await inputs.float64(m);
      const cols = shape[1]!;
      for (let r0 = 0; r0 < shape[0]!; r0 += batch) {
        const rows = Math.min(batch, shape[0]! - r0);
        if (collector.update(m, { rows, cols, data: data.subarray(r0 * cols, (r0 + rows) * cols) })) break;
      }
      report({ stage: 'eva', module: m, done: i + 1, total: modules.length });
    }
    const ranks = collector.allocate();
    const layers: PeftLoraLayer[] = [];
    for (const m of modules) {
      const init = collector.init(m, shapes.get(m)!.out, { rank: ranks[m]!, alpha });
      if (init) layers.push({ module: m, ...init });
    }
    const base = peftLoraConfig({ r: rank, lora_alpha: alpha, target_modules: target, init_lora_weights: 'eva' });
    base.eva_config = { rho: collector.rho, tau: collector.tau, whiten: false, adjust_scaling_factors: true, use_label_mask: false };
    const adapter: PeftAdapter = { config: configForLayers(base, layers), layers, extra: {} };
    const files = await writeOutputs(dir, adapterFiles(adapter));
    out(v, { ...adapterSummary(dir, adapter, files), ranks }, adapterText(adapter, files));
  } finally {
    await model.close();
    await inputs.close();
  }
}

async function mergeIntoBaseCmd(v: Values): Promise<void> {
  const path = need(v, 'out');
  const adapter = await loadPeftAdapterDir(need(v, 'adapter'));
  const reader = await readSafetensors(need(v, 'model'));
  try {
    const plan = mergeIntoBase(reader, adapter);
    const total = adapter.layers.length;
    let done = 0;
    const report = progress(v.quiet === true);
    for (const l of adapter.layers) {
      const job = plan.tensors[`${l.module}.weight`]!;
      const load = job.load;
      job.load = async () => {
        const t = await load();
        report({ stage: 'merge', module: l.module, done: ++done, total });
        return t;
      };
    }
    await writeModelPlan(path, plan);
    out(v, { out: path, merged: adapter.layers.map((l) => l.module) }, `merged ${total} modules into ${path}\n`);
  } finally {
    await reader.close();
  }
}

async function convertPissa(v: Values): Promise<void> {
  const dir = need(v, 'out');
  const initial = await loadPeftAdapterDir(need(v, 'initial'));
  const trained = await loadPeftAdapterDir(need(v, 'trained'));
  const adapter = convertPissaToLora(initial, trained);
  const files = await writeOutputs(dir, adapterFiles(adapter));
  out(v, adapterSummary(dir, adapter, files), adapterText(adapter, files));
}

const METHODS: readonly PeftMergeMethod[] = ['linear', 'svd', 'cat', 'ties', 'dare_linear', 'dare_ties'];

async function merge(v: Values, dirs: string[]): Promise<void> {
  const dir = need(v, 'out');
  const method = need(v, 'method') as PeftMergeMethod;
  if (!METHODS.includes(method)) throw new UsageError(`--method must be one of ${METHODS.join(', ')}, got ${method}`);
  if (dirs.length === 0) throw new UsageError('merge needs at least one ADAPTER_DIR');
  const weights = need(v, 'weights')
    .split(',')
    .map((s) => {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--weights must be numbers, got ${JSON.stringify(s)}`);
      return n;
    });
  const adapters = [];
  for (const d of dirs) adapters.push(await loadPeftAdapterDir(d));
  const merged = mergePeftAdapters(adapters, {
    method,
    weights,
    density: number(v, 'density'),
    svdRank: number(v, 'rank', { integer: true, min: 1 }),
    seed: number(v, 'seed', { integer: true }),
  });
  const files = await writeOutputs(dir, adapterFiles(merged));
  out(v, adapterSummary(dir, merged, files), adapterText(merged, files));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      spectrum: { type: 'boolean' },
      top: { type: 'string' },
      model: { type: 'string' },
      inputs: { type: 'string' },
      adapter: { type: 'string' },
      initial: { type: 'string' },
      trained: { type: 'string' },
      target: { type: 'string' },
      'target-regex': { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      niter: { type: 'string' },
      seed: { type: 'string' },
      rslora: { type: 'boolean' },
      'fan-in-fan-out': { type: 'boolean' },
      'base-model': { type: 'string' },
      'task-type': { type: 'string' },
      rho: { type: 'string' },
      tau: { type: 'string' },
      batch: { type: 'string' },
      method: { type: 'string' },
      weights: { type: 'string' },
      density: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const v = values as Values;
  if (command !== 'inspect' && command !== 'merge' && positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  switch (command) {
    case 'inspect':
      return inspect(v, positionals);
    case 'pissa':
      return pissa(v);
    case 'eva':
      return eva(v);
    case 'merge-into-base':
      return mergeIntoBaseCmd(v);
    case 'convert-pissa':
      return convertPissa(v);
    case 'merge':
      return merge(v, positionals);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const usage = e instanceof UsageError || (e as NodeJS.ErrnoException)?.code?.startsWith?.('ERR_PARSE_ARGS');
  const msg = (e as Error)?.message ?? String(e);
  process.stderr.write(`x-peft: error: ${msg.split('\n')[0]}\n${usage ? 'run "x-peft --help" for usage\n' : ''}`);
  process.exitCode = usage ? 2 : 1;
});
