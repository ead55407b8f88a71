/**
 * Every ts/js block of every README runs against the built packages, and what it prints matches
 * its `// →` comments (src/readme.ts has the rules). Package READMEs also name, in Install,
 * every @x package their examples import.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { blocks, captured, imports, installed, instrument, matches, read, runnable } from '../src/readme';

const run = promisify(execFile);
const here = join(import.meta.dirname, '..');
const root = join(here, '..', '..');
const work = join(here, 'node_modules', '.doc-test');

/** Every README of the repository: the root, each package, each app. */
export function readmes(): string[] {
  const out = [join(root, 'README.md')];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const f = join(root, group, name, 'README.md');
      if (existsSync(f)) out.push(f);
    }
  }
  return out;
}

for (const file of readmes()) {
  const name = relative(root, file);
  const text = read(file);
  const code = blocks(text).filter(runnable);
  if (code.length === 0) continue;
  // Blocks run in child processes, two at a time.
  describe.concurrent(name, () => {
    for (const b of code) {
      if (b.skip) {
        it.skip(`block at line ${b.line} (skipped: ${b.skip})`, () => {});
        continue;
      }
      it(`block at line ${b.line} runs and prints what its // → comments say`, async () => {
        const { code: src, expectations } = instrument(b.code);
        mkdirSync(work, { recursive: true });
        const mod = join(work, `${name.replace(/[^\w]+/g, '_')}_L${b.line}.mts`);
        writeFileSync(mod, `${src}\nexport {};\n`);
        let stdout: string;
        try {
          ({ stdout } = await run(process.execPath, ['--import', 'tsx', mod], { cwd: work, maxBuffer: 64 << 20 }));
        } catch (e) {
          const err = e as { stderr?: string; message: string };
          throw new Error(`${name}:${b.line} failed to run:\n${err.stderr || err.message}`);
        }
        const got = captured(stdout, expectations.length);
        for (let n = 0; n < expectations.length; n++) {
          const { line, expected } = expectations[n]!;
          const where = `${name}:${b.line + 1 + line}`;
          expect(got[n], `${where} did not run`).toBeDefined();
          expect(matches(got[n]!, expected), `${where} printed\n${got[n]}\nbut its comment says\n${expected}`).toBe(true);
        }
      });
    }
    if (name.startsWith('packages/')) {
      it('Install names every @x package the examples import', () => {
        const used = [...new Set(code.filter((b) => !b.skip).flatMap((b) => imports(b.code)))].sort();
        const listed = installed(text);
        expect(used.filter((p) => !listed.includes(p)), 'imported but not in the Install lines').toEqual([]);
      });
    }
  });
}

describe('the // → comparison', () => {
  it('text exact (whitespace collapsed), numbers to the written precision', () => {
    expect(matches('0.2534', '0.25')).toBe(true);
    expect(matches('0.2561', '0.25')).toBe(false);
    expect(matches('3.04e-7', '3e-7')).toBe(true);
    expect(matches('3.6e-7', '3e-7')).toBe(false);
    expect(matches('{ threads: 2,  reason: null }', '{ threads: 2, reason: null }')).toBe(true);
    expect(matches('{ threads: 3, reason: null }', '{ threads: 2, reason: null }')).toBe(false);
    expect(matches('true', 'false')).toBe(false);
    expect(matches('Float64Array(8) [ 1, 2 ]', 'Float64Array(8) [ 1, 2 ]')).toBe(true);
  });
  it('~x bounds a magnitude, … matches anything', () => {
    expect(matches('4.1e-13', '~1e-12')).toBe(true);
    expect(matches('-4.1e-11', '~1e-12')).toBe(false);
    expect(matches('{ threads: 2, reason: null }', '{ threads: …, reason: null }')).toBe(true);
    expect(matches('{ threads: 2, reason: "x" }', '{ threads: …, reason: null }')).toBe(false);
    expect(matches('abc', '…')).toBe(true);
  });
  it('instruments only complete one-line statements', () => {
    const { code, expectations } = instrument('const a = 1;\nconsole.log(a); // → 1');
    expect(expectations).toEqual([{ line: 1, expected: '1' }]);
    expect(captured(code.includes('console.log(a);') ? `x\n${'\u241F'}doc-test:0<\n1\n${'\u241F'}doc-test:0>\n` : '', 1)).toEqual(['1']);
    expect(() => instrument('f(\n  a); // → 1\n  x // → 2')).toThrow(/one-line statement/);
  });
  it('reads skip markers and Install lines', () => {
    const md = '## Install\n\n```sh\nnpm i @x/a @x/gpu\n```\n\n## Example\n\n<!-- doc-test: skip (a sketch) -->\n```ts\nx\n```\n';
    expect(blocks(md).map((b) => [b.lang, b.skip])).toEqual([
      ['sh', null],
      ['ts', 'a sketch'],
    ]);
    expect(installed(md)).toEqual(['@x/a', '@x/gpu']);
    expect(imports("import { a } from '@x/a';\nimport { b } from \"@x/gpu\";")).toEqual(['@x/a', '@x/gpu']);
  });
});
