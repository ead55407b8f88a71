/**
 * The API reference: every export of every package's main entry carries a doc comment (TypeDoc
 * renders the TSDoc, apps/demos' build writes it under /api), the TypeDoc config covers every
 * public package, and each README links to its package's page.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { undocumented } from '../src/doc-comments';
import { publicPackages, root } from '../src/packages';

const pkgs = publicPackages();

describe('API reference', () => {
  it('every export of every main entry has a doc comment', () => {
    const missing = undocumented(pkgs.map((p) => join(p.path, 'src', 'index.ts')));
    const report = Object.fromEntries(Object.entries(missing).filter(([, v]) => v.length));
    expect(report, 'exports without a /** doc comment */ (entry file -> names)').toEqual({});
  }, 120_000);

  it('TypeDoc builds every package into the demo site under /api', () => {
    const cfg = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8'));
    expect(cfg.entryPointStrategy).toBe('packages');
    // Every public package under packages/; private ones (the fuzz suite) are left out by name.
    const privates = readdirSync(join(root, 'packages'))
      .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
      .filter((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).private === true)
      .sort();
    expect(cfg.entryPoints).toEqual([privates.length ? `packages/!(${privates.join('|')})` : 'packages/*']);
    expect(cfg.out).toBe('apps/demos/dist/api');
    const demos = JSON.parse(readFileSync(join(root, 'apps', 'demos', 'package.json'), 'utf8'));
    expect(demos.scripts.build).toMatch(/vite build && typedoc --options \.\.\/\.\.\/typedoc\.json/);
  });

  it.each(pkgs.map((p) => [p.dir, p.pkg.name] as const))('packages/%s/README.md links to its API page', (dir) => {
    const readme = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
    expect(readme).toContain(`/api/modules/_x_${dir}.html`);
  });
});
