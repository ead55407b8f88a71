/**
 * The fuzz suite as a test: every callable export of every @x package's built entries has a
 * template, and no mutated call hangs, crashes, throws a raw engine error, returns a non-finite
 * result from finite input, or accepts garbage. The summary line goes to fuzz-summary.json,
 * which tooling/scripts/summarize-tests.mjs prints at the end of `npm test`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM driver without type declarations
import { runAll } from '../src/run.mjs';

interface Failure {
  key: string;
  outcome: string;
  detail: string;
}
interface Summary {
  line: string;
  failures: Failure[];
  staleKnown: string[];
  counts: Record<string, number>;
}

describe('fuzz: every export refuses bad input with a typed error, in bounded time and memory', async () => {
  const summary: Summary = await runAll();
  writeFileSync(join(import.meta.dirname, '..', 'fuzz-summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
  console.log(summary.line);
  const of = (kinds: string[]) => summary.failures.filter((f) => kinds.includes(f.outcome)).map((f) => `${f.outcome} ${f.key}: ${f.detail}`);

  it('has a template for every callable export, and none for missing exports', () => {
    expect(of(['missing', 'stale', 'fatal'])).toEqual([]);
  });
  it('every template call succeeds with a finite result', () => {
    expect(of(['base'])).toEqual([]);
  });
  it('no call hangs or crashes the process (timeout, memory cap)', () => {
    expect(of(['hang', 'crash'])).toEqual([]);
  });
  it('no raw engine error (TypeError/RangeError not from @x)', () => {
    expect(of(['raw'])).toEqual([]);
  });
  it('no non-finite result from finite input', () => {
    expect(of(['nan'])).toEqual([]);
  });
  it('no garbage accepted (null, strings, fractional/negative counts, unknown options, aborted signals)', () => {
    expect(of(['garbage'])).toEqual([]);
  });
  it('the temporary @x/linalg allowlist names only failures that still occur', () => {
    expect(summary.staleKnown).toEqual([]);
  });
});
