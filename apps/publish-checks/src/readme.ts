/**
 * README examples as tests. Every ```ts / ```js block of a README is extracted, written to a
 * module beside this package (so `@x/*` resolve to the built packages), run in a child Node
 * through tsx, and its printed output is compared with the `// →` comments of the block.
 *
 * Conventions in the READMEs:
 * - `<!-- doc-test: skip (reason) -->` on the line before a fence: the block is deliberately
 *   partial (an interface sketch, a fragment continuing prose); the reason is required.
 * - `console.log(expr); // → expected` on one line: the output this line prints must match
 *   `expected`. Text must match exactly (runs of spaces collapsed); each number matches to the
 *   precision written (`0.25` means within 0.005, `3e-7` within 0.5e-7); `~1e-12` matches any
 *   number of at most that magnitude; `…` or `...` matches anything.
 */

import { readFileSync } from 'node:fs';

/** One code block of a README. */
export interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The reason from a `doc-test: skip (reason)` marker, or null. */
  skip: string | null;
}

/** Every fenced block of a markdown text, with its language and skip marker. */
export function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j]!)) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marker = k >= 0 ? /<!--\s*doc-test:\s*skip\s*\((.+)\)\s*-->/.exec(lines[k]!) : null;
    out.push({ line: i + 1, lang: open[1]!, code: lines.slice(i + 1, j).join('\n'), skip: marker ? marker[1]!.trim() : null });
    i = j;
  }
  return out;
}

/** Whether a block is example code the runner executes. */
export function runnable(b: Block): boolean {
  return ['ts', 'js', 'typescript', 'javascript', 'mjs', 'mts'].includes(b.lang);
}

/** One `// →` expectation: the 0-based line in the block and the expected text. */
export interface Expectation {
  line: number;
  expected: string;
}

const ARROW = /^(.*?;)\s*\/\/\s*→\s*(.*)$/;

/**
 * The block with output markers around each `// →` line, and the expectations. The markers are
 * unique lines printed before and after the statement, so the text in between is what it printed.
 */
export function instrument(code: string): { code: string; expectations: Expectation[] } {
  const expectations: Expectation[] = [];
  const lines = code.split('\n').map((text, i) => {
    if (!text.includes('// →')) return text;
    const m = ARROW.exec(text);
    if (!m) throw new Error(`line ${i + 1}: "// →" must follow a complete one-line statement ending in ';'`);
    const n = expectations.length;
    expectations.push({ line: i, expected: m[2]!.trim() });
    const indent = /^\s*/.exec(text)![0];
    return `${indent}console.log('${MARK}${n}<'); ${m[1]!.trim()} console.log('${MARK}${n}>');`;
  });
  return { code: lines.join('\n'), expectations };
}

export const MARK = '\u241Fdoc-test:';

/** What each marked statement printed, by expectation index (undefined: the line never ran). */
export function captured(stdout: string, count: number): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(count).fill(undefined);
  const lines = stdout.split('\n');
  for (let n = 0; n < count; n++) {
    const a = lines.indexOf(`${MARK}${n}<`);
    const b = lines.indexOf(`${MARK}${n}>`);
    if (a >= 0 && b > a) out[n] = lines.slice(a + 1, b).join('\n');
  }
  return out;
}

type Token = { num: number; text: string; approx: boolean } | { ch: string } | { wild: true };

/** Characters one by one, numbers whole; in an expectation also `~n` and the wildcard. */
function tokens(s: string, expected: boolean): Token[] {
  const text = s.replace(/\s+/g, ' ').trim();
  const re = expected ? /…|\.\.\.|~?[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi : /[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi;
  const out: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index!;
    // A number glued to a word (float64, x2) is part of the word.
    if (at > 0 && /[A-Za-z_]/.test(text[at - 1]!) && m[0] !== '…' && m[0] !== '...') continue;
    for (const ch of text.slice(last, at)) out.push({ ch });
    if (m[0] === '…' || m[0] === '...') out.push({ wild: true });
    else {
      const approx = m[0].startsWith('~');
      const t = approx ? m[0].slice(1) : m[0];
      out.push({ num: Number(t), text: t, approx });
    }
    last = at + m[0].length;
  }
  for (const ch of text.slice(last)) out.push({ ch });
  return out;
}

/** Half a unit in the last written digit of a number as written (`0.25` → 0.005, `3e-7` → 0.5e-7). */
export function halfUlp(written: string): number {
  const m = /^[-+]?(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(written);
  if (!m) return 0;
  const decimals = m[2]?.length ?? 0;
  const exp = m[3] ? Number(m[3]) : 0;
  return 0.5 * 10 ** (exp - decimals);
}

function same(x: Token, y: Token): boolean {
  if ('ch' in y) return 'ch' in x && x.ch === y.ch;
  if (!('num' in y) || !('num' in x)) return false;
  if (y.approx) return Math.abs(x.num) <= Math.abs(y.num);
  return Math.abs(x.num - y.num) <= halfUlp(y.text) * (1 + 1e-9);
}

/** Whether printed output matches a `// →` expectation (see the module comment). */
export function matches(actual: string, expected: string): boolean {
  const a = tokens(actual, false);
  const e = tokens(expected, true);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (e.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (j === e.length) r = i === a.length;
    else if ('wild' in e[j]!) r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else r = i < a.length && same(a[i]!, e[j]!) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** The `@x/*` packages a code block imports. */
export function imports(code: string): string[] {
  return [...new Set([...code.matchAll(/from\s+['"](@x\/[\w-]+)/g)].map((m) => m[1]!))].sort();
}

/** The `@x/*` packages named by the README's `## Install` section. */
export function installed(markdown: string): string[] {
  const m = /^## Install\n([\s\S]*?)(?=^## )/m.exec(markdown);
  if (!m) return [];
  return [...new Set([...m[1]!.matchAll(/(@x\/[\w-]+)/g)].map((x) => x[1]!))].sort();
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
