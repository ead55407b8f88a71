// The fuzz suite's driver. Enumerates every export subpath of every @x package in packages/,
// runs each module's cases in a child process (per-call timeout, resident-memory cap), and
// restarts the child after the case that hung or crashed it. Prints a summary line and writes
// fuzz-summary.json. CLI: node src/run.mjs [module specifier...]
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_LINALG_FAILURES } from './known-linalg-failures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const CALL_TIMEOUT_MS = Number(process.env.FUZZ_CALL_TIMEOUT_MS ?? 2000);
const RSS_CAP_MB = Number(process.env.FUZZ_RSS_MB ?? 1536);
const JOBS = Number(process.env.FUZZ_JOBS ?? 2);
const FAILURES = ['hang', 'crash', 'raw', 'nan', 'garbage', 'base'];

/** Every `@x/<pkg>[/<subpath>]` a published (non-private) package in packages/ exports. */
export function moduleSpecifiers() {
  const out = [];
  const dir = join(root, 'packages');
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.private) continue;
    for (const sub of Object.keys(pkg.exports ?? { '.': null }).sort()) {
      if (sub === './package.json') continue;
      out.push(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`);
    }
  }
  return out;
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs one module's cases; resolves to { spec, n, missing, stale, results, fatal }. */
export function runModule(spec) {
  const results = [];
  let n = null;
  let missing = [];
  let stale = [];
  let fatal = null;
  return new Promise((resolve) => {
    const start = (from) => {
      const child = fork(join(here, 'child.mjs'), [spec, String(from)], {
        execArgv: ['--max-old-space-size=1024', '--stack-size=2000'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        if (stderr.length < 2000) stderr += d;
      });
      let current = null;
      let timer = null;
      let killedFor = null;
      const poll = setInterval(() => {
        if (current && rssMb(child.pid) > RSS_CAP_MB) {
          killedFor = 'memory';
          child.kill('SIGKILL');
        }
      }, 100);
      child.on('message', (m) => {
        if (m.type === 'list') {
          n = m.n;
          missing = m.missing;
          stale = m.stale;
        } else if (m.type === 'start') {
          current = m;
          clearTimeout(timer);
          timer = setTimeout(() => {
            killedFor = 'timeout';
            child.kill('SIGKILL');
          }, CALL_TIMEOUT_MS);
        } else if (m.type === 'result') {
          clearTimeout(timer);
          current = null;
          results.push(m);
        } else if (m.type === 'fatal') {
          fatal = m.detail;
        }
      });
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        clearInterval(poll);
        if (current) {
          const outcome = killedFor === 'timeout' ? 'hang' : 'crash';
          const detail =
            killedFor === 'timeout'
              ? `no answer in ${CALL_TIMEOUT_MS} ms`
              : killedFor === 'memory'
                ? `resident memory over ${RSS_CAP_MB} MB`
                : `child exited (${sig ?? code}) ${stderr.slice(-300)}`;
          results.push({ i: current.i, name: current.name, label: current.label, outcome, detail });
          start(current.i + 1);
          return;
        }
        if (n === null && !fatal) fatal = `child exited before listing cases (${sig ?? code}): ${stderr.slice(-400)}`;
        resolve({ spec, n: n ?? 0, missing, stale, results, fatal });
      });
    };
    start(0);
  });
}

/** Runs every module (or the given ones) and returns the summary object. */
export async function runAll(specs = moduleSpecifiers()) {
  const t0 = Date.now();
  const queue = specs.slice();
  const modules = [];
  await Promise.all(
    Array.from({ length: Math.min(JOBS, queue.length) }, async () => {
      while (queue.length) modules.push(await runModule(queue.shift()));
    }),
  );
  modules.sort((a, b) => a.spec.localeCompare(b.spec));
  const counts = { calls: 0, typed: 0, ok: 0, known: 0 };
  for (const f of FAILURES) counts[f] = 0;
  const failures = [];
  const knownSeen = new Set();
  for (const m of modules) {
    for (const r of m.results) {
      counts.calls++;
      const key = `${m.spec} ${r.name} | ${r.label}`;
      if (FAILURES.includes(r.outcome)) {
        if (m.spec.startsWith('@x/linalg') && KNOWN_LINALG_FAILURES.has(key)) {
          counts.known++;
          knownSeen.add(key);
          continue;
        }
        counts[r.outcome]++;
        failures.push({ key, outcome: r.outcome, detail: r.detail });
      } else counts[r.outcome]++;
    }
    for (const name of m.missing) failures.push({ key: `${m.spec} ${name}`, outcome: 'missing', detail: 'export has no fuzz template' });
    for (const name of m.stale) failures.push({ key: `${m.spec} ${name}`, outcome: 'stale', detail: 'template names no export' });
    if (m.fatal) failures.push({ key: m.spec, outcome: 'fatal', detail: m.fatal });
  }
  const staleKnown = [...KNOWN_LINALG_FAILURES].filter((k) => !knownSeen.has(k));
  const seconds = (Date.now() - t0) / 1000;
  const line =
    `Fuzz: ${counts.calls} calls over ${modules.length} modules, ${counts.typed} typed errors, ${counts.ok} accepted; ` +
    `${counts.hang} hangs, ${counts.crash} crashes, ${counts.raw} raw errors, ${counts.nan} NaN results, ` +
    `${counts.garbage} garbage accepted, ${counts.base} failing templates` +
    (counts.known ? ` (${counts.known} known @x/linalg failures allowlisted)` : '') +
    ` in ${seconds.toFixed(0)} s`;
  return { line, counts, failures, staleKnown, seconds, modules: modules.map((m) => ({ spec: m.spec, cases: m.n })) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const specs = process.argv.slice(2);
  const s = await runAll(specs.length ? specs : undefined);
  for (const f of s.failures) console.log(`${f.outcome.padEnd(8)} ${f.key}: ${f.detail}`);
  console.log(s.line);
  if (!specs.length) writeFileSync(join(here, '..', 'fuzz-summary.json'), `${JSON.stringify(s, null, 1)}\n`);
  process.exit(s.failures.length ? 1 : 0);
}
