/**
 * Package-shape rules from CONVENTIONS.md that a type checker cannot see: gpu.js stays an
 * optional peer (installing @x/gpu alone pulls no native module), and library code has no
 * eval/new Function and no Node-only APIs, so it runs under a strict CSP and in browsers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('@x/gpu package shape', () => {
  it('declares gpu.js only as an optional peer dependency', () => {
    expect(pkg.dependencies?.['gpu.js']).toBeUndefined();
    expect(pkg.optionalDependencies?.['gpu.js']).toBeUndefined();
    expect(pkg.peerDependencies['gpu.js']).toBeDefined();
    expect(pkg.peerDependenciesMeta['gpu.js'].optional).toBe(true);
    expect(pkg.scripts.install ?? pkg.scripts.postinstall ?? pkg.scripts.preinstall).toBeUndefined();
    // No import-time effects anywhere: the Node entry installs worker_threads when called.
    expect(pkg.sideEffects).toBe(false);
  });

  it('library sources use no eval, new Function, or Node-only APIs outside the Node entry', () => {
    const nodeEntry = join(root, 'src', 'node.ts');
    for (const file of sources(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|new\s+Function\s*\(/);
      if (file === nodeEntry) continue;
      expect(text, file).not.toMatch(/from\s+['"](node:)?(fs|path|child_process|os|worker_threads)['"]|\bprocess\.|\bBuffer\./);
      // Nothing universal imports the Node entry.
      expect(text, file).not.toMatch(/from\s+['"]\.{1,2}\/(\.\.\/)*node['"]/);
    }
  });

  it('serves the Node entry under the "node" condition and the universal one elsewhere', () => {
    const dot = pkg.exports['.'];
    expect(Object.keys(dot)[0]).toBe('node');
    expect(dot.node.import.default).toBe('./dist/node.js');
    expect(dot.node.require.default).toBe('./dist/node.cjs');
    expect(dot.import.default).toBe('./dist/index.js');
    expect(dot.require.default).toBe('./dist/index.cjs');
  });
});
