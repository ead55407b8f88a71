// Adds up the test-results.json files that vitest (json reporter) and the e2e runner wrote,
// prints each package's counts and one closing line: "Tests: N passed, M failed".
// Exits non-zero when a test failed or when no test ran at all.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group).sort()) {
    const file = join(group, name, 'test-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const p = r.numPassedTests ?? 0;
    const f = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
    const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    passed += p;
    failed += f;
    skipped += s;
    console.log(`${`${group}/${name}`.padEnd(28)} ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  }
}
// The fuzz suite's own summary (calls tried, typed errors, hangs/crashes/raw/NaN/garbage counts).
const fuzz = join('packages', 'fuzz', 'fuzz-summary.json');
if (existsSync(fuzz)) console.log(JSON.parse(readFileSync(fuzz, 'utf8')).line);
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0 || passed === 0) process.exit(1);
