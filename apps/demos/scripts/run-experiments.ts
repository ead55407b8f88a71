/**
 * Runs every registered experiment in Node and prints a summary table.
 *   tsx scripts/run-experiments.ts [--full] [--wasm] [--filter <substring>] [--json <path>]
 * Quick sizes by default (--full for the page's sizes). --seed and --param name=value (repeatable)
 * set what the pages' controls set (Experiment.params; --list-params lists them). --wasm runs them on @x/gpu's wasm
 * kernels with a thread pool (as the demo pages do) instead of the js reference route.
 * Exits 1 when an experiment fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { enableWasm, wasmFma, wasmThreads } from '@x/gpu';
import type { Experiment, ExperimentParamValue, ExperimentResult } from '../src/lib/experiment';
import { experiments } from '../src/registry';

const { values: args } = parseArgs({
  // `pnpm ... -- --full` hands the separator through; ignore it.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    full: { type: 'boolean', default: false },
    wasm: { type: 'boolean', default: false },
    filter: { type: 'string' },
    json: { type: 'string' },
    seed: { type: 'string' },
    /** name=value, repeatable: a declared parameter (Experiment.params), for the experiments that declare it. */
    param: { type: 'string', multiple: true, default: [] },
    'list-params': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: tsx scripts/run-experiments.ts [--full] [--wasm] [--filter <substring>] [--json <path>] [--seed <n>] [--param <name>=<value> ...] [--list-params]');
  process.exit(0);
}
if (args.wasm) {
  await enableWasm({ threads: 'auto' });
  const t = wasmThreads();
  console.log(`CPU kernels: wasm SIMD${wasmFma() ? ' (fused multiply-add)' : ''} on ${t.threads} thread(s)${t.reason ? ` (${t.reason})` : ''}`);
}

const selected = experiments.filter((e) => !args.filter || e.id.includes(args.filter) || e.pkg.includes(args.filter));
if (selected.length === 0) {
  console.error(`no experiment matches "${args.filter ?? ''}" (registered: ${experiments.map((e) => e.id).join(', ')})`);
  process.exit(1);
}

// Controls as flags: the same declarations (Experiment.params) the pages render as inputs.
if (args['list-params']) {
  for (const e of selected) {
    for (const p of e.params ?? []) {
      const range = p.kind === 'choice' ? (p.options ?? []).join(' | ') : `${p.min ?? '-inf'} .. ${p.max ?? 'inf'}`;
      console.log(`${e.id}  --param ${p.name}=<${p.kind}>  ${p.label}: ${range} (default ${p.quick !== undefined ? `${p.quick} quick, ` : ''}${p.default})`);
    }
  }
  process.exit(0);
}
const paramValues: Record<string, string> = {};
for (const kv of args.param ?? []) {
  const eq = kv.indexOf('=');
  if (eq <= 0) {
    console.error(`--param takes name=value, got "${kv}"`);
    process.exit(2);
  }
  paramValues[kv.slice(0, eq)] = kv.slice(eq + 1);
}
for (const name of Object.keys(paramValues)) {
  if (!selected.some((e) => e.params?.some((p) => p.name === name))) {
    console.error(`no selected experiment declares --param ${name} (see --list-params)`);
    process.exit(2);
  }
}
/** The --param values an experiment declares, typed by its declaration (checked by the experiment). */
function paramsFor(e: Experiment): Record<string, ExperimentParamValue> {
  const out: Record<string, ExperimentParamValue> = {};
  for (const p of e.params ?? []) if (p.name in paramValues) out[p.name] = p.kind === 'choice' ? paramValues[p.name]! : Number(paramValues[p.name]);
  return out;
}
const seed = args.seed === undefined ? undefined : Number(args.seed);
if (seed !== undefined && !Number.isInteger(seed)) {
  console.error(`--seed takes an integer, got "${args.seed}"`);
  process.exit(2);
}

interface Row {
  id: string;
  pkg: string;
  title: string;
  ok: boolean;
  seconds: number;
  summary: string;
  checks: ExperimentResult['checks'];
  metrics?: Record<string, number>;
}

const rows: Row[] = [];
const t0 = performance.now();
for (const e of selected) {
  process.stdout.write(`running ${e.id} ... `);
  const start = performance.now();
  let result: ExperimentResult;
  try {
    result = await e.run({ quick: !args.full, seed, params: paramsFor(e) });
  } catch (err) {
    result = { ok: false, checks: [], summary: `threw ${(err as Error).name}: ${(err as Error).message}` };
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`${result.ok ? 'ok' : 'FAILED'} (${seconds.toFixed(1)} s)`);
  for (const c of result.checks) console.log(`    ${c.holds ? 'holds' : 'FAILS'}${c.asserted === false ? ' (not asserted)' : ''}: ${c.statement} [${c.measured}]`);
  rows.push({ id: e.id, pkg: e.pkg, title: e.title, ok: result.ok, seconds, summary: result.summary, checks: result.checks, metrics: result.metrics });
}

const header = ['experiment', 'package', 'result', 'time', 'summary'];
const table = rows.map((r) => [r.id, r.pkg, r.ok ? 'ok' : 'FAIL', `${r.seconds.toFixed(1)} s`, r.summary]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
console.log();
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(line(t));

if (args.json) {
  const path = resolve(args.json);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), quick: !args.full, experiments: rows }, null, 2)}\n`);
}

const failed = rows.filter((r) => !r.ok).length;
const total = ((performance.now() - t0) / 1000).toFixed(1);
/** Experiments slower than this (in the chosen mode) are listed after the table. */
const SLOW_S = 5;
const slow = rows.filter((r) => r.seconds > SLOW_S).sort((a, b) => b.seconds - a.seconds);
if (slow.length > 0) {
  console.log();
  console.log(`Slow (> ${SLOW_S} s): ${slow.map((r) => `${r.id} ${r.seconds.toFixed(1)} s`).join(', ')}`);
}
console.log();
console.log(`Experiments: ${rows.length - failed} passed, ${failed} failed (${total} s)`);
process.exit(failed > 0 ? 1 : 0);
