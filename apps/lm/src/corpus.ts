import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Corpora, corporaFromFiles } from './sources';

export type { Corpora, CorpusSource } from './sources';

/**
 * Reads both corpora from the `typescript` package the monorepo already installs (root
 * devDependency, pinned 5.9.3 in pnpm-lock.yaml; nothing is downloaded at run time):
 * - prose: LICENSE.txt (Apache-2.0 text), ThirdPartyNoticeText.txt (third-party license texts and
 *   notices), README.md, SECURITY.md;
 * - code: lib/lib.es5.d.ts (the ECMAScript 5 declarations with their TSDoc comments).
 * Node only (the demos page bundles the same files and calls `corporaFromFiles`).
 */
export function loadCorpora(): Corpora {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('typescript/package.json');
  const root = dirname(pkgPath);
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  return corporaFromFiles((f) => readFileSync(join(root, f), 'utf8'), version);
}
