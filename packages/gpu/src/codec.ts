import { DomainError } from './errors';
import { describe } from './limits';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/**
 * A typed array as stored in saved state (every `toJSON()` of `@x`): base64 of its little-endian
 * bytes, so the round trip is bit-exact (-0, NaN payloads and subnormals included).
 */
export interface EncodedArray {
  readonly dtype: 'f64' | 'i32';
  readonly length: number;
  readonly b64: string;
}

function toLittleEndianBytes(x: Float64Array | Int32Array): Uint8Array {
  const out = new Uint8Array(x.length * (x instanceof Float64Array ? 8 : 4));
  const view = new DataView(out.buffer);
  if (x instanceof Float64Array) for (let i = 0; i < x.length; i++) view.setFloat64(8 * i, x[i]!, true);
  else for (let i = 0; i < x.length; i++) view.setInt32(4 * i, x[i]!, true);
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const b2 = i + 2 < n ? bytes[i + 2]! : 0;
    s += ALPHABET[b0 >> 2]! + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!;
    s += i + 1 < n ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    s += i + 2 < n ? ALPHABET[b2 & 63]! : '=';
  }
  return s;
}

function unbase64(fn: string, s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new DomainError(`${fn}: corrupt base64 payload (length ${s.length})`);
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => {
      const ch = s.charCodeAt(i + k);
      if (s[i + k] === '=') return 0;
      const v = ch < 128 ? LOOKUP[ch]! : -1;
      if (v < 0) throw new DomainError(`${fn}: corrupt base64 payload (character ${JSON.stringify(s[i + k])})`);
      return v;
    }) as [number, number, number, number];
    const triple = (c[0] << 18) | (c[1] << 12) | (c[2] << 6) | c[3];
    if (o < out.length) out[o++] = (triple >> 16) & 255;
    if (o < out.length) out[o++] = (triple >> 8) & 255;
    if (o < out.length) out[o++] = triple & 255;
  }
  return out;
}

/** Encodes a Float64Array or Int32Array bit-exactly (NaN payloads and -0 included). */
export function encodeArray(x: Float64Array | Int32Array): EncodedArray {
  if (!(x instanceof Float64Array) && !(x instanceof Int32Array)) {
    throw new DomainError(`encodeArray: x must be a Float64Array or an Int32Array, got ${describe(x)}`);
  }
  return { dtype: x instanceof Float64Array ? 'f64' : 'i32', length: x.length, b64: base64(toLittleEndianBytes(x)) };
}

/**
 * Inverse of {@link encodeArray}. `fn` names the caller in the {@link DomainError} thrown for
 * anything that is not an encoded array (wrong fields, corrupt base64, byte count ≠ length·width).
 */
export function decodeArray(fn: string, e: unknown): Float64Array | Int32Array {
  const o = e as Partial<EncodedArray> | null;
  if (!o || typeof o !== 'object' || (o.dtype !== 'f64' && o.dtype !== 'i32') || typeof o.b64 !== 'string' || !Number.isInteger(o.length) || (o.length as number) < 0) {
    throw new DomainError(`${fn}: expected an encoded array { dtype, length, b64 }, got ${JSON.stringify(e)?.slice(0, 80)}`);
  }
  const bytes = unbase64(fn, o.b64);
  const width = o.dtype === 'f64' ? 8 : 4;
  if (bytes.length !== (o.length as number) * width) throw new DomainError(`${fn}: encoded array has ${bytes.length} bytes, expected ${(o.length as number) * width}`);
  const view = new DataView(bytes.buffer);
  if (o.dtype === 'f64') {
    const out = new Float64Array(o.length as number);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  const out = new Int32Array(o.length as number);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}
