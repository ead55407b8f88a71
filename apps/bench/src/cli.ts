/**
 * @x benchmarks.
 *   tsx src/cli.ts [--quick] [--filter matmul] [--sizes 64,128] [--json results/latest.json] [--markdown]
 * Prints a table per benchmark and writes every row as JSON. gpu.js rows need a GPU context: in
 * Node that is headless GL under an X display (xvfb-run -a -s "-ac -screen 0 1280x1024x24" ...).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks, runBenchmarks, selectBenchmarks } from './registry';
import { markdownTable, textTable } from './table';
import type { BenchMode } from './types';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: tsx src/cli.ts [options]
  --quick            fewer sizes and repetitions (about a minute)
  --filter <ids>     comma-separated substrings of benchmark ids (registered: ${benchmarks.map((b) => b.id).join(', ')})
  --sizes <list>     comma-separated sizes, e.g. 64,100,512
  --json <path>      where to write the results (default: apps/bench/results/latest.json)
  --markdown         print markdown tables instead of plain text
  --list             list the benchmarks and exit`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      // `pnpm bench -- --quick` hands the separator through; ignore it.
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: {
        quick: { type: 'boolean', default: false },
        tiny: { type: 'boolean', default: false },
        filter: { type: 'string' },
        sizes: { type: 'string' },
        json: { type: 'string' },
        markdown: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (args.list) {
  for (const b of benchmarks) console.log(`${b.id.padEnd(12)} ${b.title}`);
  process.exit(0);
}

const mode: BenchMode = args.tiny ? 'tiny' : args.quick ? 'quick' : 'full';
let sizes: number[] | undefined;
if (args.sizes) {
  sizes = args.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail(`--sizes must be positive integers, got "${args.sizes}"`);
}
if (selectBenchmarks(args.filter).length === 0) fail(`no benchmark matches --filter "${args.filter}"`);

// Other processes skew timings (ratios less so: every row shares the machine); record the load.
const loadBefore = loadavg()[0]!;
const t0 = performance.now();
const reports = await runBenchmarks({
  mode,
  filter: args.filter,
  sizes,
  log: (m) => process.stderr.write(`  ${m}\n`),
});
const seconds = (performance.now() - t0) / 1000;

for (const r of reports) {
  console.log();
  if (args.markdown) {
    console.log(`### ${r.title}\n`);
    console.log(markdownTable(r));
  } else {
    console.log(textTable(r));
  }
  for (const [k, v] of Object.entries(r.env)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    console.log(`  ${k}: ${s}`);
  }
}

const cpu = cpus();
const out = {
  date: new Date().toISOString(),
  mode,
  seconds,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpu.length} x ${cpu[0]?.model ?? 'unknown'}`,
  display: process.env.DISPLAY ?? null,
  loadAverage: { before: loadBefore, after: loadavg()[0]! },
  benchmarks: reports,
};
const jsonPath = resolve(args.json ?? resolve(appDir, 'results/latest.json'));
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, `${JSON.stringify(out, null, 2)}\n`);

const rows = reports.flatMap((r) => r.rows);
const errors = rows.filter((r) => r.status === 'error');
const unavailable = rows.filter((r) => r.status === 'unavailable');
console.log();
console.log(
  `Benchmarks: ${reports.length} run, ${rows.length - errors.length - unavailable.length} rows ok, ${unavailable.length} unavailable, ${errors.length} failed in ${seconds.toFixed(1)} s (load average ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)} on ${cpu.length} CPUs); JSON: ${jsonPath}`,
);
process.exit(errors.length > 0 ? 1 : 0);
