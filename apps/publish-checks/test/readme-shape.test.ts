/**
 * One README shape (STYLE.md §7): the level-2 sections of every package README come in the order
 * summary, Install, Example, API, Paper fidelity, Experiments, Benchmarks (a heading may extend
 * its name, "## Benchmarks: dense"; Paper fidelity, Experiments and Benchmarks may be absent),
 * and every value the package's main entry exports is named in its README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicPackages } from '../src/packages';

const ORDER = ['Install', 'Example', 'API', 'Paper fidelity', 'Experiments', 'Benchmarks'];
const REQUIRED = ['Install', 'Example', 'API'];
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
});
