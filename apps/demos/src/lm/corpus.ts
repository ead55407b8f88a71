// The language-model page's corpora: the same files of the `typescript` package that the
// headless command reads from node_modules (root devDependency, pinned in pnpm-lock.yaml),
// bundled here as text by Vite (`?raw`), assembled by @x/lm's corporaFromFiles exactly as
// the command assembles them. Nothing is fetched from another origin.
import { type CODE_FILES, type Corpora, corporaFromFiles, type PROSE_FILES } from '@x/lm';
import tsPackage from 'typescript/package.json';
import readme from 'typescript/README.md?raw';
import security from 'typescript/SECURITY.md?raw';
import notices from 'typescript/ThirdPartyNoticeText.txt?raw';
import license from 'typescript/LICENSE.txt?raw';
import es5 from 'typescript/lib/lib.es5.d.ts?raw';

const FILES: Record<(typeof PROSE_FILES)[number] | (typeof CODE_FILES)[number], string> = {
  'LICENSE.txt': license,
  'ThirdPartyNoticeText.txt': notices,
  'README.md': readme,
  'SECURITY.md': security,
  'lib/lib.es5.d.ts': es5,
};

/** Both corpora, as `loadCorpora()` gives them in Node. */
export function browserCorpora(): Corpora {
  return corporaFromFiles((f) => FILES[f as keyof typeof FILES], tsPackage.version);
}
