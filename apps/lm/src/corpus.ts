import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where a corpus came from: package, version, files, license. */
export interface CorpusSource {
  readonly name: string;
  readonly package: string;
  readonly version: string;
  readonly files: readonly string[];
  readonly license: string;
  readonly chars: number;
}

export interface Corpora {
  /** English prose: the license texts and notices TypeScript ships. */
  prose: string;
  /** TypeScript declarations: the ES5 standard library typings. */
  code: string;
  sources: CorpusSource[];
}

/**
 * Reads both corpora from the `typescript` package the monorepo already installs (root
 * devDependency, pinned 5.9.3 in pnpm-lock.yaml; nothing is downloaded at run time):
 * - prose: LICENSE.txt (Apache-2.0 text), ThirdPartyNoticeText.txt (third-party license texts and
 *   notices), README.md, SECURITY.md;
 * - code: lib/lib.es5.d.ts (the ECMAScript 5 declarations with their TSDoc comments).
 * All are distributed under the Apache License 2.0 (the notices file quotes other permissive
 * licenses verbatim). Node only.
 */
export function loadCorpora(): Corpora {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('typescript/package.json');
  const root = dirname(pkgPath);
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const proseFiles = ['LICENSE.txt', 'ThirdPartyNoticeText.txt', 'README.md', 'SECURITY.md'];
  const codeFiles = ['lib/lib.es5.d.ts'];
  const read = (f: string) => readFileSync(join(root, f), 'utf8');
  const prose = proseFiles.map(read).join('\n\n');
  const code = codeFiles.map(read).join('\n\n');
  return {
    prose,
    code,
    sources: [
      { name: 'prose', package: 'typescript', version, files: proseFiles, license: 'Apache-2.0 (notices quote third-party permissive licenses)', chars: prose.length },
      { name: 'code', package: 'typescript', version, files: codeFiles, license: 'Apache-2.0', chars: code.length },
    ],
  };
}
