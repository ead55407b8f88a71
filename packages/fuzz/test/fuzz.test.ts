/**
 * The fuzz suite as a test: every callable export of every @x package's built entries has a
 * template, and no mutated call hangs, crashes, throws a raw engine error, returns a non-finite
 * result from finite input, or accepts garbage, except the exact failures listed in
 * known-failures.json (the ratchet: a listed entry that no longer fails fails the suite too, so
 * the list only shrinks; regenerate it with `node src/run.mjs --write-known`). Crashes, memory
 * aborts, failing templates and missing templates are never listed. The summary line goes to
 * fuzz-summary.json, which tooling/scripts/summarize-tests.mjs prints at the end of `npm test`.
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
  allowlistable?: unknown[];
}

describe('fuzz: every export refuses bad input with a typed error, in bounded time and memory', async () => {
  const summary: Summary = await runAll();
  const { allowlistable: _, ...written } = summary;
  writeFileSync(join(import.meta.dirname, '..', 'fuzz-summary.json'), `${JSON.stringify(written, null, 1)}\n`);
  console.log(summary.line);
  const of = (kinds: string[]) => summary.failures.filter((f) => kinds.includes(f.outcome)).map((f) => `${f.outcome} ${f.key}: ${f.detail}`);

  it('has a template for every callable export, and none for missing exports', () => {
    expect(of(['missing', 'stale', 'fatal'])).toEqual([]);
  });
  it('every template call succeeds with a finite result', () => {
    expect(of(['base'])).toEqual([]);
  });
  it('no call crashes the process or passes the memory cap (never allowlisted)', () => {
    expect(of(['crash'])).toEqual([]);
  });
  it('no new hang (timeout) beyond known-failures.json', () => {
    expect(of(['hang'])).toEqual([]);
  });
  it('no new raw engine error (TypeError/RangeError not from @x) beyond known-failures.json', () => {
    expect(of(['raw'])).toEqual([]);
  });
  it('no new non-finite result from finite input beyond known-failures.json', () => {
    expect(of(['nan'])).toEqual([]);
  });
  it('no new garbage accepted (null, strings, fractional/negative counts, unknown options, aborted signals) beyond known-failures.json', () => {
    expect(of(['garbage'])).toEqual([]);
  });
  it('known-failures.json names only failures that still occur (fixed ones are removed: the list only shrinks)', () => {
    expect(summary.staleKnown).toEqual([]);
  });
});
