// The fuzz suite's driver. Enumerates every export subpath of every @x package in packages/,
// runs each module's cases in a child process (per-call timeout, resident-memory cap), and
// restarts the child after the case that hung or crashed it. Prints a summary line and writes
// fuzz-summary.json. Failures listed in known-failures.json (the ratchet) are counted as known;
// any other failure, and any listed entry that no longer fails, fails the suite.
// CLI: node src/run.mjs [--write-known] [module specifier...]
//   --write-known  rewrites known-failures.json from this run's allowlistable failures (for the
//                  modules run; entries of other modules are kept).
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const CALL_TIMEOUT_MS = Number(process.env.FUZZ_CALL_TIMEOUT_MS ?? 2000);
const RSS_CAP_MB = Number(process.env.FUZZ_RSS_MB ?? 1536);
const JOBS = Number(process.env.FUZZ_JOBS ?? 2);
const FAILURES = ['hang', 'crash', 'raw', 'nan', 'garbage', 'base'];
/** Outcomes the known-failures ratchet may list; crashes (incl. memory aborts), failing templates,
 * missing or stale templates and fatal module errors always fail the suite. */
export const ALLOWLISTABLE = ['hang', 'raw', 'nan', 'garbage'];
export const KNOWN_FILE = join(here, '..', 'known-failures.json');

/** The signature of one failure: module, export (template name), case label, outcome. */
export const signature = (e) => `${e.module} ${e.export} | ${e.case} | ${e.outcome}`;

/** The committed known-failures list, as a Set of signatures. */
export function readKnown(file = KNOWN_FILE) {
  if (!existsSync(file)) return new Set();
  return new Set(JSON.parse(readFileSync(file, 'utf8')).map(signature));
}

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

let scratch = null;
function scratchDir() {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'x-fuzz-cwd-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
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
      const cwd = mkdtempSync(join(scratchDir(), 'child-'));
      const child = fork(join(here, 'child.mjs'), [spec, String(from)], {
        execArgv: ['--max-old-space-size=1024', '--stack-size=2000'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        // A fresh scratch working directory per child: a mutated relative path never lands in
        // the repository, and no module sees files another module's cases wrote (determinism).
        cwd,
        env: { ...process.env, FUZZ_SCRATCH: cwd },
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        if (stderr.length < 2000) stderr += d;
      });
      let current = null;
      let timer = null;
      let killedFor = null;
      let startedAt = 0;
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
          startedAt = Date.now();
          clearTimeout(timer);
          timer = setTimeout(() => {
            killedFor = 'timeout';
            child.kill('SIGKILL');
          }, CALL_TIMEOUT_MS);
        } else if (m.type === 'result') {
          clearTimeout(timer);
          current = null;
          results.push({ ...m, ms: Date.now() - startedAt });
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
export async function runAll(specs = moduleSpecifiers(), knownFile = KNOWN_FILE) {
  const t0 = Date.now();
  const queue = specs.slice();
  const modules = [];
  await Promise.all(
    Array.from({ length: Math.min(JOBS, queue.length) }, async () => {
      while (queue.length) modules.push(await runModule(queue.shift()));
    }),
  );
  modules.sort((a, b) => a.spec.localeCompare(b.spec));
  if (scratch) {
    rmSync(scratch, { recursive: true, force: true });
    scratch = null;
  }
  const counts = { calls: 0, typed: 0, ok: 0 };
  for (const f of FAILURES) counts[f] = 0;
  const known = {};
  for (const f of ALLOWLISTABLE) known[f] = 0;
  const failures = [];
  const knownList = readKnown(knownFile);
  const knownSeen = new Set();
  const allowlistable = [];
  const ran = new Set(modules.map((m) => m.spec));
  for (const m of modules) {
    for (const r of m.results) {
      counts.calls++;
      const key = `${m.spec} ${r.name} | ${r.label}`;
      if (FAILURES.includes(r.outcome)) {
        const entry = { module: m.spec, export: r.name, case: r.label, outcome: r.outcome };
        if (ALLOWLISTABLE.includes(r.outcome)) {
          // A call near the timeout is a hang under load and its real outcome otherwise: a case
          // listed as a hang matches any allowlistable failure of that case, and vice versa.
          const sig = signature(entry);
          const alt = r.outcome === 'hang' ? [...knownList].find((k) => k.startsWith(`${m.spec} ${r.name} | ${r.label} | `)) : signature({ ...entry, outcome: 'hang' });
          const match = knownList.has(sig) ? sig : alt && knownList.has(alt) ? alt : null;
          allowlistable.push(match ? { ...entry, outcome: match.slice(match.lastIndexOf(' | ') + 3) } : entry);
          if (match) {
            known[r.outcome]++;
            knownSeen.add(match);
            continue;
          }
        }
        counts[r.outcome]++;
        failures.push({ key, outcome: r.outcome, detail: r.detail });
      } else counts[r.outcome]++;
    }
    for (const name of m.missing) failures.push({ key: `${m.spec} ${name}`, outcome: 'missing', detail: 'export has no fuzz template' });
    for (const name of m.stale) failures.push({ key: `${m.spec} ${name}`, outcome: 'stale', detail: 'template names no export' });
    if (m.fatal) failures.push({ key: m.spec, outcome: 'fatal', detail: m.fatal });
  }
  // Listed entries of the modules that ran which no longer fail the same way: the list must shrink.
  const staleKnown = [...knownList].filter((k) => ran.has(k.split(' ')[0]) && !knownSeen.has(k));
  for (const k of staleKnown) failures.push({ key: k, outcome: 'fixed', detail: 'listed in known-failures.json but no longer fails: remove it (node src/run.mjs --write-known)' });
  const seconds = (Date.now() - t0) / 1000;
  const knownTotal = ALLOWLISTABLE.reduce((a, f) => a + known[f], 0);
  const per = (f, word) => `${counts[f]} new + ${known[f]} known ${word}`;
  const line =
    `Fuzz: ${counts.calls} calls over ${modules.length} modules, ${counts.typed} typed errors, ${counts.ok} accepted; ` +
    `${per('hang', 'hangs')}, ${counts.crash} crashes, ${per('raw', 'raw errors')}, ${per('nan', 'NaN results')}, ` +
    `${per('garbage', 'garbage accepted')}, ${counts.base} failing templates, ` +
    `${failures.filter((f) => f.outcome === 'missing').length} exports without a template; ` +
    `${knownTotal} of ${knownList.size} known failures still occur, ${staleKnown.length} fixed` +
    ` in ${seconds.toFixed(0)} s`;
  // The calls closest to the per-call timeout: how much margin a slower machine has.
  const slowest = modules
    .flatMap((m) => m.results.filter((r) => r.ms !== undefined).map((r) => ({ key: `${m.spec} ${r.name} | ${r.label}`, ms: r.ms })))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  return { line, slowest, counts, known, knownListed: knownList.size, failures, staleKnown, allowlistable, seconds, modules: modules.map((m) => ({ spec: m.spec, cases: m.n })) };
}

/** Rewrites the known list: this run's allowlistable failures, plus entries of modules not run. */
export function writeKnown(summary, specs, file = KNOWN_FILE) {
  const ran = new Set(specs);
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).filter((e) => !ran.has(e.module)) : [];
  const all = [...kept, ...summary.allowlistable];
  const seen = new Set();
  const out = all
    .filter((e) => !seen.has(signature(e)) && seen.add(signature(e)))
    .sort((a, b) => (signature(a) < signature(b) ? -1 : signature(a) > signature(b) ? 1 : 0));
  writeFileSync(file, `[\n${out.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`);
  return out.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const write = argv.includes('--write-known');
  const specs = argv.filter((a) => a !== '--write-known');
  const s = await runAll(specs.length ? specs : undefined);
  if (write) {
    const n = writeKnown(s, specs.length ? specs : moduleSpecifiers());
    console.log(`known-failures.json: ${n} entries`);
    s.failures = s.failures.filter((f) => f.outcome !== 'fixed' && !ALLOWLISTABLE.includes(f.outcome));
  }
  for (const f of s.failures) console.log(`${f.outcome.padEnd(8)} ${f.key}: ${f.detail}`);
  console.log(`Slowest calls (timeout ${CALL_TIMEOUT_MS} ms): ${s.slowest.map((c) => `${c.ms} ms ${c.key}`).join('; ')}`);
  console.log(s.line);
  if (!specs.length) {
    const { allowlistable, ...rest } = s;
    writeFileSync(join(here, '..', 'fuzz-summary.json'), `${JSON.stringify(rest, null, 1)}\n`);
  }
  process.exit(s.failures.length ? 1 : 0);
}
