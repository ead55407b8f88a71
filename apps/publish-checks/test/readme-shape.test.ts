/**
 * One README shape (STYLE.md §7): the level-2 sections of every package README come in the order
 * summary, Install, Example, API, Paper fidelity, Experiments, Benchmarks (a heading may extend
 * its name, "## Benchmarks: dense"; Paper fidelity, Experiments and Benchmarks may be absent),
 * and every value the package's main entry exports is named in its README. Every table under
 * "## API" (its subsections included, up to the next level-2 heading) has the house header row:
 * export | what it computes | shapes and complexity | errors | paper (case-insensitive).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicPackages } from '../src/packages';

const ORDER = ['Install', 'Example', 'API', 'Paper fidelity', 'Experiments', 'Benchmarks'];
const REQUIRED = ['Install', 'Example', 'API'];
const API_COLUMNS = ['export', 'what it computes', 'shapes and complexity', 'errors', 'paper'];
const own = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));

/** Level-2 headings outside code fences. */
export function sections(markdown: string): string[] {
  let fenced = false;
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    else if (!fenced && line.startsWith('## ')) out.push(line.slice(3).trim());
  }
  return out;
}

/** The cells of a Markdown table row (split on unescaped pipes, trimmed). */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

/**
 * The header rows (as cells) of the tables in the "## API" section, subsections included, up to
 * the next level-2 heading; tables inside code fences are not tables. A table starts at a `|`
 * line that does not follow another `|` line and is followed by a `|---|` separator row.
 */
export function apiTableHeaders(markdown: string): { line: number; cells: string[] }[] {
  const lines = markdown.split('\n');
  const out: { line: number; cells: string[] }[] = [];
  let fenced = false;
  let inApi = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    if (line.startsWith('## ')) inApi = canonical(line.slice(3).trim()) === ORDER.indexOf('API');
    const isRow = line.trimStart().startsWith('|');
    const prevRow = i > 0 && lines[i - 1]!.trimStart().startsWith('|');
    const next = lines[i + 1] ?? '';
    if (inApi && isRow && !prevRow && /^\s*\|?\s*:?-{3,}/.test(next)) out.push({ line: i + 1, cells: cells(line) });
  }
  return out;
}

function canonical(heading: string): number {
  return ORDER.findIndex((c) => heading === c || heading.startsWith(`${c}:`) || heading.startsWith(`${c} (`));
}

describe.each(publicPackages())('packages/$dir/README.md', ({ dir, path, pkg }) => {
  const readme = readFileSync(join(path, 'README.md'), 'utf8');

  it('has the sections in the house order', () => {
    const heads = sections(readme);
    for (const h of heads) expect(canonical(h), `"## ${h}" is not one of ${ORDER.join(', ')}`).toBeGreaterThanOrEqual(0);
    const idx = heads.map(canonical);
    expect(idx, `order: ${heads.join(' | ')}`).toEqual([...idx].sort((a, b) => a - b));
    for (const r of REQUIRED) expect(heads.some((h) => canonical(h) === ORDER.indexOf(r)), `missing ## ${r}`).toBe(true);
  });

  it('names every value its main entry exports', async () => {
    expect(own.dependencies[pkg.name], `add "${pkg.name}": "workspace:^" to apps/publish-checks' dependencies (so turbo builds it first)`).toBeDefined();
    const mod = await import(pkg.name);
    const missing = Object.keys(mod).filter((k) => !new RegExp(`(^|[^\\w$])${k.replace(/\$/g, '\\$')}(?![\\w$])`).test(readme));
    expect(missing, `exported by ${pkg.name} but not in packages/${dir}/README.md`).toEqual([]);
  });

  it('gives every table under ## API the house columns', () => {
    const tables = apiTableHeaders(readme);
    expect(tables.length, 'no table under ## API').toBeGreaterThan(0);
    for (const t of tables) {
      expect(t.cells.map((c) => c.toLowerCase()), `packages/${dir}/README.md:${t.line}: ${API_COLUMNS.join(' | ')}`).toEqual(API_COLUMNS);
    }
  });
});

describe('apiTableHeaders', () => {
  it('reads the tables of ## API and its subsections only, outside code fences', () => {
    const md = [
      '## Example',
      '| a | b |',
      '|---|---|',
      '## API',
      '| Export | What it computes | Shapes and complexity | Errors | Paper |',
      '|---|---|---|---|---|',
      '| `f` | f | O(1) | — | — |',
      '### More',
      '```md',
      '| not | a table |',
      '|---|---|',
      '```',
      '| x \\| y | z |',
      '| :--- | ---: |',
      'a line with | a pipe',
      '## Benchmarks',
      '| n | ms |',
      '|---|---|',
    ].join('\n');
    expect(apiTableHeaders(md)).toEqual([
      { line: 5, cells: ['Export', 'What it computes', 'Shapes and complexity', 'Errors', 'Paper'] },
      { line: 13, cells: ['x \\| y', 'z'] },
    ]);
  });
});
