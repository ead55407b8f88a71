/**
 * Every committed fixture JSON (packages/<p>/test/fixtures, nested folders included) carries the
 * provenance header, names a generator script that exists, and the top-level ones follow the
 * `<module>-<case>.json` naming. PEFT adapter folders hold `adapter_config.json` files in PEFT's
 * own format: those are inputs written by the generator in that format, not fixture documents.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_NAME, headerProblems, loadFixture } from '../src';

const root = join(import.meta.dirname, '..', '..', '..');
const FORMAT_FILES = new Set(['adapter_config.json']);

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith('.json') && !FORMAT_FILES.has(name)) out.push(path);
  }
  return out;
}

const dirs = readdirSync(join(root, 'packages'))
  .map((p) => join(root, 'packages', p, 'test', 'fixtures'))
  .filter((d) => existsSync(d));
const files = dirs.flatMap(jsonFiles);

describe('committed fixtures', () => {
  it('are found (the walk itself works)', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s has the provenance header', (_, file) => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(headerProblems(json)).toEqual([]);
    expect(existsSync(join(root, json.header.generator)), `${json.header.generator} does not exist`).toBe(true);
  });

  it('top-level fixture JSONs are named <module>-<case>.json', () => {
    const bad = dirs.flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.json') && !FIXTURE_NAME.test(n)).map((n) => relative(root, join(d, n))));
    expect(bad).toEqual([]);
  });
});

describe('headerProblems / loadFixture', () => {
  const good = { generator: 'tooling/fixtures/x.py', versions: { numpy: '2.4.6' }, seed: 1 };
  it('accepts a complete header and a null seed', () => {
    expect(headerProblems({ header: good })).toEqual([]);
    expect(headerProblems({ header: { ...good, seed: null, source: 's', description: 'd' } })).toEqual([]);
  });
  it('names each missing or malformed field', () => {
    expect(headerProblems([])).toEqual(['the fixture is not a JSON object']);
    expect(headerProblems({ generator: 'tooling/fixtures/x.py' })).toEqual(['no "header" object']);
    expect(headerProblems({ header: { ...good, generator: 'x.py' } })[0]).toMatch(/header.generator/);
    expect(headerProblems({ header: { ...good, versions: {} } })[0]).toMatch(/header.versions/);
    expect(headerProblems({ header: { ...good, seed: 1.5 } })[0]).toMatch(/header.seed/);
    expect(headerProblems({ header: { ...good, numpy: '2' } })[0]).toMatch(/unknown fields: numpy/);
  });
  it('loadFixture refuses a fixture without the header', () => {
    expect(() => loadFixture(join(import.meta.dirname, 'no-header'), 'x-y.json')).toThrow(/no "header" object/);
  });
  it('FIXTURE_NAME takes kebab-case module-case names only', () => {
    for (const n of ['dense-svd.json', 'module-legacy-v1.json']) expect(FIXTURE_NAME.test(n)).toBe(true);
    for (const n of ['fd.json', 'optim_steps.json', 'Dense-svd.json']) expect(FIXTURE_NAME.test(n)).toBe(false);
  });
});
