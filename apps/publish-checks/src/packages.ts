/** The public packages of the repository (packages/* without "private"), with their paths. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..', '..');

export interface PublicPackage {
  /** Folder name under packages/. */
  dir: string;
  /** Absolute path of the folder. */
  path: string;
  /** The parsed package.json. */
  pkg: {
    name: string;
    version: string;
    exports: Record<string, unknown>;
    [k: string]: unknown;
  };
}

export function publicPackages(): PublicPackage[] {
  const out: PublicPackage[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (!pkg.private) out.push({ dir, path: join(root, 'packages', dir), pkg });
  }
  return out;
}
