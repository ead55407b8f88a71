/**
 * Character-level vocabulary: id 0 is a newline, ids 1..95 are the printable ASCII characters
 * ' '..'~', and id 96 stands for everything else (tabs become two spaces first). 97 tokens.
 */
export const VOCAB_SIZE = 97;
export const UNK = 96;

/** Text -> token ids. */
export function encode(text: string): Int32Array {
  const t = text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ');
  const out = new Int32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    out[i] = c === 10 ? 0 : c >= 32 && c <= 126 ? c - 31 : UNK;
  }
  return out;
}

/** Token ids -> text (UNK shows as '\u00bf'). */
export function decode(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    s += v === 0 ? '\n' : v >= 1 && v <= 95 ? String.fromCharCode(v + 31) : '\u00bf';
  }
  return s;
}
