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
    expect(pkg.sideEffects).toBe(false);
  });

  it('library sources use no eval, new Function, or Node-only APIs', () => {
    for (const file of sources(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|new\s+Function\s*\(/);
      expect(text, file).not.toMatch(/from\s+['"](node:)?(fs|path|child_process|os|worker_threads)['"]|\bprocess\.|\bBuffer\./);
    }
  });
});
