/** Where a corpus came from: package, version, files, license. */
export interface CorpusSource {
  readonly name: string;
  readonly package: string;
  readonly version: string;
  readonly files: readonly string[];
  readonly license: string;
  readonly chars: number;
}

/** The two corpora as text, with their sources. */
export interface Corpora {
  /** English prose: the license texts and notices TypeScript ships. */
  prose: string;
  /** TypeScript declarations: the ES5 standard library typings. */
  code: string;
  sources: CorpusSource[];
}

/** The prose corpus: files of the `typescript` package, in this order. */
export const PROSE_FILES = ['LICENSE.txt', 'ThirdPartyNoticeText.txt', 'README.md', 'SECURITY.md'] as const;
/** The code corpus: files of the `typescript` package. */
export const CODE_FILES = ['lib/lib.es5.d.ts'] as const;

/**
 * Builds both corpora from the `typescript` package's files, however they were read (Node's fs
 * in the command, bundled text in the demos page): each corpus is its files joined by a blank
 * line. All are distributed under the Apache License 2.0 (the notices file quotes other
 * permissive licenses verbatim). No Node APIs.
 */
export function corporaFromFiles(read: (file: string) => string, version: string): Corpora {
  const prose = PROSE_FILES.map(read).join('\n\n');
  const code = CODE_FILES.map(read).join('\n\n');
  return {
    prose,
    code,
    sources: [
      { name: 'prose', package: 'typescript', version, files: [...PROSE_FILES], license: 'Apache-2.0 (notices quote third-party permissive licenses)', chars: prose.length },
      { name: 'code', package: 'typescript', version, files: [...CODE_FILES], license: 'Apache-2.0', chars: code.length },
    ],
  };
}
